/* lsp.c — the language server: lifecycle, document sync, workspace checks
 * and diagnostics, and the dispatch of every request (see lsp.h). */
#include "lsp.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "jsonrpc.h"
#include "load.h"
#include "rules.h"
#include "banned.h"

/* ---- URIs and positions ------------------------------------------------ */

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

char *lsp_uri_path(const char *uri)
{
    if (!uri || strncmp(uri, "file://", 7) != 0)
        return NULL;
    const char *p = uri + 7;
    if (*p != '/')                  /* file://host/...: only the local host */
        p = strchr(p, '/');
    if (!p)
        return NULL;
    char *out = xmalloc(strlen(p) + 1), *o = out;
    for (; *p; p++) {
        int hi, lo;
        if (*p == '%' && (hi = hexval(p[1])) >= 0 && (lo = hexval(p[2])) >= 0 && (hi || lo)) {
            *o++ = (char)(hi * 16 + lo);
            p += 2;
        } else {
            *o++ = *p;
        }
    }
    *o = '\0';
    return out;
}

char *lsp_path_uri(const char *path)
{
    static const char hex[] = "0123456789ABCDEF";
    char *out = xmalloc(strlen(path) * 3 + 8), *o = out;
    memcpy(o, "file://", 7);
    o += 7;
    for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            strchr("/-_.~", *p)) {
            *o++ = (char)*p;
        } else {
            *o++ = '%';
            *o++ = hex[*p >> 4];
            *o++ = hex[*p & 15];
        }
    }
    *o = '\0';
    return out;
}

uint32_t lsp_utf16(const char *t, uint32_t from, uint32_t to)
{
    uint32_t n = 0;
    for (uint32_t i = from; i < to;) {
        int k = src_char_len(t, i, to);
        n += k == 4 ? 2 : 1;
        i += (uint32_t)k;
    }
    return n;
}

static cJSON *position(Source *src, uint32_t off)
{
    LineCol lc = src_linecol(src, off);
    Span line = src_line_span(src, lc.line);
    uint32_t end = off < line.end ? off : line.end;
    cJSON *p = cJSON_CreateObject();
    cJSON_AddNumberToObject(p, "line", lc.line - 1);
    cJSON_AddNumberToObject(p, "character", lsp_utf16(src->text, line.start, end));
    return p;
}

cJSON *lsp_range(Source *src, Span sp)
{
    cJSON *r = cJSON_CreateObject();
    cJSON_AddItemToObject(r, "start", position(src, sp.start));
    cJSON_AddItemToObject(r, "end", position(src, sp.end < sp.start ? sp.start : sp.end));
    return r;
}

cJSON *lsp_location(Source *src, Span sp)
{
    cJSON *l = cJSON_CreateObject();
    char *uri = lsp_path_uri(src->path);
    cJSON_AddStringToObject(l, "uri", uri);
    free(uri);
    cJSON_AddItemToObject(l, "range", lsp_range(src, sp));
    return l;
}

static int json_int(const cJSON *o, const char *key, int fallback)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsNumber(v) && v->valuedouble >= 0 && v->valuedouble < 1e9 ? v->valueint : fallback;
}

uint32_t lsp_offset(const char *text, size_t len, const cJSON *pos)
{
    int line = json_int(pos, "line", 0), ch = json_int(pos, "character", 0);
    uint32_t i = 0, n = (uint32_t)len;
    while (line > 0 && i < n) {         /* "\n", "\r\n" and a lone "\r" end a line */
        if (text[i] == '\r' && i + 1 < n && text[i + 1] == '\n')
            i++;
        if (text[i] == '\n' || text[i] == '\r')
            line--;
        i++;
    }
    while (ch > 0 && i < n && text[i] != '\n' && text[i] != '\r') {
        int k = src_char_len(text, i, n);
        ch -= k == 4 ? 2 : 1;
        i += (uint32_t)k;
    }
    return i;
}

/* ---- open buffers ------------------------------------------------------ */

LspDoc *lsp_doc(Lsp *s, const char *uri)
{
    for (int i = 0; uri && i < s->ndocs; i++)
        if (strcmp(s->docs[i].uri, uri) == 0)
            return &s->docs[i];
    return NULL;
}

/* The overlay hook (source.h): an open buffer instead of the disk. */
static Source *overlay(void *ctx, const char *path)
{
    Lsp *s = ctx;
    char real[PATH_MAX];
    const char *rp = NULL;
    for (int i = 0; i < s->ndocs; i++) {
        LspDoc *d = &s->docs[i];
        if (strcmp(d->path, path) != 0) {
            if (!rp)
                rp = realpath(path, real) ? real : path;
            if (strcmp(d->real, rp) != 0)
                continue;
        }
        return src_from_memory(path, d->text, d->len);
    }
    return s->no_disk ? src_from_memory(path, "", 0) : NULL;
}

/* Opens (or reopens) a buffer; NULL when uri is not a .sfd file. */
static LspDoc *doc_open(Lsp *s, const char *uri, const char *text, int version)
{
    char *path = lsp_uri_path(uri);
    size_t n = path ? strlen(path) : 0;
    if (n < 5 || strcmp(path + n - 4, ".sfd") != 0) {   /* the server checks .sfd files only */
        free(path);
        return NULL;
    }
    LspDoc *d = lsp_doc(s, uri);
    if (!d) {
        if (s->ndocs == s->cap)
            s->docs = xrealloc(s->docs, (size_t)(s->cap = s->cap ? s->cap * 2 : 8) * sizeof *s->docs);
        d = &s->docs[s->ndocs++];
        memset(d, 0, sizeof *d);
        d->uri = xstrdup(uri);
        char real[PATH_MAX];
        d->real = xstrdup(realpath(path, real) ? real : path);
        d->path = path;
    } else {
        free(path);
        free(d->text);
    }
    d->len = strlen(text);
    d->text = xstrdup(text);
    d->version = version;
    return d;
}

static void doc_close(Lsp *s, const char *uri)
{
    LspDoc *d = lsp_doc(s, uri);
    if (!d)
        return;
    free(d->uri);
    free(d->path);
    free(d->real);
    free(d->text);
    *d = s->docs[--s->ndocs];
    s->dirty = true;
}

/* Replaces [from, to) of d's text with text. */
static void doc_splice(LspDoc *d, uint32_t from, uint32_t to, const char *text)
{
    if (to < from)
        to = from;
    size_t add = strlen(text), len = d->len - (to - from) + add;
    char *t = xmalloc(len + 1);
    memcpy(t, d->text, from);
    memcpy(t + from, text, add);
    memcpy(t + from + add, d->text + to, d->len - to);
    t[len] = '\0';
    free(d->text);
    d->text = t;
    d->len = len;
}

/* One contentChange: a range edit (incremental sync) or the whole text. */
static void doc_change(LspDoc *d, const cJSON *ch)
{
    const cJSON *text = cJSON_GetObjectItemCaseSensitive(ch, "text");
    const cJSON *range = cJSON_GetObjectItemCaseSensitive(ch, "range");
    if (!cJSON_IsString(text))
        return;
    if (!cJSON_IsObject(range)) {
        doc_splice(d, 0, (uint32_t)d->len, text->valuestring);
        return;
    }
    uint32_t a = lsp_offset(d->text, d->len, cJSON_GetObjectItemCaseSensitive(range, "start"));
    uint32_t b = lsp_offset(d->text, d->len, cJSON_GetObjectItemCaseSensitive(range, "end"));
    doc_splice(d, a, b, text->valuestring);
}

/* ---- checking the workspace -------------------------------------------- */

static void check_free(LspCheck *c)
{
    if (!c)
        return;
    eval_free(c->ev);
    model_release(&c->model);
    schema_release(&c->schemas);
    load_release(&c->pg);
    diag_release(&c->diag);
    free(c);
}

/* The same pipeline as `sfdc check`, over the workspace folder and every
 * open buffer (which may not exist on disk yet). */
static LspCheck *check_run(Lsp *s)
{
    LspCheck *c = xcalloc(1, sizeof *c);
    diag_init(&c->diag);
    c->diag.max_errors = 0;
    load_init(&c->pg, &c->diag, s->stdlib);
    char **paths = xcalloc((size_t)s->ndocs + 1, sizeof *paths);
    int n = 0;
    if (s->root)
        paths[n++] = s->root;
    for (int i = 0; i < s->ndocs; i++)
        paths[n++] = s->docs[i].path;
    src_set_overlay(overlay, s);
    load_program(&c->pg, paths, n);
    src_set_overlay(NULL, NULL);
    free(paths);
    schema_init(&c->schemas, &c->pg.arena, &c->pg.in);
    model_init(&c->model, &c->pg, &c->schemas);
    c->ev = eval_new(&c->pg, &c->schemas, &c->model);
    eval_run(c->ev);
    rules_check(c->ev, &c->model, &c->diag);
    eval_finish(c->ev);
    return c;
}

File *lsp_file(Lsp *s, const char *uri)
{
    if (!s->check || !uri)
        return NULL;
    char *path = lsp_uri_path(uri);
    if (!path)
        return NULL;
    char real[PATH_MAX];
    const char *rp = realpath(path, real) ? real : path;
    File *found = NULL;
    Program *pg = &s->check->pg;
    for (int i = 0; i < pg->nfiles && !found; i++)
        if (strcmp(pg->files[i]->src->path, path) == 0 || strcmp(pg->files[i]->key, rp) == 0)
            found = pg->files[i];
    free(path);
    return found;
}

static const char *level_text(DiagLevel lv)
{
    return lv == DIAG_ERROR ? "error" : lv == DIAG_WARNING ? "warning" : "note";
}

/* One Diagnostic: `sfdc check`'s code, span, labels (related locations),
 * and its label, help and note appended to the message. */
static cJSON *diag_json(const Diag *d)
{
    cJSON *j = cJSON_CreateObject();
    cJSON_AddItemToObject(j, "range", lsp_range(d->src, d->span));
    cJSON_AddNumberToObject(j, "severity", d->level == DIAG_ERROR ? 1 : d->level == DIAG_WARNING ? 2 : 3);
    cJSON_AddStringToObject(j, "code", d->code);
    cJSON_AddStringToObject(j, "source", "sfdc");
    size_t cap = strlen(d->msg) + 64 + (d->label ? strlen(d->label) : 0) +
                 (d->help ? strlen(d->help) : 0) + (d->note ? strlen(d->note) : 0);
    char *msg = xmalloc(cap);
    snprintf(msg, cap, "%s%s%s%s%s%s%s", d->msg, d->label ? "\n" : "", d->label ? d->label : "",
             d->help ? "\nhelp: " : "", d->help ? d->help : "", d->note ? "\nnote: " : "",
             d->note ? d->note : "");
    cJSON_AddStringToObject(j, "message", msg);
    free(msg);
    cJSON *rel = cJSON_AddArrayToObject(j, "relatedInformation");
    for (int i = 0; i < d->nlabels; i++) {
        if (!d->labels[i].src)
            continue;
        cJSON *r = cJSON_CreateObject();
        cJSON_AddItemToObject(r, "location", lsp_location(d->labels[i].src, d->labels[i].span));
        cJSON_AddStringToObject(r, "message", d->labels[i].msg ? d->labels[i].msg : "");
        cJSON_AddItemToArray(rel, r);
    }
    cJSON *data = cJSON_AddObjectToObject(j, "data");
    cJSON_AddStringToObject(data, "level", level_text(d->level));
    if (d->help)
        cJSON_AddStringToObject(data, "help", d->help);
    return j;
}

static void publish(Lsp *s, const char *uri, cJSON *diags, int version)
{
    cJSON *p = cJSON_CreateObject();
    cJSON_AddStringToObject(p, "uri", uri);
    if (version >= 0)
        cJSON_AddNumberToObject(p, "version", version);
    cJSON_AddItemToObject(p, "diagnostics", diags);
    cJSON *msg = rpc_notification("textDocument/publishDiagnostics", p);
    rpc_write(s->out, msg);
    cJSON_Delete(msg);
}

/* The URI to publish f's diagnostics under (malloc'd) and its open buffer
 * (*doc, or NULL): the buffer's own URI when the editor opened the file
 * under another spelling of its path. */
static char *file_uri(Lsp *s, const File *f, LspDoc **doc)
{
    char *uri = lsp_path_uri(f->src->path);
    LspDoc *d = lsp_doc(s, uri);
    for (int k = 0; k < s->ndocs && !d; k++)
        if (strcmp(s->docs[k].real, f->key) == 0)
            d = &s->docs[k];
    if (d) {
        free(uri);
        uri = xstrdup(d->uri);
    }
    *doc = d;
    return uri;
}

/* Diagnostics for every user file of the check, open or not (a change in
 * one file re-checks those that import it: the whole program is checked).
 * Files that had diagnostics before and have none now, or left the
 * program, are cleared. */
static void publish_all(Lsp *s)
{
    Program *pg = &s->check->pg;
    DiagEngine *de = &s->check->diag;
    char **now = xcalloc((size_t)pg->nfiles + 1, sizeof *now);
    int nnow = 0;
    for (int i = 0; i < pg->nfiles; i++) {
        File *f = pg->files[i];
        if (f->is_std)
            continue;
        cJSON *arr = cJSON_CreateArray();
        for (unsigned k = 0; k < de->n; k++)
            if (de->items[k]->src == f->src)
                cJSON_AddItemToArray(arr, diag_json(de->items[k]));
        LspDoc *d;
        char *uri = file_uri(s, f, &d);
        bool some = cJSON_GetArraySize(arr) > 0;
        if (some || d)
            publish(s, uri, arr, d ? d->version : -1);
        else
            cJSON_Delete(arr);
        if (some)
            now[nnow++] = uri;
        else
            free(uri);
    }
    for (int i = 0; i < s->npublished; i++) {
        bool still = false;
        for (int k = 0; k < nnow && !still; k++)
            still = strcmp(now[k], s->published[i]) == 0;
        if (!still && !lsp_doc(s, s->published[i]))
            publish(s, s->published[i], cJSON_CreateArray(), -1);
        free(s->published[i]);
    }
    free(s->published);
    s->published = now;
    s->npublished = nnow;
}

void lsp_settle(Lsp *s)
{
    if (!s->dirty || !s->initialized)
        return;
    check_free(s->check);
    s->check = check_run(s);
    s->dirty = false;
    publish_all(s);
}

/* ---- lifecycle --------------------------------------------------------- */

Lsp *lsp_new(const char *stdlib, FILE *out)
{
    Lsp *s = xcalloc(1, sizeof *s);
    s->out = out;
    s->stdlib = stdlib ? xstrdup(stdlib) : NULL;
    s->exit_code = 1;
    return s;
}

void lsp_free(Lsp *s)
{
    if (!s)
        return;
    while (s->ndocs)
        doc_close(s, s->docs[0].uri);
    for (int i = 0; i < s->npublished; i++)
        free(s->published[i]);
    free(s->published);
    free(s->docs);
    check_free(s->check);
    free(s->stdlib);
    free(s->root);
    free(s);
}

static cJSON *capabilities(void)
{
    cJSON *c = cJSON_CreateObject();
    cJSON *sync = cJSON_AddObjectToObject(c, "textDocumentSync");
    cJSON_AddBoolToObject(sync, "openClose", 1);
    cJSON_AddNumberToObject(sync, "change", 2);     /* incremental */
    cJSON_AddObjectToObject(sync, "save");
    cJSON_AddBoolToObject(c, "hoverProvider", 1);
    cJSON_AddBoolToObject(c, "definitionProvider", 1);
    cJSON_AddBoolToObject(c, "referencesProvider", 1);
    cJSON *rn = cJSON_AddObjectToObject(c, "renameProvider");
    cJSON_AddBoolToObject(rn, "prepareProvider", 1);
    cJSON_AddBoolToObject(c, "documentSymbolProvider", 1);
    cJSON_AddBoolToObject(c, "workspaceSymbolProvider", 1);
    cJSON *comp = cJSON_AddObjectToObject(c, "completionProvider");
    cJSON *trig = cJSON_AddArrayToObject(comp, "triggerCharacters");
    cJSON_AddItemToArray(trig, cJSON_CreateString("."));
    cJSON_AddItemToArray(trig, cJSON_CreateString(" "));
    cJSON *ca = cJSON_AddObjectToObject(c, "codeActionProvider");
    cJSON *kinds = cJSON_AddArrayToObject(ca, "codeActionKinds");
    cJSON_AddItemToArray(kinds, cJSON_CreateString("quickfix"));
    cJSON_AddBoolToObject(c, "inlayHintProvider", 1);
    cJSON_AddBoolToObject(c, "documentFormattingProvider", 1);
    cJSON_AddBoolToObject(c, "documentRangeFormattingProvider", 1);
    cJSON *st = cJSON_AddObjectToObject(c, "semanticTokensProvider");
    cJSON_AddItemToObject(st, "legend", lsp_semantic_legend());
    cJSON_AddBoolToObject(st, "full", 1);
    return c;
}

static cJSON *initialize(Lsp *s, const cJSON *params)
{
    const cJSON *root = cJSON_GetObjectItemCaseSensitive(params, "rootUri");
    const cJSON *folders = cJSON_GetObjectItemCaseSensitive(params, "workspaceFolders");
    if (cJSON_IsArray(folders) && cJSON_GetArraySize(folders) > 0)
        root = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(folders, 0), "uri");
    free(s->root);
    s->root = cJSON_IsString(root) && !s->no_disk ? lsp_uri_path(root->valuestring) : NULL;
    s->initialized = true;
    s->dirty = s->root != NULL;     /* diagnostics for the workspace at once */
    cJSON *r = cJSON_CreateObject();
    cJSON_AddItemToObject(r, "capabilities", capabilities());
    cJSON *info = cJSON_AddObjectToObject(r, "serverInfo");
    cJSON_AddStringToObject(info, "name", "sfdc");
    cJSON_AddStringToObject(info, "version", SFDC_VERSION);
    return r;
}

/* ---- notifications ----------------------------------------------------- */

static const char *td_uri(const cJSON *params)
{
    const cJSON *td = cJSON_GetObjectItemCaseSensitive(params, "textDocument");
    const cJSON *uri = cJSON_GetObjectItemCaseSensitive(td, "uri");
    return cJSON_IsString(uri) ? uri->valuestring : NULL;
}

static void log_message(Lsp *s, int type, const char *text)
{
    cJSON *p = cJSON_CreateObject();
    cJSON_AddNumberToObject(p, "type", type);
    cJSON_AddStringToObject(p, "message", text);
    cJSON *m = rpc_notification("window/logMessage", p);
    rpc_write(s->out, m);
    cJSON_Delete(m);
}

/* The file of the last check that d changes nothing in: the same path,
 * published under d's URI, with d's text. NULL when a check is due anyway
 * or d differs. */
static File *checked_same(Lsp *s, const LspDoc *d)
{
    if (!s->check || s->dirty)
        return NULL;
    Program *pg = &s->check->pg;
    for (int i = 0; i < pg->nfiles; i++) {
        File *f = pg->files[i];
        if (f->is_std || strcmp(f->src->path, d->path) != 0 || f->src->len != d->len ||
            memcmp(f->src->text, d->text, d->len) != 0)
            continue;
        char *uri = lsp_path_uri(f->src->path);
        bool same = strcmp(uri, d->uri) == 0;
        free(uri);
        return same ? f : NULL;
    }
    return NULL;
}

/* Publishes the last check's diagnostics of f for the open buffer d. */
static void publish_file(Lsp *s, const File *f, const LspDoc *d)
{
    DiagEngine *de = &s->check->diag;
    cJSON *arr = cJSON_CreateArray();
    for (unsigned k = 0; k < de->n; k++)
        if (de->items[k]->src == f->src)
            cJSON_AddItemToArray(arr, diag_json(de->items[k]));
    bool some = cJSON_GetArraySize(arr) > 0;
    publish(s, d->uri, arr, d->version);
    for (int i = 0; i < s->npublished && some; i++)
        some = strcmp(s->published[i], d->uri) != 0;
    if (some) {
        s->published = xrealloc(s->published, (size_t)(s->npublished + 1) * sizeof *s->published);
        s->published[s->npublished++] = xstrdup(d->uri);
    }
}

/* Opening a file whose text the last check read from the disk changes no
 * diagnostic: they are published for the buffer at once, without checking
 * the workspace again (editors open files to show them, often). */
static void did_open(Lsp *s, const cJSON *params)
{
    const cJSON *td = cJSON_GetObjectItemCaseSensitive(params, "textDocument");
    const cJSON *text = cJSON_GetObjectItemCaseSensitive(td, "text");
    LspDoc *d = td_uri(params) && cJSON_IsString(text)
                    ? doc_open(s, td_uri(params), text->valuestring, json_int(td, "version", 0))
                    : NULL;
    File *f = d ? checked_same(s, d) : NULL;
    if (f)
        publish_file(s, f, d);
    else if (d)
        s->dirty = true;
}

/* A change whose version is not newer than the buffer's is stale (sent
 * before something the server already has): it is dropped, not applied. */
static void did_change(Lsp *s, const cJSON *params)
{
    LspDoc *d = lsp_doc(s, td_uri(params));
    const cJSON *changes = cJSON_GetObjectItemCaseSensitive(params, "contentChanges");
    if (!d || !cJSON_IsArray(changes))
        return;
    int version = json_int(cJSON_GetObjectItemCaseSensitive(params, "textDocument"), "version", -1);
    if (version >= 0 && version <= d->version) {
        log_message(s, 2, "sfdc: dropped a stale change (version not newer than the buffer's)");
        return;
    }
    const cJSON *ch;
    cJSON_ArrayForEach(ch, changes)
        doc_change(d, ch);
    if (version >= 0)
        d->version = version;
    s->dirty = true;
}

static void did_save(Lsp *s, const cJSON *params)
{
    LspDoc *d = lsp_doc(s, td_uri(params));
    const cJSON *text = cJSON_GetObjectItemCaseSensitive(params, "text");
    if (d && cJSON_IsString(text))
        doc_splice(d, 0, (uint32_t)d->len, text->valuestring);
    s->dirty = true;                /* files on disk may have changed too */
}

/* ---- formatting --------------------------------------------------------- */

static cJSON *edit_json(Source *src, Span sp, const char *text)
{
    cJSON *te = cJSON_CreateObject();
    cJSON_AddItemToObject(te, "range", lsp_range(src, sp));
    cJSON_AddStringToObject(te, "newText", text);
    return te;
}

/* textDocument/formatting and rangeFormatting: the same code as `sfdc fmt`,
 * on the open buffer. A buffer with syntax errors is refused, as fmt
 * refuses such a file. */
static cJSON *format(Lsp *s, const cJSON *params, bool range, const char **err)
{
    LspDoc *d = lsp_doc(s, td_uri(params));
    if (!d) {
        *err = "the document is not open";
        return NULL;
    }
    Source *src = src_from_memory(d->path, d->text, d->len);
    DiagEngine de;
    diag_init(&de);
    cJSON *edits = cJSON_CreateArray();
    if (!range) {
        size_t n = 0;
        char *out = fmt_source(src, &de, &n);
        if (!out)
            *err = "the document has syntax errors: fix them first";
        else if (n != d->len || memcmp(out, d->text, n) != 0)
            cJSON_AddItemToArray(edits, edit_json(src, (Span){0, src->len}, out));
        free(out);
    } else {
        const cJSON *r = cJSON_GetObjectItemCaseSensitive(params, "range");
        Span sp = {lsp_offset(d->text, d->len, cJSON_GetObjectItemCaseSensitive(r, "start")),
                   lsp_offset(d->text, d->len, cJSON_GetObjectItemCaseSensitive(r, "end"))};
        if (sp.end < sp.start)
            sp.end = sp.start;
        FmtEdit e = {0};
        int rc = fmt_range(src, sp, &de, &e);
        if (rc < 0)
            *err = "the document has syntax errors: fix them first";
        else if (rc > 0)
            cJSON_AddItemToArray(edits, edit_json(src, e.span, e.text));
        fmt_edit_release(&e);
    }
    diag_release(&de);
    src_free(src);
    if (*err) {
        cJSON_Delete(edits);
        return NULL;
    }
    return edits;
}

/* ---- dispatch ---------------------------------------------------------- */

typedef cJSON *(*Handler)(Lsp *s, const cJSON *params);

static const struct {
    const char *method;
    Handler fn;
} requests[] = {
    {"textDocument/hover", lsp_hover},
    {"textDocument/definition", lsp_definition},
    {"textDocument/references", lsp_references},
    {"textDocument/documentSymbol", lsp_document_symbols},
    {"workspace/symbol", lsp_workspace_symbols},
    {"textDocument/completion", lsp_completion},
    {"textDocument/codeAction", lsp_code_actions},
    {"textDocument/inlayHint", lsp_inlay_hints},
    {"textDocument/semanticTokens/full", lsp_semantic_tokens},
};

static void reply(Lsp *s, cJSON *msg)
{
    rpc_write(s->out, msg);
    cJSON_Delete(msg);
}

/* A request naming a document version that is not the buffer's (the
 * client asked about text the server no longer has) is answered with
 * ContentModified, as LSP asks for outdated requests. */
static bool stale(Lsp *s, const cJSON *params)
{
    const cJSON *td = cJSON_GetObjectItemCaseSensitive(params, "textDocument");
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(td, "version");
    LspDoc *d = lsp_doc(s, td_uri(params));
    return d && cJSON_IsNumber(v) && v->valueint != d->version;
}

/* Whether needle occurs in hay[0, n): memchr skips to each candidate, as
 * waiting didChange bodies may hold whole documents. */
static bool contains(const char *hay, size_t n, const char *needle)
{
    size_t k = strlen(needle);
    const char *end = hay + n;
    for (const char *p = hay; (size_t)(end - p) >= k && (p = memchr(p, needle[0], (size_t)(end - p)));
         p++)
        if ((size_t)(end - p) >= k && memcmp(p, needle, k) == 0)
            return true;
    return false;
}

/* Calls fn on every waiting notification whose method is method (a cheap
 * text test first: most waiting messages are not), until it returns true.
 * Returns whether one did. */
static bool any_waiting(Lsp *s, const char *method, bool (*fn)(const cJSON *params, const void *arg),
                        const void *arg)
{
    size_t at = 0, len;
    const char *body;
    bool found = false;
    while (!found && rpc_next_in(s->ahead, s->alen, &at, &body, &len)) {
        if (!contains(body, len, method))
            continue;
        cJSON *m = cJSON_ParseWithLength(body, len);
        const cJSON *mm = cJSON_GetObjectItemCaseSensitive(m, "method");
        found = cJSON_IsString(mm) && strcmp(mm->valuestring, method) == 0 &&
                !cJSON_GetObjectItemCaseSensitive(m, "id") &&
                fn(cJSON_GetObjectItemCaseSensitive(m, "params"), arg);
        cJSON_Delete(m);
    }
    return found;
}

static bool same_uri(const cJSON *params, const void *uri)
{
    return td_uri(params) && strcmp(td_uri(params), uri) == 0;
}

/* Whether a change of the document params names is already waiting (an
 * answer now would describe text the editor no longer has). */
static bool changed_ahead(Lsp *s, const cJSON *params)
{
    const char *uri = td_uri(params);
    return uri && (any_waiting(s, "textDocument/didChange", same_uri, uri) ||
                   any_waiting(s, "textDocument/didClose", same_uri, uri));
}

static bool names_id(const cJSON *params, const void *id)
{
    const cJSON *want = id, *got = cJSON_GetObjectItemCaseSensitive(params, "id");
    return cJSON_IsNumber(want) ? cJSON_IsNumber(got) && got->valuedouble == want->valuedouble
                                : cJSON_IsString(got) && strcmp(got->valuestring, want->valuestring) == 0;
}

/* Whether the client has already sent `$/cancelRequest` for id. */
static bool cancelled_ahead(Lsp *s, const cJSON *id)
{
    return any_waiting(s, "$/cancelRequest", names_id, id);
}

/* The reason (code) a request must not be answered from the last check,
 * or 0: cancelled by the client, or about text that has changed since. */
static int outdated(Lsp *s, const cJSON *id, const cJSON *params)
{
    if (cancelled_ahead(s, id))
        return RPC_REQUEST_CANCELLED;
    if (stale(s, params) || changed_ahead(s, params))
        return RPC_CONTENT_MODIFIED;
    return 0;
}

static void reply_outdated(Lsp *s, const cJSON *id, int code)
{
    reply(s, rpc_error(id, code, code == RPC_REQUEST_CANCELLED ? "the request was cancelled"
                                                              : "the document changed since this request"));
}

/* Brings the look-ahead up to date with input that arrived meanwhile. */
static void poll_input(Lsp *s)
{
    if (!s->reader)
        return;
    rpc_poll(s->reader);
    s->ahead = rpc_waiting(s->reader, &s->alen);
}

static void request(Lsp *s, const cJSON *id, const char *method, const cJSON *params)
{
    if (strcmp(method, "initialize") == 0) {
        reply(s, rpc_response(id, initialize(s, params)));
        return;
    }
    if (!s->initialized) {
        reply(s, rpc_error(id, RPC_SERVER_NOT_INITIALIZED, "the server is not initialized"));
        return;
    }
    if (strcmp(method, "shutdown") == 0) {
        s->shutdown = true;
        reply(s, rpc_response(id, NULL));
        return;
    }
    int why = outdated(s, id, params);
    if (!why) {
        s->dirty |= s->check == NULL;   /* every feature reads a check, even of nothing */
        lsp_settle(s);
        poll_input(s);                  /* the check took a while: anything new? */
        why = outdated(s, id, params);
    }
    if (why) {
        reply_outdated(s, id, why);
        return;
    }
    bool fmt_whole = strcmp(method, "textDocument/formatting") == 0;
    if (fmt_whole || strcmp(method, "textDocument/rangeFormatting") == 0) {
        const char *err = NULL;
        cJSON *r = format(s, params, !fmt_whole, &err);
        reply(s, err ? rpc_error(id, RPC_REQUEST_FAILED, err) : rpc_response(id, r));
        return;
    }
    bool prepare = strcmp(method, "textDocument/prepareRename") == 0;
    if (prepare || strcmp(method, "textDocument/rename") == 0) {
        const char *err = NULL;
        cJSON *r = prepare ? lsp_prepare_rename(s, params, &err) : lsp_rename(s, params, &err);
        reply(s, err ? rpc_error(id, RPC_REQUEST_FAILED, err) : rpc_response(id, r));
        return;
    }
    for (size_t i = 0; i < sizeof requests / sizeof requests[0]; i++)
        if (strcmp(method, requests[i].method) == 0) {
            reply(s, rpc_response(id, requests[i].fn(s, params)));
            return;
        }
    reply(s, rpc_error(id, RPC_METHOD_NOT_FOUND, "method not found"));
}

static bool notification(Lsp *s, const char *method, const cJSON *params)
{
    if (strcmp(method, "exit") == 0) {
        s->exit_code = s->shutdown ? 0 : 1;
        return false;
    }
    if (!s->initialized)
        return true;                /* LSP: notifications before initialize are dropped */
    if (strcmp(method, "textDocument/didOpen") == 0)
        did_open(s, params);
    else if (strcmp(method, "textDocument/didChange") == 0)
        did_change(s, params);
    else if (strcmp(method, "textDocument/didSave") == 0)
        did_save(s, params);
    else if (strcmp(method, "textDocument/didClose") == 0)
        doc_close(s, td_uri(params));
    else if (strcmp(method, "workspace/didChangeWatchedFiles") == 0)
        s->dirty = true;
    /* `$/cancelRequest` is acted on when its request is answered (it is
     * found among the waiting input then); arriving later, its request
     * was answered already. Others (initialized...) need nothing. */
    return true;
}

bool lsp_handle(Lsp *s, const char *body, size_t len)
{
    return lsp_handle_before(s, body, len, NULL, 0);
}

bool lsp_handle_before(Lsp *s, const char *body, size_t len, const char *ahead, size_t alen)
{
    s->ahead = ahead ? ahead : "";
    s->alen = ahead ? alen : 0;
    cJSON *msg = cJSON_ParseWithLength(body, len);
    if (!msg) {
        reply(s, rpc_error(NULL, RPC_PARSE_ERROR, "the message is not JSON"));
        return true;
    }
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(msg, "id");
    const cJSON *method = cJSON_GetObjectItemCaseSensitive(msg, "method");
    const cJSON *params = cJSON_GetObjectItemCaseSensitive(msg, "params");
    bool go_on = true;
    if (!cJSON_IsObject(msg) || (id && !cJSON_IsNumber(id) && !cJSON_IsString(id)) ||
        (method && !cJSON_IsString(method))) {
        reply(s, rpc_error(cJSON_IsNumber(id) || cJSON_IsString(id) ? id : NULL,
                           RPC_INVALID_REQUEST, "not a JSON-RPC 2.0 request"));
    } else if (!method) {
        /* a response to a request of ours: the server sends none */
    } else if (id) {
        request(s, id, method->valuestring, params);
    } else {
        go_on = notification(s, method->valuestring, params);
    }
    cJSON_Delete(msg);
    s->ahead = "";
    s->alen = 0;
    return go_on;
}

int lsp_run(const char *stdlib, int in_fd, FILE *out)
{
    Lsp *s = lsp_new(stdlib, out);
    RpcReader r;
    rpc_reader_init(&r, in_fd);
    s->reader = &r;
    for (;;) {
        const char *body;
        size_t len;
        RpcRead rr = rpc_read(&r, &body, &len);
        if (rr == RPC_READ_EOF)
            break;
        if (rr == RPC_READ_BAD) {
            reply(s, rpc_error(NULL, RPC_PARSE_ERROR, "bad message framing (no valid Content-Length)"));
            continue;
        }
        size_t alen;
        const char *ahead = rpc_waiting(&r, &alen);
        if (!lsp_handle_before(s, body, len, ahead, alen))
            break;
        /* a burst of edits is checked once, after its last message */
        if (s->dirty && !rpc_ready(&r))
            lsp_settle(s);
    }
    int rc = s->exit_code;
    rpc_reader_release(&r);
    lsp_free(s);
    return rc;
}
