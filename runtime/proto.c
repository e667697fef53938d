/* proto.c — AWS wire protocols: the operations model (loaded from
 * stdlib/aws/operations.json), endpoints, request serializers for the
 * json, query and rest-xml protocols, and response/error parsing.
 *
 * The vocabulary (targets, versions, URIs, member locations, list and map
 * encodings) comes from the model, generated from botocore; the only
 * service-specific code is S3's CreateBucket LocationConstraint rule, which
 * botocore also implements as code (a handler), not as model data. */
#include "proto.h"

#include <ctype.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sigv4.h"
#include "xml.h"

#include "banned.h"

/* The loaded model. */
struct AwsModel {
    cJSON *root;            /* the whole document (owned) */
    const cJSON *services;  /* root.services (borrowed from root) */
};

static const char *env_get(AwsGetenv *env, const char *name)
{
    const char *v = env ? env(name) : getenv(name);
    return v && *v ? v : NULL;
}

static const char *str_member(const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int bool_member(const cJSON *obj, const char *key)
{
    return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(obj, key));
}

/* ------------------------------------------------------------------ */
/* The model                                                            */

AwsModel *aws_model_parse(const char *json, size_t len, char *err)
{
    cJSON *root = cJSON_ParseWithLength(json, len);
    const cJSON *services = cJSON_GetObjectItemCaseSensitive(root, "services");
    if (!root || !cJSON_IsObject(services)) {
        cJSON_Delete(root);
        aws_fail(err, "operations model is not JSON with a \"services\" object");
        return NULL;
    }
    AwsModel *m = malloc(sizeof *m);
    if (!m) {
        cJSON_Delete(root);
        aws_fail(err, "out of memory");
        return NULL;
    }
    m->root = root;
    m->services = services;
    return m;
}

AwsModel *aws_model_load(const char *path, char *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        aws_fail(err, "cannot open operations model %s", path);
        return NULL;
    }
    AwsBuf b;
    aws_buf_init(&b);
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        aws_buf_add(&b, chunk, n);
    int rd_err = ferror(f);
    fclose(f);
    AwsModel *m = NULL;
    if (rd_err || b.oom)
        aws_fail(err, "cannot read operations model %s", path);
    else
        m = aws_model_parse(b.data ? b.data : "", b.len, err);
    aws_buf_release(&b);
    return m;
}

void aws_model_free(AwsModel *m)
{
    if (!m)
        return;
    cJSON_Delete(m->root);
    free(m);
}

/* dir/rel if that file exists, malloc'd; else NULL. */
static char *existing(const char *dir, size_t dirlen, const char *rel)
{
    AwsBuf b;
    aws_buf_init(&b);
    aws_buf_add(&b, dir, dirlen);
    aws_buf_puts(&b, rel);
    char *p = aws_buf_take(&b);
    if (p && access(p, R_OK) == 0)
        return p;
    free(p);
    return NULL;
}

char *aws_model_default_path(const char *argv0, AwsGetenv *env)
{
    const char *stdlib_dir = env_get(env, "SFDRUN_STDLIB");
    if (stdlib_dir) {
        AwsBuf b;
        aws_buf_init(&b);
        aws_buf_printf(&b, "%s/aws/operations.json", stdlib_dir);
        return aws_buf_take(&b);
    }
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    const char *candidates[2] = {NULL, argv0};
    if (n > 0) {
        exe[n] = '\0';
        candidates[0] = exe;
    }
    for (int i = 0; i < 2; i++) {
        const char *slash = candidates[i] ? strrchr(candidates[i], '/') : NULL;
        if (!slash)
            continue;
        size_t dl = (size_t)(slash - candidates[i]);
        /* build/sfdrun, PREFIX/bin/sfdrun, build/asan/sfdrun */
        char *p = existing(candidates[i], dl, "/../stdlib/aws/operations.json");
        if (!p)
            p = existing(candidates[i], dl, "/../share/sfdc/stdlib/aws/operations.json");
        if (!p)
            p = existing(candidates[i], dl, "/../../stdlib/aws/operations.json");
        if (p)
            return p;
    }
    return aws_strdup("stdlib/aws/operations.json");
}

const cJSON *aws_model_service(const AwsModel *m, const char *service)
{
    return m && service ? cJSON_GetObjectItemCaseSensitive(m->services, service) : NULL;
}

const cJSON *aws_model_operation(const AwsModel *m, const char *service, const char *op)
{
    const cJSON *svc = aws_model_service(m, service);
    const cJSON *ops = cJSON_GetObjectItemCaseSensitive(svc, "operations");
    return op ? cJSON_GetObjectItemCaseSensitive(ops, op) : NULL;
}

const cJSON *aws_model_shape(const cJSON *svc, const char *name)
{
    const cJSON *shapes = cJSON_GetObjectItemCaseSensitive(svc, "shapes");
    return name ? cJSON_GetObjectItemCaseSensitive(shapes, name) : NULL;
}

const char *aws_model_protocol(const AwsModel *m, const char *service)
{
    return str_member(aws_model_service(m, service), "protocol");
}

int aws_model_has_operation(const AwsModel *m, const char *service, const char *op)
{
    return aws_model_operation(m, service, op) != NULL;
}

/* ------------------------------------------------------------------ */
/* Endpoints                                                            */

void aws_endpoint_release(AwsEndpoint *e)
{
    free(e->scheme);
    free(e->host);
    free(e->base_path);
    free(e->signing_name);
    free(e->signing_region);
    memset(e, 0, sizeof *e);
}

/* AWS_ENDPOINT_URL_<SERVICE ID>, e.g. "Application Auto Scaling" ->
 * AWS_ENDPOINT_URL_APPLICATION_AUTO_SCALING. */
static const char *service_endpoint_env(const cJSON *svc, AwsGetenv *env)
{
    const char *id = str_member(svc, "serviceId");
    if (!id)
        return NULL;
    char name[128] = "AWS_ENDPOINT_URL_";
    size_t n = strlen(name);
    for (; *id && n + 1 < sizeof name; id++)
        name[n++] = (*id == ' ' || *id == '-') ? '_' : (char)toupper((unsigned char)*id);
    name[n] = '\0';
    return env_get(env, name);
}

/* scheme://host[:port][/base] */
static int parse_override(const char *url, AwsEndpoint *out, char *err)
{
    const char *sep = strstr(url, "://");
    if (!sep || sep == url)
        return aws_fail(err, "endpoint URL `%s` has no scheme", url);
    const char *host = sep + 3;
    size_t hl = strcspn(host, "/?#");
    if (hl == 0)
        return aws_fail(err, "endpoint URL `%s` has no host", url);
    const char *path = host + hl;
    size_t pl = strcspn(path, "?#");
    while (pl > 0 && path[pl - 1] == '/')
        pl--;
    AwsBuf s, h, p;
    aws_buf_init(&s);
    aws_buf_init(&h);
    aws_buf_init(&p);
    for (const char *c = url; c < sep; c++)
        aws_buf_putc(&s, (char)tolower((unsigned char)*c));
    aws_buf_add(&h, host, hl);
    aws_buf_add(&p, path, pl);
    out->scheme = aws_buf_take(&s);
    out->host = aws_buf_take(&h);
    out->base_path = aws_buf_take(&p);
    if (!out->scheme || !out->host || !out->base_path)
        return aws_fail(err, "out of memory");
    if (strcmp(out->scheme, "http") != 0 && strcmp(out->scheme, "https") != 0)
        return aws_fail(err, "endpoint URL `%s`: scheme must be http or https", url);
    return 0;
}

int aws_endpoint_resolve(const AwsModel *m, const char *service, const char *region,
                         AwsGetenv *env, AwsEndpoint *out, char *err)
{
    memset(out, 0, sizeof *out);
    const cJSON *svc = aws_model_service(m, service);
    if (!svc)
        return aws_fail(err, "unknown AWS service `%s`", service ? service : "(null)");
    const cJSON *global = cJSON_GetObjectItemCaseSensitive(svc, "global");
    const char *sign_region = global ? str_member(global, "region") : region;
    if (!sign_region || !*sign_region)
        return aws_fail(err, "no region for service `%s` (set AWS_REGION)", service);
    out->signing_name = aws_strdup(str_member(svc, "signingName"));
    out->signing_region = aws_strdup(sign_region);
    if (!out->signing_name || !out->signing_region)
        return aws_fail(err, "out of memory");
    const char *url = service_endpoint_env(svc, env);
    if (!url)
        url = env_get(env, "AWS_ENDPOINT_URL");
    if (url) {
        out->overridden = 1;
        out->path_style = 1;
        return parse_override(url, out, err);
    }
    AwsBuf h;
    aws_buf_init(&h);
    if (global)
        aws_buf_puts(&h, str_member(global, "host"));
    else
        aws_buf_printf(&h, "%s.%s.amazonaws.com%s", str_member(svc, "endpointPrefix"), region,
                       strncmp(region, "cn-", 3) == 0 ? ".cn" : "");
    out->host = aws_buf_take(&h);
    out->scheme = aws_strdup("https");
    out->base_path = aws_strdup("");
    if (!out->host || !out->scheme || !out->base_path)
        return aws_fail(err, "out of memory");
    return 0;
}

/* ------------------------------------------------------------------ */
/* Argument checking                                                    */

/* Appends ".name" or "[i]" to a JSON path for messages. */
static void path_push(char *path, size_t cap, const char *name, int index)
{
    size_t n = strlen(path);
    if (name)
        snprintf(path + n, cap - n, "%s%s", n ? "." : "", name);
    else
        snprintf(path + n, cap - n, "[%d]", index);
}

static int type_ok(const char *type, const cJSON *v)
{
    if (strcmp(type, "structure") == 0 || strcmp(type, "map") == 0)
        return cJSON_IsObject(v);
    if (strcmp(type, "list") == 0)
        return cJSON_IsArray(v);
    if (strcmp(type, "boolean") == 0)
        return cJSON_IsBool(v);
    if (strcmp(type, "integer") == 0 || strcmp(type, "long") == 0 ||
        strcmp(type, "double") == 0 || strcmp(type, "float") == 0)
        return cJSON_IsNumber(v);
    if (strcmp(type, "timestamp") == 0)
        return cJSON_IsString(v) || cJSON_IsNumber(v);
    return cJSON_IsString(v);
}

/* Checks v against shape: known members only, JSON types matching. */
static int check_value(const cJSON *svc, const char *shape, const cJSON *v, char *path,
                       size_t cap, char *err)
{
    const cJSON *sh = aws_model_shape(svc, shape);
    const char *type = str_member(sh, "type");
    if (!type)
        return 0;
    if (!type_ok(type, v))
        return aws_fail(err, "`%s` must be a %s", *path ? path : "arguments", type);
    size_t mark = strlen(path);
    const cJSON *item;
    int i = 0;
    cJSON_ArrayForEach(item, v)
    {
        const char *sub = NULL;
        if (strcmp(type, "structure") == 0) {
            const cJSON *ref = cJSON_GetObjectItemCaseSensitive(
                cJSON_GetObjectItemCaseSensitive(sh, "members"), item->string);
            if (!ref)
                return aws_fail(err, "unknown member `%s` in `%s` (shape %s)", item->string,
                                *path ? path : "arguments", shape);
            sub = str_member(ref, "shape");
        } else if (strcmp(type, "list") == 0) {
            sub = str_member(cJSON_GetObjectItemCaseSensitive(sh, "member"), "shape");
        } else if (strcmp(type, "map") == 0) {
            sub = str_member(cJSON_GetObjectItemCaseSensitive(sh, "value"), "shape");
        } else {
            break;
        }
        path_push(path, cap, item->string, i++);
        if (check_value(svc, sub, item, path, cap, err))
            return -1;
        path[mark] = '\0';
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* Scalars as text (query strings, headers, URIs, XML)                  */

/* ISO 8601 UTC with seconds, from Unix time. */
static void iso8601(AwsBuf *b, double t)
{
    time_t tt = (time_t)t;
    struct tm tm;
    char s[32];
    gmtime_r(&tt, &tm);
    strftime(s, sizeof s, "%Y-%m-%dT%H:%M:%SZ", &tm);
    aws_buf_puts(b, s);
}

/* Appends a number the way botocore prints it: integers without a
 * fraction, others with the shortest round-tripping digits. */
static void put_number(AwsBuf *b, double d)
{
    if (d == floor(d) && fabs(d) < 9.2e18) {
        aws_buf_printf(b, "%lld", (long long)d);
        return;
    }
    char s[40];
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(s, sizeof s, "%.*g", prec, d);
        if (strtod(s, NULL) == d)
            break;
    }
    aws_buf_puts(b, s);
}

/* The text form of a scalar value of shape type `type`. */
static void put_scalar(AwsBuf *b, const char *type, const cJSON *v)
{
    if (cJSON_IsBool(v))
        aws_buf_puts(b, cJSON_IsTrue(v) ? "true" : "false");
    else if (cJSON_IsNumber(v) && type && strcmp(type, "timestamp") == 0)
        iso8601(b, v->valuedouble);
    else if (cJSON_IsNumber(v))
        put_number(b, v->valuedouble);
    else if (cJSON_IsString(v))
        aws_buf_puts(b, v->valuestring);
}

static char *scalar_text(const char *type, const cJSON *v)
{
    AwsBuf b;
    aws_buf_init(&b);
    put_scalar(&b, type, v);
    return aws_buf_take(&b);
}

/* ------------------------------------------------------------------ */
/* query protocol: Action=Op&Version=V&flattened.members=...            */

static const char *serialized_name(const cJSON *ref, const char *dflt)
{
    const char *n = str_member(ref, "locationName");
    return n ? n : dflt;
}

static void form_pair(AwsBuf *b, const char *key, const char *value)
{
    aws_buf_putc(b, '&');
    aws_uri_encode(b, key, strlen(key), 0);
    aws_buf_putc(b, '=');
    aws_uri_encode(b, value, strlen(value), 0);
}

static void query_value(AwsBuf *b, const cJSON *svc, const cJSON *ref, const cJSON *v,
                        const char *prefix);

static void query_list(AwsBuf *b, const cJSON *svc, const cJSON *ref, const cJSON *sh,
                       const cJSON *v, const char *prefix)
{
    if (cJSON_GetArraySize(v) == 0) {
        form_pair(b, prefix, ""); /* the query protocol sends empty lists */
        return;
    }
    const cJSON *mref = cJSON_GetObjectItemCaseSensitive(sh, "member");
    AwsBuf p;
    aws_buf_init(&p);
    if (bool_member(ref, "flattened") || bool_member(sh, "flattened")) {
        const char *mname = str_member(mref, "locationName");
        const char *dot = strrchr(prefix, '.');
        if (mname && dot)
            aws_buf_printf(&p, "%.*s.%s", (int)(dot - prefix), prefix, mname);
        else
            aws_buf_puts(&p, mname ? mname : prefix);
    } else {
        aws_buf_printf(&p, "%s.%s", prefix, serialized_name(mref, "member"));
    }
    int i = 1;
    const cJSON *item;
    cJSON_ArrayForEach(item, v)
    {
        AwsBuf e;
        aws_buf_init(&e);
        aws_buf_printf(&e, "%s.%d", p.data ? p.data : "", i++);
        if (e.oom)
            b->oom = 1;
        else
            query_value(b, svc, mref, item, e.data);
        aws_buf_release(&e);
    }
    b->oom |= p.oom;
    aws_buf_release(&p);
}

static void query_map(AwsBuf *b, const cJSON *svc, const cJSON *ref, const cJSON *sh,
                      const cJSON *v, const char *prefix)
{
    int flat = bool_member(ref, "flattened") || bool_member(sh, "flattened");
    const cJSON *kref = cJSON_GetObjectItemCaseSensitive(sh, "key");
    const cJSON *vref = cJSON_GetObjectItemCaseSensitive(sh, "value");
    int i = 1;
    const cJSON *item;
    cJSON_ArrayForEach(item, v)
    {
        AwsBuf k, e;
        aws_buf_init(&k);
        aws_buf_init(&e);
        aws_buf_printf(&k, "%s%s.%d.%s", prefix, flat ? "" : ".entry", i,
                       serialized_name(kref, "key"));
        aws_buf_printf(&e, "%s%s.%d.%s", prefix, flat ? "" : ".entry", i,
                       serialized_name(vref, "value"));
        i++;
        if (k.oom || e.oom) {
            b->oom = 1;
        } else {
            form_pair(b, k.data, item->string);
            query_value(b, svc, vref, item, e.data);
        }
        aws_buf_release(&k);
        aws_buf_release(&e);
    }
}

static void query_struct(AwsBuf *b, const cJSON *svc, const cJSON *sh, const cJSON *v,
                         const char *prefix)
{
    const cJSON *members = cJSON_GetObjectItemCaseSensitive(sh, "members");
    const cJSON *item;
    cJSON_ArrayForEach(item, v)
    {
        const cJSON *mref = cJSON_GetObjectItemCaseSensitive(members, item->string);
        AwsBuf p;
        aws_buf_init(&p);
        aws_buf_printf(&p, "%s%s%s", prefix, *prefix ? "." : "",
                       serialized_name(mref, item->string));
        if (p.oom)
            b->oom = 1;
        else
            query_value(b, svc, mref, item, p.data);
        aws_buf_release(&p);
    }
}

/* Serializes v (of the shape ref points to) under prefix, botocore's
 * QuerySerializer: structures by member name, lists as prefix.member.N,
 * maps as prefix.entry.N.key/value, scalars as text. */
static void query_value(AwsBuf *b, const cJSON *svc, const cJSON *ref, const cJSON *v,
                        const char *prefix)
{
    const cJSON *sh = aws_model_shape(svc, str_member(ref, "shape"));
    const char *type = str_member(sh, "type");
    if (type && strcmp(type, "structure") == 0) {
        query_struct(b, svc, sh, v, prefix);
    } else if (type && strcmp(type, "list") == 0) {
        query_list(b, svc, ref, sh, v, prefix);
    } else if (type && strcmp(type, "map") == 0) {
        query_map(b, svc, ref, sh, v, prefix);
    } else {
        char *text = scalar_text(type, v);
        if (text)
            form_pair(b, prefix, text);
        else
            b->oom = 1;
        free(text);
    }
}

/* ------------------------------------------------------------------ */
/* rest-xml: XML bodies                                                 */

static void xml_escape(AwsBuf *b, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&': aws_buf_puts(b, "&amp;"); break;
        case '<': aws_buf_puts(b, "&lt;"); break;
        case '>': aws_buf_puts(b, "&gt;"); break;
        case '"': aws_buf_puts(b, "&quot;"); break;
        case '\r': aws_buf_puts(b, "&#13;"); break;
        default: aws_buf_putc(b, *s);
        }
    }
}

static void xml_value(AwsBuf *b, const cJSON *svc, const cJSON *ref, const char *name,
                      const cJSON *v, const char *ns);

static void xml_open(AwsBuf *b, const char *name, const char *ns)
{
    aws_buf_printf(b, "<%s", name);
    if (ns) {
        aws_buf_puts(b, " xmlns=\"");
        xml_escape(b, ns);
        aws_buf_putc(b, '"');
    }
    aws_buf_putc(b, '>');
}

/* Members in model order (S3 is order-tolerant, but this is what every SDK
 * sends); attributes are not used by the operations sfdrun calls. */
static void xml_struct(AwsBuf *b, const cJSON *svc, const cJSON *sh, const char *name,
                       const cJSON *v, const char *ns)
{
    xml_open(b, name, ns);
    const cJSON *mref;
    cJSON_ArrayForEach(mref, cJSON_GetObjectItemCaseSensitive(sh, "members"))
    {
        const cJSON *mv = cJSON_GetObjectItemCaseSensitive(v, mref->string);
        if (mv && !bool_member(mref, "xmlAttribute"))
            xml_value(b, svc, mref, serialized_name(mref, mref->string), mv, NULL);
    }
    aws_buf_printf(b, "</%s>", name);
}

static void xml_list(AwsBuf *b, const cJSON *svc, const cJSON *ref, const cJSON *sh,
                     const char *name, const cJSON *v)
{
    const cJSON *mref = cJSON_GetObjectItemCaseSensitive(sh, "member");
    int flat = bool_member(ref, "flattened") || bool_member(sh, "flattened");
    if (!flat)
        aws_buf_printf(b, "<%s>", name);
    const cJSON *item;
    cJSON_ArrayForEach(item, v)
    xml_value(b, svc, mref, flat ? name : serialized_name(mref, "member"), item, NULL);
    if (!flat)
        aws_buf_printf(b, "</%s>", name);
}

static void xml_map(AwsBuf *b, const cJSON *svc, const cJSON *sh, const char *name,
                    const cJSON *v)
{
    const cJSON *kref = cJSON_GetObjectItemCaseSensitive(sh, "key");
    const cJSON *vref = cJSON_GetObjectItemCaseSensitive(sh, "value");
    aws_buf_printf(b, "<%s>", name);
    const cJSON *item;
    cJSON_ArrayForEach(item, v)
    {
        const char *kn = serialized_name(kref, "key");
        aws_buf_printf(b, "<entry><%s>", kn);
        xml_escape(b, item->string);
        aws_buf_printf(b, "</%s>", kn);
        xml_value(b, svc, vref, serialized_name(vref, "value"), item, NULL);
        aws_buf_puts(b, "</entry>");
    }
    aws_buf_printf(b, "</%s>", name);
}

static void xml_value(AwsBuf *b, const cJSON *svc, const cJSON *ref, const char *name,
                      const cJSON *v, const char *ns)
{
    const cJSON *sh = aws_model_shape(svc, str_member(ref, "shape"));
    const char *type = str_member(sh, "type");
    if (type && strcmp(type, "structure") == 0) {
        xml_struct(b, svc, sh, name, v, ns);
    } else if (type && strcmp(type, "list") == 0) {
        xml_list(b, svc, ref, sh, name, v);
    } else if (type && strcmp(type, "map") == 0) {
        xml_map(b, svc, sh, name, v);
    } else {
        char *text = scalar_text(type, v);
        xml_open(b, name, ns);
        if (text)
            xml_escape(b, text);
        else
            b->oom = 1;
        aws_buf_printf(b, "</%s>", name);
        free(text);
    }
}

static const char *xml_ns(const cJSON *ref)
{
    return str_member(cJSON_GetObjectItemCaseSensitive(ref, "xmlNamespace"), "uri");
}

/* ------------------------------------------------------------------ */
/* Request building                                                     */

/* State while building one request. */
typedef struct Build {
    const cJSON *svc;        /* service entry of the model */
    const cJSON *op;         /* operation entry */
    const char *op_name;     /* operation name */
    const cJSON *input;      /* input shape or NULL */
    const cJSON *args;       /* arguments (an object; maybe a patched copy) */
    const AwsEndpoint *ep;   /* where it goes */
    AwsRequest *req;         /* what we fill */
    char *err;               /* error buffer */
} Build;

static int set_str(char **dst, const char *s)
{
    char *p = aws_strdup(s);
    if (!p)
        return -1;
    free(*dst);
    *dst = p;
    return 0;
}

static int take_buf(char **dst, AwsBuf *b)
{
    char *p = aws_buf_take(b);
    if (!p)
        return -1;
    free(*dst);
    *dst = p;
    return 0;
}

static int build_json(Build *bd)
{
    AwsBuf h;
    aws_buf_init(&h);
    aws_buf_printf(&h, "%s.%s", str_member(bd->svc, "targetPrefix"), bd->op_name);
    char *target = aws_buf_take(&h);
    aws_buf_printf(&h, "application/x-amz-json-%s",
                   str_member(bd->svc, "jsonVersion") ? str_member(bd->svc, "jsonVersion")
                                                      : "1.0");
    char *ctype = aws_buf_take(&h);
    char *body = cJSON_PrintUnformatted(bd->args);
    int rc = -1;
    if (target && ctype && body && !aws_request_set_header(bd->req, "X-Amz-Target", target) &&
        !aws_request_set_header(bd->req, "Content-Type", ctype) &&
        !aws_request_set_body(bd->req, body, strlen(body)))
        rc = 0;
    free(target);
    free(ctype);
    free(body);
    return rc ? aws_fail(bd->err, "out of memory") : 0;
}

static int build_query(Build *bd)
{
    AwsBuf b;
    aws_buf_init(&b);
    aws_buf_puts(&b, "Action=");
    aws_uri_encode(&b, bd->op_name, strlen(bd->op_name), 0);
    aws_buf_puts(&b, "&Version=");
    const char *ver = str_member(bd->svc, "apiVersion");
    aws_uri_encode(&b, ver, strlen(ver), 0);
    if (bd->input)
        query_struct(&b, bd->svc, bd->input, bd->args, "");
    int rc = b.oom || aws_request_set_body(bd->req, b.data, b.len) ||
             aws_request_set_header(bd->req, "Content-Type",
                                    "application/x-www-form-urlencoded; charset=utf-8");
    aws_buf_release(&b);
    return rc ? aws_fail(bd->err, "out of memory") : 0;
}

/* A bucket name usable as a DNS label under https (no dots). */
static int dns_compatible(const char *b)
{
    size_t n = strlen(b);
    if (n < 3 || n > 63 || b[0] == '-' || b[n - 1] == '-')
        return 0;
    for (; *b; b++)
        if (!(islower((unsigned char)*b) || isdigit((unsigned char)*b) || *b == '-'))
            return 0;
    return 1;
}

/* The member of the input bound to URI label `label` (and if greedy). */
static const cJSON *uri_member(const Build *bd, const char *label, size_t n)
{
    const cJSON *ref;
    cJSON_ArrayForEach(ref, cJSON_GetObjectItemCaseSensitive(bd->input, "members"))
    {
        const char *loc = str_member(ref, "location");
        const char *ln = serialized_name(ref, ref->string);
        if (loc && strcmp(loc, "uri") == 0 && strlen(ln) == n && strncmp(ln, label, n) == 0)
            return ref;
    }
    return NULL;
}

/* Expands the requestUri template into path and static query. With
 * virtual-host S3 addressing the leading "/{Bucket}" goes to the host. */
static int expand_uri(Build *bd, AwsBuf *path, AwsBuf *query, int vhost)
{
    const char *t = str_member(bd->op, "requestUri");
    if (!t)
        return aws_fail(bd->err, "operation %s has no requestUri in the model", bd->op_name);
    aws_buf_puts(path, bd->ep->base_path ? bd->ep->base_path : "");
    size_t base_len = path->len;
    if (vhost && strncmp(t, "/{Bucket}", 9) == 0)
        t += 9;
    for (; *t && *t != '?'; t++) {
        if (*t != '{') {
            aws_buf_putc(path, *t);
            continue;
        }
        const char *close = strchr(t, '}');
        if (!close)
            return aws_fail(bd->err, "bad URI template in model");
        int greedy = close[-1] == '+';
        size_t n = (size_t)(close - t - 1 - greedy);
        const cJSON *ref = uri_member(bd, t + 1, n);
        const cJSON *v = ref ? cJSON_GetObjectItemCaseSensitive(bd->args, ref->string) : NULL;
        char *text = v ? scalar_text(NULL, v) : NULL;
        if (!text || !*text) {
            free(text);
            return aws_fail(bd->err, "missing required URI member `%.*s` for %s", (int)n, t + 1,
                            bd->op_name);
        }
        aws_uri_encode(path, text, strlen(text), greedy);
        free(text);
        t = close;
    }
    if (path->len == base_len)
        aws_buf_putc(path, '/');
    if (*t == '?')
        aws_buf_puts(query, t + 1);
    return 0;
}

/* querystring members: name=value, lists repeated. */
static void add_query_params(Build *bd, AwsBuf *query)
{
    const cJSON *ref;
    cJSON_ArrayForEach(ref, cJSON_GetObjectItemCaseSensitive(bd->input, "members"))
    {
        const char *loc = str_member(ref, "location");
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(bd->args, ref->string);
        if (!v || !loc || strcmp(loc, "querystring") != 0)
            continue;
        const char *name = serialized_name(ref, ref->string);
        const cJSON *sh = aws_model_shape(bd->svc, str_member(ref, "shape"));
        const cJSON *items = cJSON_IsArray(v) ? v : NULL;
        const cJSON *one = items ? items->child : v;
        for (; one; one = items ? one->next : NULL) {
            char *text = scalar_text(str_member(sh, "type"), one);
            if (query->len)
                aws_buf_putc(query, '&');
            aws_uri_encode(query, name, strlen(name), 0);
            aws_buf_putc(query, '=');
            if (text)
                aws_uri_encode(query, text, strlen(text), 0);
            else
                query->oom = 1;
            free(text);
            if (!items)
                break;
        }
    }
}

static int add_header_params(Build *bd)
{
    const cJSON *ref;
    cJSON_ArrayForEach(ref, cJSON_GetObjectItemCaseSensitive(bd->input, "members"))
    {
        const char *loc = str_member(ref, "location");
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(bd->args, ref->string);
        if (!v || !loc || strcmp(loc, "header") != 0)
            continue;
        const cJSON *sh = aws_model_shape(bd->svc, str_member(ref, "shape"));
        char *text = scalar_text(str_member(sh, "type"), v);
        int rc = !text || aws_request_set_header(bd->req, serialized_name(ref, ref->string), text);
        free(text);
        if (rc)
            return aws_fail(bd->err, "out of memory");
    }
    return 0;
}

/* The body: the payload member (a structure as XML, a string as is), or
 * the unlocated members wrapped in the input's element. */
static int restxml_body(Build *bd)
{
    const char *payload = str_member(bd->input, "payload");
    const cJSON *members = cJSON_GetObjectItemCaseSensitive(bd->input, "members");
    AwsBuf b;
    aws_buf_init(&b);
    const char *ctype = "application/xml";
    if (payload) {
        const cJSON *ref = cJSON_GetObjectItemCaseSensitive(members, payload);
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(bd->args, payload);
        const char *type = str_member(aws_model_shape(bd->svc, str_member(ref, "shape")), "type");
        if (v && type && strcmp(type, "structure") == 0) {
            xml_value(&b, bd->svc, ref, serialized_name(ref, payload), v, xml_ns(ref));
        } else if (v) {
            put_scalar(&b, type, v);
            ctype = "application/octet-stream";
            if (cJSON_IsString(v) && (v->valuestring[0] == '{' || v->valuestring[0] == '['))
                ctype = "application/json"; /* bucket policies */
        }
    } else if (bd->input) {
        int any = 0;
        const cJSON *ref;
        cJSON_ArrayForEach(ref, members)
        any |= !str_member(ref, "location") && cJSON_GetObjectItemCaseSensitive(bd->args, ref->string);
        if (any)
            xml_struct(&b, bd->svc, bd->input,
                       serialized_name(bd->input, str_member(bd->op, "input")), bd->args,
                       xml_ns(bd->input));
    }
    /* Content-Type always: moto stores a body sent as form data as empty,
     * and libcurl would otherwise add the form type to a PUT/POST */
    int rc = b.oom || (b.len && aws_request_set_body(bd->req, b.data, b.len)) ||
             aws_request_set_header(bd->req, "Content-Type", ctype);
    aws_buf_release(&b);
    return rc ? aws_fail(bd->err, "out of memory") : 0;
}

static int build_restxml(Build *bd)
{
    const char *bucket = str_member(bd->args, "Bucket");
    const char *uri = str_member(bd->op, "requestUri");
    int vhost = !bd->ep->path_style && bucket && dns_compatible(bucket) && uri &&
                strncmp(uri, "/{Bucket}", 9) == 0;
    AwsBuf path, query, host;
    aws_buf_init(&path);
    aws_buf_init(&query);
    aws_buf_init(&host);
    int rc = expand_uri(bd, &path, &query, vhost);
    if (rc == 0) {
        add_query_params(bd, &query);
        aws_buf_printf(&host, "%s%s%s", vhost ? bucket : "", vhost ? "." : "", bd->ep->host);
        if (take_buf(&bd->req->path, &path) || take_buf(&bd->req->query, &query) ||
            take_buf(&bd->req->host, &host))
            rc = aws_fail(bd->err, "out of memory");
    }
    aws_buf_release(&path);
    aws_buf_release(&query);
    aws_buf_release(&host);
    if (rc == 0)
        rc = add_header_params(bd);
    if (rc == 0)
        rc = restxml_body(bd);
    if (rc == 0 && bool_member(bd->op, "checksumRequired")) {
        char md5[25];
        aws_md5_base64(bd->req->body ? bd->req->body : "", bd->req->body_len, md5);
        rc = aws_request_set_header(bd->req, "Content-MD5", md5) ? aws_fail(bd->err, "out of memory") : 0;
    }
    return rc;
}

/* S3 CreateBucket: outside us-east-1 S3 needs CreateBucketConfiguration.
 * LocationConstraint = the region; in us-east-1 it rejects one. botocore
 * does the same in a handler. Returns a patched copy of args or NULL. */
static cJSON *create_bucket_args(const cJSON *args, const char *region)
{
    cJSON *a = cJSON_Duplicate(args, 1);
    if (!a)
        return NULL;
    cJSON *cfg = cJSON_GetObjectItemCaseSensitive(a, "CreateBucketConfiguration");
    if (strcmp(region, "us-east-1") == 0) {
        const char *lc = str_member(cfg, "LocationConstraint");
        if (lc && strcmp(lc, "us-east-1") == 0)
            cJSON_DeleteItemFromObjectCaseSensitive(cfg, "LocationConstraint");
        if (cfg && !cfg->child)
            cJSON_DeleteItemFromObjectCaseSensitive(a, "CreateBucketConfiguration");
        return a;
    }
    if (!cfg)
        cfg = cJSON_AddObjectToObject(a, "CreateBucketConfiguration");
    if (cfg && !cJSON_GetObjectItemCaseSensitive(cfg, "LocationConstraint") &&
        !cJSON_AddStringToObject(cfg, "LocationConstraint", region))
        cfg = NULL;
    if (!cfg) {
        cJSON_Delete(a);
        return NULL;
    }
    return a;
}

static int build_common(Build *bd, const char *protocol)
{
    AwsRequest *r = bd->req;
    int rest = strcmp(protocol, "rest-xml") == 0;
    if (set_str(&r->method, rest ? str_member(bd->op, "method") : "POST") ||
        set_str(&r->scheme, bd->ep->scheme) || set_str(&r->signing_name, bd->ep->signing_name) ||
        set_str(&r->signing_region, bd->ep->signing_region))
        return aws_fail(bd->err, "out of memory");
    r->sign_flags = AWS_SIGN_CONTENT_SHA256 | (rest ? AWS_SIGN_S3 : 0);
    if (!rest) {
        AwsBuf p;
        aws_buf_init(&p);
        aws_buf_printf(&p, "%s/", bd->ep->base_path ? bd->ep->base_path : "");
        if (take_buf(&r->path, &p) || set_str(&r->query, "") || set_str(&r->host, bd->ep->host))
            return aws_fail(bd->err, "out of memory");
    }
    if (strcmp(protocol, "json") == 0)
        return build_json(bd);
    if (strcmp(protocol, "query") == 0)
        return build_query(bd);
    if (rest)
        return build_restxml(bd);
    return aws_fail(bd->err, "protocol `%s` is not supported", protocol);
}

int aws_request_build(const AwsModel *m, const char *service, const char *op,
                      const cJSON *args, const AwsEndpoint *ep, AwsRequest *out, char *err)
{
    aws_request_init(out);
    Build bd = {.svc = aws_model_service(m, service), .op = aws_model_operation(m, service, op),
                .op_name = op, .ep = ep, .req = out, .err = err};
    if (!bd.svc)
        return aws_fail(err, "unknown AWS service `%s`", service ? service : "(null)");
    if (!bd.op)
        return aws_fail(err, "operation `%s` of `%s` is not in the operations model", op ? op : "(null)", service);
    bd.input = aws_model_shape(bd.svc, str_member(bd.op, "input"));
    cJSON *empty = NULL, *patched = NULL;
    if (!args)
        args = empty = cJSON_CreateObject();
    char path[512] = "";
    int rc = -1;
    if (!args) {
        aws_fail(err, "out of memory");
        goto out;
    }
    if (bd.input ? check_value(bd.svc, str_member(bd.op, "input"), args, path, sizeof path, err)
                 : (args->child ? aws_fail(err, "%s takes no arguments", op) : 0))
        goto out;
    if (strcmp(service, "s3") == 0 && strcmp(op, "CreateBucket") == 0) {
        if (!(args = patched = create_bucket_args(args, ep->signing_region))) {
            aws_fail(err, "out of memory");
            goto out;
        }
    }
    bd.args = args;
    rc = build_common(&bd, str_member(bd.svc, "protocol"));
    if (rc == 0 && aws_request_set_header(out, "Host", out->host))
        rc = aws_fail(err, "out of memory");
out:
    cJSON_Delete(empty);
    cJSON_Delete(patched);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Responses                                                            */

void aws_error_init(AwsError *e) { memset(e, 0, sizeof *e); }

void aws_error_release(AwsError *e)
{
    free(e->code);
    free(e->message);
    free(e->request_id);
    memset(e, 0, sizeof *e);
}

static const char *resp_header(const AwsResponse *r, const char *name)
{
    for (size_t i = 0; i < r->n_headers; i++)
        if (r->headers[i].name && aws_strcaseeq(r->headers[i].name, name))
            return r->headers[i].value ? r->headers[i].value : "";
    return NULL;
}

static const char *header_request_id(const AwsResponse *r)
{
    const char *id = resp_header(r, "x-amzn-RequestId");
    return id ? id : resp_header(r, "x-amz-request-id");
}

/* Fills e; code/message may be NULL (then derived from the status). */
static int set_error(AwsError *e, long status, const char *code, const char *msg,
                     const char *rid)
{
    char dflt[32];
    if (!code || !*code) {
        switch (status) {
        case 301: code = "MovedPermanently"; break;
        case 400: code = "BadRequest"; break;
        case 403: code = "Forbidden"; break;
        case 404: code = "NotFound"; break;
        default:
            snprintf(dflt, sizeof dflt, "Http%ld", status);
            code = dflt;
        }
    }
    aws_error_release(e);
    e->http_status = status;
    e->code = aws_strdup(code);
    e->message = aws_strdup(msg ? msg : "");
    e->request_id = aws_strdup(rid);
    return 1;
}

/* botocore: "__type" or x-amzn-ErrorType, text after '#', before ':'. */
static void json_error_code(AwsBuf *b, const char *raw)
{
    const char *hash = strrchr(raw, '#');
    if (hash)
        raw = hash + 1;
    aws_buf_add(b, raw, strcspn(raw, ":"));
}

static int json_error(const AwsResponse *r, AwsError *e, const char *rid)
{
    cJSON *body = r->body_len ? cJSON_ParseWithLength(r->body, r->body_len) : NULL;
    const char *raw = str_member(body, "__type");
    if (!raw)
        raw = resp_header(r, "x-amzn-ErrorType");
    if (!raw)
        raw = str_member(body, "code");
    const char *msg = str_member(body, "message");
    if (!msg)
        msg = str_member(body, "Message");
    AwsBuf code;
    aws_buf_init(&code);
    if (raw)
        json_error_code(&code, raw);
    set_error(e, r->status, code.data, msg, rid);
    aws_buf_release(&code);
    cJSON_Delete(body);
    return 1;
}

/* <ErrorResponse><Error><Code/><Message/></Error><RequestId/></ErrorResponse>,
 * S3's <Error><Code/>...<RequestId/></Error>, EC2's <Response><Errors>... */
static int xml_error(const AwsResponse *r, AwsError *e, const char *rid)
{
    char err[AWS_ERR_MAX];
    AwsXmlNode *root = r->body_len ? aws_xml_parse(r->body, r->body_len, err) : NULL;
    const AwsXmlNode *enode = aws_xml_find(root, "Error");
    const char *code = aws_xml_child_text(enode, "Code");
    const char *msg = aws_xml_child_text(enode, "Message");
    const AwsXmlNode *idn = aws_xml_find(root, "RequestId");
    if (!idn)
        idn = aws_xml_find(root, "RequestID");
    if (idn && idn->text && *idn->text)
        rid = idn->text;
    set_error(e, r->status, code, msg, rid);
    aws_xml_free(root);
    return 1;
}

/* Header-bound members of a rest output (S3 HeadBucket's BucketRegion...). */
static int add_header_members(const cJSON *svc, const cJSON *out_shape, const AwsResponse *r,
                              cJSON *result)
{
    const cJSON *ref;
    cJSON_ArrayForEach(ref, cJSON_GetObjectItemCaseSensitive(out_shape, "members"))
    {
        const char *loc = str_member(ref, "location");
        const char *type = str_member(aws_model_shape(svc, str_member(ref, "shape")), "type");
        cJSON *v = NULL;
        if (loc && strcmp(loc, "statusCode") == 0) {
            v = cJSON_CreateNumber((double)r->status);
        } else if (loc && strcmp(loc, "header") == 0) {
            const char *h = resp_header(r, serialized_name(ref, ref->string));
            if (!h)
                continue;
            int num = type && (strcmp(type, "integer") == 0 || strcmp(type, "long") == 0);
            v = num ? cJSON_CreateNumber(strtod(h, NULL))
                    : type && strcmp(type, "boolean") == 0 ? cJSON_CreateBool(strcmp(h, "true") == 0)
                                                          : cJSON_CreateString(h);
        } else {
            continue;
        }
        if (!v || !cJSON_AddItemToObject(result, ref->string, v)) {
            cJSON_Delete(v);
            return -1;
        }
    }
    return 0;
}

/* Success body of a rest-xml operation. */
static cJSON *restxml_result(const cJSON *svc, const cJSON *out_shape, const AwsResponse *r,
                             char *err)
{
    const char *payload = str_member(out_shape, "payload");
    const cJSON *pref = payload ? cJSON_GetObjectItemCaseSensitive(
                                      cJSON_GetObjectItemCaseSensitive(out_shape, "members"), payload)
                                : NULL;
    const char *ptype = str_member(aws_model_shape(svc, str_member(pref, "shape")), "type");
    cJSON *result = NULL;
    if (pref && ptype && strcmp(ptype, "structure") != 0) {
        /* a raw payload (GetBucketPolicy's policy document) */
        result = cJSON_CreateObject();
        AwsBuf b;
        aws_buf_init(&b);
        aws_buf_add(&b, r->body ? r->body : "", r->body_len);
        if (result && !b.oom && !cJSON_AddStringToObject(result, payload, b.data ? b.data : ""))
            cJSON_Delete(result), result = NULL;
        aws_buf_release(&b);
    } else if (r->body_len && out_shape) {
        AwsXmlNode *root = aws_xml_parse(r->body, r->body_len, err);
        if (!root)
            return NULL;
        if (pref) {
            result = cJSON_CreateObject();
            cJSON *v = aws_xml_shape_to_json(svc, str_member(pref, "shape"), root);
            if (!result || !v || !cJSON_AddItemToObject(result, payload, v)) {
                cJSON_Delete(v);
                cJSON_Delete(result);
                result = NULL;
            }
        } else {
            result = aws_xml_shape_to_json(svc, out_shape->string, root);
        }
        aws_xml_free(root);
    } else {
        result = cJSON_CreateObject();
    }
    if (result && add_header_members(svc, out_shape, r, result)) {
        cJSON_Delete(result);
        result = NULL;
    }
    return result;
}

/* Success body of a query operation: <OpResponse><OpResult>...</OpResult>
 * <ResponseMetadata><RequestId/></ResponseMetadata></OpResponse>. */
static cJSON *query_result(const cJSON *svc, const cJSON *op, const AwsResponse *r,
                           const char **rid_out, AwsXmlNode **keep, char *err)
{
    AwsXmlNode *root = aws_xml_parse(r->body, r->body_len, err);
    if (!root)
        return NULL;
    *keep = root;
    const AwsXmlNode *rid = aws_xml_find(root, "RequestId");
    if (rid && rid->text && *rid->text)
        *rid_out = rid->text;
    const char *wrapper = str_member(op, "resultWrapper");
    const AwsXmlNode *res = wrapper ? aws_xml_child(root, wrapper) : NULL;
    const char *out = str_member(op, "output");
    if (!res || !out)
        return cJSON_CreateObject();
    return aws_xml_shape_to_json(svc, out, res);
}

static cJSON *json_result(const AwsResponse *r, char *err)
{
    if (r->body_len == 0)
        return cJSON_CreateObject();
    cJSON *body = cJSON_ParseWithLength(r->body, r->body_len);
    if (!cJSON_IsObject(body)) {
        cJSON_Delete(body);
        aws_fail(err, "response body is not a JSON object");
        return NULL;
    }
    return body;
}

static int add_metadata(cJSON *result, const char *rid, long status)
{
    cJSON *md = cJSON_CreateObject();
    if (!md || (rid && !cJSON_AddStringToObject(md, "RequestId", rid)) ||
        !cJSON_AddNumberToObject(md, "HTTPStatusCode", (double)status)) {
        cJSON_Delete(md);
        return -1;
    }
    cJSON_DeleteItemFromObjectCaseSensitive(result, "ResponseMetadata");
    if (!cJSON_AddItemToObject(result, "ResponseMetadata", md)) {
        cJSON_Delete(md);
        return -1;
    }
    return 0;
}

int aws_response_parse(const AwsModel *m, const char *service, const char *op,
                       const AwsResponse *resp, cJSON **result, AwsError *error)
{
    *result = NULL;
    aws_error_init(error);
    const cJSON *svc = aws_model_service(m, service);
    const cJSON *opm = aws_model_operation(m, service, op);
    const char *protocol = str_member(svc, "protocol");
    const char *rid = header_request_id(resp);
    if (!opm || !protocol)
        return set_error(error, resp->status, "UnknownOperation", "operation not in the model", rid);
    int json = strcmp(protocol, "json") == 0;
    if (resp->status < 200 || resp->status >= 300)
        return json ? json_error(resp, error, rid) : xml_error(resp, error, rid);

    char err[AWS_ERR_MAX] = "";
    AwsXmlNode *keep = NULL;
    cJSON *res = NULL;
    if (json)
        res = json_result(resp, err);
    else if (strcmp(protocol, "query") == 0)
        res = query_result(svc, opm, resp, &rid, &keep, err);
    else
        res = restxml_result(svc, aws_model_shape(svc, str_member(opm, "output")), resp, err);
    if (res && add_metadata(res, rid, resp->status)) {
        cJSON_Delete(res);
        res = NULL;
        snprintf(err, sizeof err, "out of memory");
    }
    if (!res)
        set_error(error, resp->status, "MalformedResponse", *err ? err : "out of memory", rid);
    aws_xml_free(keep);
    *result = res;
    return res ? 0 : 1;
}
