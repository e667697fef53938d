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

static AwsNetError net_error(CURLcode rc)
{
    switch (rc) {
    case CURLE_OK: return AWS_NET_OK;
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
    /* garbage where a status line should be: a broken connection or proxy */
    case CURLE_WEIRD_SERVER_REPLY: return AWS_NET_RESET;
    case CURLE_COULDNT_CONNECT: return AWS_NET_REFUSED;
    case CURLE_OPERATION_TIMEDOUT: return AWS_NET_TIMEOUT;
    case CURLE_PARTIAL_FILE: return AWS_NET_TRUNCATED;
    case CURLE_COULDNT_RESOLVE_HOST: return AWS_NET_DNS;
    default: return AWS_NET_OTHER;
    }
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

/* Finishes one transfer: builds the result, runs the callback, frees the slot. */
static void complete(HttpClient *c, CURL *easy, CURLcode rc)
{
    Slot *s = NULL;
    curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&s);
    curl_multi_remove_handle(c->multi, easy);
    HttpResult res;
    memset(&res, 0, sizeof res);
    res.curl_code = (int)rc;
    res.net = net_error(rc);
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
    c->count++;
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
