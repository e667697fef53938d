/* load.h — finding, reading and parsing every file of a program.
 *
 * A program is the standard library prelude, the files named on the
 * command line (directories are searched for *.sfd), and everything they
 * import. Imports are relative to the importing file, or `std/NAME` from
 * the standard library. Each file is read and parsed once, whatever the
 * number of imports naming it; cycles are reported at the import. */
#ifndef SFDC_LOAD_H
#define SFDC_LOAD_H

#include "ast.h"
#include "budget.h"
#include "diag.h"
#include "intern.h"

typedef struct Program {
    Arena arena;            /* nodes, names, files: everything of this program */
    Interner in;            /* identifiers */
    DiagEngine *diag;       /* where diagnostics go; not owned */
    File **files;           /* in load order: stdlib first; malloc'd */
    int nfiles, cap;
    Source **sources;       /* owned sources, parallel to files; malloc'd */
    const char *stdlib_dir; /* directory of the standard library; arena-owned */
    int nuser;              /* files named by the user (not imports, not std) */
    int nsource_files;      /* files not from the standard library (the files budget) */
    Budget budget;          /* work limits (budget.h); defaults from load_init */
} Program;

void load_init(Program *pg, DiagEngine *d, const char *stdlib_dir);
void load_release(Program *pg);
/* Loads the standard library prelude and then each path (file or
 * directory). Returns false if nothing could be loaded at all. */
bool load_program(Program *pg, char **paths, int npaths);
/* Adds one in-memory file (for tests, fuzzing and the language server). */
File *load_memory(Program *pg, const char *path, const char *text, size_t len);
/* Where the standard library is: $SFDC_STDLIB, or next to the executable
 * (../stdlib, ../share/sfdc/stdlib). malloc'd; NULL if not found. */
char *load_find_stdlib(const char *argv0);

#endif
