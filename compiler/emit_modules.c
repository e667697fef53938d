/* emit_modules.c — sfdc's Terraform modules (stdlib/modules) copied into
 * the output tree as modules/, so the tree is self-contained: both targets
 * source them by relative path. Each .tf file gets a header line naming
 * where it came from; hidden entries (someone's .terraform/) are skipped. */
#include "emit_modules.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "hcl.h"
#include "banned.h"

/* The copy in progress. */
typedef struct Copy {
    const char *from;       /* stdlib/modules on disk */
    OutTree *t;             /* where the files go */
    DiagEngine *dg;         /* where read errors go; NULL: err */
    FILE *err;
    Arena a;                /* paths */
} Copy;

/* E0001 for a module file that cannot be read: no source span, but a code
 * and the --diag-format of the run (through c->dg when there is one). */
static void io_error(Copy *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void io_error(Copy *c, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (!c->dg) {
        fprintf(c->err, "sfdc: build: %s\n", msg);
        return;
    }
    Diag *d = diag_new(c->dg, DIAG_ERROR, "E0001", NULL, (Span){0, 0}, "%s", msg);
    diag_help(c->dg, d, "sfdc copies stdlib/modules into the tree: check the installation, or "
                           "point --stdlib at a complete standard library");
    diag_emit(c->dg, d);
}

static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    HclBuf b = {0};
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        hcl_buf_put(&b, chunk, n);
    bool bad = ferror(f);
    fclose(f);
    if (bad) {
        hcl_buf_release(&b);
        return NULL;
    }
    return hcl_buf_take(&b, len);
}

/* Copies srcdir/rel (a directory) to modules/rel, sorted, skipping hidden
 * entries (.terraform/ of someone's local run). Every .tf file gets a
 * header line saying where it came from. */
static bool copy_dir(Copy *c, const char *rel)
{
    char *dir = rel[0] ? arena_printf(&c->a, "%s/%s", c->from, rel)
                       : (char *)c->from;
    struct dirent **names;
    int n = scandir(dir, &names, NULL, alphasort);
    if (n < 0) {
        io_error(c, "cannot read the modules in `%s`: %s", dir, strerror(errno));
        return false;
    }
    bool ok = true;
    for (int i = 0; i < n; i++) {
        const char *name = names[i]->d_name;
        if (name[0] == '.' || !ok)
            continue;
        const char *r = rel[0] ? arena_printf(&c->a, "%s/%s", rel, name) : name;
        const char *path = arena_printf(&c->a, "%s/%s", c->from, r);
        struct stat st;
        if (stat(path, &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode)) {
            ok = copy_dir(c, r);
            continue;
        }
        size_t len;
        char *data = read_all(path, &len);
        if (!data) {
            io_error(c, "cannot read `%s`: %s", path, strerror(errno));
            ok = false;
            continue;
        }
        size_t nl = strlen(name);
        if (nl > 3 && strcmp(name + nl - 3, ".tf") == 0) {
            HclBuf b = {0};
            hcl_buf_printf(&b, "# Copied by sfdc %s from stdlib/modules/%s \xe2\x80\x94 do not edit.\n\n",
                           SFDC_VERSION, r);
            hcl_buf_put(&b, data, len);
            free(data);
            data = hcl_buf_take(&b, &len);
        }
        out_add(c->t, arena_printf(&c->a, "modules/%s", r), data, len);
    }
    for (int i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return ok;
}

bool emit_modules_copy(const char *from, OutTree *t, DiagEngine *dg, FILE *err)
{
    Copy c = {.from = from, .t = t, .dg = dg, .err = err};
    arena_init(&c.a);
    bool ok = copy_dir(&c, "");
    arena_release(&c.a);
    return ok;
}
