/* outtree.c — writing a rendered output tree without ever leaving a
 * half-written one, and without touching files sfdc did not create (the
 * rules are in outtree.h).
 *
 * Durability across a power cut is not promised (no fsync: it would cost
 * more than the whole build); what is promised is that every file is whole
 * — each one appears by rename(2) — and that a failed run changes nothing
 * up to the rename step. */
#include "outtree.h"

#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arena.h"
#include "emit_hcl.h"
#include "banned.h"

static const char manifest_head[] =
    "# sfdc manifest: the files `sfdc build` wrote here; only these are ever replaced or deleted\n";

void out_init(OutTree *t)
{
    memset(t, 0, sizeof *t);
}

void out_release(OutTree *t)
{
    for (int i = 0; i < t->n; i++) {
        free(t->files[i].path);
        free(t->files[i].data);
    }
    free(t->files);
    free(t->keep);
    memset(t, 0, sizeof *t);
}

void out_keep(OutTree *t, const char *prefix)
{
    t->keep = xrealloc(t->keep, ((size_t)t->nkeep + 1) * sizeof *t->keep);
    t->keep[t->nkeep++] = prefix;
}

static bool kept(const OutTree *t, const char *path)
{
    for (int i = 0; i < t->nkeep; i++)
        if (strncmp(path, t->keep[i], strlen(t->keep[i])) == 0)
            return true;
    return false;
}

void out_add(OutTree *t, const char *path, char *data, size_t len)
{
    if (t->n == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 64;
        t->files = xrealloc(t->files, (size_t)t->cap * sizeof *t->files);
    }
    t->files[t->n++] = (OutFile){xstrdup(path), data, len};
}

void out_sanitize(const char *in, char *buf, size_t cap)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)in; *p && n + 1 < cap; p++) {
        unsigned char c = *p;
        if (c >= 'A' && c <= 'Z')
            c = (unsigned char)(c - 'A' + 'a');
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
            c = '-';
        buf[n++] = (char)c;
    }
    if (n == 0 && cap > 1)
        buf[n++] = '_';
    if (cap)
        buf[n] = '\0';
}

bool out_path_ok(const char *path)
{
    if (!*path || *path == '/')
        return false;
    const char *p = path;
    for (;;) {
        const char *end = strchr(p, '/');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
            return false;
        for (size_t i = 0; i < n; i++)
            if ((unsigned char)p[i] < 0x20 || p[i] == '\\' || p[i] == 0x7f)
                return false;
        if (!end)
            return true;
        p = end + 1;
    }
}

static int cmp_file(const void *a, const void *b)
{
    return strcmp(((const OutFile *)a)->path, ((const OutFile *)b)->path);
}

/* Sorts the tree and rejects unsafe or duplicate paths. */
static bool prepare(OutTree *t, FILE *err)
{
    qsort(t->files, (size_t)t->n, sizeof *t->files, cmp_file);
    for (int i = 0; i < t->n; i++) {
        const char *p = t->files[i].path;
        if (!out_path_ok(p) || strcmp(p, OUT_MANIFEST) == 0) {
            fprintf(err, "sfdc: internal error: unsafe output path '%s'\n", p);
            return false;
        }
        if (i && strcmp(p, t->files[i - 1].path) == 0) {
            fprintf(err, "sfdc: internal error: '%s' emitted twice\n", p);
            return false;
        }
    }
    return true;
}

static char *join(const char *dir, const char *rel)
{
    HclBuf b = {0};
    hcl_buf_printf(&b, "%s/%s", dir, rel);
    return hcl_buf_take(&b, NULL);
}

/* ---- the manifest ------------------------------------------------------- */

typedef struct Manifest {
    char **paths;           /* sorted; malloc'd */
    int n, cap;
    bool found;             /* the file existed */
} Manifest;

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void manifest_read(Manifest *mf, const char *dir)
{
    memset(mf, 0, sizeof *mf);
    char *path = join(dir, OUT_MANIFEST);
    FILE *f = fopen(path, "r");
    free(path);
    if (!f)
        return;
    mf->found = true;
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    while ((n = getline(&line, &cap, f)) > 0) {
        if (line[n - 1] == '\n')
            line[--n] = '\0';
        if (n == 0 || line[0] == '#' || !out_path_ok(line))
            continue;       /* never follow a hand-edited path out of dir */
        if (mf->n == mf->cap) {
            mf->cap = mf->cap ? mf->cap * 2 : 64;
            mf->paths = xrealloc(mf->paths, (size_t)mf->cap * sizeof *mf->paths);
        }
        mf->paths[mf->n++] = xstrdup(line);
    }
    free(line);
    fclose(f);
    qsort(mf->paths, (size_t)mf->n, sizeof *mf->paths, cmp_str);
}

static bool manifest_has(const Manifest *mf, const char *path)
{
    /* no manifest yet: paths is NULL, which bsearch may not be given */
    return mf->n > 0 && bsearch(&path, mf->paths, (size_t)mf->n, sizeof *mf->paths, cmp_str) != NULL;
}

static void manifest_release(Manifest *mf)
{
    for (int i = 0; i < mf->n; i++)
        free(mf->paths[i]);
    free(mf->paths);
}

/* The new manifest: the tree's files and the kept entries of the old one,
 * merged in order. mf may be NULL (a fresh directory). */
static char *manifest_text(const OutTree *t, const Manifest *mf, size_t *len)
{
    HclBuf b = {0};
    hcl_buf_puts(&b, manifest_head);
    int i = 0, k = 0, nk = mf ? mf->n : 0;
    while (i < t->n || k < nk) {
        if (k < nk && !kept(t, mf->paths[k])) {
            k++;
            continue;
        }
        int c = i == t->n ? 1 : k == nk ? -1 : strcmp(t->files[i].path, mf->paths[k]);
        const char *p = c <= 0 ? t->files[i].path : mf->paths[k];
        if (c <= 0)
            i++;
        if (c >= 0)
            k++;
        hcl_buf_puts(&b, p);
        hcl_buf_put(&b, "\n", 1);
    }
    return hcl_buf_take(&b, len);
}

/* ---- files -------------------------------------------------------------- */

/* Writes a whole file; false with errno set on failure. */
static bool write_file(const char *path, const char *data, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0666);
    if (fd < 0)
        return false;
    size_t done = 0;
    while (done < len) {
        ssize_t w = write(fd, data + done, len - done);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            int e = errno;
            close(fd);
            errno = e;
            return false;
        }
        done += (size_t)w;
    }
    return close(fd) == 0;
}

typedef enum Same { SAME_YES, SAME_NO, SAME_MISSING, SAME_NOT_FILE } Same;

/* Whether path holds exactly data (a symbolic link or directory never does). */
static Same same_contents(const char *path, const char *data, size_t len)
{
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? SAME_MISSING : SAME_NOT_FILE;
    struct stat st;
    Same r = SAME_NO;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        r = SAME_NOT_FILE;
    } else if ((size_t)st.st_size == len) {
        char buf[65536];
        size_t off = 0;
        r = SAME_YES;
        while (off < len) {
            ssize_t n = read(fd, buf, sizeof buf);
            if (n <= 0 || off + (size_t)n > len || memcmp(buf, data + off, (size_t)n) != 0) {
                r = SAME_NO;
                break;
            }
            off += (size_t)n;
        }
    }
    close(fd);
    return r;
}

/* Makes every parent directory of rel below dir. Each existing component
 * must be a real directory, never a symbolic link: writing through one could
 * leave dir. `last` caches the deepest directory already known good. */
static bool make_parents(const char *dir, const char *rel, HclBuf *last, FILE *err)
{
    const char *slash = strrchr(rel, '/');
    if (!slash)
        return true;
    size_t plen = (size_t)(slash - rel);
    if (last->n == plen && memcmp(last->p, rel, plen) == 0)
        return true;
    HclBuf path = {0};
    hcl_buf_puts(&path, dir);
    bool ok = true;
    for (const char *p = rel; p < slash && ok;) {
        const char *end = memchr(p, '/', (size_t)(slash - p) + 1);
        hcl_buf_put(&path, "/", 1);
        hcl_buf_put(&path, p, (size_t)(end - p));
        struct stat st;
        if (lstat(path.p, &st) == 0) {
            if (!S_ISDIR(st.st_mode)) {
                fprintf(err, "sfdc: %s is not a directory (a symbolic link or a file); refusing to write through it\n",
                        path.p);
                ok = false;
            }
        } else if (mkdir(path.p, 0777) != 0 && errno != EEXIST) {
            fprintf(err, "sfdc: cannot create directory %s: %s\n", path.p, strerror(errno));
            ok = false;
        }
        p = end + 1;
    }
    if (ok) {
        last->n = 0;
        hcl_buf_put(last, rel, plen);
    }
    hcl_buf_release(&path);
    return ok;
}

/* Removes dir and everything below it: only ever our own temporary
 * directories. Symbolic links are removed, never followed. */
static void remove_tree(const char *dir)
{
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d))) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            char *path = join(dir, e->d_name);
            struct stat st;
            if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
                remove_tree(path);
            else
                unlink(path);
            free(path);
        }
        closedir(d);
    }
    rmdir(dir);
}

/* Removes the now empty directories above rel, up to dir (rmdir fails on a
 * directory that still holds anything, so nothing else can go). */
static void prune_parents(const char *dir, const char *rel)
{
    char *path = join(dir, rel);
    size_t base = strlen(dir);
    for (char *s = strrchr(path, '/'); s && (size_t)(s - path) > base; s = strrchr(path, '/')) {
        *s = '\0';
        if (rmdir(path) != 0)
            break;
    }
    free(path);
}

/* ---- writing ------------------------------------------------------------ */

/* Creates the missing parents of dir (`-o a/b/out` with no a/b yet). */
static void make_dir_parents(const char *dir)
{
    char *p = xstrdup(dir);
    for (char *s = strchr(p + 1, '/'); s; s = strchr(s + 1, '/')) {
        *s = '\0';
        mkdir(p, 0777);     /* EEXIST and friends: the mkdtemp below reports */
        *s = '/';
    }
    free(p);
}

/* A fresh directory: everything in DIR.sfdc-tmp-XXXXXX, then one rename. */
static int write_fresh(OutTree *t, const char *dir, OutStats *st, FILE *err)
{
    make_dir_parents(dir);
    HclBuf tmpl = {0};
    hcl_buf_printf(&tmpl, "%s.sfdc-tmp-XXXXXX", dir);
    char *tmp = hcl_buf_take(&tmpl, NULL);
    int rc = 1;
    if (!mkdtemp(tmp)) {
        fprintf(err, "sfdc: cannot create %s: %s\n", tmp, strerror(errno));
        free(tmp);
        return 1;
    }
    HclBuf last = {0};
    for (int i = 0; i < t->n; i++) {
        const OutFile *f = &t->files[i];
        if (!make_parents(tmp, f->path, &last, err))
            goto out;
        char *path = join(tmp, f->path);
        bool ok = write_file(path, f->data, f->len);
        if (!ok)
            fprintf(err, "sfdc: cannot write %s: %s\n", path, strerror(errno));
        free(path);
        if (!ok)
            goto out;
    }
    size_t mlen;
    char *mtext = manifest_text(t, NULL, &mlen);
    char *mpath = join(tmp, OUT_MANIFEST);
    bool ok = write_file(mpath, mtext, mlen);
    free(mtext);
    free(mpath);
    if (!ok || rename(tmp, dir) != 0) {
        fprintf(err, "sfdc: cannot create %s: %s\n", dir, strerror(errno));
        goto out;
    }
    st->written = t->n;
    rc = 0;
out:
    if (rc)
        remove_tree(tmp);
    hcl_buf_release(&last);
    free(tmp);
    return rc;
}

/* What happens to each file of an update. */
enum { ACT_KEEP, ACT_WRITE };

/* Decides, for an existing dir, which files change; refuses (1) when a
 * needed path holds something sfdc did not write. */
static int plan_update(OutTree *t, const char *dir, const Manifest *mf, char *act, OutStats *st,
                       FILE *err)
{
    int refused = 0;
    for (int i = 0; i < t->n; i++) {
        const OutFile *f = &t->files[i];
        char *path = join(dir, f->path);
        Same s = same_contents(path, f->data, f->len);
        act[i] = s == SAME_YES ? ACT_KEEP : ACT_WRITE;
        if ((s == SAME_NO && !manifest_has(mf, f->path)) || s == SAME_NOT_FILE) {
            fprintf(err, "sfdc: %s exists and was not written by sfdc (not in %s/%s); "
                         "move it away or remove it\n", path, dir, OUT_MANIFEST);
            refused++;
        }
        free(path);
        if (act[i] == ACT_WRITE)
            st->written++;
        else
            st->unchanged++;
    }
    return refused ? 1 : 0;
}

/* Writes every changed file to the staging directory, named by its index.
 * Nothing in dir is touched here. */
static bool stage(OutTree *t, const char *staging, const char *act, FILE *err)
{
    for (int i = 0; i < t->n; i++) {
        if (act[i] != ACT_WRITE)
            continue;
        HclBuf p = {0};
        hcl_buf_printf(&p, "%s/%d", staging, i);
        bool ok = write_file(p.p, t->files[i].data, t->files[i].len);
        if (!ok)
            fprintf(err, "sfdc: cannot write %s: %s\n", p.p, strerror(errno));
        hcl_buf_release(&p);
        if (!ok)
            return false;
    }
    return true;
}

/* Moves the staged files into place, then removes what the old manifest
 * lists and the tree no longer has, then replaces the manifest. */
static int commit(OutTree *t, const char *dir, const char *staging, const char *act,
                  const Manifest *mf, OutStats *st, FILE *err)
{
    HclBuf last = {0};
    int rc = 0;
    for (int i = 0; i < t->n && rc == 0; i++) {
        if (act[i] != ACT_WRITE)
            continue;
        const OutFile *f = &t->files[i];
        if (!make_parents(dir, f->path, &last, err)) {
            rc = 1;
            break;
        }
        HclBuf from = {0};
        hcl_buf_printf(&from, "%s/%d", staging, i);
        char *to = join(dir, f->path);
        if (rename(from.p, to) != 0) {
            fprintf(err, "sfdc: cannot move %s into place: %s\n", to, strerror(errno));
            rc = 1;
        }
        free(to);
        hcl_buf_release(&from);
    }
    hcl_buf_release(&last);
    if (rc)
        return rc;
    for (int i = 0; i < mf->n; i++) {
        OutFile key = {mf->paths[i], NULL, 0};
        if (kept(t, mf->paths[i]) || bsearch(&key, t->files, (size_t)t->n, sizeof key, cmp_file))
            continue;
        char *path = join(dir, mf->paths[i]);
        struct stat sb;
        if (lstat(path, &sb) == 0 && S_ISREG(sb.st_mode) && unlink(path) == 0) {
            st->removed++;
            prune_parents(dir, mf->paths[i]);
        }
        free(path);
    }
    size_t mlen;
    char *mtext = manifest_text(t, mf, &mlen);
    char *mpath = join(dir, OUT_MANIFEST);
    if (same_contents(mpath, mtext, mlen) != SAME_YES) {
        HclBuf tmp = {0};
        hcl_buf_printf(&tmp, "%s/manifest", staging);
        if (!write_file(tmp.p, mtext, mlen) || rename(tmp.p, mpath) != 0) {
            fprintf(err, "sfdc: cannot write %s: %s\n", mpath, strerror(errno));
            rc = 1;
        }
        hcl_buf_release(&tmp);
    }
    free(mtext);
    free(mpath);
    return rc;
}

int out_write(OutTree *t, const char *dir, OutStats *st, FILE *err)
{
    memset(st, 0, sizeof *st);
    if (!prepare(t, err))
        return 1;
    struct stat sb;
    if (stat(dir, &sb) != 0) {
        if (errno != ENOENT) {
            fprintf(err, "sfdc: cannot use %s: %s\n", dir, strerror(errno));
            return 1;
        }
        return write_fresh(t, dir, st, err);
    }
    if (!S_ISDIR(sb.st_mode)) {
        fprintf(err, "sfdc: %s exists and is not a directory\n", dir);
        return 1;
    }
    Manifest mf;
    manifest_read(&mf, dir);
    char *act = xcalloc((size_t)t->n + 1, 1);
    char *staging = NULL;
    int rc = plan_update(t, dir, &mf, act, st, err);
    if (rc == 0 && (st->written > 0 || mf.n != t->n || !mf.found)) {
        HclBuf tmpl = {0};
        hcl_buf_printf(&tmpl, "%s/.sfdc-staging-XXXXXX", dir);
        staging = hcl_buf_take(&tmpl, NULL);
        if (!mkdtemp(staging)) {
            fprintf(err, "sfdc: cannot create %s: %s\n", staging, strerror(errno));
            rc = 1;
        } else {
            rc = stage(t, staging, act, err) ? commit(t, dir, staging, act, &mf, st, err) : 1;
            remove_tree(staging);
        }
    }
    free(staging);
    free(act);
    manifest_release(&mf);
    return rc;
}

int out_check(OutTree *t, const char *dir, OutStats *st, FILE *out)
{
    memset(st, 0, sizeof *st);
    if (!prepare(t, stderr))
        return 1;
    int differ = 0;
    for (int i = 0; i < t->n; i++) {
        const OutFile *f = &t->files[i];
        char *path = join(dir, f->path);
        Same s = same_contents(path, f->data, f->len);
        free(path);
        if (s == SAME_YES) {
            st->unchanged++;
            continue;
        }
        fprintf(out, "%s %s/%s\n", s == SAME_MISSING ? "missing" : "stale", dir, f->path);
        st->written++;
        differ = 1;
    }
    Manifest mf;
    manifest_read(&mf, dir);
    for (int i = 0; i < mf.n; i++) {
        OutFile key = {mf.paths[i], NULL, 0};
        if (kept(t, mf.paths[i]) || bsearch(&key, t->files, (size_t)t->n, sizeof key, cmp_file))
            continue;
        char *path = join(dir, mf.paths[i]);
        struct stat sb;
        if (lstat(path, &sb) == 0) {
            fprintf(out, "extra %s\n", path);
            st->removed++;
            differ = 1;
        }
        free(path);
    }
    manifest_release(&mf);
    return differ;
}
