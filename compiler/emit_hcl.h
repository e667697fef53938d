/* emit_hcl.h — HCL values and a writer whose output is already in
 * `terraform fmt` canonical form.
 *
 * The back ends (emit_tg.c, emit_tf.c) describe what to write as HclVal
 * trees and body items (attributes, blocks, comments); this module decides
 * the layout. Layout rules, all deterministic:
 *   - two spaces of indentation per nesting level;
 *   - consecutive single-line attributes of one body are a run, and their
 *     `=` are aligned one space after the longest name, exactly as
 *     `terraform fmt` does; a blank line, a comment, a block or an attribute
 *     whose value spans several lines ends the run (a heredoc does not: it
 *     is one token to terraform fmt);
 *   - a list or object is written on one line when that line fits in
 *     HCL_WIDTH columns and holds no multi-line value, else one element per
 *     line (objects get their own aligned run; lists end every element with
 *     a comma);
 *   - strings are escaped for HCL: `\\`, `\"`, `\n`, `\r`, `\t`, other
 *     control characters as `\uXXXX`, and the template openers `${` and
 *     `%{` doubled to `$${` and `%%{` so no text from the user is ever
 *     evaluated.
 * Values live in the caller's Arena; the writer's own buffers are malloc'd
 * and released by hcl_writer_release. */
#ifndef SFDC_EMIT_HCL_H
#define SFDC_EMIT_HCL_H

#include <stdbool.h>
#include <stddef.h>

#include "arena.h"

enum { HCL_WIDTH = 100 };

/* A growable byte buffer (malloc'd; NUL-terminated after every append). */
typedef struct HclBuf {
    char *p;            /* the bytes, or NULL while empty */
    size_t n;           /* bytes used, excluding the NUL */
    size_t cap;         /* bytes allocated */
} HclBuf;

void hcl_buf_put(HclBuf *b, const char *s, size_t n);
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

/* Writes an HCL_REF (e.g. `dependency.network.outputs.vpc_id` or
 * `module.network.vpc_id`) into out. */
typedef void (*HclRefFn)(void *ctx, HclBuf *out, const HclVal *ref);

/* One pending single-line attribute of an aligned run. */
typedef struct HclRunItem {
    size_t key, klen;   /* the name's bytes in HclWriter.run_text */
    size_t val, vlen;   /* the value's bytes in HclWriter.run_text */
    int cols;           /* display width of the name (code points) */
} HclRunItem;

typedef struct HclWriter {
    HclBuf *out;            /* where the text goes; not owned */
    int depth;              /* current nesting level */
    HclRefFn ref;           /* renders HCL_REF values */
    void *ref_ctx;          /* passed to ref */
    HclRunItem *run;        /* the current run of single-line attributes */
    int nrun, caprun;
    HclBuf run_text;        /* names and values of the run */
    HclBuf tmp;             /* scratch for trial renderings */
    bool at_start;          /* nothing written yet in the current body */
    bool blank;             /* a blank line is due before the next item */
} HclWriter;

void hcl_writer_init(HclWriter *w, HclBuf *out, HclRefFn ref, void *ref_ctx);
/* Flushes what is pending and frees the writer's buffers. */
void hcl_writer_release(HclWriter *w);

/* `name = value`. */
void hcl_attr(HclWriter *w, const char *name, const HclVal *v);
/* `type "label"... {`; labels may be NULL when nlabels is 0. */
void hcl_block_open(HclWriter *w, const char *type, const char *const *labels, int nlabels);
void hcl_block_close(HclWriter *w);
/* A blank line (never two in a row, never first in a body). */
void hcl_blank(HclWriter *w);
/* `# text` (one comment line per line of text). */
void hcl_comment(HclWriter *w, const char *text);
/* Writes everything pending. */
void hcl_flush(HclWriter *w);

/* Writes s as an HCL quoted string literal (with the quotes). */
void hcl_quote(HclBuf *out, const char *s);
/* Writes a number the way terraform fmt leaves it: integers without a
 * fraction, others in the shortest form that reads back exactly. */
void hcl_format_num(HclBuf *out, double num);
/* True if s can be an object key or attribute name without quotes. */
bool hcl_is_ident(const char *s);

#endif
