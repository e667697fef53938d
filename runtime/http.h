/* http.h — sfdrun's HTTP transport: libcurl's multi interface driving a
 * fixed pool of reusable transfer slots. Each slot keeps its easy handle
 * and its response buffers for the whole run, so connections are reused
 * (keep-alive, one connection cache in the multi handle) and a request
 * costs no allocation beyond curl's header list. At most `max_inflight`
 * transfers run at once; further submissions wait in a FIFO.
 * Requests are sent exactly as described by an AwsRequest (already
 * signed); nothing here logs a header value. */
#ifndef SFDRUN_HTTP_H
#define SFDRUN_HTTP_H

#include <stddef.h>

#include "aws.h"

typedef struct HttpClient HttpClient;

/* The outcome of one transfer, valid only during the completion callback. */
typedef struct HttpResult {
    AwsNetError net;          /* AWS_NET_OK when a full response arrived */
    int curl_code;            /* CURLcode of the transfer */
    const char *net_message;  /* curl's error text when net != OK ("" otherwise) */
    AwsResponse resp;         /* status, headers, body (borrowed) */
    double seconds;           /* wall time of the transfer */
    int resends;              /* times libcurl re-sent the request by itself */
} HttpResult;

/* Called once per submitted request, from inside http_poll. */
typedef void HttpDone(void *ctx, const HttpResult *res);

/* Transfer limits. */
typedef struct HttpOptions {
    size_t max_inflight;     /* concurrent transfers (>= 1) */
    long timeout_ms;         /* whole-transfer timeout */
    long connect_timeout_ms; /* connect timeout */
    int verbose;             /* log each transfer (method, URL, status, time) */
} HttpOptions;

/* The transport class of a libcurl result code (a CURLcode), from one
 * table that lists every code with the reason for its class; sent is 1
 * when the request had gone out (it turns libcurl's "Received HTTP/0.9"
 * into a retried garbled reply). *why (if why) gets the reason, or NULL
 * for a code the table does not know (a newer libcurl: not retried). */
AwsNetError http_classify(int curl_code, int sent, const char **why);

/* NULL on failure (curl init or OOM). Call curl_global_init first. */
HttpClient *http_new(const HttpOptions *opt);
void http_free(HttpClient *c);

/* Queues req; req (and everything it points to) must stay alive and
 * unchanged until cb runs. Returns -1 on OOM. */
int http_submit(HttpClient *c, const AwsRequest *req, HttpDone *cb, void *ctx);
/* Drives transfers for at most timeout_ms (returns earlier when a transfer
 * completes), running callbacks. Returns -1 on a curl multi failure. */
int http_poll(HttpClient *c, long timeout_ms);
/* Requests submitted and not yet completed. */
size_t http_pending(const HttpClient *c);
/* Counts of transfers since creation, for the summary and benchmarks. */
size_t http_count(const HttpClient *c);
/* libcurl's own silent re-sends of requests since creation (each is also
 * logged as a `resend` event): a request re-sent on a fresh connection
 * after a reused one closed, which the server may have seen twice. */
size_t http_resends(const HttpClient *c);

#endif
