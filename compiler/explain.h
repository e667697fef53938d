/* explain.h — `sfdc explain` and `sfdc export`: the evaluated model shown
 * to people (where a value came from) and to scripts (one JSON document). */
#ifndef SFDC_EXPLAIN_H
#define SFDC_EXPLAIN_H

#include <stdio.h>

#include "model.h"

/* Prints PATH's final value, type and provenance (PATH: an object, or an
 * object's field: "la-camden.service.daemon.memory"). env_name may be NULL.
 * Returns an exit status: 0, or 1 if PATH or the environment is unknown
 * (the reason is printed to err). */
int explain_run(Model *m, const char *path, const char *env_name, FILE *out, FILE *err);

/* Prints the whole evaluated platform as one JSON document (keys sorted,
 * numbers in base units). env_name (may be NULL) applies that environment's
 * overrides and keeps only its accounts. Returns an exit status as above. */
int export_run(Model *m, const char *env_name, FILE *out, FILE *err);

#endif
