// fuzz: compiler
/* fuzz_rules.c — the schedule parser and the AWS name rules on arbitrary
 * bytes (schedule strings and names come from .sfd sources). A parsed
 * schedule must stay within one week and yield its actions; every error or
 * rule message must point inside the input. Zone names reach the tz
 * database only after the name check, so no path leaves it. */
#include <stddef.h>
#include <stdint.h>

#include "awslimits.h"
#include "schedule.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static Schedule s;
    static SchedAction act[2 * SCHED_MAX_IVS];
    const char *text = (const char *)data;
    SchedError e;
    RuleMsg m;
    if (sched_parse(text, size, &s, &e)) {
        sched_check_closes(&s, &e);
        if (sched_actions(&s, act, 2 * SCHED_MAX_IVS) < 0 || sched_weekly_minutes(&s) > SCHED_WEEK)
            __builtin_trap();
    } else if (e.off + e.len > size) {
        __builtin_trap();
    }
    awslim_s3_bucket_name(text, size, &m);
    if (m.len && m.off + m.len > size)
        __builtin_trap();
    awslim_ecr_repo_name(text, size, &m);
    if (m.len && m.off + m.len > size)
        __builtin_trap();
    awslim_iam_role_name(text, size, &m);
    awslim_account_id(text, size, &m);
    return 0;
}
