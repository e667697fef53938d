/* names.h — the AWS names sfdc gives to what it creates.
 *
 * One place derives every name that a checker rule validates and an
 * emitter writes, so the name E0502/E0508 checked is the name Terraform
 * gets. The derivations (SPEC.md, "Checks"):
 *
 *   bucket         its `name` if set, else "<platform>-<account>-<bucket>"
 *   state bucket   the platform's `state { bucket }`, evaluated per account
 *   ECR repository the block's label
 *   task role      "<platform>-<account>-<service>-task"
 *   execution role "<platform>-<account>-<service>-exec"
 *   instance role  "<platform>-<account>-<cluster>-instance" (compute = ec2)
 *
 * Derived names replace `_` with `-` (S3 forbids `_`; IAM allows it, but
 * one rule for all keeps names predictable); explicit names are kept as
 * written. Functions write into a caller's buffer and return the length the
 * full name has (like snprintf), so a caller can tell truncation. */
#ifndef SFDC_NAMES_H
#define SFDC_NAMES_H

#include <stdbool.h>
#include <stddef.h>

#include "model.h"

typedef enum NamesRole {
    NAMES_ROLE_TASK,        /* the task role: what the containers may do */
    NAMES_ROLE_EXEC,        /* the execution role: pull images, read secrets */
    NAMES_ROLE_INSTANCE,    /* the EC2 instance role of a cluster's Auto Scaling group */
} NamesRole;

/* The platform's name ("sfdata"), or "platform" when there is none. */
const char *names_platform(const Model *m);

/* The final name of a bucket object. *explicit_name tells whether it was
 * written in the `name` field (may be NULL). */
size_t names_bucket(const Model *m, const Object *bucket, char *buf, size_t cap,
                    bool *explicit_name);

/* The state bucket of an account (platform `state { bucket }`); 0 and ""
 * when there is no state block or its value is not a string. */
size_t names_state_bucket(const Model *m, const Object *account, char *buf, size_t cap);

/* The repository name of an ecr object. */
size_t names_ecr(const Model *m, const Object *ecr, char *buf, size_t cap);

/* An IAM role name for a service (TASK, EXEC) or a cluster (INSTANCE). */
size_t names_role(const Model *m, const Object *owner, NamesRole kind, char *buf, size_t cap);

#endif
