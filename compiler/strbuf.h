/* strbuf.h — a growable text buffer for output rendered in memory (the
 * plan's JSON, the graph) before one write. It never fails loudly: after
 * an allocation failure it stops growing and sb_finish returns NULL, so
 * callers check once at the end. */
#ifndef SFDC_STRBUF_H
#define SFDC_STRBUF_H

#include <stdbool.h>
#include <stddef.h>

typedef struct StrBuf {
    char *p;            /* the text, NUL-terminated once anything is added; malloc'd */
    size_t n;           /* bytes of text */
    size_t cap;         /* bytes allocated */
    bool oom;           /* an allocation failed: the text is incomplete */
} StrBuf;

void sb_putn(StrBuf *b, const char *s, size_t n);
void sb_puts(StrBuf *b, const char *s);
/* The text (malloc'd, the caller frees it), or NULL after a failure (the
 * buffer is freed then). An empty buffer gives "". */
char *sb_finish(StrBuf *b);

/* The decimal digits of u, written backwards to end just before end;
 * returns where they start, at most SB_DIGITS_MAX bytes before end. Every
 * writer of whole numbers (HCL, JSON, derived names, ports) shares it:
 * printf's parsing of the format was a measurable part of a render. */
enum { SB_DIGITS_MAX = 20 };
static inline char *sb_digits(char *end, unsigned long long u)
{
    do
        *--end = (char)('0' + u % 10);
    while ((u /= 10) > 0);
    return end;
}

#endif
