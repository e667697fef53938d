/* hcl.h — HCL values and byte buffers: lowering (lower.c) describes each
 * unit's inputs as HclVal trees, and the writer (emit_hcl.h) lays them out
 * as text. Values live in the caller's Arena; buffers are malloc'd. */
#ifndef SFDC_HCL_H
#define SFDC_HCL_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "arena.h"

/* A growable byte buffer (malloc'd; NUL-terminated after every append). */
typedef struct HclBuf {
    char *p;            /* the bytes, or NULL while empty */
    size_t n;           /* bytes used, excluding the NUL */
    size_t cap;         /* bytes allocated */
} HclBuf;

/* Makes room for `more` bytes and the NUL after b->n (hcl.c). */
void hcl_buf_reserve(HclBuf *b, size_t more);
/* Appends n bytes; inline, as the writers call it for every token. */
static inline void hcl_buf_put(HclBuf *b, const char *s, size_t n)
{
    if (b->n + n + 1 > b->cap)
        hcl_buf_reserve(b, n);
    if (n)
        memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
}
void hcl_buf_puts(HclBuf *b, const char *s);
void hcl_buf_printf(HclBuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Hands the bytes to the caller (malloc'd, NUL-terminated, never NULL) and
 * empties the buffer. */
char *hcl_buf_take(HclBuf *b, size_t *len);
void hcl_buf_release(HclBuf *b);

typedef enum HclKind {
    HCL_STR,        /* s: a string literal (escaped when written) */
    HCL_NUM,        /* num */
    HCL_BOOL,       /* b */
    HCL_LIST,       /* items[0..n) */
    HCL_OBJ,        /* keys[i] = items[i]; keys written bare when they are identifiers */
    HCL_EXPR,       /* s: an expression written verbatim (`find_in_parent_folders("root.hcl")`) */
    HCL_REF,        /* unit.output: another unit's output, written by the writer's HclRefFn */
    HCL_TMPL,       /* a string template: items are HCL_STR (literal) or HCL_REF/HCL_EXPR (interpolated) */
    HCL_HEREDOC,    /* s: lines of an indented heredoc (`<<-EOF`), each ending in "\n" */
} HclKind;

typedef struct HclVal HclVal;
struct HclVal {
    HclKind kind;
    bool b;             /* HCL_BOOL */
    bool multiline;     /* HCL_LIST, HCL_OBJ: one element per line even when it would fit on one */
    int n;              /* HCL_LIST, HCL_OBJ, HCL_TMPL: element count */
    double num;         /* HCL_NUM */
    const char *s;      /* HCL_STR, HCL_EXPR, HCL_HEREDOC text; HCL_REF: the output name */
    const char *unit;   /* HCL_REF: the unit whose output it is */
    const char *key;    /* HCL_REF: optional map key after the output (`secret_arns["db"]`), or NULL */
    const char **keys;  /* HCL_OBJ: keys, parallel to items */
    HclVal **items;     /* HCL_LIST, HCL_OBJ, HCL_TMPL */
    int cap;            /* allocated slots of items/keys */
};

/* Constructors: arena-allocated. */
HclVal *hcl_str(Arena *a, const char *s);
HclVal *hcl_num(Arena *a, double num);
HclVal *hcl_bool(Arena *a, bool b);
HclVal *hcl_expr(Arena *a, const char *text);
HclVal *hcl_ref(Arena *a, const char *unit, const char *output);
HclVal *hcl_heredoc(Arena *a, const char *lines);
HclVal *hcl_list(Arena *a);
HclVal *hcl_obj(Arena *a);
HclVal *hcl_tmpl(Arena *a);
/* Appends to a list or template. */
void hcl_push(Arena *a, HclVal *list, HclVal *item);
/* Sets key in an object (keys keep insertion order; the caller sorts when
 * order is not semantic, see hcl_obj_sort). */
void hcl_set(Arena *a, HclVal *obj, const char *key, HclVal *val);
/* Sorts an object's keys bytewise. */
void hcl_obj_sort(HclVal *obj);

#endif
