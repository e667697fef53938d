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
#include <stdint.h>
#include <stdio.h>

#include "diag.h"
#include "model.h"

typedef enum BuildTarget { BUILD_TERRAGRUNT, BUILD_TERRAFORM } BuildTarget;

/* What a writing `sfdc build` was given beyond its options, for the
 * no-change fast path (stamp.h says why it is sound): main.c fills the
 * command line before loading anything, build_fast() the fingerprint of
 * what it names, and main.c what the checker printed. */
typedef struct BuildInputs {
    char *const *args;      /* the command line after `build`; borrowed */
    int nargs;
    char *const *paths;     /* the files and directories named (none: "."); borrowed */
    int npaths;
    const char *stdlib;     /* the standard library's directory, or NULL; borrowed */
    uint64_t pre;           /* stamp_inputs_pre(): everything but the loaded files */
    bool doubt;             /* something in it was changing: never record this run */
    bool stale;             /* the last run's record matched but its tree had changed */
    const char *printed;    /* the diagnostics printed before build_run; borrowed */
    size_t nprinted;
    bool printed_stdout;    /* they went to stdout (else stderr) */
} BuildInputs;

typedef struct BuildOptions {
    const char *outdir;     /* -o DIR (default "out") */
    BuildTarget target;     /* --target */
    const char *env;        /* --env NAME, or NULL for every environment */
    bool check;             /* --check: compare, never write */
    DiagFormat format;      /* --diag-format, for build's own errors (I/O) */
    bool matrix;            /* --matrix: print the deployments as a CI matrix (matrix.c) */
    const char *since;      /* --affected-since REV: only those changed since REV */
    BuildInputs *in;        /* for the fast path's record, or NULL (none kept); borrowed */
} BuildOptions;

/* `sfdc build`: lowers, renders and writes (or checks) the tree. The model
 * must be free of errors. Messages go to err, the list of stale files with
 * --check to out. Returns the exit status (0, 1 stale or refused, 2 usage,
 * 70 a bug of sfdc). */
int build_run(const Model *m, const BuildOptions *o, FILE *out, FILE *err);

/* The no-change fast path, before anything is loaded: when DIR's stamps
 * hold a record of a run whose whole input set (stamp.h) is the same as
 * this one's, and DIR's files are as that run left them (out_verify),
 * prints what that run printed and returns its exit status. Returns -1
 * (nothing printed) when the normal path must run; in->pre is set either
 * way. SFDC_TRACE_BUILD=1 says on err which path was taken and why. */
int build_fast(const BuildOptions *o, BuildInputs *in, FILE *out, FILE *err);

/* Parses one build option at argv[*i] (-o, --target, --env, --check).
 * Returns 1 if it was one, 0 if not a build option, -1 on a usage error
 * (already reported on stderr). */
int build_option(BuildOptions *o, int argc, char **argv, int *i);

extern const char build_help[];

#endif
