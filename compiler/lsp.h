/* lsp.h — `sfdc lsp`: a Language Server (LSP 3.17) over stdio.
 *
 * The server keeps the open editor buffers, and after every change checks
 * the whole workspace again with the same pipeline as `sfdc check` (load
 * with the buffers overlaid on the disk, eval, rules), keeping the result
 * — program, model, diagnostics — until the next check. Every feature
 * (hover, definition, references, rename, symbols, completion, code
 * actions, inlay hints, semantic tokens) reads that last check. lsp.c is
 * the server: framing, lifecycle, document sync, diagnostics, dispatch;
 * lsp_nav.c answers the questions about the program. */
#ifndef SFDC_LSP_H
#define SFDC_LSP_H

#include <stdbool.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#include "diag.h"
#include "eval.h"
#include "model.h"

/* One open editor buffer. */
typedef struct LspDoc {
    char *uri;          /* as the client sent it; malloc'd */
    char *path;         /* the file path it names; malloc'd */
    char *real;         /* realpath of path, or a copy of path; malloc'd */
    char *text;         /* current contents; malloc'd */
    size_t len;
    int version;        /* the client's version number */
} LspDoc;

/* One check of the workspace: everything a feature reads. */
typedef struct LspCheck {
    DiagEngine diag;    /* the diagnostics, kept (not printed) */
    Program pg;
    Schemas schemas;
    Model model;
    Eval *ev;
} LspCheck;

typedef struct Lsp {
    FILE *out;          /* protocol bytes only */
    char *stdlib;       /* the standard library directory, or NULL; malloc'd */
    char *root;         /* workspace folder, or NULL; malloc'd */
    LspDoc *docs;       /* open buffers; malloc'd */
    int ndocs, cap;
    LspCheck *check;    /* the last check, or NULL; malloc'd */
    bool dirty;         /* buffers changed since the last check */
    char **published;   /* URIs that were sent non-empty diagnostics */
    int npublished;
    bool initialized;   /* `initialize` was answered */
    bool shutdown;      /* `shutdown` was answered */
    int exit_code;      /* for `exit`: 0 after shutdown, else 1 */
    bool no_disk;       /* read open buffers only, never the disk (fuzzing) */
    const char *ahead;  /* framed input received after the message being handled */
    size_t alen;        /* bytes at ahead */
    struct RpcReader *reader;   /* polled for more input during a request, or NULL */
} Lsp;

/* The server on in_fd/out until `exit` or end of input; returns the exit
 * status. stdlib may be NULL. */
int lsp_run(const char *stdlib, int in_fd, FILE *out);

Lsp *lsp_new(const char *stdlib, FILE *out);
void lsp_free(Lsp *s);
/* Handles one message body; false after `exit`. ahead (alen bytes, may be
 * NULL) is the framed input already received after it: a request that a
 * waiting `$/cancelRequest` names is answered RequestCancelled, and one
 * about a document that a waiting change edits is answered ContentModified
 * instead of from stale text. */
bool lsp_handle(Lsp *s, const char *body, size_t len);
bool lsp_handle_before(Lsp *s, const char *body, size_t len, const char *ahead, size_t alen);
/* Re-checks now if buffers changed (and publishes diagnostics). */
void lsp_settle(Lsp *s);

/* ---- shared by lsp.c and lsp_nav.c ------------------------------------- */

/* "file:///a%20b" -> "/a b"; malloc'd, NULL for other schemes. */
char *lsp_uri_path(const char *uri);
/* "/a b" -> "file:///a%20b"; malloc'd. */
char *lsp_path_uri(const char *path);
/* UTF-16 code units of the UTF-8 text in [from, to): LSP's columns. */
uint32_t lsp_utf16(const char *text, uint32_t from, uint32_t to);
/* An LSP Range for span in src (UTF-16 columns). */
cJSON *lsp_range(Source *src, Span sp);
/* A Location {uri, range}. */
cJSON *lsp_location(Source *src, Span sp);
/* The byte offset of an LSP Position {line, character} in text. */
uint32_t lsp_offset(const char *text, size_t len, const cJSON *pos);
/* The checked file for a URI in the last check, or NULL. */
File *lsp_file(Lsp *s, const char *uri);
/* The open buffer for a URI, or NULL. */
LspDoc *lsp_doc(Lsp *s, const char *uri);

/* Requests answered by lsp_nav.c: params in, result out (owned by the
 * caller; NULL for `null`). *err is set to an error message (static) when
 * the request must be refused. */
cJSON *lsp_hover(Lsp *s, const cJSON *params);
cJSON *lsp_definition(Lsp *s, const cJSON *params);
cJSON *lsp_references(Lsp *s, const cJSON *params);
cJSON *lsp_rename(Lsp *s, const cJSON *params, const char **err);
cJSON *lsp_prepare_rename(Lsp *s, const cJSON *params, const char **err);
cJSON *lsp_document_symbols(Lsp *s, const cJSON *params);
cJSON *lsp_workspace_symbols(Lsp *s, const cJSON *params);
cJSON *lsp_completion(Lsp *s, const cJSON *params);
cJSON *lsp_code_actions(Lsp *s, const cJSON *params);
cJSON *lsp_inlay_hints(Lsp *s, const cJSON *params);
cJSON *lsp_semantic_tokens(Lsp *s, const cJSON *params);
/* The token types legend, in the order lsp_semantic_tokens numbers them. */
cJSON *lsp_semantic_legend(void);

#endif
