/* schedule.h — on/off schedules: weekly windows in one IANA time zone.
 *
 * A service's `window = "Mon-Fri 23:00-05:00 Europe/London"` is parsed here
 * into the set of minutes of the week it is on, and everything the checker
 * and the back ends need is derived from that set: weekly on-hours, the
 * longest on-stretch, the "does not close when meant" mistake (E0651), mixed
 * zones (E0652), unknown zones (E0653), and the AWS cron expressions of the
 * scheduled scaling actions. Nothing here prints or allocates; errors carry
 * byte offsets into the schedule string so the checker can underline the
 * exact part. The grammar is in SPEC.md ("Schedules"), summarised here:
 *
 *   schedule = window { ";" window }
 *   window   = days " " time "-" [day " "] time [" " zone]
 *   days     = "daily" | "weekdays" | "weekends" | item { "," item }
 *   item     = day [ "-" day ]          (ranges may wrap: Fri-Mon)
 *   day      = Mon | Tue | Wed | Thu | Fri | Sat | Sun   (any case)
 *   time     = HH ":" MM  (00:00..23:59; 24:00 only as an end)
 *   zone     = an IANA name from the tz database, or UTC
 *
 * A window's days are the days it OPENS; an end time not after the start
 * ends on the next day. A window without a zone takes the zone of the next
 * window that has one; the last window must have one. */
#ifndef SFDC_SCHEDULE_H
#define SFDC_SCHEDULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
    SCHED_DAY = 1440,           /* minutes in a day */
    SCHED_WEEK = 7 * 1440,      /* minutes in a week; minute 0 is Monday 00:00 */
    SCHED_MAX_WINDOWS = 32,     /* windows in one schedule string */
    SCHED_MAX_IVS = SCHED_MAX_WINDOWS * 14, /* intervals: 7 days, each maybe split at week end */
    SCHED_ZONE_MAX = 64,        /* bytes of a zone name, with its NUL */
    SCHED_MAX_LEN = 4096,       /* bytes of a schedule string */
};

/* What went wrong; each kind has its own diagnostic code (sched_err_code). */
typedef enum SchedErrKind {
    SCHED_OK,               /* no error */
    SCHED_ERR_SYNTAX,       /* E0406: not a schedule */
    SCHED_ERR_ZONE,         /* E0653: unknown or malformed time zone */
    SCHED_ERR_MIXED_ZONE,   /* E0652: windows in different zones */
    SCHED_ERR_UNCLOSED,     /* E0651: an on-stretch longer than 24 hours */
} SchedErrKind;

typedef struct SchedError {
    SchedErrKind kind;      /* SCHED_OK when there is no error */
    size_t off, len;        /* bytes of the schedule string at fault (len >= 1 unless empty) */
    size_t off2, len2;      /* a second part to label (the other zone, the other window); len2 0 = none */
    char msg[192];          /* headline: lowercase, no full stop, names in backticks */
    char label2[96];        /* text for the second part, or "" */
    char help[256];         /* the fix, or "" */
} SchedError;

/* One window as written. */
typedef struct SchedWindow {
    uint8_t days;           /* days it opens: bit 0 = Monday .. bit 6 = Sunday */
    uint16_t start;         /* minute of the day it opens, 0..1439 */
    uint16_t length;        /* minutes it stays open, 1..SCHED_WEEK */
    bool end_day;           /* written with an explicit end day ("Fri 23:00-Mon 05:00") */
    size_t off, len;        /* bytes of the window in the string, zone excluded */
    size_t zone_off, zone_len; /* its zone as written; zone_len 0 when inherited */
} SchedWindow;

/* Half-open [start, end) minutes of the week, 0 <= start < end <= SCHED_WEEK. */
typedef struct SchedInterval {
    uint16_t start;         /* first minute on */
    uint16_t end;           /* first minute off again */
} SchedInterval;

typedef struct Schedule {
    SchedWindow win[SCHED_MAX_WINDOWS]; /* windows in written order */
    int nwin;               /* windows used */
    char zone[SCHED_ZONE_MAX];          /* the zone of every window ("UTC" or an IANA name) */
    SchedInterval iv[SCHED_MAX_IVS];    /* the on-set: sorted, disjoint, never touching */
    int niv;                /* intervals used */
} Schedule;

/* A maximal run of on-minutes, seen cyclically (Sunday night joins Monday). */
typedef struct SchedStretch {
    int start;              /* minute of the week it begins, 0..SCHED_WEEK-1 */
    int length;             /* minutes, 1..SCHED_WEEK (SCHED_WEEK: never off) */
    int window;             /* index of the first written window that opens it */
    int nwindows;           /* how many written windows contribute to it */
    int other;              /* another contributing window, or -1 */
} SchedStretch;

/* A scheduled scaling action derived from the on-set. */
typedef struct SchedAction {
    bool up;                /* true: the service switches on; false: off */
    uint8_t days;           /* days it fires: bit 0 = Monday .. bit 6 = Sunday */
    uint16_t minute;        /* minute of the day it fires, 0..1439 */
    char cron[64];          /* AWS form, e.g. "cron(0 23 ? * MON-FRI *)" */
} SchedAction;

/* Parses text[0..len) into *out (no NUL needed). Checks syntax, zones
 * (against the tz database in $TZDIR or /usr/share/zoneinfo) and mixed
 * zones; not E0651, which is sched_check_closes(). Returns false and fills
 * *err on the first error. */
bool sched_parse(const char *text, size_t len, Schedule *out, SchedError *err);

/* The diagnostic code of an error kind ("E0406"...), NULL for SCHED_OK. */
const char *sched_err_code(SchedErrKind k);

/* Minutes per week the schedule is on (0..SCHED_WEEK). */
int sched_weekly_minutes(const Schedule *s);

/* The on-set as cyclic stretches, sorted by start; writes at most cap and
 * returns how many there are. */
int sched_stretches(const Schedule *s, SchedStretch *out, int cap);

/* The longest stretch (the earliest on a tie); false if the schedule is
 * never on (cannot happen for a parsed schedule). */
bool sched_longest(const Schedule *s, SchedStretch *out);

/* E0651: true if every stretch closes within 24 hours. Otherwise fills
 * *err (kind SCHED_ERR_UNCLOSED) for the longest stretch, pointing at the
 * window that opens it. */
bool sched_check_closes(const Schedule *s, SchedError *err);

/* The scaling actions, grouped so that each time of day is one cron
 * expression: an "up" where a stretch begins and a "down" where it ends.
 * Ups come first, each group ordered by time of day. Returns the count
 * (0 for a schedule that never switches off), or -1 if cap is too small. */
int sched_actions(const Schedule *s, SchedAction *out, int cap);

/* "MON-FRI", "SUN,SAT", "*": AWS day-of-week field for a day set, in AWS
 * order (SUN..SAT, so ranges never wrap); buf of at least 32 bytes. */
void sched_cron_days(uint8_t days, char *buf, size_t cap);

/* "Fri 23:00" for a minute of the week (taken modulo a week). */
void sched_format_minute(int minute_of_week, char *buf, size_t cap);

/* Zones: E0653 check of one name. Returns true if zone[0..len) names a
 * TZif file of the tz database or is "UTC"; otherwise fills err (offsets
 * relative to zone) with a did-you-mean when one is close. */
bool sched_zone_valid(const char *zone, size_t len, SchedError *err);

/* True if two zone names denote the same zone: equal, both UTC aliases, or
 * links to the same tz database file (GB and Europe/London). For E0652
 * across the windows of one service. */
bool sched_zone_equal(const char *a, const char *b);

#endif
