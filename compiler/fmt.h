/* fmt.h — `sfdc fmt`: the canonical layout of .sfd source.
 *
 * The formatter rewrites whitespace only: it keeps every token, every
 * comment and the line breaks between them (blank-line runs become one
 * blank line), and normalises indentation (two spaces per open bracket
 * line) and the spaces within a line. SPEC.md ("Formatting") gives the
 * rules. Because the token stream is unchanged, the formatted program
 * means exactly what the original meant; a file with syntax errors is
 * refused rather than guessed at.
 *
 * Offsets are bytes of the Source's text. Results are malloc'd and owned
 * by the caller. Used by `sfdc fmt`, the language server (whole-document
 * and range formatting), the fuzzer and the benchmark. */
#ifndef SFDC_FMT_H
#define SFDC_FMT_H

#include <stdbool.h>
#include <stddef.h>

#include "diag.h"
#include "source.h"

/* Replace bytes span of the original text with text[0, len). */
typedef struct FmtEdit {
    Span span;          /* the original bytes to replace: whole lines */
    char *text;         /* the replacement, NUL-terminated; malloc'd, caller frees */
    size_t len;         /* bytes in text */
} FmtEdit;

/* Formats src (path for diagnostics, text, len). Returns the formatted
 * text, NUL-terminated, with its length in *out_len; malloc'd, the caller
 * frees it. Returns NULL when src has syntax errors: they are reported to
 * diag (which then refers to src, so src must outlive diag_flush). */
char *fmt_source(Source *src, DiagEngine *diag, size_t *out_len);

/* Range formatting: the smallest run of whole items (at any nesting
 * level) that covers the bytes range of src, widened to whole lines, and
 * its formatted text. Returns 1 and fills *edit when that text differs
 * from the original, 0 when there is nothing to change (already
 * formatted, or range covers no item), -1 on syntax errors (reported to
 * diag as for fmt_source; *edit is left empty). Release *edit with
 * fmt_edit_release. */
int fmt_range(Source *src, Span range, DiagEngine *diag, FmtEdit *edit);
void fmt_edit_release(FmtEdit *edit);

/* Convenience for callers without a Source or a DiagEngine (fuzzer,
 * benchmark, tests): formats text[0, len), or returns NULL when it has
 * syntax errors (which are not printed). malloc'd; *out_len as above. */
char *fmt_text(const char *text, size_t len, size_t *out_len);

#endif
