/* distance.h — edit distance for did-you-mean suggestions (names, units,
 * enum members, instance types, time zones). */
#ifndef SFDC_DISTANCE_H
#define SFDC_DISTANCE_H

#include <stdbool.h>
#include <stddef.h>

enum { DISTANCE_MAX_LEN = 63, DISTANCE_FAR = 1 << 20 };

/* Levenshtein distance between a[0..la) and b[0..lb), optionally ignoring
 * ASCII case. Words longer than DISTANCE_MAX_LEN are never typo
 * candidates: DISTANCE_FAR. */
int text_distance(const char *a, size_t la, const char *b, size_t lb, bool fold_case);

#endif
