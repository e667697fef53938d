/* graph.c — `sfdc graph` (see graph.h): accounts, units and what connects
 * them, rendered as Mermaid or DOT.
 *
 * Two passes: collect (nodes with stable, unique ids; edges deduplicated
 * in first-seen order) and print. Both formats print the same nodes and
 * edges in the same order, so the two outputs always tell the same story. */
#include "graph.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "names.h"
#include "strbuf.h"
#include "banned.h"

/* Account kinds in the order their groups are drawn. */
static const char *const kind_order[] = {"core", "organisation", "la"};

typedef enum EdgeKind {
    EDGE_DEPLOYS,       /* parent account -> the account it deploys */
    EDGE_PULL,          /* repository -> service using it as `image` */
    EDGE_READ,          /* bucket -> account granted read (`readers`) */
    EDGE_WIRE,          /* a unit's output feeds another's input */
    EDGE_START,         /* bucket -> service its uploads start (`starts_on`) */
    EDGE_CONNECT,       /* service -> the service it reaches by name (`connects`) */
} EdgeKind;

typedef struct GNode {
    const Object *obj;  /* the object; NULL for an implicit cluster */
    const Object *acct; /* its account */
    const char *id;     /* unique identifier, [A-Za-z0-9_] */
    const char *label;  /* first line: "service daemon" */
    const char *detail; /* second line (an id, a CIDR) or NULL */
    bool is_account;    /* the account itself */
} GNode;

typedef struct GEdge {
    int from, to;       /* node indexes */
    EdgeKind kind;
    const char *label;  /* "pull", "read", "deploys", or the wiring ("subnets") */
} GEdge;

typedef struct Graph {
    const Model *m;
    const Environment *env;
    Arena a;            /* strings */
    GNode *nodes;        /* malloc'd */
    int nnodes, capn;
    GEdge *edges;        /* malloc'd */
    int nedges, cape;
    Table by_obj;       /* Object* -> node index + 1 */
    Table implicit;     /* account Object* -> index + 1 of its implicit cluster */
    Table ids;          /* interned id -> (void *)1: ids in use */
} Graph;

/* ---- collecting --------------------------------------------------------- */

static Value *get(const Graph *g, const Object *o, const char *field)
{
    return model_get_env(g->m, o, field, g->env);
}

static const char *get_str(const Graph *g, const Object *o, const char *field)
{
    const Value *v = get(g, o, field);
    return v && (v->kind == VAL_STR || v->kind == VAL_SYM) ? v->u.str : NULL;
}

static const Object *get_ref(const Graph *g, const Object *o, const char *field)
{
    const Value *v = get(g, o, field);
    return v && v->kind == VAL_REF ? v->ref : NULL;
}

static bool in_env(const Graph *g, const Object *account)
{
    if (!g->env || !account)
        return account != NULL;
    const Value *v = model_get(g->m, g->env->obj, "accounts");
    if (!v || v->kind != VAL_LIST)
        return true;
    for (uint32_t i = 0; i < v->n; i++)
        if (v->items[i]->kind == VAL_REF && v->items[i]->ref == account)
            return true;
    return false;
}

/* Words Mermaid or DOT would read as syntax if used as a node id. */
static bool reserved(const char *s)
{
    static const char *const words[] = {"end", "graph", "subgraph", "flowchart", "node", "edge",
                                        "digraph", "strict", "style", "class", "classDef",
                                        "click", "default", "linkStyle"};
    for (size_t i = 0; i < sizeof words / sizeof *words; i++)
        if (strcasecmp(s, words[i]) == 0)
            return true;
    return false;
}

/* A unique identifier from a path: letters and digits kept, the rest `_`;
 * a reserved word gets a trailing `_`; a clash (la-a.x and la_a.x) takes a
 * numeric suffix. */
static const char *unique_id(Graph *g, const char *path)
{
    char *s = arena_strdup(&g->a, path);
    for (char *p = s; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')))
            *p = '_';
    if (reserved(s))
        s = arena_printf(&g->a, "%s_", s);
    const char *id = s;
    for (int n = 2; table_get(&g->ids, intern_cstr(&g->m->pg->in, id)); n++)
        id = arena_printf(&g->a, "%s_%d", s, n);
    table_put(&g->ids, intern_cstr(&g->m->pg->in, id), (void *)1);
    return id;
}

static int node_add(Graph *g, const Object *obj, const Object *acct, const char *path,
                    const char *label, const char *detail)
{
    if (g->nnodes == g->capn) {
        g->capn = g->capn ? g->capn * 2 : 64;
        g->nodes = xrealloc(g->nodes, (size_t)g->capn * sizeof *g->nodes);
    }
    int i = g->nnodes++;
    g->nodes[i] = (GNode){obj, acct, unique_id(g, path), label, detail, obj == acct};
    if (obj)
        table_put(&g->by_obj, obj, (void *)(intptr_t)(i + 1));
    return i;
}

static int node_of(const Graph *g, const Object *o)
{
    return o ? (int)(intptr_t)table_get(&g->by_obj, o) - 1 : -1;
}

static void edge_add(Graph *g, int from, int to, EdgeKind k, const char *label)
{
    if (from < 0 || to < 0 || from == to)
        return;
    for (int i = 0; i < g->nedges; i++)
        if (g->edges[i].from == from && g->edges[i].to == to && g->edges[i].kind == k)
            return;
    if (g->nedges == g->cape) {
        g->cape = g->cape ? g->cape * 2 : 64;
        g->edges = xrealloc(g->edges, (size_t)g->cape * sizeof *g->edges);
    }
    g->edges[g->nedges++] = (GEdge){from, to, k, label};
}

/* The second line of a unit's box: what tells two of a kind apart. */
static const char *detail_of(Graph *g, const Object *o)
{
    if (strcmp(o->kind, "network") == 0) {
        const Value *c = get(g, o, "cidr");
        return c && c->kind == VAL_CIDR ? value_show(&g->a, c) : NULL;
    }
    if (strcmp(o->kind, "service") == 0) {
        const char *def = get_str(g, o, "default");
        const char *w = get_str(g, o, "window");
        if (def && strcmp(def, "off") == 0)
            return w ? arena_printf(&g->a, "off; on %s", w) : "off by default";
        return w ? arena_printf(&g->a, "on %s", w) : NULL;
    }
    return NULL;
}

static void collect_account(Graph *g, const Object *acct)
{
    const char *id = get_str(g, acct, "id");
    node_add(g, acct, acct, acct->path, arena_printf(&g->a, "account %s", acct->name), id);
    for (int i = 0; i < acct->nchildren; i++) {
        const Object *c = acct->children[i];
        if (!model_creates(g->m, c))
            continue;   /* a shared registry another environment owns (SPEC §7.5) */
        node_add(g, c, acct, c->path, c->name ? arena_printf(&g->a, "%s %s", c->kind, c->name) : c->kind,
                 detail_of(g, c));
    }
    /* the implicit cluster exists exactly when the tree creates it */
    NameCtx nc = names_ctx(g->m, g->env);
    if (names_has_implicit_cluster(&nc, acct)) {
        int k = node_add(g, NULL, acct, arena_printf(&g->a, "%s.cluster", acct->path), "cluster",
                         "implicit");
        table_put(&g->implicit, acct, (void *)(intptr_t)(k + 1));
    }
}

/* The wiring of one service (stdlib/modules/README.md): network, cluster
 * and secrets in; each database of its account hands it the database's
 * client security group (so databases apply before services). */
static void wire_service(Graph *g, const Object *s)
{
    int me = node_of(g, s);
    const Object *acct = s->account;
    edge_add(g, node_of(g, model_child(g->m, acct, "network", NULL)), me, EDGE_WIRE, "subnets");
    NameCtx nc = names_ctx(g->m, g->env);
    const Object *cl = names_cluster_of(&nc, s);
    int cn = cl ? node_of(g, cl) : (int)(intptr_t)table_get(&g->implicit, acct) - 1;
    edge_add(g, cn, me, EDGE_WIRE, "cluster");
    const Value *sec = get(g, s, "secrets");
    for (uint32_t i = 0; sec && sec->kind == VAL_MAP && i < sec->n; i++)
        if (sec->items[i]->kind == VAL_REF)
            edge_add(g, node_of(g, sec->items[i]->ref), me, EDGE_WIRE, "secret");
    for (int i = 0; i < acct->nchildren; i++) {
        const Object *d = acct->children[i];
        if (strcmp(d->kind, "aurora") == 0 || strcmp(d->kind, "rds") == 0)
            edge_add(g, node_of(g, d), me, EDGE_WIRE, "security group");
    }
    const Object *img = get_ref(g, s, "image");
    if (img && in_env(g, img->account))
        edge_add(g, node_of(g, img), me, EDGE_PULL, "pull");
    /* on demand: no start where the environment turns triggers off (the
       build emits no on-demand unit there) */
    const Value *on = model_started_on_demand(g->m, s, g->env) ? get(g, s, "starts_on") : NULL;
    for (uint32_t i = 0; on && i < on->n; i++)
        if (on->items[i]->kind == VAL_REF)
            edge_add(g, node_of(g, on->items[i]->ref), me, EDGE_START, "starts on upload");
    const Value *to = get(g, s, "connects");
    for (uint32_t i = 0; to && to->kind == VAL_LIST && i < to->n; i++)
        if (to->items[i]->kind == VAL_REF)
            edge_add(g, me, node_of(g, to->items[i]->ref), EDGE_CONNECT, "connects");
}

static void collect_edges(Graph *g)
{
    for (int i = 0; i < g->nnodes; i++) {
        const GNode *n = &g->nodes[i];
        const Object *o = n->obj;
        if (!o)
            continue;
        if (n->is_account) {
            const Object *p = get_ref(g, o, "parent");
            if (p && in_env(g, p))
                edge_add(g, node_of(g, p), i, EDGE_DEPLOYS, "deploys");
        } else if (strcmp(o->kind, "service") == 0) {
            wire_service(g, o);
        } else if (strcmp(o->kind, "aurora") == 0 || strcmp(o->kind, "rds") == 0) {
            edge_add(g, node_of(g, model_child(g->m, n->acct, "network", NULL)), i, EDGE_WIRE,
                     "subnets");
        } else if (strcmp(o->kind, "bucket") == 0) {
            const Value *r = get(g, o, "readers");
            for (uint32_t k = 0; r && r->kind == VAL_LIST && k < r->n; k++)
                if (r->items[k]->kind == VAL_REF && in_env(g, r->items[k]->ref))
                    edge_add(g, i, node_of(g, r->items[k]->ref), EDGE_READ, "read");
        }
    }
}

/* Accounts of the environment, kinds in kind_order then any other. */
static void collect(Graph *g)
{
    const ObjList *all = model_kind(g->m, "account");
    for (int k = 0; k <= 3; k++)
        for (int i = 0; i < all->n; i++) {
            const Object *a = all->items[i];
            const char *kind = get_str(g, a, "kind");
            int at = 3;
            for (int j = 0; kind && j < 3; j++)
                if (strcmp(kind, kind_order[j]) == 0)
                    at = j;
            if (at == k && a->name && in_env(g, a))
                collect_account(g, a);
        }
    collect_edges(g);
}

/* ---- printing ----------------------------------------------------------- */


/* Label text safe inside "...": Mermaid takes entities, DOT backslashes;
 * control characters become spaces. */
static const char *esc(Graph *g, const char *s, GraphFormat f)
{
    size_t n = strlen(s);
    char *out = arena_alloc(&g->a, n * 6 + 1), *q = out;
    for (const char *p = s; *p; p++) {
        if (*p == '"') {
            memcpy(q, f == GRAPH_DOT ? "\\\"" : "#quot;", f == GRAPH_DOT ? 2 : 6);
            q += f == GRAPH_DOT ? 2 : 6;
        } else if (*p == '\\' && f == GRAPH_DOT) {
            *q++ = '\\';
            *q++ = '\\';
        } else {
            *q++ = (unsigned char)*p < 0x20 ? ' ' : *p;
        }
    }
    *q = '\0';
    return out;
}

static const char *node_text(Graph *g, const GNode *n, GraphFormat f)
{
    const char *nl = f == GRAPH_DOT ? "\\n" : "<br/>";
    return n->detail ? arena_printf(&g->a, "%s%s%s", esc(g, n->label, f), nl, esc(g, n->detail, f))
                     : esc(g, n->label, f);
}

static void print_nodes_of(Graph *g, StrBuf *b, const Object *acct, GraphFormat f)
{
    for (int i = 0; i < g->nnodes; i++) {
        const GNode *n = &g->nodes[i];
        if (n->acct != acct)
            continue;
        const char *t = node_text(g, n, f);
        if (f == GRAPH_DOT)
            sb_puts(b, arena_printf(&g->a, "      \"%s\" [label=\"%s\"%s];\n", n->id, t,
                                n->is_account ? ", shape=folder, style=bold" : ""));
        else
            sb_puts(b, arena_printf(&g->a, n->is_account ? "      %s([\"%s\"])\n" : "      %s[\"%s\"]\n",
                                n->id, t));
    }
}

static void print_groups(Graph *g, StrBuf *b, GraphFormat f)
{
    const char *open_kind = NULL;
    for (int i = 0; i < g->nnodes; i++) {
        const GNode *n = &g->nodes[i];
        if (!n->is_account)
            continue;
        const char *kind = get_str(g, n->obj, "kind");
        kind = kind ? kind : "other";
        if (!open_kind || strcmp(open_kind, kind) != 0) {
            if (open_kind)
                sb_puts(b, f == GRAPH_DOT ? "  }\n" : "  end\n");
            open_kind = kind;
            sb_puts(b, f == GRAPH_DOT
                       ? arena_printf(&g->a, "  subgraph cluster_kind_%s {\n    label=\"%s\";\n"
                                             "    style=dashed;\n", kind, kind)
                       : arena_printf(&g->a, "  subgraph kind_%s[\"%s\"]\n", kind, kind));
        }
        const char *title = esc(g, n->obj->name, f);
        sb_puts(b, f == GRAPH_DOT
                   ? arena_printf(&g->a, "    subgraph cluster_%s {\n      label=\"%s\";\n", n->id, title)
                   : arena_printf(&g->a, "    subgraph acct_%s[\"%s\"]\n", n->id, title));
        print_nodes_of(g, b, n->obj, f);
        sb_puts(b, f == GRAPH_DOT ? "    }\n" : "    end\n");
    }
    if (open_kind)
        sb_puts(b, f == GRAPH_DOT ? "  }\n" : "  end\n");
}

static void print_edges(Graph *g, StrBuf *b, GraphFormat f)
{
    for (int i = 0; i < g->nedges; i++) {
        const GEdge *e = &g->edges[i];
        const GNode *from = &g->nodes[e->from], *to = &g->nodes[e->to];
        bool cross = from->acct != to->acct;
        bool dashed = e->kind == EDGE_DEPLOYS || (e->kind != EDGE_WIRE && cross);
        if (f == GRAPH_DOT) {
            sb_puts(b, arena_printf(&g->a, "  \"%s\" -> \"%s\" [label=\"%s\"%s%s];\n", from->id, to->id,
                                e->label, dashed ? ", style=dashed" : "",
                                e->kind == EDGE_WIRE ? ", color=gray40" : ""));
        } else {
            sb_puts(b, arena_printf(&g->a, dashed ? "  %s -. %s .-> %s\n" : "  %s -- %s --> %s\n",
                                from->id, e->label, to->id));
        }
    }
}

char *graph_render(const Model *m, const Environment *env, GraphFormat f)
{
    Graph g = {.m = m, .env = env};
    arena_init(&g.a);
    table_init(&g.by_obj);
    table_init(&g.implicit);
    table_init(&g.ids);
    collect(&g);
    StrBuf b = {0};
    const char *name = m->platform && m->platform->name ? m->platform->name : "platform";
    if (f == GRAPH_DOT) {
        sb_puts(&b, arena_printf(&g.a, "digraph \"%s\" {\n", esc(&g, name, f)));
        sb_puts(&b, "  rankdir=LR;\n  node [shape=box, fontname=\"Helvetica\", fontsize=10];\n"
                "  edge [fontname=\"Helvetica\", fontsize=9];\n");
    } else {
        sb_puts(&b, arena_printf(&g.a, "%%%% sfdc graph: platform %s%s%s\nflowchart LR\n",
                             esc(&g, name, f), env ? ", environment " : "",
                             env ? esc(&g, env->name, f) : ""));
    }
    print_groups(&g, &b, f);
    print_edges(&g, &b, f);
    if (f == GRAPH_DOT)
        sb_puts(&b, "}\n");
    free(g.nodes);
    free(g.edges);
    table_release(&g.by_obj);
    table_release(&g.implicit);
    table_release(&g.ids);
    arena_release(&g.a);
    return sb_finish(&b);
}

int graph_run(const Model *m, const char *env_name, GraphFormat f, FILE *out, FILE *err)
{
    const Environment *env = NULL;
    if (!(m = model_for_env(m, env_name, &env))) {
        fprintf(err, "sfdc: no environment `%s`\n", env_name);
        return 1;
    }
    char *text = graph_render(m, env, f);
    if (!text) {
        fprintf(err, "sfdc: out of memory while drawing the graph\n");
        return 70;
    }
    fputs(text, out);
    free(text);
    return 0;
}

const char graph_help[] =
    "usage: sfdc graph [--format mermaid|dot] [--env NAME] [options] [FILE|DIR]...\n"
    "\n"
    "Checks the program like `sfdc check` and, if it has no errors, prints the\n"
    "platform as a picture: a Mermaid flowchart (the default; GitHub renders it\n"
    "in Markdown inside ```mermaid fences) or Graphviz DOT (`dot -Tsvg`).\n"
    "\n"
    "  accounts     boxes grouped by kind (core, organisation, la), each holding\n"
    "               its units: network, ecr, cluster (`implicit` when services\n"
    "               name none and the account has not exactly one cluster),\n"
    "               service, aurora, rds, bucket, secret\n"
    "  pull         a repository to every service using it as `image`\n"
    "  read         a bucket to every account in its `readers`\n"
    "  deploys      an account's `parent` to it\n"
    "  wiring       the unit dependencies of the generated tree: network to\n"
    "               services and databases (subnets), cluster and secrets to\n"
    "               services, each database to its account's services\n"
    "               (the client security group they wear)\n"
    "\n"
    "Edges between accounts are dashed. Node ids are the object paths with\n"
    "every character other than a letter or digit replaced by `_`.\n"
    "\n"
    "  --format mermaid|dot   the notation (mermaid)\n"
    "  --env NAME             environment NAME's accounts, with its overrides\n"
    "\n"
    "Output is deterministic (model order), so it can be committed and diffed.\n"
    "Exit status 1 (and no picture) when the program has errors.\n";
