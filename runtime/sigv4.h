/* sigv4.h — helpers shared inside the AWS library (sigv4.c, creds.c,
 * proto.c, xml.c, signcmd.c): a growable byte buffer, AWS URI encoding,
 * hashing. Not part of the executor-facing API (that is aws.h). */
#ifndef SFDRUN_SIGV4_H
#define SFDRUN_SIGV4_H

#include <stdarg.h>
#include <stddef.h>

#include "aws.h"

/* A growable NUL-terminated byte buffer. Allocation failure is sticky:
 * later appends do nothing and aws_buf_take returns NULL, so callers check
 * once at the end. */
typedef struct AwsBuf {
    char *data;   /* bytes, NUL-terminated when len > 0 or after any append */
    size_t len;   /* bytes used, without the NUL */
    size_t cap;   /* bytes allocated */
    int oom;      /* 1 once an allocation failed */
} AwsBuf;

void aws_buf_init(AwsBuf *b);
void aws_buf_release(AwsBuf *b);
void aws_buf_add(AwsBuf *b, const void *p, size_t n);
void aws_buf_puts(AwsBuf *b, const char *s);
void aws_buf_putc(AwsBuf *b, char c);
void aws_buf_printf(AwsBuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Hands the data over (malloc'd, NUL-terminated; "" when empty) and resets
 * the buffer; NULL if an allocation failed at any point. */
char *aws_buf_take(AwsBuf *b);

/* Appends s[0..n) percent-encoded the AWS way: A-Z a-z 0-9 - _ . ~ kept,
 * '/' kept when keep_slash, every other byte as %XX (upper-case hex). */
void aws_uri_encode(AwsBuf *b, const char *s, size_t n, int keep_slash);
/* Appends s[0..n) percent-decoded ('+' is left alone; bad escapes kept). */
void aws_uri_decode(AwsBuf *b, const char *s, size_t n);
/* Base64 of data into b (for Content-MD5). */
void aws_base64(AwsBuf *b, const unsigned char *data, size_t n);
/* Base64 MD5 of data into out[25]. */
void aws_md5_base64(const void *data, size_t len, char *out);

/* strdup that accepts NULL (returns NULL); NULL also on OOM. */
char *aws_strdup(const char *s);
/* Case-insensitive ASCII comparison (no locale). */
int aws_strcaseeq(const char *a, const char *b);
/* Writes a message into err (AWS_ERR_MAX bytes) when err is non-NULL;
 * returns -1 so callers can `return aws_fail(err, ...)`. */
int aws_fail(char *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
