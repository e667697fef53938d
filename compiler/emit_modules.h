/* emit_modules.h — stdlib/modules copied into the output tree (see
 * emit_modules.c). */
#ifndef SFDC_EMIT_MODULES_H
#define SFDC_EMIT_MODULES_H

#include <stdbool.h>
#include <stdio.h>

#include "diag.h"
#include "outtree.h"

/* Adds every file below from (stdlib/modules) to t as modules/PATH, sorted.
 * False if a directory or file cannot be read: said as E0001 through dg
 * (with the run's --diag-format), or on err when dg is NULL. */
bool emit_modules_copy(const char *from, OutTree *t, DiagEngine *dg, FILE *err);

#endif
