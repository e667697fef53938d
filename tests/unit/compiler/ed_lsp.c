/* ed_lsp.c — units for the language server's wire and positions: framing
 * (a whole message, a partial one, a header without Content-Length, a
 * length over the limit, case-insensitive header names, headers too long),
 * the reader over a pipe (two messages in one write, garbage between
 * them, end of input), the walk over waiting input, file URIs both ways (percent-encoding), and LSP
 * positions in UTF-16 code units over multi-byte text and CRLF lines. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "jsonrpc.h"
#include "lsp.h"

static void test_frame(void **state)
{
    (void)state;
    size_t hdr = 0, len = 0;
    const char *ok = "Content-Length: 2\r\n\r\n{}rest";
    assert_int_equal(rpc_frame(ok, strlen(ok), &hdr, &len), RPC_FRAME_OK);
    assert_int_equal(hdr, 21);
    assert_int_equal(len, 2);
    assert_int_equal(rpc_frame(ok, 22, &hdr, &len), RPC_FRAME_MORE);     /* body cut */
    assert_int_equal(rpc_frame(ok, 10, &hdr, &len), RPC_FRAME_MORE);     /* header cut */
    const char *lower = "content-length:  2\r\nContent-Type: x\r\n\r\n{}";
    assert_int_equal(rpc_frame(lower, strlen(lower), &hdr, &len), RPC_FRAME_OK);
    assert_int_equal(len, 2);
    const char *none = "Content-Type: x\r\n\r\n{}";
    assert_int_equal(rpc_frame(none, strlen(none), &hdr, &len), RPC_FRAME_BAD);
    assert_int_equal(hdr, 19);                        /* the header block is skipped */
    const char *huge = "Content-Length: 99999999999\r\n\r\n{}";
    assert_int_equal(rpc_frame(huge, strlen(huge), &hdr, &len), RPC_FRAME_BAD);
    const char *neg = "Content-Length: -1\r\n\r\n";
    assert_int_equal(rpc_frame(neg, strlen(neg), &hdr, &len), RPC_FRAME_BAD);
    char *junk = malloc(RPC_MAX_HEADER + 10);
    memset(junk, 'x', RPC_MAX_HEADER + 10);
    assert_int_equal(rpc_frame(junk, RPC_MAX_HEADER + 10, &hdr, &len), RPC_FRAME_BAD);
    assert_int_equal(hdr, RPC_MAX_HEADER + 10);
    free(junk);
}

static void test_reader(void **state)
{
    (void)state;
    int p[2];
    assert_int_equal(pipe(p), 0);
    const char *in = "Content-Length: 3\r\n\r\n[1]Bad: 1\r\n\r\nContent-Length: 4\r\n\r\n\"ab\"";
    assert_int_equal(write(p[1], in, strlen(in)), (ssize_t)strlen(in));
    close(p[1]);
    RpcReader r;
    rpc_reader_init(&r, p[0]);
    const char *body;
    size_t len;
    assert_int_equal(rpc_read(&r, &body, &len), RPC_READ_MSG);
    assert_int_equal(len, 3);
    assert_memory_equal(body, "[1]", 3);
    assert_true(rpc_ready(&r));
    assert_int_equal(rpc_read(&r, &body, &len), RPC_READ_BAD);
    assert_int_equal(rpc_read(&r, &body, &len), RPC_READ_MSG);
    assert_memory_equal(body, "\"ab\"", 4);
    assert_int_equal(rpc_read(&r, &body, &len), RPC_READ_EOF);
    rpc_reader_release(&r);
    close(p[0]);
}

/* rpc_next_in walks the input waiting behind a message: whole messages
 * in order, bad framing skipped, an incomplete one not returned. */
static void test_next_in(void **state)
{
    (void)state;
    const char *in = "Content-Length: 3\r\n\r\n[1]Bad: 1\r\n\r\nContent-Length: 2\r\n\r\n{}"
                     "Content-Length: 9\r\n\r\n{\"cut";
    size_t at = 0, len;
    const char *body;
    assert_true(rpc_next_in(in, strlen(in), &at, &body, &len));
    assert_int_equal(len, 3);
    assert_memory_equal(body, "[1]", 3);
    assert_true(rpc_next_in(in, strlen(in), &at, &body, &len));
    assert_int_equal(len, 2);
    assert_memory_equal(body, "{}", 2);
    assert_false(rpc_next_in(in, strlen(in), &at, &body, &len));
    assert_false(rpc_next_in("", 0, &(size_t){0}, &body, &len));
}

static void test_uri(void **state)
{
    (void)state;
    char *p = lsp_uri_path("file:///tmp/a%20b/c%C3%A9.sfd");
    assert_string_equal(p, "/tmp/a b/c\xc3\xa9.sfd");
    char *u = lsp_path_uri(p);
    assert_string_equal(u, "file:///tmp/a%20b/c%C3%A9.sfd");
    free(p);
    free(u);
    p = lsp_uri_path("file://localhost/x.sfd");
    assert_string_equal(p, "/x.sfd");
    free(p);
    assert_null(lsp_uri_path("untitled:Untitled-1"));
    assert_null(lsp_uri_path(NULL));
    p = lsp_uri_path("file:///a%00b");                /* no NUL smuggled into a path */
    assert_string_equal(p, "/a%00b");
    free(p);
}

static cJSON *position(int line, int ch)
{
    cJSON *p = cJSON_CreateObject();
    cJSON_AddNumberToObject(p, "line", line);
    cJSON_AddNumberToObject(p, "character", ch);
    return p;
}

static void test_positions(void **state)
{
    (void)state;
    /* "é" is 2 bytes and 1 UTF-16 unit; U+1F600 is 4 bytes and 2 units */
    const char *t = "ab\r\n\xc3\xa9x\n\xf0\x9f\x98\x80y\n";
    size_t n = strlen(t);
    cJSON *p = position(1, 1);
    assert_int_equal(lsp_offset(t, n, p), 6);         /* after "é" */
    cJSON_Delete(p);
    p = position(2, 2);
    assert_int_equal(lsp_offset(t, n, p), 12);        /* after the emoji */
    cJSON_Delete(p);
    p = position(0, 99);
    assert_int_equal(lsp_offset(t, n, p), 2);         /* clamped to the line's end */
    cJSON_Delete(p);
    p = position(99, 0);
    assert_int_equal(lsp_offset(t, n, p), n);         /* clamped to the text's end */
    cJSON_Delete(p);
    Source *src = src_from_memory("t.sfd", t, n);
    cJSON *r = lsp_range(src, (Span){12, 13});
    cJSON *start = cJSON_GetObjectItem(r, "start");
    assert_int_equal(cJSON_GetObjectItem(start, "line")->valueint, 2);
    assert_int_equal(cJSON_GetObjectItem(start, "character")->valueint, 2);
    cJSON_Delete(r);
    src_free(src);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_frame),
        cmocka_unit_test(test_reader),
        cmocka_unit_test(test_next_in),
        cmocka_unit_test(test_uri),
        cmocka_unit_test(test_positions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
