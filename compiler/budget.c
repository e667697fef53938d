/* budget.c — the compilation's work limits: defaults, names, flags (see
 * budget.h). */
#include "budget.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "banned.h"

/* One row per budget. The defaults leave room for 100,000 accounts of ten
 * resources each, built from templates and loops (bench/adversarial), while
 * keeping the worst a short file can ask for under a second and 256 MB. */
static const struct {
    const char *flag;       /* the command-line flag */
    const char *what;       /* what is counted, for messages */
    uint64_t def;           /* the default limit */
    uint64_t max;           /* the largest a flag may set; 0: no bound */
} rows[BUDGET_N] = {
    [BUDGET_STEPS] = {"--max-steps", "expansion steps", 10000000, 0},
    [BUDGET_USES] = {"--max-uses", "template uses", 1000000, 0},
    [BUDGET_ITERATIONS] = {"--max-iterations", "loop iterations", 1000000, 0},
    /* A string stays far below 2 GiB, so the printf-style formatting of
       paths and messages that include it (int-sized) never fails. */
    [BUDGET_STRING] = {"--max-string", "bytes in one string", 1u << 20, 256u << 20},
    [BUDGET_STRING_TOTAL] = {"--max-string-total", "bytes of strings built", 64u << 20, 0},
    /* which file sees which is one bit per pair: 50,000 files are 300 MB */
    [BUDGET_FILES] = {"--max-files", "source files", 10000, 50000},
    [BUDGET_IMPORT_DEPTH] = {"--max-import-depth", "nested imports", 10000, 0},
};

void budget_init(Budget *b)
{
    for (int k = 0; k < BUDGET_N; k++)
        b->limit[k] = rows[k].def;
}

const char *budget_what(BudgetKind k) { return rows[k].what; }

const char *budget_flag(BudgetKind k) { return rows[k].flag; }

uint64_t budget_add(uint64_t a, uint64_t b) { return a > UINT64_MAX - b ? UINT64_MAX : a + b; }

/* A count: decimal digits only, at least 1. */
static bool parse_count(const char *s, uint64_t *out)
{
    if (!s || *s < '0' || *s > '9')
        return false;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (*end || errno || v == 0)
        return false;
    *out = v;
    return true;
}

int budget_option(Budget *b, int argc, char **argv, int *i)
{
    const char *a = argv[*i];
    for (int k = 0; k < BUDGET_N; k++) {
        size_t n = strlen(rows[k].flag);
        if (strncmp(a, rows[k].flag, n) != 0 || (a[n] != '=' && a[n] != '\0'))
            continue;
        const char *v = a[n] == '=' ? a + n + 1 : *i + 1 < argc ? argv[++*i] : NULL;
        uint64_t count;
        if (!parse_count(v, &count)) {
            fprintf(stderr, "sfdc: %s takes a positive whole number, not '%s'\nTry 'sfdc --help'.\n",
                    rows[k].flag, v ? v : "");
            return -1;
        }
        if (rows[k].max && count > rows[k].max) {
            fprintf(stderr, "sfdc: %s is at most %llu\nTry 'sfdc --help'.\n", rows[k].flag,
                    (unsigned long long)rows[k].max);
            return -1;
        }
        b->limit[k] = count;
        return 1;
    }
    return 0;
}
