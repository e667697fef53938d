/* fmtcmd.c — `sfdc fmt`: finds the files, runs the formatter (fmt.c) on
 * each, and rewrites, checks or diffs them. A file with syntax errors is
 * reported and left alone; a rewrite is atomic (temporary file + rename)
 * and happens only when the text changes. */
#include "fmtcmd.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "diag.h"
#include "fmt.h"
#include "banned.h"

const char fmtcmd_help[] =
    "usage: sfdc fmt [--check] [--diff] [FILE|DIR|-]...\n"
    "\n"
    "Rewrites .sfd files in the canonical layout (SPEC.md, \"Formatting\"):\n"
    "two-space indentation, one space around `=` and operators, two spaces\n"
    "between items sharing a line, at most one blank line. Line breaks,\n"
    "comments and doc comments stay where they are, and the tokens are not\n"
    "changed, so a formatted file means exactly what it meant before.\n"
    "\n"
    "Directories are searched for *.sfd, recursively; with no paths, `.`.\n"
    "`-` formats standard input to standard output. A file is written (via a\n"
    "temporary file renamed over it) only when its text changes. A file with\n"
    "syntax errors is not formatted: its errors are printed and it is left as\n"
    "it was.\n"
    "\n"
    "  --check   write nothing; list the files that are not formatted\n"
    "  --diff    write nothing; print a unified diff of the changes\n"
    "\n"
    "Exit status: 0 ok; 1 syntax errors, or with --check unformatted files;\n"
    "2 usage error.\n";

typedef struct FmtCmd {
    bool check;         /* --check: report, do not write */
    bool diff;          /* --diff: print the changes, do not write */
    int rc;             /* exit status so far */
    DiagEngine diag;
} FmtCmd;

/* --- a unified diff of two texts, line by line -------------------------------- */

typedef struct Lines {
    const char **at;    /* start of each line; malloc'd */
    uint32_t *len;      /* its length, without the newline; malloc'd */
    uint32_t n;
    bool no_eol;        /* the last line has no newline */
} Lines;

static void split_lines(const char *s, size_t n, Lines *l)
{
    memset(l, 0, sizeof *l);
    size_t cap = 1;
    for (size_t i = 0; i < n; i++)
        cap += s[i] == '\n';
    l->at = xmalloc(cap * sizeof *l->at);
    l->len = xmalloc(cap * sizeof *l->len);
    size_t i = 0;
    while (i < n) {
        const char *nl = memchr(s + i, '\n', n - i);
        size_t e = nl ? (size_t)(nl - s) : n;
        l->at[l->n] = s + i;
        l->len[l->n++] = (uint32_t)(e - i);
        l->no_eol = !nl;
        i = e + 1;
    }
}

static bool same_line(const Lines *a, uint32_t i, const Lines *b, uint32_t j)
{
    return a->len[i] == b->len[j] && memcmp(a->at[i], b->at[j], a->len[i]) == 0 &&
           (i + 1 < a->n || !a->no_eol) == (j + 1 < b->n || !b->no_eol);
}

/* The edit script as one op per line: '=' both, '-' old only, '+' new only.
 * Common prefix and suffix are matched directly; the middle by a longest
 * common subsequence when small enough, else replaced whole (still a
 * correct diff, if not the shortest). */
static char *diff_ops(const Lines *a, const Lines *b, size_t *nops)
{
    uint32_t pre = 0, suf = 0;
    while (pre < a->n && pre < b->n && same_line(a, pre, b, pre))
        pre++;
    while (suf < a->n - pre && suf < b->n - pre && same_line(a, a->n - 1 - suf, b, b->n - 1 - suf))
        suf++;
    uint32_t n = a->n - pre - suf, m = b->n - pre - suf;
    char *ops = xmalloc((size_t)a->n + b->n + 1);
    size_t k = 0;
    memset(ops, '=', pre);
    k = pre;
    uint32_t *t = (uint64_t)(n + 1) * (m + 1) <= (1u << 22)
                      ? xcalloc((size_t)(n + 1) * (m + 1), sizeof *t) : NULL;
    if (t) {
        /* t[i][j]: LCS length of the middles' suffixes from i and j. */
        for (uint32_t i = n; i-- > 0;)
            for (uint32_t j = m; j-- > 0;)
                t[i * (m + 1) + j] = same_line(a, pre + i, b, pre + j)
                                         ? t[(i + 1) * (m + 1) + j + 1] + 1
                                         : (t[(i + 1) * (m + 1) + j] > t[i * (m + 1) + j + 1]
                                                ? t[(i + 1) * (m + 1) + j] : t[i * (m + 1) + j + 1]);
    }
    uint32_t i = 0, j = 0;
    while (i < n || j < m) {
        if (t && i < n && j < m && same_line(a, pre + i, b, pre + j))
            ops[k++] = '=', i++, j++;
        else if (i < n && (j == m || !t || t[(i + 1) * (m + 1) + j] >= t[i * (m + 1) + j + 1]))
            ops[k++] = '-', i++;
        else
            ops[k++] = '+', j++;
    }
    free(t);
    memset(ops + k, '=', suf);
    *nops = k + suf;
    return ops;
}

static void put_line(FILE *out, char tag, const Lines *l, uint32_t i)
{
    fprintf(out, "%c%.*s\n", tag, (int)l->len[i], l->at[i]);
    if (i + 1 == l->n && l->no_eol)
        fputs("\\ No newline at end of file\n", out);
}

/* Prints the hunks of ops with three lines of context. */
static void print_hunks(FILE *out, const char *ops, size_t nops, const Lines *a, const Lines *b)
{
    enum { CTX = 3 };
    size_t k = 0;
    uint32_t ai = 0, bi = 0;    /* line numbers at ops[k] */
    while (k < nops) {
        if (ops[k] == '=') {
            k++, ai++, bi++;
            continue;
        }
        /* A hunk: CTX lines of context before the first change, then on
         * to the last change not separated from the previous one by more
         * than 2*CTX equal lines (closer changes share a hunk, as in
         * diff -u), then CTX lines of context after it. */
        size_t back = k < CTX ? k : CTX;
        size_t s = k - back, last = k;
        for (size_t x = k; x < nops && x - last <= 2 * CTX + 1; x++)
            if (ops[x] != '=')
                last = x;
        size_t e = last + 1;
        for (size_t tail = 0; tail < CTX && e < nops && ops[e] == '='; tail++)
            e++;
        uint32_t a0 = ai - (uint32_t)back, b0 = bi - (uint32_t)back, na = 0, nb = 0;
        for (size_t x = s; x < e; x++) {
            na += ops[x] != '+';
            nb += ops[x] != '-';
        }
        fprintf(out, "@@ -%u,%u +%u,%u @@\n", na ? a0 + 1 : a0, na, nb ? b0 + 1 : b0, nb);
        uint32_t x_a = a0, x_b = b0;
        for (size_t x = s; x < e; x++) {
            if (ops[x] == '=')
                put_line(out, ' ', a, x_a++), x_b++;
            else if (ops[x] == '-')
                put_line(out, '-', a, x_a++);
            else
                put_line(out, '+', b, x_b++);
        }
        ai = x_a, bi = x_b, k = e;
    }
}

static void print_diff(FILE *out, const char *path, const char *old, size_t nold,
                       const char *new, size_t nnew)
{
    Lines a, b;
    split_lines(old, nold, &a);
    split_lines(new, nnew, &b);
    size_t nops;
    char *ops = diff_ops(&a, &b, &nops);
    fprintf(out, "--- %s\n+++ %s\n", path, path);
    print_hunks(out, ops, nops, &a, &b);
    free(ops);
    free(a.at), free(a.len), free(b.at), free(b.len);
}

/* --- files ------------------------------------------------------------------- */

/* Writes text over path atomically: a temporary file beside it, with the
 * original's permissions, renamed into place. A symbolic link is followed,
 * so that the file it names is rewritten and the link stays a link. */
static bool write_atomic(const char *link, const char *text, size_t n)
{
    char real[PATH_MAX];
    const char *path = realpath(link, real) ? real : link;
    size_t plen = strlen(path);
    char *tmp = xmalloc(plen + 16);
    snprintf(tmp, plen + 16, "%s.fmt-XXXXXX", path);
    int fd = mkstemp(tmp);
    bool ok = fd >= 0;
    struct stat st;
    if (ok && stat(path, &st) == 0)
        ok = fchmod(fd, st.st_mode & 07777) == 0;
    for (size_t done = 0; ok && done < n;) {
        ssize_t w = write(fd, text + done, n - done);
        if (w < 0 && errno == EINTR)
            continue;
        ok = w > 0;
        done += ok ? (size_t)w : 0;
    }
    if (fd >= 0 && close(fd) != 0)
        ok = false;
    if (ok)
        ok = rename(tmp, path) == 0;
    if (!ok && fd >= 0)
        unlink(tmp);
    free(tmp);
    return ok;
}

static void fmt_one(FmtCmd *c, Source *src, bool to_stdout)
{
    size_t n;
    char *out = fmt_source(src, &c->diag, &n);
    if (!out) {
        diag_flush(&c->diag, stderr);
        c->rc = 1;
        return;
    }
    bool changed = n != src->len || memcmp(out, src->text, n) != 0;
    if (c->diff && changed)
        print_diff(stdout, src->path, src->text, src->len, out, n);
    if (c->check && changed) {
        if (!c->diff)
            printf("%s\n", src->path);
        c->rc = 1;
    }
    if (!c->check && !c->diff) {
        if (to_stdout) {
            fwrite(out, 1, n, stdout);
        } else if (changed && !write_atomic(src->path, out, n)) {
            fprintf(stderr, "sfdc: cannot write `%s`: %s\n", src->path, strerror(errno));
            c->rc = 1;
        }
    }
    free(out);
}

static void fmt_file(FmtCmd *c, const char *path)
{
    SrcError err;
    Source *src = src_load(path, &err);
    if (!src) {
        diag_error(&c->diag, "E0001", NULL, (Span){0, 0}, "cannot read `%s`: %s", path,
                   src_strerror(err));
        diag_flush(&c->diag, stderr);
        c->rc = 1;
        return;
    }
    fmt_one(c, src, false);
    src_free(src);
}

static void fmt_stdin(FmtCmd *c)
{
    SrcError err;
    Source *src = src_load("/dev/stdin", &err);
    if (!src) {
        fprintf(stderr, "sfdc: cannot read standard input: %s\n", src_strerror(err));
        c->rc = 1;
        return;
    }
    free(src->path);
    src->path = xstrdup("<stdin>");
    fmt_one(c, src, true);
    src_free(src);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every *.sfd below dir, sorted, hidden entries skipped. */
static void fmt_dir(FmtCmd *c, const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "sfdc: cannot open directory `%s`: %s\n", dir, strerror(errno));
        c->rc = 1;
        return;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        if (n == cap)
            names = xrealloc(names, (cap = cap ? cap * 2 : 16) * sizeof *names);
        size_t len = strlen(dir) + strlen(e->d_name) + 2;
        names[n] = xmalloc(len);
        snprintf(names[n++], len, "%s/%s", dir, e->d_name);
    }
    closedir(d);
    if (n > 1)
        qsort(names, n, sizeof *names, by_name);
    for (size_t i = 0; i < n; i++) {
        struct stat st;
        size_t len = strlen(names[i]);
        if (stat(names[i], &st) == 0 && S_ISDIR(st.st_mode))
            fmt_dir(c, names[i]);
        else if (len > 4 && strcmp(names[i] + len - 4, ".sfd") == 0)
            fmt_file(c, names[i]);
        free(names[i]);
    }
    free(names);
}

static void fmt_path(FmtCmd *c, const char *path)
{
    struct stat st;
    if (strcmp(path, "-") == 0)
        fmt_stdin(c);
    else if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        fmt_dir(c, path);
    else
        fmt_file(c, path);
}

int fmtcmd_run(int argc, char **argv)
{
    FmtCmd c = {0};
    char **paths = xcalloc((size_t)argc + 1, sizeof *paths);
    int npaths = 0;
    bool opts = true;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (opts && strcmp(a, "--") == 0) {
            opts = false;
        } else if (opts && strcmp(a, "--check") == 0) {
            c.check = true;
        } else if (opts && strcmp(a, "--diff") == 0) {
            c.diff = true;
        } else if (opts && (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0)) {
            fputs(fmtcmd_help, stdout);
            free(paths);
            return 0;
        } else if (opts && a[0] == '-' && a[1]) {
            fprintf(stderr, "sfdc: unknown option '%s'\nTry 'sfdc help fmt'.\n", a);
            free(paths);
            return 2;
        } else {
            paths[npaths++] = argv[i];
        }
    }
    static char here[] = ".";
    if (npaths == 0)
        paths[npaths++] = here;
    diag_init(&c.diag);
    c.diag.color = isatty(STDERR_FILENO) && getenv("NO_COLOR") == NULL;
    for (int i = 0; i < npaths; i++)
        fmt_path(&c, paths[i]);
    diag_release(&c.diag);
    free(paths);
    return c.rc;
}
