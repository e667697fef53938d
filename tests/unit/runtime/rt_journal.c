/* rt_journal.c — the journal: records survive a reopen (replay, last record
 * wins), a torn last line is ignored and compacted away, corruption before
 * the last line and a journal of another plan are refused, a second
 * opener is locked out, and compaction keeps exactly the latest state.
 * Retiring (what apply does to the destroy journal and destroy to the
 * apply journal) removes the file, and never while a run holds it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "journal.h"

#define SHA_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define SHA_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

/* A fresh temporary directory's journal path per test. */
static int setup(void **state)
{
    char *dir = strdup("/tmp/rt_journal.XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    char *path = malloc(strlen(dir) + 16);
    snprintf(path, strlen(dir) + 16, "%s/j.journal", dir);
    free(dir);
    *state = path;
    return 0;
}

static int teardown(void **state)
{
    char *path = *state, cmd[600];
    char *slash = strrchr(path, '/');
    *slash = '\0';
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", path);
    int rc = system(cmd);
    free(path);
    return rc == 0 ? 0 : -1;
}

static char *read_all(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = calloc(1, 1 << 16);
    size_t n = fread(buf, 1, (1 << 16) - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static void append_raw(const char *path, const char *text)
{
    FILE *f = fopen(path, "ab");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void replay_last_wins(void **state)
{
    const char *path = *state;
    char err[JOURNAL_ERR_MAX];
    Journal j;
    assert_int_equal(journal_open(&j, path, SHA_A, err), 0);
    assert_null(journal_get(&j, "x"));
    assert_int_equal(journal_append(&j, "x", JOURNAL_STARTED, NULL, NULL, err), 0);
    assert_int_equal(journal_append(&j, "y", JOURNAL_FAILED, "failed", "s3 Put: AccessDenied", err), 0);
    assert_int_equal(journal_append(&j, "x", JOURNAL_DONE, "changed", NULL, err), 0);
    journal_close(&j);
    assert_int_equal(journal_open(&j, path, SHA_A, err), 0);
    const JournalEntry *x = journal_get(&j, "x"), *y = journal_get(&j, "y");
    assert_non_null(x);
    assert_int_equal(x->state, JOURNAL_DONE);
    assert_string_equal(x->outcome, "changed");
    assert_int_equal(y->state, JOURNAL_FAILED);
    assert_string_equal(y->error, "s3 Put: AccessDenied");
    assert_int_equal(j.n_entries, 2);
    journal_close(&j);
}

static void torn_last_record(void **state)
{
    const char *path = *state;
    char err[JOURNAL_ERR_MAX];
    Journal j;
    assert_int_equal(journal_open(&j, path, SHA_A, err), 0);
    assert_int_equal(journal_append(&j, "a", JOURNAL_DONE, "changed", NULL, err), 0);
    assert_int_equal(journal_append(&j, "b", JOURNAL_STARTED, NULL, NULL, err), 0);
    journal_close(&j);
    /* a crash in the middle of writing b's "done" record */
    append_raw(path, "{\"step\":\"b\",\"state\":\"do");
    assert_int_equal(journal_read(&j, path, SHA_A, err), 0);
    assert_true(j.torn);
    assert_int_equal(journal_get(&j, "b")->state, JOURNAL_STARTED);
    journal_close(&j);
    /* opening for a run compacts: the torn tail is gone, state kept */
    assert_int_equal(journal_open(&j, path, SHA_A, err), 0);
    assert_false(j.torn);
    assert_int_equal(journal_get(&j, "a")->state, JOURNAL_DONE);
    assert_int_equal(journal_get(&j, "b")->state, JOURNAL_STARTED);
    assert_int_equal(journal_append(&j, "b", JOURNAL_DONE, "exists", NULL, err), 0);
    journal_close(&j);
    char *text = read_all(path);
    assert_null(strstr(text, "\"do{"));
    assert_non_null(strstr(text, "\"exists\""));
    free(text);
    assert_int_equal(journal_read(&j, path, SHA_A, err), 0);
    assert_int_equal(journal_get(&j, "b")->state, JOURNAL_DONE);
    journal_close(&j);
}

static void torn_record_with_newline(void **state)
{
    const char *path = *state;
    char err[JOURNAL_ERR_MAX];
    Journal j;
    assert_int_equal(journal_open(&j, path, SHA_A, err), 0);
    assert_int_equal(journal_append(&j, "a", JOURNAL_DONE, "changed", NULL, err), 0);
    journal_close(&j);
    append_raw(path, "{\"step\":\"a\",\"sta\n"); /* garbage last line */
    assert_int_equal(journal_read(&j, path, SHA_A, err), 0);
    assert_true(j.torn);
    assert_int_equal(journal_get(&j, "a")->state, JOURNAL_DONE);
    journal_close(&j);
}

static void corruption_refused(void **state)
{
    const char *path = *state;
    char err[JOURNAL_ERR_MAX];
    Journal j;
    assert_int_equal(journal_open(&j, path, SHA_A, err), 0);
    journal_close(&j);
    append_raw(path, "garbage\n{\"step\":\"a\",\"state\":\"done\"}\n");
    assert_int_equal(journal_open(&j, path, SHA_A, err), -1);
    assert_non_null(strstr(err, ":2: corrupt journal record"));
}

static void foreign_plan_refused(void **state)
{
    const char *path = *state;
    char err[JOURNAL_ERR_MAX];
    Journal j;
    assert_int_equal(journal_open(&j, path, SHA_A, err), 0);
    assert_int_equal(journal_append(&j, "a", JOURNAL_DONE, "changed", NULL, err), 0);
    journal_close(&j);
    assert_int_equal(journal_open(&j, path, SHA_B, err), -1);
    assert_non_null(strstr(err, "belongs to another plan"));
    assert_int_equal(journal_read(&j, path, SHA_B, err), -1);
    /* the file is untouched */
    assert_int_equal(journal_read(&j, path, SHA_A, err), 0);
    assert_int_equal(journal_get(&j, "a")->state, JOURNAL_DONE);
    journal_close(&j);
}

static void second_run_locked_out(void **state)
{
    const char *path = *state;
    char err[JOURNAL_ERR_MAX];
    Journal j;
    assert_int_equal(journal_open(&j, path, SHA_A, err), 0);
    /* POSIX record locks are per process: try from a child */
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        Journal k;
        char e2[JOURNAL_ERR_MAX];
        int rc = journal_open(&k, path, SHA_A, e2);
        _exit(rc == -1 && strstr(e2, "in use") ? 0 : 1);
    }
    int status;
    waitpid(pid, &status, 0);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    journal_close(&j);
}

static void retire_removes(void **state)
{
    const char *path = *state;
    char err[JOURNAL_ERR_MAX];
    Journal j;
    char lock[600];
    snprintf(lock, sizeof lock, "%s.lock", path);
    assert_int_equal(journal_retire(path, err), 0); /* none yet */
    assert_int_equal(access(lock, F_OK), -1);        /* and no lock file made */
    assert_int_equal(journal_open(&j, path, SHA_A, err), 0);
    assert_int_equal(journal_append(&j, "a", JOURNAL_DONE, "changed", NULL, err), 0);
    journal_close(&j);
    assert_int_equal(journal_retire(path, err), 1);
    assert_int_equal(access(path, F_OK), -1);
    /* the next run starts from nothing: every step is checked again */
    assert_int_equal(journal_open(&j, path, SHA_A, err), 0);
    assert_null(journal_get(&j, "a"));
    journal_close(&j);
}

/* The registry of journals kept elsewhere (--journal): each path once,
 * absolute, listed by kind; a torn last line is not a path. */
static void registry_lists_by_kind(void **state)
{
    const char *path = *state;
    char err[JOURNAL_ERR_MAX], reg[600], a[600], d[600], e[600], other[600], cwd[4096];
    size_t n = 0;
    Journal j;
    snprintf(reg, sizeof reg, "%s.journals", path);
    snprintf(a, sizeof a, "%s.a", path);
    snprintf(d, sizeof d, "%s.d", path);
    snprintf(e, sizeof e, "%s.e", path);
    snprintf(other, sizeof other, "%s.notajournal", path);
    assert_null(journal_registered(reg, "apply", &n));
    assert_int_equal(n, 0);
    const char *made[] = { a, d, e };
    for (int i = 0; i < 3; i++) {
        assert_int_equal(journal_open(&j, made[i], SHA_A, err), 0);
        journal_close(&j);
    }
    FILE *f = fopen(other, "w");
    fputs("precious\n", f);
    fclose(f);
    assert_int_equal(journal_register(reg, "apply", a, err), 0);
    assert_int_equal(journal_register(reg, "apply", a, err), 0);   /* once */
    assert_int_equal(journal_register(reg, "destroy", d, err), 0);
    assert_int_equal(journal_register(reg, "apply", other, err), 0);
    assert_int_equal(journal_register(reg, "apply", "bad\nname", err), -1);
    f = fopen(reg, "a");        /* a run killed inside its write */
    fputs("apply /tm", f);
    fclose(f);
    /* a relative path is recorded absolute, on a line of its own */
    assert_non_null(getcwd(cwd, sizeof cwd));
    assert_int_equal(chdir("/"), 0);
    assert_int_equal(journal_register(reg, "apply", e + 1, err), 0);
    assert_int_equal(chdir(cwd), 0);
    char *text = read_all(reg);
    char want[700];
    snprintf(want, sizeof want, "apply /tm\napply %s\n", e);
    assert_non_null(strstr(text, want));
    char *first = strstr(text, a);      /* a, registered twice, is written once */
    assert_non_null(first);
    assert_null(strstr(first + 1, a));
    free(text);
    /* listed: journals only (not the torn line, not the other file) */
    char **l = journal_registered(reg, "apply", &n);
    assert_int_equal(n, 2);
    assert_string_equal(l[0], a);
    assert_string_equal(l[1], e);
    for (size_t i = 0; i < n; i++)
        free(l[i]);
    free(l);
    l = journal_registered(reg, "destroy", &n);
    assert_int_equal(n, 1);
    assert_string_equal(l[0], d);
    free(l[0]);
    free(l);
}

static void retire_refused_while_running(void **state)
{
    const char *path = *state;
    char err[JOURNAL_ERR_MAX];
    Journal j;
    assert_int_equal(journal_open(&j, path, SHA_A, err), 0);
    pid_t pid = fork(); /* record locks are per process */
    assert_true(pid >= 0);
    if (pid == 0) {
        char e2[JOURNAL_ERR_MAX];
        int rc = journal_retire(path, e2);
        _exit(rc == -1 && strstr(e2, "in use") && access(path, F_OK) == 0 ? 0 : 1);
    }
    int status;
    waitpid(pid, &status, 0);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    journal_close(&j);
}

static void compaction_keeps_latest(void **state)
{
    const char *path = *state;
    char err[JOURNAL_ERR_MAX], id[16];
    Journal j;
    assert_int_equal(journal_open(&j, path, SHA_A, err), 0);
    for (int r = 0; r < 30; r++)
        for (int i = 0; i < 5; i++) {
            snprintf(id, sizeof id, "s%d", i);
            assert_int_equal(journal_append(&j, id, r % 2 ? JOURNAL_DONE : JOURNAL_STARTED,
                                            NULL, NULL, err), 0);
        }
    journal_close(&j);
    /* 150 records for 5 steps: the next open rewrites the file */
    assert_int_equal(journal_open(&j, path, SHA_A, err), 0);
    assert_int_equal(j.n_records, 5);
    journal_close(&j);
    char *text = read_all(path);
    int lines = 0;
    for (char *p = text; *p; p++)
        lines += *p == '\n';
    assert_int_equal(lines, 6); /* header + one per step */
    free(text);
    assert_int_equal(journal_read(&j, path, SHA_A, err), 0);
    for (int i = 0; i < 5; i++) {
        snprintf(id, sizeof id, "s%d", i);
        assert_int_equal(journal_get(&j, id)->state, JOURNAL_DONE);
    }
    journal_close(&j);
}

/* A symlink planted at PATH.tmp must not be followed: the victim keeps its
 * bytes, the link is gone, and the journal is a real file again. Runs for a
 * new journal and for the compaction of a torn one. */
static void planted_tmp_symlink_not_followed(void **state)
{
    const char *path = *state;
    char err[JOURNAL_ERR_MAX], tmp[600], victim[600];
    Journal j;
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    snprintf(victim, sizeof victim, "%s.victim", path);
    append_raw(victim, "precious\n");
    assert_int_equal(symlink(victim, tmp), 0);
    assert_int_equal(journal_open(&j, path, SHA_A, err), 0);
    assert_int_equal(journal_append(&j, "x", JOURNAL_DONE, "changed", NULL, err), 0);
    journal_close(&j);
    char *v = read_all(victim);
    assert_string_equal(v, "precious\n");
    free(v);
    struct stat st;
    assert_int_equal(lstat(path, &st), 0);
    assert_true(S_ISREG(st.st_mode));
    assert_int_not_equal(lstat(tmp, &st), 0);
    /* a torn journal is compacted on open: plant the link again */
    append_raw(path, "{\"step\":\"y\",\"sta");
    assert_int_equal(symlink(victim, tmp), 0);
    assert_int_equal(journal_open(&j, path, SHA_A, err), 0);
    assert_non_null(journal_get(&j, "x"));
    journal_close(&j);
    v = read_all(victim);
    assert_string_equal(v, "precious\n");
    free(v);
    assert_int_equal(lstat(path, &st), 0);
    assert_true(S_ISREG(st.st_mode));
}

static void missing_file_reads_empty(void **state)
{
    const char *path = *state;
    char err[JOURNAL_ERR_MAX];
    Journal j;
    assert_int_equal(journal_read(&j, path, SHA_A, err), 0);
    assert_int_equal(j.n_entries, 0);
    journal_close(&j);
    assert_int_equal(access(path, F_OK), -1); /* reading creates nothing */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(replay_last_wins, setup, teardown),
        cmocka_unit_test_setup_teardown(torn_last_record, setup, teardown),
        cmocka_unit_test_setup_teardown(torn_record_with_newline, setup, teardown),
        cmocka_unit_test_setup_teardown(corruption_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(foreign_plan_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(second_run_locked_out, setup, teardown),
        cmocka_unit_test_setup_teardown(compaction_keeps_latest, setup, teardown),
        cmocka_unit_test_setup_teardown(retire_removes, setup, teardown),
        cmocka_unit_test_setup_teardown(retire_refused_while_running, setup, teardown),
        cmocka_unit_test_setup_teardown(registry_lists_by_kind, setup, teardown),
        cmocka_unit_test_setup_teardown(missing_file_reads_empty, setup, teardown),
        cmocka_unit_test_setup_teardown(planted_tmp_symlink_not_followed, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
