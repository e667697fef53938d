/* source.c — reading files and mapping byte offsets to lines and columns. */
#include "source.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "arena.h"
#include "banned.h"

const char *src_strerror(SrcError e)
{
    switch (e) {
    case SRC_OK: return "no error";
    case SRC_ENOENT: return "no such file or directory";
    case SRC_EISDIR: return "is a directory";
    case SRC_EACCES: return "permission denied";
    case SRC_ETOOBIG: return "file is larger than 64 MiB";
    case SRC_ELOOP: return "too many levels of symbolic links";
    case SRC_EIO: break;
    }
    return "read error";
}

static SrcError from_errno(int e)
{
    switch (e) {
    case ENOENT: case ENOTDIR: return SRC_ENOENT;
    case EISDIR: return SRC_EISDIR;
    case EACCES: case EPERM: return SRC_EACCES;
    case ELOOP: return SRC_ELOOP;
    default: return SRC_EIO;
    }
}

Source *src_from_memory(const char *path, const char *text, size_t len)
{
    Source *s = xcalloc(1, sizeof *s);
    s->path = xstrdup(path);
    s->text = xmalloc(len + 1);
    memcpy(s->text, text, len);
    s->text[len] = '\0';
    s->len = (uint32_t)len;
    return s;
}

/* Reads the whole file into a buffer with room for the NUL sentinel; the
 * size from fstat is only a hint (pipes and /proc files report 0). */
static SrcError slurp(FILE *f, size_t hint, char **out, size_t *outlen)
{
    size_t cap = hint + 1 > 1 << 16 ? hint + 1 : 1 << 16, n = 0;
    char *buf = xmalloc_big(cap + 1);
    for (;;) {
        if (n == cap) {
            if (cap > SRC_MAX_BYTES) {
                free(buf);
                return SRC_ETOOBIG;
            }
            cap *= 2;
            buf = xrealloc(buf, cap + 1);
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        int e = errno;
        free(buf);
        return e == EISDIR ? SRC_EISDIR : SRC_EIO;
    }
    if (n > SRC_MAX_BYTES) {
        free(buf);
        return SRC_ETOOBIG;
    }
    *out = buf;
    *outlen = n;
    return SRC_OK;
}

static SrcOverlay overlay_fn;     /* see src_set_overlay */
static void *overlay_ctx;

void src_set_overlay(SrcOverlay fn, void *ctx)
{
    overlay_fn = fn;
    overlay_ctx = ctx;
}

Source *src_load(const char *path, SrcError *err)
{
    struct stat st;
    Source *open_buffer = overlay_fn ? overlay_fn(overlay_ctx, path) : NULL;
    if (open_buffer) {
        *err = SRC_OK;
        return open_buffer;
    }
    if (stat(path, &st) != 0) {
        *err = from_errno(errno);
        return NULL;
    }
    if (S_ISDIR(st.st_mode)) {
        *err = SRC_EISDIR;
        return NULL;
    }
    if (S_ISREG(st.st_mode) && st.st_size > (off_t)SRC_MAX_BYTES) {
        *err = SRC_ETOOBIG;
        return NULL;
    }
    /* O_NONBLOCK: a FIFO with no writer must not hang the compiler (it
     * reads as empty); cleared again so reads of slow pipes still block. */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        *err = from_errno(errno);
        return NULL;
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    FILE *f = fdopen(fd, "rb");
    if (!f) {
        *err = from_errno(errno);
        close(fd);
        return NULL;
    }
    char *buf = NULL;
    size_t n = 0;
    *err = slurp(f, S_ISREG(st.st_mode) ? (size_t)st.st_size : 0, &buf, &n);
    fclose(f);
    if (*err != SRC_OK)
        return NULL;
    Source *s = xcalloc(1, sizeof *s);   /* adopts buf: no second copy */
    s->path = xstrdup(path);
    s->text = buf;
    s->text[n] = '\0';
    s->len = (uint32_t)n;
    return s;
}

void src_free(Source *s)
{
    if (!s)
        return;
    free(s->path);
    free(s->text);
    free(s->lines);
    free(s);
}

/* Line starts: after "\n", and after a lone "\r" (old Mac); "\r\n" is one. */
static void build_lines(Source *s)
{
    uint32_t cap = 64, n = 0;
    uint32_t *lines = xmalloc(cap * sizeof *lines);
    lines[n++] = 0;
    for (uint32_t i = 0; i < s->len; i++) {
        char c = s->text[i];
        if (c == '\r' && i + 1 < s->len && s->text[i + 1] == '\n')
            continue;
        if (c == '\n' || c == '\r') {
            if (n == cap)
                lines = xrealloc(lines, (cap *= 2) * sizeof *lines);
            lines[n++] = i + 1;
        }
    }
    s->lines = lines;
    s->nlines = n;
}

int src_utf8_len(unsigned char c)
{
    if (c < 0x80) return 1;
    if ((c & 0xE0) == 0xC0) return 2;
    if ((c & 0xF0) == 0xE0) return 3;
    if ((c & 0xF8) == 0xF0) return 4;
    return 1;
}

int src_char_len(const char *text, uint32_t i, uint32_t end)
{
    int n = src_utf8_len((unsigned char)text[i]);
    if (i + (uint32_t)n > end)
        return 1;
    for (int k = 1; k < n; k++)
        if (((unsigned char)text[i + (uint32_t)k] & 0xC0) != 0x80)
            return 1;
    return n;
}

LineCol src_linecol(Source *s, uint32_t offset)
{
    if (!s->lines)
        build_lines(s);
    if (offset > s->len)
        offset = s->len;
    uint32_t lo = 0, hi = s->nlines;   /* binary search: last start <= offset */
    while (hi - lo > 1) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (s->lines[mid] <= offset)
            lo = mid;
        else
            hi = mid;
    }
    uint32_t col = 1;
    for (uint32_t i = s->lines[lo]; i < offset; col++)
        i += (uint32_t)src_char_len(s->text, i, s->len);
    return (LineCol){lo + 1, col};
}

Span src_line_span(Source *s, uint32_t line)
{
    if (!s->lines)
        build_lines(s);
    if (line == 0 || line > s->nlines)
        return (Span){s->len, s->len};
    uint32_t start = s->lines[line - 1];
    uint32_t end = start;
    while (end < s->len && s->text[end] != '\n' && s->text[end] != '\r')
        end++;
    return (Span){start, end};
}
