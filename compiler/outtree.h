/* outtree.h — an output tree, written safely as it is rendered.
 *
 * A run (out_begin ... out_finish) streams: emitters add files (relative
 * path + bytes, or out_open/out_put/out_close for a file made in pieces)
 * and each is compared and written as it comes, so memory holds one file
 * and the list of paths, never the tree. Nothing becomes visible in DIR
 * before out_finish. Without a run, out_add keeps the files until
 * out_write() or out_check() (small trees, tests). During a run the
 * comparing and writing happen on a writer thread (outtree.c), fed through
 * a queue bounded to 1 MB, while the caller renders the next file; results
 * and messages are the same as writing on the caller's thread
 * (SFDC_WRITER_THREAD=0 does that). The guarantees:
 *   - Paths are checked: relative, no empty, `.` or `..` component, no
 *     backslash or control character; and nothing is written through a
 *     symbolic link below the output directory. Names that come from the
 *     user pass through out_sanitize() first.
 *   - A fresh output directory is built beside its final place
 *     (DIR.sfdc-tmp-XXXXXX) and renamed into place in one step: a failure
 *     leaves no DIR at all.
 *   - An existing directory is updated: files whose contents are unchanged
 *     are not touched (mtimes, Terragrunt caches and `git status` stay
 *     quiet); changed and new files are first written in full to a staging
 *     directory beside DIR (inside it when DIR is a mount point) and renamed
 *     over their targets in out_finish, so no file is ever half-written; if
 *     a staging write fails or a path is refused, DIR is not touched.
 *   - DIR/.sfdc-manifest lists every file sfdc wrote. Only files listed
 *     there are ever replaced or deleted: a file sfdc did not create is an
 *     error if the tree needs its path, and is left alone otherwise.
 *   - Deleting a file of the old manifest walks down from DIR one component
 *     at a time and never follows a symbolic link at any component.
 *   - out_check() compares without writing and lists what differs,
 *     including files nobody wrote in the directories the tree owns. */
#ifndef SFDC_OUTTREE_H
#define SFDC_OUTTREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define OUT_MANIFEST ".sfdc-manifest"

typedef struct OutFile {
    char *path;             /* relative, '/'-separated; malloc'd */
    char *data;             /* contents; malloc'd */
    size_t len;             /* bytes of data */
} OutFile;

typedef struct OutRun OutRun;     /* a run's state (outtree.c) */

typedef struct OutTree {
    OutFile *files;         /* added outside a run, for out_write/out_check; malloc'd */
    int n, cap;
    /* Prefixes ("prod/") of manifest entries outside this run (another
     * environment): kept listed, never removed, never reported extra. */
    const char **keep;      /* malloc'd array of borrowed strings */
    int nkeep;
    /* Prefixes ("stage/", "modules/") of directories whose whole contents
     * are sfdc's: out_check() reports anything else found below them. */
    const char **own;       /* malloc'd array of borrowed strings */
    int nown;
    OutRun *run;            /* the run between out_begin and out_finish, else NULL */
} OutTree;

typedef enum OutMode {
    OUT_WRITE,              /* write the tree into DIR */
    OUT_CHECK,              /* compare only (--check) */
} OutMode;

/* What a write or check found. */
typedef struct OutStats {
    int written;            /* new or changed files written (or that would be) */
    int unchanged;          /* files already as they should be */
    int removed;            /* files of the old manifest no longer produced */
    int unknown;            /* out_check: entries below an owned directory that
                             * neither the tree nor the manifest lists */
} OutStats;

void out_init(OutTree *t);
void out_release(OutTree *t);

/* Adds a file, taking ownership of data (malloc'd): written (or compared)
 * at once during a run, else kept for out_write/out_check. */
void out_add(OutTree *t, const char *path, char *data, size_t len);

/* Starts a run into dir: a fresh dir is built in DIR.sfdc-tmp-XXXXXX, an
 * existing one is compared file by file and what changed staged inside it.
 * --check's listing goes to out, messages to err. Returns 0, or 1 after
 * saying why on err (out_finish then returns 1 too). */
int out_begin(OutTree *t, const char *dir, OutMode mode, FILE *out, FILE *err);
/* A file made in pieces: out_open, any number of out_put, out_close. One
 * file is open at a time. */
void out_open(OutTree *t, const char *path);
void out_put(OutTree *t, const char *data, size_t len);
/* out_put of a malloc'd buffer, which the tree owns from then on (freed
 * once written): no copy. */
void out_put_take(OutTree *t, char *data, size_t len);
void out_close(OutTree *t);
/* Ends the run: checks the paths (each once), then with OUT_WRITE writes
 * the manifest and renames the tree (or the staged files) into place and
 * removes what the old manifest lists and the run did not produce; with
 * OUT_CHECK prints what differs, as out_check. Returns 0 (done, or up to
 * date) or 1, as out_write and out_check. */
int out_finish(OutTree *t, OutStats *st);
/* How many files the run has received so far. */
int out_count(const OutTree *t);
/* The files the run received after its first `from`: how many, and a
 * digest of their paths (independent of order), as out_reuse checks them. */
void out_digest(const OutTree *t, int from, int *n, uint64_t *digest);
/* Keeps the files of an update run's DIR under key (a directory "ENV/ACC/"
 * or one path) as they are, without their contents, when the manifest
 * lists exactly nfiles there with that digest and each is a regular file
 * whose status last changed before `before` (ns since the epoch; an edit,
 * replacement or touch moves a file's ctime, which cannot be set back).
 * They are then counted unchanged. False (nothing done) otherwise. */
bool out_reuse(OutTree *t, const char *key, int nfiles, uint64_t digest, int64_t before);
/* Whether dir is as a run left it at `before` (ns since the epoch), without
 * rendering anything (the no-change fast path, stamp.h): its manifest and
 * every file the manifest lists are regular files whose status last changed
 * before `before` (out_reuse's rule, for the whole tree). Reads only the
 * manifest and one fstatat per file. */
bool out_verify(const char *dir, int64_t before);
/* Leaves manifest entries under prefix alone (prefix is borrowed). */
void out_keep(OutTree *t, const char *prefix);
/* Claims the directory prefix ("stage/") as wholly sfdc's, for out_check()
 * (prefix is borrowed). */
void out_own(OutTree *t, const char *prefix);

/* A directory name made from user input: lowercase ASCII letters, digits,
 * `_` and `-` only (others become `-`, letters are lowered); never empty,
 * `.` or `..`. Writes at most cap bytes with the NUL. */
void out_sanitize(const char *in, char *buf, size_t cap);
/* True if path is a safe relative path (see above). */
bool out_path_ok(const char *path);

/* Writes the tree into dir. Returns 0, or 1 after printing why on err
 * (nothing or, in the rename step only, part of the update was done; the
 * next run completes it). */
int out_write(OutTree *t, const char *dir, OutStats *st, FILE *err);
/* Compares the tree with dir: prints `missing PATH`, `stale PATH`,
 * `extra PATH` (a file of the manifest no longer produced) and `unknown
 * PATH` (below an owned directory, neither produced nor in the manifest; a
 * directory ends in `/`) lines on out. Returns 0 when dir is up to date, 1
 * otherwise. */
int out_check(OutTree *t, const char *dir, OutStats *st, FILE *out);

#endif
