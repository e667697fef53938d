/* match.h — evaluates a check's expectations against a read's result:
 * paths into cJSON results and the equality rules of runtime/PLAN.md
 * (text-tolerant scalars, order-free policy documents). Pure functions. */
#ifndef SFDRUN_MATCH_H
#define SFDRUN_MATCH_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "plan.h"

/* The value at path in root (borrowed), or NULL when absent. The path must
 * have passed plan_path_check. */
const cJSON *match_path(const cJSON *root, const char *path);

/* 1 when a equals b under the `equals` rules. */
int match_equals(const cJSON *a, const cJSON *b);
/* 1 when the string s (JSON text, possibly percent-encoded) is a document
 * equal to want under the `json` (policy) rules. */
int match_json_text(const char *s, const cJSON *want);

/* 1 when every expectation holds for result. Otherwise 0, and why (n bytes)
 * names the first that failed: `Status: expected "Enabled", got "Suspended"`. */
int match_check(const PlanCheck *check, const cJSON *result, char *why, size_t n);

#endif
