/* jsonrpc.h — the language server's wire: JSON-RPC 2.0 messages framed by
 * `Content-Length` headers (LSP's base protocol) over a byte stream.
 *
 * The reader keeps its own buffer so that it can tell whether another
 * complete message is already waiting (the server then defers a re-check
 * until a burst of edits is over) and so that framing can be fuzzed on a
 * plain byte array with rpc_frame(). */
#ifndef SFDC_JSONRPC_H
#define SFDC_JSONRPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <cjson/cJSON.h>

enum {
    RPC_MAX_HEADER = 8192,          /* bytes of headers before the blank line */
    RPC_MAX_BODY = 64 << 20,        /* a larger Content-Length is refused */
};

/* JSON-RPC and LSP error codes. */
enum {
    RPC_PARSE_ERROR = -32700,
    RPC_INVALID_REQUEST = -32600,
    RPC_METHOD_NOT_FOUND = -32601,
    RPC_INVALID_PARAMS = -32602,
    RPC_INTERNAL_ERROR = -32603,
    RPC_SERVER_NOT_INITIALIZED = -32002,
    RPC_REQUEST_FAILED = -32803,
    RPC_CONTENT_MODIFIED = -32801,
    RPC_REQUEST_CANCELLED = -32800,
};

typedef enum RpcFrame {
    RPC_FRAME_MORE,     /* not a whole message yet */
    RPC_FRAME_OK,       /* a message: body at hdr, body_len bytes */
    RPC_FRAME_BAD,      /* bad headers: skip *hdr bytes and report */
} RpcFrame;

/* Looks for one message at the start of buf[0..n). OK: the body starts at
 * *hdr and is *body_len bytes. BAD: the first *hdr bytes are garbage (a
 * header block without a valid Content-Length, or headers too long). */
RpcFrame rpc_frame(const char *buf, size_t n, size_t *hdr, size_t *body_len);

typedef struct RpcReader {
    int fd;             /* where bytes come from */
    char *buf;          /* unread bytes; malloc'd */
    size_t len, cap;
    size_t skip;        /* bytes of the last message to drop on the next read */
    bool eof;           /* fd reached end of file */
} RpcReader;

typedef enum RpcRead { RPC_READ_EOF, RPC_READ_MSG, RPC_READ_BAD } RpcRead;

void rpc_reader_init(RpcReader *r, int fd);
void rpc_reader_release(RpcReader *r);
/* Blocks for the next message. MSG: *body (valid until the next call; not
 * NUL-terminated) and *len. BAD: bad framing was skipped; the caller answers
 * with an error and reads on. EOF: the stream ended. */
RpcRead rpc_read(RpcReader *r, const char **body, size_t *len);
/* Whether another complete message can be read without waiting. */
bool rpc_ready(RpcReader *r);
/* Reads, without blocking, whatever input has arrived (so that a long
 * request can see a cancellation sent meanwhile). The body rpc_read last
 * returned may move: use it before calling this. */
void rpc_poll(RpcReader *r);
/* The bytes buffered after the message rpc_read last returned (framed
 * messages, the last possibly incomplete); valid until the next call. */
const char *rpc_waiting(const RpcReader *r, size_t *len);
/* The next whole message in framed bytes buf[*at, n): its body in *body
 * and *len, *at moved past it; bad framing is skipped. false at the end or
 * at an incomplete message. */
bool rpc_next_in(const char *buf, size_t n, size_t *at, const char **body, size_t *len);

/* Writes msg (not consumed) framed to out and flushes. */
void rpc_write(FILE *out, const cJSON *msg);
/* New messages; the caller owns the result. id is copied (may be NULL). */
cJSON *rpc_response(const cJSON *id, cJSON *result);
cJSON *rpc_error(const cJSON *id, int code, const char *message);
cJSON *rpc_notification(const char *method, cJSON *params);

#endif
