/* emit_tf.c — the plain Terraform target, for teams without Terragrunt:
 * the same units (lower.h) rendered as one root module per environment and
 * account,
 *
 *   ENV/ACCOUNT/main.tf     terraform { required_providers, backend "s3" },
 *                           provider "aws" (assume_role, default_tags),
 *                           one module block per unit, wired by
 *                           module.UNIT.OUTPUT
 *   modules/                sfdc's modules (emit_modules.c)
 *
 * Roots of different accounts share nothing at run time: values from other
 * accounts are known at build time. Apply core first (its registries), then
 * the others; each root's header names what it must come after. */
#include "emit_tf.h"

#include "emit_hcl.h"
#include "names.h"

#include <string.h>

#include "banned.h"

/* `module.LABEL.OUTPUT["KEY"]` */
static void tf_ref(void *ctx, HclBuf *out, const HclVal *ref)
{
    (void)ctx;
    hcl_buf_printf(out, "module.%s.%s", ref->unit, ref->s);
    if (ref->key) {
        hcl_buf_put(out, "[", 1);
        hcl_quote(out, ref->key);
        hcl_buf_put(out, "]", 1);
    }
}

static void emit_settings(const LowerPlan *bp, const LowerEnv *e, const LowerAccount *ac, HclWriter *w,
                          Arena *a)
{
    hcl_block_open(w, "terraform", NULL, 0);
    hcl_attr(w, "required_version", hcl_str(a, LOWER_TF_VERSIONS));
    hcl_blank(w);
    hcl_block_open(w, "required_providers", NULL, 0);
    HclVal *aws = hcl_obj(a);
    aws->multiline = true;
    hcl_set(a, aws, "source", hcl_str(a, "hashicorp/aws"));
    hcl_set(a, aws, "version", hcl_str(a, ">= 5.0, < 6.0"));
    hcl_attr(w, "aws", aws);
    hcl_block_close(w);
    hcl_blank(w);
    static const char *const s3[] = {"s3"};
    hcl_block_open(w, "backend", s3, 1);
    hcl_attr(w, "bucket", hcl_str(a, ac->state_bucket));
    NameCtx nc = names_ctx(bp->m, e->env);
    char key[512];
    names_state_key(&nc, ac->account, NULL, key, sizeof key);
    hcl_attr(w, "key", hcl_str(a, arena_strdup(a, key)));
    hcl_attr(w, "region", hcl_str(a, ac->region));
    hcl_attr(w, "encrypt", hcl_bool(a, true));
    if (ac->lock_table)
        hcl_attr(w, "dynamodb_table", hcl_str(a, ac->lock_table));
    else
        hcl_attr(w, "use_lockfile", hcl_bool(a, true));
    HclVal *role = hcl_obj(a);
    role->multiline = true;
    hcl_set(a, role, "role_arn", hcl_str(a, ac->role_arn));
    hcl_attr(w, "assume_role", role);
    hcl_block_close(w);
    hcl_block_close(w);
    hcl_blank(w);
    static const char *const awsl[] = {"aws"};
    hcl_block_open(w, "provider", awsl, 1);
    hcl_attr(w, "region", hcl_str(a, ac->region));
    /* credentials that land in another account: refuse before any change */
    hcl_attr(w, "allowed_account_ids", hcl_expr(a, arena_printf(a, "[\"%s\"]", ac->id)));
    hcl_blank(w);
    hcl_block_open(w, "assume_role", NULL, 0);
    hcl_attr(w, "role_arn", hcl_str(a, ac->role_arn));
    hcl_block_close(w);
    if (bp->tags->n) {
        hcl_blank(w);
        hcl_block_open(w, "default_tags", NULL, 0);
        HclVal *tags = hcl_obj(a);
        *tags = *bp->tags;
        tags->multiline = true;
        hcl_attr(w, "tags", tags);
        hcl_block_close(w);
    }
    hcl_block_close(w);
}

static void emit_module(const LowerUnit *u, HclWriter *w, Arena *a)
{
    hcl_blank(w);
    /* the implicit cluster stands for the account itself */
    hcl_comment(w, strcmp(u->obj->kind, "account") == 0
                       ? arena_printf(a, "%s: the cluster of its services", u->obj->path)
                       : u->obj->path);
    const char *labels[] = {u->label};
    hcl_block_open(w, "module", labels, 1);
    hcl_attr(w, "source", hcl_str(a, arena_printf(a, "../../modules/%s", u->module)));
    if (u->ninputs)
        hcl_blank(w);
    for (int i = 0; i < u->ninputs; i++)
        hcl_attr(w, u->inputs[i].name, u->inputs[i].val);
    hcl_block_close(w);
}

/* The other accounts' roots this one must be applied after. */
static const char *after_note(const LowerAccount *ac, Arena *a)
{
    HclBuf b = {0};
    for (int i = 0; i < ac->nunits; i++)
        for (int k = 0; k < ac->units[i]->nafter; k++) {
            const char *acct = ac->units[i]->after[k];
            size_t n = strcspn(acct, "/");
            char pat[140];
            snprintf(pat, sizeof pat, " %.*s,", (int)n, acct);
            if (b.p && strstr(b.p, pat))
                continue;
            hcl_buf_puts(&b, pat);
        }
    if (!b.p)
        return NULL;
    b.p[b.n - 1] = '\0';    /* the last comma */
    const char *s = arena_printf(a, "Apply after:%s (values of theirs are used here).", b.p);
    hcl_buf_release(&b);
    return s;
}

void emit_tf_account(const LowerPlan *bp, const LowerEnv *e, const LowerAccount *ac, OutTree *t)
{
    Arena a;
    arena_init(&a);
    HclBuf buf = {0};
    HclWriter w;
    hcl_writer_init(&w, &buf, tf_ref, NULL);
    hcl_comment(&w, lower_header(&a, lower_src(bp, ac->account->src)));
    hcl_comment(&w, arena_printf(&a, "Account %s (%s) in environment %s.", ac->account->name, ac->id, e->dir));
    const char *note = after_note(ac, &a);
    if (note)
        hcl_comment(&w, note);
    hcl_blank(&w);
    emit_settings(bp, e, ac, &w, &a);
    for (int k = 0; k < ac->nunits; k++)
        emit_module(ac->units[k], &w, &a);
    hcl_writer_release(&w);
    size_t len;
    char *data = hcl_buf_take(&buf, &len);
    out_add(t, arena_printf(&a, "%s/%s/main.tf", e->dir, ac->dir), data, len);
    arena_release(&a);
}
