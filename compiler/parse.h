/* parse.h — from source text to a syntax tree (lang/parser.y drives it).
 *
 * Parsing never stops at the first mistake: the grammar recovers at item
 * level (inside any block body), so every syntax error in a file is
 * reported once, and a tree is always returned — possibly with NODE_ERROR
 * holes — so later phases and the language server can still use it. */
#ifndef SFDC_PARSE_H
#define SFDC_PARSE_H

#include "ast.h"
#include "diag.h"
#include "intern.h"
#include "lexer.h"

typedef struct Parser {
    Lexer lx;           /* token source */
    Arena *arena;       /* nodes */
    Interner *in;       /* identifiers */
    DiagEngine *diag;
    Source *src;
    Node *items;        /* result: top-level items in order */
    unsigned errors;    /* syntax errors reported */
    bool deep_reported; /* E0110 for expression depth already said */
    bool has_imports;   /* an IMPORT node was made; see File.has_imports */
    uint32_t skip_to;   /* after a syntax error: drop tokens before this offset */
    int skip_depth;     /* braces opened among the dropped tokens */
} Parser;

/* Parses src; the File and its nodes live in a. Never returns NULL. */
File *parse_file(Source *src, Arena *a, Interner *in, DiagEngine *d);
/* The same, telling sink (if not NULL) of every token as it is read. */
File *parse_file_sink(Source *src, Arena *a, Interner *in, DiagEngine *d, LexSink *sink,
                      void *ctx);

#endif
