/* budget.h — how much work one compilation may do (SPEC §7.4).
 *
 * sfdc runs in editors on half-typed files and in CI on anyone's pull
 * request, so no input may hang it or exhaust the machine. Every quantity
 * a short file can make explode — expansion steps, template uses, loop
 * iterations, string bytes, files, import depth — has a limit here. The
 * loader and the evaluator count against it and report the construct that
 * went over (E0008, E0314); the defaults are generous enough for a
 * platform of 100,000 accounts and each is settable by a flag. */
#ifndef SFDC_BUDGET_H
#define SFDC_BUDGET_H

#include <stdbool.h>
#include <stdint.h>

typedef enum BudgetKind {
    BUDGET_STEPS,           /* user items expanded: blocks, attributes, use, for, if */
    BUDGET_USES,            /* template instantiations */
    BUDGET_ITERATIONS,      /* loop iterations, every `for` together */
    BUDGET_STRING,          /* bytes of the largest string built */
    BUDGET_STRING_TOTAL,    /* bytes of every string built, together */
    BUDGET_FILES,           /* files loaded, the standard library not included */
    BUDGET_IMPORT_DEPTH,    /* length of the longest import chain */
    BUDGET_N
} BudgetKind;

/* The limits of one compilation; copied by value, never owned. */
typedef struct Budget {
    uint64_t limit[BUDGET_N];   /* per kind; the largest count allowed */
} Budget;

/* The defaults (SPEC §7.4). */
void budget_init(Budget *b);
/* "expansion steps", "template uses", ... for messages. */
const char *budget_what(BudgetKind k);
/* "--max-steps", ... the flag that raises it. */
const char *budget_flag(BudgetKind k);
/* Parses argv[*i] if it is a budget flag ("--max-steps=N" or
 * "--max-steps N"). Returns 1 if it was one (and *i may have moved), 0 if
 * not, -1 after printing a usage error. */
int budget_option(Budget *b, int argc, char **argv, int *i);
/* a + b, or UINT64_MAX on overflow: counts saturate instead of wrapping. */
uint64_t budget_add(uint64_t a, uint64_t b);

#endif
