/* rl_schedule.c — units for schedule.c: the grammar and its error offsets,
 * weekly on-hours and stretches worked out by hand (Sunday wrap-around,
 * day lists, 24:00), the BRIEF's two schedule mistakes (a Friday window
 * running 54 hours; UTC mixed with Europe/London), zone lookup against the
 * tz database (and a fake one under $TZDIR), and AWS cron derivation. */
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

#include "schedule.h"

static Schedule sch;
static SchedError err;

static bool parse(const char *s)
{
    return sched_parse(s, strlen(s), &sch, &err);
}

/* Parses s, which must succeed. */
#define ok(s)                                                   \
    do {                                                        \
        if (!parse(s))                                          \
            fail_msg("`%s`: %s (at %zu)", (s), err.msg, err.off); \
    } while (0)

/* Parses s, which must fail with kind k at [off, off+len). */
#define bad(s, k, o, l)                                          \
    do {                                                         \
        assert_false(parse(s));                                  \
        assert_int_equal(err.kind, (k));                         \
        assert_int_equal(err.off, (o));                          \
        assert_int_equal(err.len, (l));                          \
    } while (0)

#define has(hay, needle) assert_non_null(strstr((hay), (needle)))

static SchedAction act[64];

static int actions(void)
{
    int n = sched_actions(&sch, act, 64);
    assert_true(n >= 0);
    return n;
}

/* ---- the examples of the brief ------------------------------------------- */

static void test_weeknights(void **state)
{
    (void)state;
    ok("Mon-Fri 23:00-05:00 Europe/London");
    assert_string_equal(sch.zone, "Europe/London");
    assert_int_equal(sch.nwin, 1);
    assert_int_equal(sch.win[0].days, 0x1F);
    assert_int_equal(sch.win[0].start, 23 * 60);
    assert_int_equal(sch.win[0].length, 6 * 60);
    assert_false(sch.win[0].end_day);
    assert_int_equal(sched_weekly_minutes(&sch), 30 * 60);
    /* Mon 23:00 = 1380 .. Tue 05:00 = 1740; Fri 23:00 = 7140 .. Sat 05:00 = 7500 */
    assert_int_equal(sch.niv, 5);
    assert_int_equal(sch.iv[0].start, 1380);
    assert_int_equal(sch.iv[0].end, 1740);
    assert_int_equal(sch.iv[4].start, 7140);
    assert_int_equal(sch.iv[4].end, 7500);
    SchedStretch st;
    assert_true(sched_longest(&sch, &st));
    assert_int_equal(st.start, 1380);
    assert_int_equal(st.length, 360);
    assert_int_equal(st.window, 0);
    assert_int_equal(st.nwindows, 1);
    assert_true(sched_check_closes(&sch, &err));
    assert_int_equal(err.kind, SCHED_OK);
    assert_int_equal(actions(), 2);
    assert_true(act[0].up);
    assert_string_equal(act[0].cron, "cron(0 23 ? * MON-FRI *)");
    assert_int_equal(act[0].days, 0x1F);
    assert_int_equal(act[0].minute, 1380);
    assert_false(act[1].up);
    assert_string_equal(act[1].cron, "cron(0 5 ? * TUE-SAT *)");
    assert_int_equal(act[1].days, 0x3E);
}

static void test_saturday(void **state)
{
    (void)state;
    ok("Sat 09:00-17:00 UTC");
    assert_string_equal(sch.zone, "UTC");
    assert_int_equal(sched_weekly_minutes(&sch), 480);
    assert_int_equal(sch.iv[0].start, 5 * 1440 + 540);
    assert_int_equal(actions(), 2);
    assert_string_equal(act[0].cron, "cron(0 9 ? * SAT *)");
    assert_string_equal(act[1].cron, "cron(0 17 ? * SAT *)");
}

static void test_day_list(void **state)
{
    (void)state;
    ok("Mon,Wed,Fri 06:00-08:00 Europe/London");
    assert_int_equal(sch.win[0].days, 0x15);
    assert_int_equal(sched_weekly_minutes(&sch), 360);
    assert_int_equal(sch.niv, 3);
    assert_int_equal(actions(), 2);
    assert_string_equal(act[0].cron, "cron(0 6 ? * MON,WED,FRI *)");
    assert_string_equal(act[1].cron, "cron(0 8 ? * MON,WED,FRI *)");
    ok("Mon, Wed,Fri 06:30-08:15 UTC");   /* blanks after commas */
    assert_int_equal(actions(), 2);
    assert_string_equal(act[0].cron, "cron(30 6 ? * MON,WED,FRI *)");
    assert_string_equal(act[1].cron, "cron(15 8 ? * MON,WED,FRI *)");
}

static void test_daily_overnight(void **state)
{
    (void)state;
    ok("daily 22:00-06:00 UTC");
    assert_int_equal(sch.win[0].days, 0x7F);
    assert_int_equal(sched_weekly_minutes(&sch), 7 * 8 * 60);
    /* Sunday 22:00 wraps to Monday 06:00: [0,360) and [10080-120,10080) */
    assert_int_equal(sch.iv[0].start, 0);
    assert_int_equal(sch.iv[0].end, 360);
    assert_int_equal(sch.iv[sch.niv - 1].start, SCHED_WEEK - 120);
    assert_int_equal(sch.iv[sch.niv - 1].end, SCHED_WEEK);
    SchedStretch st[16];
    assert_int_equal(sched_stretches(&sch, st, 16), 7);
    for (int k = 0; k < 7; k++)
        assert_int_equal(st[k].length, 480);
    assert_int_equal(st[6].start, SCHED_WEEK - 120);   /* the wrapped one is last */
    assert_true(sched_check_closes(&sch, &err));
    assert_int_equal(actions(), 2);
    assert_string_equal(act[0].cron, "cron(0 22 ? * * *)");
    assert_string_equal(act[1].cron, "cron(0 6 ? * * *)");
}

static void test_sunday_wrap(void **state)
{
    (void)state;
    ok("Sun 23:00-01:00 UTC");
    assert_int_equal(sched_weekly_minutes(&sch), 120);
    assert_int_equal(sch.niv, 2);
    SchedStretch st[4];
    assert_int_equal(sched_stretches(&sch, st, 4), 1);
    assert_int_equal(st[0].start, SCHED_WEEK - 60);
    assert_int_equal(st[0].length, 120);
    assert_int_equal(st[0].window, 0);
    assert_int_equal(actions(), 2);
    assert_string_equal(act[0].cron, "cron(0 23 ? * SUN *)");
    assert_string_equal(act[1].cron, "cron(0 1 ? * MON *)");
    assert_int_equal(act[1].days, 0x01);
}

static void test_weekends_and_wrapping_range(void **state)
{
    (void)state;
    ok("weekends 10:00-16:00 UTC");
    assert_int_equal(sch.win[0].days, 0x60);
    assert_int_equal(actions(), 2);
    assert_string_equal(act[0].cron, "cron(0 10 ? * SUN,SAT *)");
    ok("weekdays 09:00-17:00 UTC");
    assert_int_equal(sch.win[0].days, 0x1F);
    assert_int_equal(sched_weekly_minutes(&sch), 40 * 60);
    ok("Fri-Mon 20:00-22:00 UTC");   /* Fri, Sat, Sun, Mon */
    assert_int_equal(sch.win[0].days, 0x71);
    assert_int_equal(sched_weekly_minutes(&sch), 4 * 120);
    assert_int_equal(actions(), 2);
    assert_string_equal(act[0].cron, "cron(0 20 ? * SUN,MON,FRI,SAT *)");
    ok("Thu-Tue 20:00-22:00 UTC");
    assert_int_equal(sch.win[0].days, 0x7B);
    assert_int_equal(actions(), 2);
    assert_string_equal(act[0].cron, "cron(0 20 ? * SUN-TUE,THU-SAT *)");
}

static void test_midnight_end(void **state)
{
    (void)state;
    ok("Mon-Fri 18:00-24:00 UTC");
    assert_int_equal(sch.win[0].length, 360);
    assert_int_equal(sched_weekly_minutes(&sch), 30 * 60);
    assert_int_equal(actions(), 2);
    assert_string_equal(act[0].cron, "cron(0 18 ? * MON-FRI *)");
    assert_string_equal(act[1].cron, "cron(0 0 ? * TUE-SAT *)");
    ok("Sun 00:00-24:00 UTC");
    assert_int_equal(sched_weekly_minutes(&sch), 1440);
    assert_true(sched_check_closes(&sch, &err));   /* exactly 24 h closes */
    assert_int_equal(actions(), 2);
    assert_string_equal(act[0].cron, "cron(0 0 ? * SUN *)");
    assert_string_equal(act[1].cron, "cron(0 0 ? * MON *)");
}

static void test_merge_overlapping_windows(void **state)
{
    (void)state;
    ok("Mon-Fri 09:00-12:00; Mon-Fri 12:00-17:00 UTC");
    assert_int_equal(sch.nwin, 2);
    assert_int_equal(sched_weekly_minutes(&sch), 40 * 60);
    assert_int_equal(sch.niv, 5);
    SchedStretch st;
    assert_true(sched_longest(&sch, &st));
    assert_int_equal(st.nwindows, 2);
    assert_int_equal(st.window, 0);
    assert_int_equal(st.other, 1);
    /* one switch-on and one switch-off a day, not a down and up at noon */
    assert_int_equal(actions(), 2);
    assert_string_equal(act[0].cron, "cron(0 9 ? * MON-FRI *)");
    assert_string_equal(act[1].cron, "cron(0 17 ? * MON-FRI *)");
    ok("Mon 09:00-17:00; Mon 10:00-11:00 UTC");   /* inside another */
    assert_int_equal(sched_weekly_minutes(&sch), 480);
}

static void test_several_times(void **state)
{
    (void)state;
    ok("Mon-Fri 23:00-05:00; Sat,Sun 10:00-14:00 Europe/London");
    assert_string_equal(sch.zone, "Europe/London");
    assert_int_equal(sch.win[0].zone_len, 0);   /* inherited */
    assert_int_equal(sched_weekly_minutes(&sch), 30 * 60 + 8 * 60);
    assert_int_equal(actions(), 4);
    assert_true(act[0].up && act[1].up && !act[2].up && !act[3].up);
    assert_string_equal(act[0].cron, "cron(0 10 ? * SUN,SAT *)");
    assert_string_equal(act[1].cron, "cron(0 23 ? * MON-FRI *)");
    assert_string_equal(act[2].cron, "cron(0 5 ? * TUE-SAT *)");
    assert_string_equal(act[3].cron, "cron(0 14 ? * SUN,SAT *)");
    assert_int_equal(sched_actions(&sch, act, 3), -1);   /* cap too small */
}

static void test_explicit_end_day(void **state)
{
    (void)state;
    ok("Fri 23:00-Sat 05:00 UTC");
    assert_true(sch.win[0].end_day);
    assert_int_equal(sch.win[0].length, 360);
    assert_true(sched_check_closes(&sch, &err));
    ok("Sat 22:00-Sun 02:00 UTC");
    assert_int_equal(actions(), 2);
    assert_string_equal(act[1].cron, "cron(0 2 ? * SUN *)");
    ok("Sun 22:00-Mon 02:00 UTC");
    assert_int_equal(sched_weekly_minutes(&sch), 240);
    assert_string_equal((actions(), act[1].cron), "cron(0 2 ? * MON *)");
    ok("Mon 09:00-Mon 08:00 UTC");   /* the same day, earlier: a week less an hour */
    assert_int_equal(sch.win[0].length, SCHED_WEEK - 60);
    assert_false(sched_check_closes(&sch, &err));
    ok("Mon 09:00-Mon 17:00 UTC");   /* the same day, later: that day */
    assert_int_equal(sch.win[0].length, 480);
}

/* Every single window of every start day and a grid of times: on-minutes,
 * the switch-off day and cron fields, computed the long way. */
static void test_exhaustive_single_windows(void **state)
{
    (void)state;
    static const char *const day[7] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
    static const char *const aws[7] = {"MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"};
    int checked = 0;
    for (int d = 0; d < 7; d++) {
        for (int a = 0; a < 1440; a += 150) {
            for (int b = 30; b <= 1440; b += 170) {
                if (a == b)
                    continue;
                char text[64], up[64], down[64];
                snprintf(text, sizeof text, "%s %02d:%02d-%02d:%02d UTC", day[d], a / 60, a % 60,
                         b / 60, b % 60);
                ok(text);
                int len = b > a ? b - a : 1440 - a + b;
                int off_day = (d + (b > a && b < 1440 ? 0 : 1)) % 7;
                assert_int_equal(sched_weekly_minutes(&sch), len);
                assert_int_equal(actions(), 2);
                snprintf(up, sizeof up, "cron(%d %d ? * %s *)", a % 60, a / 60, aws[d]);
                snprintf(down, sizeof down, "cron(%d %d ? * %s *)", b % 1440 % 60, b % 1440 / 60,
                         aws[off_day]);
                assert_string_equal(act[0].cron, up);
                assert_string_equal(act[1].cron, down);
                assert_true(sched_check_closes(&sch, &err));
                checked++;
            }
        }
    }
    assert_true(checked > 500);
}

static void test_blanks_and_case(void **state)
{
    (void)state;
    ok("  mon-FRI 23:00 - 05:00   Europe/London ;  sat 09:00-10:00\tEurope/London  ");
    assert_int_equal(sch.nwin, 2);
    assert_int_equal(sch.win[0].days, 0x1F);
    assert_int_equal(sch.win[1].days, 0x20);
    assert_int_equal(sch.win[0].off, 2);
    assert_int_equal(sch.win[0].zone_off, 26);
    assert_int_equal(sch.win[0].zone_len, 13);
    ok("DAILY 01:00-02:00 UTC");
    assert_int_equal(sch.win[0].days, 0x7F);
}

/* ---- E0651: does not close when meant ------------------------------------- */

static void test_friday_54_hours(void **state)
{
    (void)state;
    const char *s = "Fri 23:00-Mon 05:00 Europe/London";
    ok(s);
    assert_int_equal(sch.win[0].length, 54 * 60);
    assert_int_equal(sched_weekly_minutes(&sch), 54 * 60);
    assert_false(sched_check_closes(&sch, &err));
    assert_int_equal(err.kind, SCHED_ERR_UNCLOSED);
    assert_string_equal(sched_err_code(err.kind), "E0651");
    assert_string_equal(err.msg, "window stays on for 54 h, from Fri 23:00 to Mon 05:00");
    assert_int_equal(err.off, 0);
    assert_int_equal(err.len, strlen("Fri 23:00-Mon 05:00"));
    assert_int_equal(err.len2, 0);
    has(err.help, "`Fri 23:00-05:00`");
    has(err.help, "@allow(E0651");
    /* the fix the help proposes is accepted */
    ok("Fri 23:00-05:00 Europe/London");
    assert_true(sched_check_closes(&sch, &err));
}

static void test_friday_54_hours_in_a_list(void **state)
{
    (void)state;
    /* weeknights, and a Friday window that was meant to stop on Saturday */
    const char *s = "Mon-Thu 23:00-05:00; Fri 23:00-Mon 05:00 Europe/London";
    ok(s);
    assert_false(sched_check_closes(&sch, &err));
    has(err.msg, "54 h");
    /* Mon 05:00 is where the Monday-night window ends too: no join */
    assert_int_equal(err.off, strlen("Mon-Thu 23:00-05:00; "));
    assert_int_equal(err.len, strlen("Fri 23:00-Mon 05:00"));
}

static void test_windows_join(void **state)
{
    (void)state;
    const char *s = "Mon 18:00-24:00; Tue 00:00-20:00 UTC";
    ok(s);
    assert_false(sched_check_closes(&sch, &err));
    assert_string_equal(err.msg, "windows join into one stretch of 26 h, from Mon 18:00 to Tue 20:00");
    assert_int_equal(err.off, 0);
    assert_int_equal(err.len, strlen("Mon 18:00-24:00"));
    assert_int_equal(err.off2, strlen("Mon 18:00-24:00; "));
    assert_int_equal(err.len2, strlen("Tue 00:00-20:00"));
    assert_string_equal(err.label2, "joins this window");
    ok("Mon 20:00-24:00; Tue 00:00-20:00 UTC");   /* exactly 24 h */
    assert_true(sched_check_closes(&sch, &err));
    ok("Sat 00:00-24:00; Sun 00:00-24:00 UTC");
    assert_false(sched_check_closes(&sch, &err));
    has(err.msg, "48 h, from Sat 00:00 to Mon 00:00");
    ok("Sun 12:00-24:00; Mon 00:00-12:30 UTC");   /* across the week's end */
    assert_false(sched_check_closes(&sch, &err));
    assert_string_equal(err.msg, "windows join into one stretch of 24 h 30 min, from Sun 12:00 to Mon 12:30");
    assert_int_equal(err.off, 0);
    assert_int_equal(err.off2, strlen("Sun 12:00-24:00; "));
    SchedStretch st;
    assert_true(sched_longest(&sch, &st));
    assert_int_equal(st.start, 6 * 1440 + 720);
    assert_int_equal(st.length, 1470);
}

static void test_never_off(void **state)
{
    (void)state;
    ok("daily 00:00-24:00 UTC");
    assert_int_equal(sched_weekly_minutes(&sch), SCHED_WEEK);
    SchedStretch st[2];
    assert_int_equal(sched_stretches(&sch, st, 2), 1);
    assert_int_equal(st[0].length, SCHED_WEEK);
    assert_int_equal(actions(), 0);
    assert_false(sched_check_closes(&sch, &err));
    has(err.msg, "never switches off");
    ok("Mon-Fri 09:00-17:00; daily 17:00-09:00; weekends 09:00-17:00 UTC");
    assert_int_equal(sched_weekly_minutes(&sch), SCHED_WEEK);
    assert_int_equal(actions(), 0);
}

/* ---- zones ---------------------------------------------------------------- */

static void test_mixed_zones(void **state)
{
    (void)state;
    const char *s = "Mon-Fri 23:00-05:00 Europe/London; Sat 09:00-17:00 UTC";
    assert_false(parse(s));
    assert_int_equal(err.kind, SCHED_ERR_MIXED_ZONE);
    assert_string_equal(sched_err_code(err.kind), "E0652");
    assert_int_equal(err.off, strlen(s) - 3);
    assert_int_equal(err.len, 3);
    assert_int_equal(err.off2, strlen("Mon-Fri 23:00-05:00 "));
    assert_int_equal(err.len2, strlen("Europe/London"));
    assert_string_equal(err.msg, "schedule mixes time zones `Europe/London` and `UTC`");
    has(err.label2, "Europe/London");
    has(err.help, "one zone");
    /* aliases are one zone */
    ok("Mon 09:00-10:00 GB; Tue 09:00-10:00 Europe/London");
    ok("Mon 09:00-10:00 Etc/UTC; Tue 09:00-10:00 UTC");
    ok("Mon 09:00-10:00 Europe/London; Tue 09:00-10:00 Europe/London");
}

static void test_zone_equal(void **state)
{
    (void)state;
    assert_true(sched_zone_equal("Europe/London", "Europe/London"));
    assert_true(sched_zone_equal("GB", "Europe/London"));
    assert_true(sched_zone_equal("UTC", "Etc/UTC"));
    assert_true(sched_zone_equal("Zulu", "UTC"));
    assert_true(sched_zone_equal("Etc/GMT", "UTC"));
    assert_false(sched_zone_equal("UTC", "Europe/London"));
    assert_false(sched_zone_equal("Europe/London", "Europe/Dublin"));
    assert_false(sched_zone_equal("Europe/Londn", "Europe/London"));
    assert_false(sched_zone_equal("../x", "../x/"));
    assert_true(sched_zone_equal("Nope/Nope", "Nope/Nope"));   /* same text: validity is E0653's job */
}

static void test_zone_errors(void **state)
{
    (void)state;
    const char *s = "Mon 09:00-17:00 Europe/Londn";
    bad(s, SCHED_ERR_ZONE, 16, 12);
    assert_string_equal(sched_err_code(err.kind), "E0653");
    assert_string_equal(err.msg, "unknown time zone `Europe/Londn`");
    assert_string_equal(err.help, "did you mean `Europe/London`?");
    bad("Mon 09:00-17:00 europe/london", SCHED_ERR_ZONE, 16, 13);
    assert_string_equal(err.help, "did you mean `Europe/London`?");
    bad("Mon 09:00-17:00 BST", SCHED_ERR_ZONE, 16, 3);
    has(err.help, "abbreviations are not zones");
    bad("Mon 09:00-17:00 ../../etc/passwd", SCHED_ERR_ZONE, 16, 16);
    has(err.msg, "is not a time zone name");
    bad("Mon 09:00-17:00 /etc/localtime", SCHED_ERR_ZONE, 16, 14);
    bad("Mon 09:00-17:00 Europe", SCHED_ERR_ZONE, 16, 6);   /* a directory */
    bad("Mon 09:00-17:00 Europe/", SCHED_ERR_ZONE, 16, 7);
    bad("Mon 09:00-17:00 Mars/Olympus_Mons", SCHED_ERR_ZONE, 16, 17);
    has(err.help, "IANA");
    bad("Mon 09:00-17:00", SCHED_ERR_ZONE, 0, 15);
    assert_string_equal(err.msg, "schedule has no time zone");
    bad("Mon 09:00-17:00 Europe/London; Tue 09:00-10:00", SCHED_ERR_ZONE, 31, 15);
    /* the first zone is checked even when the last one is fine */
    bad("Mon 09:00-17:00 Europe/Lndon; Tue 09:00-10:00 Europe/London", SCHED_ERR_ZONE, 16, 12);
}

static void test_zone_valid_direct(void **state)
{
    (void)state;
    assert_true(sched_zone_valid("UTC", 3, &err));
    assert_true(sched_zone_valid("Europe/London", 13, &err));
    assert_true(sched_zone_valid("America/Argentina/Buenos_Aires", 30, &err));
    assert_true(sched_zone_valid("Etc/GMT+1", 9, &err));
    assert_true(sched_zone_valid("Europe/London;junk", 13, &err));   /* only len bytes */
    assert_false(sched_zone_valid("", 0, &err));
    assert_string_equal(err.msg, "missing time zone");
    assert_false(sched_zone_valid("utc", 3, &err));
    assert_false(sched_zone_valid("Europe/London\0x", 15, &err));
    char big[80];
    memset(big, 'A', sizeof big);
    assert_false(sched_zone_valid(big, sizeof big, &err));
    has(err.msg, "too long");
    /* positive answers are cached: ask many times */
    for (int k = 0; k < 1000; k++)
        assert_true(sched_zone_valid("Europe/London", 13, &err));
}

static char *saved_tzdir;   /* $TZDIR when the tests started, or NULL */

/* Puts $TZDIR back even when test_tzdir fails half-way. */
static int restore_tzdir(void **state)
{
    (void)state;
    if (saved_tzdir)
        setenv("TZDIR", saved_tzdir, 1);
    else
        unsetenv("TZDIR");
    return 0;
}

/* A tz database of our own under $TZDIR: TZif files count, others do not. */
static void test_tzdir(void **state)
{
    (void)state;
    char dir[] = "/tmp/rl_schedXXXXXX", path[256];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/Test", dir);
    assert_int_equal(mkdir(path, 0700), 0);
    snprintf(path, sizeof path, "%s/Test/Zone", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("TZif2 fake", f);
    fclose(f);
    snprintf(path, sizeof path, "%s/Test/Bad", dir);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs("not a zone", f);
    fclose(f);
    setenv("TZDIR", dir, 1);
    assert_true(sched_zone_valid("Test/Zone", 9, &err));
    assert_false(sched_zone_valid("Test/Bad", 8, &err));
    assert_false(sched_zone_valid("Europe/London", 13, &err));   /* not in this database */
    assert_true(sched_zone_valid("UTC", 3, &err));               /* always */
    assert_false(sched_zone_valid("Test/Zonne", 10, &err));
    assert_string_equal(err.help, "did you mean `Test/Zone`?");
    ok("Mon 09:00-10:00 Test/Zone");
    restore_tzdir(NULL);
    assert_true(sched_zone_valid("Europe/London", 13, &err));
    snprintf(path, sizeof path, "%s/Test/Zone", dir);
    unlink(path);
    snprintf(path, sizeof path, "%s/Test/Bad", dir);
    unlink(path);
    snprintf(path, sizeof path, "%s/Test", dir);
    rmdir(path);
    rmdir(dir);
}

/* ---- syntax errors and their offsets (E0406) ------------------------------- */

static void test_syntax_days(void **state)
{
    (void)state;
    bad("", SCHED_ERR_SYNTAX, 0, 0);
    assert_string_equal(err.msg, "empty schedule");
    assert_string_equal(sched_err_code(err.kind), "E0406");
    bad("   ", SCHED_ERR_SYNTAX, 0, 3);
    bad("Mon-Fry 09:00-17:00 UTC", SCHED_ERR_SYNTAX, 4, 3);
    assert_string_equal(err.msg, "unknown day `Fry`");
    bad("Monday 09:00-17:00 UTC", SCHED_ERR_SYNTAX, 0, 6);
    assert_string_equal(err.help, "write `Mon`");
    bad("Thurs 09:00-17:00 UTC", SCHED_ERR_SYNTAX, 0, 5);
    assert_string_equal(err.help, "write `Thu`");
    bad("09:00-17:00 UTC", SCHED_ERR_SYNTAX, 0, 1);
    assert_string_equal(err.msg, "expected a day");
    bad("Mon,Mon 09:00-10:00 UTC", SCHED_ERR_SYNTAX, 4, 3);
    assert_string_equal(err.msg, "`Mon` is listed twice");
    bad("Mon-Fri,Wed 09:00-10:00 UTC", SCHED_ERR_SYNTAX, 8, 3);
    assert_string_equal(err.msg, "`Wed` is listed twice");
    bad("Mon-Mon 09:00-10:00 UTC", SCHED_ERR_SYNTAX, 0, 7);
    bad("Mon, 09:00-10:00 UTC", SCHED_ERR_SYNTAX, 5, 1);
    bad("Mon09:00-10:00 UTC", SCHED_ERR_SYNTAX, 3, 1);
    assert_string_equal(err.msg, "expected a space and a time after the days");
    bad("Mon-Fri23:00-05:00 UTC", SCHED_ERR_SYNTAX, 7, 1);
}

static void test_syntax_times(void **state)
{
    (void)state;
    bad("Mon 9:00-17:00 UTC", SCHED_ERR_SYNTAX, 4, 1);
    assert_string_equal(err.help, "write `09:00`");
    bad("Mon 25:00-26:00 UTC", SCHED_ERR_SYNTAX, 4, 2);
    assert_string_equal(err.msg, "hour 25 is out of range");
    bad("Mon 09:60-10:00 UTC", SCHED_ERR_SYNTAX, 7, 2);
    assert_string_equal(err.msg, "minute 60 is out of range");
    bad("Mon 24:00-01:00 UTC", SCHED_ERR_SYNTAX, 4, 5);
    assert_string_equal(err.msg, "`24:00` can only end a window");
    bad("Mon 09:00-24:01 UTC", SCHED_ERR_SYNTAX, 10, 2);
    bad("Mon 09:00 17:00 UTC", SCHED_ERR_SYNTAX, 10, 1);
    has(err.msg, "expected `-`");
    bad("Mon 09:00-09:00 UTC", SCHED_ERR_SYNTAX, 4, 11);
    assert_string_equal(err.msg, "window opens and closes at the same time");
    has(err.help, "00:00-24:00");
    bad("Mon 0900-1700 UTC", SCHED_ERR_SYNTAX, 4, 1);
    bad("Mon 09:000-10:00 UTC", SCHED_ERR_SYNTAX, 4, 6);
    bad("Mon 09:00-", SCHED_ERR_SYNTAX, 10, 0);
    bad("Mon", SCHED_ERR_SYNTAX, 3, 0);
    bad("Mon ", SCHED_ERR_SYNTAX, 4, 0);
}

static void test_syntax_structure(void **state)
{
    (void)state;
    bad("Mon-Fri 23:00-Sat 05:00 UTC", SCHED_ERR_SYNTAX, 0, 7);
    assert_string_equal(err.msg, "a window with an end day must open on a single day");
    bad("Fri 23:00-Mon05:00 UTC", SCHED_ERR_SYNTAX, 13, 1);
    bad("Fri 23:00-Xyz 05:00 UTC", SCHED_ERR_SYNTAX, 10, 3);
    bad("Mon 09:00-17:00UTC", SCHED_ERR_SYNTAX, 15, 1);
    assert_string_equal(err.msg, "expected a space before the time zone");
    bad("Mon 09:00-17:00 UTC extra", SCHED_ERR_SYNTAX, 20, 1);
    assert_string_equal(err.msg, "expected `;` or the end of the schedule");
    bad("Mon 09:00-17:00 UTC;", SCHED_ERR_SYNTAX, 19, 1);
    assert_string_equal(err.msg, "expected a window after `;`");
    bad("Mon 09:00-17:00 UTC;  ", SCHED_ERR_SYNTAX, 19, 1);
    bad("Mon 09:00-17:00 UTC;; Tue 09:00-10:00 UTC", SCHED_ERR_SYNTAX, 20, 1);
    /* 32 windows are fine, 33 are not */
    char many[2048] = "";
    for (int k = 0; k < 33; k++) {
        size_t used = strlen(many);
        snprintf(many + used, sizeof many - used, "%sMon %02d:00-%02d:30", k ? "; " : "", k % 24,
                 k % 24);
    }
    char *cut = many + strlen(many);
    snprintf(cut, sizeof many - (size_t)(cut - many), " UTC");
    assert_false(parse(many));
    has(err.msg, "too many windows");
    char *last = strrchr(many, ';');
    snprintf(last, sizeof many - (size_t)(last - many), " UTC");
    ok(many);
    assert_int_equal(sch.nwin, 32);
    char huge[SCHED_MAX_LEN + 2];
    memset(huge, ' ', sizeof huge);
    assert_false(sched_parse(huge, sizeof huge, &sch, &err));
    has(err.msg, "longer than");
}

static void test_cron_days(void **state)
{
    (void)state;
    char b[32];
    sched_cron_days(0x1F, b, sizeof b);
    assert_string_equal(b, "MON-FRI");
    sched_cron_days(0x3E, b, sizeof b);
    assert_string_equal(b, "TUE-SAT");
    sched_cron_days(0x60, b, sizeof b);
    assert_string_equal(b, "SUN,SAT");
    sched_cron_days(0x7F, b, sizeof b);
    assert_string_equal(b, "*");
    sched_cron_days(0x41, b, sizeof b);
    assert_string_equal(b, "SUN,MON");
    sched_cron_days(0x7E, b, sizeof b);
    assert_string_equal(b, "SUN,TUE-SAT");
    sched_cron_days(0x40, b, sizeof b);
    assert_string_equal(b, "SUN");
    sched_cron_days(0x2A, b, sizeof b);
    assert_string_equal(b, "TUE,THU,SAT");
    sched_cron_days(0x03, b, sizeof b);
    assert_string_equal(b, "MON,TUE");
    sched_cron_days(0x5B, b, sizeof b);   /* Mon Tue Thu Fri Sun */
    assert_string_equal(b, "SUN-TUE,THU,FRI");
    /* never a number: AWS counts day 1 as Sunday */
    for (unsigned m = 1; m < 0x80; m++) {
        sched_cron_days((uint8_t)m, b, sizeof b);
        assert_null(strpbrk(b, "0123456789"));
    }
}

static void test_format_minute(void **state)
{
    (void)state;
    char b[16];
    sched_format_minute(0, b, sizeof b);
    assert_string_equal(b, "Mon 00:00");
    sched_format_minute(SCHED_WEEK - 1, b, sizeof b);
    assert_string_equal(b, "Sun 23:59");
    sched_format_minute(-1, b, sizeof b);
    assert_string_equal(b, "Sun 23:59");
    sched_format_minute(SCHED_WEEK, b, sizeof b);
    assert_string_equal(b, "Mon 00:00");
    sched_format_minute(4 * 1440 + 23 * 60, b, sizeof b);
    assert_string_equal(b, "Fri 23:00");
}

static void test_err_codes(void **state)
{
    (void)state;
    assert_null(sched_err_code(SCHED_OK));
    assert_string_equal(sched_err_code(SCHED_ERR_SYNTAX), "E0406");
    assert_string_equal(sched_err_code(SCHED_ERR_ZONE), "E0653");
    assert_string_equal(sched_err_code(SCHED_ERR_MIXED_ZONE), "E0652");
    assert_string_equal(sched_err_code(SCHED_ERR_UNCLOSED), "E0651");
}

/* Error offsets always lie inside the string, for any prefix of a valid
 * schedule (what an editor sends while the user types). */
static void test_prefixes(void **state)
{
    (void)state;
    const char *s = "Mon-Fri 23:00-05:00; Fri 23:00-Sat 06:00 Europe/London";
    size_t n = strlen(s);
    for (size_t k = 0; k <= n; k++) {
        if (!sched_parse(s, k, &sch, &err)) {
            assert_true(err.off <= k);
            assert_true(err.off + err.len <= k);
            assert_true(err.msg[0] != '\0');
        }
    }
    assert_true(sched_parse(s, n, &sch, &err));
}

int main(void)
{
    const char *tz = getenv("TZDIR");
    saved_tzdir = tz ? strdup(tz) : NULL;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_weeknights),
        cmocka_unit_test(test_saturday),
        cmocka_unit_test(test_day_list),
        cmocka_unit_test(test_daily_overnight),
        cmocka_unit_test(test_sunday_wrap),
        cmocka_unit_test(test_weekends_and_wrapping_range),
        cmocka_unit_test(test_midnight_end),
        cmocka_unit_test(test_merge_overlapping_windows),
        cmocka_unit_test(test_several_times),
        cmocka_unit_test(test_explicit_end_day),
        cmocka_unit_test(test_exhaustive_single_windows),
        cmocka_unit_test(test_blanks_and_case),
        cmocka_unit_test(test_friday_54_hours),
        cmocka_unit_test(test_friday_54_hours_in_a_list),
        cmocka_unit_test(test_windows_join),
        cmocka_unit_test(test_never_off),
        cmocka_unit_test(test_mixed_zones),
        cmocka_unit_test(test_zone_equal),
        cmocka_unit_test(test_zone_errors),
        cmocka_unit_test(test_zone_valid_direct),
        cmocka_unit_test_teardown(test_tzdir, restore_tzdir),
        cmocka_unit_test(test_syntax_days),
        cmocka_unit_test(test_syntax_times),
        cmocka_unit_test(test_syntax_structure),
        cmocka_unit_test(test_cron_days),
        cmocka_unit_test(test_format_minute),
        cmocka_unit_test(test_err_codes),
        cmocka_unit_test(test_prefixes),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    free(saved_tzdir);
    return failed;
}
