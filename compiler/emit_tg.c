/* emit_tg.c — the Terragrunt target: renders the unit model (lower.h) as
 *
 *   root.hcl                        remote_state (S3, one bucket per account)
 *                                   and the generated provider
 *   ENV/ACCOUNT/account.hcl         the account's id, region, role, bucket
 *   ENV/ACCOUNT/UNIT/terragrunt.hcl include "root", terraform { source },
 *                                   dependency blocks, inputs
 *   modules/                        sfdc's modules (emit_modules.c)
 *
 * root.hcl once (emit_tg_root), then one account at a time
 * (emit_tg_account), as the driver lowers them.
 *
 * Terragrunt functions used, and no others (SPEC.md lists them):
 * find_in_parent_folders, read_terragrunt_config, path_relative_to_include. */
#include "emit_tg.h"

#include "emit_hcl.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "banned.h"

/* `dependency.LABEL.outputs.OUTPUT["KEY"]` */
static void tg_ref(void *ctx, HclBuf *out, const HclVal *ref)
{
    (void)ctx;
    hcl_buf_put(out, "dependency.", 11);
    hcl_buf_puts(out, ref->unit);
    hcl_buf_put(out, ".outputs.", 9);
    hcl_buf_puts(out, ref->s);
    if (ref->key) {
        hcl_buf_put(out, "[", 1);
        hcl_quote(out, ref->key);
        hcl_buf_put(out, "]", 1);
    }
}

/* Adds the text of buf as a file and empties buf. */
static void add_file(OutTree *t, const char *path, HclBuf *buf)
{
    size_t len;
    char *data = hcl_buf_take(buf, &len);
    out_add(t, path, data, len);
}

/* Escapes template openers in text already in HCL form, for use inside a
 * heredoc template that Terragrunt evaluates once more. */
static void template_escape(HclBuf *out, const char *text)
{
    for (const char *p = text; *p; p++) {
        if ((*p == '$' || *p == '%') && p[1] == '{')
            hcl_buf_put(out, p, 1);
        hcl_buf_put(out, p, 1);
    }
}

/* The provider.tf Terragrunt generates into every unit. */
static const char *provider_text(const LowerPlan *bp, Arena *a)
{
    HclBuf body = {0}, tags = {0};
    HclWriter w;
    hcl_writer_init(&w, &tags, tg_ref, NULL);
    w.depth = 2;
    if (bp->tags->n)
        hcl_attr(&w, "tags", bp->tags);
    hcl_writer_release(&w);
    /* allowed_account_ids: credentials that somehow land in another
     * account make the provider refuse to plan, before any change */
    hcl_buf_puts(&body, "provider \"aws\" {\n"
                        "  region              = \"${local.account.region}\"\n"
                        "  allowed_account_ids = [\"${local.account.account_id}\"]\n"
                        "\n"
                        "  assume_role {\n"
                        "    role_arn = \"${local.account.role_arn}\"\n"
                        "  }\n");
    if (tags.n) {
        hcl_buf_puts(&body, "\n  default_tags {\n");
        template_escape(&body, tags.p);
        hcl_buf_puts(&body, "  }\n");
    }
    hcl_buf_puts(&body, "}\n");
    const char *s = arena_strdup(a, body.p);
    hcl_buf_release(&body);
    hcl_buf_release(&tags);
    return s;
}

/* errors { retry } for failures that a later attempt gets past: throttling
 * and 5xx that outlived the provider's own retries, dropped connections, and
 * IAM's eventual consistency (a role or instance profile created moments ago
 * that ECS or EC2 cannot see yet; the ECS service-linked role on an
 * account's first cluster). Go regular expressions over the run's output. */
static const char *const retryable[] = {
    "(?s).*(ThrottlingException|Throttling: Rate exceeded|RequestLimitExceeded|TooManyRequestsException|SlowDown).*",
    "(?s).*(ServiceUnavailable|InternalFailure|InternalError|StatusCode: 50[0234]).*",
    "(?s).*(RequestError: send request failed|connection reset by peer|i/o timeout|TLS handshake timeout).*",
    "(?is).*(unable to assume the (service linked )?role|invalid IAM instance profile).*",
};

static void emit_errors(HclWriter *w, Arena *a)
{
    hcl_comment(w, "Transient AWS failures: the unit is run again, at most 3 times, 30 s apart.");
    hcl_block_open(w, "errors", NULL, 0);
    static const char *const label[] = {"transient_aws"};
    hcl_block_open(w, "retry", label, 1);
    HclVal *l = hcl_list(a);
    l->multiline = true;
    for (size_t i = 0; i < sizeof retryable / sizeof *retryable; i++)
        hcl_push(a, l, hcl_str(a, retryable[i]));
    hcl_attr(w, "retryable_errors", l);
    hcl_attr(w, "max_attempts", hcl_num(a, 3));
    hcl_attr(w, "sleep_interval_sec", hcl_num(a, 30));
    hcl_block_close(w);
    hcl_block_close(w);
}

static void emit_root(const LowerPlan *bp, OutTree *t, Arena *a)
{
    HclBuf buf = {0};
    HclWriter w;
    hcl_writer_init(&w, &buf, tg_ref, NULL);
    hcl_comment(&w, lower_header(a, bp->platform_src));
    hcl_comment(&w, "\nIncluded by every unit (ENV/ACCOUNT/UNIT/terragrunt.hcl). What differs per\n"
                    "account comes from the nearest account.hcl above the unit.");
    hcl_blank(&w);
    hcl_comment(&w, "The versions the tree is written for (the modules need Terraform 1.5).");
    hcl_attr(&w, "terraform_version_constraint", hcl_str(a, LOWER_TF_VERSIONS));
    hcl_attr(&w, "terragrunt_version_constraint", hcl_str(a, LOWER_TG_VERSIONS));
    hcl_blank(&w);
    hcl_block_open(&w, "locals", NULL, 0);
    hcl_attr(&w, "account", hcl_expr(a, "read_terragrunt_config(find_in_parent_folders(\"account.hcl\")).locals"));
    hcl_block_close(&w);
    hcl_blank(&w);
    hcl_comment(&w, "State: one bucket per account, created by sfdrun before the first run.");
    hcl_block_open(&w, "remote_state", NULL, 0);
    hcl_attr(&w, "backend", hcl_str(a, "s3"));
    HclVal *gen = hcl_obj(a);
    hcl_set(a, gen, "path", hcl_str(a, "backend.tf"));
    hcl_set(a, gen, "if_exists", hcl_str(a, "overwrite_terragrunt"));
    hcl_attr(&w, "generate", gen);
    HclVal *cfg = hcl_obj(a);
    hcl_set(a, cfg, "bucket", hcl_expr(a, "local.account.state_bucket"));
    /* ENV/ACCOUNT/UNIT/terraform.tfstate: names_state_key() of the unit */
    hcl_set(a, cfg, "key", hcl_expr(a, "\"${path_relative_to_include()}/terraform.tfstate\""));
    hcl_set(a, cfg, "region", hcl_expr(a, "local.account.region"));
    hcl_set(a, cfg, "encrypt", hcl_bool(a, true));
    if (bp->lock_dynamodb)
        hcl_set(a, cfg, "dynamodb_table", hcl_expr(a, "local.account.lock_table"));
    else
        hcl_set(a, cfg, "use_lockfile", hcl_bool(a, true));
    HclVal *role = hcl_obj(a);
    hcl_set(a, role, "role_arn", hcl_expr(a, "local.account.role_arn"));
    hcl_set(a, cfg, "assume_role", role);
    hcl_attr(&w, "config", cfg);
    hcl_block_close(&w);
    hcl_blank(&w);
    static const char *const provider[] = {"provider"};
    hcl_block_open(&w, "generate", provider, 1);
    hcl_attr(&w, "path", hcl_str(a, "provider.tf"));
    hcl_attr(&w, "if_exists", hcl_str(a, "overwrite_terragrunt"));
    hcl_attr(&w, "contents", hcl_heredoc(a, provider_text(bp, a)));
    hcl_block_close(&w);
    hcl_blank(&w);
    emit_errors(&w, a);
    hcl_writer_release(&w);
    add_file(t, "root.hcl", &buf);
}

static void emit_account(const LowerPlan *bp, const LowerEnv *e, const LowerAccount *ac, OutTree *t, Arena *a)
{
    HclBuf buf = {0};
    HclWriter w;
    hcl_writer_init(&w, &buf, tg_ref, NULL);
    hcl_comment(&w, lower_header(a, lower_src(bp, ac->account->src)));
    hcl_comment(&w, arena_printf(a, "Account %s in environment %s, read by root.hcl.", ac->account->name, e->dir));
    hcl_blank(&w);
    hcl_block_open(&w, "locals", NULL, 0);
    hcl_attr(&w, "name", hcl_str(a, ac->account->name));
    hcl_attr(&w, "account_id", hcl_str(a, ac->id));
    hcl_attr(&w, "region", hcl_str(a, ac->region));
    hcl_attr(&w, "role_arn", hcl_str(a, ac->role_arn));
    hcl_attr(&w, "state_bucket", hcl_str(a, ac->state_bucket));
    if (ac->lock_table)
        hcl_attr(&w, "lock_table", hcl_str(a, ac->lock_table));
    hcl_block_close(&w);
    hcl_writer_release(&w);
    add_file(t, arena_printf(a, "%s/%s/account.hcl", e->dir, ac->dir), &buf);
}

/* ---- dependencies ------------------------------------------------------- */

/* The outputs of other units one unit reads: per unit label, a sorted set
 * of output names. */
typedef struct Dep {
    const char *label;      /* the unit read */
    const char *outputs[32];/* distinct output names */
    int n;
} Dep;

static void collect_refs(const HclVal *v, Dep *deps, int *ndeps, int cap)
{
    if (v->kind == HCL_REF) {
        int i = 0;
        while (i < *ndeps && strcmp(deps[i].label, v->unit) != 0)
            i++;
        if (i == *ndeps) {
            if (*ndeps == cap)
                return;
            deps[(*ndeps)++] = (Dep){.label = v->unit};
        }
        for (int k = 0; k < deps[i].n; k++)
            if (strcmp(deps[i].outputs[k], v->s) == 0)
                return;
        if (deps[i].n < 32)
            deps[i].outputs[deps[i].n++] = v->s;
        return;
    }
    if (v->kind == HCL_LIST || v->kind == HCL_OBJ || v->kind == HCL_TMPL)
        for (int i = 0; i < v->n; i++)
            collect_refs(v->items[i], deps, ndeps, cap);
}

/* A dependency block rendered in this account: its text serves every unit
 * that reads the same outputs of the same unit (the services read the
 * cluster, network and database alike). */
typedef struct DepText {
    Dep dep;                /* the label and outputs it was rendered for */
    const char *text;       /* the block; in the account's arena */
    size_t len;
} DepText;

/* The account's rendered dependency blocks. */
typedef struct DepCache {
    DepText *v;             /* arena */
    int n, cap;
} DepCache;

static bool same_dep(const Dep *x, const Dep *y)
{
    if (x->n != y->n || strcmp(x->label, y->label) != 0)
        return false;
    for (int i = 0; i < x->n; i++)
        if (x->outputs[i] != y->outputs[i] && strcmp(x->outputs[i], y->outputs[i]) != 0)
            return false;
    return true;
}

static void emit_dependency(HclWriter *w, const LowerAccount *ac, const Dep *d, Arena *a)
{
    const LowerUnit *dep = lower_unit(ac, d->label);
    const char *labels[] = {d->label};
    hcl_block_open(w, "dependency", labels, 1);
    hcl_attr(w, "config_path", hcl_str(a, lower_cat(a, "../", dep ? dep->name : d->label, NULL)));
    HclVal *mocks = hcl_obj(a);
    for (int i = 0; i < d->n; i++) {
        const HclVal *m = NULL;
        for (int k = 0; dep && k < dep->mocks->n; k++)
            if (strcmp(dep->mocks->keys[k], d->outputs[i]) == 0)
                m = dep->mocks->items[k];
        hcl_set(a, mocks, d->outputs[i], m ? (HclVal *)m : hcl_str(a, "mock"));
    }
    hcl_obj_sort(mocks);
    mocks->multiline = true;
    hcl_blank(w);
    hcl_attr(w, "mock_outputs", mocks);
    /* destroy too: after a failed apply a dependency may have no outputs,
     * and its dependents must still be destroyable (they read none of the
     * values to delete what their own state holds) */
    hcl_attr(w, "mock_outputs_allowed_terraform_commands", hcl_expr(a, "[\"validate\", \"plan\", \"destroy\"]"));
    hcl_block_close(w);
}

/* emit_dependency through the account's cache: rendered once by a writer
 * of its own (at depth 0, as the unit's), then copied. */
static void dependency_cached(HclWriter *w, const LowerAccount *ac, const Dep *d, DepCache *c, Arena *a)
{
    for (int i = 0; i < c->n; i++)
        if (same_dep(&c->v[i].dep, d)) {
            hcl_raw(w, c->v[i].text, c->v[i].len);
            return;
        }
    HclBuf buf = {0};
    HclWriter bw;
    hcl_writer_init(&bw, &buf, w->ref, w->ref_ctx);
    emit_dependency(&bw, ac, d, a);
    hcl_writer_release(&bw);
    if (c->n == c->cap) {
        int cap = c->cap ? c->cap * 2 : 16;
        DepText *v = arena_alloc(a, (size_t)cap * sizeof *v);
        if (c->n)
            memcpy(v, c->v, (size_t)c->n * sizeof *v);
        c->v = v;
        c->cap = cap;
    }
    c->v[c->n++] = (DepText){*d, arena_strdup(a, buf.p), buf.n};
    hcl_raw(w, buf.p, buf.n);
    hcl_buf_release(&buf);
}

/* `# ` and the pieces (NULL-terminated) as one comment line, written
 * straight into out; text holding a newline (never seen: source paths and
 * object paths have none) goes through hcl_comment, which splits it. */
static void comment_line(HclWriter *w, Arena *a, const char *p0, const char *p1, const char *p2,
                         const char *p3, const char *p4, const char *p5)
{
    const char *piece[] = {p0, p1, p2, p3, p4, p5};
    HclBuf *out = w->out;
    size_t start = out->n;
    hcl_buf_put(out, "# ", 2);
    for (size_t i = 0; i < sizeof piece / sizeof *piece && piece[i]; i++)
        hcl_buf_puts(out, piece[i]);
    if (!memchr(out->p + start, '\n', out->n - start) && out->n - start > 2) {
        hcl_buf_put(out, "\n", 1);
        w->at_start = false;
        return;
    }
    const char *text = arena_strdup(a, out->p + start + 2);
    out->n = start;
    out->p[start] = '\0';
    hcl_comment(w, text);
}

/* The unit's inputs as one object: names in their first order, a later
 * value of a name replacing the earlier (as hcl_set does), found through a
 * small hash table instead of a scan of the names so far per name. */
static HclVal *inputs_obj(const LowerUnit *u, Arena *a)
{
    enum { MAXSLOTS = 256 };
    HclVal *o = hcl_obj(a);
    o->multiline = true;
    int n = u->ninputs, slots = 16;
    while (slots < 2 * n && slots < MAXSLOTS)
        slots *= 2;
    if (2 * n > slots) {     /* more than the table holds: hcl_set's scan */
        for (int i = 0; i < n; i++)
            hcl_set(a, o, u->inputs[i].name, u->inputs[i].val);
        return o;
    }
    short slot[MAXSLOTS];
    memset(slot, -1, (size_t)slots * sizeof *slot);
    o->keys = arena_alloc(a, (size_t)n * sizeof *o->keys);
    o->items = arena_alloc(a, (size_t)n * sizeof *o->items);
    o->cap = n;
    for (int i = 0; i < n; i++) {
        const char *name = u->inputs[i].name;
        uint32_t h = 2166136261u;   /* FNV-1a */
        for (const unsigned char *p = (const unsigned char *)name; *p; p++)
            h = (h ^ *p) * 16777619u;
        unsigned k = h & (unsigned)(slots - 1);
        while (slot[k] >= 0 && strcmp(o->keys[slot[k]], name) != 0)
            k = (k + 1) & (unsigned)(slots - 1);
        if (slot[k] >= 0) {
            o->items[slot[k]] = u->inputs[i].val;
            continue;
        }
        slot[k] = (short)o->n;
        o->keys[o->n] = name;
        o->items[o->n++] = u->inputs[i].val;
    }
    return o;
}

/* The head every unit shares, written as text (no values to lay out):
 *
 *   # Generated by sfdc VERSION from SRC — do not edit.
 *   # PATH in environment ENV: module MODULE.
 *
 *   include "root" { path = find_in_parent_folders("root.hcl") }
 *
 *   terraform { source = "../../../modules//MODULE" }
 *
 * (the blocks on their lines, as hcl_block_open/hcl_attr write them) */
static void unit_head(HclWriter *w, const char *src, const LowerEnv *e, const LowerUnit *u, Arena *a)
{
    static const char include[] = "\n"
                                  "include \"root\" {\n"
                                  "  path = find_in_parent_folders(\"root.hcl\")\n"
                                  "}\n"
                                  "\n"
                                  "terraform {\n"
                                  "  source = \"../../../modules//";
    comment_line(w, a, "Generated by sfdc " SFDC_VERSION " from ", src, " \xe2\x80\x94 do not edit.", NULL, NULL, NULL);
    comment_line(w, a, u->obj->path, " in environment ", e->dir, ": module ", u->module, ".");
    hcl_buf_put(w->out, include, sizeof include - 1);
    hcl_escape(w->out, u->module);
    hcl_buf_put(w->out, "\"\n}\n", 4);
}

/* One unit's terragrunt.hcl, through the account's writer w. */
static void emit_unit(const LowerPlan *bp, const LowerEnv *e, const LowerAccount *ac, const LowerUnit *u,
                      DepCache *deps_done, HclWriter *w, OutTree *t, Arena *a)
{
    HclBuf buf = {0};
    hcl_buf_reserve(&buf, 2048);
    hcl_writer_reset(w, &buf);
    unit_head(w, lower_src(bp, u->obj->src), e, u, a);
    Dep deps[32];
    int ndeps = 0;
    for (int i = 0; i < u->ninputs; i++)
        collect_refs(u->inputs[i].val, deps, &ndeps, 32);
    for (int i = 0; i < ndeps; i++) {
        hcl_blank(w);
        dependency_cached(w, ac, &deps[i], deps_done, a);
    }
    if (u->nafter) {
        hcl_blank(w);
        hcl_comment(w, "Applied after these units of other accounts (values known at build time, no outputs read).");
        hcl_block_open(w, "dependencies", NULL, 0);
        HclVal *paths = hcl_list(a);
        for (int i = 0; i < u->nafter; i++)
            hcl_push(a, paths, hcl_str(a, lower_cat(a, "../../", u->after[i], NULL)));
        hcl_attr(w, "paths", paths);
        hcl_block_close(w);
    }
    if (u->ninputs) {
        hcl_blank(w);
        hcl_attr(w, "inputs", inputs_obj(u, a));
    }
    hcl_writer_reset(w, NULL);     /* the text is complete: flushed into buf */
    add_file(t, lower_cat(a, e->dir, "/", ac->dir, "/", u->name, "/terragrunt.hcl", NULL), &buf);
}

void emit_tg_root(const LowerPlan *bp, OutTree *t)
{
    Arena a;
    arena_init(&a);
    emit_root(bp, t, &a);
    arena_release(&a);
}

void emit_tg_account(const LowerPlan *bp, const LowerEnv *e, const LowerAccount *ac, OutTree *t)
{
    Arena a;
    arena_init(&a);
    emit_account(bp, e, ac, t, &a);
    DepCache deps_done = {0};
    HclWriter w;
    hcl_writer_init(&w, NULL, tg_ref, NULL);
    for (int k = 0; k < ac->nunits; k++)
        emit_unit(bp, e, ac, ac->units[k], &deps_done, &w, t, &a);
    hcl_writer_release(&w);
    arena_release(&a);
}
