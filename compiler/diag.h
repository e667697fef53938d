/* diag.h — the one choke point for every diagnostic sfdc prints.
 *
 * Phases build a Diag (code, message, primary span, labels, help), then
 * diag_emit() files it. Diagnostics are kept, sorted by file and position,
 * and printed once by diag_flush() in the chosen format: human (rustc-like,
 * with source line and carets), gcc (one line each, for editors and grep),
 * json (one object per line) or sarif (SARIF 2.1.0, for code scanning).
 * Messages are lowercase, without a full stop, with names in backticks. */
#ifndef SFDC_DIAG_H
#define SFDC_DIAG_H

#include <stdbool.h>
#include <stdio.h>

#include "arena.h"
#include "source.h"

typedef enum DiagLevel { DIAG_ERROR, DIAG_WARNING, DIAG_NOTE } DiagLevel;
typedef enum DiagFormat { DIAG_HUMAN, DIAG_GCC, DIAG_JSON, DIAG_SARIF } DiagFormat;

enum { DIAG_MAX_LABELS = 4 };

typedef struct DiagLabel {
    Source *src;        /* file of the span; may differ from the primary's */
    Span span;          /* what the label points at */
    const char *msg;    /* text beside the underline; arena-owned */
} DiagLabel;

typedef struct Diag {
    DiagLevel level;
    const char *code;       /* "E0104"; static storage */
    const char *msg;        /* the headline; arena-owned */
    Source *src;            /* NULL for diagnostics about no file (usage) */
    Span span;              /* the smallest span that shows the problem */
    const char *label;      /* text under the primary caret, or NULL */
    DiagLabel labels[DIAG_MAX_LABELS];  /* secondary spans ("opened here") */
    int nlabels;
    const char *help;       /* the fix or a did-you-mean, or NULL */
    const char *note;       /* extra fact ("= note: ..."), or NULL */
    unsigned seq;           /* emission order, for a stable sort */
    unsigned phase;         /* the engine's phase when it was filed */
} Diag;

typedef struct DiagEngine {
    Arena arena;            /* owns Diags and their strings */
    Diag **items;           /* every filed diagnostic */
    unsigned n, cap;
    unsigned errors;        /* DIAG_ERROR count (including dropped ones) */
    unsigned warnings;
    unsigned max_errors;    /* stop printing after this many errors; 0 = no cap */
    DiagFormat format;
    bool color;             /* ANSI colours in human output */
    bool werror;            /* warnings count as errors */
    /* Optional filter: return true to drop d (e.g. an allow() waiver). */
    bool (*suppress)(void *ctx, const Diag *d);
    void *suppress_ctx;
    /* While set, appended to the message of every diagnostic filed (the
     * environment being checked: ", in environment `prod`"). */
    const char *context;
    /* Diagnostics at one position are printed in the order of their
     * phases, then of their filing. The phase only grows, so this is the
     * order of filing, unless a pass runs several walks interleaved, a
     * block of objects at a time (rulectx.h, RctxBlocks): it numbers its
     * walks, and their diagnostics print as if the walks had run one
     * after another. */
    unsigned phase;
} DiagEngine;

void diag_init(DiagEngine *e);
void diag_release(DiagEngine *e);

/* Starts a diagnostic; fill it with the helpers below, then diag_emit().
 * Messages take printf formats. */
Diag *diag_new(DiagEngine *e, DiagLevel lv, const char *code, Source *src, Span sp,
               const char *fmt, ...) __attribute__((format(printf, 6, 7)));
void diag_label(DiagEngine *e, Diag *d, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void diag_secondary(DiagEngine *e, Diag *d, Source *src, Span sp, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
void diag_help(DiagEngine *e, Diag *d, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void diag_note(DiagEngine *e, Diag *d, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void diag_emit(DiagEngine *e, Diag *d);

/* Shorthand: an error with a message and nothing else. */
void diag_error(DiagEngine *e, const char *code, Source *src, Span sp, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Prints every filed diagnostic in e->format to out, then a summary line
 * (human format only) to out. Clears the list. */
void diag_flush(DiagEngine *e, FILE *out);
bool diag_failed(const DiagEngine *e);

/* The code index: title of a code (NULL if unknown), and iteration. */
const char *diag_code_title(const char *code);
int diag_code_count(void);
const char *diag_code_at(int i, const char **title);

#endif
