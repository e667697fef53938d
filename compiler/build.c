/* build.c — `sfdc build`, the driver of the back end: lowers the checked
 * model one account at a time (lower.c), has a target render it (emit_tg.c
 * or emit_tf.c), copies the modules (emit_modules.c), streams each
 * environment's runtime plan (planemit.c), and hands every file to the
 * output tree (outtree.c) as it is rendered. Only this file calls the
 * phases; each phase calls only those before it (lower.h lists them).
 *
 * One account is in memory at a time: its units are released when the next
 * account is lowered, its files once written, and plan.json goes out in
 * pieces. A build's peak memory is the checked model, the names of every
 * account and file, and the largest account. */
#include "build.h"

#include <stdlib.h>
#include <string.h>

#include "emit_modules.h"
#include "emit_tf.h"
#include "emit_tg.h"
#include "lower.h"
#include "names.h"
#include "outtree.h"
#include "planemit.h"
#include "stamp.h"
#include "banned.h"

const char build_help[] =
    "usage: sfdc build [-o DIR] [--target terragrunt|terraform] [--env NAME] [--check]\n"
    "                  [--matrix [--affected-since REV]]\n"
    "                  [options] [FILE|DIR]...\n"
    "\n"
    "Checks the program like `sfdc check` and, if it has no errors, writes\n"
    "what CI deploys into DIR (default: out):\n"
    "\n"
    "  terragrunt (default)  root.hcl (S3 remote state per account, generated\n"
    "                        provider with assume_role and default_tags),\n"
    "                        ENV/ACCOUNT/account.hcl and one unit per resource\n"
    "                        group: ENV/ACCOUNT/UNIT/terragrunt.hcl\n"
    "  terraform             plain root modules: ENV/ACCOUNT/main.tf with an S3\n"
    "                        backend, the provider and one module block per unit\n"
    "\n"
    "Both copy sfdc's Terraform modules into DIR/modules, so the tree is\n"
    "self-contained. Output is deterministic and in `terraform fmt` form.\n"
    "Files whose contents did not change are not rewritten. DIR/.sfdc-manifest\n"
    "lists what sfdc wrote: only those files are ever replaced or removed.\n"
    "\n"
    "  -o DIR        output directory (out)\n"
    "  --target T    terragrunt or terraform\n"
    "  --env NAME    only this environment (default: every environment)\n"
    "  --check       write nothing; list missing, stale and extra files and\n"
    "                exit 1 if there are any (for CI)\n"
    "  --matrix      write nothing; print the (environment, account) deployments\n"
    "                as a JSON matrix for CI runners: {\"include\": [{environment,\n"
    "                account, account_id, region, role_arn, dir, wave}]}; apply\n"
    "                wave 0, then wave 1, ...\n"
    "  --affected-since REV\n"
    "                --matrix, keeping the deployments whose files in DIR differ\n"
    "                from git revision REV (the tree is kept in git); a change\n"
    "                outside every account (root.hcl, modules/) keeps them all\n";

static const char *opt_arg(const char *name, int argc, char **argv, int *i)
{
    size_t n = strlen(name);
    if (strncmp(argv[*i], name, n) != 0)
        return NULL;
    if (argv[*i][n] == '=' && n > 2)
        return argv[*i] + n + 1;
    if (argv[*i][n] == '\0') {
        if (*i + 1 < argc)
            return argv[++*i];
        return "";
    }
    if (n == 2)     /* -oDIR */
        return argv[*i] + 2;
    return NULL;
}

int build_option(BuildOptions *o, int argc, char **argv, int *i)
{
    const char *v;
    if (strcmp(argv[*i], "--check") == 0) {
        o->check = true;
    } else if (strcmp(argv[*i], "--matrix") == 0) {
        o->matrix = true;
    } else if ((v = opt_arg("--affected-since", argc, argv, i))) {
        if (!*v)
            return fprintf(stderr, "sfdc: --affected-since needs a git revision\n"), -1;
        o->since = v;
        o->matrix = true;
    } else if ((v = opt_arg("--target", argc, argv, i))) {
        if (strcmp(v, "terragrunt") == 0)
            o->target = BUILD_TERRAGRUNT;
        else if (strcmp(v, "terraform") == 0)
            o->target = BUILD_TERRAFORM;
        else
            return fprintf(stderr, "sfdc: unknown build target '%s' (terragrunt, terraform)\n", v), -1;
    } else if ((v = opt_arg("--env", argc, argv, i))) {
        if (!*v)
            return fprintf(stderr, "sfdc: --env needs an environment name\n"), -1;
        o->env = v;
    } else if ((v = opt_arg("-o", argc, argv, i)) || (v = opt_arg("--output", argc, argv, i))) {
        if (!*v)
            return fprintf(stderr, "sfdc: -o needs a directory\n"), -1;
        o->outdir = v;
    } else {
        return 0;
    }
    return 1;
}

static void summary(const BuildOptions *o, const char *dir, const OutStats *st, int rc, FILE *err);
static void report_writes(char *log, const char *dir, const BuildOptions *o, FILE *out, FILE *err);

/* SFDC_TRACE_BUILD=1: which path a writing build took, and why. */
static void trace(FILE *err, const char *what)
{
    const char *t = getenv("SFDC_TRACE_BUILD");
    if (t && *t && strcmp(t, "0") != 0)
        fprintf(err, "sfdc: build: %s\n", what);
}

int build_fast(const BuildOptions *o, BuildInputs *in, FILE *out, FILE *err)
{
    const char *dir = o->outdir ? o->outdir : "out";
    stamp_inputs_pre(in);
    StampRecord rec;
    if (o->check || o->matrix || in->doubt || !stamp_record_read(dir, &rec)) {
        trace(err, in->doubt ? "normal path: an input was changing" : "normal path: no record of a last run");
        return -1;
    }
    bool doubt = false;
    int rc = -1;
    uint64_t fp = stamp_inputs(in->pre, rec.files, NULL, NULL, rec.nfiles, &doubt);
    if (doubt || fp != rec.fp) {
        trace(err, "normal path: the inputs changed");
    } else if (!out_verify(dir, rec.before)) {
        in->stale = true;
        trace(err, "normal path: the tree changed since the last run");
    } else {
        trace(err, "fast path: inputs and tree unchanged, the last run replayed");
        fwrite(rec.printed, 1, rec.nprinted, rec.printed_stdout ? out : err);
        /* what a successful build_run prints after the checker: render()'s
         * module diagnostics, its summary and report_writes()'s messages;
         * none, but SARIF prints an empty log for each */
        DiagEngine dg;
        diag_init(&dg);
        dg.format = o->format;
        diag_flush(&dg, o->format == DIAG_HUMAN ? err : out);
        diag_release(&dg);
        OutStats st = {.unchanged = rec.produced};
        summary(o, dir, &st, rec.status, err);
        char none[] = "";
        report_writes(none, dir, o, out, err);
        rc = rec.status;
    }
    stamp_record_release(&rec);
    return rc;
}

/* The messages of a writing run (refusals, I/O errors; one per line of
 * log) as E0805 diagnostics: no span, the run's --diag-format. */
static void report_writes(char *log, const char *dir, const BuildOptions *o, FILE *out, FILE *err)
{
    DiagEngine dg;
    diag_init(&dg);
    dg.format = o->format;
    for (char *line = log, *nl; line && *line; line = nl ? nl + 1 : NULL) {
        nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        const char *msg = strncmp(line, "sfdc: ", 6) == 0 ? line + 6 : line;
        if (!*msg)
            continue;
        Diag *d = diag_new(&dg, DIAG_ERROR, "E0805", NULL, (Span){0, 0}, "%s", msg);
        diag_help(&dg, d, "fix %s (or choose another directory with -o) and run `sfdc build` again", dir);
        diag_emit(&dg, d);
    }
    diag_flush(&dg, o->format == DIAG_HUMAN ? err : out);
    diag_release(&dg);
}

/* Hands the plan's text to the file being streamed: its buffers as they
 * are (plan_to_tree, the copying sink, is not called then). */
static void plan_to_tree(void *ctx, const char *text, size_t len)
{
    out_put(ctx, text, len);
}

static void plan_take(void *ctx, char *text, size_t len)
{
    out_put_take(ctx, text, len);
}

/* ENV/plan.json: the runtime plan of each environment (planemit.c), its
 * deploy steps pointed at the ENV/ACCOUNT directories of this tree. */
static bool emit_plans(const LowerPlan *bp, const BuildOptions *o, Stamps *sp, OutTree *t, FILE *err)
{
    PlanEmitOptions po = {.deploy = o->target == BUILD_TERRAFORM ? PLAN_DEPLOY_TERRAFORM : PLAN_DEPLOY_TERRAGRUNT,
                          .take = plan_take};
    for (int i = 0; i < bp->nenvs; i++) {
        char path[160];
        snprintf(path, sizeof path, "%s/plan.json", bp->envs[i].dir);
        uint64_t fp = stamp_plan(sp, &bp->envs[i]);
        if (stamp_reuse(sp, t, path, fp))
            continue;
        int from = out_count(t);
        out_open(t, path);
        bool ok = planemit_write(bp->envs[i].m, bp->envs[i].env, &po, plan_to_tree, t);
        out_close(t);
        stamp_rendered(sp, t, path, fp, from);
        if (!ok) {
            fprintf(err, "sfdc: build: out of memory rendering the plan of %s\n", bp->envs[i].dir);
            return false;
        }
    }
    return true;
}

/* Every account of every environment: lowered, rendered by the target,
 * released; or, when its stamp says nothing it is made from changed and
 * its files are as written, kept without rendering. False when lowering
 * meets what the checker refuses. */
static bool emit_accounts(LowerPlan *bp, const BuildOptions *o, Stamps *sp, OutTree *t)
{
    if (o->target == BUILD_TERRAGRUNT)
        emit_tg_root(bp, t);
    for (int i = 0; i < bp->nenvs; i++) {
        const LowerEnv *e = &bp->envs[i];
        for (int j = 0; j < e->naccounts; j++) {
            LowerAccount *a = &e->accounts[j];
            char key[300];
            snprintf(key, sizeof key, "%s/%s/", e->dir, a->dir);
            uint64_t fp = stamp_account(sp, e, a);
            if (stamp_reuse(sp, t, key, fp))
                continue;
            int from = out_count(t);
            if (!lower_account(bp, e, a))
                return false;
            if (o->target == BUILD_TERRAFORM)
                emit_tf_account(bp, e, a, t);
            else
                emit_tg_account(bp, e, a, t);
            stamp_rendered(sp, t, key, fp, from);
        }
    }
    return true;
}

/* Which directories the run owns (--check reports strays below them) and
 * which it leaves alone (--env: the other environments'). */
static void claim(const LowerPlan *bp, const Model *m, const BuildOptions *o, OutTree *t, Arena *a)
{
    for (int i = 0; o->env && i < m->nenvs; i++)
        if (strcmp(m->envs[i]->name, o->env) != 0) {
            char other[128];
            NameCtx nc = names_ctx(m, m->envs[i]);
            names_env_dir(&nc, other, sizeof other);
            out_keep(t, arena_printf(a, "%s/", other));
        }
    out_own(t, "modules/");
    for (int i = 0; i < bp->nenvs; i++)
        out_own(t, arena_printf(a, "%s/", bp->envs[i].dir));
}

/* What the run did, on err: a summary, or why the directory is stale. */
static void summary(const BuildOptions *o, const char *dir, const OutStats *st, int rc, FILE *err)
{
    if (o->check && rc)
        fprintf(err, "sfdc: %s is out of date: %d files to write, %d to remove, %d unknown; run `sfdc build`%s\n",
                dir, st->written, st->removed, st->unknown,
                st->unknown ? " and remove what sfdc did not write" : "");
    else if (!o->check && rc == 0)
        fprintf(err, "sfdc: %s: %d written, %d unchanged, %d removed\n", dir, st->written, st->unchanged,
                st->removed);
}

/* Renders everything into the run begun on t. Returns 0, or the status to
 * exit with (1, or 70 for a bug of sfdc) with the run left unfinished. */
static int render(LowerPlan *bp, const BuildOptions *o, Stamps *sp, OutTree *t, FILE *out, FILE *err)
{
    DiagEngine dg;
    diag_init(&dg);
    dg.format = o->format;
    bool copied = emit_modules_copy(bp->modules_dir, t, &dg, err);
    diag_flush(&dg, o->format == DIAG_HUMAN ? err : out);
    diag_release(&dg);
    if (!copied)
        return 1;
    /* the plans first: their step ids (~13 MB at 10,000 LAs) are released
       before the accounts' files are listed (~10 MB), not held above them;
       the tree is sorted at the end, so the order is not seen */
    if (!emit_plans(bp, o, sp, t, err))
        return 70;
    if (!emit_accounts(bp, o, sp, t))
        return bp->internal ? 70 : 1;
    lower_units_release(bp);
    return 0;
}

int build_run(const Model *m, const BuildOptions *o, FILE *out, FILE *err)
{
    const char *dir = o->outdir ? o->outdir : "out";
    LowerPlan bp;
    OutTree t;
    out_init(&t);
    OutStats st = {0};
    int rc = 1;
    char *log = NULL;
    size_t len = 0;
    FILE *w = o->check ? NULL : open_memstream(&log, &len);
    Stamps *sp = NULL;
    if (!lower_plan(&bp, m, o->env, err)) {
        rc = bp.internal ? 70 : 1;
        goto out;
    }
    claim(&bp, m, o, &t, &bp.arena);
    sp = stamp_open(&bp, o, dir);
    if (out_begin(&t, dir, o->check ? OUT_CHECK : OUT_WRITE, out, o->check ? stderr : w ? w : err) == 0)
        rc = render(&bp, o, sp, &t, out, err);
    if (rc == 0) {
        rc = out_finish(&t, &st);
        summary(o, dir, &st, rc, err);
        if (rc == 0 && !o->check) {
            /* the record replays the diagnostics: only when nothing else was said */
            bool quiet = !w || (fflush(w) == 0 && len == 0);
            stamp_save(sp, st.written > 0 || st.removed > 0, quiet ? st.written + st.unchanged : -1);
        }
    }
out:
    stamp_free(sp);
    out_release(&t);    /* an unfinished run: its temporary files go, DIR stays as it was */
    lower_release(&bp);
    if (w) {
        fclose(w);
        report_writes(log, dir, o, out, err);
        free(log);
    }
    return rc;
}
