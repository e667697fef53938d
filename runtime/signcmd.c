/* signcmd.c — `sfdrun sign`: signs a raw HTTP request offline and prints
 * the canonical request, the string to sign and the Authorization header,
 * so a user can see exactly what sfdrun would send (and diff it against
 * another SDK). The signature is printed here, and only here, because that
 * is the point of the command; the secret key never is, and a session
 * token is shown as <redacted> in the canonical request. */
#include "aws.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sigv4.h"

#include "banned.h"

static const char usage[] =
    "usage: sfdrun sign [options] FILE|-\n"
    "  --service NAME            SigV4 service name (required), e.g. s3, iam\n"
    "  --region REGION           SigV4 region (default $AWS_REGION)\n"
    "  --date YYYYMMDDTHHMMSSZ   signing time (default now)\n"
    "  --access-key-id ID        sign with this key id; the secret is read from\n"
    "                            the environment variable named by\n"
    "  --secret-access-key-env VAR    (default AWS_SECRET_ACCESS_KEY)\n"
    "  --session-token-env VAR   session token from this environment variable\n"
    "  --profile NAME            use the credential chain with this profile\n"
    "                            (without --access-key-id the chain is used)\n"
    "  --s3                      S3 rules: path neither normalized nor re-encoded\n"
    "  --content-sha256          add x-amz-content-sha256 (as sfdrun always does)\n";

/* Parsed command line. */
typedef struct SignOpts {
    const char *file;        /* request file or "-" */
    const char *service;     /* --service */
    const char *region;      /* --region */
    const char *date;        /* --date */
    const char *key_id;      /* --access-key-id */
    const char *secret_env;  /* --secret-access-key-env */
    const char *token_env;   /* --session-token-env */
    const char *profile;     /* --profile */
    unsigned flags;          /* AWS_SIGN_* */
} SignOpts;

/* Option value after argv[*i]; NULL (and a message) when missing. */
static const char *opt_value(int argc, char **argv, int *i)
{
    if (*i + 1 >= argc) {
        fprintf(stderr, "sfdrun sign: %s needs a value\n", argv[*i]);
        return NULL;
    }
    return argv[++*i];
}

/* Returns 0, or 2 on a usage error. */
static int parse_opts(int argc, char **argv, SignOpts *o)
{
    static const struct {
        const char *name;  /* option */
        size_t offset;     /* where its value goes in SignOpts */
    } valued[] = {
        {"--service", offsetof(SignOpts, service)},
        {"--region", offsetof(SignOpts, region)},
        {"--date", offsetof(SignOpts, date)},
        {"--access-key-id", offsetof(SignOpts, key_id)},
        {"--secret-access-key-env", offsetof(SignOpts, secret_env)},
        {"--session-token-env", offsetof(SignOpts, token_env)},
        {"--profile", offsetof(SignOpts, profile)},
    };
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        size_t k;
        for (k = 0; k < sizeof valued / sizeof *valued; k++)
            if (strcmp(a, valued[k].name) == 0)
                break;
        if (k < sizeof valued / sizeof *valued) {
            const char *v = opt_value(argc, argv, &i);
            if (!v)
                return 2;
            *(const char **)((char *)o + valued[k].offset) = v;
        } else if (strcmp(a, "--s3") == 0) {
            o->flags |= AWS_SIGN_S3;
        } else if (strcmp(a, "--content-sha256") == 0) {
            o->flags |= AWS_SIGN_CONTENT_SHA256;
        } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(usage, stdout);
            exit(0);
        } else if ((a[0] == '-' && a[1]) || o->file) {
            fprintf(stderr, "sfdrun sign: unexpected argument `%s`\n%s", a, usage);
            return 2;
        } else {
            o->file = a;
        }
    }
    if (!o->region)
        o->region = getenv("AWS_REGION");
    if (!o->file || !o->service || !o->region || !*o->region) {
        fprintf(stderr, "sfdrun sign: FILE, --service and --region (or AWS_REGION) are "
                        "required\n%s", usage);
        return 2;
    }
    return 0;
}

static char *read_all(const char *path, size_t *len)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f)
        return NULL;
    AwsBuf b;
    aws_buf_init(&b);
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        aws_buf_add(&b, chunk, n);
    if (f != stdin)
        fclose(f);
    *len = b.len;
    return aws_buf_take(&b);
}

/* Credentials from the flags, or from the chain. */
static int get_creds(const SignOpts *o, AwsCreds *c, char *err)
{
    if (o->key_id) {
        const char *var = o->secret_env ? o->secret_env : "AWS_SECRET_ACCESS_KEY";
        const char *secret = getenv(var);
        if (!secret || !*secret)
            return aws_fail(err, "environment variable %s (the secret key) is not set", var);
        const char *token = o->token_env ? getenv(o->token_env) : NULL;
        if (o->token_env && (!token || !*token))
            return aws_fail(err, "environment variable %s (session token) is not set",
                            o->token_env);
        c->access_key_id = aws_strdup(o->key_id);
        c->secret_access_key = aws_strdup(secret);
        c->session_token = aws_strdup(token);
        c->source = aws_strdup("command line");
        return c->access_key_id && c->secret_access_key && c->source ? 0
                                                                      : aws_fail(err, "out of memory");
    }
    AwsCredsChain chain;
    if (aws_creds_chain_resolve(o->profile, NULL, &chain, err))
        return -1;
    int rc = 0;
    if (chain.n_roles)
        rc = aws_fail(err, "profile `%s` assumes role %s; `sfdrun sign` works offline, so pass "
                           "static credentials", chain.profile, chain.roles[chain.n_roles - 1].role_arn);
    else if (aws_creds_copy(c, &chain.base))
        rc = aws_fail(err, "out of memory");
    aws_creds_chain_release(&chain);
    return rc;
}

/* Prints the canonical request with the session token value replaced. */
static void print_redacted(const char *creq, const char *token)
{
    const char *tl = "x-amz-security-token:";
    for (const char *s = creq; *s;) {
        const char *nl = strchr(s, '\n');
        size_t n = nl ? (size_t)(nl - s) : strlen(s);
        if (token && strncmp(s, tl, strlen(tl)) == 0)
            printf("%s<redacted>", tl);
        else
            fwrite(s, 1, n, stdout);
        if (!nl)
            break;
        putchar('\n');
        s = nl + 1;
    }
    putchar('\n');
}

int aws_sign_main(int argc, char **argv)
{
    SignOpts o = {0};
    int rc = parse_opts(argc, argv, &o);
    if (rc)
        return rc;
    char err[AWS_ERR_MAX], now[AWS_AMZ_DATE_LEN + 1];
    if (!o.date) {
        aws_amz_date(time(NULL), now);
        o.date = now;
    }
    size_t len = 0;
    char *raw = read_all(o.file, &len);
    if (!raw) {
        fprintf(stderr, "sfdrun sign: cannot read %s\n", o.file);
        return 1;
    }
    AwsRequest req;
    AwsCreds creds;
    AwsSigning s = {0};
    aws_creds_init(&creds);
    rc = 1;
    if (aws_request_parse_raw(raw, len, &req, err) ||
        !(req.signing_name = aws_strdup(o.service)) ||
        !(req.signing_region = aws_strdup(o.region)) || get_creds(&o, &creds, err)) {
        fprintf(stderr, "sfdrun sign: %s\n", err);
        goto out;
    }
    req.sign_flags = o.flags;
    if (aws_sigv4_sign(&req, &creds, o.date, &s, err)) {
        fprintf(stderr, "sfdrun sign: %s\n", err);
        goto out;
    }
    printf("=== canonical request\n");
    print_redacted(s.canonical_request, creds.session_token);
    printf("=== string to sign\n%s\n", s.string_to_sign);
    printf("=== authorization\n%s\n", s.authorization);
    rc = fflush(stdout) == 0 ? 0 : 1;
out:
    aws_signing_release(&s);
    aws_creds_release(&creds);
    aws_request_release(&req);
    free(raw);
    return rc;
}
