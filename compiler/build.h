/* build.h — `sfdc build`: from the checked model to an output tree.
 *
 * build.c drives the back end's phases (lower.h lists them): lowering one
 * account at a time, a target rendering it (Terragrunt or plain
 * Terraform), the modules, the runtime plan, and outtree.c writing (or,
 * with --check, comparing) each file as it comes. Layout, naming and
 * wiring are documented in SPEC.md, "Outputs: the Terragrunt tree". */
#ifndef SFDC_BUILD_H
#define SFDC_BUILD_H

#include <stdbool.h>
#include <stdio.h>

#include "diag.h"
#include "model.h"

typedef enum BuildTarget { BUILD_TERRAGRUNT, BUILD_TERRAFORM } BuildTarget;

typedef struct BuildOptions {
    const char *outdir;     /* -o DIR (default "out") */
    BuildTarget target;     /* --target */
    const char *env;        /* --env NAME, or NULL for every environment */
    bool check;             /* --check: compare, never write */
    DiagFormat format;      /* --diag-format, for build's own errors (I/O) */
    bool matrix;            /* --matrix: print the deployments as a CI matrix (matrix.c) */
    const char *since;      /* --affected-since REV: only those changed since REV */
} BuildOptions;

/* `sfdc build`: lowers, renders and writes (or checks) the tree. The model
 * must be free of errors. Messages go to err, the list of stale files with
 * --check to out. Returns the exit status (0, 1 stale or refused, 2 usage,
 * 70 a bug of sfdc). */
int build_run(const Model *m, const BuildOptions *o, FILE *out, FILE *err);

/* Parses one build option at argv[*i] (-o, --target, --env, --check).
 * Returns 1 if it was one, 0 if not a build option, -1 on a usage error
 * (already reported on stderr). */
int build_option(BuildOptions *o, int argc, char **argv, int *i);

extern const char build_help[];

#endif
