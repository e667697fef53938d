/* source.h — source files and their line tables.
 *
 * A Source holds one file's bytes (NUL-terminated, so the lexer can use the
 * NUL as its sentinel) and, built lazily, the offsets where lines start.
 * Tokens and nodes carry byte Spans; line and column are computed only when
 * something is printed (jq and rustc do the same). */
#ifndef SFDC_SOURCE_H
#define SFDC_SOURCE_H

#include <stddef.h>
#include <stdint.h>

/* A half-open byte range [start, end) within one Source. */
typedef struct Span {
    uint32_t start;     /* first byte */
    uint32_t end;       /* one past the last byte */
} Span;

typedef struct Source {
    char *path;         /* as given by the user or the importing file; malloc'd */
    char *text;         /* len bytes plus a NUL; malloc'd */
    uint32_t len;       /* bytes in text, excluding the NUL */
    uint32_t *lines;    /* offsets of line starts; NULL until first needed */
    uint32_t nlines;    /* entries in lines */
    int id;             /* index in the compilation's source list */
} Source;

/* A resolved position for printing: 1-based line, 1-based column counted in
 * characters (UTF-8 code points), not bytes. */
typedef struct LineCol {
    uint32_t line;
    uint32_t col;
} LineCol;

enum { SRC_MAX_BYTES = 64u << 20 };   /* larger files are refused (E0003) */

typedef enum SrcError {
    SRC_OK,
    SRC_ENOENT,     /* no such file */
    SRC_EISDIR,     /* a directory */
    SRC_EACCES,     /* not readable */
    SRC_ETOOBIG,    /* over SRC_MAX_BYTES */
    SRC_ELOOP,      /* a loop of symbolic links */
    SRC_EIO,        /* any other read error */
} SrcError;

/* Reads path into a new Source; on failure returns NULL and sets *err. */
Source *src_load(const char *path, SrcError *err);
/* Wraps bytes already in memory (copied) — used by tests, fuzzers, the LSP. */
Source *src_from_memory(const char *path, const char *text, size_t len);
void src_free(Source *s);
/* The language server's open editor buffers: when set, src_load asks fn
 * first and uses the Source it returns (a new one, owned by the caller of
 * src_load) instead of reading the disk; NULL means "read the disk". */
typedef Source *(*SrcOverlay)(void *ctx, const char *path);
void src_set_overlay(SrcOverlay fn, void *ctx);
/* Describes a SrcError in words, for diagnostics. */
const char *src_strerror(SrcError e);

LineCol src_linecol(Source *s, uint32_t offset);
/* The byte range of the line holding offset, without its line terminator. */
Span src_line_span(Source *s, uint32_t line);
/* Number of bytes in the UTF-8 sequence starting with byte c (1 if invalid). */
int src_utf8_len(unsigned char c);
/* Bytes of the character at text[i]: its UTF-8 length when the sequence is
 * complete before end, else 1 — so an invalid byte is one column. */
int src_char_len(const char *text, uint32_t i, uint32_t end);

#endif
