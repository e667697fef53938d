// fuzz: compiler
/* fuzz_parse.c — the lexer and parser on arbitrary bytes, then the
 * diagnostics engine rendering whatever they reported. Each run gets a
 * fresh arena, interner and engine, as a compilation would. Beyond "no
 * crash, leak or undefined behaviour", every diagnostic and every node
 * must point inside the input (a span past the end would make the
 * renderer read out of bounds on some other input). */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Every span in the tree lies within [0, size] and is not reversed. */
static void check_spans(const Node *n, size_t size, int depth)
{
    for (; n; n = n->next) {
        if (n->span.start > n->span.end || n->span.end > size)
            __builtin_trap();
        if (depth < 2000) {
            check_spans(n->a, size, depth + 1);
            check_spans(n->b, size, depth + 1);
            check_spans(ast_annots(n), size, depth + 1);
            check_spans(ast_else(n), size, depth + 1);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static FILE *devnull;
    if (!devnull)
        devnull = fopen("/dev/null", "w");
    Arena arena;
    arena_init(&arena);
    Interner in;
    intern_init(&in, &arena);
    DiagEngine diag;
    diag_init(&diag);
    Source *src = src_from_memory("fuzz.sfd", (const char *)data, size);
    File *f = parse_file(src, &arena, &in, &diag);
    check_spans(f->items, size, 0);
    for (uint32_t i = 0; i < f->ncomments; i++)
        if (f->comments[i].span.end > size)
            __builtin_trap();
    for (unsigned i = 0; i < diag.n; i++) {
        const Diag *d = diag.items[i];
        if (d->src && (d->span.start > d->span.end || d->span.end > size))
            __builtin_trap();
        for (int k = 0; k < d->nlabels; k++)
            if (d->labels[k].span.end > size)
                __builtin_trap();
    }
    if (f->items)
        ast_doc_before(f, &arena, f->items->span.start);
    /* Mostly the human renderer (snippets, carets, tabs, UTF-8); now and
     * then the machine formats, chosen by the input's length. */
    diag.format = size % 8 == 7 ? DIAG_JSON : size % 8 == 5 ? DIAG_SARIF
                : size % 8 == 3 ? DIAG_GCC : DIAG_HUMAN;
    diag.color = size % 2;
    diag_flush(&diag, devnull);
    diag_release(&diag);
    intern_release(&in);
    arena_release(&arena);
    src_free(src);
    return 0;
}
