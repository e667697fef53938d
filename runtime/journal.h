/* journal.h — the durable record of step outcomes that lets a killed run
 * resume. An append-only file of JSON lines: a header naming the plan's
 * SHA-256, then one record per event ({"step","state","outcome","error"}),
 * each written with a single write() and fdatasync'd before the executor
 * moves on. Opening replays it (the last record of a step wins), refuses a
 * journal of another plan, ignores a torn last line, and compacts the file
 * (temporary file, fsync, rename, fsync of the directory) when it has grown
 * or was torn. A POSIX record lock on PATH.lock keeps two runs off one
 * journal. */
#ifndef SFDRUN_JOURNAL_H
#define SFDRUN_JOURNAL_H

#include <stddef.h>

#include "strmap.h"

#define JOURNAL_ERR_MAX 512

typedef enum JournalState {
    JOURNAL_NONE,    /* no record */
    JOURNAL_STARTED, /* began mutating (or running); outcome unknown */
    JOURNAL_DONE,    /* finished successfully */
    JOURNAL_FAILED,  /* finished with an error */
} JournalState;

/* The latest record of one step. */
typedef struct JournalEntry {
    char *step;         /* step id (owned) */
    JournalState state; /* latest state */
    char *outcome;      /* e.g. "changed", "unchanged" (owned) or NULL */
    char *error;        /* error text of a failure (owned) or NULL */
} JournalEntry;

typedef struct Journal {
    int fd;                /* append descriptor, -1 when read-only/closed */
    int lock_fd;           /* descriptor of PATH.lock holding the run lock, or -1 */
    char *path;            /* journal file (owned) */
    char plan_sha256[65];  /* the plan it belongs to */
    JournalEntry *entries; /* latest record per step (owned) */
    size_t n_entries;      /* used entries */
    size_t cap_entries;    /* allocated entries */
    StrMap index;          /* step id -> position in entries */
    size_t n_records;      /* records in the file (for compaction) */
    int torn;              /* 1 when the last line was incomplete on open */
    int dirty;             /* records written since the last fdatasync */
} Journal;

/* Opens (creating if absent) the journal for appending, replays it and
 * takes the lock. Fails (-1, err) when the file belongs to another plan, is
 * corrupt before its last line, or is locked by another run. */
int journal_open(Journal *j, const char *path, const char *plan_sha256, char *err);
/* Reads a journal without locking or writing (sfdrun status); a missing
 * file is an empty journal. */
int journal_read(Journal *j, const char *path, const char *plan_sha256, char *err);
/* The latest record of a step, or NULL. */
const JournalEntry *journal_get(const Journal *j, const char *step);
/* Appends a record durably (write + fdatasync). outcome/error may be NULL. */
int journal_append(Journal *j, const char *step, JournalState st, const char *outcome,
                   const char *error, char *err);
/* Group commit: appends without syncing; the record is durable after the
 * next journal_sync (the executor syncs once per event-loop turn, before
 * it lets any dependent step start). */
int journal_append_nosync(Journal *j, const char *step, JournalState st, const char *outcome,
                          const char *error, char *err);
/* fdatasync when records were appended since the last sync. */
int journal_sync(Journal *j, char *err);
/* Rewrites the file as header + latest record per step, atomically. */
int journal_compact(Journal *j, char *err);
/* Removes the journal at path, under its run lock, once the world it
 * records is no longer true: `sfdrun destroy` retires the plan's apply
 * journal before it changes anything (an apply's "done" would otherwise
 * skip every step of the next apply), and `sfdrun apply` the destroy
 * journal. Its run logs (PATH.logs) stay. Returns 1 when a journal was
 * removed, 0 when there was none, -1 with err (a run holds it). */
int journal_retire(const char *path, char *err);
/* The registry of journals kept away from their default path (PLAN.journals):
 * `--journal FILE` runs record "KIND ABSOLUTE-PATH" there (KIND apply or
 * destroy) before they change anything, so the other command can retire
 * them too, wherever they are. journal_register adds jpath once (-1 with
 * err when it cannot be written); journal_registered returns KIND's paths
 * that hold a journal now (a line torn by a crash may name another file)
 * as a malloc'd array of malloc'd strings, *n of them (NULL when none). */
int journal_register(const char *registry, const char *kind, const char *jpath, char *err);
char **journal_registered(const char *registry, const char *kind, size_t *n);
/* Releases the lock, closes the file and frees everything. */
void journal_close(Journal *j);
const char *journal_state_name(JournalState st);

#endif
