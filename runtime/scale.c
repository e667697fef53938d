/* scale.c — hand scaling of ECS services with a restorable record (see
 * scale.h). Sequential on purpose: each call depends on the one before. */
#include "scale.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "banned.h"

/* Name of the ECS tag that records the state --to replaced. */
#define RESTORE_TAG "sfdrun:restore"
#define DIMENSION "ecs:service:DesiredCount"

/* The service as found. */
typedef struct Current {
    char arn[512];     /* serviceArn */
    long desired;      /* desiredCount */
    int has_target;    /* a scalable target is registered */
    long min, max;     /* its capacities */
    char record[128];  /* value of the restore tag, "" when absent */
} Current;

/* One call; prints the AWS error and returns -1 on failure. */
static int call(Exec *ex, const PlanService *s, const char *service, const char *op,
                cJSON *args, cJSON **result)
{
    AwsError e;
    char err[AWS_ERR_MAX];
    cJSON *r = NULL;
    int rc = exec_call(ex, s->account, s->region, service, op, args, &r, &e, err);
    cJSON_Delete(args);
    if (rc == 0) {
        if (result)
            *result = r;
        else
            cJSON_Delete(r);
        return 0;
    }
    if (rc > 0) {
        log_event("error", (LogField[]){ { "operation", op, 0 }, { "code", e.code, 0 },
                                         { "message", e.message, 0 } }, 3,
                  "error: %s %s: %s: %s", service, op, e.code ? e.code : "?",
                  e.message ? e.message : "");
        aws_error_release(&e);
    } else {
        log_event("error", (LogField[]){ { "message", err, 0 } }, 1, "error: %s", err);
    }
    return -1;
}

static long num(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsNumber(v) ? (long)v->valuedouble : -1;
}

static void resource_id(const PlanService *s, char *buf, size_t n)
{
    snprintf(buf, n, "service/%s/%s", s->cluster, s->service);
}

static int read_current(Exec *ex, const PlanService *s, Current *cur)
{
    cJSON *r = NULL, *a = cJSON_CreateObject();
    const cJSON *svc, *arn;
    char rid[600];
    memset(cur, 0, sizeof *cur);
    cJSON_AddStringToObject(a, "cluster", s->cluster);
    cJSON_AddItemToObject(a, "services", cJSON_CreateStringArray(&s->service, 1));
    if (call(ex, s, "ecs", "DescribeServices", a, &r) < 0)
        return -1;
    svc = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(r, "services"), 0);
    arn = cJSON_GetObjectItemCaseSensitive(svc, "serviceArn");
    if (!cJSON_IsString(arn)) {
        log_event("error", NULL, 0, "error: service %s not found in cluster %s", s->service,
                  s->cluster);
        cJSON_Delete(r);
        return -1;
    }
    snprintf(cur->arn, sizeof cur->arn, "%s", arn->valuestring);
    cur->desired = num(svc, "desiredCount");
    cJSON_Delete(r);
    if (s->scalable_target) {
        resource_id(s, rid, sizeof rid);
        const char *ids[] = { rid };
        a = cJSON_CreateObject();
        cJSON_AddStringToObject(a, "ServiceNamespace", "ecs");
        cJSON_AddItemToObject(a, "ResourceIds", cJSON_CreateStringArray(ids, 1));
        cJSON_AddStringToObject(a, "ScalableDimension", DIMENSION);
        if (call(ex, s, "application-autoscaling", "DescribeScalableTargets", a, &r) < 0)
            return -1;
        const cJSON *t =
            cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(r, "ScalableTargets"), 0);
        if (t) {
            cur->has_target = 1;
            cur->min = num(t, "MinCapacity");
            cur->max = num(t, "MaxCapacity");
        }
        cJSON_Delete(r);
    }
    a = cJSON_CreateObject();
    cJSON_AddStringToObject(a, "resourceArn", cur->arn);
    if (call(ex, s, "ecs", "ListTagsForResource", a, &r) < 0)
        return -1;
    const cJSON *tag;
    cJSON_ArrayForEach(tag, cJSON_GetObjectItemCaseSensitive(r, "tags")) {
        const cJSON *k = cJSON_GetObjectItemCaseSensitive(tag, "key");
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(tag, "value");
        if (cJSON_IsString(k) && cJSON_IsString(v) && strcmp(k->valuestring, RESTORE_TAG) == 0)
            snprintf(cur->record, sizeof cur->record, "%s", v->valuestring);
    }
    cJSON_Delete(r);
    return 0;
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
    cJSON *tags = cJSON_AddArrayToObject(a, "tags");
    cJSON *t = cJSON_CreateObject();
    cJSON_AddStringToObject(t, "key", RESTORE_TAG);
    cJSON_AddStringToObject(t, "value", value);
    cJSON_AddItemToArray(tags, t);
    cJSON_AddStringToObject(a, "resourceArn", arn);
    return call(ex, s, "ecs", "TagResource", a, NULL);
}

static int untag(Exec *ex, const PlanService *s, const char *arn)
{
    const char *keys[] = { RESTORE_TAG };
    cJSON *a = cJSON_CreateObject();
    cJSON_AddStringToObject(a, "resourceArn", arn);
    cJSON_AddItemToObject(a, "tagKeys", cJSON_CreateStringArray(keys, 1));
    return call(ex, s, "ecs", "UntagResource", a, NULL);
}

/* Parses "desired=D[,min=M,max=X]". */
static int parse_record(const char *r, long *desired, long *min, long *max)
{
    *min = *max = -1;
    if (sscanf(r, "desired=%ld,min=%ld,max=%ld", desired, min, max) == 3)
        return 0;
    return sscanf(r, "desired=%ld", desired) == 1 && *desired >= 0 ? 0 : -1;
}

static int scale_to(Exec *ex, const PlanService *s, const Current *cur, long n, int dry)
{
    char rec[128];
    int target_ok = !cur->has_target || (cur->min == n && cur->max == n);
    if (cur->desired == n && target_ok) {
        log_event("scale", (LogField[]){ { "service", s->path, 0 } }, 1,
                  "%s: already at %ld; nothing to do", s->path, n);
        return 0;
    }
    if (cur->has_target)
        snprintf(rec, sizeof rec, "desired=%ld,min=%ld,max=%ld", cur->desired, cur->min,
                 cur->max);
    else
        snprintf(rec, sizeof rec, "desired=%ld", cur->desired);
    log_event("scale", (LogField[]){ { "service", s->path, 0 }, { "record", rec, 0 } }, 2,
              "%s: desired %ld -> %ld%s%s", s->path, cur->desired, n,
              cur->record[0] ? "" : "; recording ", cur->record[0] ? "" : rec);
    if (dry)
        return 0;
    /* record first: if we die after scaling, --restore still knows */
    if (!cur->record[0] && tag(ex, s, cur->arn, rec) < 0)
        return -1;
    if (cur->has_target && set_target(ex, s, n, n) < 0)
        return -1;
    return set_desired(ex, s, n);
}

static int restore(Exec *ex, const PlanService *s, const Current *cur, int dry)
{
    long d, min, max;
    if (!cur->record[0]) {
        log_event("error", NULL, 0, "error: %s: nothing recorded to restore (no %s tag)",
                  s->path, RESTORE_TAG);
        return -1;
    }
    if (parse_record(cur->record, &d, &min, &max) < 0) {
        log_event("error", NULL, 0, "error: %s: unreadable %s tag \"%s\"", s->path,
                  RESTORE_TAG, cur->record);
        return -1;
    }
    log_event("scale", (LogField[]){ { "service", s->path, 0 }, { "record", cur->record, 0 } },
              2, "%s: restoring %s (desired now %ld)", s->path, cur->record, cur->desired);
    if (dry)
        return 0;
    if (cur->has_target && min >= 0 && set_target(ex, s, min, max) < 0)
        return -1;
    if (set_desired(ex, s, d) < 0)
        return -1;
    return untag(ex, s, cur->arn);
}

int scale_run(Exec *ex, const Plan *plan, const ScaleRequest *req)
{
    const PlanService *s = &plan->services[req->service];
    Current cur;
    if (read_current(ex, s, &cur) < 0)
        return 1;
    int rc = req->to >= 0 ? scale_to(ex, s, &cur, req->to, req->dry_run)
                          : restore(ex, s, &cur, req->dry_run);
    return rc < 0 ? 1 : 0;
}
