/* rt_scale.c — pins `sfdrun scale`'s decisions without AWS: the restore
 * record's text (valid as an ECS tag value, parsed exactly), which calls
 * --to N needs from each state (none when already there; the record only
 * before the first change; min = max = N with a scalable target), and which
 * --restore needs (only what differs; the tag removed last). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "scale.h"

static void test_record_format(void **state)
{
    (void)state;
    char buf[SCALE_RECORD_MAX];
    ScaleState plain = { 2, 0, 0, 0 }, target = { 1, 1, 0, 3 };
    assert_int_equal(scale_record_format(&plain, buf, sizeof buf), 0);
    assert_string_equal(buf, "desired=2");
    assert_int_equal(scale_record_format(&target, buf, sizeof buf), 0);
    assert_string_equal(buf, "desired=1 min=0 max=3");
    /* ECS tag values: letters, digits, spaces and + - = . _ : / @ only */
    for (const char *p = buf; *p; p++)
        assert_non_null(strchr("abcdefghijklmnopqrstuvwxyz0123456789 =", *p));
    assert_int_equal(scale_record_format(&target, buf, 10), -1);
}

static void test_record_parse(void **state)
{
    (void)state;
    ScaleState s;
    assert_int_equal(scale_record_parse("desired=0", &s), 0);
    assert_int_equal(s.desired, 0);
    assert_int_equal(s.has_target, 0);
    assert_int_equal(scale_record_parse("desired=12 min=1 max=40", &s), 0);
    assert_int_equal(s.desired, 12);
    assert_int_equal(s.has_target, 1);
    assert_int_equal(s.min, 1);
    assert_int_equal(s.max, 40);
    static const char *const bad[] = {
        "", "desired=", "desired=-1", "desired=+1", "desired= 1", "desired=01",
        "desired=1,min=0,max=3", /* commas are not valid in ECS tag values */
        "desired=1 min=0", "desired=1 max=3 min=0", "desired=1 min=4 max=3",
        "desired=1 min=0 max=3 ", "desired=1x", "Desired=1", "desired=9999999999",
        "desired=1  min=0 max=3",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        ScaleState untouched = { 77, 0, 0, 0 };
        assert_int_equal(scale_record_parse(bad[i], &untouched), -1);
        assert_int_equal(untouched.desired, 77);
    }
    assert_int_equal(scale_record_parse(NULL, &s), -1);
}

static void test_to_plain_service(void **state)
{
    (void)state;
    ScaleActions a;
    ScaleState cur = { 2, 0, 0, 0 };
    scale_decide_to(&cur, NULL, 0, &a);
    assert_true(a.tag);
    assert_string_equal(a.record, "desired=2");
    assert_false(a.set_target);
    assert_true(a.set_desired);
    assert_int_equal(a.desired, 0);
    assert_false(a.untag);
    /* already there: no call at all, not even the record */
    scale_decide_to(&cur, NULL, 2, &a);
    assert_true(scale_actions_empty(&a));
    /* a second --to keeps the first record */
    cur.desired = 0;
    scale_decide_to(&cur, "desired=2", 1, &a);
    assert_false(a.tag);
    assert_true(a.set_desired);
    assert_int_equal(a.desired, 1);
}

static void test_to_autoscaled_service(void **state)
{
    (void)state;
    ScaleActions a;
    ScaleState cur = { 1, 1, 1, 3 };
    /* stop: MaxCapacity 0 with the count, min/max first */
    scale_decide_to(&cur, NULL, 0, &a);
    assert_true(a.tag);
    assert_string_equal(a.record, "desired=1 min=1 max=3");
    assert_true(a.set_target);
    assert_int_equal(a.min, 0);
    assert_int_equal(a.max, 0);
    assert_true(a.set_desired);
    assert_int_equal(a.desired, 0);
    /* desired already N but the target still lets it move: pin the target */
    scale_decide_to(&cur, NULL, 1, &a);
    assert_true(a.tag);
    assert_true(a.set_target);
    assert_int_equal(a.min, 1);
    assert_int_equal(a.max, 1);
    assert_false(a.set_desired);
    /* pinned at N: nothing to do */
    ScaleState pinned = { 0, 1, 0, 0 };
    scale_decide_to(&pinned, "desired=1 min=1 max=3", 0, &a);
    assert_true(scale_actions_empty(&a));
}

static void test_restore(void **state)
{
    (void)state;
    ScaleActions a;
    ScaleState cur = { 0, 1, 0, 0 };
    assert_int_equal(scale_decide_restore(&cur, "desired=1 min=1 max=3", &a), 0);
    assert_false(a.tag);
    assert_true(a.set_target);
    assert_int_equal(a.min, 1);
    assert_int_equal(a.max, 3);
    assert_true(a.set_desired);
    assert_int_equal(a.desired, 1);
    assert_true(a.untag);
    /* interrupted after the scaling: only the tag is left to remove */
    ScaleState done = { 1, 1, 1, 3 };
    assert_int_equal(scale_decide_restore(&done, "desired=1 min=1 max=3", &a), 0);
    assert_false(a.set_target);
    assert_false(a.set_desired);
    assert_true(a.untag);
    /* the target was deregistered since: restore the count only */
    ScaleState gone = { 0, 0, 0, 0 };
    assert_int_equal(scale_decide_restore(&gone, "desired=2 min=1 max=3", &a), 0);
    assert_false(a.set_target);
    assert_true(a.set_desired);
    assert_int_equal(a.desired, 2);
    /* nothing recorded: nothing to do */
    assert_int_equal(scale_decide_restore(&cur, NULL, &a), 0);
    assert_true(scale_actions_empty(&a));
    /* an unreadable record changes nothing */
    assert_int_equal(scale_decide_restore(&cur, "desired=two", &a), -1);
    assert_true(scale_actions_empty(&a));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_record_format),
        cmocka_unit_test(test_record_parse),
        cmocka_unit_test(test_to_plain_service),
        cmocka_unit_test(test_to_autoscaled_service),
        cmocka_unit_test(test_restore),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
