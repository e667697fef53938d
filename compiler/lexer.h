/* lexer.h — turns a Source into tokens for the Bison parser.
 *
 * The lexer (lang/lexer.re, re2c) reads the whole file, NUL-terminated, and
 * keeps a stack of open delimiters: it needs one to lex strings with `${...}`
 * interpolation, and the stack also bounds nesting depth and lets the parser
 * say which `{` an unexpected end of file leaves open. Comments are recorded
 * in the File rather than returned as tokens. */
#ifndef SFDC_LEXER_H
#define SFDC_LEXER_H

#include <stdbool.h>
#include <stdint.h>

#include "ast.h"
#include "diag.h"
#include "intern.h"

enum { LEX_MAX_DEPTH = 128 };   /* deeper nesting is refused with E0110 */

typedef enum LexMode {
    LEX_BRACE,      /* inside { } */
    LEX_BRACKET,    /* inside [ ] */
    LEX_PAREN,      /* inside ( ) */
    LEX_STRING,     /* inside "...": text, escapes, ${ */
    LEX_INTERP,     /* inside ${ }: ordinary tokens until the matching } */
} LexMode;

/* Told of every token lex_next returns (kind from parser.h, and its span)
 * and of every comment (LEX_COMMENT), in source order: how the formatter
 * gets the token stream of the parse it runs anyway. */
typedef void LexSink(void *ctx, int tok, Span loc);
enum { LEX_COMMENT = -1 };     /* the sink's kind for a comment */

typedef struct Lexer {
    Source *src;
    const unsigned char *cur;   /* next byte to read */
    const unsigned char *lim;   /* the terminating NUL (text + len) */
    const unsigned char *tok;   /* start of the token being scanned */
    const unsigned char *mar;   /* re2c backtracking marker */
    Arena *arena;               /* nodes for literal tokens */
    Interner *in;               /* identifiers */
    DiagEngine *diag;
    LexMode modes[LEX_MAX_DEPTH];   /* open delimiters, innermost last */
    uint32_t opens[LEX_MAX_DEPTH];  /* offset where each was opened */
    int depth;                      /* entries in modes/opens */
    bool too_deep;              /* E0110 or E0103 reported: return end of file now */
    int pending[2];             /* tokens to return before reading on (0: none) */
    Node *pending_val[2];       /* their semantic values */
    Span pending_loc[2];        /* and spans */
    int npending;
    uint32_t error_at;          /* offset of the last lexical error + 1, or 0 */
    uint32_t errors;            /* lexical errors reported */
    Comment *comments;          /* recorded comments; malloc'd, moved to File */
    uint32_t ncomments, ccap;
    LexSink *sink;              /* or NULL; set after lex_init */
    void *sink_ctx;             /* its first argument */
} Lexer;

void lex_init(Lexer *lx, Source *src, Arena *a, Interner *in, DiagEngine *d);
/* The parser's entry: returns a token kind (from parser.h), fills *val and *loc. */
union YYSTYPE;
int lex_next(Lexer *lx, union YYSTYPE *val, Span *loc);
/* Releases what lex_init allocated and File did not take over. */
void lex_release(Lexer *lx);

#endif
