/* ast.h — the syntax tree.
 *
 * One fat Node type (as in chibicc): a kind, a byte span, a sibling link and
 * a few child slots whose meaning depends on the kind (listed below). Nodes
 * live in the compilation arena and are never freed one by one. Comments are
 * not nodes: each File keeps every comment in source order, so the formatter
 * can put them back and the checker can read `///` doc comments. */
#ifndef SFDC_AST_H
#define SFDC_AST_H

#include <stdbool.h>
#include <stdint.h>

#include "arena.h"
#include "source.h"

typedef enum NodeKind {
    /* items (may carry annotations: ast_annots) */
    NODE_IMPORT,    /* a: path (STR) */
    NODE_LET,       /* name; b: value */
    NODE_ATTR,      /* b: value; a simple target is name (a is NULL), a dotted
                     * one a: GET chain (name is NULL) */
    NODE_BLOCK,     /* name: kind; a: label (IDENT, STR or INTERP) or NULL; b: items */
    NODE_TEMPLATE,  /* name; a: PARAMs; b: items */
    NODE_PARAM,     /* name; a: type; b: default or NULL */
    NODE_USE,       /* name: template; a: ARGs */
    NODE_ARG,       /* name (named argument) or NULL; a: value */
    NODE_FOR,       /* name: variable; a: iterable; b: items */
    NODE_IF,        /* a: condition; b: then-items; els: else-items (IF for else-if) */
    NODE_SCHEMA,    /* name: kind; a: parent kinds (IDENTs); b: FIELDs */
    NODE_FIELD,     /* name; a: type; b: default or NULL */
    NODE_ENUM,      /* name; a: members (IDENTs) */
    NODE_ANNOT,     /* name: "allow" ...; a: ARGs */
    /* expressions */
    NODE_NUM,       /* num; flags: NF_INT when written without a fraction */
    NODE_QTY,       /* num with a unit in name (e.g. "GiB") */
    NODE_STR,       /* str: decoded text, no interpolation */
    NODE_INTERP,    /* a: parts (STR and expressions) */
    NODE_CIDR,      /* cidr; flags: NF_ADDR when written without /prefix */
    NODE_BOOL,      /* flags: NF_TRUE */
    NODE_NULL,
    NODE_IDENT,     /* name */
    NODE_GET,       /* a: object; name: field */
    NODE_INDEX,     /* a: object; b: index */
    NODE_CALL,      /* a: callee; b: ARGs */
    NODE_LIST,      /* a: elements */
    NODE_RECORD,    /* a: ATTRs */
    NODE_RANGE,     /* a: low; b: high */
    NODE_BINARY,    /* op; a, b */
    NODE_UNARY,     /* op; a */
    NODE_OPTIONAL,  /* a: type (in type position: `T?`) */
    NODE_ERROR,     /* a syntax error was recovered here */
} NodeKind;

enum NodeFlag {
    NF_INT = 1,     /* NUM/QTY: written as an integer */
    NF_TRUE = 2,    /* BOOL */
    NF_ADDR = 4,    /* CIDR: a bare address */
};

typedef enum BinOp {
    OP_OR, OP_AND, OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE,
    OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_MOD, OP_NOT, OP_NEG,
} BinOp;

typedef struct Cidr {
    uint32_t addr;      /* network byte order folded into host integer */
    uint8_t prefix;     /* 0..32 */
} Cidr;

typedef struct Node Node;
struct Node {
    uint8_t kind;       /* NodeKind; a byte, as nodes are the bulk of memory */
    union {
        uint8_t flags;  /* NF_*, on literals */
        uint8_t op;     /* BinOp, on BINARY and UNARY */
    };
    uint16_t depth;     /* expressions: height of the tree below, bounded by the parser */
    uint32_t len;       /* STR: bytes in str (may contain no NUL: checked) */
    Span span;          /* whole construct */
    union {             /* an IF has no name, so its else-branch shares the slot */
        Span name_span; /* where name was written */
        Node *els;      /* IF only: else-items, or an IF for `else if`; see ast_else */
    };
    Node *next;         /* next sibling in a list */
    Node *a, *b;        /* children; see NodeKind */
    const char *name;   /* interned identifier, kind, unit */
    union {             /* items have no value, literals no annotations */
        union {
            double num;     /* NUM, QTY */
            const char *str;/* STR: decoded, arena-owned, NUL-terminated */
            Cidr cidr;      /* CIDR */
        } v;
        Node *annots;   /* items only: ANNOTs written above it; see ast_annots */
    };
};
/* 64 bytes, a cache line: a 60 MB platform file makes millions of these,
 * and the time to parse it is largely the kernel clearing the pages they
 * occupy and the stores that fill them. */
_Static_assert(sizeof(Node) <= 64, "Node grew: parse throughput depends on its size");

/* Item kinds come first in NodeKind; only they carry annotations. */
static inline bool ast_is_item_kind(NodeKind k) { return k < NODE_NUM; }

/* The annotations of an item, NULL for any other node (whose slot holds
 * a literal's value): generic walkers must use this, not n->annots. */
static inline Node *ast_annots(const Node *n)
{
    return ast_is_item_kind((NodeKind)n->kind) ? n->annots : NULL;
}

/* The else-branch of an IF, NULL for any other node (whose slot holds its
 * name's span). */
static inline Node *ast_else(const Node *n) { return n->kind == NODE_IF ? n->els : NULL; }

/* A comment: `#`, `//`, `///` (doc) or block; span covers the delimiters. */
typedef struct Comment {
    Span span;
    bool doc;           /* a `///` comment */
} Comment;

/* One parsed source file. */
typedef struct File {
    Source *src;
    Node *items;        /* top-level items */
    Comment *comments;  /* every comment in order; malloc'd */
    uint32_t ncomments;
    bool had_errors;    /* the lexer or parser reported something */
    bool is_std;        /* part of the standard library */
    bool has_imports;   /* the parser made an IMPORT node (at any depth): when
                         * false, the loader need not walk items for imports */
    const char *key;    /* canonical path, identifies the file; arena-owned */
    int *imports;       /* indices (in Program.files) of the files it imports */
    int nimports;
} File;

/* A node of kind k over sp, every other field zero. Every field is
 * written by one compound literal (a few vector stores) rather than a
 * memset call and then the fields; inline, as nodes are the bulk of what
 * a parse allocates. */
static inline Node *ast_new(Arena *a, NodeKind k, Span sp)
{
    Node *n = arena_alloc_raw(a, sizeof *n);
    *n = (Node){.kind = (uint8_t)k, .span = sp};
    return n;
}
int ast_count(const Node *list);
const char *ast_kind_name(NodeKind k);
const char *ast_op_name(BinOp op);
/* The `///` comment text immediately before offset (joined lines, without
 * the slashes), or NULL. Arena-allocated. */
const char *ast_doc_before(const File *f, Arena *a, uint32_t offset);
/* Prints a tree as s-expressions, for tests and `sfdc parse --dump`. */
void ast_dump(const Node *items, void *out_file);

#endif
