// fuzz: compiler
/* fuzz_lsp.c — the language server's message reader on arbitrary bytes:
 * Content-Length framing (rpc_frame), then every framed body through the
 * server (JSON-RPC parsing, dispatch, document sync, checks, requests).
 * The server reads only its open buffers (no_disk), so an input cannot
 * make it scan or read the machine's files. Beyond "no crash, leak or
 * undefined behaviour", framing must make progress: a BAD or OK frame
 * consumes at least one byte and never more than it was given. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonrpc.h"
#include "lsp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static FILE *sink;
    if (!sink && !(sink = fopen("/dev/null", "w")))
        abort();
    Lsp *s = lsp_new(NULL, sink);
    s->no_disk = true;
    const char *buf = (const char *)data;
    size_t pos = 0;
    int messages = 0;
    while (pos < size && messages < 64) {
        size_t hdr = 0, len = 0;
        RpcFrame f = rpc_frame(buf + pos, size - pos, &hdr, &len);
        if (f == RPC_FRAME_MORE)
            break;
        if (hdr == 0 || hdr > size - pos || (f == RPC_FRAME_OK && len > size - pos - hdr))
            __builtin_trap();
        if (f == RPC_FRAME_OK) {
            messages++;
            size_t after = pos + hdr + len;     /* the input waiting after it */
            if (!lsp_handle_before(s, buf + pos + hdr, len, buf + after, size - after))
                break;
            pos = after;
        } else {
            pos += hdr;
        }
    }
    lsp_settle(s);
    lsp_free(s);
    return 0;
}
