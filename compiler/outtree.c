/* outtree.c — writing a rendered output tree without ever leaving a
 * half-written one, and without touching files sfdc did not create (the
 * rules are in outtree.h).
 *
 * Files are streamed: each one is compared with what DIR holds, and
 * written (to the temporary tree, or to the staging directory of an
 * update) while it arrives; only its path is kept. The decisions that need
 * every path — duplicates, the manifest, removals, --check's listing, the
 * renames of an update — are taken in out_finish over the sorted paths, so
 * the output and the guarantees are those of writing a whole tree at once.
 *
 * The writes run on a thread of their own (the writer): out_open, out_put
 * and out_close hand the bytes over through a queue bounded in bytes, and
 * the writer compares, creates and writes while the caller renders the
 * next file. Only the writer touches the file being written and the
 * staging directory until out_finish joins it; what it found for each file
 * comes back in a list the caller applies after the join. Without threads
 * (pthread_create failing) each step runs at once on the caller's thread.
 *
 * Durability across a power cut is not promised (no fsync: it would cost
 * more than the whole build); what is promised is that every file is whole
 * — each one appears by rename(2) — and that a failed run changes nothing
 * up to the rename step. */
#include "outtree.h"

#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arena.h"
#include "hcl.h"
#include "banned.h"

static const char manifest_head[] =
    "# sfdc manifest: the files `sfdc build` wrote here; only these are ever replaced or deleted\n";

static char *join(const char *dir, const char *rel)
{
    size_t n = strlen(dir), k = strlen(rel);
    char *p = xmalloc(n + k + 2);
    memcpy(p, dir, n);
    p[n] = '/';
    memcpy(p + n + 1, rel, k + 1);
    return p;
}

static bool kept(const OutTree *t, const char *path)
{
    for (int i = 0; i < t->nkeep; i++)
        if (strncmp(path, t->keep[i], strlen(t->keep[i])) == 0)
            return true;
    return false;
}

void out_init(OutTree *t)
{
    memset(t, 0, sizeof *t);
}

static void run_free(OutTree *t);

void out_release(OutTree *t)
{
    run_free(t);
    for (int i = 0; i < t->n; i++) {
        free(t->files[i].path);
        free(t->files[i].data);
    }
    free(t->files);
    free(t->keep);
    free(t->own);
    memset(t, 0, sizeof *t);
}

void out_keep(OutTree *t, const char *prefix)
{
    t->keep = xrealloc(t->keep, ((size_t)t->nkeep + 1) * sizeof *t->keep);
    t->keep[t->nkeep++] = prefix;
}

void out_own(OutTree *t, const char *prefix)
{
    t->own = xrealloc(t->own, ((size_t)t->nown + 1) * sizeof *t->own);
    t->own[t->nown++] = prefix;
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

/* The bytes of the 8-byte word x that end a component or are refused (a
 * control or the NUL, `/`, `\\`, DEL), as the high bit of each (the bit
 * tricks of "Bit Twiddling Hacks", as jsonw.c's). Exact for the lowest
 * byte flagged (a borrow can only flag a byte above a true one), so the
 * first stop is found at once and a word with none holds eight plain bytes
 * of one component. */
static inline uint64_t word_stops(uint64_t x)
{
    const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
    uint64_t sl = x ^ (ones * '/'), bs = x ^ (ones * '\\'), del = x ^ (ones * 0x7f);
    return (((x - ones * 0x20) & ~x) | ((sl - ones) & ~sl) | ((bs - ones) & ~bs) | ((del - ones) & ~del)) &
           highs;
}

/* Whether the component [start, end) is acceptable: not empty, `.` or `..`. */
static inline bool component_ok(const char *start, const char *end)
{
    size_t n = (size_t)(end - start);
    return !(n == 0 || (n == 1 && start[0] == '.') || (n == 2 && start[0] == '.' && start[1] == '.'));
}

bool out_path_ok(const char *path)
{
    if (!*path || *path == '/')
        return false;
    /* one pass, eight bytes at a time, straight to the next `/` or refused
     * byte: called for every file (byte by byte it cost ~770 instructions
     * a path) */
    size_t len = strlen(path);
    const char *start = path, *end = path + len;   /* start: the current component */
    for (const char *p = path; p < end;) {
        if (end - p >= 8) {
            uint64_t x, stops;
            memcpy(&x, p, 8);
            if (!(stops = word_stops(x))) {
                p += 8;
                continue;
            }
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
            p += __builtin_ctzll(stops) / 8;     /* the first stop: the lowest byte flagged */
#endif
        }
        unsigned char c = (unsigned char)*p;
        if (c == '/') {
            if (!component_ok(start, p))
                return false;
            start = p + 1;
        } else if (c < 0x20 || c == '\\' || c == 0x7f) {
            return false;
        }
        p++;
    }
    return component_ok(start, end);
}

/* ---- the manifest ------------------------------------------------------- */

typedef struct Manifest {
    char *text;             /* the file, lines cut at their newline; malloc'd */
    char **paths;           /* into text, sorted; malloc'd */
    int n, cap;
    bool found;             /* the file existed */
} Manifest;

static int cmp_dirent(const void *a, const void *b)
{
    return strcmp((*(struct dirent *const *)a)->d_name, (*(struct dirent *const *)b)->d_name);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Reads DIR's manifest whole: one allocation for every path, not one each
 * (130,000 paths at 10,000 LAs). */
static void manifest_read(Manifest *mf, const char *dir)
{
    memset(mf, 0, sizeof *mf);
    char *path = join(dir, OUT_MANIFEST);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    free(path);
    struct stat sb;
    if (fd < 0)
        return;
    mf->found = true;
    size_t len = fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) ? (size_t)sb.st_size : 0, got = 0;
    mf->text = xmalloc(len + 1);
    ssize_t n;
    while (got < len && (n = read(fd, mf->text + got, len - got)) > 0)
        got += (size_t)n;
    close(fd);
    mf->text[got] = '\0';
    for (char *line = mf->text, *nl; *line; line = nl ? nl + 1 : line + strlen(line)) {
        nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        if (!*line || line[0] == '#' || !out_path_ok(line))
            continue;       /* never follow a hand-edited path out of dir */
        if (mf->n == mf->cap) {
            mf->cap = mf->cap ? mf->cap * 2 : 64;
            mf->paths = xrealloc(mf->paths, (size_t)mf->cap * sizeof *mf->paths);
        }
        mf->paths[mf->n++] = line;
    }
    bool sorted = true;     /* as sfdc writes it: then no sort */
    for (int i = 1; i < mf->n && sorted; i++)
        sorted = strcmp(mf->paths[i - 1], mf->paths[i]) < 0;
    if (!sorted)
        qsort(mf->paths, (size_t)mf->n, sizeof *mf->paths, cmp_str);
}

static bool manifest_has(const Manifest *mf, const char *path)
{
    /* no manifest yet: paths is NULL, which bsearch may not be given */
    return mf->n > 0 && bsearch(&path, mf->paths, (size_t)mf->n, sizeof *mf->paths, cmp_str) != NULL;
}

static void manifest_release(Manifest *mf)
{
    free(mf->text);
    free(mf->paths);
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

/* Makes every parent directory of rel below dir, which is open as dirfd
 * (or dirfd is AT_FDCWD and the paths are dir's). Each existing component
 * must be a real directory, never a symbolic link: writing through one
 * could leave dir. `last` holds the parent of the previous file: the
 * leading components rel shares with it are known good, and each one after
 * is made with one mkdirat, checked with fstatat only when it already
 * exists (a fresh tree's files come directory by directory: one mkdir per
 * directory, no stat; the floor's mkdir -p costs 7 per file). */
static bool make_parents(int dirfd, const char *dir, const char *rel, HclBuf *last, FILE *err)
{
    const char *slash = strrchr(rel, '/');
    if (!slash)
        return true;
    size_t plen = (size_t)(slash - rel), known = 0;
    for (size_t i = 0; i < plen && i < last->n && rel[i] == last->p[i];) {
        i++;
        if ((i == plen || rel[i] == '/') && (i == last->n || last->p[i] == '/'))
            known = i;
    }
    if (known == plen && known == last->n)
        return true;
    HclBuf path = {0};      /* dir/rel or rel, as dirfd wants it */
    if (dirfd == AT_FDCWD) {
        hcl_buf_puts(&path, dir);
        hcl_buf_put(&path, "/", 1);
    }
    size_t base = path.n;
    hcl_buf_put(&path, rel, plen);
    bool ok = true;
    for (size_t end = known; ok && end < plen;) {
        const char *next = memchr(rel + end + 1, '/', plen - end - 1);
        end = next ? (size_t)(next - rel) : plen;
        path.p[base + end] = '\0';
        const char *shown = dirfd == AT_FDCWD ? path.p : NULL;
        struct stat st;
        if (mkdirat(dirfd, path.p, 0777) == 0) {
            /* made: a new, real directory */
        } else if (errno != EEXIST) {
            int e = errno;
            fprintf(err, "sfdc: cannot create directory %s%s%s: %s\n", shown ? "" : dir, shown ? "" : "/",
                    path.p, strerror(e));
            ok = false;
        } else if (fstatat(dirfd, path.p, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISDIR(st.st_mode)) {
            fprintf(err, "sfdc: %s%s%s is not a directory (a symbolic link or a file); refusing to write through it\n",
                    shown ? "" : dir, shown ? "" : "/", path.p);
            ok = false;
        }
        path.p[base + end] = '/';
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

/* Opens the directory holding rel's last component, walking down from
 * rootfd one component at a time with O_NOFOLLOW | O_DIRECTORY: a symbolic
 * link at any component (a unit directory replaced by a link) stops the
 * walk, so nothing outside the tree is ever reached. `depth` components of
 * rel are walked (the whole parent when depth < 0). Returns the fd, or -1. */
static int open_parent(int rootfd, const char *rel, int depth)
{
    int fd = dup(rootfd);
    for (const char *p = rel; fd >= 0 && depth != 0; depth--) {
        const char *slash = strchr(p, '/');
        if (!slash)
            break;
        char name[NAME_MAX + 1];
        size_t n = (size_t)(slash - p);
        if (n > NAME_MAX) {
            close(fd);
            return -1;
        }
        memcpy(name, p, n);
        name[n] = '\0';
        int next = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        close(fd);
        fd = next;
        p = slash + 1;
    }
    return fd;
}

/* The component of rel after `depth` slashes, NUL-terminated in buf. */
static const char *component(const char *rel, int depth, char *buf, size_t cap)
{
    const char *p = rel;
    for (; depth > 0 && p; depth--)
        p = strchr(p, '/') ? strchr(p, '/') + 1 : NULL;
    if (!p)
        return NULL;
    size_t n = strcspn(p, "/");
    if (n >= cap)
        return NULL;
    memcpy(buf, p, n);
    buf[n] = '\0';
    return buf;
}

/* Deletes the regular file rel below rootfd, never following a symbolic
 * link at any component; then removes the directories above it that this
 * left empty (rmdir fails on one that still holds anything). True if the
 * file was deleted. */
static bool remove_safely(int rootfd, const char *rel)
{
    int depth = 0;
    for (const char *p = rel; (p = strchr(p, '/')); p++)
        depth++;
    char name[NAME_MAX + 1];
    int fd = open_parent(rootfd, rel, depth);
    if (fd < 0 || !component(rel, depth, name, sizeof name)) {
        if (fd >= 0)
            close(fd);
        return false;
    }
    struct stat sb;
    bool gone = fstatat(fd, name, &sb, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(sb.st_mode) &&
                unlinkat(fd, name, 0) == 0;
    close(fd);
    for (int d = depth - 1; gone && d >= 0; d--) {
        fd = open_parent(rootfd, rel, d);
        bool ok = fd >= 0 && component(rel, d, name, sizeof name) && unlinkat(fd, name, AT_REMOVEDIR) == 0;
        if (fd >= 0)
            close(fd);
        if (!ok)
            break;
    }
    return gone;
}

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

/* ---- the run ------------------------------------------------------------ */

/* What became of one file of the run. */
enum {
    ENT_UNCHANGED,      /* DIR already holds exactly these bytes */
    ENT_WRITE,          /* new or changed: written (fresh), staged (update) or to write (--check) */
    ENT_REFUSED,        /* update: the path holds something sfdc did not write */
};

/* One file of the run: only its path outlives out_close. */
typedef struct OutEntry {
    const char *path;       /* in the run's paths arena, or its manifest's text */
    int seq;                /* order of arrival: its name in the staging directory */
    unsigned char what;     /* ENT_* */
    bool missing;           /* ENT_WRITE: DIR has no such file (else it is stale) */
} OutEntry;

/* A step handed to the writer. */
typedef enum OpKind { OP_OPEN, OP_DATA, OP_CLOSE, OP_END } OpKind;

typedef struct OutOp {
    OpKind kind;
    int idx;                /* OP_OPEN: the entry (its seq) */
    const char *path;       /* OP_OPEN: the entry's path (stable until run_free) */
    char *data;             /* OP_DATA: malloc'd, freed by the writer */
    size_t len;
} OutOp;

/* What the writer found for one entry (OutRun.res): RES_FOUND | ENT_*,
 * with RES_MISSING when DIR has no such file; 0 before it was found. */
enum { RES_FOUND = 0x40, RES_MISSING = 0x80 };

enum {
    QUEUE_OPS = 256,                /* steps in flight */
    QUEUE_BYTES = 1 << 20,          /* bytes in flight: the memory the overlap costs */
    /* a sleeping writer is woken once this many steps or bytes wait (or
     * at the end): one wake-up per batch, not per step (a futex call and
     * a context switch each, which cost more than small files' writes) */
    WAKE_OPS = QUEUE_OPS / 4,
    WAKE_BYTES = QUEUE_BYTES / 4,
    CHUNK = 64 << 10,               /* out_put's pieces are handed over in chunks of this */
};

struct OutRun {
    OutMode mode;
    char *dir;              /* DIR; malloc'd */
    FILE *out;              /* OUT_CHECK's listing */
    FILE *err;              /* messages */
    bool fresh;             /* OUT_WRITE into a DIR that did not exist: tmp is the new tree */
    char *tmp;              /* fresh: DIR.sfdc-tmp-XXXXXX; update: the staging directory
                             * inside DIR once something is staged, else NULL; malloc'd */
    Manifest mf;            /* DIR's manifest (empty when fresh) */
    OutEntry *ents;         /* the run's files, in runs each sorted as they
                             * arrive (entry_place), merged by out_finish; malloc'd */
    Arena paths;            /* their paths, packed (no allocation each); blocks
                             * never move, so the writer may read them */
    int n, cap;
    int *runs;              /* where each sorted run of ents starts; malloc'd */
    int nruns, capruns;
    bool dup;               /* two entries were seen with the same path */
    bool failed;            /* caller: a path was unsafe: finish changes nothing */
    bool open;              /* caller: a file is open (the entry of the newest seq) */
    HclBuf chunk;           /* caller: bytes of the open file not handed over yet */
    /* the queue to the writer */
    bool started;           /* writer_start ran: writer_stop must too */
    bool threaded;          /* the writer thread runs (else steps run at once) */
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t nonempty, nonfull;
    OutOp q[QUEUE_OPS];     /* a ring: qn steps from qhead */
    int qhead, qn;
    size_t qbytes;          /* bytes of the queued steps and those being done */
    bool wsleeps;           /* the writer waits for steps */
    bool csleeps;           /* the caller waits for room */
    /* the writer's (the caller's again after the join) */
    bool wfailed;           /* a write failed: finish changes nothing */
    HclBuf last;            /* make_parents' cache */
    unsigned char *res;     /* what each file was found to be, by seq (a byte
                             * each, not a list: 780,000 at 30,000 LAs); malloc'd */
    int capres;
    int cur;                /* the file being written: its entry */
    const char *curpath;    /* and path */
    bool curmissing;        /* DIR has no file at the path */
    int old;                /* DIR's file at the same path, or -1 */
    off_t oldsize;          /* its size */
    bool oldfile;           /* DIR holds something at the path that is not a regular file */
    size_t done;            /* bytes received so far */
    bool same;              /* they equal the first `done` bytes of old */
    int fd;                 /* where the bytes are written, or -1 */
    int rootfd;             /* DIR, opened for out_reuse's checks, or -1 */
    int tmpfd;              /* fresh: tmp, opened: files are made relative to it; else -1 */
};

/* Writes len bytes to fd; false with errno set on failure. */
static bool write_all(int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t w = write(fd, data, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return false;
        data += w;
        len -= (size_t)w;
    }
    return true;
}

static void run_fail(OutRun *r, const char *what, const char *path)
{
    fprintf(r->err, "sfdc: %s %s: %s\n", what, path, strerror(errno));
    r->wfailed = true;
}

/* mkdtemp of r->dir + suffix ("...-XXXXXX") into r->tmp (malloc'd). */
static bool make_temp(OutRun *r, const char *suffix)
{
    HclBuf tmpl = {0};
    hcl_buf_puts(&tmpl, r->dir);
    hcl_buf_puts(&tmpl, suffix);
    r->tmp = hcl_buf_take(&tmpl, NULL);
    if (mkdtemp(r->tmp))
        return true;
    free(r->tmp);
    r->tmp = NULL;
    return false;
}

/* The staging directory of an update, made when first needed: beside DIR,
 * so that a refused or failed update leaves DIR itself untouched (not even
 * its mtime); inside DIR when DIR is on another file system than its parent
 * (a mount point: rename(2) cannot cross it) or the parent is read-only. */
static bool staging(OutRun *r)
{
    if (r->tmp)
        return true;
    struct stat a, b;
    if (make_temp(r, ".sfdc-staging-XXXXXX")) {
        if (stat(r->tmp, &a) == 0 && stat(r->dir, &b) == 0 && a.st_dev == b.st_dev)
            return true;
        rmdir(r->tmp);
        free(r->tmp);
        r->tmp = NULL;
    }
    if (make_temp(r, "/.sfdc-staging-XXXXXX"))
        return true;
    run_fail(r, "cannot create a staging directory in", r->dir);
    return false;
}

/* An update found the current file differs: from here on it is written to
 * the staging directory, starting with the prefix that matched (read back
 * from DIR's file, so an unchanged file is never written at all). */
static void start_writing(OutRun *r)
{
    if (r->wfailed || r->fd >= 0 || r->mode != OUT_WRITE || !staging(r))
        return;
    HclBuf p = {0};
    hcl_buf_printf(&p, "%s/%d", r->tmp, r->cur);
    r->fd = open(p.p, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0666);
    char buf[65536];
    for (size_t off = 0; r->fd >= 0 && off < r->done;) {
        size_t want = r->done - off < sizeof buf ? r->done - off : sizeof buf;
        ssize_t got = pread(r->old, buf, want, (off_t)off);
        if (got <= 0 || !write_all(r->fd, buf, (size_t)got)) {
            close(r->fd);
            r->fd = -1;
            break;
        }
        off += (size_t)got;
    }
    if (r->fd < 0)
        run_fail(r, "cannot write", p.p);
    hcl_buf_release(&p);
}

/* Whether the next len bytes of DIR's file are data. */
static bool old_matches(OutRun *r, const char *data, size_t len)
{
    if ((off_t)(r->done + len) > r->oldsize)
        return false;
    char buf[65536];
    for (size_t off = 0; off < len;) {
        size_t want = len - off < sizeof buf ? len - off : sizeof buf;
        ssize_t got = pread(r->old, buf, want, (off_t)(r->done + off));
        if (got <= 0 || memcmp(buf, data + off, (size_t)got) != 0)
            return false;
        off += (size_t)got;
    }
    return true;
}

static void writer_start(OutRun *r);

static int begin(OutTree *t, const char *dir, OutMode mode, FILE *out, FILE *err);

int out_begin(OutTree *t, const char *dir, OutMode mode, FILE *out, FILE *err)
{
    int rc = begin(t, dir, mode, out, err);
    if (rc == 0)
        writer_start(t->run);
    return rc;
}

static int begin(OutTree *t, const char *dir, OutMode mode, FILE *out, FILE *err)
{
    OutRun *r = xcalloc(1, sizeof *r);
    t->run = r;
    *r = (OutRun){.mode = mode, .dir = xstrdup(dir), .out = out, .err = err, .old = -1, .fd = -1, .rootfd = -1, .tmpfd = -1};
    struct stat sb;
    if (stat(dir, &sb) != 0) {
        if (errno != ENOENT) {
            run_fail(r, "cannot use", dir);
            return 1;
        }
        if (mode == OUT_CHECK)
            return 0;   /* every file is missing */
        r->fresh = true;
        make_dir_parents(dir);
        HclBuf tmpl = {0};
        hcl_buf_printf(&tmpl, "%s.sfdc-tmp-XXXXXX", dir);
        r->tmp = hcl_buf_take(&tmpl, NULL);
        if (!mkdtemp(r->tmp)) {
            run_fail(r, "cannot create", r->tmp);
            free(r->tmp);
            r->tmp = NULL;
            return 1;
        }
        /* mkdtemp makes 0700; the tree becomes DIR, a normal directory that
         * CI and colleagues read: 0777 under the umask, like mkdir(1) */
        mode_t mask = umask(0);
        umask(mask);
        if (chmod(r->tmp, 0777 & ~mask) != 0) {
            run_fail(r, "cannot set the mode of", r->tmp);
            return 1;
        }
        r->tmpfd = open(r->tmp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (r->tmpfd < 0) {
            run_fail(r, "cannot open", r->tmp);
            return 1;
        }
        return 0;
    }
    if (!S_ISDIR(sb.st_mode)) {
        fprintf(err, "sfdc: %s exists and is not a directory\n", dir);
        r->failed = true;
        return 1;
    }
    manifest_read(&r->mf, dir);
    return 0;
}

/* ---- the writer ----------------------------------------------------------- */

static void push_result(OutRun *r, unsigned char what)
{
    if (r->cur >= r->capres) {
        int cap = r->capres ? r->capres : 256;
        while (cap <= r->cur)
            cap *= 2;
        r->res = xrealloc(r->res, (size_t)cap);
        memset(r->res + r->capres, 0, (size_t)(cap - r->capres));
        r->capres = cap;
    }
    r->res[r->cur] = (unsigned char)(RES_FOUND | what | (r->curmissing ? RES_MISSING : 0));
}

/* A file starts: created in the fresh tree, or DIR's file opened to
 * compare with. */
static void w_open(OutRun *r, int idx, const char *path)
{
    r->cur = idx;
    r->curpath = path;
    r->curmissing = false;
    r->done = 0;
    r->same = false;
    r->oldfile = false;
    if (r->wfailed)
        return;
    if (r->fresh) {
        if (!make_parents(r->tmpfd, r->tmp, path, &r->last, r->err)) {
            r->wfailed = true;
            return;
        }
        r->fd = openat(r->tmpfd, path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0666);
        if (r->fd < 0) {
            char *p = join(r->tmp, path);
            run_fail(r, "cannot write", p);
            free(p);
        }
        return;
    }
    char *p = join(r->dir, path);
    r->old = open(p, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    free(p);
    struct stat sb;
    if (r->old < 0) {
        r->oldfile = errno != ENOENT;
        r->curmissing = !r->oldfile;
    } else if (fstat(r->old, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        r->oldfile = true;
        close(r->old);
        r->old = -1;
    } else {
        r->oldsize = sb.st_size;
        r->same = true;
    }
}

static void w_put(OutRun *r, const char *data, size_t len)
{
    if (len == 0)
        return;
    if (r->same && !old_matches(r, data, len)) {
        r->same = false;
        start_writing(r);
    } else if (!r->same && !r->fresh) {
        start_writing(r);
    }
    if (r->fd >= 0 && !r->wfailed && !write_all(r->fd, data, len))
        run_fail(r, "cannot write", r->curpath);
    r->done += len;
}

static void w_close(OutRun *r)
{
    unsigned char what = ENT_WRITE;
    if (r->same && (off_t)r->done == r->oldsize) {
        what = ENT_UNCHANGED;
    } else {
        r->same = false;
        if (!r->fresh)
            start_writing(r);   /* a shorter or empty file: still staged whole */
        if (r->oldfile || (r->old >= 0 && !manifest_has(&r->mf, r->curpath)))
            what = r->mode == OUT_WRITE ? ENT_REFUSED : ENT_WRITE;
    }
    if (r->fd >= 0 && close(r->fd) != 0 && !r->wfailed)
        run_fail(r, "cannot write", r->curpath);
    if (r->old >= 0)
        close(r->old);
    r->fd = r->old = -1;
    push_result(r, what);
}

static void w_do(OutRun *r, const OutOp *op)
{
    switch (op->kind) {
    case OP_OPEN:
        w_open(r, op->idx, op->path);
        break;
    case OP_DATA:
        w_put(r, op->data, op->len);
        break;
    case OP_CLOSE:
        w_close(r);
        break;
    case OP_END:
        break;
    }
}

/* The writer thread: takes every step queued at once, does them in
 * order, until OP_END. */
static void *writer_main(void *arg)
{
    OutRun *r = arg;
    OutOp batch[QUEUE_OPS];
    for (bool end = false; !end;) {
        pthread_mutex_lock(&r->mu);
        while (r->qn == 0) {
            r->wsleeps = true;
            pthread_cond_wait(&r->nonempty, &r->mu);
        }
        r->wsleeps = false;
        int n = r->qn;
        for (int i = 0; i < n; i++)
            batch[i] = r->q[(r->qhead + i) % QUEUE_OPS];
        r->qhead = (r->qhead + n) % QUEUE_OPS;
        r->qn = 0;
        pthread_mutex_unlock(&r->mu);
        size_t bytes = 0;
        for (int i = 0; i < n; i++) {
            w_do(r, &batch[i]);
            free(batch[i].data);
            bytes += batch[i].len;
            end |= batch[i].kind == OP_END;
        }
        pthread_mutex_lock(&r->mu);
        r->qbytes -= bytes;     /* counted until done: the bound covers them */
        if (r->csleeps)
            pthread_cond_signal(&r->nonfull);
        pthread_mutex_unlock(&r->mu);
    }
    return NULL;
}

static void writer_start(OutRun *r)
{
    pthread_mutex_init(&r->mu, NULL);
    pthread_cond_init(&r->nonempty, NULL);
    pthread_cond_init(&r->nonfull, NULL);
    r->started = true;
    const char *env = getenv("SFDC_WRITER_THREAD");   /* 0: one thread, to compare */
    r->threaded = !(env && strcmp(env, "0") == 0) && pthread_create(&r->thread, NULL, writer_main, r) == 0;
}

/* Hands n steps to the writer at once (data, when any, becomes its);
 * waits while the queue is full, so memory stays bounded. */
static void push_ops(OutRun *r, OutOp *ops, int n)
{
    if (!r->threaded) {
        for (int i = 0; i < n; i++) {
            w_do(r, &ops[i]);
            free(ops[i].data);
        }
        return;
    }
    size_t len = 0;
    bool end = false;
    for (int i = 0; i < n; i++) {
        len += ops[i].len;
        end |= ops[i].kind == OP_END;
    }
    pthread_mutex_lock(&r->mu);
    while (r->qn + n > QUEUE_OPS || (r->qbytes > 0 && r->qbytes + len > QUEUE_BYTES)) {
        r->csleeps = true;
        if (r->wsleeps)     /* full before a wake-up was due */
            pthread_cond_signal(&r->nonempty);
        pthread_cond_wait(&r->nonfull, &r->mu);
    }
    r->csleeps = false;
    for (int i = 0; i < n; i++)
        r->q[(r->qhead + r->qn++) % QUEUE_OPS] = ops[i];
    r->qbytes += len;
    if (r->wsleeps && (r->qn >= WAKE_OPS || r->qbytes >= WAKE_BYTES || end))
        pthread_cond_signal(&r->nonempty);
    pthread_mutex_unlock(&r->mu);
}

static void push_op(OutRun *r, OutOp op)
{
    push_ops(r, &op, 1);
}

/* Waits for the writer to finish every step; then the writer's state is
 * the caller's. */
static void writer_stop(OutRun *r)
{
    if (!r->started)
        return;
    r->started = false;
    if (r->threaded) {
        push_op(r, (OutOp){.kind = OP_END});
        pthread_join(r->thread, NULL);
        r->threaded = false;
    }
    pthread_mutex_destroy(&r->mu);
    pthread_cond_destroy(&r->nonempty);
    pthread_cond_destroy(&r->nonfull);
}

/* Hands over the open file's pending bytes. */
static void flush_chunk(OutRun *r)
{
    if (r->chunk.n == 0)
        return;
    size_t len;
    char *data = hcl_buf_take(&r->chunk, &len);
    push_op(r, (OutOp){.kind = OP_DATA, .data = data, .len = len});
}

/* ---- the caller's side ------------------------------------------------------ */

/* How far back (in arrivals) entry_place moves an entry to keep its run
 * sorted: an account's files arrive out of order but together, and their
 * paths are still in the cache then. Further back, a new run starts. */
enum { PLACE_BACK = 64 };

static void run_start(OutRun *r, int at)
{
    if (r->nruns == r->capruns) {
        r->capruns = r->capruns ? r->capruns * 2 : 16;
        r->runs = xrealloc(r->runs, (size_t)r->capruns * sizeof *r->runs);
    }
    r->runs[r->nruns++] = at;
}

/* Adds e (seq: its arrival) in order to the newest run, or starts a run
 * with it. Sorting here, while the paths just written are cached, leaves
 * out_finish a few long runs to merge: sorting 780,000 paths at the end
 * read them all again from memory at 30,000 LAs, many times over. */
static void entry_place(OutRun *r, OutEntry e)
{
    if (r->n == r->cap) {
        /* eightfold once large: each growth copies the array, which at
         * 30,000 LAs no longer fits in the cache; capacity never written
         * costs no memory */
        r->cap = r->cap >= 1 << 12 ? r->cap * 8 : r->cap ? r->cap * 2 : 256;
        r->ents = xrealloc(r->ents, (size_t)r->cap * sizeof *r->ents);
    }
    int start = r->nruns ? r->runs[r->nruns - 1] : 0, j = r->n;
    if (r->nruns == 0)
        run_start(r, 0);
    while (j > start) {
        int c = strcmp(e.path, r->ents[j - 1].path);
        r->dup |= c == 0;
        if (c >= 0)
            break;
        if (r->ents[j - 1].seq < e.seq - PLACE_BACK) {
            j = r->n;
            run_start(r, j);
            break;
        }
        j--;
    }
    memmove(&r->ents[j + 1], &r->ents[j], (size_t)(r->n - j) * sizeof *r->ents);
    r->ents[j] = e;
    r->n++;
}

/* A new entry for path (its seq returned, its stored path in *stored), or
 * -1 (and the run fails) when path is unsafe. */
static int entry_add(OutRun *r, const char *path, const char **stored)
{
    if (!out_path_ok(path) || strcmp(path, OUT_MANIFEST) == 0) {
        fprintf(r->err, "sfdc: internal error: unsafe output path '%s'\n", path);
        r->failed = true;
        return -1;
    }
    int seq = r->n;
    *stored = arena_strdup(&r->paths, path);
    entry_place(r, (OutEntry){*stored, seq, ENT_WRITE, false});
    return seq;
}

void out_open(OutTree *t, const char *path)
{
    OutRun *r = t->run;
    const char *stored;
    int idx = entry_add(r, path, &stored);
    if (idx < 0)
        return;
    r->open = true;
    push_op(r, (OutOp){.kind = OP_OPEN, .idx = idx, .path = stored});
}

void out_put(OutTree *t, const char *data, size_t len)
{
    OutRun *r = t->run;
    if (!r->open || len == 0)
        return;
    hcl_buf_put(&r->chunk, data, len);
    if (r->chunk.n >= CHUNK)
        flush_chunk(r);
}

void out_put_take(OutTree *t, char *data, size_t len)
{
    OutRun *r = t->run;
    if (!r || !r->open || len == 0) {
        free(data);
        return;
    }
    flush_chunk(r);     /* what out_put left goes first */
    push_op(r, (OutOp){.kind = OP_DATA, .data = data, .len = len});
}

void out_close(OutTree *t)
{
    OutRun *r = t->run;
    if (!r->open)
        return;
    flush_chunk(r);
    push_op(r, (OutOp){.kind = OP_CLOSE});
    r->open = false;
}

void out_add(OutTree *t, const char *path, char *data, size_t len)
{
    if (!t->run) {      /* batch: kept until out_write or out_check */
        if (t->n == t->cap) {
            t->cap = t->cap ? t->cap * 2 : 64;
            t->files = xrealloc(t->files, (size_t)t->cap * sizeof *t->files);
        }
        t->files[t->n++] = (OutFile){xstrdup(path), data, len};
        return;
    }
    OutRun *r = t->run;
    const char *stored;
    int idx = entry_add(r, path, &stored);
    if (idx < 0) {
        free(data);
        return;
    }
    /* open, the bytes as they are (no copy) and close: one hand-over */
    OutOp ops[3];
    int n = 0;
    ops[n++] = (OutOp){.kind = OP_OPEN, .idx = idx, .path = stored};
    if (len > 0)
        ops[n++] = (OutOp){.kind = OP_DATA, .data = data, .len = len};
    else
        free(data);
    ops[n++] = (OutOp){.kind = OP_CLOSE};
    push_ops(r, ops, n);
}

/* ---- reusing what DIR holds ------------------------------------------------ */

int out_count(const OutTree *t)
{
    return t->run ? t->run->n : 0;
}

/* FNV-1a of a path: summed over a set of paths, their digest. */
static uint64_t path_hash(const char *p)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (; *p; p++)
        h = (h ^ (unsigned char)*p) * 0x100000001b3ULL;
    return h;
}

void out_digest(const OutTree *t, int from, int *n, uint64_t *digest)
{
    const OutRun *r = t->run;
    *n = 0;
    *digest = 0;
    /* an entry moves at most PLACE_BACK places back from its arrival */
    for (int i = from > PLACE_BACK ? from - PLACE_BACK : 0; r && i < r->n; i++)
        if (r->ents[i].seq >= from) {
            *digest += path_hash(r->ents[i].path);
            (*n)++;
        }
}

/* The manifest's paths under key: a directory ("ENV/ACC/") or one path;
 * [*lo, return) in mf->paths. */
static int manifest_range(const Manifest *mf, const char *key, int *lo)
{
    size_t n = strlen(key);
    bool dir = n > 0 && key[n - 1] == '/';
    int a = 0, b = mf->n;
    while (a < b) {     /* the first path not before key */
        int mid = a + (b - a) / 2;
        if (strcmp(mf->paths[mid], key) < 0)
            a = mid + 1;
        else
            b = mid;
    }
    *lo = a;
    int end = a;
    while (end < mf->n && (dir ? strncmp(mf->paths[end], key, n) == 0 : strcmp(mf->paths[end], key) == 0))
        end++;
    return end;
}

/* Whether DIR's file at path is a regular file unchanged since before. */
static bool untouched(OutRun *r, const char *path, int64_t before)
{
    struct stat sb;
    if (fstatat(r->rootfd, path, &sb, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(sb.st_mode))
        return false;
    return (int64_t)sb.st_ctim.tv_sec * 1000000000LL + sb.st_ctim.tv_nsec < before;
}

bool out_reuse(OutTree *t, const char *key, int nfiles, uint64_t digest, int64_t before)
{
    OutRun *r = t->run;
    if (!r || r->fresh || r->failed || r->open || !r->mf.found || nfiles <= 0)
        return false;
    int lo, end = manifest_range(&r->mf, key, &lo);
    if (end - lo != nfiles)
        return false;
    uint64_t d = 0;
    for (int i = lo; i < end; i++)
        d += path_hash(r->mf.paths[i]);
    if (d != digest)
        return false;
    if (r->rootfd < 0)
        r->rootfd = open(r->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    for (int i = lo; i < end; i++)
        if (r->rootfd < 0 || !untouched(r, r->mf.paths[i], before))
            return false;
    for (int i = lo; i < end; i++)
        entry_place(r, (OutEntry){r->mf.paths[i], r->n, ENT_UNCHANGED, false});
    return true;
}

/* Whether the entry name below dirfd is a regular file older than before. */
static bool older_file(int dirfd, const char *name, int64_t before)
{
    struct stat sb;
    return fstatat(dirfd, name, &sb, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(sb.st_mode) &&
           (int64_t)sb.st_ctim.tv_sec * 1000000000LL + sb.st_ctim.tv_nsec < before;
}

bool out_verify(const char *dir, int64_t before)
{
    int rootfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (rootfd < 0)
        return false;
    int fd = older_file(rootfd, OUT_MANIFEST, before)
                 ? openat(rootfd, OUT_MANIFEST, O_RDONLY | O_NOFOLLOW | O_CLOEXEC) : -1;
    FILE *f = fd >= 0 ? fdopen(fd, "r") : NULL;
    if (!f && fd >= 0)
        close(fd);
    bool ok = f != NULL;
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    while (ok && (n = getline(&line, &cap, f)) > 0) {
        if (line[n - 1] == '\n')
            line[--n] = '\0';
        if (n == 0 || line[0] == '#')
            continue;
        /* a path manifest_read would drop: the normal path decides */
        ok = out_path_ok(line) && older_file(rootfd, line, before);
    }
    free(line);
    if (f)
        fclose(f);
    close(rootfd);
    return ok;
}

static int cmp_ent(const void *a, const void *b)
{
    return strcmp(((const OutEntry *)a)->path, ((const OutEntry *)b)->path);
}

/* Whether the run produced path (r->ents sorted). */
static bool produced(const OutRun *r, const char *path)
{
    OutEntry key = {path, 0, 0, false};
    return r->n > 0 && bsearch(&key, r->ents, (size_t)r->n, sizeof key, cmp_ent) != NULL;
}

/* How many of the n sorted entries e come before key: a search from the
 * front that doubles its step (a merge mostly takes long stretches). */
static size_t count_less(const OutEntry *e, size_t n, const char *key)
{
    if (n == 0 || strcmp(e[0].path, key) >= 0)
        return 0;
    size_t lo = 0, hi = 1;      /* e[lo] < key */
    while (hi < n && strcmp(e[hi].path, key) < 0) {
        lo = hi;
        hi = hi * 2 + 1;
    }
    if (hi > n)
        hi = n;
    for (lo++; lo < hi;) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(e[mid].path, key) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* What the writer found for e (by its arrival), put into it. */
static OutEntry with_result(const OutRun *r, OutEntry e)
{
    unsigned char f = e.seq < r->capres ? r->res[e.seq] : 0;
    if (f & RES_FOUND) {
        e.what = f & ~(RES_FOUND | RES_MISSING);
        e.missing = (f & RES_MISSING) != 0;
    }
    return e;
}

/* Puts what the writer found into the entries, where they are. */
static void apply_results(OutRun *r)
{
    for (int i = 0; i < r->n; i++)
        r->ents[i] = with_result(r, r->ents[i]);
}

/* A stretch of r->ents in merged order. */
typedef struct OutSeg {
    int start, len;
} OutSeg;

enum { MERGE_WAYS = 16 };   /* more runs than this are sorted whole */

/* The runs merged at once, as stretches of r->ents that stay where they
 * are: the head of one run goes up to the next head of another. Returns
 * how many stretches (*segs, malloc'd). Equal heads are noted. */
static int merge_plan(OutRun *r, OutSeg **segs)
{
    int k = r->nruns, head[MERGE_WAYS], end[MERGE_WAYS], nseg = 0, cap = 16;
    OutSeg *sg = xmalloc((size_t)cap * sizeof *sg);
    for (int i = 0; i < k; i++) {
        head[i] = r->runs[i];
        end[i] = i + 1 < k ? r->runs[i + 1] : r->n;
    }
    for (;;) {
        int m = -1, m2 = -1;    /* the runs with the least and next least heads */
        for (int i = 0; i < k; i++) {
            if (head[i] == end[i])
                continue;
            const char *p = r->ents[head[i]].path;
            if (m < 0 || strcmp(p, r->ents[head[m]].path) < 0) {
                m2 = m;
                m = i;
            } else if (m2 < 0 || strcmp(p, r->ents[head[m2]].path) < 0) {
                m2 = i;
            }
        }
        if (m < 0)
            break;
        int len = end[m] - head[m];
        if (m2 >= 0)
            len = (int)count_less(&r->ents[head[m]], (size_t)len, r->ents[head[m2]].path);
        if (len == 0) {         /* the same path heads both */
            r->dup = true;
            len = 1;
        }
        if (nseg == cap) {
            cap *= 2;
            sg = xrealloc(sg, (size_t)cap * sizeof *sg);
        }
        sg[nseg++] = (OutSeg){head[m], len};
        head[m] += len;
    }
    *segs = sg;
    return nseg;
}

/* Sorts the entries, with what the writer found put in. A few runs
 * (always, from a build) are merged by copying their stretches in order
 * into a new array, once: merging in place moved the whole array for
 * each pair of runs (the environments come in reverse order, and each
 * has an account that sorts after all the LAs), and at 30,000 LAs the
 * array is 12 MB. More runs (an order no build makes) are sorted whole. */
static void order_entries(OutRun *r)
{
    if (r->nruns > MERGE_WAYS) {    /* never from a build: sorted whole */
        apply_results(r);
        qsort(r->ents, (size_t)r->n, sizeof *r->ents, cmp_ent);
        r->dup = true;              /* equal paths were not looked for */
        r->nruns = r->n > 0;
        return;
    }
    OutSeg *segs;
    int nseg = merge_plan(r, &segs), o = 0;
    OutEntry *out = xmalloc(((size_t)r->n + 1) * sizeof *out);
    for (int i = 0; i < nseg; i++)
        for (int j = segs[i].start; j < segs[i].start + segs[i].len; j++)
            out[o++] = with_result(r, r->ents[j]);
    free(segs);
    free(r->ents);
    r->ents = out;
    r->cap = r->n + 1;
    r->nruns = r->n > 0;
}

/* Sorts the paths (order_entries) and rejects one produced twice (only
 * looked for when placing or merging met two equal paths). */
static bool sort_entries(OutRun *r)
{
    order_entries(r);
    for (int i = 1; r->dup && i < r->n; i++)
        if (strcmp(r->ents[i].path, r->ents[i - 1].path) == 0) {
            fprintf(r->err, "sfdc: internal error: '%s' emitted twice\n", r->ents[i].path);
            return false;
        }
    return true;
}

static void run_free(OutTree *t)
{
    OutRun *r = t->run;
    if (!r)
        return;
    writer_stop(r);     /* an unfinished run: the writer ends first */
    if (r->fd >= 0)
        close(r->fd);
    if (r->old >= 0)
        close(r->old);
    if (r->rootfd >= 0)
        close(r->rootfd);
    if (r->tmpfd >= 0)
        close(r->tmpfd);
    if (r->tmp)
        remove_tree(r->tmp);
    arena_release(&r->paths);
    free(r->ents);
    free(r->runs);
    free(r->tmp);
    free(r->dir);
    manifest_release(&r->mf);
    hcl_buf_release(&r->last);
    hcl_buf_release(&r->chunk);
    free(r->res);
    free(r);
    t->run = NULL;
}

/* Prints the new manifest on f: the run's files (sorted) and the kept
 * entries of the old one, merged in order. mf may be NULL (a fresh
 * directory). */
static void manifest_print(const OutTree *t, const OutRun *r, const Manifest *mf, FILE *f)
{
    fputs(manifest_head, f);
    int i = 0, k = 0, nk = mf ? mf->n : 0;
    while (i < r->n || k < nk) {
        if (k < nk && !kept(t, mf->paths[k])) {
            k++;
            continue;
        }
        int c = i == r->n ? 1 : k == nk ? -1 : strcmp(r->ents[i].path, mf->paths[k]);
        const char *p = c <= 0 ? r->ents[i].path : mf->paths[k];
        if (c <= 0)
            i++;
        if (c >= 0)
            k++;
        fputs(p, f);
        putc('\n', f);
    }
}

/* The new manifest as one string (malloc'd), to compare with the old. */
static char *manifest_text(const OutTree *t, const OutRun *r, const Manifest *mf, size_t *len)
{
    char *text = NULL;
    FILE *f = open_memstream(&text, len);
    if (!f)
        abort();    /* out of memory, as xmalloc */
    manifest_print(t, r, mf, f);
    fclose(f);
    return text;
}

/* ---- unknown files ------------------------------------------------------ */

/* Whether the run produces a file below directory rel (r is sorted). */
static bool produces_below(const OutRun *r, const char *rel)
{
    size_t n = strlen(rel);
    int lo = 0, hi = r->n;
    while (lo < hi) {   /* the first path not before "rel/" */
        int mid = lo + (hi - lo) / 2;
        int c = strncmp(r->ents[mid].path, rel, n);
        if (c == 0)
            c = (unsigned char)r->ents[mid].path[n] - (unsigned char)'/';
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < r->n && strncmp(r->ents[lo].path, rel, n) == 0 && r->ents[lo].path[n] == '/';
}

static bool manifest_below(const Manifest *mf, const char *rel)
{
    size_t n = strlen(rel);
    for (int i = 0; i < mf->n; i++)
        if (strncmp(mf->paths[i], rel, n) == 0 && mf->paths[i][n] == '/')
            return true;
    return false;
}

/* Lists, below directory rel of dir, what neither the tree nor the manifest
 * accounts for: a stray unit directory there is one `terragrunt run --all`
 * would deploy. A directory holding nothing of ours is one line (`DIR/`).
 * Hidden entries are tools' caches (.terragrunt-cache, .terraform,
 * .terraform.lock.hcl), which Terragrunt's discovery skips too. Symbolic
 * links are reported, never followed. Returns 1 if anything was listed. */
static int scan_dir(const OutRun *r, const Manifest *mf, int rootfd, const char *dir, const char *rel,
                    OutStats *st, FILE *out)
{
    HclBuf probe = {0};
    hcl_buf_printf(&probe, "%s/x", rel);
    int fd = open_parent(rootfd, probe.p, -1);
    hcl_buf_release(&probe);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (!d) {
        if (fd >= 0)
            close(fd);
        return 0;
    }
    struct dirent **names = NULL;
    int n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {      /* sorted below: output is deterministic */
        if (e->d_name[0] == '.')
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            names = xrealloc(names, (size_t)cap * sizeof *names);
        }
        names[n] = xmalloc(sizeof *e);
        memcpy(names[n++], e, sizeof *e);
    }
    qsort(names, (size_t)n, sizeof *names, cmp_dirent);
    int found = 0;
    for (int i = 0; i < n; i++) {
        const char *name = names[i]->d_name;
        char *child = join(rel, name);
        struct stat sb;
        bool isdir = fstatat(dirfd(d), name, &sb, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(sb.st_mode);
        if (produced(r, child) || manifest_has(mf, child)) {
            /* ours: produced, or an extra file reported above */
        } else if (isdir && (produces_below(r, child) || manifest_below(mf, child))) {
            found |= scan_dir(r, mf, rootfd, dir, child, st, out);
        } else {
            fprintf(out, "unknown %s/%s%s\n", dir, child, isdir ? "/" : "");
            st->unknown++;
            found = 1;
        }
        free(child);
    }
    for (int i = 0; i < n; i++)
        free(names[i]);
    free(names);
    closedir(d);
    return found;
}

static int scan_owned(const OutRun *r, const Manifest *mf, const char *dir, const char *prefix,
                      OutStats *st, FILE *out)
{
    int rootfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (rootfd < 0)
        return 0;
    char *rel = xstrdup(prefix);
    size_t n = strlen(rel);
    while (n > 0 && rel[n - 1] == '/')
        rel[--n] = '\0';
    int found = n && out_path_ok(rel) ? scan_dir(r, mf, rootfd, dir, rel, st, out) : 0;
    free(rel);
    close(rootfd);
    return found;
}

/* ---- finishing ---------------------------------------------------------- */

/* A fresh tree: the manifest, then the one rename that makes it DIR. */
static int finish_fresh(OutTree *t, OutRun *r, OutStats *st)
{
    char *mpath = join(r->tmp, OUT_MANIFEST);     /* streamed: never whole in memory */
    int fd = open(mpath, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0666);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f && fd >= 0)
        close(fd);
    bool ok = f != NULL;
    if (f) {
        manifest_print(t, r, NULL, f);
        ok = !ferror(f);
        ok = fclose(f) == 0 && ok;
    }
    free(mpath);
    if (!ok || rename(r->tmp, r->dir) != 0) {
        fprintf(r->err, "sfdc: cannot create %s: %s\n", r->dir, strerror(errno));
        return 1;
    }
    free(r->tmp);
    r->tmp = NULL;      /* it is DIR now */
    st->written = r->n;
    return 0;
}

/* Moves the staged files into place, then removes what the old manifest
 * lists and the run no longer has, then replaces the manifest. */
static int commit(OutTree *t, OutRun *r, OutStats *st)
{
    HclBuf last = {0};
    int rc = 0;
    for (int i = 0; i < r->n && rc == 0; i++) {
        const OutEntry *e = &r->ents[i];
        if (e->what != ENT_WRITE)
            continue;
        if (!make_parents(AT_FDCWD, r->dir, e->path, &last, r->err)) {
            rc = 1;
            break;
        }
        HclBuf from = {0};
        hcl_buf_printf(&from, "%s/%d", r->tmp, e->seq);
        char *to = join(r->dir, e->path);
        if (rename(from.p, to) != 0) {
            fprintf(r->err, "sfdc: cannot move %s into place: %s\n", to, strerror(errno));
            rc = 1;
        }
        free(to);
        hcl_buf_release(&from);
    }
    hcl_buf_release(&last);
    if (rc)
        return rc;
    int rootfd = open(r->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    for (int i = 0; i < r->mf.n && rootfd >= 0; i++) {
        if (kept(t, r->mf.paths[i]) || produced(r, r->mf.paths[i]))
            continue;
        if (remove_safely(rootfd, r->mf.paths[i]))
            st->removed++;
    }
    if (rootfd >= 0)
        close(rootfd);
    size_t mlen;
    char *mtext = manifest_text(t, r, &r->mf, &mlen);
    char *mpath = join(r->dir, OUT_MANIFEST);
    if (same_contents(mpath, mtext, mlen) != SAME_YES) {
        HclBuf tmp = {0};
        hcl_buf_printf(&tmp, "%s/manifest", r->tmp);
        if (!write_file(tmp.p, mtext, mlen) || rename(tmp.p, mpath) != 0) {
            fprintf(r->err, "sfdc: cannot write %s: %s\n", mpath, strerror(errno));
            rc = 1;
        }
        hcl_buf_release(&tmp);
    }
    free(mtext);
    free(mpath);
    return rc;
}

/* An existing DIR: refuses (1) when a needed path holds something sfdc did
 * not write, else commits what changed. */
static int finish_update(OutTree *t, OutRun *r, OutStats *st)
{
    int refused = 0;
    for (int i = 0; i < r->n; i++) {
        const OutEntry *e = &r->ents[i];
        if (e->what == ENT_REFUSED) {
            fprintf(r->err, "sfdc: %s/%s exists and was not written by sfdc (not in %s/%s); "
                            "move it away or remove it\n", r->dir, e->path, r->dir, OUT_MANIFEST);
            refused++;
        }
        if (e->what == ENT_UNCHANGED)
            st->unchanged++;
        else
            st->written++;
    }
    if (refused)
        return 1;
    if (st->written == 0 && r->mf.n == r->n && r->mf.found)
        return 0;
    return staging(r) ? commit(t, r, st) : 1;
}

/* --check: lists what differs, sorted, then extra and unknown files. */
static int finish_check(OutTree *t, OutRun *r, OutStats *st)
{
    int differ = 0;
    for (int i = 0; i < r->n; i++) {
        const OutEntry *e = &r->ents[i];
        if (e->what == ENT_UNCHANGED) {
            st->unchanged++;
            continue;
        }
        /* pieces, not fprintf: at 30,000 LAs this prints 780,000 lines,
         * and parsing the format cost more than the writing */
        fputs(e->missing ? "missing " : "stale ", r->out);
        fputs(r->dir, r->out);
        putc('/', r->out);
        fputs(e->path, r->out);
        putc('\n', r->out);
        st->written++;
        differ = 1;
    }
    for (int i = 0; i < r->mf.n; i++) {
        if (kept(t, r->mf.paths[i]) || produced(r, r->mf.paths[i]))
            continue;
        char *path = join(r->dir, r->mf.paths[i]);
        struct stat sb;
        if (lstat(path, &sb) == 0) {
            fprintf(r->out, "extra %s\n", path);
            st->removed++;
            differ = 1;
        }
        free(path);
    }
    for (int i = 0; i < t->nown; i++)
        differ |= scan_owned(r, &r->mf, r->dir, t->own[i], st, r->out);
    return differ;
}

int out_finish(OutTree *t, OutStats *st)
{
    memset(st, 0, sizeof *st);
    OutRun *r = t->run;
    if (!r)
        return 1;
    out_close(t);
    writer_stop(r);
    int rc = 1;
    if (!r->failed && !r->wfailed && sort_entries(r)) {
        if (r->mode == OUT_CHECK)
            rc = finish_check(t, r, st);
        else
            rc = r->fresh ? finish_fresh(t, r, st) : finish_update(t, r, st);
    }
    run_free(t);
    return rc;
}

/* ---- the batch interface ------------------------------------------------ */

/* Streams the files added before: out_write and out_check. */
static int replay(OutTree *t, const char *dir, OutMode mode, OutStats *st, FILE *out, FILE *err)
{
    OutFile *files = t->files;
    int n = t->n;
    if (out_begin(t, dir, mode, out, err) != 0) {
        run_free(t);
        memset(st, 0, sizeof *st);
        return 1;
    }
    for (int i = 0; i < n; i++) {
        out_open(t, files[i].path);
        out_put(t, files[i].data, files[i].len);
        out_close(t);
    }
    return out_finish(t, st);
}

int out_write(OutTree *t, const char *dir, OutStats *st, FILE *err)
{
    return replay(t, dir, OUT_WRITE, st, NULL, err);
}

int out_check(OutTree *t, const char *dir, OutStats *st, FILE *out)
{
    return replay(t, dir, OUT_CHECK, st, out, stderr);
}
