/* rules_aws_names.c — the AWS rule pass's names (rules_aws.h): the ECR
 * repository named after its block (E0504), the IAM roles sfdc creates
 * or assumes (E0508), and every other name names.c derives against the
 * parameters constraints.json lists for its kind (E0524), the on-demand
 * EventBridge rules among them. A name is derived once a pass (the
 * NameCtx's memo) and a name equal to one that passed passes. */
#include "rules_aws.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "banned.h"

/* ---- E0504 ECR repository names ------------------------------------------- */

/* The label of a block, narrowed to [off, off+len) of its text. */
static Site label_part(const Object *o, size_t off, size_t len)
{
    const Node *l = o->node->a;
    if (!l || len == 0)
        return model_obj_site(o);
    uint32_t base = l->span.start + (l->kind == NODE_STR ? 1 : 0);
    if (l->kind != NODE_IDENT && l->kind != NODE_STR)
        return model_obj_site(o);
    Site s = {o->src, {base + (uint32_t)off, base + (uint32_t)(off + len)}};
    if (s.span.end > l->span.end)
        return model_obj_site(o);
    return s;
}

static void ecr_name(Aws *c, Object *o)
{
    char buf[512];
    const NameCtx nc = c->nc;
    names_ecr(&nc, o, buf, sizeof buf);
    RuleMsg rm;
    if (awslim_ecr_repo_name(buf, strlen(buf), &rm))
        return;
    Site s = label_part(o, rm.off, rm.len);
    Diag *g = diag_new(c->d, DIAG_ERROR, "E0504", s.src, s.span, "%s", rm.msg);
    diag_label(c->d, g, "the repository is named after the block");
    if (rm.help[0])
        diag_help(c->d, g, "%s", rm.help);
    diag_emit(c->d, g);
}

void rules_aws_names_ecr_block(Aws *c, RctxCursor *k, const RctxBlocks *b)
{
    for (; rctx_more(k, b); k->i++)
        ecr_name(c, k->l->items[k->i]);
}

/* ---- E0508 IAM role names --------------------------------------------------- */

/* E0508 on one role sfdc names; false when reported. */
static bool role_name(Aws *c, Object *o, NamesRole kind, const char *pattern)
{
    char buf[512];
    const NameCtx nc = c->nc;
    names_role(&nc, o, kind, buf, sizeof buf);
    RuleMsg rm;
    if (awslim_iam_role_name(buf, strlen(buf), &rm))
        return true;
    Site s = model_obj_site(o);
    Diag *g = diag_new(c->d, DIAG_ERROR, "E0508", s.src, s.span, "%s: `%s`", rm.msg, buf);
    diag_label(c->d, g, "sfdc creates this role for `%s`", o->path);
    diag_help(c->d, g, "shorten the platform, account or %s name", o->kind);
    diag_note(c->d, g, "the role is named `%s`", pattern);
    diag_emit(c->d, g);
    return false;
}

/* `role = "ci/deployer"`: the ARN sfdc writes is `...:role/ci/deployer`, a
 * role named `deployer` with the IAM path `/ci/`; both parts are checked. */
static void account_role(Aws *c, Object *a)
{
    const Value *v = rctx_val(c->m, a, "role", NULL);
    if (!v || v->kind != VAL_STR)
        return;
    Site site = rctx_site(c->m, a, "role", NULL);
    const char *s = v->u.str, *slash = strrchr(s, '/');
    size_t plen = slash ? (size_t)(slash - s) + 1 : 0;
    RuleMsg rm;
    if (!awslim_iam_role_name(s + plen, strlen(s + plen), &rm)) {
        rm.off += plen;
        rctx_report(c->d, DIAG_ERROR, "E0508", v, site, &rm, NULL);
        return;
    }
    const AwscParam *p = plen ? rules_aws_param(c, "iam.CreateRole.Path") : NULL;
    if (!p)
        return;
    char path[600];
    snprintf(path, sizeof path, "/%.*s", (int)plen, s);
    if (s[0] == '/' || !awsc_string(p, "role path", path, strlen(path), &rm)) {
        if (s[0] == '/')
            snprintf(rm.msg, sizeof rm.msg, "role `%s` starts with `/`: the ARN would hold `role//`", s);
        snprintf(rm.help, sizeof rm.help, "write the path without a leading `/`, as in `ci/deployer` "
                 "for the role `deployer` under the path `/ci/`");
        rm.off = 0;
        rm.len = plen;
        rctx_report(c->d, DIAG_ERROR, "E0508", v, site, &rm, NULL);
    }
}

void rules_aws_names_roles_init(const Aws *c, RoleWalk *w)
{
    rctx_cursor_init(&w->svcs, c->m, "service");
    rctx_cursor_init(&w->clusters, c->m, "cluster");
    rctx_cursor_init(&w->accs, c->m, "account");
}

void rules_aws_names_roles_block(Aws *c, RoleWalk *w, const RctxBlocks *b)
{
    /* the execution role is the task role with "-exec" for "-task"
       (names.c: both are the role prefix and a suffix of 5 characters IAM
       accepts), and IAM asks only for characters and a length: it passes
       exactly when the task role does, and is derived only when that
       failed (half of E0508's work: ~12,000 roles at 1,000 LAs) */
    for (RctxCursor *k = &w->svcs; rctx_more(k, b); k->i++) {
        rctx_prefetch(c->m, k->l, k->i);
        if (!role_name(c, k->l->items[k->i], NAMES_ROLE_TASK, "<platform>-<account>-<service>-task"))
            role_name(c, k->l->items[k->i], NAMES_ROLE_EXEC, "<platform>-<account>-<service>-exec");
    }
    for (RctxCursor *k = &w->clusters; rctx_more(k, b); k->i++) {
        rctx_prefetch(c->m, k->l, k->i);
        if (strcmp(rctx_str(c->m, k->l->items[k->i], "compute", NULL, "fargate"), "ec2") == 0)
            role_name(c, k->l->items[k->i], NAMES_ROLE_INSTANCE,
                      "<platform>-<account>-<cluster>-ec2-ecs-instance");
    }
    /* the role sfdc assumes into each account is named by the user */
    for (RctxCursor *k = &w->accs; rctx_more(k, b); k->i++) {
        rctx_prefetch(c->m, k->l, k->i);
        account_role(c, k->l->items[k->i]);
    }
}

/* ---- E0524 derived names ------------------------------------------------------------ */

/* The objects names are derived for (names.h), in the order they are checked. */
static const char *const name_owners[] = {"account", "cluster", "service", "aurora", "rds",
                                          "bucket", "ecr", "secret"};
_Static_assert(sizeof name_owners / sizeof name_owners[0] == NAME_NOWNERS,
               "NAME_NOWNERS (rules_aws.h) counts name_owners");

/* E0524 on one derived name that breaks parameter p. */
static void bad_name(Aws *c, const Object *o, NameKind k, const char *name, const RuleMsg *rm)
{
    Site s = model_obj_site(o);
    const char *spelling = names_kind_name(k);
    Diag *g = diag_new(c->d, DIAG_ERROR, "E0524", s.src, s.span, "%s", rm->msg);
    diag_label(c->d, g, "sfdc derives the %s name `%s` from `%s`", spelling, name, o->path);
    if (rm->help[0])
        diag_help(c->d, g, "%s", rm->help);
    diag_note(c->d, g, "derived names join the platform, account and block names (SPEC §13): "
                       "shorten or rename them");
    diag_emit(c->d, g);
}

/* Whether s is a name the plan accepts ([a-z0-9-]+, what E0804 enforces on
 * platform and account names): derived names made of one that is not are
 * E0804's mistake, not a second one. */
static bool plan_name_ok(const char *s)
{
    if (!s || !*s)
        return false;
    for (; *s; s++)     /* not strspn: it builds its table on every call */
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-'))
            return false;
    return true;
}

/* Whether the name of kind k exists for o: an account's network names only
 * when it has a network. */
static bool name_emitted(Aws *c, NameKind k, const Object *o)
{
    if (k == NAME_NETWORK || k == NAME_ENDPOINT_SG || k == NAME_FLOW_LOG_GROUP ||
        k == NAME_FLOW_LOG_ROLE)
        return rctx_network(c->m, o) != NULL;
    return true;
}

static bool same_as_passed(const Passed *p, NameKind k, const char *s, size_t len)
{
    int n = k == NAME_SERVICE ? PASSED_RING : 1;
    for (int i = 0; i < n; i++)
        if (p->len[i] == len && memcmp(p->text[i], s, len) == 0)
            return true;
    return false;
}

static void note_passed(Passed *p, NameKind k, const char *s, size_t len)
{
    if (len >= sizeof p->text[0])
        return;
    int i = k == NAME_SERVICE ? p->next : 0;
    memcpy(p->text[i], s, len);
    p->len[i] = len;
    p->next = (p->next + 1) % PASSED_RING;
}

/* plan_name_ok of o's account, asked once an account a pass: ok[index]
 * 0 not asked yet, 1 yes, 2 no (ok NULL: asked every time). */
static bool account_ok(const Model *m, uint8_t *ok, const Object *o)
{
    const Object *a = o->account;
    if (!a)
        return false;
    if (!ok || a->index >= (uint32_t)m->nobjects)
        return plan_name_ok(a->name);
    if (!ok[a->index])
        ok[a->index] = plan_name_ok(a->name) ? 1 : 2;
    return ok[a->index] == 1;
}

/* In the first block, at the walk's turn: rules_aws_param() reads constraints.json
 * (and reports it missing) when the walk reaches it, as before. */
static void names_walk_begin(Aws *c, NamesWalk *w)
{
    w->begun = true;
    if (!rules_aws_param(c, "iam.CreateRole.RoleName"))
        return;                 /* no table: reported once by rules_aws_param() */
    if (!plan_name_ok(names_platform(c->m)))
        return;
    w->on = true;
    w->acct_ok = calloc((size_t)c->m->nobjects + 1, 1);
    for (size_t o = 0; o < NAME_NOWNERS; o++) {
        NameOwner *ow = &w->owners[o];
        rctx_cursor_init(&ow->k, c->m, name_owners[o]);
        for (int k = 0; ow->k.l->n && k < NAME_NKINDS; k++) {  /* applicability depends on the kind only */
            ow->np[k] = names_applies((NameKind)k, ow->k.l->items[0])
                            ? awsc_name_params(c->cons, names_kind_name((NameKind)k), name_owners[o],
                                               ow->ps[k], NAME_MAX_PARAMS)
                            : 0;
            if (ow->np[k])
                ow->ks[ow->nks++] = k;
        }
    }
}

/* The names of one object of owner kind ow (accounts: ow is the accounts',
 * whose deployment-wide names are the same for all). */
static void names_of(Aws *c, NamesWalk *w, NameOwner *ow, bool accounts, Object *o)
{
    const NameCtx nc = c->nc;
    char buf[1024];
    if (!account_ok(c->m, w->acct_ok, o))
        return;
    for (int j = 0; j < ow->nks; j++) {
        int k = ow->ks[j];
        bool wide = accounts && names_deployment_wide((NameKind)k);
        if (wide && w->wide_passed[k][o->multi_env])
            continue;   /* the same name as one that passed (names.h) */
        size_t len = name_emitted(c, (NameKind)k, o) ? names_derive(&nc, (NameKind)k, o, buf, sizeof buf) : 0;
        if (len == 0 || len >= sizeof buf || same_as_passed(&ow->passed[k], (NameKind)k, buf, len))
            continue;
        RuleMsg rm;
        int p = 0;
        while (p < ow->np[k] && awsc_string(ow->ps[k][p], names_kind_name((NameKind)k), buf, len, &rm))
            p++;
        if (p < ow->np[k])
            bad_name(c, o, (NameKind)k, buf, &rm);
        else {
            note_passed(&ow->passed[k], (NameKind)k, buf, len);
            if (wide)
                w->wide_passed[k][o->multi_env] = true;
        }
    }
}

/* E0524: every name names.c derives, as emitted, satisfies the parameters
 * constraints.json's `names` lists for its kind (the AWS API's and the
 * receiving module's validation). Names a hand-written rule checks
 * (buckets, repositories, roles) are not listed there. */
void rules_aws_names_derived_block(Aws *c, NamesWalk *w, const RctxBlocks *b)
{
    if (!w->begun)
        names_walk_begin(c, w);
    for (size_t o = 0; w->on && o < NAME_NOWNERS; o++)
        for (RctxCursor *k = &w->owners[o].k; w->owners[o].nks && rctx_more(k, b); k->i++) {
            rctx_prefetch(c->m, k->l, k->i);
            names_of(c, w, &w->owners[o], o == 0, k->l->items[k->i]);
        }
}

/* In the first block, after rules_aws_names_derived_block has read constraints.json. */
static void on_demand_begin(Aws *c, OnDemandWalk *w)
{
    w->begun = true;
    rctx_cursor_init(&w->svcs, c->m, "service");
    w->np = w->svcs.l->n && c->cons ? awsc_name_params(c->cons, names_kind_name(NAME_ON_DEMAND_RULE),
                                                       "service", w->ps, NAME_MAX_PARAMS)
                                    : 0;
}

void rules_aws_names_on_demand_block(Aws *c, OnDemandWalk *w, const RctxBlocks *b)
{
    if (!w->begun)
        on_demand_begin(c, w);
    for (RctxCursor *k = &w->svcs; w->np && rctx_more(k, b); k->i++) {
        rctx_prefetch(c->m, k->l, k->i);
        const Object *o = k->l->items[k->i];
        const Value *v = rctx_val(c->m, o, "starts_on", NULL);
        if (!o->account || !plan_name_ok(o->account->name) || !v || v->kind != VAL_LIST)
            continue;
        if (w->n == w->cap) {
            w->cap = w->cap ? 2 * w->cap : 16;
            w->due = xrealloc(w->due, w->cap * sizeof *w->due);
        }
        w->due[w->n++] = o;
    }
}

static void on_demand_rule_names(Aws *c, const OnDemandWalk *w, const Object *o)
{
    const NameCtx nc = c->nc;
    char buf[1024];
    const Value *v = rctx_val(c->m, o, "starts_on", NULL);
    for (uint32_t j = 0; j < v->n; j++) {
        const Object *k = v->items[j]->kind == VAL_REF ? v->items[j]->ref : NULL;
        size_t len = k ? names_on_demand_rule(&nc, o, k, buf, sizeof buf) : 0;
        RuleMsg rm;
        for (int p = 0; len && len < sizeof buf && p < w->np; p++)
            if (!awsc_string(w->ps[p], "EventBridge rule name", buf, len, &rm)) {
                bad_name(c, o, NAME_ON_DEMAND_RULE, buf, &rm);
                break;
            }
    }
}

void rules_aws_names_on_demand_finish(Aws *c, OnDemandWalk *w)
{
    for (size_t i = 0; i < w->n; i++)
        on_demand_rule_names(c, w, w->due[i]);
    free(w->due);
}
