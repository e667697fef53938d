/* creds.c — where sfdrun's AWS credentials come from: the environment, the
 * shared credentials and config files (~/.aws/credentials, ~/.aws/config)
 * and their profiles, including role_arn + source_profile chains that the
 * executor turns into sts:AssumeRole calls (built and parsed here too).
 *
 * Precedence follows botocore/the AWS CLI so that a user's existing setup
 * means the same thing to sfdrun. Secrets live only in AwsCreds; the one
 * way to print credentials is aws_creds_describe, which redacts. */
#include "aws.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "sigv4.h"

#include "banned.h"

/* ------------------------------------------------------------------ */
/* Credentials                                                          */

void aws_creds_init(AwsCreds *c) { memset(c, 0, sizeof *c); }

/* Frees a secret after wiping it, so it does not linger in freed memory. */
static void free_secret(char *s)
{
    if (s) {
        OPENSSL_cleanse(s, strlen(s));
        free(s);
    }
}

void aws_creds_release(AwsCreds *c)
{
    free(c->access_key_id);
    free_secret(c->secret_access_key);
    free_secret(c->session_token);
    free(c->source);
    memset(c, 0, sizeof *c);
}

int aws_creds_copy(AwsCreds *dst, const AwsCreds *src)
{
    aws_creds_release(dst);
    dst->access_key_id = aws_strdup(src->access_key_id);
    dst->secret_access_key = aws_strdup(src->secret_access_key);
    dst->session_token = aws_strdup(src->session_token);
    dst->source = aws_strdup(src->source);
    dst->expiration = src->expiration;
    if ((src->access_key_id && !dst->access_key_id) ||
        (src->secret_access_key && !dst->secret_access_key) ||
        (src->session_token && !dst->session_token) || (src->source && !dst->source)) {
        aws_creds_release(dst);
        return -1;
    }
    return 0;
}

char *aws_creds_describe(const AwsCreds *c, char *buf, size_t n)
{
    if (n == 0)
        return buf;
    const char *id = c->access_key_id ? c->access_key_id : "";
    size_t il = strlen(id);
    char masked[32] = "(none)";
    if (il >= 12)
        snprintf(masked, sizeof masked, "%.4s****%s", id, id + il - 4);
    else if (il)
        snprintf(masked, sizeof masked, "****");
    char exp[32] = "never";
    if (c->expiration) {
        struct tm tm;
        time_t t = c->expiration;
        gmtime_r(&t, &tm);
        strftime(exp, sizeof exp, "%Y-%m-%dT%H:%M:%SZ", &tm);
    }
    snprintf(buf, n, "access_key_id=%s secret=%s session_token=%s expires=%s source=%s", masked,
             c->secret_access_key ? "<redacted>" : "(none)",
             c->session_token ? "<redacted>" : "(none)", exp, c->source ? c->source : "(unknown)");
    return buf;
}

int aws_creds_expiring(const AwsCreds *c, time_t now, long margin)
{
    return c->expiration != 0 && c->expiration - now <= margin;
}

/* ------------------------------------------------------------------ */
/* INI files                                                            */

/* One setting. */
typedef struct IniEntry {
    char *section;  /* normalized section name ("default", "profile dev") */
    char *key;      /* lower-cased key; nested ones as "parent.key" */
    char *value;    /* trimmed value */
} IniEntry;

struct AwsIni {
    IniEntry *entries;   /* settings in file order */
    size_t n;            /* number of entries */
    size_t cap;          /* allocated entries */
    char **sections;     /* section names seen, even empty ones */
    size_t n_sections;   /* number of sections */
    size_t bad;          /* malformed lines skipped */
    int oom;             /* an allocation failed */
};

static char *dup_span(const char *s, size_t n)
{
    char *p = malloc(n + 1);
    if (p) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

/* Trims ASCII whitespace from both ends of [*s, *s + *n). */
static void trim(const char **s, size_t *n)
{
    while (*n && isspace((unsigned char)**s))
        (*s)++, (*n)--;
    while (*n && isspace((unsigned char)(*s)[*n - 1]))
        (*n)--;
}

static void ini_add(AwsIni *ini, const char *section, const char *key, size_t kl,
                    const char *val, size_t vl)
{
    if (ini->n == ini->cap) {
        size_t cap = ini->cap ? ini->cap * 2 : 16;
        IniEntry *e = realloc(ini->entries, cap * sizeof *e);
        if (!e) {
            ini->oom = 1;
            return;
        }
        ini->entries = e;
        ini->cap = cap;
    }
    IniEntry *e = &ini->entries[ini->n];
    e->section = aws_strdup(section);
    e->key = dup_span(key, kl);
    e->value = dup_span(val, vl);
    if (!e->section || !e->key || !e->value) {
        free(e->section);
        free(e->key);
        free(e->value);
        ini->oom = 1;
        return;
    }
    for (char *k = e->key; *k; k++)
        *k = (char)tolower((unsigned char)*k);
    ini->n++;
}

/* "[ profile   dev ]" -> "profile dev"; "[default]" -> "default". */
static char *section_name(const char *s, size_t n)
{
    trim(&s, &n);
    if (n > 7 && strncmp(s, "profile", 7) == 0 && isspace((unsigned char)s[7])) {
        const char *rest = s + 7;
        size_t rl = n - 7;
        trim(&rest, &rl);
        AwsBuf b;
        aws_buf_init(&b);
        aws_buf_puts(&b, "profile ");
        aws_buf_add(&b, rest, rl);
        return aws_buf_take(&b);
    }
    return dup_span(s, n);
}

static void ini_section(AwsIni *ini, const char *s, size_t n, char **cur)
{
    const char *close = memchr(s, ']', n);
    free(*cur);
    *cur = NULL;
    if (!close || close == s + 1) {
        ini->bad++;
        return;
    }
    *cur = section_name(s + 1, (size_t)(close - s - 1));
    char **secs = realloc(ini->sections, (ini->n_sections + 1) * sizeof *secs);
    char *copy = *cur ? aws_strdup(*cur) : NULL;
    if (!*cur || !secs || !copy) {
        if (secs)
            ini->sections = secs;
        free(copy);
        ini->oom = 1;
        return;
    }
    ini->sections = secs;
    ini->sections[ini->n_sections++] = copy;
}

/* State carried between lines. */
typedef struct IniLine {
    char *section;   /* current section or NULL */
    char *parent;    /* key whose value was empty (nested block), or NULL */
} IniLine;

/* line = "[" section "]" | key ("=" | ":") value | indented nested key */
static void ini_line(AwsIni *ini, IniLine *st, const char *s, size_t n)
{
    int indented = n && (s[0] == ' ' || s[0] == '\t');
    trim(&s, &n);
    if (n == 0 || s[0] == '#' || s[0] == ';')
        return;
    if (s[0] == '[' && !indented) {
        free(st->parent);
        st->parent = NULL;
        ini_section(ini, s, n, &st->section);
        return;
    }
    size_t kl = 0; /* the line is not NUL-terminated: no strcspn */
    while (kl < n && s[kl] != '=' && s[kl] != ':')
        kl++;
    if (!st->section || kl >= n || kl == 0) {
        ini->bad++;
        return;
    }
    const char *key = s, *val = s + kl + 1;
    size_t vl = n - kl - 1;
    trim(&key, &kl);
    trim(&val, &vl);
    if (indented && st->parent) {
        AwsBuf full;
        aws_buf_init(&full);
        aws_buf_printf(&full, "%s.", st->parent);
        aws_buf_add(&full, key, kl);
        if (!full.oom)
            ini_add(ini, st->section, full.data, full.len, val, vl);
        ini->oom |= full.oom;
        aws_buf_release(&full);
        return;
    }
    free(st->parent);
    st->parent = vl == 0 ? dup_span(key, kl) : NULL;
    ini_add(ini, st->section, key, kl, val, vl);
}

AwsIni *aws_ini_parse(const char *text, size_t len)
{
    AwsIni *ini = calloc(1, sizeof *ini);
    if (!ini)
        return NULL;
    IniLine st = {0};
    const char *end = text + len;
    for (const char *s = text; s && s < end;) {
        const char *nl = memchr(s, '\n', (size_t)(end - s));
        const char *e = nl ? nl : end;
        ini_line(ini, &st, s, (size_t)(e - s));
        s = nl ? nl + 1 : end;
    }
    free(st.section);
    free(st.parent);
    if (ini->oom) {
        aws_ini_free(ini);
        return NULL;
    }
    return ini;
}

const char *aws_ini_get(const AwsIni *ini, const char *section, const char *key)
{
    const char *found = NULL;
    for (size_t i = 0; ini && i < ini->n; i++)
        if (strcmp(ini->entries[i].section, section) == 0 &&
            strcmp(ini->entries[i].key, key) == 0)
            found = ini->entries[i].value;
    return found;
}

int aws_ini_has_section(const AwsIni *ini, const char *section)
{
    for (size_t i = 0; ini && i < ini->n_sections; i++)
        if (strcmp(ini->sections[i], section) == 0)
            return 1;
    return 0;
}

size_t aws_ini_bad_lines(const AwsIni *ini) { return ini ? ini->bad : 0; }

void aws_ini_free(AwsIni *ini)
{
    if (!ini)
        return;
    for (size_t i = 0; i < ini->n; i++) {
        free(ini->entries[i].section);
        free(ini->entries[i].key);
        free_secret(ini->entries[i].value); /* values may be secret keys */
    }
    for (size_t i = 0; i < ini->n_sections; i++)
        free(ini->sections[i]);
    free(ini->sections);
    free(ini->entries);
    free(ini);
}

/* ------------------------------------------------------------------ */
/* The chain                                                            */

void aws_creds_chain_init(AwsCredsChain *c) { memset(c, 0, sizeof *c); }

void aws_creds_chain_release(AwsCredsChain *c)
{
    aws_creds_release(&c->base);
    for (size_t i = 0; i < c->n_roles; i++) {
        free(c->roles[i].role_arn);
        free(c->roles[i].session_name);
        free(c->roles[i].external_id);
        free(c->roles[i].profile);
    }
    free(c->roles);
    free(c->profile);
    free(c->region);
    memset(c, 0, sizeof *c);
}

static const char *env_get(AwsGetenv *env, const char *name)
{
    const char *v = env ? env(name) : getenv(name);
    return v && *v ? v : NULL;
}

/* Both shared files, parsed. */
typedef struct SharedFiles {
    AwsIni *creds;       /* credentials file or NULL when missing */
    AwsIni *config;      /* config file or NULL when missing */
    char *creds_path;    /* its path, for messages */
    char *config_path;   /* its path, for messages */
} SharedFiles;

/* Reads a whole file; NULL when it cannot be read (a missing file is
 * normal). Tolerates any content. */
static AwsIni *read_ini(const char *path)
{
    FILE *f = path ? fopen(path, "rb") : NULL;
    if (!f)
        return NULL;
    AwsBuf b;
    aws_buf_init(&b);
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0 && b.len < (1u << 24))
        aws_buf_add(&b, chunk, n);
    fclose(f);
    AwsIni *ini = b.oom ? NULL : aws_ini_parse(b.data ? b.data : "", b.len);
    if (b.data)
        OPENSSL_cleanse(b.data, b.len);
    aws_buf_release(&b);
    return ini;
}

/* $VAR, else $HOME/rel. */
static char *file_path(AwsGetenv *env, const char *var, const char *rel)
{
    const char *p = env_get(env, var);
    if (p)
        return aws_strdup(p);
    const char *home = env_get(env, "HOME");
    if (!home)
        return NULL;
    AwsBuf b;
    aws_buf_init(&b);
    aws_buf_printf(&b, "%s/%s", home, rel);
    return aws_buf_take(&b);
}

static void shared_files_load(SharedFiles *f, AwsGetenv *env)
{
    f->creds_path = file_path(env, "AWS_SHARED_CREDENTIALS_FILE", ".aws/credentials");
    f->config_path = file_path(env, "AWS_CONFIG_FILE", ".aws/config");
    f->creds = read_ini(f->creds_path);
    f->config = read_ini(f->config_path);
}

static void shared_files_release(SharedFiles *f)
{
    aws_ini_free(f->creds);
    aws_ini_free(f->config);
    free(f->creds_path);
    free(f->config_path);
}

/* The config file section of a profile: "[default]" or "[profile x]". */
static const char *config_section(const SharedFiles *f, const char *name, char *buf, size_t n)
{
    snprintf(buf, n, "profile %s", name);
    if (strcmp(name, "default") == 0 && !aws_ini_has_section(f->config, buf))
        return "default";
    return buf;
}

/* A profile setting: the credentials file wins over the config file. */
static const char *profile_get(const SharedFiles *f, const char *name, const char *key)
{
    char sec[300];
    const char *v = aws_ini_get(f->creds, name, key);
    return v ? v : aws_ini_get(f->config, config_section(f, name, sec, sizeof sec), key);
}

static int profile_exists(const SharedFiles *f, const char *name)
{
    char sec[300];
    return aws_ini_has_section(f->creds, name) ||
           aws_ini_has_section(f->config, config_section(f, name, sec, sizeof sec));
}

static int base_from_env(AwsCreds *c, AwsGetenv *env, char *err)
{
    const char *id = env_get(env, "AWS_ACCESS_KEY_ID");
    const char *secret = env_get(env, "AWS_SECRET_ACCESS_KEY");
    if (!id || !secret)
        return aws_fail(err, "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must both be set");
    c->access_key_id = aws_strdup(id);
    c->secret_access_key = aws_strdup(secret);
    c->session_token = aws_strdup(env_get(env, "AWS_SESSION_TOKEN"));
    c->source = aws_strdup("environment");
    if (!c->access_key_id || !c->secret_access_key || !c->source)
        return aws_fail(err, "out of memory");
    return 0;
}

static int base_from_profile(AwsCreds *c, const SharedFiles *f, const char *name, char *err)
{
    const char *id = profile_get(f, name, "aws_access_key_id");
    const char *secret = profile_get(f, name, "aws_secret_access_key");
    if (!id || !secret || !*id || !*secret)
        return aws_fail(err, "profile `%s` has no aws_access_key_id/aws_secret_access_key", name);
    const char *token = profile_get(f, name, "aws_session_token");
    AwsBuf src;
    aws_buf_init(&src);
    aws_buf_printf(&src, "profile %s (%s)", name,
                   aws_ini_get(f->creds, name, "aws_access_key_id") ? f->creds_path
                                                                    : f->config_path);
    c->access_key_id = aws_strdup(id);
    c->secret_access_key = aws_strdup(secret);
    c->session_token = token && *token ? aws_strdup(token) : NULL;
    c->source = aws_buf_take(&src);
    if (!c->access_key_id || !c->secret_access_key || !c->source ||
        (token && *token && !c->session_token))
        return aws_fail(err, "out of memory");
    return 0;
}

static int add_role(AwsCredsChain *out, const SharedFiles *f, const char *name, const char *arn)
{
    AwsRoleStep *r = realloc(out->roles, (out->n_roles + 1) * sizeof *r);
    if (!r)
        return -1;
    out->roles = r;
    r = &out->roles[out->n_roles];
    memset(r, 0, sizeof *r);
    out->n_roles++;
    const char *session = profile_get(f, name, "role_session_name");
    const char *ext = profile_get(f, name, "external_id");
    const char *dur = profile_get(f, name, "duration_seconds");
    AwsBuf s;
    aws_buf_init(&s);
    if (session)
        aws_buf_puts(&s, session);
    else
        aws_buf_printf(&s, "sfdrun-%s", name);
    r->role_arn = aws_strdup(arn);
    r->session_name = aws_buf_take(&s);
    r->external_id = aws_strdup(ext);
    r->profile = aws_strdup(name);
    r->duration_seconds = dur ? atoi(dur) : 0;
    return r->role_arn && r->session_name && r->profile && (!ext || r->external_id) ? 0 : -1;
}

#define MAX_PROFILE_DEPTH 8

/* Resolves profile `name` into out->base and appends its roles (source
 * first). `seen` holds the profiles on the current path, for cycles. */
static int resolve_profile(AwsCredsChain *out, const SharedFiles *f, const char *name,
                           AwsGetenv *env, const char **seen, int depth, char *err)
{
    for (int i = 0; i < depth; i++)
        if (strcmp(seen[i], name) == 0)
            return aws_fail(err, "source_profile cycle through profile `%s`", name);
    if (depth >= MAX_PROFILE_DEPTH)
        return aws_fail(err, "source_profile chain longer than %d", MAX_PROFILE_DEPTH);
    if (!profile_exists(f, name))
        return aws_fail(err, "profile `%s` not found in %s or %s", name,
                        f->creds_path ? f->creds_path : "(no credentials file)",
                        f->config_path ? f->config_path : "(no config file)");
    seen[depth] = name;
    const char *arn = profile_get(f, name, "role_arn");
    if (!arn) {
        if (profile_get(f, name, "credential_process") || profile_get(f, name, "sso_session") ||
            profile_get(f, name, "sso_start_url"))
            return aws_fail(err, "profile `%s`: credential_process and SSO are not supported; "
                                 "export keys or use role_arn", name);
        return base_from_profile(&out->base, f, name, err);
    }
    const char *src = profile_get(f, name, "source_profile");
    const char *csrc = profile_get(f, name, "credential_source");
    int rc;
    if (src && strcmp(src, name) == 0)
        rc = base_from_profile(&out->base, f, name, err); /* keys of the profile itself */
    else if (src)
        rc = resolve_profile(out, f, src, env, seen, depth + 1, err);
    else if (csrc && strcmp(csrc, "Environment") == 0)
        rc = base_from_env(&out->base, env, err);
    else
        return aws_fail(err, "profile `%s` has role_arn but no source_profile or "
                             "credential_source = Environment", name);
    if (rc == 0 && add_role(out, f, name, arn))
        rc = aws_fail(err, "out of memory");
    return rc;
}

static int set_region(AwsCredsChain *out, const SharedFiles *f, const char *profile,
                      AwsGetenv *env)
{
    const char *r = env_get(env, "AWS_REGION");
    if (!r)
        r = env_get(env, "AWS_DEFAULT_REGION");
    if (!r && f && profile)
        r = profile_get(f, profile, "region");
    out->region = aws_strdup(r);
    return r && !out->region ? -1 : 0;
}

int aws_creds_chain_resolve(const char *profile, AwsGetenv *env, AwsCredsChain *out, char *err)
{
    aws_creds_chain_init(out);
    /* either variable of the key pair selects the environment, so half a
     * pair is an error rather than a silent fall back to a profile */
    if (!profile && (env_get(env, "AWS_ACCESS_KEY_ID") || env_get(env, "AWS_SECRET_ACCESS_KEY"))) {
        if (base_from_env(&out->base, env, err) || set_region(out, NULL, NULL, env)) {
            aws_creds_chain_release(out);
            return -1;
        }
        return 0;
    }
    const char *name = profile ? profile : env_get(env, "AWS_PROFILE");
    if (!name)
        name = "default";
    SharedFiles f = {0};
    shared_files_load(&f, env);
    const char *seen[MAX_PROFILE_DEPTH];
    int rc = resolve_profile(out, &f, name, env, seen, 0, err);
    if (rc == 0 && (!(out->profile = aws_strdup(name)) || set_region(out, &f, name, env)))
        rc = aws_fail(err, "out of memory");
    shared_files_release(&f);
    if (rc)
        aws_creds_chain_release(out);
    return rc;
}

/* ------------------------------------------------------------------ */
/* STS AssumeRole                                                       */

int aws_sts_assume_role_build(const AwsModel *m, const AwsRoleStep *role,
                              const AwsEndpoint *ep, AwsRequest *out, char *err)
{
    cJSON *args = cJSON_CreateObject();
    int ok = args && role->role_arn &&
             cJSON_AddStringToObject(args, "RoleArn", role->role_arn) &&
             cJSON_AddStringToObject(args, "RoleSessionName",
                                     role->session_name ? role->session_name : "sfdrun") &&
             (!role->external_id || cJSON_AddStringToObject(args, "ExternalId", role->external_id)) &&
             (role->duration_seconds <= 0 ||
              cJSON_AddNumberToObject(args, "DurationSeconds", role->duration_seconds));
    int rc;
    if (!ok) {
        aws_request_init(out);
        rc = aws_fail(err, role->role_arn ? "out of memory" : "role step without role_arn");
    } else {
        rc = aws_request_build(m, "sts", "AssumeRole", args, ep, out, err);
    }
    cJSON_Delete(args);
    return rc;
}

int aws_sts_credentials_parse(const cJSON *result, const char *role_arn, AwsCreds *out,
                              char *err)
{
    aws_creds_init(out);
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(result, "Credentials");
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(c, "AccessKeyId");
    const cJSON *secret = cJSON_GetObjectItemCaseSensitive(c, "SecretAccessKey");
    const cJSON *token = cJSON_GetObjectItemCaseSensitive(c, "SessionToken");
    const cJSON *exp = cJSON_GetObjectItemCaseSensitive(c, "Expiration");
    if (!cJSON_IsString(id) || !cJSON_IsString(secret) || !cJSON_IsString(token))
        return aws_fail(err, "AssumeRole result has no Credentials");
    if (cJSON_IsString(exp))
        out->expiration = aws_parse_iso8601(exp->valuestring);
    else if (cJSON_IsNumber(exp))
        out->expiration = (time_t)exp->valuedouble;
    if (out->expiration == (time_t)-1) {
        out->expiration = 0;
        return aws_fail(err, "AssumeRole Expiration is not an ISO 8601 time");
    }
    AwsBuf src;
    aws_buf_init(&src);
    aws_buf_printf(&src, "sts:AssumeRole %s", role_arn ? role_arn : "(role)");
    out->access_key_id = aws_strdup(id->valuestring);
    out->secret_access_key = aws_strdup(secret->valuestring);
    out->session_token = aws_strdup(token->valuestring);
    out->source = aws_buf_take(&src);
    if (!out->access_key_id || !out->secret_access_key || !out->session_token || !out->source) {
        aws_creds_release(out);
        return aws_fail(err, "out of memory");
    }
    return 0;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
 * days_from_civil), so no timegm/TZ dependence. */
static long long days_from_civil(long long y, unsigned m, unsigned d)
{
    y -= m <= 2;
    long long era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (long long)doe - 719468;
}

/* Reads exactly n digits. */
static int digits(const char **s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++, (*s)++) {
        if (!isdigit((unsigned char)**s))
            return -1;
        v = v * 10 + (**s - '0');
    }
    *out = v;
    return 0;
}

time_t aws_parse_iso8601(const char *s)
{
    int y, mo, d, h, mi, se, oh = 0, om = 0, sign = 0;
    if (!s || digits(&s, 4, &y) || *s++ != '-' || digits(&s, 2, &mo) || *s++ != '-' ||
        digits(&s, 2, &d) || (*s != 'T' && *s != 't' && *s != ' ') || !*s++ ||
        digits(&s, 2, &h) || *s++ != ':' || digits(&s, 2, &mi) || *s++ != ':' ||
        digits(&s, 2, &se))
        return (time_t)-1;
    if (*s == '.')
        for (s++; isdigit((unsigned char)*s); s++)
            ;
    if (*s == 'Z' || *s == 'z') {
        s++;
    } else if (*s == '+' || *s == '-') {
        sign = *s++ == '-' ? -1 : 1;
        if (digits(&s, 2, &oh))
            return (time_t)-1;
        if (*s == ':')
            s++;
        if (digits(&s, 2, &om))
            return (time_t)-1;
    } else {
        return (time_t)-1;
    }
    if (*s || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60)
        return (time_t)-1;
    long long t = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400LL + h * 3600LL +
                  mi * 60LL + se - sign * (oh * 3600LL + om * 60LL);
    return (time_t)t;
}
