/* awslimits.c — AWS's own limits as pure predicates (see awslimits.h). The
 * sources are AWS's documentation pages named beside each rule; SPEC.md
 * repeats them in its code index. */
#include "awslimits.h"

#include <ctype.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "distance.h"
#include "banned.h"

/* An empty answer. Not a memset of the 650-byte RuleMsg: the passes ask
 * about every name of every account, and a message is read only up to its
 * first NUL. */
static void msg_clear(RuleMsg *m)
{
    m->level = RULE_OK;
    m->off = m->len = 0;
    m->msg[0] = m->help[0] = '\0';
}

static bool reject(RuleMsg *m, size_t off, size_t len, const char *help, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Fills m as an error and returns false, so rules can `return reject(...)`. */
static bool reject(RuleMsg *m, size_t off, size_t len, const char *help, const char *fmt, ...)
{
    msg_clear(m);
    m->level = RULE_ERROR;
    m->off = off;
    m->len = len;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m->msg, sizeof m->msg, fmt, ap);
    va_end(ap);
    if (help)
        snprintf(m->help, sizeof m->help, "%s", help);
    return false;
}

static bool is_lower_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* ---- Fargate ----------------------------------------------------------------
 * ECS Developer Guide, "Task CPU and memory" / task-cpu-memory-error: each
 * CPU size has memory from lo to hi in steps (256 CPU lists 512, 1024, 2048). */

static const struct FargateRow {
    int cpu;    /* CPU units */
    int lo;     /* smallest memory, MiB */
    int hi;     /* largest memory, MiB */
    int step;   /* memory step, MiB */
} FARGATE[] = {
    {256, 512, 2048, 0},    /* 512, 1024, 2048: step 0 marks the doubling list */
    {512, 1024, 4096, 1024},
    {1024, 2048, 8192, 1024},
    {2048, 4096, 16384, 1024},
    {4096, 8192, 30720, 1024},
    {8192, 16384, 61440, 4096},
    {16384, 32768, 122880, 8192},
};
enum { NFARGATE = sizeof FARGATE / sizeof FARGATE[0] };

static bool row_has(const struct FargateRow *r, int mem)
{
    if (mem < r->lo || mem > r->hi)
        return false;
    if (r->step == 0)
        return mem == 512 || mem == 1024 || mem == 2048;
    return (mem - r->lo) % r->step == 0;
}

/* The smallest memory of row r that is >= mem, or 0. */
static int row_ceil(const struct FargateRow *r, double mem)
{
    if (mem > r->hi)
        return 0;
    if (mem <= r->lo)
        return r->lo;
    if (r->step == 0)
        return mem <= 1024 ? 1024 : 2048;
    return r->lo + (int)ceil((mem - r->lo) / r->step) * r->step;
}

/* "0.25 vcpu" */
static void fmt_cpu(double units, char *buf, size_t cap)
{
    snprintf(buf, cap, "%g vcpu", units / 1024.0);
}

/* "512 MiB" or "4 GiB" */
static void fmt_mem(double mib, char *buf, size_t cap)
{
    if (mib >= 1024 && fmod(mib, 1024) == 0)
        snprintf(buf, cap, "%g GiB", mib / 1024);
    else
        snprintf(buf, cap, "%g MiB", mib);
}

/* "512 MiB, 1 GiB or 2 GiB" / "4 GiB to 16 GiB in 1 GiB steps" */
static void fmt_row(const struct FargateRow *r, char *buf, size_t cap)
{
    char lo[24], hi[24], st[24];
    fmt_mem(r->lo, lo, sizeof lo);
    fmt_mem(r->hi, hi, sizeof hi);
    if (r->step == 0) {
        snprintf(buf, cap, "%s, 1 GiB or %s", lo, hi);
        return;
    }
    fmt_mem(r->step, st, sizeof st);
    snprintf(buf, cap, "%s to %s in %s steps", lo, hi, st);
}

bool awslim_fargate_fit(double cpu_units, double memory_mib, int *cpu_out, int *mem_out)
{
    for (int k = 0; k < NFARGATE; k++) {
        if (FARGATE[k].cpu < cpu_units)
            continue;
        int mem = row_ceil(&FARGATE[k], memory_mib);
        if (mem) {
            *cpu_out = FARGATE[k].cpu;
            *mem_out = mem;
            return true;
        }
    }
    return false;
}

bool awslim_fargate_pair(double cpu_units, double memory_mib, RuleMsg *m)
{
    char cpu[32], mem[32], fit_cpu[32], fit_mem[32], sizes[96], help[384];
    const struct FargateRow *row = NULL;
    msg_clear(m);
    for (int k = 0; k < NFARGATE; k++)
        if (cpu_units == FARGATE[k].cpu)
            row = &FARGATE[k];
    if (row && memory_mib == floor(memory_mib) && row_has(row, (int)memory_mib))
        return true;
    fmt_cpu(cpu_units, cpu, sizeof cpu);
    fmt_mem(memory_mib, mem, sizeof mem);
    int fc, fm;
    bool fits = awslim_fargate_fit(cpu_units, memory_mib, &fc, &fm);
    if (fits) {
        fmt_cpu(fc, fit_cpu, sizeof fit_cpu);
        fmt_mem(fm, fit_mem, sizeof fit_mem);
    }
    if (!row) {
        if (fits)
            snprintf(help, sizeof help,
                     "Fargate CPU sizes are 0.25, 0.5, 1, 2, 4, 8 and 16 vcpu; the smallest task "
                     "that holds this one is `cpu = %s` with `memory = %s`", fit_cpu, fit_mem);
        else
            snprintf(help, sizeof help, "the largest Fargate task is 16 vcpu with 120 GiB");
        return reject(m, 0, 0, help, "Fargate has no task size with %s", cpu);
    }
    fmt_row(row, sizes, sizeof sizes);
    if (fits)
        snprintf(help, sizeof help,
                 "with %s, memory is %s; the smallest task with %s is `cpu = %s` with `memory = %s`",
                 cpu, sizes, mem, fit_cpu, fit_mem);
    else
        snprintf(help, sizeof help, "with %s, memory is %s; the largest Fargate task is 16 vcpu "
                 "with 120 GiB", cpu, sizes);
    return reject(m, 0, 0, help, "Fargate has no task size with %s and %s", cpu, mem);
}

/* ---- S3 bucket names -----------------------------------------------------------
 * S3 User Guide, "General purpose bucket naming rules". */

static bool has_prefix(const char *s, size_t len, const char *p)
{
    size_t n = strlen(p);
    return len >= n && memcmp(s, p, n) == 0;
}

static bool has_suffix(const char *s, size_t len, const char *p)
{
    size_t n = strlen(p);
    return len >= n && memcmp(s + len - n, p, n) == 0;
}

/* Four dot-separated runs of 1..3 digits: "formatted as an IP address". */
static bool looks_like_ip(const char *s, size_t len)
{
    int parts = 0;
    size_t digits = 0;
    for (size_t k = 0; k <= len; k++) {
        if (k == len || s[k] == '.') {
            if (digits == 0 || digits > 3)
                return false;
            parts++;
            digits = 0;
        } else if (s[k] >= '0' && s[k] <= '9') {
            digits++;
        } else {
            return false;
        }
    }
    return parts == 4;
}

/* The length of the prefix of s[0, len) whose bytes ok allows (len: all).
 * Every bucket and role name comes here and nearly all pass: eight
 * lookups are ANDed with no branch between them, and only a block with a
 * refused byte is scanned again to find it. */
static size_t allowed_prefix(const bool *ok, const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t k = 0;
    for (; k + 8 <= len; k += 8)
        if (!(ok[u[k]] & ok[u[k + 1]] & ok[u[k + 2]] & ok[u[k + 3]] & ok[u[k + 4]] & ok[u[k + 5]] &
              ok[u[k + 6]] & ok[u[k + 7]]))
            break;
    while (k < len && ok[u[k]])
        k++;
    return k;
}

/* The name lowercased with `_` and other strays turned into `-`: offered as
 * the fix when the name's only fault is its characters. */
static void s3_fixed(const char *s, size_t len, char *out, size_t cap)
{
    size_t k;
    for (k = 0; k < len && k + 1 < cap; k++) {
        char c = (char)tolower((unsigned char)s[k]);
        out[k] = is_lower_alnum(c) || c == '.' || c == '-' ? c : '-';
    }
    out[k] = '\0';
}

/* [a-z0-9.-], a byte each: one lookup a character (every bucket of every
 * account of every environment comes here). */
static const bool *s3_allowed(void)
{
    static bool table[256];
    static bool built;
    if (!built) {
        for (int ch = 0; ch < 256; ch++)
            table[ch] = is_lower_alnum((char)ch) || ch == '.' || ch == '-';
        built = true;
    }
    return table;
}

static bool s3_chars(const char *s, size_t len, RuleMsg *m)
{
    size_t k = allowed_prefix(s3_allowed(), s, len);
    if (k < len) {
        char c = s[k];
        char fixed[80], help[160];
        s3_fixed(s, len, fixed, sizeof fixed);
        snprintf(help, sizeof help, "write `%s`", fixed);
        if (c >= 'A' && c <= 'Z')
            return reject(m, k, 1, help, "bucket names are lowercase: `%c` is uppercase", c);
        if ((unsigned char)c < 0x20 || (unsigned char)c >= 0x7F)
            return reject(m, k, 1, "bucket names use lowercase letters, digits, `-` and `.`",
                          "bucket names cannot contain byte 0x%02X", (unsigned char)c);
        return reject(m, k, 1, help, "`%c` is not allowed in bucket names", c);
    }
    return true;
}

bool awslim_s3_bucket_name(const char *s, size_t len, RuleMsg *m)
{
    static const char *const prefixes[] = {"xn--", "sthree-", "amzn-s3-demo-"};
    static const struct { const char *suffix, *what; } suffixes[] = {
        {"-s3alias", "access point aliases"},
        {"--ol-s3", "Object Lambda access point aliases"},
        {".mrap", "Multi-Region Access Points"},
        {"--x-s3", "directory buckets"},
        {"--table-s3", "table buckets"},
    };
    msg_clear(m);
    if (len < 3)
        return reject(m, 0, 0, "S3 bucket names are 3 to 63 characters long",
                      "bucket name `%.*s` is too short", (int)len, s);
    if (len > 63)
        return reject(m, 63, len - 63,
                      "S3 bucket names are 3 to 63 characters long; shorten a fixed part of the name",
                      "bucket name is %zu characters long, 63 at most", len);
    if (!s3_chars(s, len, m))
        return false;
    if (!is_lower_alnum(s[0]))
        return reject(m, 0, 1, "start the name with a letter or digit",
                      "bucket names start with a letter or digit, not `%c`", s[0]);
    if (!is_lower_alnum(s[len - 1]))
        return reject(m, len - 1, 1, "end the name with a letter or digit",
                      "bucket names end with a letter or digit, not `%c`", s[len - 1]);
    const char *dd = memchr(s, '.', len);
    for (; dd && dd + 1 < s + len; dd = memchr(dd + 1, '.', (size_t)(s + len - dd - 1)))
        if (dd[1] == '.')
            return reject(m, (size_t)(dd - s), 2, "remove one of the dots",
                          "bucket names cannot contain `..`");
    /* every bucket of every account comes here: a test that cannot match
       (an IP has dots, every reserved prefix and suffix its first or last
       letter) is skipped */
    const char *dot = memchr(s, '.', len);
    if (dot && looks_like_ip(s, len))
        return reject(m, 0, 0, "add letters: S3 reserves names that look like IP addresses",
                      "bucket name `%.*s` is formatted as an IP address", (int)len, s);
    bool pre = s[0] == 'x' || s[0] == 's' || s[0] == 'a';    /* not strchr: a call a name */
    for (size_t k = 0; pre && k < sizeof prefixes / sizeof prefixes[0]; k++)
        if (has_prefix(s, len, prefixes[k]))
            return reject(m, 0, strlen(prefixes[k]), "S3 reserves this prefix; start the name differently",
                          "bucket names cannot start with `%s`", prefixes[k]);
    char last = s[len - 1];
    bool suf = last == 's' || last == '3' || last == 'p';
    for (size_t k = 0; suf && k < sizeof suffixes / sizeof suffixes[0]; k++) {
        if (has_suffix(s, len, suffixes[k].suffix)) {
            char help[160];
            snprintf(help, sizeof help, "S3 reserves this suffix for %s; end the name differently",
                     suffixes[k].what);
            size_t n = strlen(suffixes[k].suffix);
            return reject(m, len - n, n, help, "bucket names cannot end with `%s`", suffixes[k].suffix);
        }
    }
    if (dot) {
        m->level = RULE_WARN;
        m->off = (size_t)(dot - s);
        m->len = 1;
        snprintf(m->msg, sizeof m->msg, "bucket name `%.*s` contains dots", (int)len, s);
        snprintf(m->help, sizeof m->help,
                 "HTTPS to `NAME.s3.amazonaws.com` fails the certificate check when NAME has dots, "
                 "and Transfer Acceleration refuses such buckets; prefer `-`");
    }
    return true;
}

/* ---- ECR repository names ---------------------------------------------------------
 * ECR API Reference, CreateRepository: repositoryName, 2..256, and
 * botocore's model (stdlib/aws/constraints.json):
 * [a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(\/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*
 * so parts are joined by `.`, `_`, `__` or any run of `-`. */

/* Whether separator c may extend the run run[0..n) (`__`, `--...`). */
static bool ecr_sep_extends(const char *run, size_t n, char c)
{
    if (c == '-')
        return run[n - 1] == '-';
    return c == '_' && n == 1 && run[0] == '_';
}

bool awslim_ecr_repo_name(const char *s, size_t len, RuleMsg *m)
{
    static const char *const shape =
        "repository names are lowercase letters and digits, in parts joined by `.`, `_`, `__` "
        "or dashes, with `/` between path segments, e.g. `team/dagster-app`";
    msg_clear(m);
    if (len < 2)
        return reject(m, 0, 0, "ECR repository names are 2 to 256 characters long",
                      "repository name `%.*s` is too short", (int)len, s);
    if (len > 256)
        return reject(m, 256, len - 256, "ECR repository names are 2 to 256 characters long",
                      "repository name is %zu characters long, 256 at most", len);
    /* prev: what came before this byte: 'a' alnum, 's' separator, '/' slash or start. */
    char prev = '/';
    size_t run = 0;     /* where the current separator run starts */
    for (size_t k = 0; k < len; k++) {
        char c = s[k];
        if (is_lower_alnum(c)) {
            prev = 'a';
        } else if (c == '.' || c == '_' || c == '-') {
            if (prev == 's' && ecr_sep_extends(s + run, k - run, c))
                continue;
            if (prev == 's')
                return reject(m, run, k - run + 1, shape, "repository names cannot join parts with `%.*s`",
                              (int)(k - run + 1), s + run);
            if (prev != 'a')
                return reject(m, k, 1, shape, "`%c` cannot start a repository name or path segment", c);
            prev = 's';
            run = k;
        } else if (c == '/') {
            if (prev != 'a')
                return reject(m, k, 1, shape, prev == '/' ? "empty path segment in repository name"
                                                          : "path segment ends with a separator before `/`");
            prev = '/';
        } else if (c >= 'A' && c <= 'Z') {
            return reject(m, k, 1, shape, "repository names are lowercase: `%c` is uppercase", c);
        } else if ((unsigned char)c < 0x20 || (unsigned char)c >= 0x7F) {
            return reject(m, k, 1, shape, "repository names cannot contain byte 0x%02X", (unsigned char)c);
        } else {
            return reject(m, k, 1, shape, "`%c` is not allowed in repository names", c);
        }
    }
    if (prev != 'a')
        return reject(m, len - 1, 1, shape, "repository name cannot end with `%c`", s[len - 1]);
    return true;
}

/* ---- IAM -------------------------------------------------------------------------
 * IAM User Guide, "IAM and AWS STS quotas": role names 64, policy names 128
 * characters; both of [\w+=,.@-]. */

/* [\w+=,.@-] in the C locale, a byte each: one table lookup a character
 * (every role name of every service comes here). */
static const bool *iam_chars(void)
{
    static bool table[256];
    static bool built;
    if (!built) {
        for (int ch = 0; ch < 256; ch++)
            table[ch] = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
                        (ch && strchr("_+=,.@-", ch));
        built = true;
    }
    return table;
}

static bool iam_name(const char *what, size_t max, const char *s, size_t len, RuleMsg *m)
{
    char help[192];
    msg_clear(m);
    if (len == 0)
        return reject(m, 0, 0, NULL, "empty IAM %s name", what);
    size_t k = allowed_prefix(iam_chars(), s, len);
    if (k < len) {
        char c = s[k];
        return reject(m, k, 1, "IAM names use letters, digits and `_+=,.@-`",
                      "`%c` is not allowed in an IAM %s name", (unsigned char)c >= 0x20 && (unsigned char)c < 0x7F ? c : '?', what);
    }
    if (len > max) {
        snprintf(help, sizeof help,
                 "IAM %s names are at most %zu characters; this one is %zu: shorten a fixed part "
                 "or the account name it includes", what, max, len);
        return reject(m, max, len - max, help, "IAM %s name is %zu characters too long", what, len - max);
    }
    return true;
}

bool awslim_iam_role_name(const char *s, size_t len, RuleMsg *m)
{
    return iam_name("role", 64, s, len, m);
}

bool awslim_iam_policy_name(const char *s, size_t len, RuleMsg *m)
{
    return iam_name("policy", 128, s, len, m);
}

/* ---- account ids ---------------------------------------------------------------- */

bool awslim_account_id(const char *s, size_t len, RuleMsg *m)
{
    msg_clear(m);
    size_t digits = 0;
    for (size_t k = 0; k < len; k++) {
        if (s[k] < '0' || s[k] > '9')
            return reject(m, k, 1, "an AWS account id is 12 digits, e.g. `\"111111111111\"`",
                          "account id `%.*s` contains `%c`, not a digit", (int)len, s,
                          (unsigned char)s[k] >= 0x20 && (unsigned char)s[k] < 0x7F ? s[k] : '?');
        digits++;
    }
    if (digits != 12)
        return reject(m, 0, 0,
                      digits < 12 ? "an AWS account id is exactly 12 digits; keep leading zeros "
                                    "by writing it as a string"
                                  : "an AWS account id is exactly 12 digits",
                      "account id `%.*s` has %zu digits, not 12", (int)len, s, digits);
    return true;
}

/* ---- databases -----------------------------------------------------------------------
 * Aurora User Guide, "Aurora Serverless v2 capacity" and "Scaling to zero
 * ACUs with automatic pause and resume"; RDS API Reference,
 * ServerlessV2ScalingConfiguration. */

AwslimEngine awslim_engine_family(const char *name)
{
    if (strncmp(name, "aurora-", 7) == 0)
        name += 7;
    if (strncmp(name, "postgres", 8) == 0)
        return AWSLIM_ENGINE_POSTGRES;
    if (strncmp(name, "mysql", 5) == 0)
        return AWSLIM_ENGINE_MYSQL;
    return AWSLIM_ENGINE_UNKNOWN;
}

int awslim_engine_default_port(AwslimEngine e)
{
    return e == AWSLIM_ENGINE_POSTGRES ? 5432 : e == AWSLIM_ENGINE_MYSQL ? 3306 : 0;
}

static const char *engine_name(AwslimEngine e)
{
    return e == AWSLIM_ENGINE_POSTGRES ? "PostgreSQL" : e == AWSLIM_ENGINE_MYSQL ? "MySQL" : "the engine";
}

/* x is a whole number of half ACUs. */
static bool half_step(double x)
{
    return x * 2 == floor(x * 2);
}

bool awslim_aurora_capacity(double lo, double hi, RuleMsg *m)
{
    char help[160];
    msg_clear(m);
    if (lo < 0 || hi < 0)
        return reject(m, 0, 0, "Aurora Serverless v2 capacity runs from 0 to 256 ACU",
                      "capacity cannot be negative");
    if (hi > 256)
        return reject(m, 0, 0, "Aurora Serverless v2 capacity runs from 0 to 256 ACU (128 on older versions)",
                      "capacity %g ACU is above the 256 ACU maximum", hi);
    if (!half_step(lo) || !half_step(hi)) {
        double bad = half_step(lo) ? hi : lo;
        /* the nearest step, as the whole range: an editor's quick fix writes it */
        double nlo = half_step(lo) ? lo : round(lo * 2) / 2, nhi = half_step(hi) ? hi : round(hi * 2) / 2;
        snprintf(help, sizeof help, "ACU come in 0.5 steps: write `%g..%g acu` (the nearest step; "
                 "%g and %g are the steps around %g)", nlo, nhi, floor(bad * 2) / 2, ceil(bad * 2) / 2, bad);
        return reject(m, 0, 0, help, "capacity %g ACU is not a multiple of 0.5", bad);
    }
    if (lo > hi) {
        snprintf(help, sizeof help, "write `%g..%g acu`", hi, lo);
        return reject(m, 0, 0, help, "minimum capacity %g ACU is above the maximum %g ACU", lo, hi);
    }
    if (hi < 1)
        return reject(m, 0, 0, "the maximum must be at least 1 ACU, e.g. `0..1 acu`",
                      "maximum capacity %g ACU is below 1 ACU", hi);
    return true;
}

/* Numbers of a dotted version ("16.4" -> 16, 4, 0); returns how many. */
static int version_parts(const char *v, long out[3])
{
    int n = 0;
    out[0] = out[1] = out[2] = 0;
    while (*v && n < 3) {
        if (!isdigit((unsigned char)*v))
            return -1;
        char *end;
        out[n++] = strtol(v, &end, 10);
        v = end;
        if (*v == '.')
            v++;
        else if (*v)
            return -1;
    }
    return *v ? -1 : n;
}

bool awslim_aurora_version_pauses(AwslimEngine e, const char *version)
{
    long p[3];
    if (e == AWSLIM_ENGINE_POSTGRES) {
        static const long first[][2] = {{13, 15}, {14, 12}, {15, 7}, {16, 3}};
        if (version_parts(version, p) < 1)
            return false;
        if (p[0] >= 17)
            return true;
        for (size_t k = 0; k < sizeof first / sizeof first[0]; k++)
            if (p[0] == first[k][0])
                return p[1] >= first[k][1];
        return false;
    }
    if (e == AWSLIM_ENGINE_MYSQL) {
        const char *tag = strstr(version, "mysql_aurora.");
        if (tag)
            version = tag + strlen("mysql_aurora.");
        if (version_parts(version, p) < 2)
            return false;
        return p[0] > 3 || (p[0] == 3 && p[1] >= 8);
    }
    return false;
}

/* Aurora User Guide, "How Aurora Serverless v2 works", Aurora Serverless v2
 * capacity (https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/
 * aurora-serverless-v2.how-it-works.html#aurora-serverless-v2.how-it-works.capacity)
 * and RDS API Reference, ServerlessV2FeaturesSupport ("the maximum capacity
 * ... might be 256 or 128" by engine version): 256 ACU from aurora-postgresql
 * 13.15, 14.12, 15.7, 16.3 (the versions that also pause at 0 ACU) and
 * aurora-mysql 3.06.0; 128 ACU below them. */
double awslim_aurora_max_acu(AwslimEngine e, const char *version)
{
    long p[3];
    if (e == AWSLIM_ENGINE_MYSQL) {
        const char *tag = strstr(version, "mysql_aurora.");
        if (version_parts(tag ? tag + strlen("mysql_aurora.") : version, p) < 2)
            return 128;
        return p[0] > 3 || (p[0] == 3 && p[1] >= 6) ? 256 : 128;
    }
    return e == AWSLIM_ENGINE_POSTGRES && awslim_aurora_version_pauses(e, version) ? 256 : 128;
}

bool awslim_aurora_ceiling(AwslimEngine e, const char *version, double max_acu, RuleMsg *m)
{
    char help[256];
    msg_clear(m);
    double ceiling = awslim_aurora_max_acu(e, version);
    if (e == AWSLIM_ENGINE_UNKNOWN || max_acu <= ceiling)
        return true;
    snprintf(help, sizeof help, "%s; or keep the maximum at %g ACU",
             e == AWSLIM_ENGINE_MYSQL ? "256 ACU needs aurora-mysql 3.06.0 or later"
                                    : "256 ACU needs aurora-postgresql 13.15, 14.12, 15.7, 16.3 or later",
             ceiling);
    return reject(m, 0, 0, help, "%s version `%s` scales to at most %g ACU, not %g", engine_name(e),
                  version, ceiling, max_acu);
}

/* Aurora User Guide, "Supported Regions and Aurora DB engines for Aurora
 * Serverless v2": aurora-postgresql 13.6, 14.3, 15.2, 16.1 and later. */
bool awslim_engine_version(const char *engine, const char *version, bool serverless_v2, RuleMsg *m)
{
    static const long first_v2[][2] = {{13, 6}, {14, 3}, {15, 2}, {16, 1}};
    char help[256];
    long p[3];
    msg_clear(m);
    if (strncmp(engine, "postgres", 8) != 0 || !isdigit((unsigned char)engine[8]))
        return true;
    long major = strtol(engine + 8, NULL, 10);
    int n = version_parts(version, p);
    if (n != 2) {
        snprintf(help, sizeof help, "write the PostgreSQL version as MAJOR.MINOR, e.g. `%ld.4`", major);
        return reject(m, 0, 0, help, "`%s` is not a PostgreSQL version", version);
    }
    if (p[0] != major) {
        snprintf(help, sizeof help, "write a %ld.x version, or `engine = postgres%ld`", major, p[0]);
        return reject(m, 0, 0, help, "version `%s` is PostgreSQL %ld, but the engine is `%s`", version,
                      p[0], engine);
    }
    for (size_t k = 0; serverless_v2 && k < sizeof first_v2 / sizeof first_v2[0]; k++)
        if (p[0] == first_v2[k][0] && p[1] < first_v2[k][1]) {
            snprintf(help, sizeof help, "Aurora Serverless v2 needs aurora-postgresql %ld.%ld or "
                     "later: write `version = \"%ld.%ld\"` or newer", first_v2[k][0], first_v2[k][1],
                     first_v2[k][0], first_v2[k][1]);
            return reject(m, 0, 0, help, "aurora-postgresql `%s` has no Serverless v2", version);
        }
    return true;
}

bool awslim_aurora_auto_pause(AwslimEngine e, const char *version, double lo, double pause_s, RuleMsg *m)
{
    char help[256];
    msg_clear(m);
    if (pause_s >= 0 && lo != 0) {
        snprintf(help, sizeof help, "write `capacity = 0..N acu` to let the database pause, or "
                 "drop `auto_pause`");
        return reject(m, 0, 0, help, "auto-pause needs a minimum capacity of 0 ACU, not %g", lo);
    }
    if (pause_s >= 0 && (pause_s < 300 || pause_s > 86400))
        return reject(m, 0, 0, "the auto-pause delay is 5m to 24h (300 to 86400 seconds)",
                      "auto-pause after %g s is outside 5m..24h", pause_s);
    if (lo == 0 && !awslim_aurora_version_pauses(e, version)) {
        snprintf(help, sizeof help, "%s",
                 e == AWSLIM_ENGINE_MYSQL
                     ? "0 ACU needs aurora-mysql 3.08.0 or later; upgrade, or start capacity at 0.5"
                     : "0 ACU needs aurora-postgresql 13.15, 14.12, 15.7, 16.3 or later; upgrade, or "
                       "start capacity at 0.5");
        return reject(m, 0, 0, help, "%s version `%s` cannot pause at 0 ACU", engine_name(e), version);
    }
    return true;
}

bool awslim_engine_port(AwslimEngine e, long port, RuleMsg *m)
{
    char help[160];
    msg_clear(m);
    int want = awslim_engine_default_port(e);
    AwslimEngine other = e == AWSLIM_ENGINE_POSTGRES ? AWSLIM_ENGINE_MYSQL : AWSLIM_ENGINE_POSTGRES;
    if (want && port == awslim_engine_default_port(other)) {
        snprintf(help, sizeof help, "%s listens on %d: write `port = %d`", engine_name(e), want, want);
        return reject(m, 0, 0, help, "port %ld is %s's port, but the engine is %s", port,
                      engine_name(other), engine_name(e));
    }
    if (port < 1150 || port > 65535) {
        snprintf(help, sizeof help, "RDS ports are 1150 to 65535; %s's usual port is %d",
                 engine_name(e), want ? want : 5432);
        return reject(m, 0, 0, help, "port %ld is outside 1150..65535", port);
    }
    return true;
}

/* ---- EC2 instance types for ECS ----------------------------------------------------- */

static int set_err(char *err, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int set_err(char *err, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, cap, fmt, ap);
    va_end(ap);
    return -1;
}

/* One {"name", "vcpu", "memory_mib", "arch"} object into *x. */
static int ec2_entry(const cJSON *o, AwslimEc2Type *x, size_t k, char *err, size_t cap)
{
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(o, "name");
    const cJSON *vcpu = cJSON_GetObjectItemCaseSensitive(o, "vcpu");
    const cJSON *mem = cJSON_GetObjectItemCaseSensitive(o, "memory_mib");
    const cJSON *arch = cJSON_GetObjectItemCaseSensitive(o, "arch");
    if (!cJSON_IsString(name) || strlen(name->valuestring) >= sizeof x->name ||
        !cJSON_IsNumber(vcpu) || vcpu->valuedouble < 1 || vcpu->valuedouble > 1024 ||
        !cJSON_IsNumber(mem) || mem->valuedouble < 1 || mem->valuedouble > INT_MAX ||
        !cJSON_IsString(arch) ||
        (strcmp(arch->valuestring, "x86_64") != 0 && strcmp(arch->valuestring, "arm64") != 0))
        return set_err(err, cap, "types[%zu]: needs name, vcpu, memory_mib and arch (x86_64 or arm64)", k);
    snprintf(x->name, sizeof x->name, "%s", name->valuestring);
    x->vcpu = vcpu->valueint;
    x->memory_mib = mem->valueint;
    x->arm64 = strcmp(arch->valuestring, "arm64") == 0;
    return 0;
}

int awslim_ec2_parse(AwslimEc2Table *t, const char *json, size_t len, char *err, size_t cap)
{
    int rc = -1;
    t->types = NULL;
    t->n = 0;
    cJSON *root = cJSON_ParseWithLength(json, len);
    if (!root)
        return set_err(err, cap, "not valid JSON");
    const cJSON *types = cJSON_GetObjectItemCaseSensitive(root, "types");
    int n = cJSON_GetArraySize(types);
    if (!cJSON_IsArray(types) || n == 0) {
        set_err(err, cap, "no \"types\" array");
        goto out;
    }
    t->types = calloc((size_t)n, sizeof *t->types);
    if (!t->types) {
        set_err(err, cap, "out of memory");
        goto out;
    }
    const cJSON *o;
    cJSON_ArrayForEach(o, types) {
        if (ec2_entry(o, &t->types[t->n], t->n, err, cap) != 0)
            goto out;
        t->n++;
    }
    rc = 0;
out:
    cJSON_Delete(root);
    if (rc != 0)
        awslim_ec2_release(t);
    return rc;
}

int awslim_ec2_load(AwslimEc2Table *t, const char *path, char *err, size_t cap)
{
    t->types = NULL;
    t->n = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return set_err(err, cap, "%s: cannot open", path);
    char *buf = NULL;
    int rc = -1;
    if (fseek(f, 0, SEEK_END) != 0)
        goto out;
    long size = ftell(f);
    if (size < 0 || size > (1L << 24) || fseek(f, 0, SEEK_SET) != 0)
        goto out;
    buf = malloc((size_t)size + 1);
    if (!buf || fread(buf, 1, (size_t)size, f) != (size_t)size)
        goto out;
    buf[size] = '\0';
    rc = awslim_ec2_parse(t, buf, (size_t)size, err, cap);
    if (rc != 0) {
        char why[128];
        snprintf(why, sizeof why, "%s", err);
        set_err(err, cap, "%s: %s", path, why);
    }
out:
    if (rc != 0 && !err[0])
        set_err(err, cap, "%s: cannot read", path);
    free(buf);
    fclose(f);
    return rc;
}

void awslim_ec2_release(AwslimEc2Table *t)
{
    free(t->types);
    t->types = NULL;
    t->n = 0;
}

const AwslimEc2Type *awslim_ec2_find(const AwslimEc2Table *t, const char *name, size_t len)
{
    for (size_t k = 0; k < t->n; k++)
        if (strlen(t->types[k].name) == len && memcmp(t->types[k].name, name, len) == 0)
            return &t->types[k];
    return NULL;
}

/* "nano, micro, small" : the sizes of a family ("t3."), in file order. */
static void family_sizes(const AwslimEc2Table *t, const char *fam, size_t flen, char *buf, size_t cap)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t k = 0; k < t->n && used < cap; k++) {
        if (strncmp(t->types[k].name, fam, flen) != 0 || t->types[k].name[flen] != '.')
            continue;
        int w = snprintf(buf + used, cap - used, "%s%s", used ? ", " : "", t->types[k].name + flen + 1);
        if (w < 0)
            return;
        used += (size_t)w;
    }
}

bool awslim_ec2_known(const AwslimEc2Table *t, const char *name, size_t len, RuleMsg *m)
{
    char help[384], sizes[256];
    msg_clear(m);
    if (awslim_ec2_find(t, name, len))
        return true;
    const AwslimEc2Type *best = NULL;
    size_t best_d = 3;
    for (size_t k = 0; k < t->n; k++) {
        size_t d = (size_t)text_distance(name, len, t->types[k].name, strlen(t->types[k].name), false);
        if (d < best_d) {
            best_d = d;
            best = &t->types[k];
        }
    }
    const char *dot = memchr(name, '.', len);
    size_t flen = dot ? (size_t)(dot - name) : len;
    family_sizes(t, name, flen, sizes, sizeof sizes);
    /* A size that exists in other families ("t3.4xlarge") is no typo: list
     * the family's sizes beside the nearest name. */
    bool real_size = false;
    for (size_t k = 0; dot && k < t->n && !real_size; k++) {
        const char *d = strchr(t->types[k].name, '.');
        real_size = d && strlen(d) == len - flen && memcmp(d, dot, len - flen) == 0;
    }
    if (best && sizes[0] && real_size)
        snprintf(help, sizeof help, "did you mean `%s`? (%.*s sizes sfdc knows: %s)", best->name,
                 (int)flen, name, sizes);
    else if (best)
        snprintf(help, sizeof help, "did you mean `%s`?", best->name);
    else if (sizes[0])
        snprintf(help, sizeof help, "%.*s sizes sfdc knows: %s", (int)flen, name, sizes);
    else
        snprintf(help, sizeof help, "sfdc knows the families t3, t3a, t4g, m5, m6i, m6g, m7g, c5, "
                 "c6i, c6g, r5, r6i and r6g (stdlib/aws/ec2-instance-types.json)");
    return reject(m, 0, 0, help, "unknown EC2 instance type `%.*s`", (int)len, name);
}

int awslim_ec2_task_memory(const AwslimEc2Type *x, int reserved_mib)
{
    int kernel = x->memory_mib / 16;
    if (kernel < 128)
        kernel = 128;
    int left = x->memory_mib - kernel - reserved_mib;
    return left > 0 ? left : 0;
}

static bool holds(const AwslimEc2Type *x, double cpu, double mem, int reserved)
{
    return cpu <= x->vcpu * 1024.0 && mem <= awslim_ec2_task_memory(x, reserved);
}

bool awslim_ec2_fits(const AwslimEc2Table *t, const AwslimEc2Type *x, double cpu, double mem,
                   int reserved, RuleMsg *m)
{
    char help[384], c[32], mm[32], avail[32];
    msg_clear(m);
    if (holds(x, cpu, mem, reserved))
        return true;
    const char *dot = strchr(x->name, '.');
    size_t flen = dot ? (size_t)(dot - x->name) : strlen(x->name);
    const AwslimEc2Type *same = NULL, *any = NULL;
    for (size_t k = 0; k < t->n; k++) {
        const AwslimEc2Type *y = &t->types[k];
        if (y->arm64 != x->arm64 || !holds(y, cpu, mem, reserved))
            continue;
        bool fam = strncmp(y->name, x->name, flen) == 0 && y->name[flen] == '.';
        if (fam && (!same || y->memory_mib < same->memory_mib ||
                    (y->memory_mib == same->memory_mib && y->vcpu < same->vcpu)))
            same = y;
        if (!any || y->memory_mib < any->memory_mib ||
            (y->memory_mib == any->memory_mib && y->vcpu < any->vcpu))
            any = y;
    }
    fmt_cpu(cpu, c, sizeof c);
    fmt_mem(mem, mm, sizeof mm);
    fmt_mem(awslim_ec2_task_memory(x, reserved), avail, sizeof avail);
    const AwslimEc2Type *pick = same ? same : any;
    if (pick)
        snprintf(help, sizeof help,
                 "`%s` gives tasks %d vcpu and about %s (after the kernel and the ECS agent's "
                 "reserve); `%s` holds this task", x->name, x->vcpu, avail, pick->name);
    else
        snprintf(help, sizeof help, "no known %s instance type holds this task; make the task smaller",
                 x->arm64 ? "arm64" : "x86_64");
    return reject(m, 0, 0, help, "a task of %s and %s does not fit on `%s`", c, mm, x->name);
}

/* ---- Auto Scaling ------------------------------------------------------------------------ */

bool awslim_asg_sizes(long min, long desired, long max, RuleMsg *m)
{
    char help[160];
    msg_clear(m);
    if (min < 0 || max < 0)
        return reject(m, 0, 0, NULL, "Auto Scaling sizes cannot be negative");
    if (min > max) {
        snprintf(help, sizeof help, "write `%ld..%ld`", max, min);
        return reject(m, 0, 0, help, "minimum size %ld is above the maximum %ld", min, max);
    }
    if (desired >= 0 && (desired < min || desired > max)) {
        snprintf(help, sizeof help, "the desired count must lie within %ld..%ld", min, max);
        return reject(m, 0, 0, help, "desired count %ld is outside the size range %ld..%ld",
                      desired, min, max);
    }
    return true;
}
