/* matrix.c — `sfdc build --matrix`: the deployments of the tree, for CI.
 *
 * From the lowered tree (lower.h: accounts lowered one at a time, only
 * which accounts each waits for kept), this prints one JSON
 * object, {"include": [...]}, with one element per (environment, account)
 * deployment — what GitHub Actions takes as `strategy.matrix` to fan the
 * applies out over runners. An element's `wave` orders them: an account
 * whose units wait for another account's (`dependencies { paths }`, the
 * core registry before the LAs pulling from it) is in a later wave, so CI
 * applies wave 0, then wave 1, ... With `--affected-since REV` only the
 * deployments whose generated files changed since git revision REV are
 * listed: the tree is kept in git (and `sfdc build --check` keeps it
 * fresh), so `git diff --name-only REV -- DIR` says which files changed; a
 * change outside every account directory (root.hcl, modules/) affects
 * every account. SPEC §13.8. */
#include "matrix.h"

#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "stamp.h"
#include "banned.h"

/* Runs git with argv (no shell) and returns its standard output, or NULL
 * when it cannot run or fails. malloc'd. */
static char *git_output(const char *const argv[])
{
    int fd[2];
    if (pipe(fd) != 0)
        return NULL;
    pid_t pid = fork();
    if (pid < 0) {
        close(fd[0]);
        close(fd[1]);
        return NULL;
    }
    if (pid == 0) {
        dup2(fd[1], STDOUT_FILENO);
        close(fd[0]);
        close(fd[1]);
        execvp("git", (char *const *)argv);
        _exit(127);
    }
    close(fd[1]);
    size_t n = 0, cap = 4096;
    char *buf = malloc(cap);
    ssize_t r;
    while (buf && (r = read(fd[0], buf + n, cap - n - 1)) > 0) {
        n += (size_t)r;
        if (cap - n < 2) {
            char *nb = realloc(buf, cap *= 2);
            if (!nb) {
                free(buf);
                buf = NULL;
            }
            buf = nb;
        }
    }
    close(fd[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    if (!buf || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    return buf;
}

/* The files of DIR that differ from revision since (changed, added,
 * removed, and new files git does not track yet), one per line, relative
 * to the repository's top; NULL when git cannot tell. */
static char *changed_files(const char *dir, const char *since)
{
    const char *diff_argv[] = {"git", "diff", "--name-only", "--relative", since, "--", dir, NULL};
    const char *others_argv[] = {"git", "ls-files", "--others", "--exclude-standard", "--", dir,
                                 NULL};
    char *a = git_output(diff_argv), *b = a ? git_output(others_argv) : NULL;
    if (!a || !b) {
        free(a);
        free(b);
        return NULL;
    }
    char *all = malloc(strlen(a) + strlen(b) + 2);
    if (all) {
        memcpy(all, a, strlen(a));
        all[strlen(a)] = '\n';
        memcpy(all + strlen(a) + 1, b, strlen(b) + 1);
    }
    free(a);
    free(b);
    return all;
}

/* Whether path (a line of changed_files) is inside DIR/ENV/ACCOUNT/. With
 * *global set when it lies outside every account (root.hcl, modules/). */
static bool touches(const char *path, size_t len, const char *dir, const char *env, const char *acct)
{
    char want[512];
    int n = snprintf(want, sizeof want, "%s/%s/%s/", dir, env, acct);
    return n > 0 && (size_t)n < sizeof want && len >= (size_t)n && strncmp(path, want, (size_t)n) == 0;
}

/* A changed path outside every ENV/ACCOUNT/ directory: root.hcl, modules/
 * (ENV/plan.json is not: its steps run in the environment's own job; nor
 * DIR/.sfdc-stamps, the build's cache, which deploys nothing). */
static bool global_change(const LowerPlan *bp, const char *path, size_t len, const char *dir)
{
    size_t dl = strlen(dir);
    if (len <= dl + 1 || strncmp(path, dir, dl) != 0 || path[dl] != '/')
        return false;
    const char *rest = path + dl + 1;
    size_t rl = len - dl - 1;
    if (rl == strlen(STAMP_FILE) && strncmp(rest, STAMP_FILE, rl) == 0)
        return false;
    for (int i = 0; i < bp->nenvs; i++) {
        size_t el = strlen(bp->envs[i].dir);
        if (rl > el && strncmp(rest, bp->envs[i].dir, el) == 0 && rest[el] == '/')
            return false;
    }
    return true;
}

static bool affected(const LowerPlan *bp, const char *changes, const char *dir, const char *env,
                     const char *acct)
{
    for (const char *p = changes; *p;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        if (len && (touches(p, len, dir, env, acct) || global_change(bp, p, len, dir)))
            return true;
        p += len + (nl ? 1 : 0);
    }
    return false;
}

/* The accounts account i of e waits for (`after` of its units), as
 * indices into e->accounts, -1 terminated; malloc'd. Lowers the account.
 * by_dir maps an interned account directory to its index + 1. */
static int *waits_of(LowerPlan *bp, const LowerEnv *e, int i, const Table *by_dir)
{
    LowerAccount *a = &e->accounts[i];
    Interner *in = &e->m->pg->in;    /* where lower.c interned the directories */
    int n = 0, cap = 4;
    int *w = xmalloc((size_t)cap * sizeof *w);
    if (lower_account(bp, e, a))
        for (int u = 0; u < a->nunits; u++)
            for (int k = 0; k < a->units[u]->nafter; k++) {
                const char *dep = a->units[u]->after[k];
                int j = (int)(intptr_t)table_get(by_dir, intern(in, dep, strcspn(dep, "/"))) - 1;
                if (j < 0 || j == i)
                    continue;
                if (n + 1 >= cap)
                    w = xrealloc(w, (size_t)(cap *= 2) * sizeof *w);
                w[n++] = j;
            }
    w[n] = -1;
    return w;
}

/* The wave of each account of e: 0 when its units wait for no other
 * account, else one more than the latest account it waits for. */
static void waves(LowerPlan *bp, const LowerEnv *e, int *wave)
{
    int **waits = xcalloc((size_t)e->naccounts + 1, sizeof *waits);
    Table by_dir;
    table_init(&by_dir);
    for (int i = 0; i < e->naccounts; i++)      /* directories are interned (lower.c) */
        table_put(&by_dir, e->accounts[i].dir, (void *)(intptr_t)(i + 1));
    for (int i = 0; i < e->naccounts; i++)
        waits[i] = waits_of(bp, e, i, &by_dir);
    table_release(&by_dir);
    for (int round = 0; round <= e->naccounts; round++) {
        bool changed = false;
        for (int i = 0; i < e->naccounts; i++)
            for (const int *j = waits[i]; *j >= 0; j++)
                if (wave[i] <= wave[*j]) {
                    wave[i] = wave[*j] + 1;
                    changed = true;
                }
        if (!changed)
            break;
    }
    for (int i = 0; i < e->naccounts; i++)
        free(waits[i]);
    free(waits);
}

int matrix_run(const Model *m, const BuildOptions *o, FILE *out, FILE *err)
{
    LowerPlan bp;
    int rc = lower_plan(&bp, m, o->env, err) ? matrix_print(&bp, o->outdir ? o->outdir : "out", o->since,
                                                            out, err)
                                             : bp.internal ? 70 : 1;
    lower_release(&bp);
    return rc;
}

int matrix_print(LowerPlan *bp, const char *dir, const char *since, FILE *out, FILE *err)
{
    char *changes = NULL;
    while (dir[0] == '.' && dir[1] == '/')     /* git prints paths without it */
        dir += 2;
    if (since && !(changes = changed_files(dir, since))) {
        fprintf(err, "sfdc: build: --affected-since %s: git cannot compare %s with it "
                     "(is %s in a git repository, and %s a revision?)\n", since, dir, dir, since);
        return 1;
    }
    cJSON *root = cJSON_CreateObject();
    cJSON *inc = cJSON_AddArrayToObject(root, "include");
    for (int i = 0; i < bp->nenvs; i++) {
        const LowerEnv *e = &bp->envs[i];
        int *wave = calloc((size_t)e->naccounts + 1, sizeof *wave);
        if (!wave)
            break;
        waves(bp, e, wave);
        if (bp->internal) {
            free(wave);
            break;
        }
        int last = 0;   /* the latest wave: the loop below is waves x accounts */
        for (int k = 0; k < e->naccounts; k++)
            last = wave[k] > last ? wave[k] : last;
        for (int w = 0; w <= last; w++)
            for (int k = 0; k < e->naccounts; k++) {
                const LowerAccount *a = &e->accounts[k];
                if (wave[k] != w || (changes && !affected(bp, changes, dir, e->dir, a->dir)))
                    continue;
                cJSON *o = cJSON_CreateObject();
                cJSON_AddStringToObject(o, "environment", e->dir);
                cJSON_AddStringToObject(o, "account", a->dir);
                cJSON_AddStringToObject(o, "account_id", a->id);
                cJSON_AddStringToObject(o, "region", a->region);
                cJSON_AddStringToObject(o, "role_arn", a->role_arn);
                char path[512];
                snprintf(path, sizeof path, "%s/%s/%s", dir, e->dir, a->dir);
                cJSON_AddStringToObject(o, "dir", path);
                cJSON_AddNumberToObject(o, "wave", w);
                cJSON_AddItemToArray(inc, o);
            }
        free(wave);
    }
    char *text = bp->internal ? NULL : cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    free(changes);
    if (!text)
        return 70;      /* out of memory, or lowering met what check refuses */
    fprintf(out, "%s\n", text);
    free(text);
    return 0;
}
