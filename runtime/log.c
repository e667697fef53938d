/* log.c — output for people and for CI, with redaction (see log.h).
 * Human mode writes one line per finished step and, on a terminal, keeps a
 * progress line at the bottom; JSON mode writes one object per line. */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "banned.h"

/* The one logger of the process. */
static struct {
    LogFormat fmt;   /* human or JSON */
    int verbose;     /* --verbose */
    int tty;         /* out is a terminal: draw the progress line */
    int progress_on; /* a progress line is currently drawn */
    FILE *out;       /* where everything goes */
} lg = { LOG_HUMAN, 0, 0, 0, NULL };

void log_init(LogFormat fmt, int verbose, FILE *out)
{
    lg.fmt = fmt;
    lg.verbose = verbose;
    lg.out = out ? out : stderr;
    lg.tty = fmt == LOG_HUMAN && isatty(fileno(lg.out));
    lg.progress_on = 0;
}

int log_verbose(void) { return lg.verbose; }
LogFormat log_format(void) { return lg.fmt; }

static FILE *out_stream(void) { return lg.out ? lg.out : stderr; }

/* Member names whose values are secrets, wherever they appear. */
static const char *const secret_keys[] = {
    "SecretAccessKey", "secret_access_key", "SessionToken", "session_token",
    "Security-Token", "SecurityToken", "Signature", "Password",
};

/* Length of the secret value starting at s (up to a delimiter). */
static size_t value_len(const char *s)
{
    size_t n = 0;
    while (s[n] && !strchr("\"'&<,; \t\r\n}", s[n]))
        n++;
    return n;
}

/* If s starts with a secret key, returns the key's length, else 0. */
static size_t secret_key_at(const char *s)
{
    for (size_t i = 0; i < sizeof secret_keys / sizeof *secret_keys; i++) {
        size_t k = strlen(secret_keys[i]);
        if (strncasecmp(s, secret_keys[i], k) == 0)
            return k;
    }
    return 0;
}

char *log_redact(const char *s, char *out, size_t n)
{
    size_t o = 0;
    if (n == 0)
        return out;
    for (size_t i = 0; s && s[i] && o + 1 < n;) {
        size_t k = secret_key_at(s + i);
        if (!k && strncmp(s + i, "Credential=", 11) == 0) {
            /* keep "Credential=AKIA", mask the rest of the key id */
            size_t keep = 11 + 4;
            for (size_t j = 0; j < keep && s[i] && o + 1 < n; j++)
                out[o++] = s[i++];
            while (s[i] && s[i] != '/' && !strchr("\"&, ", s[i]))
                i++;
            for (const char *m = "****"; *m && o + 1 < n; m++)
                out[o++] = *m;
            continue;
        }
        /* a key only when a delimiter follows ("SignatureDoesNotMatch" and
         * "the signature you provided" are prose, not secrets) */
        if (k && !strchr("=:\"'>", s[i + k]))
            k = 0;
        if (!k) {
            out[o++] = s[i++];
            continue;
        }
        for (size_t j = 0; j < k && o + 1 < n; j++)
            out[o++] = s[i++];
        /* the delimiters between a key and its value: = : " > and blanks */
        while (s[i] && strchr("=:\"'> \t", s[i]) && o + 1 < n)
            out[o++] = s[i++];
        size_t v = value_len(s + i);
        if (v > 0) {
            i += v;
            for (const char *m = "<redacted>"; *m && o + 1 < n; m++)
                out[o++] = *m;
        }
    }
    out[o] = '\0';
    return out;
}

/* 1 when needle occurs in hay, ignoring ASCII case. */
static int contains_ci(const char *hay, const char *needle)
{
    size_t k = strlen(needle);
    for (; *hay; hay++)
        if (strncasecmp(hay, needle, k) == 0)
            return 1;
    return 0;
}

int log_header_is_secret(const char *name)
{
    return strcasecmp(name, "Authorization") == 0 || contains_ci(name, "token") ||
           contains_ci(name, "secret") || contains_ci(name, "signature");
}

void log_progress_clear(void)
{
    if (lg.progress_on) {
        fputs("\r\033[K", out_stream());
        lg.progress_on = 0;
    }
}

void log_progress(size_t done, size_t total, size_t running)
{
    if (!lg.tty)
        return;
    fprintf(out_stream(), "\r\033[K[%zu/%zu] %zu running", done, total, running);
    fflush(out_stream());
    lg.progress_on = 1;
}

/* Writes s as a JSON string literal (quotes included). */
static void json_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if (*p == '\n')
            fputs("\\n", f);
        else if (*p == '\t')
            fputs("\\t", f);
        else if (*p < 0x20)
            fprintf(f, "\\u%04x", *p);
        else
            fputc(*p, f);
    }
    fputc('"', f);
}

/* The current UTC time as 2024-01-02T03:04:05.678Z. */
static void now_iso(char *buf, size_t n)
{
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    size_t k = strftime(buf, n, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf + k, n - k, ".%03ldZ", ts.tv_nsec / 1000000);
}

void log_event(const char *event, const LogField *fields, size_t n_fields,
               const char *human, ...)
{
    FILE *f = out_stream();
    char red[4096];
    if (lg.fmt == LOG_JSON) {
        char t[40];
        now_iso(t, sizeof t);
        fputs("{\"t\":", f);
        json_string(f, t);
        fputs(",\"event\":", f);
        json_string(f, event);
        for (size_t i = 0; i < n_fields; i++) {
            if (!fields[i].value)
                continue;
            fputc(',', f);
            json_string(f, fields[i].key);
            fputc(':', f);
            if (fields[i].is_num)
                fputs(fields[i].value, f);
            else
                json_string(f, log_redact(fields[i].value, red, sizeof red));
        }
        fputs("}\n", f);
        fflush(f);
        return;
    }
    if (!human)
        return;
    char line[4096];
    va_list ap;
    va_start(ap, human);
    vsnprintf(line, sizeof line, human, ap);
    va_end(ap);
    log_progress_clear();
    fputs(log_redact(line, red, sizeof red), f);
    fputc('\n', f);
    fflush(f);
}
