/* load.c — the program's files: command-line paths, directories, imports
 * and the standard library prelude (see load.h). */
#include "load.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "parse.h"
#include "strbuf.h"
#include "table.h"
#include "banned.h"

/* One file on the import stack: which file, and the next of its items to
 * look at for an `import`. The stack is an array, not the C stack, so an
 * import chain of any length cannot overflow it. */
typedef struct Frame {
    int idx;            /* file index */
    const Node *next;   /* its next item to examine */
} Frame;

/* Per-load bookkeeping: which canonical path is which file, and the DFS
 * state of each file for import-cycle detection. */
typedef struct Loader {
    Program *pg;
    Table by_key;       /* interned canonical path -> file index + 1 */
    int *state;         /* 0 new, 1 on the import stack, 2 done; per file */
    int cap;            /* allocated entries of state */
    Frame *stack;       /* the import chain being followed; malloc'd */
    int depth, stack_cap;
    bool too_many;      /* E0008 for the file count was reported */
} Loader;

void load_init(Program *pg, DiagEngine *d, const char *stdlib_dir)
{
    memset(pg, 0, sizeof *pg);
    arena_init(&pg->arena);
    intern_init(&pg->in, &pg->arena);
    pg->diag = d;
    budget_init(&pg->budget);
    if (stdlib_dir)
        pg->stdlib_dir = arena_strdup(&pg->arena, stdlib_dir);
}

void load_release(Program *pg)
{
    for (int i = 0; i < pg->nfiles; i++)
        src_free(pg->sources[i]);
    free(pg->sources);
    free(pg->files);
    intern_release(&pg->in);
    arena_release(&pg->arena);
    memset(pg, 0, sizeof *pg);
}

static void loader_reserve(Loader *ld)
{
    Program *pg = ld->pg;
    if (pg->nfiles == pg->cap) {
        pg->cap = pg->cap ? pg->cap * 2 : 16;
        pg->files = xrealloc(pg->files, (size_t)pg->cap * sizeof *pg->files);
        pg->sources = xrealloc(pg->sources, (size_t)pg->cap * sizeof *pg->sources);
    }
    /* A Loader lives for one load call; the program may already hold files
     * from an earlier one, so its arrays follow the program's capacity. */
    if (ld->cap < pg->cap) {
        ld->state = xrealloc(ld->state, (size_t)pg->cap * sizeof *ld->state);
        ld->cap = pg->cap;
    }
}

/* Registers a parsed file; its imports are followed by the caller. */
static int add_file(Loader *ld, Source *src, const char *key, bool is_std)
{
    Program *pg = ld->pg;
    loader_reserve(ld);
    int idx = pg->nfiles++;
    src->id = idx;
    File *f = parse_file(src, &pg->arena, &pg->in, pg->diag);
    f->key = key;
    f->is_std = is_std;
    pg->files[idx] = f;
    pg->sources[idx] = src;
    ld->state[idx] = 0;
    table_put(&ld->by_key, key, (void *)(intptr_t)(idx + 1));
    return idx;
}

static const char *canonical(Program *pg, const char *path)
{
    char buf[PATH_MAX];
    if (realpath(path, buf))
        return intern_cstr(&pg->in, buf);
    return intern_cstr(&pg->in, path);
}

/* "dir/of/importer" + "/" + rel, for display and for opening; leading
 * "./" segments are dropped so paths in diagnostics stay tidy. */
static char *join_dir(Arena *a, const char *file, const char *rel)
{
    while (rel[0] == '.' && rel[1] == '/')
        rel += 2;
    const char *slash = strrchr(file, '/');
    if (!slash)
        return arena_strdup(a, rel);
    return arena_printf(a, "%.*s/%s", (int)(slash - file), file, rel);
}

static void push_file(Loader *ld, int idx, File *from, Span at);

/* Reports a failed read: at the importing span, or about the path. */
static void read_error(Loader *ld, const char *path, SrcError err, File *from, Span at)
{
    Program *pg = ld->pg;
    if (from) {
        Diag *d = diag_new(pg->diag, DIAG_ERROR, "E0004", from->src, at,
                           "cannot import `%s`: %s", path, src_strerror(err));
        diag_label(pg->diag, d, "imported here");
        if (err == SRC_ENOENT)
            diag_help(pg->diag, d, "paths are relative to the importing file; the standard "
                                   "library is imported as \"std/NAME\"");
        diag_emit(pg->diag, d);
        return;
    }
    Diag *d = diag_new(pg->diag, DIAG_ERROR, err == SRC_ETOOBIG ? "E0003" : "E0001", NULL,
                       (Span){0, 0}, "cannot read `%s`: %s", path, src_strerror(err));
    if (err == SRC_ETOOBIG)
        diag_help(pg->diag, d, "split the platform into several files joined with `import`");
    diag_emit(pg->diag, d);
}

/* E0008: the program has more files than the budget allows; reported
 * once, at the import (or the command-line path) that went over. */
static void too_many_files(Loader *ld, const char *path, File *from, Span at)
{
    Program *pg = ld->pg;
    if (from)
        from->had_errors = true;   /* its imports were cut: it is incomplete (no cascade) */
    if (ld->too_many)
        return;
    ld->too_many = true;
    Diag *d = diag_new(pg->diag, DIAG_ERROR, "E0008", from ? from->src : NULL, at,
                       "more than %llu source files: `%s` is not loaded",
                       (unsigned long long)pg->budget.limit[BUDGET_FILES], path);
    if (from)
        diag_label(pg->diag, d, "imported here");
    diag_help(pg->diag, d, "raise the limit with %s=N", budget_flag(BUDGET_FILES));
    diag_emit(pg->diag, d);
}

/* Loads path (if not loaded yet) and puts it on the import stack, whose
 * walk follows its imports. Returns the file index or -1. */
static int load_path(Loader *ld, const char *path, bool is_std, File *from, Span at)
{
    Program *pg = ld->pg;
    const char *key = canonical(pg, path);
    intptr_t known = (intptr_t)table_get(&ld->by_key, key);
    if (known)
        return (int)known - 1;
    if (!is_std && (uint64_t)pg->nsource_files >= pg->budget.limit[BUDGET_FILES]) {
        too_many_files(ld, path, from, at);
        return -1;
    }
    SrcError err;
    Source *src = src_load(path, &err);
    if (!src) {
        read_error(ld, path, err, from, at);
        return -1;
    }
    int idx = add_file(ld, src, key, is_std);
    pg->nsource_files += !is_std;
    push_file(ld, idx, from, at);
    return idx;
}

static void report_cycle(Loader *ld, File *f, Node *imp, int target)
{
    Program *pg = ld->pg;
    Diag *d = diag_new(pg->diag, DIAG_ERROR, "E0005", f->src, imp->a ? imp->a->span : imp->span,
                       "import cycle");
    diag_label(pg->diag, d, "this import leads back to `%s`", pg->files[target]->src->path);
    /* The chain, from the target round to this file; built in one buffer
     * (an import chain may be as long as the depth budget). */
    StrBuf chain = {0};
    int start = 0;
    while (start < ld->depth && ld->stack[start].idx != target)
        start++;
    for (int i = start; i < ld->depth; i++) {
        sb_puts(&chain, "`");
        sb_puts(&chain, pg->files[ld->stack[i].idx]->src->path);
        sb_puts(&chain, "` imports ");
    }
    sb_puts(&chain, "`");
    sb_puts(&chain, pg->files[target]->src->path);
    sb_puts(&chain, "`");
    char *text = sb_finish(&chain);
    diag_note(pg->diag, d, "%s", text ? text : "(the chain is too long to show)");
    free(text);
    diag_help(pg->diag, d, "move what both files need into a third file that both import");
    diag_emit(pg->diag, d);
}

/* One `import "..."`: resolve, load, and detect self-imports and cycles. */
static void follow_import(Loader *ld, int idx, Node *imp)
{
    Program *pg = ld->pg;
    File *f = pg->files[idx];
    Node *path = imp->a;
    if (!path || path->kind != NODE_STR) {
        if (path && path->kind == NODE_INTERP)
            diag_error(pg->diag, "E0203", f->src, path->span,
                       "an import path cannot use interpolation");
        return;
    }
    const char *rel = path->v.str;
    bool std = strncmp(rel, "std/", 4) == 0;
    char *target;
    if (std && pg->stdlib_dir)
        target = arena_printf(&pg->arena, "%s/%s.sfd", pg->stdlib_dir, rel + 4);
    else if (rel[0] == '/')
        target = arena_strdup(&pg->arena, rel);
    else
        target = join_dir(&pg->arena, f->src->path, rel);
    const char *key = canonical(pg, target);
    if (key == f->key) {
        Diag *d = diag_new(pg->diag, DIAG_ERROR, "E0006", f->src, path->span,
                           "file imports itself");
        diag_help(pg->diag, d, "remove this import");
        diag_emit(pg->diag, d);
        return;
    }
    int before = pg->nfiles;
    int t = load_path(ld, target, std || f->is_std, f, path->span);
    if (t < 0)
        return;
    if (t < before && ld->state[t] == 1) {
        report_cycle(ld, f, imp, t);
        return;
    }
    f->imports[f->nimports++] = t;
}

/* E0008: an import chain longer than the budget; the chain is shown by
 * its two ends, which is where a mistake (or a generator) is found. */
static void too_deep(Loader *ld, File *from, Span at)
{
    Program *pg = ld->pg;
    if (from)
        from->had_errors = true;   /* its imports were cut: it is incomplete (no cascade) */
    Diag *d = diag_new(pg->diag, DIAG_ERROR, "E0008", from ? from->src : NULL, at,
                       "imports nested more than %llu deep",
                       (unsigned long long)pg->budget.limit[BUDGET_IMPORT_DEPTH]);
    if (from)
        diag_label(pg->diag, d, "this import is one too many");
    diag_note(pg->diag, d, "the chain starts at `%s` and reaches `%s`",
              pg->files[ld->stack[0].idx]->src->path, pg->files[ld->stack[ld->depth - 1].idx]->src->path);
    diag_help(pg->diag, d, "raise the limit with %s=N", budget_flag(BUDGET_IMPORT_DEPTH));
    diag_emit(pg->diag, d);
}

/* A newly parsed file: its imports are followed by walk(), unless the
 * chain that reached it is already as deep as the budget allows. */
static void push_file(Loader *ld, int idx, File *from, Span at)
{
    Program *pg = ld->pg;
    File *f = pg->files[idx];
    /* Walking a large file's items only to find none costs a cache miss
     * per item; the parser says whether there can be any. */
    Node *items = f->has_imports ? f->items : NULL;
    int n = 0;
    for (Node *it = items; it; it = it->next)
        n += it->kind == NODE_IMPORT;
    f->imports = arena_alloc(&pg->arena, (size_t)(n ? n : 1) * sizeof *f->imports);
    if (ld->depth > 0 && (uint64_t)ld->depth >= pg->budget.limit[BUDGET_IMPORT_DEPTH]) {
        too_deep(ld, from, at);
        ld->state[idx] = 2;
        return;
    }
    if (ld->depth == ld->stack_cap) {
        ld->stack_cap = ld->stack_cap ? ld->stack_cap * 2 : 16;
        ld->stack = xrealloc(ld->stack, (size_t)ld->stack_cap * sizeof *ld->stack);
    }
    ld->state[idx] = 1;
    ld->stack[ld->depth++] = (Frame){idx, items};
}

/* Depth-first over the import graph, iteratively: the top frame's next
 * `import` is followed (which may push the imported file); a file whose
 * items are exhausted is done. */
static void walk(Loader *ld)
{
    while (ld->depth > 0) {
        Frame *top = &ld->stack[ld->depth - 1];
        const Node *it = top->next;
        while (it && it->kind != NODE_IMPORT)
            it = it->next;
        if (!it) {
            ld->state[top->idx] = 2;
            ld->depth--;
            continue;
        }
        top->next = it->next;
        follow_import(ld, top->idx, (Node *)it);   /* may push: top is stale after */
    }
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Collects *.sfd below dir (sorted, hidden entries skipped) into *out.
 * Symbolic links to directories are not followed (a link to `.` would
 * make the walk exponential), and the walk stops once more files than
 * max were found. Directory depth is bounded by PATH_MAX. */
static void scan_dir(Arena *a, const char *dir, char ***out, int *n, int *cap, uint64_t max)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    char **names = NULL;
    int nn = 0, nc = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        if (nn == nc)
            names = xrealloc(names, (size_t)(nc = nc ? nc * 2 : 16) * sizeof *names);
        names[nn++] = arena_printf(a, "%s/%s", dir, e->d_name);
    }
    closedir(d);
    if (nn > 1)
        qsort(names, (size_t)nn, sizeof *names, by_name);
    for (int i = 0; i < nn && (uint64_t)*n <= max; i++) {
        struct stat st;
        if (stat(names[i], &st) != 0)
            continue;
        size_t len = strlen(names[i]);
        if (S_ISDIR(st.st_mode)) {
            struct stat lst;
            if (lstat(names[i], &lst) == 0 && !S_ISLNK(lst.st_mode))
                scan_dir(a, names[i], out, n, cap, max);
        } else if (len > 4 && strcmp(names[i] + len - 4, ".sfd") == 0) {
            if (*n == *cap)
                *out = xrealloc(*out, (size_t)(*cap = *cap ? *cap * 2 : 16) * sizeof **out);
            (*out)[(*n)++] = names[i];
        }
    }
    free(names);
}

/* Loads the prelude, which imports the rest of the standard library. */
static void load_prelude(Loader *ld)
{
    Program *pg = ld->pg;
    if (!pg->stdlib_dir)
        return;
    char *prelude = arena_printf(&pg->arena, "%s/prelude.sfd", pg->stdlib_dir);
    load_path(ld, prelude, true, NULL, (Span){0, 0});
    walk(ld);
}

static void load_user_path(Loader *ld, const char *path)
{
    Program *pg = ld->pg;
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        char **found = NULL;
        int n = 0, cap = 0;
        scan_dir(&pg->arena, path, &found, &n, &cap, pg->budget.limit[BUDGET_FILES]);
        if (n == 0) {
            Diag *d = diag_new(pg->diag, DIAG_ERROR, "E0002", NULL, (Span){0, 0},
                               "no .sfd files in directory `%s`", path);
            diag_help(pg->diag, d, "name the files to check, or a directory that holds them");
            diag_emit(pg->diag, d);
        }
        for (int i = 0; i < n; i++) {
            if (load_path(ld, found[i], false, NULL, (Span){0, 0}) >= 0)
                pg->nuser++;
            walk(ld);
        }
        free(found);
        return;
    }
    if (load_path(ld, path, false, NULL, (Span){0, 0}) >= 0)
        pg->nuser++;
    walk(ld);
}

bool load_program(Program *pg, char **paths, int npaths)
{
    Loader ld = {.pg = pg};
    table_init(&ld.by_key);
    load_prelude(&ld);
    for (int i = 0; i < npaths; i++)
        load_user_path(&ld, paths[i]);
    table_release(&ld.by_key);
    free(ld.state);
    free(ld.stack);
    return pg->nfiles > 0;
}

File *load_memory(Program *pg, const char *path, const char *text, size_t len)
{
    Loader ld = {.pg = pg};
    table_init(&ld.by_key);
    for (int i = 0; i < pg->nfiles; i++)
        table_put(&ld.by_key, pg->files[i]->key, (void *)(intptr_t)(i + 1));
    loader_reserve(&ld);
    for (int i = 0; i < pg->nfiles; i++)
        ld.state[i] = 2;
    Source *src = src_from_memory(path, text, len);
    int idx = add_file(&ld, src, intern_cstr(&pg->in, path), false);
    pg->nsource_files++;
    push_file(&ld, idx, NULL, (Span){0, 0});
    walk(&ld);
    table_release(&ld.by_key);
    free(ld.state);
    free(ld.stack);
    pg->nuser++;
    return pg->files[idx];
}

char *load_find_stdlib(const char *argv0)
{
    const char *env = getenv("SFDC_STDLIB");
    if (env && *env)
        return xstrdup(env);
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) {
        if (!argv0 || !realpath(argv0, exe))
            return NULL;
    } else {
        exe[n] = '\0';
    }
    char *slash = strrchr(exe, '/');
    if (!slash)
        return NULL;
    *slash = '\0';
    static const char *const rel[] = {"/../stdlib", "/../../stdlib", "/../share/sfdc/stdlib"};
    for (size_t i = 0; i < sizeof rel / sizeof rel[0]; i++) {
        char cand[PATH_MAX + 32], probe[PATH_MAX + 64];
        snprintf(cand, sizeof cand, "%s%s", exe, rel[i]);
        snprintf(probe, sizeof probe, "%s/prelude.sfd", cand);
        if (access(probe, R_OK) == 0) {
            char real[PATH_MAX];
            return xstrdup(realpath(cand, real) ? real : cand);
        }
    }
    return NULL;
}
