/* log.h — sfdrun's one choke point for output: human progress on a
 * terminal, plain lines otherwise, or JSON lines (--log-format json) for CI.
 * Every message that may carry text from the network passes through
 * log_redact first, so secrets never reach the output. */
#ifndef SFDRUN_LOG_H
#define SFDRUN_LOG_H

#include <stddef.h>
#include <stdio.h>

typedef enum LogFormat {
    LOG_HUMAN, /* lines for people; a live progress line when on a TTY */
    LOG_JSON,  /* one JSON object per line */
} LogFormat;

/* One key/value for a JSON event; value NULL is skipped. is_num: value is
 * emitted unquoted (it must be a valid JSON number). */
typedef struct LogField {
    const char *key;   /* member name */
    const char *value; /* text, or NULL to omit */
    int is_num;        /* 1: a number, written as is */
} LogField;

/* Sets the format, verbosity and stream (NULL = stderr); detects a TTY. */
void log_init(LogFormat fmt, int verbose, FILE *out);
/* 1 when --verbose was given. */
int log_verbose(void);
LogFormat log_format(void);

/* An event: in JSON, {"t":..., "event":event, fields...}; for people, the
 * `human` line (printf format) when non-NULL. Values are redacted. */
void log_event(const char *event, const LogField *fields, size_t n_fields,
               const char *human, ...) __attribute__((format(printf, 4, 5)));

/* The live progress line on a TTY ("[12/55] 3 running"); no-op otherwise. */
void log_progress(size_t done, size_t total, size_t running);
/* Clears the progress line before other output (called by log_event). */
void log_progress_clear(void);

/* 1 when an HTTP header carries a secret and must never be printed
 * (Authorization, X-Amz-Security-Token, and any *token* / *secret* name). */
int log_header_is_secret(const char *name);

/* Copies s into out (always NUL-terminated, truncated to n), masking
 * secrets: values after "Signature=", "Credential=" access keys beyond their
 * first 4 characters, and the values of JSON/XML/query members named
 * SecretAccessKey, SessionToken, Token, Password, X-Amz-Security-Token.
 * Returns out. */
char *log_redact(const char *s, char *out, size_t n);

#endif
