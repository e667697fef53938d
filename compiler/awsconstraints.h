/* awsconstraints.h — the constraints of AWS API parameters, as data.
 *
 * stdlib/aws/constraints.json (written by tools/gen-aws-constraints.py
 * from botocore's models, plus hand rules with their documentation source)
 * holds, per parameter "service.Operation.Member", the length, count,
 * numeric range, enum and pattern AWS enforces. This module loads it and
 * answers "does this value satisfy that parameter": the rule passes
 * (rules_aws*.c) call it on every name sfdc derives, after derivation, so
 * what is checked is what is emitted. Nothing here prints: a failed check
 * fills a RuleMsg (awslimits.h).
 *
 * Patterns are POSIX extended regular expressions, matched whole by a small
 * matcher of our own, a Thompson NFA turned lazily into a DFA (regexec costs
 * ~1 us a call, too much for tens of thousands of derived names within
 * bench/check's budget): literals,
 * bracket classes, `.`, groups, `|`, `*`, `+`, `?`, `{n}`, `{n,}`, `{n,m}`. */
#ifndef SFDC_AWSCONSTRAINTS_H
#define SFDC_AWSCONSTRAINTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "awslimits.h"

/* A compiled pattern: a program of the matcher (opaque). */
typedef struct AwscRe AwscRe;

/* Compiles an ERE (matched as a whole: implicitly anchored). NULL, with a
 * reason in err, when it uses syntax outside the supported subset. The
 * result is malloc'd: free it with awsc_re_free. */
AwscRe *awsc_re_compile(const char *ere, char *err, size_t errcap);
/* Matches s whole. Not const: the matcher builds its DFA as it reads. */
bool awsc_re_match(AwscRe *re, const char *s, size_t len);
void awsc_re_free(AwscRe *re);

/* One parameter's constraints; a `has_` flag is false when AWS states none. */
typedef struct AwscParam {
    char *name;                 /* "iam.CreateRole.RoleName"; malloc'd */
    bool has_min, has_max;      /* length of a string, or items of a list */
    long min, max;
    bool has_rmin, has_rmax;    /* bounds of a number */
    double rmin, rmax;
    char *ere;                  /* the pattern as written, or NULL; malloc'd */
    AwscRe *re;                 /* compiled ere, or NULL */
    char **enums;               /* allowed values (strings; numbers as text), malloc'd */
    int nenums;
    char *source;               /* where the constraints come from; malloc'd */
} AwscParam;

/* The parameters one kind of derived name must satisfy (constraints.json's
 * `names`: "load-balancer", or "db@aurora" for one object kind). */
typedef struct AwscNameRule {
    char *kind;                 /* malloc'd */
    char **params;              /* parameter names; malloc'd */
    int nparams;
} AwscNameRule;

typedef struct AwscTable {
    AwscParam *params;          /* sorted by name; malloc'd */
    size_t n;
    AwscNameRule *names;        /* malloc'd, in file order */
    size_t nnames;
    AwscNameRule *fields;       /* `fields`: "service.tag", "service.env{}"...; malloc'd */
    size_t nfields;
} AwscTable;

/* Reads constraints.json (path) or its text. 0, or -1 with a reason in err
 * (unreadable, not JSON, a pattern the matcher cannot compile). The table
 * owns everything: release it. */
int awsc_load(AwscTable *t, const char *path, char *err, size_t errcap);
int awsc_parse(AwscTable *t, const char *json, size_t len, char *err, size_t errcap);
void awsc_release(AwscTable *t);
/* The table of path, loaded on the first call and kept for the process
 * (every environment's pass asks for it; its patterns' DFAs, built as
 * names are matched, serve them all); loaded again only for another path.
 * NULL, with a reason in err, when it cannot be read (not remembered: the
 * next call tries again). Not thread-safe. */
const AwscTable *awsc_shared(const char *path, char *err, size_t errcap);

/* The parameter named name, or NULL (binary search). */
const AwscParam *awsc_find(const AwscTable *t, const char *name);

/* The parameters a derived name of kind (names_kind_name) on an object of
 * kind object must satisfy: "KIND@OBJECT" if the table has it, else
 * "KIND". Fills out[0..cap) and returns how many (0: none to check). */
int awsc_name_params(const AwscTable *t, const char *kind, const char *object,
                     const AwscParam **out, int cap);

/* The name of what sfdc creates, checked against p: length, pattern, enum.
 * what names it in the message ("load balancer name"). On failure m says
 * which rule and the byte range at fault when there is one. */
bool awsc_string(const AwscParam *p, const char *what, const char *s, size_t len, RuleMsg *m);

/* A number against p's range and enum. */
bool awsc_number(const AwscParam *p, const char *what, double v, RuleMsg *m);

/* A list's item count against p's min and max. */
bool awsc_count(const AwscParam *p, const char *what, size_t n, RuleMsg *m);

/* ---- regions (stdlib/aws/regions.json) ---------------------------------------- */

typedef struct AwscRegion {
    char name[32];              /* "eu-west-2" */
    char zones[16];             /* letters of its Availability Zones: "abc" */
    int usable;                 /* how many one account may use (<= strlen(zones)) */
} AwscRegion;

typedef struct AwscRegions {
    AwscRegion *r;              /* malloc'd, in file order */
    size_t n;
} AwscRegions;

int awsc_regions_load(AwscRegions *t, const char *path, char *err, size_t errcap);
int awsc_regions_parse(AwscRegions *t, const char *json, size_t len, char *err, size_t errcap);
void awsc_regions_release(AwscRegions *t);
/* The region named name, or NULL when the table does not know it (or t is
 * NULL). */
const AwscRegion *awsc_region(const AwscRegions *t, const char *name);

/* The table of stdlib_dir/aws/regions.json (stdlib_dir NULL: "stdlib"),
 * loaded on first use and kept for the rest of the process, so that
 * lower.c and names.c read the file once however many networks they name;
 * NULL when it cannot be read (the checker reports that, E0001). */
const AwscRegions *awsc_regions_shared(const char *stdlib_dir);

/* The i-th (0-based) Availability Zone a network's subnets go to: the i-th
 * of the region's zone letters that one account may use, in the table's
 * order (ap-northeast-1 has a, c, d: i = 1 is "ap-northeast-1c"). Writes
 * "<region><letter>" into out and returns true; false and "" past the last
 * usable zone. r NULL (a region the table does not know) gives a, b, c...
 * The tree names its zones with this (names_zone) and E0516 checks `azs`
 * with it, so the zones checked are the zones emitted. */
bool awsc_zone(const AwscRegion *r, const char *region, int i, char *out, size_t cap);

/* ---- other data files of stdlib/aws/ ------------------------------------------- */

struct cJSON;

/* A JSON file (e.g. stdlib/aws/engine-versions.json), parsed; NULL with err
 * set when it cannot be read or parsed. The caller owns the tree and frees
 * it with awsc_json_free. */
struct cJSON *awsc_json_load(const char *path, char *err, size_t errcap);
void awsc_json_free(struct cJSON *tree);

/* Whether the JSON array arr (NULL: no) holds the string s. */
bool awsc_json_has(const struct cJSON *arr, const char *s);

#endif
