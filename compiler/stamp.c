/* stamp.c — fingerprints of what each account's files are made from, and
 * DIR/.sfdc-stamps, so that a rebuild renders only what changed (the
 * rules, and why they are enough, are in stamp.h).
 *
 * The model is hashed once per build: every top-level object (an account
 * with everything in it, or the platform, an environment...) of every
 * environment's evaluation, values read with the environment's overrides.
 * The same walk finds the accounts other accounts read. A stale skip would
 * be a wrong tree, so whatever is not proved local is hashed globally: a
 * change there re-renders everything, which costs time, never correctness. */
#include "stamp.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "arena.h"
#include "hcl.h"
#include "planemit.h"
#include "table.h"
#include "banned.h"

static const char stamp_head[] =
    "# sfdc stamps: what lets `sfdc build` skip unchanged accounts; a cache, safe to delete\n";

/* ---- hashing -------------------------------------------------------------- */

/* A 64-bit running hash: enough to tell a change (nobody crafts collisions
 * against their own build). */
typedef struct Hx {
    uint64_t h;
} Hx;

static void hx_u64(Hx *x, uint64_t v)
{
    v ^= v >> 33;
    v *= 0xff51afd7ed558ccdULL;
    v ^= v >> 29;
    x->h = ((x->h ^ v) << 27 | (x->h ^ v) >> 37) * 0x9e3779b97f4a7c15ULL + 0x165667b19e3779f9ULL;
}

static void hx_bytes(Hx *x, const void *p, size_t n)
{
    const unsigned char *b = p;
    hx_u64(x, n);
    for (; n >= 8; b += 8, n -= 8) {
        uint64_t w;
        memcpy(&w, b, 8);
        hx_u64(x, w);
    }
    uint64_t w = 0;
    memcpy(&w, b, n);
    hx_u64(x, w);
}

static void hx_str(Hx *x, const char *s)
{
    if (s)
        hx_bytes(x, s, strlen(s));
    else
        hx_u64(x, 0x6e756c6cULL);  /* NULL differs from "" */
}

/* ---- the stamps ----------------------------------------------------------- */

typedef struct StampEnt {
    char *key;              /* "ENV/ACCOUNT/" or "ENV/plan.json"; malloc'd */
    uint64_t fp;            /* the fingerprint its files were made with */
    int nfiles;             /* how many files it has in the manifest */
    uint64_t digest;        /* out_digest of their paths */
    int64_t before;         /* ns since the epoch: files with an older ctime are
                             * as rendered; -1 while pending (this run) */
} StampEnt;

typedef struct AcctHash {
    const Model *m;         /* one environment's evaluation */
    const Object *acct;     /* an account (shared by the evaluations: the pair is the key) */
    uint64_t h;             /* its objects' hash as m evaluates them */
} AcctHash;

struct Stamps {
    const LowerPlan *bp;
    char *dir;              /* DIR; malloc'd */
    uint64_t global;        /* what every fingerprint covers */
    uint64_t shared;        /* the accounts others read, in every environment */
    uint64_t all;           /* the whole platform, in every environment */
    Table read;             /* interned name of an account others read -> non-NULL */
    AcctHash *accts;        /* in model, then object order; malloc'd */
    int naccts, capaccts;
    StampEnt *old;          /* DIR's stamps, sorted by key; malloc'd */
    int nold;
    StampEnt *now;          /* this run's, in order; malloc'd */
    int nnow, capnow;
    const BuildInputs *in;  /* for the fast path's record, or NULL */
    StampRecord rec;        /* DIR's record of the last run, when hasrec */
    bool hasrec;
};

static int cmp_acct(const void *a, const void *b)
{
    const AcctHash *x = a, *y = b;
    if (x->m != y->m)
        return (uintptr_t)x->m < (uintptr_t)y->m ? -1 : 1;
    return x->acct->index < y->acct->index ? -1 : x->acct->index > y->acct->index;
}

/* Marks the account a reference points into when it is not o's own. */
static void mark_ref(Stamps *s, const Object *o, const Object *target)
{
    if (target && target->account && target->account != o->account)
        table_put(&s->read, target->account->name, (void *)target->account);
}

/* Hashes a value; references count by path (and mark what they read). */
static void hx_value(Hx *x, Stamps *s, const Object *o, const Value *v)
{
    if (!v) {
        hx_u64(x, 0xfe);
        return;
    }
    uint32_t n = v->kind == VAL_RANGE ? 2 : v->n;
    hx_u64(x, (uint64_t)v->kind | (uint64_t)v->dim << 8 | (uint64_t)v->is_int << 16 |
                  (uint64_t)v->late << 17 | (uint64_t)n << 32);
    switch (v->kind) {
    case VAL_BOOL:
        hx_u64(x, v->u.b);
        return;
    case VAL_NUM: {
        uint64_t bits;
        memcpy(&bits, &v->u.num, sizeof bits);
        hx_u64(x, bits);
        hx_str(x, v->unit);
        return;
    }
    case VAL_STR:
    case VAL_SYM:
        hx_str(x, v->u.str);
        return;
    case VAL_CIDR:
        hx_u64(x, (uint64_t)v->u.cidr.addr << 8 | v->u.cidr.prefix);
        return;
    case VAL_REF:
    case VAL_KINDSEL:
        hx_str(x, v->ref ? v->ref->path : NULL);
        hx_str(x, v->kind == VAL_KINDSEL ? v->unit : NULL);
        mark_ref(s, o, v->ref);
        return;
    case VAL_CALL:
        hx_str(x, v->u.str);
        break;
    case VAL_RANGE:
    case VAL_LIST:
    case VAL_MAP:
        break;
    default:                /* error, null: the kind says it all */
        return;
    }
    for (uint32_t i = 0; v->items && i < n; i++) {
        if (v->kind == VAL_MAP)
            hx_str(x, v->keys[i]);
        hx_value(x, s, o, v->items[i]);
    }
}

/* Hashes an object and everything inside it, as env's evaluation m reads
 * it: field values with the environment's overrides, the `platform {
 * state {} }` values of an account, its names and deployment flags, and
 * the file it comes from (generated files' headers name it). */
static void hx_object(Hx *x, Stamps *s, const Model *m, const Environment *env, const Object *o)
{
    hx_str(x, o->kind);
    hx_str(x, o->name);
    hx_str(x, o->path);
    hx_u64(x, (uint64_t)o->multi_env | (uint64_t)o->incomplete << 1);
    hx_str(x, o->first_env);
    hx_str(x, lower_src(s->bp, o->src));
    const Field *fields = model_fields(m, o);     /* objects are shared between models */
    int nf = o->schema && fields ? o->schema->nfields : 0;
    hx_u64(x, (uint64_t)nf);
    for (int i = 0; i < nf; i++) {
        const Field *f = &fields[i];
        const Override *ov = env ? table_get(&env->by_field, f) : NULL;
        hx_value(x, s, o, ov ? ov->val : f->val);
    }
    const Field *state = model_state_fields(m, o);
    int ns = state && m->state && m->state->schema ? m->state->schema->nfields : 0;
    hx_u64(x, (uint64_t)ns);
    for (int i = 0; i < ns; i++)
        hx_value(x, s, o, state[i].val);
    hx_u64(x, (uint64_t)o->nchildren);
    for (int i = 0; i < o->nchildren; i++)
        hx_object(x, s, m, env, o->children[i]);
}

/* Whether an account is one others read beyond references: it holds a VPN
 * (lowering finds the hub by its range) or is not an LA (core and
 * organisation accounts list their pullers and spokes). */
static bool read_by_kind(const Model *m, const Environment *env, const Object *acct)
{
    const Value *vpn = model_get_env(m, acct, "vpn", env);
    const Value *kind = model_get_env(m, acct, "kind", env);
    if (vpn && vpn->kind != VAL_NULL)
        return true;
    return !kind || kind->kind != VAL_SYM || strcmp(kind->u.str, "la") != 0;
}

/* One environment's evaluation (env NULL: a platform without any). */
static void hash_model(Stamps *s, const Model *m, const Environment *env, Hx *nonacct, Hx *all)
{
    hx_str(all, env ? env->name : NULL);
    for (int i = 0; i < m->nobjects; i++) {
        const Object *o = m->objects[i];
        if (o->parent)
            continue;
        Hx x = {0x5354414d50ULL};
        hx_object(&x, s, m, env, o);
        hx_u64(all, x.h);
        if (o->account != o) {
            hx_u64(nonacct, x.h);
            continue;
        }
        if (read_by_kind(m, env, o))
            table_put(&s->read, o->name, (void *)o);
        if (s->naccts == s->capaccts) {
            s->capaccts = s->capaccts ? s->capaccts * 2 : 256;
            s->accts = xrealloc(s->accts, (size_t)s->capaccts * sizeof *s->accts);
        }
        s->accts[s->naccts++] = (AcctHash){m, o, x.h};
    }
}

/* Every environment's evaluation: the models any account's files read
 * (shared resources read the other environments'). */
static void hash_platform(Stamps *s, Hx *nonacct)
{
    const Model *base = s->bp->m->base ? s->bp->m->base : s->bp->m;
    Hx all = {0x414c4cULL};
    if (base->nenvs == 0)
        hash_model(s, base, NULL, nonacct, &all);
    for (int i = 0; i < base->nenvs; i++) {
        const Environment *env = NULL;
        const Model *m = model_for_env(base, base->envs[i]->name, &env);
        hash_model(s, m ? m : base, m ? env : base->envs[i], nonacct, &all);
    }
    s->all = all.h;
    Hx sh = {0x534841524544ULL};
    for (int i = 0; i < s->naccts; i++)
        if (table_get(&s->read, s->accts[i].acct->name)) {
            hx_str(&sh, s->accts[i].acct->path);
            hx_u64(&sh, s->accts[i].h);
        }
    s->shared = sh.h;
    qsort(s->accts, (size_t)s->naccts, sizeof *s->accts, cmp_acct);     /* for own_hash */
}

/* Size, inode, mtime and ctime of every file below dir (order-independent):
 * an edit with its mtime set back still moves the ctime. */
static void hx_tree(Hx *x, const char *dir, int depth)
{
    DIR *d = depth < 8 ? opendir(dir) : NULL;
    if (!d)
        return;
    uint64_t sum = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        HclBuf p = {0};
        hcl_buf_printf(&p, "%s/%s", dir, e->d_name);
        struct stat sb;
        Hx f = {0};
        if (stat(p.p, &sb) == 0) {
            hx_str(&f, e->d_name);
            hx_u64(&f, (uint64_t)sb.st_size);
            hx_u64(&f, (uint64_t)sb.st_ino);
            hx_u64(&f, (uint64_t)sb.st_mtim.tv_sec * 1000000000ULL + (uint64_t)sb.st_mtim.tv_nsec);
            hx_u64(&f, (uint64_t)sb.st_ctim.tv_sec * 1000000000ULL + (uint64_t)sb.st_ctim.tv_nsec);
            if (S_ISDIR(sb.st_mode))
                hx_tree(&f, p.p, depth + 1);
        }
        sum += f.h;
        hcl_buf_release(&p);
    }
    closedir(d);
    hx_u64(x, sum);
}

/* Hashes path's identity; returns its ctime in ns (0 when absent). */
static int64_t hx_stat(Hx *x, const char *path)
{
    struct stat sb;
    if (!path || stat(path, &sb) != 0) {
        hx_u64(x, 0);
        return 0;
    }
    int64_t ctime = (int64_t)sb.st_ctim.tv_sec * 1000000000LL + sb.st_ctim.tv_nsec;
    hx_u64(x, (uint64_t)sb.st_dev);
    hx_u64(x, (uint64_t)sb.st_ino);
    hx_u64(x, (uint64_t)sb.st_size);
    hx_u64(x, (uint64_t)sb.st_mtim.tv_sec * 1000000000ULL + (uint64_t)sb.st_mtim.tv_nsec);
    hx_u64(x, (uint64_t)ctime);
    return ctime;
}

/* The time zone database schedules are computed with: where it is and its
 * identity. Returns the latest ctime seen. */
static int64_t hx_tz(Hx *x)
{
    const char *tz = getenv("TZDIR");
    tz = tz && *tz ? tz : "/usr/share/zoneinfo";
    hx_str(x, tz);
    hx_str(x, getenv("TZ"));
    int64_t a = hx_stat(x, tz);
    HclBuf zi = {0};
    hcl_buf_printf(&zi, "%s/tzdata.zi", tz);
    int64_t b = hx_stat(x, zi.p);
    hcl_buf_release(&zi);
    return a > b ? a : b;
}

/* What every file depends on outside the model: sfdc itself (a rebuilt
 * sfdc may render differently), its stdlib (modules, schemas, data), the
 * time zone database schedules are computed with, and the options. */
static uint64_t global_fp(const Stamps *s, const BuildOptions *o, const Hx *nonacct)
{
    const LowerPlan *bp = s->bp;
    Hx x = {0x73666463ULL};
    hx_str(&x, "sfdc stamp 1 " SFDC_VERSION);
    hx_stat(&x, "/proc/self/exe");
    const char *std = bp->m->pg->stdlib_dir ? bp->m->pg->stdlib_dir : "stdlib";
    hx_str(&x, std);
    hx_tree(&x, std, 0);
    hx_tz(&x);
    hx_u64(&x, (uint64_t)o->target);
    hx_str(&x, o->env);
    hx_str(&x, bp->platform);
    hx_str(&x, bp->platform_src);
    hx_str(&x, bp->region);
    hx_u64(&x, bp->lock_dynamodb);
    hx_str(&x, bp->modules_dir);
    hx_u64(&x, (uint64_t)bp->nsrc);
    for (int i = 0; i < bp->nsrc; i++)
        hx_str(&x, bp->src_names[i]);
    hx_u64(&x, (uint64_t)bp->nenvs);
    for (int i = 0; i < bp->nenvs; i++)
        hx_str(&x, bp->envs[i].dir);
    hx_u64(&x, nonacct->h);
    return x.h;
}

static int cmp_ent(const void *a, const void *b)
{
    return strcmp(((const StampEnt *)a)->key, ((const StampEnt *)b)->key);
}

/* DIR/.sfdc-stamps opened for reading (never through a symbolic link), or
 * NULL when absent or unreadable. */
static FILE *open_stamps(const char *dir)
{
    HclBuf p = {0};
    hcl_buf_printf(&p, "%s/%s", dir, STAMP_FILE);
    int fd = open(p.p, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    hcl_buf_release(&p);
    FILE *f = fd >= 0 ? fdopen(fd, "r") : NULL;
    if (!f && fd >= 0)
        close(fd);
    return f;
}

/* DIR/.sfdc-stamps into s->old (nothing when absent or unreadable). */
static void read_stamps(Stamps *s)
{
    FILE *f = open_stamps(s->dir);
    if (!f)
        return;
    char *line = NULL;
    size_t cap = 0;
    int capold = 0;
    while (getline(&line, &cap, f) > 0) {
        char key[4096];
        unsigned long long fp, digest;
        long long before;
        int nfiles;
        if (line[0] == '#' || line[0] == '@' || sscanf(line, "%4095s %llx %d %llx %lld", key, &fp, &nfiles, &digest, &before) != 5)
            continue;
        if (s->nold == capold) {
            capold = capold ? capold * 2 : 256;
            s->old = xrealloc(s->old, (size_t)capold * sizeof *s->old);
        }
        s->old[s->nold++] = (StampEnt){xstrdup(key), fp, nfiles, digest, before};
    }
    free(line);
    fclose(f);
    qsort(s->old, (size_t)s->nold, sizeof *s->old, cmp_ent);
}

Stamps *stamp_open(const LowerPlan *bp, const BuildOptions *o, const char *dir)
{
    Stamps *s = xcalloc(1, sizeof *s);
    s->bp = bp;
    s->dir = xstrdup(dir);
    table_init(&s->read);
    Hx nonacct = {0x4e4f4eULL};
    hash_platform(s, &nonacct);
    s->global = global_fp(s, o, &nonacct);
    read_stamps(s);
    s->in = o->in;
    s->hasrec = s->in && stamp_record_read(dir, &s->rec);
    return s;
}

void stamp_free(Stamps *s)
{
    if (!s)
        return;
    for (int i = 0; i < s->nold; i++)
        free(s->old[i].key);
    for (int i = 0; i < s->nnow; i++)
        free(s->now[i].key);
    free(s->old);
    free(s->now);
    free(s->accts);
    if (s->hasrec)
        stamp_record_release(&s->rec);
    table_release(&s->read);
    free(s->dir);
    free(s);
}

/* The hash of account acct as m evaluates it, or NULL. */
static const AcctHash *own_hash(const Stamps *s, const Model *m, const Object *acct)
{
    AcctHash key = {m, acct, 0};
    return s->naccts ? bsearch(&key, s->accts, (size_t)s->naccts, sizeof key, cmp_acct) : NULL;
}

uint64_t stamp_account(Stamps *s, const LowerEnv *e, const LowerAccount *a)
{
    Hx x = {s->global};
    hx_str(&x, e->dir);
    hx_str(&x, a->dir);
    hx_str(&x, a->id);
    hx_str(&x, a->region);
    hx_str(&x, a->role_arn);
    hx_str(&x, a->state_bucket);
    hx_str(&x, a->lock_table);
    const AcctHash *own = own_hash(s, e->m, a->account);
    if (!own || table_get(&s->read, a->account->name)) {
        hx_u64(&x, s->all);     /* read by others, so it reads them: everything */
    } else {
        hx_u64(&x, own->h);
        hx_u64(&x, s->shared);
    }
    return x.h;
}

uint64_t stamp_plan(Stamps *s, const LowerEnv *e)
{
    char src[72];
    planemit_source_hash(s->bp->m->pg, src);    /* the plan carries the sources' hash:
                                                   a comment changes it */
    Hx x = {s->global};
    hx_str(&x, "plan.json");
    hx_str(&x, e->dir);
    hx_str(&x, src);
    hx_u64(&x, s->all);
    return x.h;
}

static void push_now(Stamps *s, StampEnt ent)
{
    if (s->nnow == s->capnow) {
        s->capnow = s->capnow ? s->capnow * 2 : 256;
        s->now = xrealloc(s->now, (size_t)s->capnow * sizeof *s->now);
    }
    s->now[s->nnow++] = ent;
}

bool stamp_reuse(Stamps *s, OutTree *t, const char *key, uint64_t fp)
{
    StampEnt probe = {(char *)key, 0, 0, 0, 0};
    const StampEnt *old = s->nold ? bsearch(&probe, s->old, (size_t)s->nold, sizeof probe, cmp_ent) : NULL;
    if (!old || old->fp != fp || old->before < 0 || !out_reuse(t, key, old->nfiles, old->digest, old->before))
        return false;
    StampEnt keep = *old;
    keep.key = xstrdup(key);
    push_now(s, keep);
    return true;
}

void stamp_rendered(Stamps *s, OutTree *t, const char *key, uint64_t fp, int from)
{
    int n;
    uint64_t digest;
    out_digest(t, from, &n, &digest);
    push_now(s, (StampEnt){xstrdup(key), fp, n, digest, -1});
}

/* Now, in ns since the epoch, on the clock file times are taken from; once
 * something was written, after that clock has moved past the last write, so
 * that every file written has a ctime before the stamp and any later change
 * one at or after it. */
static int64_t stamp_time(bool wrote)
{
    struct timespec fine, coarse;
    clock_gettime(CLOCK_REALTIME, &fine);
    int64_t after = (int64_t)fine.tv_sec * 1000000000LL + fine.tv_nsec;
    for (;;) {
        clock_gettime(CLOCK_REALTIME_COARSE, &coarse);
        int64_t now = (int64_t)coarse.tv_sec * 1000000000LL + coarse.tv_nsec;
        if (!wrote || now > after)
            return now;
        nanosleep(&(struct timespec){0, 1000000}, NULL);
    }
}

/* Whether key lies in an environment this run built. */
static bool built_here(const Stamps *s, const char *key)
{
    for (int i = 0; i < s->bp->nenvs; i++) {
        size_t n = strlen(s->bp->envs[i].dir);
        if (strncmp(key, s->bp->envs[i].dir, n) == 0 && key[n] == '/')
            return true;
    }
    return false;
}

/* Whether DIR's stamps file holds exactly text. */
static bool same_file(const char *path, const char *text, size_t len)
{
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return false;
    char *buf = xmalloc(len + 1);
    size_t got = 0;
    ssize_t r;
    while (got <= len && (r = read(fd, buf + got, len + 1 - got)) > 0)
        got += (size_t)r;
    close(fd);
    bool same = got == len && memcmp(buf, text, len) == 0;
    free(buf);
    return same;
}

static void put_record(Stamps *s, HclBuf *b, bool wrote, int produced, int64_t now);

bool stamp_save(Stamps *s, bool wrote, int produced)
{
    int64_t now = stamp_time(wrote);
    for (int i = 0; i < s->nnow; i++)
        if (s->now[i].before < 0)
            s->now[i].before = now;
    for (int i = 0; i < s->nold; i++)     /* the environments this run left alone */
        if (!built_here(s, s->old[i].key)) {
            StampEnt keep = s->old[i];
            keep.key = xstrdup(keep.key);
            push_now(s, keep);
        }
    qsort(s->now, (size_t)s->nnow, sizeof *s->now, cmp_ent);
    HclBuf b = {0};
    hcl_buf_puts(&b, stamp_head);
    put_record(s, &b, wrote, produced, now);
    for (int i = 0; i < s->nnow; i++) {
        const StampEnt *e = &s->now[i];
        hcl_buf_printf(&b, "%s %016llx %d %016llx %lld\n", e->key, (unsigned long long)e->fp, e->nfiles,
                       (unsigned long long)e->digest, (long long)e->before);
    }
    HclBuf path = {0}, tmp = {0};
    hcl_buf_printf(&path, "%s/%s", s->dir, STAMP_FILE);
    bool ok = true;
    if (!same_file(path.p, b.p, b.n)) {
        hcl_buf_printf(&tmp, "%s/%s.tmp-XXXXXX", s->dir, STAMP_FILE);
        int fd = mkstemp(tmp.p);
        ok = fd >= 0 && write(fd, b.p, b.n) == (ssize_t)b.n;
        if (fd >= 0)
            ok = close(fd) == 0 && ok;
        ok = ok && rename(tmp.p, path.p) == 0;
        if (!ok && fd >= 0)
            unlink(tmp.p);
    }
    hcl_buf_release(&b);
    hcl_buf_release(&path);
    hcl_buf_release(&tmp);
    return ok;
}

/* ---- the fast path: the input set and the record -------------------------- */

/* Stops a walk of a directory tree given on the command line, or of the
 * stdlib, that is larger than any real one (a link loop): doubt. */
enum { WALK_MAX = 200000 };

static int64_t coarse_now(void)
{
    struct timespec c;
    clock_gettime(CLOCK_REALTIME_COARSE, &c);
    return (int64_t)c.tv_sec * 1000000000LL + c.tv_nsec;
}

/* Reads the regular file at path (following links, as source.c does) and
 * hashes its bytes as hx_bytes would the whole text. False when it is not
 * a readable regular file. */
static bool hx_file(Hx *x, int dirfd, const char *path)
{
    int fd = openat(dirfd, path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return false;
    struct stat sb;
    bool ok = fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode);
    size_t len = ok ? (size_t)sb.st_size : 0, got = 0;
    char *buf = ok ? xmalloc(len + 1) : NULL;
    ssize_t n = 0;
    while (ok && got <= len && (n = read(fd, buf + got, len + 1 - got)) > 0)
        got += (size_t)n;
    ok = ok && n >= 0 && got == len;     /* grew or shrank while read: doubt */
    if (ok)
        hx_bytes(x, buf, len);
    free(buf);
    close(fd);
    return ok;
}

/* A stack of directories still to list, relative to a root; malloc'd. */
typedef struct DirStack {
    char **dirs;
    int n, cap;
} DirStack;

static void push_dir(DirStack *st, char *rel)
{
    if (st->n == st->cap) {
        st->cap = st->cap ? st->cap * 2 : 16;
        st->dirs = xrealloc(st->dirs, (size_t)st->cap * sizeof *st->dirs);
    }
    st->dirs[st->n++] = rel;
}

/* Walks root without recursion (a tree's depth is untrusted). With bytes,
 * every entry (the stdlib: names and contents of every file); without,
 * what load.c finds (names of non-hidden directories, symbolic links to
 * them not followed, and *.sfd files). Order-independent. False: doubt. */
static bool hx_walk(Hx *x, const char *root, bool bytes)
{
    DirStack st = {0};
    push_dir(&st, xstrdup(""));
    uint64_t sum = 0;
    int seen = 0;
    bool ok = true;
    while (st.n > 0) {
        char *rel = st.dirs[--st.n];
        HclBuf p = {0};
        hcl_buf_printf(&p, "%s/%s", root, rel);
        DIR *d = opendir(p.p);
        hcl_buf_release(&p);
        struct dirent *e;
        while (d && ok && (e = readdir(d))) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 || (!bytes && e->d_name[0] == '.'))
                continue;
            HclBuf r = {0};
            hcl_buf_printf(&r, "%s%s", rel, e->d_name);
            struct stat sb, lsb;
            Hx f = {0x454e54ULL};
            hx_str(&f, r.p);
            ok = ++seen < WALK_MAX && fstatat(dirfd(d), e->d_name, &sb, 0) == 0;
            if (ok && S_ISDIR(sb.st_mode)) {
                bool link = fstatat(dirfd(d), e->d_name, &lsb, AT_SYMLINK_NOFOLLOW) != 0 || S_ISLNK(lsb.st_mode);
                hx_u64(&f, 'd');
                if (!link || bytes) {
                    hcl_buf_put(&r, "/", 1);
                    push_dir(&st, hcl_buf_take(&r, NULL));
                }
            } else if (ok && bytes) {
                ok = hx_file(&f, dirfd(d), e->d_name);
            } else if (ok) {
                size_t n = strlen(e->d_name);
                if (n <= 4 || strcmp(e->d_name + n - 4, ".sfd") != 0)
                    f.h = 0;    /* not something load.c reads */
            }
            sum += f.h;
            hcl_buf_release(&r);
        }
        ok = ok && d;
        if (d)
            closedir(d);
        free(rel);
    }
    for (int i = 0; i < st.n; i++)
        free(st.dirs[i]);
    free(st.dirs);
    hx_u64(x, sum);
    return ok;
}

/* The environment variables that reach a build's output or its messages. */
static const char *const input_env[] = {"SFDC_ENV_FULL", "SFDC_STDLIB", "TZ", "TZDIR", "NO_COLOR"};

void stamp_inputs_pre(BuildInputs *in)
{
    int64_t t0 = coarse_now();
    Hx x = {0x494e505554ULL};
    hx_str(&x, "sfdc inputs 1 " SFDC_VERSION);
    hx_stat(&x, "/proc/self/exe");
    char cwd[4096];
    in->doubt = !getcwd(cwd, sizeof cwd);
    hx_str(&x, in->doubt ? NULL : cwd);
    hx_u64(&x, (uint64_t)in->nargs);
    for (int i = 0; i < in->nargs; i++)
        hx_str(&x, in->args[i]);
    for (size_t i = 0; i < sizeof input_env / sizeof *input_env; i++) {
        hx_str(&x, input_env[i]);
        hx_str(&x, getenv(input_env[i]));
    }
    hx_u64(&x, (uint64_t)isatty(STDERR_FILENO));
    hx_str(&x, in->stdlib);
    if (in->stdlib && !hx_walk(&x, in->stdlib, true))
        in->doubt = true;
    if (hx_tz(&x) >= t0)    /* changed in this tick: a change later in it would not show */
        in->doubt = true;
    static const char here[] = ".";
    int n = in->npaths ? in->npaths : 1;
    for (int i = 0; i < n; i++) {
        const char *p = in->npaths ? in->paths[i] : here;
        struct stat sb;
        hx_str(&x, p);
        if (stat(p, &sb) == 0 && S_ISDIR(sb.st_mode) && !hx_walk(&x, p, false))
            in->doubt = true;
    }
    in->pre = x.h;
}

uint64_t stamp_inputs(uint64_t pre, char *const *paths, const char *const *texts, const uint32_t *lens,
                      int n, bool *doubt)
{
    Hx x = {pre};
    hx_u64(&x, (uint64_t)n);
    for (int i = 0; i < n; i++) {
        hx_str(&x, paths[i]);
        char real[4096];
        hx_str(&x, realpath(paths[i], real) ? real : NULL);
        if (texts)
            hx_bytes(&x, texts[i], lens[i]);
        else if (!hx_file(&x, AT_FDCWD, paths[i]))
            *doubt = true;
    }
    return x.h;
}

static void put_hex(HclBuf *b, const char *p, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    hcl_buf_reserve(b, 2 * n + 1);
    for (size_t i = 0; i < n; i++) {
        b->p[b->n++] = digits[(unsigned char)p[i] >> 4];
        b->p[b->n++] = digits[(unsigned char)p[i] & 15];
    }
    b->p[b->n] = '\0';
}

static int hex_digit(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Decodes hex text (up to a newline or NUL); malloc'd, NUL-terminated. */
static char *get_hex(const char *p, size_t *len)
{
    size_t n = strcspn(p, "\n");
    char *out = xmalloc(n / 2 + 1);
    size_t k = 0;
    for (size_t i = 0; i + 1 < n; i += 2) {
        int hi = hex_digit(p[i]), lo = hex_digit(p[i + 1]);
        if (hi < 0 || lo < 0)
            break;
        out[k++] = (char)(hi << 4 | lo);
    }
    out[k] = '\0';
    *len = k;
    return out;
}

/* Whether this run's record is the last one's (then its time stays, and a
 * rebuild that wrote nothing leaves the stamps as they are). */
static bool same_record(const StampRecord *old, uint64_t fp, int produced, const BuildInputs *in)
{
    return old->fp == fp && old->status == 0 && old->produced == produced &&
           old->printed_stdout == in->printed_stdout && old->nprinted == in->nprinted &&
           (in->nprinted == 0 || memcmp(old->printed, in->printed, in->nprinted) == 0);
}

/* The record lines of .sfdc-stamps (see stamp.h): `@input FP STATUS
 * PRODUCED BEFORE`, `@file HEX` per loaded file, `@out HEX` or `@err HEX`. */
static void put_record(Stamps *s, HclBuf *b, bool wrote, int produced, int64_t now)
{
    const BuildInputs *in = s->in;
    if (!in || in->doubt || produced < 0)
        return;
    const Program *pg = s->bp->m->pg;
    char **paths = xcalloc((size_t)pg->nfiles + 1, sizeof *paths);
    const char **texts = xcalloc((size_t)pg->nfiles + 1, sizeof *texts);
    uint32_t *lens = xcalloc((size_t)pg->nfiles + 1, sizeof *lens);
    for (int i = 0; i < pg->nfiles; i++) {
        paths[i] = pg->sources[i]->path;
        texts[i] = pg->sources[i]->text;
        lens[i] = pg->sources[i]->len;
    }
    bool doubt = false;
    uint64_t fp = stamp_inputs(in->pre, paths, texts, lens, pg->nfiles, &doubt);
    int64_t before = !wrote && !in->stale && s->hasrec && same_record(&s->rec, fp, produced, in) ? s->rec.before : now;
    hcl_buf_printf(b, "@input %016llx 0 %d %lld\n", (unsigned long long)fp, produced, (long long)before);
    for (int i = 0; i < pg->nfiles; i++) {
        hcl_buf_puts(b, "@file ");
        put_hex(b, paths[i], strlen(paths[i]));
        hcl_buf_put(b, "\n", 1);
    }
    hcl_buf_puts(b, in->printed_stdout ? "@out " : "@err ");
    put_hex(b, in->printed, in->nprinted);
    hcl_buf_put(b, "\n", 1);
    free(paths);
    free(texts);
    free(lens);
}

static bool record_line(StampRecord *r, const char *line, bool *input)
{
    unsigned long long fp;
    long long before;
    if (strncmp(line, "@input ", 7) == 0) {
        *input = sscanf(line + 7, "%llx %d %d %lld", &fp, &r->status, &r->produced, &before) == 4;
        r->fp = fp;
        r->before = before;
        return *input;
    }
    if (strncmp(line, "@file ", 6) == 0) {
        size_t n;
        r->files = xrealloc(r->files, ((size_t)r->nfiles + 1) * sizeof *r->files);
        r->files[r->nfiles++] = get_hex(line + 6, &n);
        return strlen(r->files[r->nfiles - 1]) == n;
    }
    if (strncmp(line, "@out ", 5) == 0 || strncmp(line, "@err ", 5) == 0) {
        free(r->printed);
        r->printed = get_hex(line + 5, &r->nprinted);
        r->printed_stdout = line[1] == 'o';
    }
    return true;
}

bool stamp_record_read(const char *dir, StampRecord *r)
{
    memset(r, 0, sizeof *r);
    FILE *f = open_stamps(dir);
    if (!f)
        return false;
    char *line = NULL;
    size_t cap = 0;
    bool ok = true, input = false;
    while (ok && getline(&line, &cap, f) > 0) {
        if (line[0] == '#')
            continue;
        if (line[0] != '@')     /* the record comes first: the account stamps follow */
            break;
        ok = record_line(r, line, &input);
    }
    free(line);
    fclose(f);
    if (ok && input)
        return true;
    stamp_record_release(r);
    return false;
}

void stamp_record_release(StampRecord *r)
{
    for (int i = 0; i < r->nfiles; i++)
        free(r->files[i]);
    free(r->files);
    free(r->printed);
    memset(r, 0, sizeof *r);
}
