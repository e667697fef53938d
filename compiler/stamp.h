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
 * next build render everything. */
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
 * run did not build. Failing to is not an error (the next build renders
 * more); returns false then. */
bool stamp_save(Stamps *s, bool wrote);

#endif
