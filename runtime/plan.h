/* plan.h — the runtime plan (format sfdc-plan, version 1; runtime/PLAN.md)
 * read into memory and validated: every member checked, unknown members
 * refused, `after` edges resolved to indexes and checked for cycles, and
 * `{"$json": V}` in call arguments expanded. Errors name the JSON path
 * (`steps[3].check.expect[0].path: ...`). */
#ifndef SFDRUN_PLAN_H
#define SFDRUN_PLAN_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "strmap.h"

/* Size of the err buffers of this module. */
#define PLAN_ERR_MAX 512

/* Size limits of a plan (runtime/PLAN.md, "Limits"), each refused with an
 * error that names it. They bound memory, not recursion: every walk of the
 * step graph and of the document is iterative. */
#define PLAN_MAX_BYTES    (1024L * 1024 * 1024) /* the plan file */
#define PLAN_MAX_STEPS    2000000               /* steps */
#define PLAN_MAX_ACCOUNTS 1000000               /* accounts, and services */
#define PLAN_MAX_AFTER    100000                /* `after` entries of one step */
#define PLAN_MAX_STRING   (256 * 1024)          /* bytes of a string or member name */
#define PLAN_MAX_DEPTH    64                    /* nesting of arrays and objects */

typedef enum PlanPhase {
    PHASE_BOOTSTRAP, /* state buckets and lock tables */
    PHASE_HANDSHAKE, /* cross-account roles and policies */
    PHASE_DEPLOY,    /* terragrunt / terraform runs */
    PHASE_OPERATE,   /* scaling and schedules */
    PHASE_COUNT
} PlanPhase;

typedef enum ExpectKind {
    EXPECT_EQUALS, /* value at path equals `value` */
    EXPECT_JSON,   /* string at path is a JSON document equal to `value` */
    EXPECT_EXISTS, /* path present (exists = 1) or absent (exists = 0) */
} ExpectKind;

/* One expectation of a check. */
typedef struct PlanExpect {
    const char *path;    /* path into the read's result (borrowed from the tree) */
    ExpectKind kind;     /* what to compare */
    const cJSON *value;  /* expected value for EQUALS/JSON (borrowed) */
    int exists;          /* for EXISTS: 1 present, 0 absent */
} PlanExpect;

/* An AWS API call. */
typedef struct PlanCall {
    const char *service;   /* botocore service name (borrowed) */
    const char *operation; /* API operation name (borrowed) */
    cJSON *args;           /* arguments with $json expanded (owned; an empty
                              object when the plan gave none) */
} PlanCall;

/* The post-condition of a call step. */
typedef struct PlanCheck {
    PlanCall read;         /* the read operation */
    PlanExpect *expect;    /* expectations, all must hold */
    size_t n_expect;       /* number of expectations */
    const char **missing;  /* read error codes meaning "not there yet" */
    size_t n_missing;      /* number of codes */
    const char **gone;     /* read error codes meaning "gone": the check holds
                              (the post-condition of a delete) */
    size_t n_gone;         /* number of codes */
} PlanCheck;

/* A program run (deploy). */
typedef struct PlanRun {
    const char **argv;  /* NULL-terminated; argv[0] is terragrunt or terraform */
    size_t argc;        /* number of arguments (without the NULL) */
    const char *cwd;    /* relative to the plan's directory, or NULL */
    char **env;         /* "NAME=VALUE" strings (owned), NULL-terminated */
    size_t n_env;       /* number of env entries */
    long timeout_s;     /* seconds before the run is killed */
} PlanRun;

typedef enum StepKind {
    STEP_CALL, /* call + check */
    STEP_RUN,  /* run */
} StepKind;

/* One step of the plan. */
typedef struct PlanStep {
    const char *id;        /* stable id (borrowed) */
    PlanPhase phase;       /* its phase */
    size_t account;        /* index into Plan.accounts */
    const char *region;    /* its region (the plan's when not given) */
    const char *title;     /* human title or NULL */
    size_t *after;         /* indexes of the steps it waits for (owned) */
    size_t n_after;        /* number of them */
    StepKind kind;         /* call or run */
    PlanCall call;         /* STEP_CALL: the mutation */
    PlanCheck check;       /* STEP_CALL: the post-condition */
    const char **exists_ok;/* STEP_CALL: call errors that mean "already there" */
    size_t n_exists_ok;    /* number of codes */
    PlanRun run;           /* STEP_RUN */
} PlanStep;

/* An account of the plan. */
typedef struct PlanAccount {
    const char *name;         /* plan name, e.g. "la-camden" (borrowed) */
    const char *id;           /* 12-digit account id */
    const char *role_arn;     /* role to assume, or NULL for base credentials */
    const char *external_id;  /* ExternalId or NULL */
    const char *session_name; /* RoleSessionName or NULL (default sfdrun-NAME) */
    int duration_s;           /* DurationSeconds or 0 */
} PlanAccount;

/* A service `sfdrun scale` may address. */
typedef struct PlanService {
    const char *path;     /* "ACCOUNT/SERVICE" */
    size_t account;       /* index into Plan.accounts */
    const char *region;   /* region */
    const char *cluster;  /* ECS cluster name */
    const char *service;  /* ECS service name */
    int scalable_target;  /* 1 when an App Auto Scaling target is registered */
} PlanService;

/* A loaded plan. All borrowed strings point into `root`. */
typedef struct Plan {
    cJSON *root;             /* the parsed document (owned) */
    char sha256[65];         /* hex SHA-256 of the plan file's bytes */
    char *dir;               /* directory of the plan file (owned) */
    const char *source_hash; /* "sha256:..." of the sources */
    const char *platform;    /* platform name */
    const char *environment; /* environment or NULL */
    const char *generator;   /* generator or NULL */
    const char *region;      /* default region */
    PlanAccount *accounts;   /* accounts (owned array) */
    size_t n_accounts;       /* number of accounts */
    PlanService *services;   /* services (owned array) */
    size_t n_services;       /* number of services */
    PlanStep *steps;         /* steps in file order (owned array) */
    size_t n_steps;          /* number of steps */
    StrMap step_index;       /* step id -> position in steps */
    StrMap account_index;    /* account name -> position in accounts */
    StrMap service_index;    /* service path -> position in services */
} Plan;

/* Which run steps a plan may hold: APPLY for every plan read from a file;
 * DESTROY only for the plan runtime/destroy.c derives, whose runs destroy
 * instead of apply. */
typedef enum PlanMode {
    PLAN_MODE_APPLY,
    PLAN_MODE_DESTROY,
} PlanMode;

/* Reads and validates the plan file at path. On failure returns -1 and err
 * (PLAN_ERR_MAX bytes) says `path: json.path: problem`; *out is then empty
 * and need not be released (releasing it is harmless). */
int plan_load(const char *path, Plan *out, char *err);
/* Same from memory; dir is the directory run steps' cwd is relative to. */
int plan_parse(const char *text, size_t len, const char *dir, Plan *out, char *err);
/* Same in the given mode. */
int plan_parse_mode(const char *text, size_t len, const char *dir, PlanMode mode, Plan *out,
                    char *err);
/* Frees everything the plan owns. */
void plan_release(Plan *p);

/* Index of the step with that id, or -1. */
long plan_find_step(const Plan *p, const char *id);
/* Index of the account with that name, or -1. */
long plan_find_account(const Plan *p, const char *name);
/* Index of the service with that path, or -1. */
long plan_find_service(const Plan *p, const char *path);
/* "bootstrap", ...; and back (-1 when unknown). */
const char *plan_phase_name(PlanPhase ph);
int plan_phase_parse(const char *s);
/* Checks the syntax of an expectation path; 0 ok, -1 with a reason in err. */
int plan_path_check(const char *path, char *err, size_t n);

#endif
