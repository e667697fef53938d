/* schedule.c — parses on/off schedules into a weekly on-set and derives
 * what the checker and the back ends need from it (see schedule.h and
 * SPEC.md "Schedules"). The parser is a hand-written scanner: the grammar is
 * tiny, and a scanner can put the error on the exact byte that is wrong. */
#include "schedule.h"

#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "distance.h"
#include "banned.h"

static const char *const DAY_NAME[7] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};

/* The scanner over one schedule string. */
typedef struct Scan {
    const char *s;      /* the schedule text (not NUL-terminated) */
    size_t n;           /* its length */
    size_t i;           /* the next byte */
    SchedError *err;    /* where the first error goes */
} Scan;

static void err_clear(SchedError *e)
{
    memset(e, 0, sizeof *e);
}

static bool fail(SchedError *e, SchedErrKind k, size_t off, size_t len, const char *help,
                 const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* Records an error and returns false, so parse steps can `return fail(...)`. */
static bool fail(SchedError *e, SchedErrKind k, size_t off, size_t len, const char *help,
                 const char *fmt, ...)
{
    err_clear(e);
    e->kind = k;
    e->off = off;
    e->len = len;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
    if (help)
        snprintf(e->help, sizeof e->help, "%s", help);
    return false;
}

const char *sched_err_code(SchedErrKind k)
{
    switch (k) {
    case SCHED_ERR_SYNTAX: return "E0406";
    case SCHED_ERR_ZONE: return "E0653";
    case SCHED_ERR_MIXED_ZONE: return "E0652";
    case SCHED_ERR_UNCLOSED: return "E0651";
    case SCHED_OK: break;
    }
    return NULL;
}

/* ---- the scanner --------------------------------------------------------- */

static bool at_end(const Scan *sc)
{
    return sc->i >= sc->n;
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* Skips blanks; returns how many. */
static size_t skip_blank(Scan *sc)
{
    size_t start = sc->i;
    while (!at_end(sc) && is_blank(sc->s[sc->i]))
        sc->i++;
    return sc->i - start;
}

static bool is_letter(const Scan *sc)
{
    return !at_end(sc) && isalpha((unsigned char)sc->s[sc->i]);
}

static bool is_digit_at(const Scan *sc, size_t i)
{
    return i < sc->n && sc->s[i] >= '0' && sc->s[i] <= '9';
}

/* The length of the run of letters at i. */
static size_t word_len(const Scan *sc, size_t i)
{
    size_t k = i;
    while (k < sc->n && isalpha((unsigned char)sc->s[k]))
        k++;
    return k - i;
}

static bool word_is(const Scan *sc, size_t i, size_t len, const char *w)
{
    if (strlen(w) != len)
        return false;
    for (size_t k = 0; k < len; k++)
        if (tolower((unsigned char)sc->s[i + k]) != tolower((unsigned char)w[k]))
            return false;
    return true;
}

/* day = Mon | Tue | ... | Sun, any case. Returns 0..6 or fails. */
static bool scan_day(Scan *sc, int *day)
{
    size_t at = sc->i, len = word_len(sc, at);
    if (len == 0)
        return fail(sc->err, SCHED_ERR_SYNTAX, at, at < sc->n ? 1 : 0,
                    "days are `Mon`, `Tue`, `Wed`, `Thu`, `Fri`, `Sat`, `Sun`, `daily`, "
                    "`weekdays` or `weekends`; a schedule reads like `Mon-Fri 23:00-05:00 Europe/London`",
                    "expected a day");
    for (int d = 0; d < 7; d++) {
        if (word_is(sc, at, len, DAY_NAME[d])) {
            *day = d;
            sc->i += len;
            return true;
        }
    }
    /* "Thurs", "Monday": the first three letters name the day. */
    for (int d = 0; d < 7 && len > 3; d++) {
        if (word_is(sc, at, 3, DAY_NAME[d])) {
            char help[64];
            snprintf(help, sizeof help, "write `%s`", DAY_NAME[d]);
            return fail(sc->err, SCHED_ERR_SYNTAX, at, len, help, "unknown day `%.*s`",
                        (int)len, sc->s + at);
        }
    }
    return fail(sc->err, SCHED_ERR_SYNTAX, at, len,
                "days are written `Mon`, `Tue`, `Wed`, `Thu`, `Fri`, `Sat`, `Sun`",
                "unknown day `%.*s`", (int)len, sc->s + at);
}

/* Adds the days lo..hi (wrapping past Sunday) to *mask; a day already in
 * the set is an error at [at, at+len). */
static bool add_days(Scan *sc, uint8_t *mask, int lo, int hi, size_t at, size_t len)
{
    for (int d = lo;; d = (d + 1) % 7) {
        if (*mask & (1u << d))
            return fail(sc->err, SCHED_ERR_SYNTAX, at, len, "list each day once",
                        "`%s` is listed twice", DAY_NAME[d]);
        *mask |= (uint8_t)(1u << d);
        if (d == hi)
            return true;
    }
}

/* days = "daily" | "weekdays" | "weekends" | item { "," item }
 * item = day [ "-" day ]
 * *single is the day when exactly one day was written, else -1. */
static bool scan_days(Scan *sc, uint8_t *mask, int *single)
{
    size_t at = sc->i, len = word_len(sc, at);
    static const struct { const char *word; uint8_t mask; } named[] = {
        {"daily", 0x7F}, {"weekdays", 0x1F}, {"weekends", 0x60},
    };
    *mask = 0;
    *single = -1;
    for (size_t k = 0; k < sizeof named / sizeof named[0]; k++) {
        if (word_is(sc, at, len, named[k].word)) {
            sc->i += len;
            *mask = named[k].mask;
            return true;
        }
    }
    int items = 0;
    for (;;) {
        size_t item = sc->i;
        int lo, hi;
        if (!scan_day(sc, &lo))
            return false;
        hi = lo;
        if (!at_end(sc) && sc->s[sc->i] == '-' && sc->i + 1 < sc->n &&
            isalpha((unsigned char)sc->s[sc->i + 1])) {
            sc->i++;
            if (!scan_day(sc, &hi))
                return false;
            if (hi == lo)
                return fail(sc->err, SCHED_ERR_SYNTAX, item, sc->i - item, NULL,
                            "day range `%.*s` starts and ends on the same day",
                            (int)(sc->i - item), sc->s + item);
        }
        if (!add_days(sc, mask, lo, hi, item, sc->i - item))
            return false;
        items++;
        *single = items == 1 && lo == hi ? lo : -1;
        if (at_end(sc) || sc->s[sc->i] != ',')
            return true;
        sc->i++;
        skip_blank(sc);
    }
}

/* time = HH ":" MM, 00:00..23:59, and 24:00 when allow24. */
static bool scan_time(Scan *sc, bool allow24, int *minute)
{
    size_t at = sc->i;
    if (is_digit_at(sc, at) && at + 1 < sc->n && sc->s[at + 1] == ':') {
        char help[64];
        snprintf(help, sizeof help, "write `0%c:%.2s`", sc->s[at],
                 at + 4 <= sc->n ? sc->s + at + 2 : "00");
        return fail(sc->err, SCHED_ERR_SYNTAX, at, 1, help, "hours are written with two digits");
    }
    if (!(is_digit_at(sc, at) && is_digit_at(sc, at + 1) && at + 2 < sc->n &&
          sc->s[at + 2] == ':' && is_digit_at(sc, at + 3) && is_digit_at(sc, at + 4)))
        return fail(sc->err, SCHED_ERR_SYNTAX, at, at < sc->n ? 1 : 0,
                    "times are written `HH:MM` on a 24-hour clock, e.g. `23:00`",
                    "expected a time");
    if (is_digit_at(sc, at + 5))
        return fail(sc->err, SCHED_ERR_SYNTAX, at, 6, "times are written `HH:MM`",
                    "expected a time");
    int h = (sc->s[at] - '0') * 10 + (sc->s[at + 1] - '0');
    int m = (sc->s[at + 3] - '0') * 10 + (sc->s[at + 4] - '0');
    sc->i = at + 5;
    if (h == 24 && m == 0) {
        if (!allow24)
            return fail(sc->err, SCHED_ERR_SYNTAX, at, 5,
                        "a window opens at `00:00` at the latest; `24:00` can only end one",
                        "`24:00` can only end a window");
        *minute = SCHED_DAY;
        return true;
    }
    if (h > 23)
        return fail(sc->err, SCHED_ERR_SYNTAX, at, 2, "hours run from 00 to 23 (24:00 may end a window)",
                    "hour %d is out of range", h);
    if (m > 59)
        return fail(sc->err, SCHED_ERR_SYNTAX, at + 3, 2, "minutes run from 00 to 59",
                    "minute %d is out of range", m);
    *minute = h * 60 + m;
    return true;
}

/* The time part of a window: time "-" [day " "] time. Fills start, length
 * and end_day of w; sday is the single start day or -1. */
static bool scan_span(Scan *sc, SchedWindow *w, int sday, size_t days_at, size_t days_len)
{
    int t1, t2;
    size_t t1_at = sc->i;
    if (!scan_time(sc, false, &t1))
        return false;
    skip_blank(sc);
    if (at_end(sc) || sc->s[sc->i] != '-')
        return fail(sc->err, SCHED_ERR_SYNTAX, sc->i, at_end(sc) ? 0 : 1,
                    "a window reads `Mon-Fri 23:00-05:00`", "expected `-` and the time the window ends");
    sc->i++;
    skip_blank(sc);
    w->start = (uint16_t)t1;
    if (is_letter(sc)) {
        int eday;
        if (sday < 0)
            return fail(sc->err, SCHED_ERR_SYNTAX, days_at, days_len,
                        "write one start day (`Fri 23:00-Mon 05:00`), or end times only "
                        "(`Mon-Fri 23:00-05:00` ends each window the next morning)",
                        "a window with an end day must open on a single day");
        if (!scan_day(sc, &eday))
            return false;
        if (skip_blank(sc) == 0)
            return fail(sc->err, SCHED_ERR_SYNTAX, sc->i, at_end(sc) ? 0 : 1, NULL,
                        "expected a space and the end time after the end day");
        if (!scan_time(sc, true, &t2))
            return false;
        int len = ((eday - sday + 7) % 7) * SCHED_DAY + t2 - t1;
        if (len <= 0)
            len += SCHED_WEEK;
        w->length = (uint16_t)len;
        w->end_day = true;
        return true;
    }
    if (!scan_time(sc, true, &t2))
        return false;
    if (t2 == t1)
        return fail(sc->err, SCHED_ERR_SYNTAX, t1_at, sc->i - t1_at,
                    "for a whole day write `00:00-24:00`",
                    "window opens and closes at the same time");
    w->length = (uint16_t)(t2 > t1 ? t2 - t1 : SCHED_DAY - t1 + t2);
    return true;
}

static bool zone_char(char c)
{
    return isalnum((unsigned char)c) || c == '/' || c == '_' || c == '-' || c == '+';
}

/* window = days " " span [" " zone], up to ";" or the end. */
static bool scan_window(Scan *sc, SchedWindow *w)
{
    memset(w, 0, sizeof *w);
    w->off = sc->i;
    int sday;
    if (!scan_days(sc, &w->days, &sday))
        return false;
    size_t days_len = sc->i - w->off;
    if (skip_blank(sc) == 0)
        return fail(sc->err, SCHED_ERR_SYNTAX, sc->i, at_end(sc) ? 0 : 1,
                    "a window reads `Mon-Fri 23:00-05:00`", "expected a space and a time after the days");
    if (!scan_span(sc, w, sday, w->off, days_len))
        return false;
    w->len = sc->i - w->off;
    size_t blanks = skip_blank(sc);
    if (at_end(sc) || sc->s[sc->i] == ';')
        return true;
    if (blanks == 0)
        return fail(sc->err, SCHED_ERR_SYNTAX, sc->i, 1, NULL,
                    "expected a space before the time zone");
    w->zone_off = sc->i;
    while (!at_end(sc) && !is_blank(sc->s[sc->i]) && sc->s[sc->i] != ';')
        sc->i++;
    w->zone_len = sc->i - w->zone_off;
    skip_blank(sc);
    if (!at_end(sc) && sc->s[sc->i] != ';')
        return fail(sc->err, SCHED_ERR_SYNTAX, sc->i, 1,
                    "separate windows with `;`: `Mon-Fri 23:00-05:00; Sat 09:00-12:00 Europe/London`",
                    "expected `;` or the end of the schedule");
    return true;
}

/* ---- the on-set ---------------------------------------------------------- */

static int cmp_iv(const void *a, const void *b)
{
    const SchedInterval *x = a, *y = b;
    return x->start != y->start ? (int)x->start - (int)y->start : (int)x->end - (int)y->end;
}

/* Adds the occurrence [a, a+len) of a window, split at the end of the week. */
static void push_occurrence(SchedInterval *iv, int *n, int a, int len)
{
    int b = a + len;
    if (b <= SCHED_WEEK) {
        iv[(*n)++] = (SchedInterval){(uint16_t)a, (uint16_t)b};
        return;
    }
    iv[(*n)++] = (SchedInterval){(uint16_t)a, (uint16_t)SCHED_WEEK};
    iv[(*n)++] = (SchedInterval){0, (uint16_t)(b - SCHED_WEEK)};
}

/* Expands every window over its days, then sorts and merges: the on-set
 * holds disjoint intervals with a gap between any two. */
static void build_onset(Schedule *s)
{
    int n = 0;
    for (int w = 0; w < s->nwin; w++)
        for (int d = 0; d < 7; d++)
            if (s->win[w].days & (1u << d))
                push_occurrence(s->iv, &n, d * SCHED_DAY + s->win[w].start, s->win[w].length);
    qsort(s->iv, (size_t)n, sizeof s->iv[0], cmp_iv);
    int m = 0;
    for (int k = 0; k < n; k++) {
        if (m > 0 && s->iv[k].start <= s->iv[m - 1].end) {
            if (s->iv[k].end > s->iv[m - 1].end)
                s->iv[m - 1].end = s->iv[k].end;
        } else {
            s->iv[m++] = s->iv[k];
        }
    }
    s->niv = m;
}

/* Gives every window a zone (inherited from the next written one), checks
 * each written zone and that they all agree. */
static bool resolve_zones(const char *text, Schedule *s, SchedError *err)
{
    const SchedWindow *last = &s->win[s->nwin - 1];
    if (last->zone_len == 0)
        return fail(err, SCHED_ERR_ZONE, last->off, last->len,
                    "end the schedule with an IANA time zone, e.g. "
                    "`Mon-Fri 23:00-05:00 Europe/London` or `... UTC`",
                    "schedule has no time zone");
    const SchedWindow *first = NULL;
    for (int w = 0; w < s->nwin; w++) {
        const SchedWindow *x = &s->win[w];
        if (x->zone_len == 0)
            continue;
        if (!sched_zone_valid(text + x->zone_off, x->zone_len, err)) {
            err->off += x->zone_off;
            return false;
        }
        if (!first) {
            first = x;
            snprintf(s->zone, sizeof s->zone, "%.*s", (int)x->zone_len, text + x->zone_off);
            continue;
        }
        char other[SCHED_ZONE_MAX];
        snprintf(other, sizeof other, "%.*s", (int)x->zone_len, text + x->zone_off);
        if (!sched_zone_equal(s->zone, other)) {
            char help[512];
            snprintf(help, sizeof help,
                     "write every window of a schedule in one zone, e.g. all in `%s`: "
                     "windows in different zones drift apart when the clocks change",
                     s->zone);
            fail(err, SCHED_ERR_MIXED_ZONE, x->zone_off, x->zone_len, help,
                 "schedule mixes time zones `%s` and `%s`", s->zone, other);
            err->off2 = first->zone_off;
            err->len2 = first->zone_len;
            snprintf(err->label2, sizeof err->label2, "first zone `%s` here", s->zone);
            return false;
        }
    }
    return true;
}

/* schedule = window { ";" window } */
bool sched_parse(const char *text, size_t len, Schedule *out, SchedError *err)
{
    Scan sc = {text, len, 0, err};
    memset(out, 0, sizeof *out);
    err_clear(err);
    if (len > SCHED_MAX_LEN)
        return fail(err, SCHED_ERR_SYNTAX, 0, len, NULL,
                    "schedule is longer than %d bytes", SCHED_MAX_LEN);
    skip_blank(&sc);
    if (at_end(&sc))
        return fail(err, SCHED_ERR_SYNTAX, 0, len,
                    "a schedule reads like `Mon-Fri 23:00-05:00 Europe/London`", "empty schedule");
    for (;;) {
        if (out->nwin == SCHED_MAX_WINDOWS)
            return fail(err, SCHED_ERR_SYNTAX, sc.i, len - sc.i, NULL,
                        "too many windows (at most %d)", SCHED_MAX_WINDOWS);
        if (!scan_window(&sc, &out->win[out->nwin]))
            return false;
        out->nwin++;
        if (at_end(&sc))
            break;
        size_t semi = sc.i++;
        skip_blank(&sc);
        if (at_end(&sc))
            return fail(err, SCHED_ERR_SYNTAX, semi, 1, "drop the trailing `;`",
                        "expected a window after `;`");
    }
    if (!resolve_zones(text, out, err))
        return false;
    build_onset(out);
    return true;
}

int sched_weekly_minutes(const Schedule *s)
{
    int total = 0;
    for (int k = 0; k < s->niv; k++)
        total += s->iv[k].end - s->iv[k].start;
    return total;
}

/* Which written windows make up stretch st: the first one opening it, how
 * many contribute, and another one. */
static void stretch_windows(const Schedule *s, SchedStretch *st)
{
    st->window = -1;
    st->nwindows = 0;
    st->other = -1;
    for (int w = 0; w < s->nwin; w++) {
        bool contributes = false, opens = false;
        for (int d = 0; d < 7; d++) {
            if (!(s->win[w].days & (1u << d)))
                continue;
            int a = d * SCHED_DAY + s->win[w].start;
            int rel = ((a - st->start) % SCHED_WEEK + SCHED_WEEK) % SCHED_WEEK;
            contributes |= rel < st->length || st->length == SCHED_WEEK;
            opens |= rel == 0;
        }
        if (!contributes)
            continue;
        st->nwindows++;
        if (opens && st->window < 0)
            st->window = w;
        else if (st->other < 0)
            st->other = w;
    }
    if (st->window < 0) {   /* a whole week opens nowhere: take the first window */
        st->window = st->other >= 0 ? st->other : 0;
        st->other = -1;
        for (int w = 0; w < s->nwin && st->nwindows > 1; w++)
            if (w != st->window) {
                st->other = w;
                break;
            }
    }
    if (st->other == st->window)
        st->other = -1;
}

int sched_stretches(const Schedule *s, SchedStretch *out, int cap)
{
    if (s->niv == 0)
        return 0;
    SchedStretch tmp[SCHED_MAX_IVS];
    int n = 0;
    if (s->niv == 1 && s->iv[0].start == 0 && s->iv[0].end == SCHED_WEEK) {
        tmp[n++] = (SchedStretch){.start = 0, .length = SCHED_WEEK};
    } else {
        bool wrap = s->niv > 1 && s->iv[0].start == 0 && s->iv[s->niv - 1].end == SCHED_WEEK;
        for (int k = wrap ? 1 : 0; k < s->niv; k++) {
            SchedStretch st = {.start = s->iv[k].start, .length = s->iv[k].end - s->iv[k].start};
            if (wrap && k == s->niv - 1)
                st.length += s->iv[0].end;
            tmp[n++] = st;
        }
    }
    for (int k = 0; k < n && k < cap; k++) {
        stretch_windows(s, &tmp[k]);
        out[k] = tmp[k];
    }
    return n;
}

bool sched_longest(const Schedule *s, SchedStretch *out)
{
    SchedStretch all[SCHED_MAX_IVS];
    int n = sched_stretches(s, all, SCHED_MAX_IVS);
    if (n == 0)
        return false;
    int best = 0;
    for (int k = 1; k < n; k++)
        if (all[k].length > all[best].length)
            best = k;
    *out = all[best];
    return true;
}

void sched_format_minute(int minute_of_week, char *buf, size_t cap)
{
    int m = ((minute_of_week % SCHED_WEEK) + SCHED_WEEK) % SCHED_WEEK;
    snprintf(buf, cap, "%s %02d:%02d", DAY_NAME[m / SCHED_DAY], m % SCHED_DAY / 60, m % 60);
}

/* "54 h" or "25 h 30 min". */
static void format_hours(int minutes, char *buf, size_t cap)
{
    if (minutes % 60 == 0)
        snprintf(buf, cap, "%d h", minutes / 60);
    else
        snprintf(buf, cap, "%d h %d min", minutes / 60, minutes % 60);
}

/* The help for a window with an explicit end day that runs too long:
 * "Fri 23:00-Mon 05:00" most likely meant "Fri 23:00-05:00". */
static void help_end_day(const SchedWindow *w, char *buf, size_t cap)
{
    int sday = 0;
    while (!(w->days & (1u << sday)))
        sday++;
    int end = (w->start + w->length) % SCHED_DAY;
    snprintf(buf, cap,
             "to close the next morning write `%s %02d:%02d-%02d:%02d`; if the long stretch is "
             "meant, say why with `@allow(E0651, \"...\")`",
             DAY_NAME[sday], w->start / 60, w->start % 60, end / 60, end % 60);
}

bool sched_check_closes(const Schedule *s, SchedError *err)
{
    SchedStretch st;
    err_clear(err);
    if (!sched_longest(s, &st) || st.length <= SCHED_DAY)
        return true;
    const SchedWindow *w = &s->win[st.window];
    char from[16], to[16], hours[24], help[256];
    sched_format_minute(st.start, from, sizeof from);
    sched_format_minute(st.start + st.length, to, sizeof to);
    format_hours(st.length, hours, sizeof hours);
    if (st.length == SCHED_WEEK) {
        fail(err, SCHED_ERR_UNCLOSED, w->off, w->len,
             "leave an off period, or drop the window if the service is meant to run all the time",
             "schedule never switches off: its windows cover the whole week");
    } else if (st.nwindows > 1) {
        fail(err, SCHED_ERR_UNCLOSED, w->off, w->len,
             "the service never switches off between these windows: leave a gap, or say why "
             "with `@allow(E0651, \"...\")` if the long stretch is meant",
             "windows join into one stretch of %s, from %s to %s", hours, from, to);
    } else {
        if (w->end_day)
            help_end_day(w, help, sizeof help);
        else
            snprintf(help, sizeof help, "shorten the window to at most 24 h");
        fail(err, SCHED_ERR_UNCLOSED, w->off, w->len, help,
             "window stays on for %s, from %s to %s", hours, from, to);
    }
    if (st.other >= 0 && st.nwindows > 1) {
        err->off2 = s->win[st.other].off;
        err->len2 = s->win[st.other].len;
        snprintf(err->label2, sizeof err->label2, "joins this window");
    }
    return false;
}

/* ---- cron ---------------------------------------------------------------- */

void sched_cron_days(uint8_t days, char *buf, size_t cap)
{
    /* AWS order SUN..SAT as bits of our Monday-first mask. */
    static const int aws_bit[7] = {6, 0, 1, 2, 3, 4, 5};
    static const char *const aws_name[7] = {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"};
    size_t used = 0;
    if ((days & 0x7F) == 0x7F) {
        snprintf(buf, cap, "*");
        return;
    }
    buf[0] = '\0';
    for (int k = 0; k < 7;) {
        if (!(days & (1u << aws_bit[k]))) {
            k++;
            continue;
        }
        int e = k;
        while (e + 1 < 7 && (days & (1u << aws_bit[e + 1])))
            e++;
        const char *sep = used ? "," : "";
        int wrote;
        if (e - k >= 2)
            wrote = snprintf(buf + used, cap - used, "%s%s-%s", sep, aws_name[k], aws_name[e]);
        else if (e > k)
            wrote = snprintf(buf + used, cap - used, "%s%s,%s", sep, aws_name[k], aws_name[e]);
        else
            wrote = snprintf(buf + used, cap - used, "%s%s", sep, aws_name[k]);
        if (wrote < 0 || (size_t)wrote >= cap - used)
            return;
        used += (size_t)wrote;
        k = e + 1;
    }
}

static void fill_action(SchedAction *a, bool up, int minute, uint8_t days)
{
    char d[32];
    a->up = up;
    a->minute = (uint16_t)minute;
    a->days = days;
    sched_cron_days(days, d, sizeof d);
    snprintf(a->cron, sizeof a->cron, "cron(%d %d ? * %s *)", minute % 60, minute / 60, d);
}

int sched_actions(const Schedule *s, SchedAction *out, int cap)
{
    SchedStretch st[SCHED_MAX_IVS];
    uint8_t up[SCHED_DAY] = {0}, down[SCHED_DAY] = {0};
    int n = sched_stretches(s, st, SCHED_MAX_IVS);
    if (n == 1 && st[0].length == SCHED_WEEK)
        return 0;
    for (int k = 0; k < n; k++) {
        int a = st[k].start, b = (st[k].start + st[k].length) % SCHED_WEEK;
        up[a % SCHED_DAY] |= (uint8_t)(1u << (a / SCHED_DAY));
        down[b % SCHED_DAY] |= (uint8_t)(1u << (b / SCHED_DAY));
    }
    int count = 0;
    for (int pass = 0; pass < 2; pass++) {
        const uint8_t *set = pass == 0 ? up : down;
        for (int m = 0; m < SCHED_DAY; m++) {
            if (!set[m])
                continue;
            if (count == cap)
                return -1;
            fill_action(&out[count++], pass == 0, m, set[m]);
        }
    }
    return count;
}

/* ---- time zones ---------------------------------------------------------- */

static const char *tz_dir(void)
{
    const char *d = getenv("TZDIR");
    return d && *d ? d : "/usr/share/zoneinfo";
}

/* True if path is a file that starts with the TZif magic. */
static bool is_tzif(const char *path)
{
    char magic[4];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    ssize_t got = read(fd, magic, sizeof magic);
    close(fd);
    return got == 4 && memcmp(magic, "TZif", 4) == 0;
}

/* Positive answers of zone_exists, so 10,000 services in Europe/London
 * open the file once. Keyed by directory and name; the compiler is
 * single-threaded. */
static struct {
    char dir[256];          /* the tz directory it was found in */
    char zone[SCHED_ZONE_MAX]; /* the zone name */
} zone_cache[8];
static unsigned zone_cache_next;

static bool zone_exists(const char *zone)
{
    const char *dir = tz_dir();
    for (size_t k = 0; k < sizeof zone_cache / sizeof zone_cache[0]; k++)
        if (strcmp(zone_cache[k].zone, zone) == 0 && strcmp(zone_cache[k].dir, dir) == 0)
            return true;
    char path[PATH_MAX];
    if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, zone) >= sizeof path || !is_tzif(path))
        return false;
    unsigned slot = zone_cache_next++ % (sizeof zone_cache / sizeof zone_cache[0]);
    snprintf(zone_cache[slot].dir, sizeof zone_cache[slot].dir, "%s", dir);
    snprintf(zone_cache[slot].zone, sizeof zone_cache[slot].zone, "%s", zone);
    return true;
}

/* The entry of directory dir closest to name (within a small distance), or
 * false. Case differences alone count as distance 0. */
static bool closest_entry(const char *dir, const char *name, char *best, size_t cap)
{
    DIR *d = opendir(dir);
    if (!d)
        return false;
    size_t len = strlen(name);
    /* Short names are too close to each other to guess at ("BST" is one
     * letter from "EST"): below four letters only case is forgiven. */
    int limit = len >= 8 ? 2 : len >= 4 ? 1 : 0, best_dist = limit + 1;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' || strlen(e->d_name) >= SCHED_ZONE_MAX)
            continue;
        int dist = text_distance(name, len, e->d_name, strlen(e->d_name), true);
        if (dist < best_dist || (dist == best_dist && strcmp(e->d_name, best) < 0)) {
            best_dist = dist;
            snprintf(best, cap, "%s", e->d_name);
        }
    }
    closedir(d);
    return best_dist <= limit;
}

/* A did-you-mean for an unknown zone, component by component
 * ("europe/londn" -> "Europe/London"); false if none is close. */
static bool suggest_zone(const char *zone, char *out, size_t cap)
{
    char dir[PATH_MAX], comp[SCHED_ZONE_MAX], found[SCHED_ZONE_MAX];
    snprintf(dir, sizeof dir, "%s", tz_dir());
    out[0] = '\0';
    const char *p = zone;
    while (*p) {
        size_t n = strcspn(p, "/");
        snprintf(comp, sizeof comp, "%.*s", (int)n, p);
        found[0] = '\0';
        if (!closest_entry(dir, comp, found, sizeof found))
            return false;
        size_t used = strlen(out);
        snprintf(out + used, cap - used, "%s%s", used ? "/" : "", found);
        size_t dl = strlen(dir);
        snprintf(dir + dl, sizeof dir - dl, "/%s", found);
        p += n;
        if (*p == '/')
            p++;
    }
    return out[0] && strcmp(out, zone) != 0 && zone_exists(out);
}

/* Only names the tz database could hold: no absolute paths, no "..". */
static bool zone_name_ok(const char *z)
{
    if (z[0] == '/' || z[0] == '\0')
        return false;
    for (const char *p = z; *p; p++) {
        if (!zone_char(*p))
            return false;
        if ((p == z || p[-1] == '/') && (*p == '/' || *p == '.'))
            return false;
    }
    return z[strlen(z) - 1] != '/';
}

static bool is_utc_alias(const char *z)
{
    /* Every zone whose offset is 0 all year: they behave identically. */
    static const char *const alias[] = {
        "UTC", "Etc/UTC", "UCT", "Etc/UCT", "Universal", "Etc/Universal", "Zulu", "Etc/Zulu",
        "GMT", "Etc/GMT", "GMT0", "Etc/GMT0", "GMT+0", "Etc/GMT+0", "GMT-0", "Etc/GMT-0",
        "Greenwich", "Etc/Greenwich"};
    for (size_t k = 0; k < sizeof alias / sizeof alias[0]; k++)
        if (strcmp(z, alias[k]) == 0)
            return true;
    return false;
}

bool sched_zone_valid(const char *zone, size_t len, SchedError *err)
{
    char z[SCHED_ZONE_MAX], sugg[SCHED_ZONE_MAX], help[256];
    err_clear(err);
    if (len == 0)
        return fail(err, SCHED_ERR_ZONE, 0, 0, "write an IANA zone such as `Europe/London` or `UTC`",
                    "missing time zone");
    if (len >= SCHED_ZONE_MAX)
        return fail(err, SCHED_ERR_ZONE, 0, len, NULL, "time zone name is too long");
    snprintf(z, sizeof z, "%.*s", (int)len, zone);
    if (strlen(z) != len || !zone_name_ok(z))
        return fail(err, SCHED_ERR_ZONE, 0, len,
                    "time zones are IANA names such as `Europe/London` or `UTC`",
                    "`%s` is not a time zone name", z);
    if (strcmp(z, "UTC") == 0 || zone_exists(z))
        return true;
    if (suggest_zone(z, sugg, sizeof sugg))
        snprintf(help, sizeof help, "did you mean `%s`?", sugg);
    else if (len <= 5 && strchr(z, '/') == NULL)
        snprintf(help, sizeof help, "abbreviations are not zones: write an IANA name such as "
                                    "`Europe/London` (which follows GMT and BST) or `UTC`");
    else
        snprintf(help, sizeof help, "time zones are IANA names such as `Europe/London` or `UTC`");
    return fail(err, SCHED_ERR_ZONE, 0, len, help, "unknown time zone `%s`", z);
}

bool sched_zone_equal(const char *a, const char *b)
{
    if (strcmp(a, b) == 0)
        return true;
    if (is_utc_alias(a) || is_utc_alias(b))
        return is_utc_alias(a) && is_utc_alias(b);
    if (!zone_name_ok(a) || !zone_name_ok(b))
        return false;
    char pa[PATH_MAX], pb[PATH_MAX];
    struct stat sa, sb;
    const char *dir = tz_dir();
    if ((size_t)snprintf(pa, sizeof pa, "%s/%s", dir, a) >= sizeof pa ||
        (size_t)snprintf(pb, sizeof pb, "%s/%s", dir, b) >= sizeof pb)
        return false;
    if (stat(pa, &sa) != 0 || stat(pb, &sb) != 0)
        return false;
    return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}
