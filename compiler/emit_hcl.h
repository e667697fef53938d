/* emit_hcl.h — the HCL writer: lays values (hcl.h) out in
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
 * Values (hcl.h) live in the caller's Arena; the writer's own buffers are
 * malloc'd and released by hcl_writer_release. */
#ifndef SFDC_EMIT_HCL_H
#define SFDC_EMIT_HCL_H

#include <stdbool.h>
#include <stddef.h>

#include "hcl.h"

enum { HCL_WIDTH = 100 };

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
    bool at_start;          /* nothing written yet in the current body */
    bool blank;             /* a blank line is due before the next item */
} HclWriter;

void hcl_writer_init(HclWriter *w, HclBuf *out, HclRefFn ref, void *ref_ctx);
/* Flushes what is pending and frees the writer's buffers. */
void hcl_writer_release(HclWriter *w);
/* Flushes what is pending into the current text, then points w at out
 * for a new text from the top level, keeping the writer's buffers: one
 * writer can serve every file of an account (their run buffers were
 * allocated and freed once a file). */
void hcl_writer_reset(HclWriter *w, HclBuf *out);

/* `name = value`. */
void hcl_attr(HclWriter *w, const char *name, const HclVal *v);
/* `type "label"... {`; labels may be NULL when nlabels is 0. */
void hcl_block_open(HclWriter *w, const char *type, const char *const *labels, int nlabels);
void hcl_block_close(HclWriter *w);
/* A blank line (never two in a row, never first in a body). */
void hcl_blank(HclWriter *w);
/* Text already in HCL form, as one item of the body (what a block written
 * by another writer at the same depth gave): the pending blank line first. */
void hcl_raw(HclWriter *w, const char *text, size_t n);
/* `# text` (one comment line per line of text). */
void hcl_comment(HclWriter *w, const char *text);
/* Writes everything pending. */
void hcl_flush(HclWriter *w);

/* Writes s as an HCL quoted string literal (with the quotes). */
void hcl_quote(HclBuf *out, const char *s);
/* The same without the quotes: for literals whose other pieces the caller
 * writes as they are. */
void hcl_escape(HclBuf *out, const char *s);
/* Writes a number the way terraform fmt leaves it: integers without a
 * fraction, others in the shortest form that reads back exactly. */
void hcl_format_num(HclBuf *out, double num);
/* True if s can be an object key or attribute name without quotes. */
bool hcl_is_ident(const char *s);

#endif
