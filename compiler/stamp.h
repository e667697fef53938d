/* stamp.h — what lets a rebuild skip the accounts that did not change.
 *
 * `sfdc build` into an existing tree renders every file only to find most
 * of them unchanged. A stamp records, per account directory (ENV/ACCOUNT/)
 * and per runtime plan (ENV/plan.json), a fingerprint of everything its
 * files are made from, and when they were last known to be right. When the
 * fingerprint is the same again and no file of it changed on disk since,
 * build.c skips lowering and rendering it and outtree.c counts its files
 * unchanged.
 *
 * What a fingerprint covers (stamp.c says why each is there):
 *   - global: sfdc itself (its executable's identity), the stdlib directory
 *     (every file's size and mtime), the time zone database's identity, the
 *     target, --env, the platform's name, region, tags and state lock, the
 *     name of every source file in headers, and every object outside the
 *     accounts (platform, state, environments) in every environment;
 *   - an account no other account reads: its own objects' values (with the
 *     environment's overrides), their names, files and deployment flags,
 *     the names lowering derives for it (directory, id, region, role,
 *     state), and every account others do read (below), in every
 *     environment;
 *   - an account others read (one a reference points into from another
 *     account, one with a `vpn`, or of a kind other than `la`: core and
 *     organisation accounts, whose files list their pullers and spokes),
 *     and every runtime plan: the whole platform in every environment (and
 *     for a plan, the hash of the source texts it carries).
 * An account's lowering reads, beyond its own objects, only accounts it
 * refers to, the account holding the VPN it is reached through, and the
 * deployment flags: all covered above.
 *
 * On disk, a file is trusted when it is a regular file whose ctime is
 * before the time its stamp was taken (taken once the clock has moved past
 * the build's last write): editing, replacing or touching a file moves its
 * ctime, which no tool can set back. Not covered: a file changed while the
 * build runs, after it was compared (as with git's index), and a file
 * system whose clock is not this machine's (NFS with a skewed server).
 * Stamps live in DIR/.sfdc-stamps, a cache: deleting it only makes the
 * next build render everything.
 *
 * The no-change fast path. A writing build that succeeded also records, in
 * the stamps, its input fingerprint, every file it loaded, what it printed
 * before its summary (the checker's warnings) and its exit status. The
 * next build computes the fingerprint again before parsing anything; when
 * it is the same and DIR is as that run left it, it replays the output
 * byte for byte and exits without parsing, checking or rendering. The
 * fingerprint covers everything the output is a function of:
 *   - sfdc itself: its executable's identity (dev, inode, size, mtime,
 *     ctime; a running executable cannot be written: ETXTBSY);
 *   - the whole command line after `build` (every option, -o, --env,
 *     --target, the diagnostic format, --color, -Werror, budgets, paths),
 *     the working directory (relative paths), and the environment that
 *     reaches the output: SFDC_ENV_FULL, SFDC_STDLIB, TZ, TZDIR, NO_COLOR
 *     and whether stderr is a terminal (colour);
 *   - the stdlib directory: its path, and every file's name and bytes;
 *   - the time zone database's identity (as the account stamps);
 *   - every directory named on the command line: the names of the .sfd
 *     files and directories load.c would find in it (a new file is loaded);
 *   - every file the run loaded (user files and their imports): its path,
 *     its real path (symbolic links) and its bytes: the bytes the run
 *     parsed when it is recorded, the bytes on disk when it is compared.
 *     Imports are resolved from those bytes and paths alone, so the same
 *     bytes load the same set of files.
 * Parts taken before loading (everything but the loaded files) are taken
 * before the run reads them, so a change while the run goes only makes the
 * next fingerprint differ. A time zone file whose ctime is not yet before
 * the clock tick the run started in could still change unseen: such a run
 * records nothing. "The tree is as that run left it" is the stamps' ctime
 * rule applied to the manifest and every file it lists, against the time
 * the record was taken (after the run's last write; every file the run
 * wrote or compared is older). Not covered, beyond what the stamps leave
 * out: an import path that is an alias (symbolic link) of a file loaded
 * under another name, in a directory holding no loaded file, later
 * replaced by a copy of the same bytes. */
#ifndef SFDC_STAMP_H
#define SFDC_STAMP_H

#include <stdbool.h>
#include <stdint.h>

#include "build.h"
#include "lower.h"
#include "outtree.h"

#define STAMP_FILE ".sfdc-stamps"

typedef struct Stamps Stamps;   /* stamp.c */

/* Reads DIR's stamps (none: a fresh tree) and fingerprints what every
 * account and plan of bp shares. Never NULL; stamp_free releases it. */
Stamps *stamp_open(const LowerPlan *bp, const BuildOptions *o, const char *dir);
void stamp_free(Stamps *s);

/* The fingerprints of account a of environment e, and of e's plan. */
uint64_t stamp_account(Stamps *s, const LowerEnv *e, const LowerAccount *a);
uint64_t stamp_plan(Stamps *s, const LowerEnv *e);

/* Whether the files under key ("ENV/ACCOUNT/" or "ENV/plan.json") can be
 * kept as they are: the stamp has fingerprint fp and they are unchanged on
 * disk. If so, they are counted unchanged in the run on t. */
bool stamp_reuse(Stamps *s, OutTree *t, const char *key, uint64_t fp);
/* Records that key was rendered with fingerprint fp, as the files the run
 * on t received since it had from of them (out_count). */
void stamp_rendered(Stamps *s, OutTree *t, const char *key, uint64_t fp, int from);

/* After a successful run that wrote (wrote: it changed anything in DIR):
 * writes DIR's stamps if they changed, keeping those of environments this
 * run did not build; and, when produced >= 0 (the files of the run; -1:
 * something beyond the diagnostics was printed, no record) and o->in has
 * no doubt, the fast path's record. Failing to is not an error (the next
 * build renders more); returns false then. */
bool stamp_save(Stamps *s, bool wrote, int produced);

/* ---- the fast path's record --------------------------------------------- */

/* What the last recorded run of DIR was made from and printed. */
typedef struct StampRecord {
    uint64_t fp;            /* its input fingerprint */
    int status;             /* its exit status */
    int produced;           /* the files it produced (its summary's count) */
    int64_t before;         /* ns since the epoch: DIR's files with an older
                             * ctime are as it left them */
    char **files;           /* every file it loaded, as opened; malloc'd */
    int nfiles;
    char *printed;          /* what it printed before its summary; malloc'd */
    size_t nprinted;
    bool printed_stdout;    /* on stdout (else stderr) */
} StampRecord;

/* Fingerprints in->pre: everything of the input set but the loaded files;
 * sets in->doubt when something was changing. */
void stamp_inputs_pre(BuildInputs *in);
/* The input fingerprint: pre and the n files at paths, with the bytes in
 * texts/lens (what the run parsed) or, when texts is NULL, read from disk.
 * Sets *doubt when a file cannot be read as a regular file. */
uint64_t stamp_inputs(uint64_t pre, char *const *paths, const char *const *texts, const uint32_t *lens,
                      int n, bool *doubt);
/* DIR's record: false when there is none (or it is malformed). */
bool stamp_record_read(const char *dir, StampRecord *r);
void stamp_record_release(StampRecord *r);

#endif
