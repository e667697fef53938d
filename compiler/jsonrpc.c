/* jsonrpc.c — Content-Length framing and JSON-RPC 2.0 envelopes for the
 * language server (see jsonrpc.h). */
#include "jsonrpc.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "arena.h"
#include "banned.h"

/* The end of the header block ("\r\n\r\n"), or NULL. */
static const char *header_end(const char *buf, size_t n)
{
    for (size_t i = 0; i + 3 < n; i++)
        if (buf[i] == '\r' && buf[i + 1] == '\n' && buf[i + 2] == '\r' && buf[i + 3] == '\n')
            return buf + i;
    return NULL;
}

/* Content-Length from a header block; -1 if absent or not a number. */
static long content_length(const char *h, size_t n)
{
    static const char name[] = "content-length:";
    size_t k = sizeof name - 1;
    for (size_t i = 0; i < n; ) {
        size_t j = i;
        while (j < n && h[j] != '\r')
            j++;
        if (j - i > k && strncasecmp(h + i, name, k) == 0) {
            size_t p = i + k;
            while (p < j && h[p] == ' ')
                p++;
            long v = 0;
            if (p == j)
                return -1;
            for (; p < j; p++) {
                if (h[p] < '0' || h[p] > '9' || v > RPC_MAX_BODY)
                    return h[p] == ' ' ? v : -1;
                v = v * 10 + (h[p] - '0');
            }
            return v;
        }
        i = j + 2;
    }
    return -1;
}

RpcFrame rpc_frame(const char *buf, size_t n, size_t *hdr, size_t *body_len)
{
    const char *end = header_end(buf, n < RPC_MAX_HEADER ? n : RPC_MAX_HEADER);
    if (!end) {
        if (n < RPC_MAX_HEADER)
            return RPC_FRAME_MORE;
        *hdr = n;                   /* no blank line in 8 KiB: all garbage */
        return RPC_FRAME_BAD;
    }
    size_t hl = (size_t)(end - buf) + 4;
    long cl = content_length(buf, (size_t)(end - buf));
    if (cl < 0 || cl > RPC_MAX_BODY) {
        *hdr = hl;
        return RPC_FRAME_BAD;
    }
    if (n - hl < (size_t)cl)
        return RPC_FRAME_MORE;
    *hdr = hl;
    *body_len = (size_t)cl;
    return RPC_FRAME_OK;
}

void rpc_reader_init(RpcReader *r, int fd)
{
    memset(r, 0, sizeof *r);
    r->fd = fd;
}

void rpc_reader_release(RpcReader *r)
{
    free(r->buf);
    memset(r, 0, sizeof *r);
}

static void drop(RpcReader *r, size_t n)
{
    if (n == 0)         /* also covers the empty reader, whose buf is NULL */
        return;
    memmove(r->buf, r->buf + n, r->len - n);
    r->len -= n;
}

/* Reads what is available into the buffer; false at end of file. */
static bool fill(RpcReader *r)
{
    if (r->cap - r->len < 4096) {
        r->cap = r->cap ? r->cap * 2 : 65536;
        r->buf = xrealloc(r->buf, r->cap + 1);
    }
    for (;;) {
        ssize_t got = read(r->fd, r->buf + r->len, r->cap - r->len);
        if (got > 0) {
            r->len += (size_t)got;
            return true;
        }
        if (got < 0 && errno == EINTR)
            continue;
        r->eof = true;
        return false;
    }
}

RpcRead rpc_read(RpcReader *r, const char **body, size_t *len)
{
    drop(r, r->skip);
    r->skip = 0;
    for (;;) {
        size_t hdr = 0, bl = 0;
        RpcFrame f = rpc_frame(r->buf ? r->buf : "", r->len, &hdr, &bl);
        if (f == RPC_FRAME_BAD) {
            drop(r, hdr);
            return RPC_READ_BAD;
        }
        if (f == RPC_FRAME_OK) {
            drop(r, hdr);
            *body = r->buf;
            *len = bl;
            r->skip = bl;
            return RPC_READ_MSG;
        }
        if (r->eof || !fill(r))
            return RPC_READ_EOF;
    }
}

bool rpc_ready(RpcReader *r)
{
    size_t hdr, bl, skip = r->skip;
    if (r->len > skip &&
        rpc_frame(r->buf + skip, r->len - skip, &hdr, &bl) != RPC_FRAME_MORE)
        return true;
    struct pollfd p = {.fd = r->fd, .events = POLLIN};
    return !r->eof && poll(&p, 1, 0) > 0;
}

void rpc_poll(RpcReader *r)
{
    struct pollfd p = {.fd = r->fd, .events = POLLIN};
    while (!r->eof && poll(&p, 1, 0) > 0 && fill(r))
        ;
}

const char *rpc_waiting(const RpcReader *r, size_t *len)
{
    *len = r->len > r->skip ? r->len - r->skip : 0;
    return r->buf ? r->buf + r->skip : "";
}

bool rpc_next_in(const char *buf, size_t n, size_t *at, const char **body, size_t *len)
{
    while (*at < n) {
        size_t hdr = 0, bl = 0;
        RpcFrame f = rpc_frame(buf + *at, n - *at, &hdr, &bl);
        if (f == RPC_FRAME_MORE)
            return false;
        if (f == RPC_FRAME_BAD) {
            *at += hdr;
            continue;
        }
        *body = buf + *at + hdr;
        *len = bl;
        *at += hdr + bl;
        return true;
    }
    return false;
}

void rpc_write(FILE *out, const cJSON *msg)
{
    char *text = cJSON_PrintUnformatted(msg);
    if (!text)
        return;
    fprintf(out, "Content-Length: %zu\r\n\r\n%s", strlen(text), text);
    fflush(out);
    cJSON_free(text);
}

static cJSON *envelope(const cJSON *id)
{
    cJSON *m = cJSON_CreateObject();
    cJSON_AddStringToObject(m, "jsonrpc", "2.0");
    cJSON_AddItemToObject(m, "id", id ? cJSON_Duplicate(id, 1) : cJSON_CreateNull());
    return m;
}

cJSON *rpc_response(const cJSON *id, cJSON *result)
{
    cJSON *m = envelope(id);
    cJSON_AddItemToObject(m, "result", result ? result : cJSON_CreateNull());
    return m;
}

cJSON *rpc_error(const cJSON *id, int code, const char *message)
{
    cJSON *m = envelope(id);
    cJSON *e = cJSON_AddObjectToObject(m, "error");
    cJSON_AddNumberToObject(e, "code", code);
    cJSON_AddStringToObject(e, "message", message);
    return m;
}

cJSON *rpc_notification(const char *method, cJSON *params)
{
    cJSON *m = cJSON_CreateObject();
    cJSON_AddStringToObject(m, "jsonrpc", "2.0");
    cJSON_AddStringToObject(m, "method", method);
    cJSON_AddItemToObject(m, "params", params);
    return m;
}
