/* rt_http.c — the transport: every libcurl result code of the installed
 * libcurl has an explicit class with a reason (the table test walks
 * 0..CURL_LAST), exactly the transient ones are retried, and two behaviours
 * against a loopback server thread: a reply without a status line
 * ("Received HTTP/0.9") is a retried garbled reply, and libcurl's own
 * silent re-send on a reused connection that closed is counted and logged. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <curl/curl.h>

#include "aws.h"
#include "http.h"
#include "log.h"

/* The codes sfdrun retries (when the request was sent, for the first). */
static int expect_retried(int code, int sent)
{
    switch (code) {
    case CURLE_UNSUPPORTED_PROTOCOL:
        return sent;
    case CURLE_COULDNT_CONNECT:
    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_HTTP2:
    case CURLE_PARTIAL_FILE:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_FAIL_REWIND:
    case CURLE_NO_CONNECTION_AVAILABLE:
    case CURLE_HTTP2_STREAM:
    case CURLE_HTTP3:
    case CURLE_QUIC_CONNECT_ERROR:
        return 1;
    default:
        return 0;
    }
}

static void every_curl_code_classified(void **state)
{
    (void)state;
    for (int code = 0; code < CURL_LAST; code++) {
        for (int sent = 0; sent <= 1; sent++) {
            const char *why = NULL;
            AwsNetError net = http_classify(code, sent, &why);
            if (!why || !*why)
                fail_msg("CURLcode %d (%s) has no class in http.c's table", code,
                         curl_easy_strerror((CURLcode)code));
            int retried = aws_retry_classify(net, 0, NULL) != AWS_RETRY_NONE;
            if (code == CURLE_OK)
                assert_int_equal(net, AWS_NET_OK);
            else if (retried != expect_retried(code, sent))
                fail_msg("CURLcode %d (%s), sent %d: retried %d, expected %d (%s)", code,
                         curl_easy_strerror((CURLcode)code), sent, retried,
                         expect_retried(code, sent), why);
        }
    }
    /* a code newer than the table: not retried, and no reason */
    const char *why = "x";
    assert_int_equal(http_classify(CURL_LAST, 1, &why), AWS_NET_OTHER);
    assert_null(why);
    assert_int_equal(http_classify(-1, 1, NULL), AWS_NET_OTHER);
}

/* ---- a loopback server thread ------------------------------------------ */

typedef enum ServerMode {
    SERVE_HTTP09, /* every request: a body without a status line, then close */
    SERVE_RESEND, /* first connection: answer one request, close on the second */
} ServerMode;

typedef struct Server {
    int fd;          /* listening socket */
    int port;        /* its port */
    ServerMode mode; /* behaviour */
    int accepted;    /* connections accepted */
    int requests;    /* requests read */
    pthread_t th;    /* the thread */
} Server;

/* Reads one request head (the tests send no bodies); 0 at EOF. */
static int read_request(int fd)
{
    char buf[4096];
    size_t len = 0;
    while (len < sizeof buf - 1) {
        ssize_t k = read(fd, buf + len, sizeof buf - 1 - len);
        if (k <= 0)
            return 0;
        len += (size_t)k;
        buf[len] = '\0';
        if (strstr(buf, "\r\n\r\n"))
            return 1;
    }
    return 1;
}

static void say(int fd, const char *s)
{
    if (write(fd, s, strlen(s)) < 0)
        return;
}

static const char ok_reply[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}";

static void *serve(void *arg)
{
    Server *sv = arg;
    for (;;) {
        int c = accept(sv->fd, NULL, NULL);
        if (c < 0)
            return NULL;
        sv->accepted++;
        if (sv->mode == SERVE_HTTP09) {
            if (read_request(c)) {
                sv->requests++;
                say(c, "<Error><Code>NoSuchKey</Code></Error>");
            }
        } else if (sv->accepted == 1) {
            /* answer, keep the connection, then drop the next request */
            if (read_request(c)) {
                sv->requests++;
                say(c, ok_reply);
            }
            if (read_request(c))
                sv->requests++;
        } else {
            while (read_request(c)) {
                sv->requests++;
                say(c, ok_reply);
            }
        }
        close(c);
    }
}

static void server_start(Server *sv, ServerMode mode)
{
    memset(sv, 0, sizeof *sv);
    sv->mode = mode;
    sv->fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t al = sizeof a;
    assert_true(sv->fd >= 0);
    assert_int_equal(bind(sv->fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(listen(sv->fd, 8), 0);
    assert_int_equal(getsockname(sv->fd, (struct sockaddr *)&a, &al), 0);
    sv->port = ntohs(a.sin_port);
    assert_int_equal(pthread_create(&sv->th, NULL, serve, sv), 0);
}

static void server_stop(Server *sv)
{
    shutdown(sv->fd, SHUT_RDWR); /* wakes accept() */
    close(sv->fd);
    pthread_join(sv->th, NULL);
}

/* ---- one request through HttpClient ------------------------------------- */

typedef struct Outcome {
    int done;       /* the callback ran */
    AwsNetError net;/* its class */
    int curl_code;  /* its CURLcode */
    long status;    /* HTTP status */
    int resends;    /* libcurl's re-sends */
} Outcome;

static void on_done(void *ctx, const HttpResult *res)
{
    Outcome *o = ctx;
    o->done = 1;
    o->net = res->net;
    o->curl_code = res->curl_code;
    o->status = res->resp.status;
    o->resends = res->resends;
}

static Outcome request(HttpClient *c, int port, const char *method)
{
    char host[32];
    snprintf(host, sizeof host, "127.0.0.1:%d", port);
    AwsRequest req;
    memset(&req, 0, sizeof req);
    req.method = (char *)method;
    req.scheme = (char *)"http";
    req.host = host;
    req.path = (char *)"/k";
    req.query = (char *)"";
    Outcome o;
    memset(&o, 0, sizeof o);
    assert_int_equal(http_submit(c, &req, on_done, &o), 0);
    for (int i = 0; i < 500 && !o.done; i++)
        assert_int_equal(http_poll(c, 20), 0);
    assert_true(o.done);
    return o;
}

static HttpClient *client(void)
{
    HttpOptions opt = { .max_inflight = 1, .timeout_ms = 5000, .connect_timeout_ms = 2000 };
    HttpClient *c = http_new(&opt);
    assert_non_null(c);
    return c;
}

/* A HEAD answered with a bare body: libcurl 7.88 says "Received HTTP/0.9
 * when not allowed" (CURLE_UNSUPPORTED_PROTOCOL); sfdrun retries it like
 * a weird server reply instead of failing the step. */
static void http09_reply_is_retried(void **state)
{
    (void)state;
    Server sv;
    server_start(&sv, SERVE_HTTP09);
    HttpClient *c = client();
    Outcome o = request(c, sv.port, "HEAD");
    assert_int_equal(o.curl_code, CURLE_UNSUPPORTED_PROTOCOL);
    assert_int_equal(o.net, AWS_NET_RESET);
    assert_int_equal(aws_retry_classify(o.net, o.status, NULL), AWS_RETRY_TRANSPORT);
    http_free(c);
    server_stop(&sv);
}

/* A URL scheme curl refuses never left the machine: not retried. */
static void bad_scheme_is_permanent(void **state)
{
    (void)state;
    HttpClient *c = client();
    AwsRequest req;
    memset(&req, 0, sizeof req);
    req.method = (char *)"GET";
    req.scheme = (char *)"ftp";
    req.host = (char *)"127.0.0.1:1";
    req.path = (char *)"/";
    req.query = (char *)"";
    Outcome o;
    memset(&o, 0, sizeof o);
    assert_int_equal(http_submit(c, &req, on_done, &o), 0);
    for (int i = 0; i < 100 && !o.done; i++)
        assert_int_equal(http_poll(c, 20), 0);
    assert_int_equal(o.curl_code, CURLE_UNSUPPORTED_PROTOCOL);
    assert_int_equal(o.net, AWS_NET_OTHER);
    http_free(c);
}

/* The second request goes out on the kept-alive connection, which the
 * server closes without a reply: libcurl re-sends it on a new connection
 * by itself. The transfer succeeds, and the re-send is counted and logged. */
static void silent_resend_counted(void **state)
{
    (void)state;
    FILE *logf = tmpfile();
    assert_non_null(logf);
    log_init(LOG_JSON, 0, logf);
    Server sv;
    server_start(&sv, SERVE_RESEND);
    HttpClient *c = client();
    Outcome first = request(c, sv.port, "GET");
    assert_int_equal(first.status, 200);
    assert_int_equal(first.resends, 0);
    Outcome second = request(c, sv.port, "GET");
    assert_int_equal(second.net, AWS_NET_OK);
    assert_int_equal(second.status, 200);
    assert_int_equal(second.resends, 1);
    assert_int_equal(http_resends(c), 1);
    assert_int_equal(http_count(c), 2);
    http_free(c);
    server_stop(&sv);
    assert_int_equal(sv.requests, 3); /* the server saw three sends of two requests */
    char line[1024] = "";
    rewind(logf);
    int found = 0;
    while (fgets(line, sizeof line, logf))
        found |= strstr(line, "\"event\":\"resend\"") && strstr(line, "\"count\":1");
    assert_true(found);
    log_init(LOG_HUMAN, 0, NULL);
    fclose(logf);
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_curl_code_classified),
        cmocka_unit_test(http09_reply_is_retried),
        cmocka_unit_test(bad_scheme_is_permanent),
        cmocka_unit_test(silent_resend_counted),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
