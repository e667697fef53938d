/* hcl.c — HCL values and byte buffers (see hcl.h): what lowering builds
 * and the writer (emit_hcl.c) lays out. */
#include "hcl.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "banned.h"

/* ---- buffers ------------------------------------------------------------ */

static void buf_grow(HclBuf *b, size_t more)
{
    if (b->n + more + 1 <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->n + more + 1)
        cap *= 2;
    b->p = xrealloc(b->p, cap);
    b->cap = cap;
}

void hcl_buf_reserve(HclBuf *b, size_t more)
{
    buf_grow(b, more);
}

void hcl_buf_puts(HclBuf *b, const char *s)
{
    hcl_buf_put(b, s, strlen(s));
}

void hcl_buf_printf(HclBuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char small[256];
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n < sizeof small) {
        hcl_buf_put(b, small, (size_t)n);
        return;
    }
    buf_grow(b, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(b->p + b->n, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->n += (size_t)n;
}

char *hcl_buf_take(HclBuf *b, size_t *len)
{
    if (!b->p)
        buf_grow(b, 0), b->p[0] = '\0';
    char *p = b->p;
    if (len)
        *len = b->n;
    b->p = NULL;
    b->n = b->cap = 0;
    return p;
}

void hcl_buf_release(HclBuf *b)
{
    free(b->p);
    b->p = NULL;
    b->n = b->cap = 0;
}

/* ---- values ------------------------------------------------------------- */

static HclVal *val_new(Arena *a, HclKind k)
{
    HclVal *v = arena_alloc(a, sizeof *v);
    v->kind = k;
    return v;
}

HclVal *hcl_str(Arena *a, const char *s)
{
    HclVal *v = val_new(a, HCL_STR);
    v->s = s;
    return v;
}

HclVal *hcl_num(Arena *a, double num)
{
    HclVal *v = val_new(a, HCL_NUM);
    v->num = num;
    return v;
}

HclVal *hcl_bool(Arena *a, bool b)
{
    HclVal *v = val_new(a, HCL_BOOL);
    v->b = b;
    return v;
}

HclVal *hcl_expr(Arena *a, const char *text)
{
    HclVal *v = val_new(a, HCL_EXPR);
    v->s = text;
    return v;
}

HclVal *hcl_ref(Arena *a, const char *unit, const char *output)
{
    HclVal *v = val_new(a, HCL_REF);
    v->unit = unit;
    v->s = output;
    return v;
}

HclVal *hcl_heredoc(Arena *a, const char *lines)
{
    HclVal *v = val_new(a, HCL_HEREDOC);
    v->s = lines;
    return v;
}

HclVal *hcl_list(Arena *a) { return val_new(a, HCL_LIST); }
HclVal *hcl_obj(Arena *a) { return val_new(a, HCL_OBJ); }
HclVal *hcl_tmpl(Arena *a) { return val_new(a, HCL_TMPL); }

/* Room for one more item (and key): doubles in the arena; the old block is
 * left behind, which costs little for the short lists emitters build. */
static void val_reserve(Arena *a, HclVal *v)
{
    if (v->n < v->cap)
        return;
    int cap = v->cap ? v->cap * 2 : 4;
    HclVal **items = arena_alloc(a, (size_t)cap * sizeof *items);
    const char **keys = arena_alloc(a, (size_t)cap * sizeof *keys);
    if (v->n) {
        memcpy(items, v->items, (size_t)v->n * sizeof *items);
        if (v->keys)
            memcpy(keys, v->keys, (size_t)v->n * sizeof *keys);
    }
    v->items = items;
    v->keys = keys;
    v->cap = cap;
}

void hcl_push(Arena *a, HclVal *list, HclVal *item)
{
    val_reserve(a, list);
    list->items[list->n++] = item;
}

void hcl_set(Arena *a, HclVal *obj, const char *key, HclVal *val)
{
    for (int i = 0; i < obj->n; i++)
        if (strcmp(obj->keys[i], key) == 0) {
            obj->items[i] = val;
            return;
        }
    val_reserve(a, obj);
    obj->keys[obj->n] = key;
    obj->items[obj->n++] = val;
}

void hcl_obj_sort(HclVal *obj)
{
    /* insertion sort: objects are small, and it is stable */
    for (int i = 1; i < obj->n; i++) {
        const char *k = obj->keys[i];
        HclVal *v = obj->items[i];
        int j = i - 1;
        for (; j >= 0 && strcmp(obj->keys[j], k) > 0; j--) {
            obj->keys[j + 1] = obj->keys[j];
            obj->items[j + 1] = obj->items[j];
        }
        obj->keys[j + 1] = k;
        obj->items[j + 1] = v;
    }
}
