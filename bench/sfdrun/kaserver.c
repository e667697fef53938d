/* kaserver.c — a minimal keep-alive HTTP/1.1 server on 127.0.0.1 for the
 * sfdrun benchmark: answers every request with 200 and the JSON body "{}"
 * (a valid empty result for the json protocol), never closes a connection
 * first. Single thread, epoll. Prints the port it bound to on stdout.
 *   cc -O2 -o kaserver kaserver.c && ./kaserver */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define BUF 65536

typedef struct Conn {
    int fd;        /* socket */
    size_t len;    /* bytes buffered */
    char buf[BUF]; /* request bytes not yet answered */
} Conn;

static const char reply[] =
    "HTTP/1.1 200 OK\r\nContent-Type: application/x-amz-json-1.1\r\n"
    "x-amzn-RequestId: bench\r\nContent-Length: 2\r\n\r\n{}";

/* STS GetCallerIdentity (query protocol, XML), so a plan account without a
 * role passes sfdrun's account check. */
static const char sts_reply[] =
    "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: 201\r\n\r\n"
    "<GetCallerIdentityResponse><GetCallerIdentityResult><Account>123456789012</Account>"
    "<Arn>arn:aws:iam::123456789012:user/b</Arn><UserId>AIDB</UserId></GetCallerIdentityResult>"
    "</GetCallerIdentityResponse>";

/* Length of the first complete request in c, or 0. */
static size_t complete(const Conn *c)
{
    const char *end = memmem(c->buf, c->len, "\r\n\r\n", 4);
    if (!end)
        return 0;
    size_t head = (size_t)(end - c->buf) + 4, body = 0;
    for (const char *p = c->buf; p < end; p++)
        if ((p == c->buf || p[-1] == '\n') && strncasecmp(p, "content-length:", 15) == 0)
            body = strtoul(p + 15, NULL, 10);
    return c->len >= head + body ? head + body : 0;
}

int main(void)
{
    int ls = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), one = 1;
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000001) };
    socklen_t al = sizeof a;
    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(ls, (struct sockaddr *)&a, sizeof a) < 0 || listen(ls, 512) < 0)
        return perror("bind"), 1;
    getsockname(ls, (struct sockaddr *)&a, &al);
    printf("%d\n", ntohs(a.sin_port));
    fflush(stdout);
    int ep = epoll_create1(0);
    struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL }, evs[64];
    epoll_ctl(ep, EPOLL_CTL_ADD, ls, &ev);
    for (;;) {
        int n = epoll_wait(ep, evs, 64, -1);
        for (int i = 0; i < n; i++) {
            Conn *c = evs[i].data.ptr;
            if (!c) {
                int fd;
                while ((fd = accept4(ls, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
                    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                    Conn *nc = calloc(1, sizeof *nc);
                    nc->fd = fd;
                    struct epoll_event e2 = { .events = EPOLLIN, .data.ptr = nc };
                    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e2);
                }
                continue;
            }
            ssize_t k = read(c->fd, c->buf + c->len, BUF - c->len);
            if (k <= 0) {
                close(c->fd);
                free(c);
                continue;
            }
            c->len += (size_t)k;
            size_t r;
            while ((r = complete(c)) > 0) {
                int sts = memmem(c->buf, r, "GetCallerIdentity", 17) != NULL;
                if (write(c->fd, sts ? sts_reply : reply,
                          sts ? sizeof sts_reply - 1 : sizeof reply - 1) < 0)
                    break;
                memmove(c->buf, c->buf + r, c->len - r);
                c->len -= r;
            }
        }
    }
}
