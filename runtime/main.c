/* main.c — sfdrun, the executor of sfdc's runtime plans. Reads the plan,
 * selects steps, opens the journal and hands over to the executor:
 *
 *   sfdrun apply PLAN [--phase P] [--dry-run] [--only STEP | --account NAME]
 *                     [--jobs N] [--journal FILE] [--log-format human|json]
 *                     [--timeout SECONDS] [--profile NAME] [--verbose]
 *   sfdrun status PLAN [--destroy [--delete-state] [--include-shared ENVS]] [--journal FILE] [--log-format ...]
 *   sfdrun scale PLAN ACCOUNT/SERVICE --to N | --restore [--dry-run] ...
 *   sfdrun destroy PLAN --confirm ENV [--delete-state] [--include-shared ENVS] [--dry-run] ...
 *   sfdrun sign ...            (see aws.h: aws_sign_main)
 *
 * Exit codes: 0 ok, 1 a step failed or was blocked, 2 usage / invalid plan
 * / refused journal, 70 internal error. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <curl/curl.h>

#include "aws.h"
#include "destroy.h"
#include "exec.h"
#include "journal.h"
#include "log.h"
#include "plan.h"
#include "scale.h"
#include "banned.h"

enum { EXIT_OK = 0, EXIT_FAILED = 1, EXIT_USAGE = 2, EXIT_INTERNAL = 70 };

static const char usage_text[] =
    "usage: sfdrun apply PLAN [--phase bootstrap|handshake|deploy|operate] [--dry-run]\n"
    "                         [--only STEP | --account NAME] [--jobs N] [--journal FILE]\n"
    "                         [--log-format human|json] [--timeout SECONDS]\n"
    "                         [--profile NAME] [--verbose]\n"
    "       sfdrun status PLAN [--destroy [--delete-state] [--include-shared ENVS]] [--journal FILE]\n"
    "                         [--log-format human|json]\n"
    "       sfdrun scale PLAN ACCOUNT/SERVICE (--to N | --restore) [--dry-run]\n"
    "                         [--log-format human|json] [--profile NAME] [--verbose]\n"
    "       sfdrun destroy PLAN --confirm ENV [--delete-state] [--include-shared ENVS] [--dry-run]\n"
    "                         [--only STEP | --account NAME] [--jobs N] [--journal FILE]\n"
    "                         [--log-format human|json] [--timeout SECONDS]\n"
    "                         [--profile NAME] [--verbose]\n"
    "       sfdrun sign [options] FILE     (sfdrun sign --help)\n"
    "       sfdrun --help | --version\n"
    "\n"
    "Executes an sfdc runtime plan against AWS (runtime/PLAN.md). AWS_ENDPOINT_URL\n"
    "and AWS_ENDPOINT_URL_<SERVICE> redirect requests (e.g. to a local emulator).\n"
    "Exit status: 0 ok, 1 a step failed or was blocked, 2 usage or invalid plan,\n"
    "70 internal error.\n";

static const char scale_usage_text[] =
    "usage: sfdrun scale PLAN ACCOUNT/SERVICE (--to N | --restore) [--dry-run]\n"
    "                    [--log-format human|json] [--timeout SECONDS]\n"
    "                    [--profile NAME] [--verbose]\n"
    "\n"
    "Sets the desired count of an ECS service listed in the plan's `services`.\n"
    "  --to N      scale to N. Before the first --to, the current desired count\n"
    "              (and, for an autoscaled service, the scalable target's min/max)\n"
    "              is recorded in the service's tag `sfdrun:restore`; the target is\n"
    "              pinned to min = max = N (N = 0 sets MaxCapacity 0, which stops\n"
    "              the service). A service already at N is left alone.\n"
    "  --restore   put the recorded values back and remove the tag.\n"
    "  --dry-run   read only: say what would change.\n"
    "Scheduled scaling actions still apply at their next time.\n"
    "Exit status: 0 ok, 1 failed (or no such service), 2 usage.\n";

/* Everything the command line said. */
typedef struct Args {
    const char *cmd;        /* apply, status, scale */
    const char *plan;       /* plan file */
    const char *target;     /* scale: ACCOUNT/SERVICE */
    int phase;              /* -1 or PlanPhase */
    const char *only;       /* --only STEP */
    const char *account;    /* --account NAME */
    const char *journal;    /* --journal FILE */
    const char *profile;    /* --profile NAME */
    long jobs;              /* --jobs N */
    long timeout_s;         /* --timeout SECONDS */
    long to;                /* scale --to N (-1 unset) */
    int restore;            /* scale --restore */
    const char *confirm;    /* destroy --confirm ENV */
    int delete_state;       /* destroy --delete-state */
    const char *include_shared; /* destroy --include-shared ENV[,ENV...]: the users named */
    int destroy;            /* status --destroy: the destroy journal */
    int dry_run;            /* --dry-run */
    int verbose;            /* --verbose */
    int help;               /* --help after the command */
    LogFormat fmt;          /* --log-format */
} Args;

static int usage_error(const char *msg, const char *arg)
{
    fprintf(stderr, "sfdrun: %s%s%s\n%s", msg, arg ? " " : "", arg ? arg : "", usage_text);
    return EXIT_USAGE;
}

/* Parses a whole non-negative number within [lo, hi]. */
static int parse_long(const char *s, long lo, long hi, long *out)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (!*s || *end || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

static int parse_args(int argc, char **argv, Args *a)
{
    memset(a, 0, sizeof *a);
    a->phase = -1;
    a->jobs = 8;
    a->timeout_s = 30;
    a->to = -1;
    a->cmd = argv[1];
    int positional = 0;
    for (int i = 2; i < argc; i++) {
        const char *o = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        int takes = 1;
        if (strcmp(o, "--dry-run") == 0) { a->dry_run = 1; takes = 0; }
        else if (strcmp(o, "--verbose") == 0 || strcmp(o, "-v") == 0) { a->verbose = 1; takes = 0; }
        else if (strcmp(o, "--restore") == 0) { a->restore = 1; takes = 0; }
        else if (strcmp(o, "--delete-state") == 0) { a->delete_state = 1; takes = 0; }
        else if (strcmp(o, "--destroy") == 0) { a->destroy = 1; takes = 0; }
        else if (strcmp(o, "--help") == 0 || strcmp(o, "-h") == 0) { a->help = 1; return 0; }
        else if (o[0] == '-' && o[1] && !v)
            return usage_error("missing value after", o);
        else if (strcmp(o, "--phase") == 0) {
            if ((a->phase = plan_phase_parse(v)) < 0)
                return usage_error("unknown phase", v);
        } else if (strcmp(o, "--only") == 0) a->only = v;
        else if (strcmp(o, "--account") == 0) a->account = v;
        else if (strcmp(o, "--journal") == 0) a->journal = v;
        else if (strcmp(o, "--confirm") == 0) a->confirm = v;
        else if (strcmp(o, "--include-shared") == 0) a->include_shared = v;
        else if (strcmp(o, "--profile") == 0) a->profile = v;
        else if (strcmp(o, "--jobs") == 0 || strcmp(o, "-j") == 0) {
            if (parse_long(v, 1, 256, &a->jobs) < 0)
                return usage_error("--jobs takes a number 1..256, not", v);
        } else if (strcmp(o, "--timeout") == 0) {
            if (parse_long(v, 1, 3600, &a->timeout_s) < 0)
                return usage_error("--timeout takes seconds 1..3600, not", v);
        } else if (strcmp(o, "--to") == 0) {
            if (parse_long(v, 0, 100000, &a->to) < 0)
                return usage_error("--to takes a count, not", v);
        } else if (strcmp(o, "--log-format") == 0) {
            if (strcmp(v, "json") == 0) a->fmt = LOG_JSON;
            else if (strcmp(v, "human") == 0) a->fmt = LOG_HUMAN;
            else return usage_error("--log-format is human or json, not", v);
        } else if (o[0] == '-' && o[1]) {
            return usage_error("unknown option", o);
        } else {
            takes = 0;
            if (positional == 0) a->plan = o;
            else if (positional == 1 && strcmp(a->cmd, "scale") == 0) a->target = o;
            else return usage_error("unexpected argument", o);
            positional++;
        }
        i += takes;
    }
    if (!a->plan)
        return usage_error("missing PLAN", NULL);
    if (a->only && a->account)
        return usage_error("--only and --account cannot be combined", NULL);
    if (strcmp(a->cmd, "scale") == 0 && (!a->target || (a->to < 0) == !a->restore))
        return usage_error("scale needs ACCOUNT/SERVICE and one of --to N or --restore", NULL);
    return 0;
}

/* The default journal: PLAN.journal, or PLAN.destroy.journal for destroy
 * (its steps are another plan's, derived from this one) (malloc'd). */
static char *default_journal(const char *plan, int destroy)
{
    const char *suffix = destroy ? ".destroy.journal" : ".journal";
    size_t n = strlen(plan) + strlen(suffix) + 1;
    char *j = malloc(n);
    if (j)
        snprintf(j, n, "%s%s", plan, suffix);
    return j;
}

static void on_signal(int sig)
{
    (void)sig;
    exec_interrupt();
}

static void install_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

/* Marks the selected steps; -1 (after a message) when a name is unknown. */
static int select_steps(const Plan *p, const Args *a, unsigned char *sel)
{
    long only = -1, acc = -1;
    if (a->only && (only = plan_find_step(p, a->only)) < 0)
        return usage_error("no step named", a->only), -1;
    if (a->account && (acc = plan_find_account(p, a->account)) < 0)
        return usage_error("no account named", a->account), -1;
    for (size_t i = 0; i < p->n_steps; i++) {
        const PlanStep *s = &p->steps[i];
        sel[i] = (only < 0 || (size_t)only == i) && (acc < 0 || (size_t)acc == s->account) &&
                 (a->phase < 0 || (int)s->phase == a->phase);
    }
    return 0;
}

static void print_summary(const Plan *p, const ExecReport *rep, double secs, int dry)
{
    char nums[OUT_COUNT][24], req[24], mut[24], sec[32];
    LogField f[OUT_COUNT + 4];
    size_t nf = 0;
    for (int o = 1; o < OUT_COUNT; o++) {
        snprintf(nums[o], sizeof nums[o], "%zu", rep->counts[o]);
        f[nf++] = (LogField){ exec_outcome_name((StepOutcome)o), nums[o], 1 };
    }
    snprintf(req, sizeof req, "%zu", rep->http_requests);
    snprintf(mut, sizeof mut, "%zu", rep->mutating_calls);
    snprintf(sec, sizeof sec, "%.3f", secs);
    f[nf++] = (LogField){ "http_requests", req, 1 };
    f[nf++] = (LogField){ "mutating_calls", mut, 1 };
    f[nf++] = (LogField){ "seconds", sec, 1 };
    /* a SIGINT/SIGTERM'd run must not read as a clean partial run in CI */
    f[nf++] = (LogField){ "interrupted", rep->interrupted ? "true" : "false", 1 };
    log_event("summary", f, nf,
              "\nsummary%s: %zu changed, %zu exists, %zu unchanged, %zu done earlier, "
              "%zu would change, %zu failed, %zu blocked%s; %zu HTTP requests "
              "(%zu mutating) in %.2fs",
              dry ? " (dry run)" : "", rep->counts[OUT_CHANGED], rep->counts[OUT_EXISTS],
              rep->counts[OUT_UNCHANGED], rep->counts[OUT_DONE_EARLIER],
              rep->counts[OUT_WOULD_CHANGE], rep->counts[OUT_FAILED],
              rep->counts[OUT_BLOCKED], rep->interrupted ? ", interrupted" : "",
              rep->http_requests, rep->mutating_calls, secs);
    if (log_format() == LOG_JSON)
        return;
    for (size_t i = 0; i < p->n_steps; i++)
        if (rep->outcome[i] == OUT_FAILED)
            log_event("failed", NULL, 0, "  failed:  %s: %s", p->steps[i].id,
                      rep->error[i] ? rep->error[i] : "?");
    for (size_t i = 0; i < p->n_steps; i++)
        if (rep->outcome[i] == OUT_BLOCKED)
            log_event("blocked", NULL, 0, "  blocked: %s (after failed %s)", p->steps[i].id,
                      rep->blocked_by[i] >= 0 ? p->steps[rep->blocked_by[i]].id : "?");
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* status: the journal's view of each step, no AWS calls. */
static int cmd_status(const Args *a, const Plan *p, const char *jpath)
{
    Journal j;
    char err[JOURNAL_ERR_MAX];
    size_t done = 0;
    if (journal_read(&j, jpath, p->sha256, err) < 0) {
        fprintf(stderr, "sfdrun: %s\n", err);
        return EXIT_USAGE;
    }
    log_event("plan", (LogField[]){ { "platform", p->platform, 0 },
                                    { "source_hash", p->source_hash, 0 },
                                    { "journal", jpath, 0 } }, 3,
              "plan %s (%s), %zu steps, journal %s", p->platform, p->source_hash, p->n_steps,
              jpath);
    for (size_t i = 0; i < p->n_steps; i++) {
        const PlanStep *s = &p->steps[i];
        if (a->phase >= 0 && (int)s->phase != a->phase)
            continue;
        const JournalEntry *e = journal_get(&j, s->id);
        const char *st = e ? journal_state_name(e->state) : "pending";
        done += e && e->state == JOURNAL_DONE;
        log_event("status", (LogField[]){ { "step", s->id, 0 }, { "state", st, 0 },
                                          { "outcome", e ? e->outcome : NULL, 0 },
                                          { "error", e ? e->error : NULL, 0 } }, 4,
                  "%-8s %-10s %s%s%s", st, e && e->outcome ? e->outcome : "", s->id,
                  e && e->error ? ": " : "", e && e->error ? e->error : "");
    }
    journal_close(&j);
    return done == p->n_steps ? EXIT_OK : EXIT_FAILED;
}

static int destroy_state_pass(const Args *a, const Plan *d, Exec *ex, unsigned char *sel,
                              Journal *j);

/* PLAN.journals: where runs given --journal record their journal (malloc'd). */
static char *registry_path(const char *plan)
{
    size_t n = strlen(plan) + sizeof ".journals";
    char *r = malloc(n);
    if (r)
        snprintf(r, n, "%s.journals", plan);
    return r;
}

/* Retires one journal of the other command; -1 when a run holds it. */
static int retire_one(const Args *a, const char *other, const char *jpath)
{
    int destroy = strcmp(a->cmd, "destroy") == 0;
    char err[JOURNAL_ERR_MAX];
    struct stat so, sj;
    int rc;
    if (strcmp(other, jpath) == 0 || (stat(other, &so) == 0 && stat(jpath, &sj) == 0 &&
                                      so.st_dev == sj.st_dev && so.st_ino == sj.st_ino))
        return 0;   /* this run's own journal, however it is spelt */
    if ((rc = journal_retire(other, err)) < 0) {
        fprintf(stderr, "sfdrun: cannot %s while the %s journal is in use: %s\n", a->cmd,
                destroy ? "apply" : "destroy", err);
    } else if (rc > 0) {
        log_event("retired", (LogField[]){ { "journal", other, 0 } }, 1,
                  "sfdrun: removed %s: %s changes what it recorded, so the next %s reads "
                  "every step again", other, destroy ? "this destroy" : "this apply",
                  destroy ? "apply" : "destroy");
    }
    return rc < 0 ? -1 : 0;
}

/* Before an apply or a destroy changes anything, the other command's
 * journals stop being true: their "done" records would make the next apply
 * skip what this destroy removes, or the next destroy skip what this apply
 * creates. Retires the one at its default path and every one a --journal
 * run registered in PLAN.journals (after registering this run's own, when
 * it has one); -1 when a run of the other command holds one. jpath: this
 * run's journal. */
static int retire_other(const Args *a, const char *jpath)
{
    int destroy = strcmp(a->cmd, "destroy") == 0;
    char err[JOURNAL_ERR_MAX];
    char *other = default_journal(a->plan, !destroy), *reg = registry_path(a->plan);
    char *mine = default_journal(a->plan, destroy);
    char **listed = NULL;
    size_t n = 0;
    int rc = -1;
    if (!other || !reg || !mine) {
        fprintf(stderr, "sfdrun: out of memory\n");
    } else if (strcmp(mine, jpath) != 0 &&
               journal_register(reg, destroy ? "destroy" : "apply", jpath, err) < 0) {
        fprintf(stderr, "sfdrun: cannot record the journal's place in %s: %s\n", reg, err);
    } else {
        rc = retire_one(a, other, jpath);
        listed = journal_registered(reg, destroy ? "apply" : "destroy", &n);
        for (size_t i = 0; i < n; i++)
            if (rc == 0)
                rc = retire_one(a, listed[i], jpath);
    }
    for (size_t i = 0; i < n; i++)
        free(listed[i]);
    free(listed);
    free(other);
    free(reg);
    free(mine);
    return rc;
}

/* apply, and destroy (p is then the destroy plan): for destroy with
 * --delete-state the state steps wait for a second pass, which runs only
 * when everything else is gone. */
static int cmd_apply(const Args *a, const Plan *p, Exec *ex, const char *jpath)
{
    int destroy_state = strcmp(a->cmd, "destroy") == 0 && a->delete_state;
    unsigned char *sel = calloc(p->n_steps ? p->n_steps : 1, 1);
    Journal j;
    int have_journal = 0, code = EXIT_INTERNAL;
    char err[JOURNAL_ERR_MAX];
    ExecReport rep;
    memset(&rep, 0, sizeof rep);
    if (!sel)
        goto out;
    if (select_steps(p, a, sel) < 0) {
        code = EXIT_USAGE;
        goto out;
    }
    for (size_t i = 0; destroy_state && i < p->n_steps; i++)
        if (destroy_is_state_step(p, i))
            sel[i] = 0;
    if (!a->dry_run) {
        if (journal_open(&j, jpath, p->sha256, err) < 0) {
            fprintf(stderr, "sfdrun: %s\n", err);
            code = EXIT_USAGE;
            goto out;
        }
        have_journal = 1;
        if (retire_other(a, jpath) < 0) {
            code = EXIT_USAGE;
            goto out;
        }
    }
    size_t n_sel = 0;
    for (size_t i = 0; i < p->n_steps; i++)
        n_sel += sel[i];
    char ns[24], jobs[24];
    snprintf(ns, sizeof ns, "%zu", n_sel);
    snprintf(jobs, sizeof jobs, "%ld", a->jobs);
    log_event("start", (LogField[]){ { "platform", p->platform, 0 },
                                     { "source_hash", p->source_hash, 0 },
                                     { "steps", ns, 1 }, { "jobs", jobs, 1 },
                                     { "dry_run", a->dry_run ? "true" : "false", 1 } }, 5,
              "sfdrun: %s%s, %zu of %zu steps, %ld at a time%s", p->platform,
              p->environment ? "" : "", n_sel, p->n_steps, a->jobs,
              a->dry_run ? " (dry run: reads only)" : "");
    double t0 = now_s();
    if (exec_apply(ex, sel, have_journal ? &j : NULL, &rep, err) < 0) {
        fprintf(stderr, "sfdrun: internal error: %s\n", err);
        goto out;
    }
    print_summary(p, &rep, now_s() - t0, a->dry_run);
    code = rep.counts[OUT_FAILED] || rep.counts[OUT_BLOCKED] || rep.interrupted
               ? EXIT_FAILED : EXIT_OK;
    if (code == EXIT_OK && destroy_state)
        code = destroy_state_pass(a, p, ex, sel, have_journal ? &j : NULL);
out:
    exec_report_release(&rep, p->n_steps);
    if (have_journal)
        journal_close(&j);
    free(sel);
    return code;
}

/* destroy --delete-state, once every other step is done: empty each
 * selected state bucket (only keys under `ENV/`, the environment's state),
 * then run the state steps (DeleteBucket, DeleteTable). */
static int destroy_state_pass(const Args *a, const Plan *d, Exec *ex, unsigned char *sel,
                              Journal *j)
{
    char msg[AWS_ERR_MAX * 2], prefix[80], err[AWS_ERR_MAX], num[24];
    if (select_steps(d, a, sel) < 0)
        return EXIT_USAGE;
    snprintf(prefix, sizeof prefix, "%s/", d->environment ? d->environment : "");
    for (size_t i = 0; i < d->n_steps; i++) {
        sel[i] = sel[i] && destroy_is_state_step(d, i);
        const JournalEntry *e = j ? journal_get(j, d->steps[i].id) : NULL;
        if (!sel[i] || a->dry_run || (e && e->state == JOURNAL_DONE) ||
            strcmp(d->steps[i].call.operation, "DeleteBucket") != 0)
            continue;
        long k = destroy_empty_bucket(ex, d, i, d->environment ? prefix : NULL, msg, sizeof msg);
        if (k < 0) {
            log_event("failed", (LogField[]){ { "step", d->steps[i].id, 0 },
                                              { "error", msg, 0 } }, 2,
                      "  failed:  %s: %s", d->steps[i].id, msg);
            return EXIT_FAILED;
        }
        snprintf(num, sizeof num, "%ld", k);
        log_event("emptied", (LogField[]){ { "step", d->steps[i].id, 0 },
                                           { "versions", num, 1 } }, 2,
                  "emptied   %s: %ld object versions deleted", d->steps[i].id, k);
    }
    ExecReport rep;
    double t0 = now_s();
    if (exec_apply(ex, sel, j, &rep, err) < 0) {
        fprintf(stderr, "sfdrun: internal error: %s\n", err);
        exec_report_release(&rep, d->n_steps);
        return EXIT_INTERNAL;
    }
    print_summary(d, &rep, now_s() - t0, a->dry_run);
    int code = rep.counts[OUT_FAILED] || rep.counts[OUT_BLOCKED] || rep.interrupted
                   ? EXIT_FAILED : EXIT_OK;
    exec_report_release(&rep, d->n_steps);
    return code;
}

/* destroy without the confirmation: say what it would remove. Exit 2. */
static int unconfirmed(const Args *a, const Plan *p)
{
    const char *name = destroy_confirm_name(p);
    fprintf(stderr, "sfdrun: refusing to destroy without confirmation: `sfdrun destroy` runs "
            "`destroy` in every deploy of %s %s of platform %s (%zu accounts) and deletes the "
            "deployer roles its handshake made%s.\n%s"
            "Repeat with --confirm %s (or look first with --dry-run).\n",
            p->environment ? "environment" : "the", p->environment ? name : "plan",
            p->platform, p->n_accounts,
            a->delete_state ? ", then empties and deletes its state buckets and lock tables"
                            : "; its state buckets are kept (--delete-state removes them)",
            a->confirm ? "--confirm names another environment.\n" : "", name);
    if (!a->include_shared)
        destroy_report_kept(p, a->delete_state, stderr);
    return EXIT_USAGE;
}

/* scale of a path the plan does not list: say which paths it does list.
 * Exit 1, not 2: the command was well formed, the service does not exist. */
static int unknown_service(const Plan *p, const char *path)
{
    fprintf(stderr, "sfdrun: error: no service `%s` in the plan's `services`", path);
    if (!strchr(path, '/'))
        fputs(" (write ACCOUNT/SERVICE)", stderr);
    fprintf(stderr, "; %s", p->n_services ? "it lists:" : "it lists none");
    for (size_t i = 0; i < p->n_services && i < 12; i++)
        fprintf(stderr, " %s", p->services[i].path);
    fputs(p->n_services > 12 ? " ...\n" : "\n", stderr);
    return EXIT_FAILED;
}

static int run(const Args *a, const char *argv0)
{
    Plan plan, dplan;
    const Plan *use = &plan;
    int status = strcmp(a->cmd, "status") == 0;
    int destroy = strcmp(a->cmd, "destroy") == 0 || (status && a->destroy);
    char perr[PLAN_ERR_MAX], err[AWS_ERR_MAX];
    AwsModel *model = NULL;
    Exec *ex = NULL;
    char *jpath = NULL, *mpath = NULL, *logs = NULL;
    int code = EXIT_INTERNAL;
    if (plan_load(a->plan, &plan, perr) < 0) {
        fprintf(stderr, "sfdrun: invalid plan: %s\n", perr);
        return EXIT_USAGE;
    }
    memset(&dplan, 0, sizeof dplan);
    jpath = a->journal ? strdup(a->journal) : default_journal(a->plan, destroy);
    if (!jpath)
        goto out;
    if (destroy) {
        char derr[DESTROY_ERR_MAX];
        if (!status && !a->dry_run &&
            (!a->confirm || strcmp(a->confirm, destroy_confirm_name(&plan)) != 0)) {
            code = unconfirmed(a, &plan);
            goto out;
        }
        if (a->include_shared && destroy_check_include(&plan, a->include_shared, derr) < 0) {
            fprintf(stderr, "sfdrun: cannot destroy: %s\n", derr);
            code = EXIT_USAGE;
            goto out;
        }
        if (!status && !a->include_shared)
            destroy_report_kept(&plan, a->delete_state, stderr);
        if (destroy_plan(&plan, a->delete_state, a->include_shared != NULL, &dplan, derr) < 0) {
            fprintf(stderr, "sfdrun: cannot destroy: %s\n", derr);
            code = EXIT_USAGE;
            goto out;
        }
        use = &dplan;
    }
    if (status) {
        code = cmd_status(a, use, jpath);
        goto out;
    }
    mpath = aws_model_default_path(argv0, NULL);
    if (!mpath || !(model = aws_model_load(mpath, err))) {
        fprintf(stderr, "sfdrun: cannot load the AWS operations model: %s\n",
                mpath ? err : "out of memory");
        goto out;
    }
    size_t n = strlen(jpath) + 8;
    if (!(logs = malloc(n)))
        goto out;
    snprintf(logs, n, "%s.logs", jpath);
    ExecOptions eo = { (size_t)a->jobs, a->dry_run, a->timeout_s * 1000, a->profile, logs,
                       NULL, a->verbose, 0 };
    const char *seed = getenv("SFDRUN_SEED"); /* reproducible jitter in tests */
    if (seed)
        eo.seed = strtoull(seed, NULL, 10);
    ex = exec_new(use, model, &eo, err);
    if (!ex) {
        fprintf(stderr, "sfdrun: %s\n", err);
        goto out;
    }
    if (strcmp(a->cmd, "scale") == 0) {
        long s = plan_find_service(&plan, a->target);
        if (s < 0) {
            code = unknown_service(&plan, a->target);
            goto out;
        }
        ScaleRequest sr = { (size_t)s, a->restore ? -1 : a->to, a->dry_run };
        code = scale_run(ex, &plan, &sr);
        goto out;
    }
    code = cmd_apply(a, use, ex, jpath);
out:
    exec_free(ex);
    aws_model_free(model);
    plan_release(&dplan);
    plan_release(&plan);
    free(jpath);
    free(mpath);
    free(logs);
    return code;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return usage_error("missing command", NULL);
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        fputs(usage_text, stdout);
        return EXIT_OK;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("sfdrun %s\n", SFDC_VERSION);
        return EXIT_OK;
    }
    if (strcmp(argv[1], "sign") == 0)
        return aws_sign_main(argc - 1, argv + 1);
    if (strcmp(argv[1], "apply") != 0 && strcmp(argv[1], "status") != 0 &&
        strcmp(argv[1], "scale") != 0 && strcmp(argv[1], "destroy") != 0)
        return usage_error("unknown command", argv[1]);
    Args a;
    int rc = parse_args(argc, argv, &a);
    if (rc)
        return rc;
    if (a.help) {
        fputs(strcmp(a.cmd, "scale") == 0 ? scale_usage_text : usage_text, stdout);
        return EXIT_OK;
    }
    log_init(a.fmt, a.verbose, stdout);
    install_signals();
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
        fprintf(stderr, "sfdrun: cannot initialise libcurl\n");
        return EXIT_INTERNAL;
    }
    rc = run(&a, argv[0]);
    curl_global_cleanup();
    return rc;
}
