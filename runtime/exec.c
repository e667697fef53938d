/* exec.c — the executor's event loop, step state machines, sessions and
 * deploy processes (see exec.h). */
#include "exec.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include <curl/curl.h>

#include "http.h"
#include "log.h"
#include "match.h"
#include "sched.h"
#include "banned.h"

extern char **environ;

/* Reads after a mutation before giving up on the post-condition, and the
 * pause before each (eventually consistent services: IAM, S3 policies). */
static const long verify_delays_ms[] = { 0, 250, 500, 1000, 2000, 3000, 4000 };
#define VERIFY_READS ((int)(sizeof verify_delays_ms / sizeof *verify_delays_ms))
/* Renew a session this long before its credentials expire (or a quarter
 * of its lifetime before, for sessions shorter than 20 minutes). */
#define SESSION_MARGIN_S 300
/* Calls that may be re-sent after an ExpiredToken answer, with a session
 * renewed in between (a session that lapsed while the call waited). */
#define EXPIRED_RETRIES 2
/* Seconds between SIGTERM and SIGKILL for a timed-out run. */
#define KILL_GRACE_S 10
/* Longest a finished step's journal record waits for its fdatasync. */
#define SYNC_EVERY_MS 100
/* Index of the base session (after the accounts'). */
#define BASE ((size_t)-1)

static volatile sig_atomic_t interrupted;

void exec_interrupt(void) { interrupted = 1; }

typedef struct Exec Exec;
typedef struct Call Call;
typedef struct Session Session;

/* Continuation of a finished call: ok=1 with result (owned by the callee),
 * or ok=0 with err filled. */
typedef void CallDone(Call *c, int ok, cJSON *result, AwsError *err);

/* One API call with its retries. */
struct Call {
    Exec *ex;               /* the executor */
    size_t account;         /* whose session signs it (BASE for the base) */
    const AwsCreds *creds;  /* explicit credentials (session STS calls) or NULL */
    const char *region;     /* region */
    const char *service;    /* service name */
    const char *op;         /* operation name */
    const cJSON *args;      /* arguments (borrowed) */
    int mutating;           /* counts as a mutating call */
    int creds_only;         /* no request: the continuation runs once the
                               session is ready (deploy runs) */
    int fresh;              /* renew a session past a quarter of its life */
    int renewals;           /* ExpiredToken answers met with a renewal */
    int attempts;           /* HTTP attempts made */
    int ambiguous;          /* an attempt may have reached AWS and failed unseen */
    AwsRequest req;         /* the request being sent */
    int req_live;           /* req holds a request to release */
    long long due_ms;       /* retry timer: when to send again (0 = none) */
    CallDone *done;         /* continuation */
    void *owner;            /* Task, Session or sync waiter */
    Call *next_waiter;      /* link in a session's waiting list */
};

typedef enum SessState { SESS_NONE, SESS_PENDING, SESS_READY, SESS_FAILED } SessState;

/* Credentials for one account, or the base credentials. */
struct Session {
    size_t account;         /* account index or BASE */
    SessState state;        /* lifecycle */
    AwsCreds creds;         /* when READY (the base: also while renewing) */
    AwsCreds hop;           /* base: the credentials of the chain's hop being
                               assumed; they replace creds at the end */
    time_t obtained;        /* when creds were obtained (for their lifetime) */
    char error[AWS_ERR_MAX];/* when FAILED */
    Call *waiters;          /* calls waiting for READY */
    Session *next_dep;      /* link: account sessions waiting for the base */
    Call call;              /* the STS call in flight */
    cJSON *args;            /* its arguments (owned) */
    size_t chain_pos;       /* base: next role of the chain to assume */
    int renewals;           /* ExpiredToken answers met with a renewal */
};

typedef enum TaskPhase { T_CHECK, T_MUTATE, T_VERIFY, T_RUN } TaskPhase;

/* A running step. */
typedef struct Task {
    size_t step;            /* plan index */
    TaskPhase phase;        /* where the state machine is */
    int verify_reads;       /* reads made in T_VERIFY */
    int exists;             /* the mutation said "already exists" */
    char mut_error[AWS_ERR_MAX]; /* the mutation's error when ambiguous */
    Call call;              /* the call in flight */
    struct timespec start;  /* for the duration */
    pid_t pid;              /* T_RUN: child process, 0 when none */
    long long kill_at_ms;   /* T_RUN: SIGTERM deadline */
    int termed;             /* T_RUN: SIGTERM sent */
} Task;

struct Exec {
    const Plan *plan;       /* the plan */
    const AwsModel *model;  /* operations model */
    ExecOptions opt;        /* options */
    HttpClient *http;       /* transport */
    AwsRetryPolicy retry;   /* retry policy */
    unsigned long long rng; /* xorshift state for jitter */
    AwsCredsChain chain;    /* base credential chain */
    int chain_ok;           /* chain resolved */
    char chain_err[AWS_ERR_MAX]; /* why it did not */
    Session base;           /* the base session */
    Session *sessions;      /* one per account */
    Task *tasks;            /* one per step */
    Call **timers;          /* calls waiting for a retry time */
    size_t n_timers;        /* entries in timers */
    Sched sched;            /* the scheduler (during exec_apply) */
    Journal *journal;       /* journal or NULL */
    ExecReport *rep;        /* report being filled */
    size_t n_running_runs;  /* child processes alive */
    size_t requests;        /* API calls sent */
    size_t mutating;        /* mutating API calls sent */
    size_t *fin;            /* steps finished this turn, not yet told to sched */
    size_t n_fin;           /* entries in fin */
    size_t *blocked;        /* scratch for sched_done (n_steps entries) */
    long long last_sync_ms; /* when the journal was last fdatasync'd */
};

/* ------------------------------------------------------------------ */
/* Small utilities                                                       */

static long long now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static double seconds_since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

static uint64_t rng_next(void *ctx)
{
    unsigned long long *s = ctx;
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static const char *getenv_default(const char *name) { return getenv(name); }

static const char *const outcome_names[OUT_COUNT] = {
    "not-run", "unchanged", "changed", "exists", "done-earlier", "would-change",
    "failed", "blocked",
};

const char *exec_outcome_name(StepOutcome o)
{
    return o < OUT_COUNT ? outcome_names[o] : "?";
}

static int code_in(const char *code, const char *const *codes, size_t n)
{
    for (size_t i = 0; code && i < n; i++)
        if (strcmp(code, codes[i]) == 0)
            return 1;
    return 0;
}

/* "Code: message" of an AWS error into buf. */
static void describe_error(const AwsError *e, char *buf, size_t n)
{
    snprintf(buf, n, "%s%s%s", e->code ? e->code : "Error",
             e->message && *e->message ? ": " : "", e->message ? e->message : "");
}

static int set_error(AwsError *e, long status, const char *code, const char *msg)
{
    aws_error_release(e);
    aws_error_init(e);
    e->http_status = status;
    e->code = strdup(code);
    e->message = strdup(msg ? msg : "");
    return e->code && e->message ? 0 : -1;
}

/* ------------------------------------------------------------------ */
/* Calls                                                                 */

static void session_acquire(Exec *ex, Call *c);
static Session *session_of(Exec *ex, size_t account);

static void timer_add(Exec *ex, Call *c, long delay_ms)
{
    c->due_ms = now_ms() + delay_ms;
    ex->timers[ex->n_timers++] = c;
}

/* Ends a call: continuation with a synthetic error. */
static void call_fail(Call *c, const char *code, const char *msg)
{
    AwsError e;
    aws_error_init(&e);
    set_error(&e, 0, code, msg);
    c->done(c, 0, NULL, &e);
    aws_error_release(&e);
}

static void on_http(void *ctx, const HttpResult *res);

/* Builds, signs and sends one attempt. */
static void call_send(Call *c)
{
    Exec *ex = c->ex;
    char err[AWS_ERR_MAX], date[AWS_AMZ_DATE_LEN + 1];
    AwsEndpoint ep;
    if (c->creds_only) {
        c->done(c, 1, NULL, NULL);
        return;
    }
    const AwsCreds *creds = c->creds ? c->creds : &session_of(ex, c->account)->creds;
    memset(&ep, 0, sizeof ep);
    if (c->req_live) {
        aws_request_release(&c->req);
        c->req_live = 0;
    }
    if (aws_endpoint_resolve(ex->model, c->service, c->region, ex->opt.env, &ep, err) < 0) {
        aws_endpoint_release(&ep);
        call_fail(c, "EndpointError", err);
        return;
    }
    int rc = aws_request_build(ex->model, c->service, c->op, c->args, &ep, &c->req, err);
    aws_endpoint_release(&ep);
    c->req_live = 1;
    if (rc < 0) {
        call_fail(c, "InvalidRequest", err);
        return;
    }
    aws_amz_date(time(NULL), date);
    if (aws_sigv4_sign(&c->req, creds, date, NULL, err) < 0) {
        call_fail(c, "SigningError", err);
        return;
    }
    c->attempts++;
    ex->requests++;
    if (c->mutating)
        ex->mutating++;
    if (http_submit(ex->http, &c->req, on_http, c) < 0)
        call_fail(c, "InternalError", "out of memory queueing a request");
}

/* Starts a call: waits for its session first unless it has credentials. */
static void call_start(Call *c)
{
    c->attempts = 0;
    c->ambiguous = 0;
    if (c->creds)
        call_send(c);
    else
        session_acquire(c->ex, c);
}

static const char *net_name(AwsNetError n)
{
    switch (n) {
    case AWS_NET_RESET: return "ConnectionReset";
    case AWS_NET_REFUSED: return "ConnectionRefused";
    case AWS_NET_TIMEOUT: return "Timeout";
    case AWS_NET_TRUNCATED: return "TruncatedResponse";
    case AWS_NET_DNS: return "NameResolution";
    default: return "TransportError";
    }
}

static int is_expired_token(const char *code)
{
    return code && (strcmp(code, "ExpiredToken") == 0 ||
                    strcmp(code, "ExpiredTokenException") == 0);
}

static void session_invalidate(Session *s);

static void on_http(void *ctx, const HttpResult *res)
{
    Call *c = ctx;
    Exec *ex = c->ex;
    cJSON *result = NULL;
    AwsError e;
    AwsRetryClass cls;
    aws_error_init(&e);
    if (res->net != AWS_NET_OK) {
        set_error(&e, 0, net_name(res->net), res->net_message);
        cls = aws_retry_classify(res->net, 0, NULL);
    } else if (aws_response_parse(ex->model, c->service, c->op, &res->resp, &result, &e) == 0) {
        if (c->req_live) {
            aws_request_release(&c->req);
            c->req_live = 0;
        }
        c->done(c, 1, result, NULL);
        return;
    } else if (is_expired_token(e.code) && !c->creds && c->renewals < EXPIRED_RETRIES) {
        /* the session lapsed between signing and arrival (a long retry
         * wait, a suspended laptop): renew it and send again */
        c->renewals++;
        aws_error_release(&e);
        if (c->req_live) {
            aws_request_release(&c->req);
            c->req_live = 0;
        }
        session_invalidate(session_of(ex, c->account));
        session_acquire(ex, c);
        return;
    } else {
        cls = aws_retry_classify(AWS_NET_OK, res->resp.status, e.code);
    }
    if (cls == AWS_RETRY_SERVER || cls == AWS_RETRY_TRANSPORT)
        c->ambiguous = 1;
    if (cls != AWS_RETRY_NONE && aws_retry_should_retry(&ex->retry, c->attempts, cls)) {
        long delay = aws_retry_delay_ms(&ex->retry, c->attempts, cls, rng_next, &ex->rng);
        char why[AWS_ERR_MAX];
        describe_error(&e, why, sizeof why);
        char ds[32], at[16];
        snprintf(ds, sizeof ds, "%ld", delay);
        snprintf(at, sizeof at, "%d", c->attempts);
        if (log_verbose() || log_format() == LOG_JSON)
            log_event("retry", (LogField[]){ { "service", c->service, 0 },
                                             { "operation", c->op, 0 },
                                             { "attempt", at, 1 },
                                             { "delay_ms", ds, 1 },
                                             { "error", why, 0 } }, 5,
                      "  retry %s %s after %s (attempt %d, waiting %ld ms)", c->service,
                      c->op, why, c->attempts, delay);
        aws_error_release(&e);
        timer_add(ex, c, delay);
        return;
    }
    if (c->req_live) {
        aws_request_release(&c->req);
        c->req_live = 0;
    }
    c->done(c, 0, NULL, &e);
    aws_error_release(&e);
}

/* Sends every call whose retry time has come. */
static void fire_timers(Exec *ex)
{
    long long t = now_ms();
    for (size_t i = 0; i < ex->n_timers;) {
        Call *c = ex->timers[i];
        if (c->due_ms > t) {
            i++;
            continue;
        }
        ex->timers[i] = ex->timers[--ex->n_timers];
        c->due_ms = 0;
        call_send(c);
    }
}

/* Milliseconds until the next timer (or `cap`). */
static long next_timer_ms(const Exec *ex, long cap)
{
    long long t = now_ms();
    long best = cap;
    for (size_t i = 0; i < ex->n_timers; i++) {
        long long d = ex->timers[i]->due_ms - t;
        if (d < best)
            best = d < 0 ? 0 : (long)d;
    }
    return best;
}

/* ------------------------------------------------------------------ */
/* Sessions                                                              */

static Session *session_of(Exec *ex, size_t account)
{
    return account == BASE ? &ex->base : &ex->sessions[account];
}

static const char *account_name(const Exec *ex, size_t account)
{
    return account == BASE ? "(base credentials)" : ex->plan->accounts[account].name;
}

static void session_start(Exec *ex, Session *s);

/* True when s's credentials should be renewed before use: within
 * SESSION_MARGIN_S of expiry (a quarter of the lifetime for short
 * sessions), or, with fresh, once a quarter of the lifetime has passed. */
static int session_stale(const Session *s, int fresh)
{
    if (!s->creds.expiration)
        return 0;
    time_t now = time(NULL);
    long life = (long)(s->creds.expiration - s->obtained);
    long margin = life / 4 < SESSION_MARGIN_S ? life / 4 : SESSION_MARGIN_S;
    if (aws_creds_expiring(&s->creds, now, margin))
        return 1;
    return fresh && (long)(now - s->obtained) > life / 4;
}

/* A READY session's credentials were refused as expired: the next use
 * renews them. */
static void session_invalidate(Session *s)
{
    if (s->state == SESS_READY)
        s->state = SESS_NONE;
}

/* The session became READY or FAILED: resume or fail its waiters. */
static void session_settle(Exec *ex, Session *s)
{
    Call *w = s->waiters;
    s->waiters = NULL;
    if (s == &ex->base) {
        Session *d = s->next_dep;
        s->next_dep = NULL;
        while (d) {
            Session *next = d->next_dep;
            d->next_dep = NULL;
            if (s->state == SESS_READY) {
                session_start(ex, d);
            } else {
                d->state = SESS_FAILED;
                snprintf(d->error, sizeof d->error, "%s", s->error);
                session_settle(ex, d);
            }
            d = next;
        }
    }
    while (w) {
        Call *next = w->next_waiter;
        w->next_waiter = NULL;
        if (s->state == SESS_READY)
            call_send(w);
        else
            call_fail(w, "CredentialsError", s->error);
        w = next;
    }
}

/* Fails the session with prefix + detail as the reason. */
static void session_failed(Exec *ex, Session *s, const char *prefix, const char *detail)
{
    s->state = SESS_FAILED;
    snprintf(s->error, sizeof s->error, "%s%s", prefix, detail);
    log_event("session", (LogField[]){ { "account", account_name(ex, s->account), 0 },
                                       { "error", s->error, 0 } }, 2,
              "credentials for %s: %s", account_name(ex, s->account), s->error);
    session_settle(ex, s);
}

static void base_next_role(Exec *ex);

/* Completion of a session's STS call. */
static void on_sts(Call *c, int ok, cJSON *result, AwsError *e)
{
    Session *s = c->owner;
    Exec *ex = c->ex;
    char err[AWS_ERR_MAX];
    cJSON_Delete(s->args);
    s->args = NULL;
    if (!ok && is_expired_token(e->code) && s != &ex->base && s->renewals < EXPIRED_RETRIES) {
        /* the base credentials that signed this lapsed: renew them first */
        s->renewals++;
        session_invalidate(&ex->base);
        session_start(ex, s);
        return;
    }
    if (!ok) {
        describe_error(e, err, sizeof err);
        session_failed(ex, s, "", err);
        return;
    }
    if (strcmp(c->op, "GetCallerIdentity") == 0) {
        const PlanAccount *a = &ex->plan->accounts[s->account];
        const cJSON *acc = cJSON_GetObjectItemCaseSensitive(result, "Account");
        if (!cJSON_IsString(acc) || strcmp(acc->valuestring, a->id) != 0) {
            snprintf(err, sizeof err, "the base credentials belong to account %s, but the plan "
                     "says `%s` is %s (give the account a role_arn or use other credentials)",
                     cJSON_IsString(acc) ? acc->valuestring : "?", a->name, a->id);
            cJSON_Delete(result);
            session_failed(ex, s, "", err);
            return;
        }
        cJSON_Delete(result);
        aws_creds_release(&s->creds);
        aws_creds_init(&s->creds);
        if (aws_creds_copy(&s->creds, &ex->base.creds) < 0) {
            session_failed(ex, s, "", "out of memory");
            return;
        }
        s->obtained = ex->base.obtained;
        s->renewals = 0;
        s->state = SESS_READY;
        session_settle(ex, s);
        return;
    }
    AwsCreds fresh;
    aws_creds_init(&fresh);
    const char *role = s == &ex->base ? ex->chain.roles[s->chain_pos].role_arn
                                      : ex->plan->accounts[s->account].role_arn;
    int rc = aws_sts_credentials_parse(result, role, &fresh, err);
    cJSON_Delete(result);
    if (rc < 0) {
        aws_creds_release(&fresh);
        session_failed(ex, s, "AssumeRole: ", err);
        return;
    }
    if (s == &ex->base) {
        aws_creds_release(&s->hop);
        s->hop = fresh;
        s->chain_pos++;
        base_next_role(ex);
        return;
    }
    aws_creds_release(&s->creds);
    s->creds = fresh;
    s->obtained = time(NULL);
    s->renewals = 0;
    s->state = SESS_READY;
    if (log_verbose()) {
        char d[256];
        log_event("session", (LogField[]){ { "account", account_name(ex, s->account), 0 },
                                           { "credentials", aws_creds_describe(&s->creds, d,
                                                                               sizeof d), 0 } },
                  2, "  session for %s: %s", account_name(ex, s->account),
                  aws_creds_describe(&s->creds, d, sizeof d));
    }
    session_settle(ex, s);
}

/* Sends an STS call for session s signed with creds. */
static void session_sts(Exec *ex, Session *s, const char *op, cJSON *args,
                        const AwsCreds *creds)
{
    Call *c = &s->call;
    memset(c, 0, sizeof *c);
    c->ex = ex;
    c->account = s->account;
    c->creds = creds;
    c->region = ex->plan->region;
    c->service = "sts";
    c->op = op;
    c->args = args;
    c->done = on_sts;
    c->owner = s;
    s->args = args;
    if (!args) {
        session_failed(ex, s, "", "out of memory");
        return;
    }
    call_start(c);
}

/* AssumeRole arguments. */
static cJSON *assume_args(const char *role, const char *session, const char *external_id,
                          int duration)
{
    cJSON *a = cJSON_CreateObject();
    if (!a || !cJSON_AddStringToObject(a, "RoleArn", role) ||
        !cJSON_AddStringToObject(a, "RoleSessionName", session) ||
        (external_id && !cJSON_AddStringToObject(a, "ExternalId", external_id)) ||
        (duration && !cJSON_AddNumberToObject(a, "DurationSeconds", duration))) {
        cJSON_Delete(a);
        return NULL;
    }
    return a;
}

/* Base session: assumes the chain's roles one after another. */
static void base_next_role(Exec *ex)
{
    Session *s = &ex->base;
    if (s->chain_pos >= ex->chain.n_roles) {
        /* the whole chain is assumed: only now replace the credentials
         * that account sessions may still be signing with */
        aws_creds_release(&s->creds);
        s->creds = s->hop;
        aws_creds_init(&s->hop);
        s->obtained = time(NULL);
        s->state = SESS_READY;
        if (log_verbose() && ex->chain.n_roles) {
            char d[256];
            log_event("session", (LogField[]){ { "account", account_name(ex, BASE), 0 },
                                               { "credentials", aws_creds_describe(&s->creds,
                                                                d, sizeof d), 0 } },
                      2, "  session for %s: %s", account_name(ex, BASE),
                      aws_creds_describe(&s->creds, d, sizeof d));
        }
        session_settle(ex, s);
        return;
    }
    const AwsRoleStep *r = &ex->chain.roles[s->chain_pos];
    char sn[80];
    snprintf(sn, sizeof sn, "sfdrun-%s", r->profile ? r->profile : "profile");
    /* the previous hop's credentials sign this hop; keep a copy because
     * on_sts replaces s->creds */
    session_sts(ex, s, "AssumeRole",
                assume_args(r->role_arn, r->session_name ? r->session_name : sn,
                            r->external_id, r->duration_seconds),
                &s->hop);
}

static void session_start(Exec *ex, Session *s)
{
    s->state = SESS_PENDING;
    if (s == &ex->base) {
        if (!ex->chain_ok) {
            session_failed(ex, s, "", ex->chain_err);
            return;
        }
        aws_creds_release(&s->hop);
        aws_creds_init(&s->hop);
        if (aws_creds_copy(&s->hop, &ex->chain.base) < 0) {
            session_failed(ex, s, "", "out of memory");
            return;
        }
        s->chain_pos = 0;
        base_next_role(ex);
        return;
    }
    /* the base credentials sign the AssumeRole: renew them first when
     * they are about to lapse (a role_arn profile's session) */
    if (ex->base.state == SESS_READY && session_stale(&ex->base, 0))
        ex->base.state = SESS_NONE;
    if (ex->base.state != SESS_READY) {
        s->next_dep = ex->base.next_dep;
        ex->base.next_dep = s;
        if (ex->base.state == SESS_NONE)
            session_start(ex, &ex->base);
        else if (ex->base.state == SESS_FAILED)
            session_settle(ex, &ex->base);
        return;
    }
    const PlanAccount *a = &ex->plan->accounts[s->account];
    if (!a->role_arn) {
        session_sts(ex, s, "GetCallerIdentity", cJSON_CreateObject(), &ex->base.creds);
        return;
    }
    char sn[80];
    snprintf(sn, sizeof sn, "sfdrun-%s", a->name);
    session_sts(ex, s, "AssumeRole",
                assume_args(a->role_arn, a->session_name ? a->session_name : sn,
                            a->external_id, a->duration_s),
                &ex->base.creds);
}

/* Gets c's session ready, then sends c. */
static void session_acquire(Exec *ex, Call *c)
{
    Session *s = session_of(ex, c->account);
    if (s->state == SESS_READY && s != &ex->base && session_stale(s, c->fresh))
        s->state = SESS_NONE; /* renew before it expires mid-run */
    switch (s->state) {
    case SESS_READY:
        call_send(c);
        return;
    case SESS_FAILED:
        call_fail(c, "CredentialsError", s->error);
        return;
    case SESS_NONE:
    case SESS_PENDING:
        c->next_waiter = s->waiters;
        s->waiters = c;
        if (s->state == SESS_NONE)
            session_start(ex, s);
        return;
    }
}

/* ------------------------------------------------------------------ */
/* Steps                                                                 */

static void task_finish(Exec *ex, Task *t, StepOutcome out, const char *error);

static void call_setup(Exec *ex, Task *t, const PlanCall *pc, int mutating, CallDone *done)
{
    const PlanStep *st = &ex->plan->steps[t->step];
    Call *c = &t->call;
    memset(c, 0, sizeof *c);
    c->ex = ex;
    c->account = st->account;
    c->region = st->region;
    c->service = pc->service;
    c->op = pc->operation;
    c->args = pc->args;
    c->mutating = mutating;
    c->done = done;
    c->owner = t;
}

static void on_check(Call *c, int ok, cJSON *result, AwsError *e);
static void on_mutate(Call *c, int ok, cJSON *result, AwsError *e);

static void start_read(Exec *ex, Task *t)
{
    call_setup(ex, t, &ex->plan->steps[t->step].check.read, 0, on_check);
    call_start(&t->call);
}

static void start_mutate(Exec *ex, Task *t)
{
    const PlanStep *st = &ex->plan->steps[t->step];
    char err[JOURNAL_ERR_MAX];
    t->phase = T_MUTATE;
    /* "started" is informational (sfdrun status): a resumed run re-checks
     * every step not recorded done, so this record is group-committed */
    if (ex->journal &&
        journal_append_nosync(ex->journal, st->id, JOURNAL_STARTED, NULL, NULL, err) < 0) {
        task_finish(ex, t, OUT_FAILED, err);
        return;
    }
    call_setup(ex, t, &st->call, 1, on_mutate);
    call_start(&t->call);
}

/* In a dry run: a dependency of st that would change (index), or -1. */
static long pending_dependency(const Exec *ex, const PlanStep *st)
{
    for (size_t k = 0; k < st->n_after; k++)
        if (ex->rep->outcome[st->after[k]] == OUT_WOULD_CHANGE)
            return (long)st->after[k];
    return -1;
}

/* A read of the post-condition finished (check or verify). */
static void on_check(Call *c, int ok, cJSON *result, AwsError *e)
{
    Task *t = c->owner;
    Exec *ex = c->ex;
    const PlanStep *st = &ex->plan->steps[t->step];
    char why[AWS_ERR_MAX + 64], msg[AWS_ERR_MAX * 2];
    int holds = 0;
    if (ok) {
        holds = match_check(&st->check, result, why, sizeof why);
        cJSON_Delete(result);
    } else if (code_in(e->code, st->check.missing, st->check.n_missing)) {
        snprintf(why, sizeof why, "%s: %s", st->check.read.operation, e->code);
    } else if (code_in(e->code, st->check.gone, st->check.n_gone)) {
        holds = 1; /* a delete's post-condition: the thing is not there */
    } else {
        describe_error(e, why, sizeof why);
        long pending = ex->opt.dry_run ? pending_dependency(ex, st) : -1;
        if (pending >= 0) {
            /* in a dry run the read may fail only because an earlier step
             * has not been applied (the bucket is not there yet) */
            snprintf(msg, sizeof msg, "cannot check before %s: %s",
                     ex->plan->steps[pending].id, why);
            task_finish(ex, t, OUT_WOULD_CHANGE, msg);
            return;
        }
        snprintf(msg, sizeof msg, "%s %s: %s", st->check.read.service,
                 st->check.read.operation, why);
        task_finish(ex, t, OUT_FAILED, msg);
        return;
    }
    if (t->phase == T_CHECK) {
        if (holds)
            task_finish(ex, t, OUT_UNCHANGED, NULL);
        else if (ex->opt.dry_run)
            task_finish(ex, t, OUT_WOULD_CHANGE, why);
        else
            start_mutate(ex, t);
        return;
    }
    /* T_VERIFY */
    if (holds) {
        task_finish(ex, t, t->exists ? OUT_EXISTS : OUT_CHANGED, NULL);
        return;
    }
    if (t->verify_reads < VERIFY_READS) {
        call_setup(ex, t, &st->check.read, 0, on_check);
        t->verify_reads++;
        timer_add(ex, &t->call, verify_delays_ms[t->verify_reads - 1]);
        return;
    }
    if (t->mut_error[0])
        snprintf(msg, sizeof msg, "%s %s: %s", st->call.service, st->call.operation,
                 t->mut_error);
    else if (t->exists)
        snprintf(msg, sizeof msg, "already exists but differs from the plan: %s", why);
    else
        snprintf(msg, sizeof msg, "post-condition not met after %s: %s", st->call.operation,
                 why);
    task_finish(ex, t, OUT_FAILED, msg);
}

static void start_verify(Exec *ex, Task *t)
{
    t->phase = T_VERIFY;
    t->verify_reads = 1;
    call_setup(ex, t, &ex->plan->steps[t->step].check.read, 0, on_check);
    call_start(&t->call);
}

static void on_mutate(Call *c, int ok, cJSON *result, AwsError *e)
{
    Task *t = c->owner;
    Exec *ex = c->ex;
    const PlanStep *st = &ex->plan->steps[t->step];
    char why[AWS_ERR_MAX], msg[AWS_ERR_MAX * 2];
    cJSON_Delete(result);
    if (ok) {
        start_verify(ex, t);
        return;
    }
    if (code_in(e->code, st->exists_ok, st->n_exists_ok)) {
        t->exists = 1;
        start_verify(ex, t);
        return;
    }
    describe_error(e, why, sizeof why);
    if (c->ambiguous) {
        /* an earlier attempt may have done the work before the connection
         * failed: the read-back decides, and the error stands otherwise */
        snprintf(t->mut_error, sizeof t->mut_error, "%s", why);
        start_verify(ex, t);
        return;
    }
    snprintf(msg, sizeof msg, "%s %s: %s", st->call.service, st->call.operation, why);
    task_finish(ex, t, OUT_FAILED, msg);
}

/* ------------------------------------------------------------------ */
/* Deploy runs                                                           */

/* Full path of prog found on PATH (malloc'd), or NULL. */
static char *find_program(const char *prog)
{
    const char *path = getenv("PATH");
    if (!path || !*path)
        path = "/usr/local/bin:/usr/bin:/bin";
    while (*path) {
        size_t k = strcspn(path, ":");
        size_t n = k + strlen(prog) + 2;
        char *full = malloc(n);
        if (!full)
            return NULL;
        snprintf(full, n, "%.*s/%s", (int)(k ? k : 1), k ? path : ".", prog);
        if (access(full, X_OK) == 0)
            return full;
        free(full);
        path += k;
        if (*path == ':')
            path++;
    }
    return NULL;
}

/* Variables that select or carry AWS credentials. A deploy run must act
 * with its account's session only, so none of these reach it from
 * sfdrun's environment or the step's `env` (the session is added last). */
static const char *const credential_vars[] = {
    "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION", "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_ROLE_ARN",
    "AWS_ROLE_SESSION_NAME", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_SHARED_CREDENTIALS_FILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN", "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
};

/* 1 when the NAME=VALUE string `var` sets a credential variable. */
static int is_credential_var(const char *var)
{
    size_t len = strcspn(var, "=");
    for (size_t i = 0; i < sizeof credential_vars / sizeof *credential_vars; i++)
        if (strlen(credential_vars[i]) == len && strncmp(var, credential_vars[i], len) == 0)
            return 1;
    return 0;
}

/* The environment of a deploy run. */
typedef struct RunEnv {
    char **vars;     /* NULL-terminated; strings borrowed except owned[] */
    char *owned[5];  /* the session's variables (malloc'd; secrets) */
} RunEnv;

static char *env_pair(const char *name, const char *value)
{
    size_t n = strlen(name) + strlen(value) + 2;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s=%s", name, value);
    return p;
}

static void run_env_release(RunEnv *e)
{
    for (size_t i = 0; i < sizeof e->owned / sizeof *e->owned; i++)
        if (e->owned[i]) {
            /* secrets: do not leave them in freed memory */
            memset(e->owned[i], 0, strlen(e->owned[i]));
            free(e->owned[i]);
        }
    free(e->vars);
    memset(e, 0, sizeof *e);
}

/* environ minus credential variables and the ones the step replaces, plus
 * the step's variables, plus the account session: AWS_ACCESS_KEY_ID,
 * AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, and an empty credentials file
 * so no operator profile can be picked up. 0, or -1 out of memory. */
static int run_env_build(RunEnv *e, const PlanRun *r, const AwsCreds *creds)
{
    size_t n = 0, k = 0, o = 0;
    memset(e, 0, sizeof *e);
    while (environ[n])
        n++;
    e->vars = calloc(n + r->n_env + 6, sizeof *e->vars);
    if (!e->vars)
        return -1;
    for (size_t i = 0; i < n; i++) {
        int replaced = is_credential_var(environ[i]);
        for (size_t j = 0; j < r->n_env && !replaced; j++) {
            size_t len = strcspn(r->env[j], "=") + 1;
            replaced = strncmp(environ[i], r->env[j], len) == 0;
        }
        if (!replaced)
            e->vars[k++] = environ[i];
    }
    for (size_t j = 0; j < r->n_env; j++)
        if (!is_credential_var(r->env[j]))
            e->vars[k++] = r->env[j];
    e->owned[o++] = env_pair("AWS_ACCESS_KEY_ID", creds->access_key_id);
    e->owned[o++] = env_pair("AWS_SECRET_ACCESS_KEY", creds->secret_access_key);
    e->owned[o++] = env_pair("AWS_SHARED_CREDENTIALS_FILE", "/dev/null");
    if (creds->session_token)
        e->owned[o++] = env_pair("AWS_SESSION_TOKEN", creds->session_token);
    for (size_t i = 0; i < o; i++) {
        if (!e->owned[i]) {
            run_env_release(e);
            return -1;
        }
        e->vars[k++] = e->owned[i];
    }
    return 0;
}

/* RUN_LOGS/<id with '/' as '_'><suffix>: the step's log or lock file. */
static char *run_file_path(const Exec *ex, const char *id, const char *suffix)
{
    size_t n = strlen(ex->opt.run_logs) + strlen(id) + strlen(suffix) + 2;
    char *p = malloc(n);
    if (!p)
        return NULL;
    snprintf(p, n, "%s/%s%s", ex->opt.run_logs, id, suffix);
    for (char *q = p + strlen(ex->opt.run_logs) + 1; *q; q++)
        if (*q == '/')
            *q = '_';
    return p;
}

/* Takes the step's run lock, RUN_LOGS/STEP.lock: an flock that the child
 * inherits and holds until it (and whatever keeps its descriptor) exits.
 * The journal's lock dies with sfdrun; this one outlives a killed sfdrun
 * for as long as its deploy run does, so a resumed apply never starts a
 * second run on the same state. Returns the descriptor, or -1 with msg. */
static int run_lock(const Exec *ex, const char *id, char *msg, size_t n)
{
    char *lp = run_file_path(ex, id, ".lock");
    if (!lp) {
        snprintf(msg, n, "out of memory");
        return -1;
    }
    int fd = open(lp, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0) {
        snprintf(msg, n, "%s: %s", lp, strerror(errno));
    } else if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
        char pid[24] = "";
        ssize_t k = pread(fd, pid, sizeof pid - 1, 0);
        pid[k > 0 ? k : 0] = '\0';
        pid[strcspn(pid, "\n")] = '\0';
        snprintf(msg, n, "an earlier deploy run of this step (pid %s) is still running, "
                 "probably started by an sfdrun that was killed; wait for it to finish "
                 "(or stop it) and apply again (lock %s)", *pid ? pid : "?", lp);
        close(fd);
        fd = -1;
    }
    free(lp);
    return fd;
}

/* Opens the step's log for appending (one log across attempts: never
 * truncated) and writes the attempt's header. -1 with msg. */
static int run_log_open(const Exec *ex, const PlanStep *st, char **logp, char *msg, size_t n)
{
    *logp = run_file_path(ex, st->id, ".log");
    if (!*logp) {
        snprintf(msg, n, "out of memory");
        return -1;
    }
    int fd = open(*logp, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0) {
        snprintf(msg, n, "%s: %s", *logp, strerror(errno));
        return -1;
    }
    char head[512], when[32];
    time_t now = time(NULL);
    struct tm tm;
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
    int k = snprintf(head, sizeof head, "=== sfdrun: attempt at %s: %s in %s\n", when,
                     st->run.argv[0], st->run.cwd ? st->run.cwd : ".");
    if (write(fd, head, k < (int)sizeof head ? (size_t)k : sizeof head - 1) < 0) {
        snprintf(msg, n, "%s: %s", *logp, strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

/* The forked child, up to execve: only async-signal-safe calls. */
static void run_child(pid_t parent, int logfd, int lockfd, const char *cwd, const char *prog,
                      char *const *argv, char *const *env)
{
    setpgid(0, 0);
#ifdef __linux__
    /* die with sfdrun (SIGTERM: Terraform stops cleanly and releases its
     * state lock); if sfdrun is already gone, do not start at all */
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent)
        _exit(125);
#endif
    signal(SIGPIPE, SIG_DFL); /* sfdrun ignores it; an ignored signal survives exec */
    /* a descriptor without FD_CLOEXEC keeps the run lock held by the run
     * (above 2, so the redirections below cannot close it) */
    if (fcntl(lockfd, F_DUPFD, 3) < 0)
        _exit(126);
    int nul = open("/dev/null", O_RDONLY);
    if (nul >= 0)
        dup2(nul, 0);
    dup2(logfd, 1);
    dup2(logfd, 2);
    if (chdir(cwd) < 0)
        _exit(126);
    execve(prog, argv, env);
    _exit(127);
}

static void on_run_creds(Call *c, int ok, cJSON *result, AwsError *e);

/* A deploy run first gets its account's session (renewed when past a
 * quarter of its life, so the run gets most of a session), then starts. */
static void start_run(Exec *ex, Task *t)
{
    const PlanStep *st = &ex->plan->steps[t->step];
    char msg[256];
    t->phase = T_RUN;
    if (ex->opt.dry_run) {
        snprintf(msg, sizeof msg, "would run %s in %s", st->run.argv[0],
                 st->run.cwd ? st->run.cwd : ".");
        task_finish(ex, t, OUT_WOULD_CHANGE, msg);
        return;
    }
    Call *c = &t->call;
    memset(c, 0, sizeof *c);
    c->ex = ex;
    c->account = st->account;
    c->creds_only = 1;
    c->fresh = 1;
    c->done = on_run_creds;
    c->owner = t;
    call_start(c);
}

static void spawn_run(Exec *ex, Task *t, const AwsCreds *creds)
{
    const PlanStep *st = &ex->plan->steps[t->step];
    const PlanRun *r = &st->run;
    char msg[1024], err[JOURNAL_ERR_MAX];
    char *prog = NULL, *cwd = NULL, *logp = NULL;
    RunEnv env = { 0 };
    int logfd = -1, lockfd = -1;
    prog = find_program(r->argv[0]);
    if (!prog) {
        snprintf(msg, sizeof msg, "%s: not found on PATH", r->argv[0]);
        goto fail;
    }
    size_t n = strlen(ex->plan->dir) + (r->cwd ? strlen(r->cwd) : 0) + 2;
    cwd = malloc(n);
    if (!cwd || run_env_build(&env, r, creds) < 0) {
        snprintf(msg, sizeof msg, "out of memory");
        goto fail;
    }
    snprintf(cwd, n, "%s/%s", ex->plan->dir, r->cwd ? r->cwd : ".");
    mkdir(ex->opt.run_logs, 0755);
    if ((lockfd = run_lock(ex, st->id, msg, sizeof msg)) < 0 ||
        (logfd = run_log_open(ex, st, &logp, msg, sizeof msg)) < 0)
        goto fail;
    if (ex->journal &&
        journal_append(ex->journal, st->id, JOURNAL_STARTED, NULL, NULL, err) < 0) {
        snprintf(msg, sizeof msg, "%s", err);
        goto fail;
    }
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(msg, sizeof msg, "fork: %s", strerror(errno));
        goto fail;
    }
    if (pid == 0)
        run_child(parent, logfd, lockfd, cwd, prog, (char *const *)r->argv, env.vars);
    setpgid(pid, pid);
    /* the lock file names its holder, for the message of a refused run */
    char pidtext[24];
    int k = snprintf(pidtext, sizeof pidtext, "%ld\n", (long)pid);
    if (ftruncate(lockfd, 0) < 0 || pwrite(lockfd, pidtext, (size_t)k, 0) < 0)
        log_event("warning", NULL, 0, "  %s: cannot record pid in its lock file", st->id);
    t->pid = pid;
    t->kill_at_ms = now_ms() + r->timeout_s * 1000;
    ex->n_running_runs++;
    log_event("run", (LogField[]){ { "step", st->id, 0 }, { "log", logp, 0 } }, 2,
              "  started %s: %s (output in %s)", st->id, r->argv[0], logp);
    goto out;
fail:
    task_finish(ex, t, OUT_FAILED, msg);
out:
    if (logfd >= 0)
        close(logfd);
    if (lockfd >= 0)
        close(lockfd); /* the child's copy holds the lock now */
    run_env_release(&env);
    free(prog);
    free(cwd);
    free(logp);
}

static void on_run_creds(Call *c, int ok, cJSON *result, AwsError *e)
{
    Task *t = c->owner;
    Exec *ex = c->ex;
    char msg[AWS_ERR_MAX + 64], why[AWS_ERR_MAX];
    cJSON_Delete(result);
    if (!ok) {
        describe_error(e, why, sizeof why);
        snprintf(msg, sizeof msg, "no credentials for the run: %s", why);
        task_finish(ex, t, OUT_FAILED, msg);
        return;
    }
    if (interrupted) { /* SIGINT/SIGTERM came while the session was renewed */
        task_finish(ex, t, OUT_FAILED, "not started: sfdrun was interrupted");
        return;
    }
    spawn_run(ex, t, &session_of(ex, c->account)->creds);
}

/* Collects finished children and enforces run timeouts. */
static void reap_runs(Exec *ex)
{
    if (ex->n_running_runs == 0)
        return;
    long long t = now_ms();
    for (size_t i = 0; i < ex->plan->n_steps; i++) {
        Task *k = &ex->tasks[i];
        if (k->pid <= 0)
            continue;
        int status;
        pid_t r = waitpid(k->pid, &status, WNOHANG);
        if (r == k->pid) {
            char msg[128];
            k->pid = 0;
            ex->n_running_runs--;
            if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
                task_finish(ex, k, OUT_CHANGED, NULL);
                continue;
            }
            if (WIFEXITED(status))
                snprintf(msg, sizeof msg, "%s exited with status %d%s",
                         ex->plan->steps[i].run.argv[0], WEXITSTATUS(status),
                         WEXITSTATUS(status) == 127 ? " (could not execute)" : "");
            else
                snprintf(msg, sizeof msg, "%s killed by signal %d%s",
                         ex->plan->steps[i].run.argv[0], WTERMSIG(status),
                         !k->termed ? "" : interrupted ? " (run interrupted)" : " (timeout)");
            task_finish(ex, k, OUT_FAILED, msg);
        } else if (t >= k->kill_at_ms) {
            kill(-k->pid, k->termed ? SIGKILL : SIGTERM);
            k->termed = 1;
            k->kill_at_ms = t + KILL_GRACE_S * 1000;
        }
    }
}

/* ------------------------------------------------------------------ */
/* The loop                                                              */

static void task_start(Exec *ex, size_t i)
{
    Task *t = &ex->tasks[i];
    memset(t, 0, sizeof *t);
    t->step = i;
    clock_gettime(CLOCK_MONOTONIC, &t->start);
    if (ex->plan->steps[i].kind == STEP_RUN) {
        start_run(ex, t);
        return;
    }
    t->phase = T_CHECK;
    start_read(ex, t);
}

static void log_step(Exec *ex, size_t i, StepOutcome out, const char *error, double secs,
                     long blocked_by)
{
    const PlanStep *st = &ex->plan->steps[i];
    char s[32];
    snprintf(s, sizeof s, "%.3f", secs);
    const char *by = blocked_by >= 0 ? ex->plan->steps[blocked_by].id : NULL;
    log_event("step", (LogField[]){ { "step", st->id, 0 },
                                    { "phase", plan_phase_name(st->phase), 0 },
                                    { "account", ex->plan->accounts[st->account].name, 0 },
                                    { "outcome", exec_outcome_name(out), 0 },
                                    { "seconds", out == OUT_BLOCKED ? NULL : s, 1 },
                                    { "error", error, 0 },
                                    { "blocked_by", by, 0 } }, 7,
              out == OUT_FAILED ? "FAIL %-12s %s (%ss): %s"
              : out == OUT_BLOCKED ? "skip %-12s %s: %s"
              : error ? " ok  %-12s %s (%ss): %s" : " ok  %-12s %s (%ss)%s",
              exec_outcome_name(out), st->id,
              out == OUT_BLOCKED ? (by ? by : "?") : s,
              out == OUT_BLOCKED ? "a step it depends on failed" : error ? error : "");
}

static void task_finish(Exec *ex, Task *t, StepOutcome out, const char *error)
{
    const PlanStep *st = &ex->plan->steps[t->step];
    ExecReport *rep = ex->rep;
    char err[JOURNAL_ERR_MAX];
    if (ex->journal && (out == OUT_FAILED || out == OUT_UNCHANGED || out == OUT_CHANGED ||
                        out == OUT_EXISTS)) {
        if (journal_append_nosync(ex->journal, st->id, out == OUT_FAILED ? JOURNAL_FAILED
                                                                         : JOURNAL_DONE,
                                  exec_outcome_name(out), error, err) < 0) {
            out = OUT_FAILED;
            error = err;
        }
    }
    rep->outcome[t->step] = out;
    rep->counts[out]++;
    if (error && !(rep->error[t->step] = strdup(error)))
        rep->error[t->step] = NULL;
    log_step(ex, t->step, out, out == OUT_WOULD_CHANGE || out == OUT_FAILED ? error : NULL,
             seconds_since(&t->start), -1);
    /* the scheduler hears of it in settle(), after the journal is synced */
    ex->fin[ex->n_fin++] = t->step;
}

/* Group commit: one fdatasync for every outcome of this loop turn, then
 * the scheduler may release their dependents. */
static int settle(Exec *ex, char *err)
{
    ExecReport *rep = ex->rep;
    if (ex->n_fin == 0)
        return 0;
    /* A record must be durable before anything that depends on it starts,
     * and a deploy run's before we move on (re-running one is costly).
     * Other outcomes may wait up to SYNC_EVERY_MS: losing them in a crash
     * only costs their checks again on resume. */
    int need = now_ms() - ex->last_sync_ms >= SYNC_EVERY_MS;
    for (size_t i = 0; i < ex->n_fin && !need; i++)
        need = ex->sched.n_dependents[ex->fin[i]] > 0 ||
               ex->plan->steps[ex->fin[i]].kind == STEP_RUN;
    if (need && ex->journal) {
        if (journal_sync(ex->journal, err) < 0)
            return -1;
        ex->last_sync_ms = now_ms();
    }
    for (size_t i = 0; i < ex->n_fin; i++) {
        size_t step = ex->fin[i];
        size_t nb = sched_done(&ex->sched, step, rep->outcome[step] != OUT_FAILED, ex->blocked);
        for (size_t k = 0; k < nb; k++) {
            rep->outcome[ex->blocked[k]] = OUT_BLOCKED;
            rep->counts[OUT_BLOCKED]++;
            rep->blocked_by[ex->blocked[k]] = (long)step;
            log_step(ex, ex->blocked[k], OUT_BLOCKED, NULL, 0, (long)step);
        }
    }
    ex->n_fin = 0;
    return 0;
}

Exec *exec_new(const Plan *plan, const AwsModel *model, const ExecOptions *opt, char *err)
{
    Exec *ex = calloc(1, sizeof *ex);
    if (!ex) {
        snprintf(err, AWS_ERR_MAX, "out of memory");
        return NULL;
    }
    ex->plan = plan;
    ex->model = model;
    ex->opt = *opt;
    if (!ex->opt.env)
        ex->opt.env = getenv_default;
    if (ex->opt.jobs == 0)
        ex->opt.jobs = 1;
    ex->rng = opt->seed ? opt->seed : (unsigned long long)time(NULL) * 2654435761ULL ^
                                          (unsigned long long)getpid();
    if (!ex->rng)
        ex->rng = 88172645463325252ULL;
    aws_retry_policy_default(&ex->retry);
    HttpOptions ho = { ex->opt.jobs + 2, opt->http_timeout_ms > 0 ? opt->http_timeout_ms : 30000,
                       10000, opt->verbose };
    ex->http = http_new(&ho);
    ex->sessions = calloc(plan->n_accounts ? plan->n_accounts : 1, sizeof *ex->sessions);
    ex->tasks = calloc(plan->n_steps ? plan->n_steps : 1, sizeof *ex->tasks);
    /* every call that can wait on a timer: one per task, session, and sync call */
    ex->timers = calloc(plan->n_steps + plan->n_accounts + 4, sizeof *ex->timers);
    ex->fin = calloc(plan->n_steps + 1, sizeof *ex->fin);
    ex->blocked = calloc(plan->n_steps + 1, sizeof *ex->blocked);
    if (!ex->http || !ex->sessions || !ex->tasks || !ex->timers || !ex->fin || !ex->blocked) {
        snprintf(err, AWS_ERR_MAX, "cannot set up the HTTP client (out of memory)");
        exec_free(ex);
        return NULL;
    }
    ex->base.account = BASE;
    aws_creds_init(&ex->base.creds);
    aws_creds_init(&ex->base.hop);
    for (size_t i = 0; i < plan->n_accounts; i++) {
        ex->sessions[i].account = i;
        aws_creds_init(&ex->sessions[i].creds);
    }
    aws_creds_chain_init(&ex->chain);
    ex->chain_ok = aws_creds_chain_resolve(opt->profile, ex->opt.env, &ex->chain,
                                           ex->chain_err) == 0;
    return ex;
}

void exec_free(Exec *ex)
{
    if (!ex)
        return;
    http_free(ex->http); /* no callbacks run after this */
    for (size_t i = 0; ex->sessions && i < ex->plan->n_accounts; i++) {
        aws_creds_release(&ex->sessions[i].creds);
        cJSON_Delete(ex->sessions[i].args);
        if (ex->sessions[i].call.req_live)
            aws_request_release(&ex->sessions[i].call.req);
    }
    for (size_t i = 0; ex->tasks && i < ex->plan->n_steps; i++)
        if (ex->tasks[i].call.req_live)
            aws_request_release(&ex->tasks[i].call.req);
    aws_creds_release(&ex->base.creds);
    aws_creds_release(&ex->base.hop);
    cJSON_Delete(ex->base.args);
    if (ex->base.call.req_live)
        aws_request_release(&ex->base.call.req);
    aws_creds_chain_release(&ex->chain);
    free(ex->sessions);
    free(ex->tasks);
    free(ex->timers);
    free(ex->fin);
    free(ex->blocked);
    free(ex);
}

void exec_report_release(ExecReport *rep, size_t n_steps)
{
    for (size_t i = 0; rep->error && i < n_steps; i++)
        free(rep->error[i]);
    free(rep->error);
    free(rep->outcome);
    free(rep->blocked_by);
    memset(rep, 0, sizeof *rep);
}

/* One turn of the loop: transfers, timers, children. */
static int turn(Exec *ex, long cap_ms)
{
    long wait = next_timer_ms(ex, cap_ms);
    if (ex->n_running_runs && wait > 50)
        wait = 50;
    if (http_poll(ex->http, wait) < 0)
        return -1;
    fire_timers(ex);
    reap_runs(ex);
    return 0;
}

int exec_apply(Exec *ex, const unsigned char *selected, Journal *journal, ExecReport *rep,
               char *err)
{
    const Plan *p = ex->plan;
    size_t n = p->n_steps;
    int rc = -1;
    unsigned char *init = calloc(n ? n : 1, 1);
    memset(rep, 0, sizeof *rep);
    rep->outcome = calloc(n ? n : 1, sizeof *rep->outcome);
    rep->error = calloc(n ? n : 1, sizeof *rep->error);
    rep->blocked_by = calloc(n ? n : 1, sizeof *rep->blocked_by);
    if (!init || !rep->outcome || !rep->error || !rep->blocked_by) {
        snprintf(err, AWS_ERR_MAX, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        rep->blocked_by[i] = -1;
        init[i] = selected[i] ? SCHED_INIT_RUN : SCHED_INIT_SKIP;
        const JournalEntry *e = journal ? journal_get(journal, p->steps[i].id) : NULL;
        if (selected[i] && e && e->state == JOURNAL_DONE) {
            init[i] = SCHED_INIT_DONE;
            rep->outcome[i] = OUT_DONE_EARLIER;
            rep->counts[OUT_DONE_EARLIER]++;
        }
    }
    if (sched_init(&ex->sched, p, init, ex->opt.jobs) < 0) {
        snprintf(err, AWS_ERR_MAX, "out of memory");
        goto out;
    }
    ex->journal = journal;
    ex->rep = rep;
    size_t total = 0, finished = 0;
    for (size_t i = 0; i < n; i++)
        total += init[i] == SCHED_INIT_RUN;
    while (!sched_finished(&ex->sched)) {
        long i;
        while (!interrupted && (i = sched_next(&ex->sched)) >= 0)
            task_start(ex, (size_t)i);
        if (interrupted && ex->sched.running == 0)
            break;
        if (sched_finished(&ex->sched))
            break;
        if (turn(ex, ex->n_fin ? 0 : 1000) < 0) {
            snprintf(err, AWS_ERR_MAX, "libcurl multi interface failed");
            goto out;
        }
        if (settle(ex, err) < 0)
            goto out;
        if (interrupted)
            for (size_t k = 0; k < n; k++)
                if (ex->tasks[k].pid > 0 && !ex->tasks[k].termed) {
                    kill(-ex->tasks[k].pid, SIGTERM);
                    ex->tasks[k].termed = 1;
                }
        finished = 0;
        for (size_t k = 0; k < OUT_COUNT; k++)
            if (k != OUT_NONE && k != OUT_DONE_EARLIER)
                finished += rep->counts[k];
        log_progress(finished, total, ex->sched.running);
    }
    log_progress_clear();
    if (journal && journal_sync(journal, err) < 0)
        goto out;
    rep->interrupted = interrupted != 0;
    rep->http_requests = http_count(ex->http);
    rep->mutating_calls = ex->mutating;
    rc = 0;
out:
    sched_release(&ex->sched);
    ex->journal = NULL;
    ex->rep = NULL;
    free(init);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Synchronous calls (sfdrun scale)                                      */

/* Where a synchronous call's outcome lands. */
typedef struct SyncWait {
    int done;         /* the call finished */
    int ok;           /* it succeeded */
    cJSON *result;    /* its result */
    AwsError error;   /* its error */
} SyncWait;

static void on_sync(Call *c, int ok, cJSON *result, AwsError *e)
{
    SyncWait *w = c->owner;
    w->done = 1;
    w->ok = ok;
    w->result = result;
    if (!ok) {
        w->error.http_status = e->http_status;
        w->error.code = e->code ? strdup(e->code) : NULL;
        w->error.message = e->message ? strdup(e->message) : NULL;
    }
}

int exec_call(Exec *ex, size_t account, const char *region, const char *service,
              const char *op, const cJSON *args, cJSON **result, AwsError *error, char *err)
{
    SyncWait w;
    Call c;
    memset(&w, 0, sizeof w);
    aws_error_init(&w.error);
    memset(&c, 0, sizeof c);
    c.ex = ex;
    c.account = account;
    c.region = region;
    c.service = service;
    c.op = op;
    c.args = args;
    c.mutating = strncmp(op, "Describe", 8) != 0 && strncmp(op, "List", 4) != 0 &&
                 strncmp(op, "Get", 3) != 0;
    c.done = on_sync;
    c.owner = &w;
    call_start(&c);
    while (!w.done)
        if (turn(ex, 1000) < 0) {
            snprintf(err, AWS_ERR_MAX, "libcurl multi interface failed");
            return -1;
        }
    if (c.req_live)
        aws_request_release(&c.req);
    *result = w.result;
    *error = w.error;
    return w.ok ? 0 : 1;
}
