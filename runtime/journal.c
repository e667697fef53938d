/* journal.c — durable step outcomes (see journal.h). */
#include "journal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "banned.h"

/* First member of the header line; its value is the format version. */
#define HEADER_KEY "sfdrun_journal"

static const char *const state_names[] = { "none", "started", "done", "failed" };

const char *journal_state_name(JournalState st)
{
    return (unsigned)st < 4 ? state_names[st] : "?";
}

static JournalState state_parse(const char *s)
{
    for (int i = 1; i < 4; i++)
        if (strcmp(s, state_names[i]) == 0)
            return (JournalState)i;
    return JOURNAL_NONE;
}

static void init_empty(Journal *j)
{
    memset(j, 0, sizeof *j);
    j->fd = -1;
    j->lock_fd = -1;
}

static JournalEntry *find(const Journal *j, const char *step)
{
    long i = strmap_get(&j->index, step);
    return i < 0 ? NULL : &j->entries[i];
}

const JournalEntry *journal_get(const Journal *j, const char *step)
{
    return find(j, step);
}

static int dup_or_null(char **dst, const char *s)
{
    free(*dst);
    *dst = NULL;
    if (!s)
        return 0;
    *dst = strdup(s);
    return *dst ? 0 : -1;
}

/* Applies one record to the in-memory state. */
static int remember(Journal *j, const char *step, JournalState st, const char *outcome,
                    const char *error)
{
    JournalEntry *e = find(j, step);
    if (!e) {
        if (j->n_entries == j->cap_entries) {
            size_t cap = j->cap_entries ? j->cap_entries * 2 : 64;
            JournalEntry *t = realloc(j->entries, cap * sizeof *t);
            if (!t)
                return -1;
            j->entries = t;
            j->cap_entries = cap;
        }
        e = &j->entries[j->n_entries];
        memset(e, 0, sizeof *e);
        if (!(e->step = strdup(step)))
            return -1;
        if (strmap_put(&j->index, e->step, j->n_entries) < 0) {
            free(e->step);
            return -1;
        }
        j->n_entries++;
    }
    e->state = st;
    if (dup_or_null(&e->outcome, outcome) < 0 || dup_or_null(&e->error, error) < 0)
        return -1;
    return 0;
}

/* One JSON line for a record (malloc'd, with the newline). */
static char *record_line(const char *step, JournalState st, const char *outcome,
                         const char *error)
{
    cJSON *o = cJSON_CreateObject();
    char *text = NULL, *line = NULL;
    if (!o || !cJSON_AddStringToObject(o, "step", step) ||
        !cJSON_AddStringToObject(o, "state", journal_state_name(st)) ||
        (outcome && !cJSON_AddStringToObject(o, "outcome", outcome)) ||
        (error && !cJSON_AddStringToObject(o, "error", error)) ||
        !cJSON_AddNumberToObject(o, "t", (double)time(NULL)))
        goto out;
    text = cJSON_PrintUnformatted(o);
    if (!text)
        goto out;
    size_t n = strlen(text);
    line = malloc(n + 2);
    if (line) {
        memcpy(line, text, n);
        line[n] = '\n';
        line[n + 1] = '\0';
    }
out:
    free(text);
    cJSON_Delete(o);
    return line;
}

static char *header_line(const char *sha)
{
    size_t n = strlen(HEADER_KEY) + strlen(sha) + 64;
    char *h = malloc(n);
    if (h)
        snprintf(h, n, "{\"" HEADER_KEY "\":1,\"plan_sha256\":\"%s\"}\n", sha);
    return h;
}

/* Writes all of buf to fd (retrying short writes and EINTR). */
static int write_all(int fd, const char *buf, size_t n)
{
    while (n > 0) {
        ssize_t k = write(fd, buf, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return -1;
        buf += k;
        n -= (size_t)k;
    }
    return 0;
}

/* Reads the whole file; *text NULL when it does not exist. */
static int slurp(const char *path, char **text, size_t *len, char *err)
{
    *text = NULL;
    *len = 0;
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        if (errno == ENOENT)
            return 0;
        snprintf(err, JOURNAL_ERR_MAX, "%s: %s", path, strerror(errno));
        return -1;
    }
    size_t cap = 0;
    for (;;) {
        if (*len + 1 >= cap) {
            cap = cap ? cap * 2 : 65536;
            char *t = realloc(*text, cap);
            if (!t) {
                snprintf(err, JOURNAL_ERR_MAX, "%s: out of memory", path);
                free(*text);
                *text = NULL;
                close(fd);
                return -1;
            }
            *text = t;
        }
        ssize_t k = read(fd, *text + *len, cap - *len - 1);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0) {
            snprintf(err, JOURNAL_ERR_MAX, "%s: %s", path, strerror(errno));
            free(*text);
            *text = NULL;
            close(fd);
            return -1;
        }
        if (k == 0)
            break;
        *len += (size_t)k;
    }
    (*text)[*len] = '\0';
    close(fd);
    return 0;
}

/* Checks the header line against the plan hash. */
static int check_header(const Journal *j, const char *line, const char *sha, char *err)
{
    cJSON *h = cJSON_Parse(line);
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(h, HEADER_KEY);
    const cJSON *ps = cJSON_GetObjectItemCaseSensitive(h, "plan_sha256");
    int rc = 0;
    if (!cJSON_IsNumber(v) || !cJSON_IsString(ps)) {
        snprintf(err, JOURNAL_ERR_MAX, "%s: not an sfdrun journal", j->path);
        rc = -1;
    } else if (v->valuedouble != 1) {
        snprintf(err, JOURNAL_ERR_MAX, "%s: journal version %g is not supported", j->path,
                 v->valuedouble);
        rc = -1;
    } else if (strcmp(ps->valuestring, sha) != 0) {
        snprintf(err, JOURNAL_ERR_MAX,
                 "%s: journal belongs to another plan (sha256 %.12s..., this plan is "
                 "%.12s...); remove it or pass another --journal", j->path,
                 ps->valuestring, sha);
        rc = -1;
    }
    cJSON_Delete(h);
    return rc;
}

/* Replays the records of text (after the header). A bad last line marks
 * the journal torn; a bad line before it is corruption. */
static int replay(Journal *j, char *text, size_t len, const char *sha, char *err)
{
    size_t lineno = 0;
    char *p = text, *end = text + len;
    while (p < end) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        int last = !nl || nl + 1 >= end;
        if (!nl) {
            /* no newline: the write was cut short */
            j->torn = 1;
            break;
        }
        *nl = '\0';
        lineno++;
        if (lineno == 1) {
            if (check_header(j, p, sha, err) < 0)
                return -1;
            p = nl + 1;
            continue;
        }
        cJSON *r = cJSON_Parse(p);
        const cJSON *step = cJSON_GetObjectItemCaseSensitive(r, "step");
        const cJSON *state = cJSON_GetObjectItemCaseSensitive(r, "state");
        const cJSON *outcome = cJSON_GetObjectItemCaseSensitive(r, "outcome");
        const cJSON *error = cJSON_GetObjectItemCaseSensitive(r, "error");
        JournalState st = cJSON_IsString(state) ? state_parse(state->valuestring)
                                                : JOURNAL_NONE;
        if (!cJSON_IsString(step) || st == JOURNAL_NONE) {
            cJSON_Delete(r);
            if (last) {
                j->torn = 1;
                break;
            }
            snprintf(err, JOURNAL_ERR_MAX, "%s:%zu: corrupt journal record", j->path, lineno);
            return -1;
        }
        int rc = remember(j, step->valuestring, st,
                          cJSON_IsString(outcome) ? outcome->valuestring : NULL,
                          cJSON_IsString(error) ? error->valuestring : NULL);
        cJSON_Delete(r);
        if (rc < 0) {
            snprintf(err, JOURNAL_ERR_MAX, "%s: out of memory", j->path);
            return -1;
        }
        j->n_records++;
        p = nl + 1;
    }
    if (lineno == 0 && len > 0)
        j->torn = 1; /* even the header was cut short */
    return 0;
}

static int load(Journal *j, const char *path, const char *sha, int *exists, char *err)
{
    char *text;
    size_t len;
    if (!j->path && !(j->path = strdup(path))) {
        snprintf(err, JOURNAL_ERR_MAX, "out of memory");
        return -1;
    }
    snprintf(j->plan_sha256, sizeof j->plan_sha256, "%s", sha);
    if (slurp(path, &text, &len, err) < 0)
        return -1;
    *exists = text != NULL;
    int rc = text ? replay(j, text, len, sha, err) : 0;
    free(text);
    return rc;
}

int journal_read(Journal *j, const char *path, const char *plan_sha256, char *err)
{
    int exists;
    init_empty(j);
    if (load(j, path, plan_sha256, &exists, err) < 0) {
        journal_close(j);
        return -1;
    }
    return 0;
}

/* fsync of the directory holding path, so a rename is durable. */
static void sync_dir(const char *path)
{
    char *d = strdup(path);
    if (!d)
        return;
    char *slash = strrchr(d, '/');
    const char *dir = ".";
    if (slash) {
        *(slash == d ? slash + 1 : slash) = '\0';
        dir = d;
    }
    int fd = open(dir, O_RDONLY);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
    free(d);
}

int journal_compact(Journal *j, char *err)
{
    size_t n = strlen(j->path) + 16;
    char *tmp = malloc(n);
    int fd = -1, rc = -1;
    char *line = NULL;
    if (!tmp) {
        snprintf(err, JOURNAL_ERR_MAX, "out of memory");
        return -1;
    }
    snprintf(tmp, n, "%s.tmp", j->path);
    /* We hold the run lock, so whatever sits at PATH.tmp is a leftover of a
     * crashed compaction or was planted there: remove it (a symlink itself,
     * never its target) and create the file afresh. O_EXCL|O_NOFOLLOW make
     * a symlink re-planted in between fail the open instead of being
     * followed. */
    if (unlink(tmp) < 0 && errno != ENOENT)
        goto fail;
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0)
        goto fail;
    line = header_line(j->plan_sha256);
    if (!line || write_all(fd, line, strlen(line)) < 0)
        goto fail;
    for (size_t i = 0; i < j->n_entries; i++) {
        const JournalEntry *e = &j->entries[i];
        free(line);
        line = record_line(e->step, e->state, e->outcome, e->error);
        if (!line || write_all(fd, line, strlen(line)) < 0)
            goto fail;
    }
    if (fsync(fd) < 0 || rename(tmp, j->path) < 0)
        goto fail;
    sync_dir(j->path);
    j->n_records = j->n_entries;
    j->torn = 0;
    rc = 0;
    goto out;
fail:
    snprintf(err, JOURNAL_ERR_MAX, "%s: cannot rewrite journal: %s: %s", j->path, tmp,
             strerror(errno));
    if (fd >= 0)
        unlink(tmp); /* only a file we created */
out:
    if (fd >= 0)
        close(fd);
    free(line);
    free(tmp);
    return rc;
}

/* Takes the run lock: a write lock on PATH.lock, a file that is never
 * renamed (the journal itself is replaced by compaction, which would
 * orphan a lock held on it). */
static int take_lock(Journal *j, char *err)
{
    size_t n = strlen(j->path) + 8;
    char *lp = malloc(n);
    if (!lp) {
        snprintf(err, JOURNAL_ERR_MAX, "out of memory");
        return -1;
    }
    snprintf(lp, n, "%s.lock", j->path);
    j->lock_fd = open(lp, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
    free(lp);
    if (j->lock_fd < 0) {
        snprintf(err, JOURNAL_ERR_MAX, "%s.lock: %s", j->path, strerror(errno));
        return -1;
    }
    struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
    if (fcntl(j->lock_fd, F_SETLK, &fl) < 0) {
        snprintf(err, JOURNAL_ERR_MAX, "%s: journal is in use by another sfdrun", j->path);
        return -1;
    }
    return 0;
}

int journal_open(Journal *j, const char *path, const char *plan_sha256, char *err)
{
    int exists;
    init_empty(j);
    j->path = strdup(path);
    if (!j->path) {
        snprintf(err, JOURNAL_ERR_MAX, "out of memory");
        goto fail;
    }
    if (take_lock(j, err) < 0 || load(j, path, plan_sha256, &exists, err) < 0)
        goto fail;
    /* A new journal, a torn one, or one that grew well past one record per
     * step is (re)written whole, atomically, before anything is appended. */
    if (!exists || j->torn || j->n_records > 2 * j->n_entries + 64)
        if (journal_compact(j, err) < 0)
            goto fail;
    j->fd = open(j->path, O_WRONLY | O_APPEND | O_CLOEXEC);
    if (j->fd < 0) {
        snprintf(err, JOURNAL_ERR_MAX, "%s: %s", j->path, strerror(errno));
        goto fail;
    }
    return 0;
fail:
    journal_close(j);
    return -1;
}

int journal_sync(Journal *j, char *err)
{
    if (!j->dirty)
        return 0;
    if (j->fd < 0 || fdatasync(j->fd) < 0) {
        snprintf(err, JOURNAL_ERR_MAX, "%s: cannot sync journal: %s", j->path,
                 j->fd < 0 ? "not open" : strerror(errno));
        return -1;
    }
    j->dirty = 0;
    return 0;
}

int journal_append_nosync(Journal *j, const char *step, JournalState st, const char *outcome,
                          const char *error, char *err)
{
    char *line = record_line(step, st, outcome, error);
    if (!line || remember(j, step, st, outcome, error) < 0) {
        free(line);
        snprintf(err, JOURNAL_ERR_MAX, "out of memory");
        return -1;
    }
    int rc = 0;
    if (j->fd < 0 || write_all(j->fd, line, strlen(line)) < 0) {
        snprintf(err, JOURNAL_ERR_MAX, "%s: cannot write journal: %s", j->path,
                 j->fd < 0 ? "not open" : strerror(errno));
        rc = -1;
    }
    j->dirty = 1;
    j->n_records++;
    free(line);
    return rc;
}

int journal_append(Journal *j, const char *step, JournalState st, const char *outcome,
                   const char *error, char *err)
{
    if (journal_append_nosync(j, step, st, outcome, error, err) < 0)
        return -1;
    return journal_sync(j, err);
}

void journal_close(Journal *j)
{
    if (j->fd >= 0)
        close(j->fd);
    if (j->lock_fd >= 0)
        close(j->lock_fd); /* closing drops the record lock */
    for (size_t i = 0; i < j->n_entries; i++) {
        free(j->entries[i].step);
        free(j->entries[i].outcome);
        free(j->entries[i].error);
    }
    free(j->entries);
    free(j->path);
    strmap_release(&j->index);
    init_empty(j);
}

int journal_retire(const char *path, char *err)
{
    Journal t;
    struct stat st;
    int rc = -1;
    if (lstat(path, &st) < 0 && errno == ENOENT)
        return 0; /* nothing to retire: leave no lock file behind either */
    init_empty(&t);
    if (!(t.path = strdup(path))) {
        snprintf(err, JOURNAL_ERR_MAX, "out of memory");
    } else if (take_lock(&t, err) == 0) {
        if (unlink(path) == 0) {
            sync_dir(path);
            rc = 1;
        } else if (errno == ENOENT) {
            rc = 0;
        } else {
            snprintf(err, JOURNAL_ERR_MAX, "%s: cannot remove: %s", path, strerror(errno));
        }
    }
    journal_close(&t);
    return rc;
}

/* The registry: one line "KIND PATH" per journal a run kept somewhere other
 * than its default path. Lines are appended with one O_APPEND write each
 * (atomic up to PIPE_BUF, so two runs cannot interleave them); a path is
 * written once. */
static char *registry_abs(const char *jpath)
{
    char cwd[4096];
    size_t n;
    char *abs;
    if (jpath[0] == '/')
        return strdup(jpath);
    if (!getcwd(cwd, sizeof cwd))
        return NULL;
    n = strlen(cwd) + strlen(jpath) + 2;
    if ((abs = malloc(n)))
        snprintf(abs, n, "%s%s%s", cwd, cwd[strlen(cwd) - 1] == '/' ? "" : "/", jpath);
    return abs;
}

/* Whether path holds a journal (its header line): a registry line torn by a
 * crash may name some other file, which must never be retired. */
static int is_journal(const char *path)
{
    static const char head[] = "{\"" HEADER_KEY "\":";
    char buf[sizeof head];
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return 0;
    ssize_t k = read(fd, buf, sizeof head - 1);
    close(fd);
    return k == (ssize_t)(sizeof head - 1) && memcmp(buf, head, sizeof head - 1) == 0;
}

/* KIND's paths in the registry; with journals_only, those that hold a
 * journal now. */
static char **registry_list(const char *registry, const char *kind, int journals_only, size_t *n)
{
    char *text = NULL, err[JOURNAL_ERR_MAX];
    size_t len = 0, k = strlen(kind);
    char **out = NULL;
    *n = 0;
    if (slurp(registry, &text, &len, err) < 0 || !text)
        return NULL;
    size_t cap = 1;
    for (size_t i = 0; i < len; i++)
        cap += text[i] == '\n';
    if (!(out = calloc(cap, sizeof *out))) {
        free(text);
        return NULL;
    }
    char *line = text, *end = text + len, *nl;
    for (; line < end && (nl = memchr(line, '\n', (size_t)(end - line))); line = nl + 1) {
        *nl = 0;    /* a torn last line (no newline) is ignored */
        if (strncmp(line, kind, k) == 0 && line[k] == ' ' && line[k + 1] == '/' &&
            (!journals_only || is_journal(line + k + 1)) && (out[*n] = strdup(line + k + 1)))
            (*n)++;
    }
    free(text);
    return out;
}

char **journal_registered(const char *registry, const char *kind, size_t *n)
{
    return registry_list(registry, kind, 1, n);
}

int journal_register(const char *registry, const char *kind, const char *jpath, char *err)
{
    char *abs = registry_abs(jpath), *line = NULL;
    size_t n = 0;
    int rc = -1;
    if (!abs) {
        snprintf(err, JOURNAL_ERR_MAX, "cannot resolve %.200s: %s", jpath, strerror(errno));
        return -1;
    }
    if (strchr(abs, '\n')) {
        snprintf(err, JOURNAL_ERR_MAX, "a journal path may not contain a newline");
        free(abs);
        return -1;
    }
    char **known = registry_list(registry, kind, 0, &n);
    int found = 0;
    for (size_t i = 0; i < n; i++) {
        found |= strcmp(known[i], abs) == 0;
        free(known[i]);
    }
    free(known);
    size_t len = strlen(kind) + strlen(abs) + 3;     /* [\n]KIND PATH\n */
    int fd = -1;
    if (found) {
        rc = 0;
    } else if (!(line = malloc(len + 1))) {
        snprintf(err, JOURNAL_ERR_MAX, "out of memory");
    } else if ((fd = open(registry, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0600)) < 0) {
        snprintf(err, JOURNAL_ERR_MAX, "%.300s: %s", registry, strerror(errno));
    } else {
        struct stat st;
        char last = '\n';
        if (fstat(fd, &st) == 0 && st.st_size > 0 && pread(fd, &last, 1, st.st_size - 1) != 1)
            last = '\n';
        /* after a torn line, start a line of our own */
        int nl = last != '\n';
        snprintf(line, len + 1, "%s%s %s\n", nl ? "\n" : "", kind, abs);
        if (write_all(fd, line, strlen(line)) < 0 || fdatasync(fd) < 0)
            snprintf(err, JOURNAL_ERR_MAX, "%.300s: cannot write: %s", registry, strerror(errno));
        else
            rc = 0;
    }
    if (fd >= 0)
        close(fd);
    free(line);
    free(abs);
    return rc;
}
