/* ast.c — node construction, list helpers, doc comments and a debug dump. */
#include "ast.h"

#include <stdio.h>
#include <string.h>

#include "banned.h"

int ast_count(const Node *list)
{
    int n = 0;
    for (; list; list = list->next)
        n++;
    return n;
}

const char *ast_kind_name(NodeKind k)
{
    static const char *const names[] = {
        "import", "let", "attr", "block", "template", "param", "use", "arg", "for", "if",
        "schema", "field", "enum", "annot", "num", "qty", "str", "interp", "cidr", "bool",
        "null", "ident", "get", "index", "call", "list", "record", "range", "binary", "unary",
        "optional", "error",
    };
    return (unsigned)k < sizeof names / sizeof names[0] ? names[k] : "?";
}

const char *ast_op_name(BinOp op)
{
    static const char *const names[] = {"||", "&&", "==", "!=", "<", "<=", ">", ">=",
                                        "+", "-", "*", "/", "%", "!", "-"};
    return (unsigned)op < sizeof names / sizeof names[0] ? names[op] : "?";
}

/* Doc comments are the `///` lines directly above a declaration: found by
 * binary search for the last comment before offset, then walking back over
 * adjacent doc lines (only white space between them). */
const char *ast_doc_before(const File *f, Arena *a, uint32_t offset)
{
    uint32_t lo = 0, hi = f->ncomments;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (f->comments[mid].span.end <= offset)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return NULL;
    uint32_t last = lo - 1, first = lo;
    uint32_t gap_end = offset;
    while (first > 0) {
        const Comment *c = &f->comments[first - 1];
        if (!c->doc)
            break;
        bool only_space = true;
        for (uint32_t i = c->span.end; i < gap_end && only_space; i++)
            only_space = strchr(" \t\r\n", f->src->text[i]) != NULL;
        if (!only_space)
            break;
        first--;
        gap_end = c->span.start;
    }
    if (first > last)
        return NULL;
    size_t cap = 1;
    for (uint32_t i = first; i <= last; i++)
        cap += f->comments[i].span.end - f->comments[i].span.start + 1;
    char *out = arena_alloc(a, cap), *w = out;
    for (uint32_t i = first; i <= last; i++) {
        const char *s = f->src->text + f->comments[i].span.start + 3;
        size_t n = f->comments[i].span.end - f->comments[i].span.start - 3;
        if (n && *s == ' ')
            s++, n--;
        if (w != out)
            *w++ = ' ';
        memcpy(w, s, n);
        w += n;
    }
    *w = '\0';
    return out;
}

static void dump(FILE *out, const Node *n, int depth);

static void dump_list(FILE *out, const char *tag, const Node *list, int depth)
{
    if (!list)
        return;
    fprintf(out, "\n%*s(%s", depth * 2, "", tag);
    for (; list; list = list->next)
        dump(out, list, depth + 1);
    fputc(')', out);
}

static void dump(FILE *out, const Node *n, int depth)
{
    fprintf(out, "\n%*s(%s", depth * 2, "", ast_kind_name(n->kind));
    if (n->name)
        fprintf(out, " %s", n->name);
    switch (n->kind) {
    case NODE_NUM: case NODE_QTY: fprintf(out, " %g", n->v.num); break;
    case NODE_STR: fprintf(out, " \"%s\"", n->v.str); break;
    case NODE_BINARY: case NODE_UNARY: fprintf(out, " %s", ast_op_name((BinOp)n->op)); break;
    case NODE_BOOL: fprintf(out, " %s", n->flags & NF_TRUE ? "true" : "false"); break;
    case NODE_CIDR:
        fprintf(out, " %u.%u.%u.%u/%u", n->v.cidr.addr >> 24, n->v.cidr.addr >> 16 & 255,
                n->v.cidr.addr >> 8 & 255, n->v.cidr.addr & 255, n->v.cidr.prefix);
        break;
    default: break;
    }
    if (n->kind == NODE_BLOCK || n->kind == NODE_TEMPLATE || n->kind == NODE_FOR ||
        n->kind == NODE_IF || n->kind == NODE_SCHEMA) {
        if (n->a)
            dump_list(out, "head", n->a, depth + 1);
        dump_list(out, "body", n->b, depth + 1);
    } else {
        if (n->a)
            dump_list(out, "a", n->a, depth + 1);
        if (n->b)
            dump_list(out, "b", n->b, depth + 1);
    }
    dump_list(out, "annot", ast_annots(n), depth + 1);
    dump_list(out, "else", ast_else(n), depth + 1);
    fputc(')', out);
}

void ast_dump(const Node *items, void *out_file)
{
    FILE *out = out_file;
    for (const Node *n = items; n; n = n->next)
        dump(out, n, 0);
    fputc('\n', out);
}
