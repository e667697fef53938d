/* bd_outtree.c — units for outtree.c: names from user input cannot leave
 * the output directory, a fresh tree appears whole, an update rewrites
 * only changed files, removes only what its manifest lists, refuses to
 * replace a file it did not write, keeps another environment's entries,
 * and --check lists missing, stale and extra files; entries come out
 * sorted and a path written twice is refused, whatever order they came in. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "arena.h"
#include "outtree.h"

static char dir[256];

static void add(OutTree *t, const char *path, const char *text)
{
    out_add(t, path, xstrdup(text), strlen(text));
}

static char *slurp(const char *rel)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", dir, rel);
    FILE *f = fopen(p, "r");
    if (!f)
        return NULL;
    static char buf[4096];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static void put(const char *rel, const char *text)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", dir, rel);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void unlink_rel(const char *rel)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", dir, rel);
    assert_int_equal(unlink(p), 0);
}

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "%s/bd_outtree.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(dir))
        return -1;
    rmdir(dir);     /* tests start from a directory that does not exist */
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static void test_sanitize(void **state)
{
    (void)state;
    static const char *const cases[][2] = {
        {"la-camden", "la-camden"}, {"LA_Camden", "la_camden"}, {"../etc", "---etc"},
        {"a/b", "a-b"}, {"..", "--"}, {".", "-"}, {"", "_"}, {"x y\n", "x-y-"},
        {"caf\xc3\xa9", "caf--"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char buf[64];
        out_sanitize(cases[i][0], buf, sizeof buf);
        assert_string_equal(buf, cases[i][1]);
    }
    char small[4];
    out_sanitize("abcdef", small, sizeof small);
    assert_string_equal(small, "abc");
}

static void test_path_ok(void **state)
{
    (void)state;
    assert_true(out_path_ok("prod/la/unit/terragrunt.hcl"));
    assert_true(out_path_ok("root.hcl"));
    assert_false(out_path_ok(""));
    assert_false(out_path_ok("/etc/passwd"));
    assert_false(out_path_ok("a/../b"));
    assert_false(out_path_ok("../b"));
    assert_false(out_path_ok("a/./b"));
    assert_false(out_path_ok("a//b"));
    assert_false(out_path_ok("a/"));
    assert_false(out_path_ok("a\\b"));
    assert_false(out_path_ok("a\nb"));
}

static void test_write_update_check(void **state)
{
    (void)state;
    OutTree t;
    OutStats st;
    out_init(&t);
    add(&t, "prod/a/x.hcl", "x1\n");
    add(&t, "prod/b/y.hcl", "y1\n");
    add(&t, "root.hcl", "r\n");
    assert_int_equal(out_write(&t, dir, &st, stderr), 0);
    assert_int_equal(st.written, 3);
    out_release(&t);
    assert_string_equal(slurp("prod/a/x.hcl"), "x1\n");
    assert_non_null(strstr(slurp(".sfdc-manifest"), "prod/b/y.hcl\n"));

    /* unchanged, changed, dropped, new; a user file beside them */
    put("prod/notes.txt", "mine\n");
    out_init(&t);
    add(&t, "prod/a/x.hcl", "x1\n");
    add(&t, "prod/a/z.hcl", "z1\n");
    add(&t, "root.hcl", "r2\n");
    FILE *devnull = fopen("/dev/null", "w");
    assert_int_equal(out_check(&t, dir, &st, devnull), 1);
    assert_int_equal(st.written, 2);        /* z missing, root stale */
    assert_int_equal(st.removed, 1);        /* y extra */
    assert_int_equal(out_write(&t, dir, &st, stderr), 0);
    assert_int_equal(st.written, 2);
    assert_int_equal(st.unchanged, 1);
    assert_int_equal(st.removed, 1);
    assert_null(slurp("prod/b/y.hcl"));
    struct stat sb;
    char p[512];
    snprintf(p, sizeof p, "%s/prod/b", dir);
    assert_int_not_equal(stat(p, &sb), 0);  /* its emptied directory went too */
    assert_string_equal(slurp("prod/notes.txt"), "mine\n");
    assert_int_equal(out_check(&t, dir, &st, devnull), 0);
    out_own(&t, "prod/");       /* prod/ is wholly ours: notes.txt is a stray */
    assert_int_equal(out_check(&t, dir, &st, devnull), 1);
    assert_int_equal(st.unknown, 1);
    out_release(&t);
    unlink_rel("prod/notes.txt");

    /* a file sfdc did not write is never replaced */
    put("prod/notes.txt", "mine\n");
    put("prod/c.hcl", "theirs\n");
    out_init(&t);
    add(&t, "prod/a/x.hcl", "x2\n");
    add(&t, "prod/c.hcl", "ours\n");
    assert_int_equal(out_write(&t, dir, &st, devnull), 1);
    assert_string_equal(slurp("prod/c.hcl"), "theirs\n");
    assert_string_equal(slurp("prod/a/x.hcl"), "x1\n");   /* nothing else moved */
    out_release(&t);

    /* another environment's entries are kept: not removed, still listed */
    out_init(&t);
    out_keep(&t, "prod/");
    add(&t, "stage/s.hcl", "s\n");
    assert_int_equal(out_write(&t, dir, &st, stderr), 0);
    assert_int_equal(st.removed, 1);        /* root.hcl only */
    assert_string_equal(slurp("prod/a/x.hcl"), "x1\n");
    assert_non_null(strstr(slurp(".sfdc-manifest"), "prod/a/z.hcl\n"));
    assert_null(strstr(slurp(".sfdc-manifest"), "root.hcl\n"));
    out_release(&t);
    fclose(devnull);
}

static void test_unsafe_and_duplicate_paths(void **state)
{
    (void)state;
    OutTree t;
    OutStats st;
    FILE *devnull = fopen("/dev/null", "w");
    out_init(&t);
    add(&t, "../escape.hcl", "x\n");
    assert_int_equal(out_write(&t, dir, &st, devnull), 1);
    out_release(&t);
    out_init(&t);
    add(&t, "a.hcl", "1\n");
    add(&t, "a.hcl", "2\n");
    assert_int_equal(out_write(&t, dir, &st, devnull), 1);
    out_release(&t);
    fclose(devnull);
    struct stat sb;
    assert_int_not_equal(stat(dir, &sb), 0);    /* nothing was created */
}

/* The manifest's paths in order, checked sorted and distinct; how many. */
static int manifest_sorted(void)
{
    char p[512];
    snprintf(p, sizeof p, "%s/.sfdc-manifest", dir);
    FILE *f = fopen(p, "r");
    assert_non_null(f);
    char line[256], prev[256] = "";
    int n = -1;     /* the header line */
    while (fgets(line, sizeof line, f)) {
        if (n >= 0)
            assert_true(strcmp(prev, line) < 0);
        strcpy(prev, line);
        n++;
    }
    fclose(f);
    return n;
}

/* Adds n paths d/NNNNN.hcl in the order order(i) gives, plus dup (a path
 * added twice, far apart) when dup >= 0; returns out_write's status. */
static int write_in_order(int n, int (*order)(int i, int n), int dup)
{
    OutTree t;
    OutStats st;
    FILE *devnull = fopen("/dev/null", "w");
    out_init(&t);
    for (int i = 0; i < n; i++) {
        char path[64];
        snprintf(path, sizeof path, "d/%05d.hcl", order(i, n));
        add(&t, path, "x\n");
        if (i == n / 2 && dup >= 0) {
            snprintf(path, sizeof path, "d/%05d.hcl", dup);
            add(&t, path, "y\n");
        }
    }
    int rc = out_write(&t, dir, &st, devnull);
    out_release(&t);
    fclose(devnull);
    if (rc == 0)
        assert_int_equal(st.written, n);
    return rc;
}

static int scattered(int i, int n) { return (int)(((long)i * 7919) % n); }   /* n prime to 7919 */
static int reversed(int i, int n) { return n - 1 - i; }
/* five runs, each ascending, the runs in reverse order (as environments
 * come), with a short backwards stretch inside each (an account's files) */
static int five_runs(int i, int n)
{
    int run = n / 5, r = i / run, k = i % run;
    if (k % 10 < 4)
        k = k - k % 10 + 3 - k % 10;
    return (4 - r) * run + k;
}

/* Entries are kept sorted as they arrive and merged at the end: any order
 * gives the sorted manifest, and a path added twice is refused, however
 * far apart the two are and however many runs the order makes. */
static void test_order_and_duplicates(void **state)
{
    (void)state;
    int (*orders[])(int, int) = {scattered, reversed, five_runs};
    for (size_t k = 0; k < sizeof orders / sizeof orders[0]; k++) {
        assert_int_equal(write_in_order(3000, orders[k], -1), 0);
        assert_int_equal(manifest_sorted(), 3000);
        assert_int_equal(write_in_order(3000, orders[k], orders[k](10, 3000)), 1);
        assert_int_equal(write_in_order(3000, orders[k], orders[k](2990, 3000)), 1);
        assert_int_equal(manifest_sorted(), 3000);  /* a refused run changes nothing */
        assert_int_equal(teardown(NULL), 0);
    }
}

/* A fresh tree's root is a normal directory: 0777 under the umask, not
 * mkdtemp's 0700. */
static void test_fresh_mode(void **state)
{
    (void)state;
    OutTree t;
    OutStats st;
    mode_t old = umask(027);
    out_init(&t);
    add(&t, "root.hcl", "r\n");
    int rc = out_write(&t, dir, &st, stderr);
    umask(old);
    out_release(&t);
    assert_int_equal(rc, 0);
    struct stat sb;
    assert_int_equal(stat(dir, &sb), 0);
    assert_int_equal(sb.st_mode & 07777, 0750);
}

/* --check lists what nobody wrote below an owned directory (a stray unit
 * directory once, files, symbolic links), in order, and skips hidden caches. */
static void test_check_unknown(void **state)
{
    (void)state;
    OutTree t;
    OutStats st;
    out_init(&t);
    add(&t, "stage/a/unit/terragrunt.hcl", "u\n");
    add(&t, "stage/a/account.hcl", "a\n");
    add(&t, "root.hcl", "r\n");
    assert_int_equal(out_write(&t, dir, &st, stderr), 0);
    out_own(&t, "stage/");
    assert_int_equal(out_check(&t, dir, &st, stderr), 0);
    char p[512], q[1024];
    snprintf(p, sizeof p, "%s/stage/a/stray", dir);
    assert_int_equal(mkdir(p, 0777), 0);
    put("stage/a/stray/terragrunt.hcl", "s\n");
    put("stage/a/unit/extra.tf", "e\n");
    snprintf(p, sizeof p, "%s/stage/a/unit/.terragrunt-cache", dir);
    assert_int_equal(mkdir(p, 0777), 0);
    snprintf(p, sizeof p, "%s/stage/a/link", dir);
    assert_int_equal(symlink("/", p), 0);
    put("top-level-notes.txt", "not in an owned directory\n");
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    assert_int_equal(out_check(&t, dir, &st, out), 1);
    fclose(out);
    assert_int_equal(st.unknown, 3);
    snprintf(q, sizeof q, "unknown %s/stage/a/link\nunknown %s/stage/a/stray/\nunknown %s/stage/a/unit/extra.tf\n",
             dir, dir, dir);
    assert_string_equal(text, q);
    free(text);
    out_release(&t);
}

/* An update that drops a unit never deletes through a symbolic link at any
 * component: the unit's directory of the old manifest, replaced by a link to
 * a directory outside the tree, keeps that directory's files. */
static void test_delete_never_follows_links(void **state)
{
    (void)state;
    OutTree t;
    OutStats st;
    out_init(&t);
    add(&t, "stage/a/unit/terragrunt.hcl", "u\n");
    add(&t, "stage/a/account.hcl", "a\n");
    assert_int_equal(out_write(&t, dir, &st, stderr), 0);
    out_release(&t);
    char outside[300], p[512], q[1024];
    snprintf(outside, sizeof outside, "%s.outside", dir);
    assert_int_equal(mkdir(outside, 0777), 0);
    snprintf(p, sizeof p, "%s/unit", outside);
    assert_int_equal(mkdir(p, 0777), 0);
    snprintf(q, sizeof q, "%s/unit/terragrunt.hcl", outside);
    FILE *f = fopen(q, "w");
    assert_non_null(f);
    fputs("not ours\n", f);
    fclose(f);
    snprintf(p, sizeof p, "%s/stage/a/unit/terragrunt.hcl", dir);
    assert_int_equal(unlink(p), 0);
    snprintf(p, sizeof p, "%s/stage/a/unit", dir);
    assert_int_equal(rmdir(p), 0);
    snprintf(p, sizeof p, "%s/stage/a", dir);   /* a link one level up */
    snprintf(q, sizeof q, "%s/stage/b", dir);
    assert_int_equal(rename(p, q), 0);
    assert_int_equal(symlink(outside, p), 0);
    out_init(&t);
    add(&t, "stage/b/account.hcl", "a\n");
    FILE *devnull = fopen("/dev/null", "w");
    out_write(&t, dir, &st, devnull);
    fclose(devnull);
    out_release(&t);
    snprintf(q, sizeof q, "%s/unit/terragrunt.hcl", outside);
    struct stat sb;
    assert_int_equal(stat(q, &sb), 0);      /* still there */
    snprintf(q, sizeof q, "rm -rf '%s'", outside);
    assert_int_equal(system(q), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sanitize),
        cmocka_unit_test(test_path_ok),
        cmocka_unit_test_setup_teardown(test_write_update_check, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unsafe_and_duplicate_paths, setup, teardown),
        cmocka_unit_test_setup_teardown(test_order_and_duplicates, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fresh_mode, setup, teardown),
        cmocka_unit_test_setup_teardown(test_check_unknown, setup, teardown),
        cmocka_unit_test_setup_teardown(test_delete_never_follows_links, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
