/* http.c — libcurl multi transport with a fixed pool of reusable slots
 * (see http.h). */
#include "http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>

#include "log.h"
#include "banned.h"

/* A growable byte buffer kept for the life of a slot. */
typedef struct Bytes {
    char *data;  /* bytes, NUL-terminated after len */
    size_t len;  /* bytes used */
    size_t cap;  /* bytes allocated */
    int oom;     /* an append failed: the response is unusable */
} Bytes;

/* One transfer slot: an easy handle and its buffers, reused. */
typedef struct Slot {
    CURL *easy;                /* the handle (keeps no connection itself) */
    struct curl_slist *hdrs;   /* request headers of the current transfer */
    const AwsRequest *req;     /* current request (borrowed) */
    HttpDone *cb;              /* completion callback */
    void *ctx;                 /* its argument */
    Bytes url;                 /* URL text */
    Bytes hline;               /* scratch for one "Name: value" header line */
    Bytes body;                /* response body */
    Bytes rhead;               /* raw response header block */
    AwsHeader *rh;             /* parsed response headers (point into rhead) */
    size_t n_rh;               /* number of parsed headers */
    size_t cap_rh;             /* allocated entries in rh */
    char errbuf[CURL_ERROR_SIZE]; /* curl's error text */
    int sends;                 /* times the request went out (prereq calls) */
    struct timespec start;     /* when the transfer started */
} Slot;

/* A request waiting for a free slot. */
typedef struct Waiting {
    const AwsRequest *req; /* the request (borrowed) */
    HttpDone *cb;          /* callback */
    void *ctx;             /* its argument */
} Waiting;

struct HttpClient {
    CURLM *multi;      /* the multi handle (owns the connection cache) */
    HttpOptions opt;   /* limits */
    Slot *slots;       /* opt.max_inflight slots */
    size_t *free_ids;  /* stack of free slot indexes */
    size_t n_free;     /* entries in free_ids */
    Waiting *wait;     /* FIFO ring of waiting requests */
    size_t w_head;     /* first waiting entry */
    size_t w_len;      /* waiting entries */
    size_t w_cap;      /* ring capacity */
    size_t count;      /* transfers completed */
    size_t resends;    /* libcurl's own silent re-sends, over all transfers */
};

static void bytes_reset(Bytes *b)
{
    b->len = 0;
    b->oom = 0;
    if (b->data)
        b->data[0] = '\0';
}

static void bytes_add(Bytes *b, const char *p, size_t n)
{
    if (b->oom)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 1024;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *t = realloc(b->data, cap);
        if (!t) {
            b->oom = 1;
            return;
        }
        b->data = t;
        b->cap = cap;
    }
    memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
}

static void bytes_puts(Bytes *b, const char *s)
{
    bytes_add(b, s, strlen(s));
}

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
    Slot *s = ud;
    bytes_add(&s->body, p, size * n);
    return s->body.oom ? 0 : size * n;
}

static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
    Slot *s = ud;
    size_t k = size * n;
    /* a new status line (after 100 Continue or a redirect) starts over */
    if (k >= 5 && memcmp(p, "HTTP/", 5) == 0)
        bytes_reset(&s->rhead);
    bytes_add(&s->rhead, p, k);
    return s->rhead.oom ? 0 : k;
}

/* Splits the raw header block into name/value pairs, in place. */
static void parse_headers(Slot *s)
{
    s->n_rh = 0;
    if (!s->rhead.data || s->rhead.oom)
        return;
    char *p = s->rhead.data;
    char *nl = strchr(p, '\n');
    p = nl ? nl + 1 : p + s->rhead.len; /* skip the status line */
    while (*p) {
        char *end = strchr(p, '\n');
        char *next = end ? end + 1 : p + strlen(p);
        if (end) {
            *end = '\0';
            if (end > p && end[-1] == '\r')
                end[-1] = '\0';
        }
        char *colon = strchr(p, ':');
        if (colon) {
            *colon = '\0';
            char *v = colon + 1;
            while (*v == ' ' || *v == '\t')
                v++;
            if (s->n_rh == s->cap_rh) {
                size_t cap = s->cap_rh ? s->cap_rh * 2 : 16;
                AwsHeader *t = realloc(s->rh, cap * sizeof *t);
                if (!t)
                    return;
                s->rh = t;
                s->cap_rh = cap;
            }
            s->rh[s->n_rh].name = p;
            s->rh[s->n_rh].value = v;
            s->n_rh++;
        }
        p = next;
    }
}

/* Every libcurl result code, with the transport class that decides
 * whether sfdrun tries the call again (aws_retry_classify: RESET, REFUSED,
 * TIMEOUT and TRUNCATED are retried, DNS and OTHER are not) and why. The
 * unit test walks every code of the installed libcurl and fails on one
 * missing here, so a newer libcurl's codes get a decision, not a default.
 * A retry is safe even after the request was sent: a mutation's check
 * decides whether it happened (runtime/PLAN.md, "call steps"). */
typedef struct CurlClass {
    AwsNetError net; /* the class */
    const char *why; /* the reason, for the table and its readers */
} CurlClass;

#define NOT_HTTP "a protocol sfdrun never uses (CURLOPT_PROTOCOLS_STR is http,https)"
#define UNUSED "not returned by this libcurl (obsolete number)"

static const CurlClass curl_classes[CURL_LAST] = {
    [CURLE_OK] = { AWS_NET_OK, "a full response arrived" },
    [CURLE_UNSUPPORTED_PROTOCOL] = { AWS_NET_OTHER, "a URL scheme other than http/https: "
        "a configuration error (but see http_classify: once the request was sent, it is "
        "libcurl's \"Received HTTP/0.9\", a garbled reply, retried)" },
    [CURLE_FAILED_INIT] = { AWS_NET_OTHER, "libcurl could not initialise: local" },
    [CURLE_URL_MALFORMAT] = { AWS_NET_OTHER, "a malformed URL (bad endpoint): the same next time" },
    [CURLE_NOT_BUILT_IN] = { AWS_NET_OTHER, "a feature missing from this libcurl: local" },
    [CURLE_COULDNT_RESOLVE_PROXY] = { AWS_NET_DNS, "proxy name does not resolve: configuration" },
    [CURLE_COULDNT_RESOLVE_HOST] = { AWS_NET_DNS, "endpoint name does not resolve: a wrong "
        "region or endpoint, which eight attempts would only delay" },
    [CURLE_COULDNT_CONNECT] = { AWS_NET_REFUSED, "connection refused or unreachable: transient "
        "(nothing was sent)" },
    [CURLE_WEIRD_SERVER_REPLY] = { AWS_NET_RESET, "garbage where the status line belongs: a "
        "broken connection or proxy" },
    [CURLE_REMOTE_ACCESS_DENIED] = { AWS_NET_OTHER, NOT_HTTP },
    [CURLE_FTP_ACCEPT_FAILED] = { AWS_NET_OTHER, NOT_HTTP },
    [CURLE_FTP_WEIRD_PASS_REPLY] = { AWS_NET_OTHER, NOT_HTTP },
    [CURLE_FTP_ACCEPT_TIMEOUT] = { AWS_NET_OTHER, NOT_HTTP },
    [CURLE_FTP_WEIRD_PASV_REPLY] = { AWS_NET_OTHER, NOT_HTTP },
    [CURLE_FTP_WEIRD_227_FORMAT] = { AWS_NET_OTHER, NOT_HTTP },
    [CURLE_FTP_CANT_GET_HOST] = { AWS_NET_OTHER, NOT_HTTP },
    [CURLE_HTTP2] = { AWS_NET_RESET, "HTTP/2 framing error: a broken connection" },
    [CURLE_FTP_COULDNT_SET_TYPE] = { AWS_NET_OTHER, NOT_HTTP },
    [CURLE_PARTIAL_FILE] = { AWS_NET_TRUNCATED, "body shorter than its Content-Length: the "
        "connection closed mid-response" },
    [CURLE_FTP_COULDNT_RETR_FILE] = { AWS_NET_OTHER, NOT_HTTP },
    [CURLE_OBSOLETE20] = { AWS_NET_OTHER, UNUSED },
    [CURLE_QUOTE_ERROR] = { AWS_NET_OTHER, NOT_HTTP },
    [CURLE_HTTP_RETURNED_ERROR] = { AWS_NET_OTHER, "only with CURLOPT_FAILONERROR, which sfdrun "
        "does not set (HTTP errors are classified by status and code)" },
    [CURLE_WRITE_ERROR] = { AWS_NET_OTHER, "our write callback refused the data (out of "
        "memory): local" },
    [CURLE_OBSOLETE24] = { AWS_NET_OTHER, UNUSED },
    [CURLE_UPLOAD_FAILED] = { AWS_NET_OTHER, "the server refused the upload (FTP/SMTP): not HTTP" },
    [CURLE_READ_ERROR] = { AWS_NET_OTHER, "reading the request body failed: local" },
    [CURLE_OUT_OF_MEMORY] = { AWS_NET_OTHER, "out of memory: local" },
    [CURLE_OPERATION_TIMEDOUT] = { AWS_NET_TIMEOUT, "no answer in time: transient" },
    [CURLE_OBSOLETE29] = { AWS_NET_OTHER, UNUSED },
    [CURLE_FTP_PORT_FAILED] = { AWS_NET_OTHER, NOT_HTTP },
    [CURLE_FTP_COULDNT_USE_REST] = { AWS_NET_OTHER, NOT_HTTP },
    [CURLE_OBSOLETE32] = { AWS_NET_OTHER, UNUSED },
    [CURLE_RANGE_ERROR] = { AWS_NET_OTHER, "a range request failed: sfdrun sends none" },
    [CURLE_HTTP_POST_ERROR] = { AWS_NET_OTHER, "a form post could not be built: local" },
    [CURLE_SSL_CONNECT_ERROR] = { AWS_NET_RESET, "TLS handshake failed: usually a connection "
        "cut mid-handshake (botocore retries SSLError too); certificate problems have their "
        "own codes" },
    [CURLE_BAD_DOWNLOAD_RESUME] = { AWS_NET_OTHER, "a resumed download: sfdrun resumes none" },
    [CURLE_FILE_COULDNT_READ_FILE] = { AWS_NET_OTHER, NOT_HTTP },
    [CURLE_LDAP_CANNOT_BIND] = { AWS_NET_OTHER, NOT_HTTP },
    [CURLE_LDAP_SEARCH_FAILED] = { AWS_NET_OTHER, NOT_HTTP },
    [CURLE_OBSOLETE40] = { AWS_NET_OTHER, UNUSED },
    [CURLE_FUNCTION_NOT_FOUND] = { AWS_NET_OTHER, UNUSED },
    [CURLE_ABORTED_BY_CALLBACK] = { AWS_NET_OTHER, "one of our callbacks aborted: local" },
    [CURLE_BAD_FUNCTION_ARGUMENT] = { AWS_NET_OTHER, "a bad option value: a bug, the same next "
        "time" },
    [CURLE_OBSOLETE44] = { AWS_NET_OTHER, UNUSED },
    [CURLE_INTERFACE_FAILED] = { AWS_NET_OTHER, "CURLOPT_INTERFACE failed: sfdrun sets none" },
    [CURLE_OBSOLETE46] = { AWS_NET_OTHER, UNUSED },
    [CURLE_TOO_MANY_REDIRECTS] = { AWS_NET_OTHER, "redirects are not followed: never" },
    [CURLE_UNKNOWN_OPTION] = { AWS_NET_OTHER, "an option this libcurl lacks: local" },
    [CURLE_SETOPT_OPTION_SYNTAX] = { AWS_NET_OTHER, "a malformed option string: a bug" },
    [CURLE_OBSOLETE50] = { AWS_NET_OTHER, UNUSED },
    [CURLE_OBSOLETE51] = { AWS_NET_OTHER, UNUSED },
    [CURLE_GOT_NOTHING] = { AWS_NET_RESET, "the connection closed without a byte of reply" },
    [CURLE_SSL_ENGINE_NOTFOUND] = { AWS_NET_OTHER, "TLS engine setup: local" },
    [CURLE_SSL_ENGINE_SETFAILED] = { AWS_NET_OTHER, "TLS engine setup: local" },
    [CURLE_SEND_ERROR] = { AWS_NET_RESET, "sending failed: connection reset" },
    [CURLE_RECV_ERROR] = { AWS_NET_RESET, "receiving failed: connection reset" },
    [CURLE_OBSOLETE57] = { AWS_NET_OTHER, UNUSED },
    [CURLE_SSL_CERTPROBLEM] = { AWS_NET_OTHER, "our client certificate: local" },
    [CURLE_SSL_CIPHER] = { AWS_NET_OTHER, "no usable cipher: configuration" },
    [CURLE_PEER_FAILED_VERIFICATION] = { AWS_NET_OTHER, "the server's certificate does not "
        "verify: never retried (it may be an impostor)" },
    [CURLE_BAD_CONTENT_ENCODING] = { AWS_NET_OTHER, "a content encoding curl cannot decode: "
        "sfdrun asks for none, so the same next time" },
    [CURLE_OBSOLETE62] = { AWS_NET_OTHER, UNUSED },
    [CURLE_FILESIZE_EXCEEDED] = { AWS_NET_OTHER, "CURLOPT_MAXFILESIZE: sfdrun sets none" },
    [CURLE_USE_SSL_FAILED] = { AWS_NET_OTHER, NOT_HTTP },
    [CURLE_SEND_FAIL_REWIND] = { AWS_NET_RESET, "a re-send needed a rewind of the body: the "
        "connection broke; a new transfer sends the body afresh" },
    [CURLE_SSL_ENGINE_INITFAILED] = { AWS_NET_OTHER, "TLS engine setup: local" },
    [CURLE_LOGIN_DENIED] = { AWS_NET_OTHER, NOT_HTTP },
    [CURLE_TFTP_NOTFOUND] = { AWS_NET_OTHER, NOT_HTTP },
    [CURLE_TFTP_PERM] = { AWS_NET_OTHER, NOT_HTTP },
    [CURLE_REMOTE_DISK_FULL] = { AWS_NET_OTHER, NOT_HTTP },
    [CURLE_TFTP_ILLEGAL] = { AWS_NET_OTHER, NOT_HTTP },
    [CURLE_TFTP_UNKNOWNID] = { AWS_NET_OTHER, NOT_HTTP },
    [CURLE_REMOTE_FILE_EXISTS] = { AWS_NET_OTHER, NOT_HTTP },
    [CURLE_TFTP_NOSUCHUSER] = { AWS_NET_OTHER, NOT_HTTP },
    [CURLE_OBSOLETE75] = { AWS_NET_OTHER, UNUSED },
    [CURLE_OBSOLETE76] = { AWS_NET_OTHER, UNUSED },
    [CURLE_SSL_CACERT_BADFILE] = { AWS_NET_OTHER, "the CA bundle does not load: local" },
    [CURLE_REMOTE_FILE_NOT_FOUND] = { AWS_NET_OTHER, NOT_HTTP },
    [CURLE_SSH] = { AWS_NET_OTHER, NOT_HTTP },
    [CURLE_SSL_SHUTDOWN_FAILED] = { AWS_NET_OTHER, "only from an explicit TLS shutdown, which "
        "sfdrun does not request" },
    [CURLE_AGAIN] = { AWS_NET_OTHER, "only from curl_easy_send/recv, which sfdrun does not use" },
    [CURLE_SSL_CRL_BADFILE] = { AWS_NET_OTHER, "the CRL file does not load: local" },
    [CURLE_SSL_ISSUER_ERROR] = { AWS_NET_OTHER, "the certificate issuer check failed: never "
        "retried" },
    [CURLE_FTP_PRET_FAILED] = { AWS_NET_OTHER, NOT_HTTP },
    [CURLE_RTSP_CSEQ_ERROR] = { AWS_NET_OTHER, NOT_HTTP },
    [CURLE_RTSP_SESSION_ERROR] = { AWS_NET_OTHER, NOT_HTTP },
    [CURLE_FTP_BAD_FILE_LIST] = { AWS_NET_OTHER, NOT_HTTP },
    [CURLE_CHUNK_FAILED] = { AWS_NET_OTHER, NOT_HTTP },
    [CURLE_NO_CONNECTION_AVAILABLE] = { AWS_NET_REFUSED, "no connection free in the pool: "
        "later there will be" },
    [CURLE_SSL_PINNEDPUBKEYNOTMATCH] = { AWS_NET_OTHER, "pinned key mismatch: never retried" },
    [CURLE_SSL_INVALIDCERTSTATUS] = { AWS_NET_OTHER, "certificate status (OCSP) invalid: never "
        "retried" },
    [CURLE_HTTP2_STREAM] = { AWS_NET_RESET, "HTTP/2 stream reset: like a connection reset" },
    [CURLE_RECURSIVE_API_CALL] = { AWS_NET_OTHER, "libcurl called from a callback: a bug" },
    [CURLE_AUTH_ERROR] = { AWS_NET_OTHER, "an HTTP auth function failed: sfdrun signs itself" },
    [CURLE_HTTP3] = { AWS_NET_RESET, "HTTP/3 layer error: a broken connection" },
    [CURLE_QUIC_CONNECT_ERROR] = { AWS_NET_REFUSED, "QUIC connect failed: like a refused "
        "connection" },
    [CURLE_PROXY] = { AWS_NET_OTHER, "proxy handshake refused: configuration" },
    [CURLE_SSL_CLIENTCERT] = { AWS_NET_OTHER, "the server requires a client certificate: "
        "configuration" },
    [CURLE_UNRECOVERABLE_POLL] = { AWS_NET_OTHER, "poll() failed fatally: local" },
};

AwsNetError http_classify(int code, int sent, const char **why)
{
    const CurlClass *k = code >= 0 && code < CURL_LAST ? &curl_classes[code] : NULL;
    if (why)
        *why = k ? k->why : NULL;
    if (!k || !k->why)
        return AWS_NET_OTHER; /* a code newer than this table: not retried */
    /* libcurl 7.88 reports "Received HTTP/0.9 when not allowed" (a reply
     * without a status line, e.g. a body after a HEAD error) as
     * UNSUPPORTED_PROTOCOL: once the request went out, that is a garbled
     * reply exactly like WEIRD_SERVER_REPLY, and retried like it */
    if (code == CURLE_UNSUPPORTED_PROTOCOL && sent) {
        if (why)
            *why = "reply without a status line (\"Received HTTP/0.9\"): a garbled reply, "
                   "like CURLE_WEIRD_SERVER_REPLY";
        return AWS_NET_RESET;
    }
    return k->net;
}

/* Called by libcurl right before it sends the request, on a new or a
 * reused connection; a second call in one transfer is libcurl re-sending
 * it by itself (a reused connection turned out closed before any reply
 * byte). The server may have acted on the first send: such re-sends are
 * counted and logged, not hidden. */
static int on_prereq(void *ud, char *primary_ip, char *local_ip, int primary_port,
                     int local_port)
{
    (void)primary_ip, (void)local_ip, (void)primary_port, (void)local_port;
    Slot *s = ud;
    s->sends++;
    return CURL_PREREQFUNC_OK;
}

static int slot_init(HttpClient *c, Slot *s)
{
    s->easy = curl_easy_init();
    if (!s->easy)
        return -1;
    curl_easy_setopt(s->easy, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(s->easy, CURLOPT_WRITEDATA, s);
    curl_easy_setopt(s->easy, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(s->easy, CURLOPT_HEADERDATA, s);
    curl_easy_setopt(s->easy, CURLOPT_ERRORBUFFER, s->errbuf);
    curl_easy_setopt(s->easy, CURLOPT_PRIVATE, s);
    curl_easy_setopt(s->easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(s->easy, CURLOPT_TIMEOUT_MS, c->opt.timeout_ms);
    curl_easy_setopt(s->easy, CURLOPT_CONNECTTIMEOUT_MS, c->opt.connect_timeout_ms);
    curl_easy_setopt(s->easy, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(s->easy, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(s->easy, CURLOPT_USERAGENT, "sfdrun/" SFDC_VERSION);
    curl_easy_setopt(s->easy, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(s->easy, CURLOPT_PREREQFUNCTION, on_prereq);
    curl_easy_setopt(s->easy, CURLOPT_PREREQDATA, s);
    return 0;
}

HttpClient *http_new(const HttpOptions *opt)
{
    HttpClient *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->opt = *opt;
    if (c->opt.max_inflight == 0)
        c->opt.max_inflight = 1;
    c->multi = curl_multi_init();
    c->slots = calloc(c->opt.max_inflight, sizeof *c->slots);
    c->free_ids = calloc(c->opt.max_inflight, sizeof *c->free_ids);
    if (!c->multi || !c->slots || !c->free_ids)
        goto fail;
    curl_multi_setopt(c->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long)c->opt.max_inflight);
    curl_multi_setopt(c->multi, CURLMOPT_MAXCONNECTS, (long)c->opt.max_inflight);
    for (size_t i = 0; i < c->opt.max_inflight; i++) {
        if (slot_init(c, &c->slots[i]) < 0)
            goto fail;
        c->free_ids[c->n_free++] = c->opt.max_inflight - 1 - i;
    }
    return c;
fail:
    http_free(c);
    return NULL;
}

void http_free(HttpClient *c)
{
    if (!c)
        return;
    for (size_t i = 0; c->slots && i < c->opt.max_inflight; i++) {
        Slot *s = &c->slots[i];
        if (s->easy) {
            if (c->multi)
                curl_multi_remove_handle(c->multi, s->easy);
            curl_easy_cleanup(s->easy);
        }
        curl_slist_free_all(s->hdrs);
        free(s->url.data);
        free(s->hline.data);
        free(s->body.data);
        free(s->rhead.data);
        free(s->rh);
    }
    if (c->multi)
        curl_multi_cleanup(c->multi);
    free(c->slots);
    free(c->free_ids);
    free(c->wait);
    free(c);
}

/* Adds "Name: value" (or "Name;" for an empty value, curl's syntax). */
static int add_header(Slot *s, const char *name, const char *value)
{
    bytes_reset(&s->hline);
    bytes_puts(&s->hline, name);
    if (value && *value) {
        bytes_puts(&s->hline, ": ");
        bytes_puts(&s->hline, value);
    } else {
        bytes_puts(&s->hline, ";");
    }
    if (s->hline.oom)
        return -1;
    struct curl_slist *t = curl_slist_append(s->hdrs, s->hline.data);
    if (!t)
        return -1;
    s->hdrs = t;
    return 0;
}

/* Sets the slot's easy handle up for req. */
static int slot_prepare(Slot *s, const AwsRequest *r)
{
    CURL *e = s->easy;
    bytes_reset(&s->url);
    bytes_puts(&s->url, r->scheme);
    bytes_puts(&s->url, "://");
    bytes_puts(&s->url, r->host);
    bytes_puts(&s->url, r->path);
    if (r->query && *r->query) {
        bytes_puts(&s->url, "?");
        bytes_puts(&s->url, r->query);
    }
    if (s->url.oom)
        return -1;
    curl_slist_free_all(s->hdrs);
    s->hdrs = NULL;
    int has_ct = 0;
    for (size_t i = 0; i < r->n_headers; i++) {
        has_ct |= strcasecmp(r->headers[i].name, "Content-Type") == 0;
        if (add_header(s, r->headers[i].name, r->headers[i].value) < 0)
            return -1;
    }
    /* no 100-continue round trip; no form content type curl would invent */
    struct curl_slist *t = curl_slist_append(s->hdrs, "Expect:");
    if (!t)
        return -1;
    s->hdrs = t;
    if (!has_ct && (t = curl_slist_append(s->hdrs, "Content-Type:")) == NULL)
        return -1;
    s->hdrs = t;
    curl_easy_setopt(e, CURLOPT_URL, s->url.data);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, s->hdrs);
    curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, NULL);
    if (strcmp(r->method, "GET") == 0) {
        curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
    } else if (strcmp(r->method, "HEAD") == 0) {
        curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
        curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
    } else {
        curl_easy_setopt(e, CURLOPT_NOBODY, 0L);
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)r->body_len);
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, r->body ? r->body : "");
        if (strcmp(r->method, "POST") != 0)
            curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, r->method);
    }
    bytes_reset(&s->body);
    bytes_reset(&s->rhead);
    s->errbuf[0] = '\0';
    s->n_rh = 0;
    s->sends = 0;
    return 0;
}

/* Reports a failure to start a transfer through the callback, like a
 * transport error, so callers have one completion path. */
static void fail_now(HttpDone *cb, void *ctx, const char *why)
{
    HttpResult res;
    memset(&res, 0, sizeof res);
    res.net = AWS_NET_OTHER;
    res.curl_code = -1;
    res.net_message = why;
    cb(ctx, &res);
}

static void start(HttpClient *c, const AwsRequest *req, HttpDone *cb, void *ctx)
{
    size_t id = c->free_ids[--c->n_free];
    Slot *s = &c->slots[id];
    s->req = req;
    s->cb = cb;
    s->ctx = ctx;
    if (slot_prepare(s, req) < 0 || curl_multi_add_handle(c->multi, s->easy) != CURLM_OK) {
        c->free_ids[c->n_free++] = id;
        fail_now(cb, ctx, "cannot start transfer (out of memory)");
        return;
    }
    clock_gettime(CLOCK_MONOTONIC, &s->start);
}

/* Starts waiting requests while slots are free. */
static void start_waiting(HttpClient *c)
{
    while (c->w_len > 0 && c->n_free > 0) {
        Waiting w = c->wait[c->w_head];
        c->w_head = (c->w_head + 1) % c->w_cap;
        c->w_len--;
        start(c, w.req, w.cb, w.ctx);
    }
}

int http_submit(HttpClient *c, const AwsRequest *req, HttpDone *cb, void *ctx)
{
    if (c->w_len == c->w_cap) {
        size_t cap = c->w_cap ? c->w_cap * 2 : 64;
        Waiting *t = malloc(cap * sizeof *t);
        if (!t)
            return -1;
        for (size_t i = 0; i < c->w_len; i++)
            t[i] = c->wait[(c->w_head + i) % c->w_cap];
        free(c->wait);
        c->wait = t;
        c->w_head = 0;
        c->w_cap = cap;
    }
    c->wait[(c->w_head + c->w_len) % c->w_cap] = (Waiting){ req, cb, ctx };
    c->w_len++;
    start_waiting(c);
    return 0;
}

static double since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

/* Counts and logs libcurl's silent re-sends of the slot's request. */
static void log_resend(HttpClient *c, const Slot *s, int n)
{
    char num[24];
    c->resends += (size_t)n;
    snprintf(num, sizeof num, "%d", n);
    log_event("resend", (LogField[]){ { "method", s->req->method, 0 },
                                      { "host", s->req->host, 0 },
                                      { "path", s->req->path, 0 },
                                      { "count", num, 1 } }, 4,
              "  libcurl re-sent %s %s://%s%s %d time%s by itself (a reused connection "
              "had closed before any reply)", s->req->method, s->req->scheme, s->req->host,
              s->req->path, n, n == 1 ? "" : "s");
}

/* Finishes one transfer: builds the result, runs the callback, frees the slot. */
static void complete(HttpClient *c, CURL *easy, CURLcode rc)
{
    Slot *s = NULL;
    curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&s);
    curl_multi_remove_handle(c->multi, easy);
    HttpResult res;
    memset(&res, 0, sizeof res);
    res.curl_code = (int)rc;
    long sent = 0; /* bytes of request sent: 0 when the URL never got that far */
    curl_easy_getinfo(easy, CURLINFO_REQUEST_SIZE, &sent);
    res.net = http_classify((int)rc, sent > 0, NULL);
    if (res.net == AWS_NET_OK && (s->body.oom || s->rhead.oom)) {
        res.net = AWS_NET_OTHER;
        s->errbuf[0] = '\0';
        snprintf(s->errbuf, sizeof s->errbuf, "out of memory reading the response");
    }
    res.net_message = res.net == AWS_NET_OK ? ""
                      : s->errbuf[0] ? s->errbuf : curl_easy_strerror(rc);
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &res.resp.status);
    parse_headers(s);
    res.resp.headers = s->rh;
    res.resp.n_headers = s->n_rh;
    res.resp.body = s->body.len ? s->body.data : NULL;
    res.resp.body_len = s->body.len;
    res.seconds = since(&s->start);
    res.resends = s->sends > 1 ? s->sends - 1 : 0;
    c->count++;
    if (res.resends)
        log_resend(c, s, res.resends);
    if (c->opt.verbose)
        log_event("http", (LogField[]){ { "method", s->req->method, 0 },
                                        { "host", s->req->host, 0 },
                                        { "path", s->req->path, 0 } }, 3,
                  "  %s %s://%s%s -> %ld%s%s (%.3fs)", s->req->method, s->req->scheme,
                  s->req->host, s->req->path, res.resp.status,
                  res.net == AWS_NET_OK ? "" : " ", res.net_message, res.seconds);
    HttpDone *cb = s->cb;
    void *ctx = s->ctx;
    s->req = NULL;
    cb(ctx, &res);
    c->free_ids[c->n_free++] = (size_t)(s - c->slots);
}

/* Runs callbacks of finished transfers; returns how many. */
static int drain(HttpClient *c)
{
    int n = 0, left;
    CURLMsg *m;
    while ((m = curl_multi_info_read(c->multi, &left))) {
        if (m->msg != CURLMSG_DONE)
            continue;
        complete(c, m->easy_handle, m->data.result);
        n++;
    }
    return n;
}

int http_poll(HttpClient *c, long timeout_ms)
{
    int running;
    start_waiting(c);
    if (curl_multi_perform(c->multi, &running) != CURLM_OK)
        return -1;
    int done = drain(c);
    if (done == 0) {
        if (curl_multi_poll(c->multi, NULL, 0, (int)(timeout_ms < 0 ? 0 : timeout_ms),
                            NULL) != CURLM_OK)
            return -1;
        if (curl_multi_perform(c->multi, &running) != CURLM_OK)
            return -1;
        drain(c);
    }
    start_waiting(c);
    return 0;
}

size_t http_pending(const HttpClient *c)
{
    return c->opt.max_inflight - c->n_free + c->w_len;
}

size_t http_count(const HttpClient *c)
{
    return c->count;
}

size_t http_resends(const HttpClient *c)
{
    return c->resends;
}
