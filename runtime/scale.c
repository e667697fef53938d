/* scale.c — hand scaling of ECS services with a restorable record (see
 * scale.h). The record lives on the service itself, as the ECS tag
 * `sfdrun:restore`, so it survives the machine that wrote it and is visible
 * to anyone with the console (runtime/README.md explains the choice).
 * Sequential on purpose: each call depends on the one before, and the
 * order (record, scalable target, desired count, unrecord) is what makes an
 * interrupted run safe to repeat. */
#include "scale.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "banned.h"

/* The scalable dimension of an ECS service's desired count. */
#define DIMENSION "ecs:service:DesiredCount"
/* Largest count a record may carry (ECS's own service limit is far below). */
#define COUNT_MAX 100000000L

/* The service as found. */
typedef struct Current {
    char arn[512];      /* serviceArn (what tags attach to) */
    ScaleState state;   /* desired count and scalable target */
    int has_record;     /* the restore tag is present */
    char record[260];   /* its value (tag values are at most 256 bytes) */
} Current;

/* ---- pure part: records and decisions ---- */

int scale_record_format(const ScaleState *s, char *buf, size_t n)
{
    int w = s->has_target
                ? snprintf(buf, n, "desired=%ld min=%ld max=%ld", s->desired, s->min, s->max)
                : snprintf(buf, n, "desired=%ld", s->desired);
    return w < 0 || (size_t)w >= n ? -1 : 0;
}

/* Reads `prefix` then 1-9 decimal digits at *p; advances *p. */
static int take(const char **p, const char *prefix, long *v)
{
    size_t k = strlen(prefix), d = 0;
    long x = 0;
    if (strncmp(*p, prefix, k) != 0)
        return -1;
    const char *s = *p + k;
    while (s[d] >= '0' && s[d] <= '9' && d < 10)
        x = x * 10 + (s[d++] - '0');
    if (d == 0 || d > 9 || (d > 1 && s[0] == '0') || x > COUNT_MAX)
        return -1;
    *v = x;
    *p = s + d;
    return 0;
}

int scale_record_parse(const char *text, ScaleState *out)
{
    ScaleState s = { 0, 0, 0, 0 };
    const char *p = text;
    if (!p || take(&p, "desired=", &s.desired) < 0)
        return -1;
    if (*p) {
        if (take(&p, " min=", &s.min) < 0 || take(&p, " max=", &s.max) < 0 || *p ||
            s.min > s.max)
            return -1;
        s.has_target = 1;
    }
    *out = s;
    return 0;
}

int scale_actions_empty(const ScaleActions *act)
{
    return !act->tag && !act->set_target && !act->set_desired && !act->untag;
}

void scale_decide_to(const ScaleState *cur, const char *record, long n, ScaleActions *act)
{
    memset(act, 0, sizeof *act);
    int target_ok = !cur->has_target || (cur->min == n && cur->max == n);
    if (cur->desired == n && target_ok)
        return;
    /* record before changing anything: a run killed after the scaling
     * still leaves --restore what it needs; an older record is the truth */
    if (!record) {
        act->tag = 1;
        if (scale_record_format(cur, act->record, sizeof act->record) < 0)
            act->record[0] = '\0'; /* cannot happen: numbers are bounded */
    }
    /* min/max first, so ECS never holds a count outside [min, max] */
    if (!target_ok) {
        act->set_target = 1;
        act->min = act->max = n;
    }
    if (cur->desired != n) {
        act->set_desired = 1;
        act->desired = n;
    }
}

int scale_decide_restore(const ScaleState *cur, const char *record, ScaleActions *act)
{
    ScaleState r;
    memset(act, 0, sizeof *act);
    if (!record)
        return 0;
    if (scale_record_parse(record, &r) < 0)
        return -1;
    if (r.has_target && cur->has_target && (cur->min != r.min || cur->max != r.max)) {
        act->set_target = 1;
        act->min = r.min;
        act->max = r.max;
    }
    if (cur->desired != r.desired) {
        act->set_desired = 1;
        act->desired = r.desired;
    }
    act->untag = 1; /* last: until then a rerun can finish the job */
    return 0;
}

/* ---- AWS part ---- */

/* One call in the service's account; logs the AWS error and returns -1 on
 * failure. Takes ownership of args. */
static int call(Exec *ex, const PlanService *s, const char *service, const char *op,
                cJSON *args, cJSON **result)
{
    AwsError e;
    char err[AWS_ERR_MAX];
    cJSON *r = NULL;
    int rc = args ? exec_call(ex, s->account, s->region, service, op, args, &r, &e, err) : -1;
    if (!args)
        snprintf(err, sizeof err, "out of memory");
    cJSON_Delete(args);
    if (rc == 0) {
        if (result)
            *result = r;
        else
            cJSON_Delete(r);
        return 0;
    }
    if (rc > 0) {
        log_event("error", (LogField[]){ { "service", s->path, 0 }, { "operation", op, 0 },
                                         { "code", e.code, 0 }, { "message", e.message, 0 } },
                  4, "error: %s: %s %s: %s: %s", s->path, service, op, e.code ? e.code : "?",
                  e.message ? e.message : "");
        aws_error_release(&e);
    } else {
        log_event("error", (LogField[]){ { "service", s->path, 0 }, { "message", err, 0 } }, 2,
                  "error: %s: %s", s->path, err);
    }
    return -1;
}

static long num(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsNumber(v) && v->valuedouble >= 0 ? (long)v->valuedouble : -1;
}

static void resource_id(const PlanService *s, char *buf, size_t n)
{
    snprintf(buf, n, "service/%s/%s", s->cluster, s->service);
}

static void not_found(const Plan *p, const PlanService *s, const char *why)
{
    log_event("error", (LogField[]){ { "service", s->path, 0 }, { "reason", why, 0 } }, 2,
              "error: %s: ECS service `%s` not found in cluster `%s` (account %s %s, %s): %s",
              s->path, s->service, s->cluster, p->accounts[s->account].name,
              p->accounts[s->account].id, s->region, why);
}

/* DescribeServices: the ARN and desired count of an ACTIVE service. */
static int read_service(Exec *ex, const Plan *p, const PlanService *s, Current *cur)
{
    cJSON *r = NULL, *a = cJSON_CreateObject();
    const cJSON *svc, *fail, *arn, *status;
    int rc = -1;
    cJSON_AddStringToObject(a, "cluster", s->cluster);
    cJSON_AddItemToObject(a, "services", cJSON_CreateStringArray(&s->service, 1));
    if (call(ex, s, "ecs", "DescribeServices", a, &r) < 0)
        return -1;
    svc = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(r, "services"), 0);
    fail = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(r, "failures"), 0);
    arn = cJSON_GetObjectItemCaseSensitive(svc, "serviceArn");
    status = cJSON_GetObjectItemCaseSensitive(svc, "status");
    if (!cJSON_IsString(arn)) {
        const cJSON *why = cJSON_GetObjectItemCaseSensitive(fail, "reason");
        not_found(p, s, cJSON_IsString(why) ? why->valuestring : "no such service");
        goto out;
    }
    /* a deleted service stays visible for a while as INACTIVE */
    if (cJSON_IsString(status) && strcmp(status->valuestring, "INACTIVE") == 0) {
        not_found(p, s, "the service is INACTIVE (deleted)");
        goto out;
    }
    if ((cur->state.desired = num(svc, "desiredCount")) < 0) {
        log_event("error", NULL, 0, "error: %s: DescribeServices gave no desiredCount", s->path);
        goto out;
    }
    snprintf(cur->arn, sizeof cur->arn, "%s", arn->valuestring);
    rc = 0;
out:
    cJSON_Delete(r);
    return rc;
}

/* DescribeScalableTargets for the service's desired count. */
static int read_target(Exec *ex, const PlanService *s, Current *cur)
{
    char rid[600];
    cJSON *r = NULL, *a = cJSON_CreateObject();
    resource_id(s, rid, sizeof rid);
    const char *ids[] = { rid };
    cJSON_AddStringToObject(a, "ServiceNamespace", "ecs");
    cJSON_AddItemToObject(a, "ResourceIds", cJSON_CreateStringArray(ids, 1));
    cJSON_AddStringToObject(a, "ScalableDimension", DIMENSION);
    if (call(ex, s, "application-autoscaling", "DescribeScalableTargets", a, &r) < 0)
        return -1;
    const cJSON *t = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(r, "ScalableTargets"), 0);
    if (t) {
        cur->state.has_target = 1;
        cur->state.min = num(t, "MinCapacity");
        cur->state.max = num(t, "MaxCapacity");
    }
    cJSON_Delete(r);
    if (t && (cur->state.min < 0 || cur->state.max < 0)) {
        log_event("error", NULL, 0, "error: %s: scalable target without MinCapacity/MaxCapacity",
                  s->path);
        return -1;
    }
    if (!t)
        log_event("note", (LogField[]){ { "service", s->path, 0 } }, 1,
                  "note: %s: the plan says it has a scalable target, but none is registered "
                  "for %s; scaling the desired count only", s->path, rid);
    return 0;
}

/* ListTagsForResource: the restore record, if any. */
static int read_record(Exec *ex, const PlanService *s, Current *cur)
{
    cJSON *r = NULL, *a = cJSON_CreateObject();
    const cJSON *tag;
    cJSON_AddStringToObject(a, "resourceArn", cur->arn);
    if (call(ex, s, "ecs", "ListTagsForResource", a, &r) < 0)
        return -1;
    cJSON_ArrayForEach(tag, cJSON_GetObjectItemCaseSensitive(r, "tags")) {
        const cJSON *k = cJSON_GetObjectItemCaseSensitive(tag, "key");
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(tag, "value");
        if (cJSON_IsString(k) && cJSON_IsString(v) &&
            strcmp(k->valuestring, SCALE_RESTORE_TAG) == 0) {
            cur->has_record = 1;
            snprintf(cur->record, sizeof cur->record, "%s", v->valuestring);
        }
    }
    cJSON_Delete(r);
    return 0;
}

static int read_current(Exec *ex, const Plan *p, const PlanService *s, Current *cur)
{
    memset(cur, 0, sizeof *cur);
    if (read_service(ex, p, s, cur) < 0)
        return -1;
    if (s->scalable_target && read_target(ex, s, cur) < 0)
        return -1;
    return read_record(ex, s, cur);
}

static int set_target(Exec *ex, const PlanService *s, long min, long max)
{
    char rid[600];
    resource_id(s, rid, sizeof rid);
    cJSON *a = cJSON_CreateObject();
    cJSON_AddStringToObject(a, "ServiceNamespace", "ecs");
    cJSON_AddStringToObject(a, "ResourceId", rid);
    cJSON_AddStringToObject(a, "ScalableDimension", DIMENSION);
    cJSON_AddNumberToObject(a, "MinCapacity", (double)min);
    cJSON_AddNumberToObject(a, "MaxCapacity", (double)max);
    return call(ex, s, "application-autoscaling", "RegisterScalableTarget", a, NULL);
}

static int set_desired(Exec *ex, const PlanService *s, long n)
{
    cJSON *a = cJSON_CreateObject();
    cJSON_AddStringToObject(a, "cluster", s->cluster);
    cJSON_AddStringToObject(a, "service", s->service);
    cJSON_AddNumberToObject(a, "desiredCount", (double)n);
    return call(ex, s, "ecs", "UpdateService", a, NULL);
}

static int tag(Exec *ex, const PlanService *s, const char *arn, const char *value)
{
    cJSON *a = cJSON_CreateObject();
    cJSON *t = cJSON_CreateObject();
    cJSON_AddStringToObject(t, "key", SCALE_RESTORE_TAG);
    cJSON_AddStringToObject(t, "value", value);
    cJSON_AddStringToObject(a, "resourceArn", arn);
    cJSON_AddItemToArray(cJSON_AddArrayToObject(a, "tags"), t);
    return call(ex, s, "ecs", "TagResource", a, NULL);
}

static int untag(Exec *ex, const PlanService *s, const char *arn)
{
    const char *keys[] = { SCALE_RESTORE_TAG };
    cJSON *a = cJSON_CreateObject();
    cJSON_AddStringToObject(a, "resourceArn", arn);
    cJSON_AddItemToObject(a, "tagKeys", cJSON_CreateStringArray(keys, 1));
    return call(ex, s, "ecs", "UntagResource", a, NULL);
}

/* Makes the calls in act's order; stops at the first failure: -2 when
 * nothing was changed (the record could not be written), else -1. */
static int apply_actions(Exec *ex, const PlanService *s, const Current *cur,
                         const ScaleActions *act)
{
    if (act->tag && tag(ex, s, cur->arn, act->record) < 0)
        return -2;
    if (act->set_target && set_target(ex, s, act->min, act->max) < 0)
        return -1;
    if (act->set_desired && set_desired(ex, s, act->desired) < 0)
        return -1;
    if (act->untag && untag(ex, s, cur->arn) < 0)
        return -1;
    return 0;
}

/* One line for people saying what changes (or would), and the JSON event. */
static void report(const PlanService *s, const Current *cur, const ScaleActions *act,
                   int restoring, int dry)
{
    char desired[64] = "", target[80] = "", rec[sizeof ((Current *)0)->record + 64] = "";
    char from[24], to[24];
    const char *outcome = dry ? "would-change" : "changed";
    snprintf(from, sizeof from, "%ld", cur->state.desired);
    snprintf(to, sizeof to, "%ld", act->set_desired ? act->desired : cur->state.desired);
    if (act->set_desired)
        snprintf(desired, sizeof desired, "desired %ld -> %ld", cur->state.desired,
                 act->desired);
    else
        snprintf(desired, sizeof desired, "desired stays %ld", cur->state.desired);
    if (act->set_target)
        snprintf(target, sizeof target, ", scalable target %ld..%ld -> %ld..%ld",
                 cur->state.min, cur->state.max, act->min, act->max);
    if (act->tag)
        snprintf(rec, sizeof rec, "; recording \"%s\" in tag %s", act->record,
                 SCALE_RESTORE_TAG);
    else if (restoring)
        snprintf(rec, sizeof rec, "; restoring \"%s\", then removing tag %s", cur->record,
                 SCALE_RESTORE_TAG);
    log_event("scale", (LogField[]){ { "service", s->path, 0 }, { "outcome", outcome, 0 },
                                     { "desired_from", from, 1 }, { "desired_to", to, 1 },
                                     { "record", act->tag ? act->record : NULL, 0 },
                                     { "restored", restoring ? cur->record : NULL, 0 } },
              6, "%s: %s%s%s%s%s", s->path, dry ? "would change: " : "", desired, target, rec,
              dry ? " (dry run: no change made)" : "");
}

static void report_nothing(const PlanService *s, const Current *cur, int restoring)
{
    char d[24];
    snprintf(d, sizeof d, "%ld", cur->state.desired);
    LogField f[] = { { "service", s->path, 0 }, { "outcome", "unchanged", 0 },
                     { "desired_from", d, 1 }, { "desired_to", d, 1 } };
    if (restoring)
        log_event("scale", f, 4, "%s: nothing recorded to restore (no %s tag); desired stays %ld",
                  s->path, SCALE_RESTORE_TAG, cur->state.desired);
    else
        log_event("scale", f, 4, "%s: already at %ld%s; nothing to do", s->path,
                  cur->state.desired,
                  cur->state.has_target ? " (scalable target pinned there)" : "");
}

int scale_run(Exec *ex, const Plan *plan, const ScaleRequest *req)
{
    const PlanService *s = &plan->services[req->service];
    const int restoring = req->to < 0;
    Current cur;
    ScaleActions act;
    if (read_current(ex, plan, s, &cur) < 0)
        return 1;
    const char *record = cur.has_record ? cur.record : NULL;
    if (!restoring) {
        scale_decide_to(&cur.state, record, req->to, &act);
    } else if (scale_decide_restore(&cur.state, record, &act) < 0) {
        log_event("error", (LogField[]){ { "service", s->path, 0 } }, 1,
                  "error: %s: unreadable %s tag \"%s\" (expected \"desired=D\" or "
                  "\"desired=D min=M max=X\"); nothing changed", s->path, SCALE_RESTORE_TAG,
                  cur.record);
        return 1;
    }
    if (scale_actions_empty(&act)) {
        report_nothing(s, &cur, restoring);
        return 0;
    }
    report(s, &cur, &act, restoring, req->dry_run);
    if (req->dry_run)
        return 0;
    int rc = apply_actions(ex, s, &cur, &act);
    if (rc == -1)
        log_event("error", (LogField[]){ { "service", s->path, 0 } }, 1,
                  "error: %s: stopped part way; the %s tag is kept, so running the same "
                  "command again finishes the job", s->path, SCALE_RESTORE_TAG);
    return rc < 0 ? 1 : 0;
}
