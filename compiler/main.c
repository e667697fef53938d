/* main.c — the sfdc command line.
 *
 * The whole compiler, top-down, is run_pipeline(): load (read + lex +
 * parse every file and import), then the later phases, then print the
 * diagnostics through the one choke point. Subcommands pick how far the
 * pipeline runs and what it emits. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "build.h"
#include "diag.h"
#include "eval.h"
#include "explain.h"
#include "fmtcmd.h"
#include "load.h"
#include "lsp.h"
#include "model.h"
#include "graph.h"
#include "matrix.h"
#include "planemit.h"
#include "rules.h"
#include "schema.h"
#include "banned.h"

enum { EXIT_DIAG = 1, EXIT_USAGE = 2, EXIT_INTERNAL = 70 };

typedef enum Command { CMD_CHECK, CMD_PARSE, CMD_EXPLAIN, CMD_EXPORT, CMD_PLAN, CMD_BUILD, CMD_GRAPH } Command;

typedef struct Options {
    Command cmd;
    char **paths;           /* files and directories, from argv */
    int npaths;
    DiagFormat format;
    int color;              /* -1 auto, 0 never, 1 always */
    unsigned max_errors;
    bool werror;
    bool dump;              /* parse: print the tree */
    const char *stdlib;     /* --stdlib DIR */
    const char *env;        /* explain, export: --env NAME */
    const char *what;       /* explain: the PATH asked about */
    PlanDeploy deploy;      /* plan: --target terragrunt|terraform|none */
    GraphFormat graph;      /* graph: --format mermaid|dot */
    BuildOptions build;     /* build: -o, --target, --env, --check */
    Budget budget;          /* --max-steps, --max-uses, ...: work limits */
    char **args;            /* the command line after the command (build's fast path) */
    int nargs;
} Options;

static const char usage_text[] =
    "usage: sfdc <command> [options] [FILE|DIR]...\n"
    "\n"
    "sfdc compiles .sfd platform descriptions: it type-checks them and emits\n"
    "a Terragrunt tree and a runtime plan for sfdrun.\n"
    "\n"
    "commands:\n"
    "  check     type-check files and report every problem (default: .)\n"
    "  parse     parse only; --dump prints the syntax tree\n"
    "  explain   PATH: a value, its type and where it came from\n"
    "  export    the fully evaluated platform as JSON\n"
    "  build     write the Terragrunt (or plain Terraform) tree: -o DIR\n"
    "  graph     accounts, image pulls, shared buckets and unit wiring (Mermaid/DOT)\n"
    "  fmt       rewrite files in the canonical layout (--check, --diff, -)\n"
    "  lsp       a language server for editors, over stdin/stdout\n"
    "  help CMD  detailed help for a command\n"
    "\n"
    "options:\n"
    "  --diag-format=human|gcc|json|sarif   how diagnostics are printed (human)\n"
    "  --color=auto|always|never            colour in human output (auto: on a terminal)\n"
    "  --max-errors=N                       print at most N errors (100; 0: no limit)\n"
    "  -Werror                              treat warnings as errors\n"
    "  --stdlib=DIR                         the standard library (default: beside sfdc)\n"
    "  --max-steps=N, --max-uses=N, --max-iterations=N, --max-string=BYTES,\n"
    "  --max-string-total=BYTES, --max-files=N, --max-import-depth=N\n"
    "                                       evaluation budgets (SPEC 7.4; defaults fit\n"
    "                                       100,000 accounts)\n"
    "  -h, --help                           this help\n"
    "  --version                            print the version\n"
    "\n"
    "exit status: 0 ok, 1 diagnostics reported, 2 usage error, 70 internal error\n";

static const char help_check[] =
    "usage: sfdc check [options] [FILE|DIR]...\n"
    "\n"
    "Loads every named file (directories are searched for *.sfd, recursively),\n"
    "everything they import and the standard library, and reports every\n"
    "problem found: syntax, names, types and units, AWS's own rules and the\n"
    "platform's intent. Nothing is written. With no paths, checks `.`.\n"
    "\n"
    "All errors in all files are reported, sorted by file and position.\n"
    "Use --diag-format=gcc for editors, json for scripts, sarif for code\n"
    "scanning. Exit status is 1 when any error (or, with -Werror, warning)\n"
    "was reported.\n";

static const char help_parse[] =
    "usage: sfdc parse [--dump] [FILE]...\n"
    "\n"
    "Reads and parses files without checking them; --dump prints the syntax\n"
    "tree as s-expressions (for debugging sfdc and for tests).\n";

static const char help_explain[] =
    "usage: sfdc explain [--env NAME] [options] PATH [FILE|DIR]...\n"
    "\n"
    "Checks the program like `sfdc check`, then shows one value of the\n"
    "evaluated platform and where it came from. PATH is an object or a field:\n"
    "\n"
    "  la-camden                          an account\n"
    "  la-camden.service.daemon           a block: KIND.NAME below its parent\n"
    "  la-camden.network                  a block without a name: KIND\n"
    "  la-camden.service.daemon.memory    a field\n"
    "  platform.sfdata.state.bucket       top-level blocks other than accounts: KIND.NAME\n"
    "\n"
    "For a field it prints the final value, its type, its origin (schema\n"
    "default, set in source, template argument, environment override) and\n"
    "the chain of source locations the value passed through, newest first:\n"
    "the override, the attribute, the template argument, the literal. For an\n"
    "object it lists every field with its value and origin.\n"
    "\n"
    "  --env NAME   the value in environment NAME (with its overrides);\n"
    "               without it, the base value and every environment's override\n"
    "\n"
    "Diagnostics found while checking are printed too; the exit status is 1\n"
    "if there were errors or PATH does not exist.\n";

static const char help_export[] =
    "usage: sfdc export [--format json] [--env NAME] [options] [FILE|DIR]...\n"
    "\n"
    "Checks the program like `sfdc check` and, if it has no errors, prints the\n"
    "fully evaluated platform as one JSON document on stdout: the model the\n"
    "back ends consume, for scripts, reviews and diffs.\n"
    "\n"
    "  {\"format\": \"sfdc-export/1\", \"environment\": null, \"units\": {...},\n"
    "   \"objects\": {PATH: {\"kind\", \"name\", \"fields\": {...}, \"state\": {...},\n"
    "                      \"children\": {PATH: {...}}}}}\n"
    "\n"
    "Every field of every object is present, defaults included; objects are\n"
    "sorted by path and fields are in schema order, so the output is stable for\n"
    "diffs. Quantities are numbers in base units (cpu units, MiB, ACU,\n"
    "seconds, percent; listed under \"units\"); references are {\"ref\": PATH};\n"
    "`vpn(10.0.0.0/8)` is {\"call\": \"vpn\", \"args\": [\"10.0.0.0/8\"]}. Accounts\n"
    "carry their `platform { state {} }` values under \"state\".\n"
    "\n"
    "  --format json   the only format (the default)\n"
    "  --env NAME      apply environment NAME's overrides and keep only its accounts\n"
    "\n"
    "Exit status 1 (and no document) when the program has errors.\n";

static const char help_lsp[] =
    "usage: sfdc lsp [--stdlib DIR]\n"
    "\n"
    "Runs the language server on stdin and stdout (LSP 3.17, JSON-RPC with\n"
    "Content-Length framing) for editors: diagnostics for the whole workspace\n"
    "as you type, hover with each environment's value and its provenance,\n"
    "definition, references, rename, symbols, completion, quick fixes, inlay\n"
    "hints, semantic tokens and formatting. The workspace is the folder the\n"
    "editor opens. See SPEC.md section 14 and editors/ for set-ups.\n";

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "sfdc: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\nTry 'sfdc --help'.\n");
    va_end(ap);
    return EXIT_USAGE;
}

static int help_for(const char *cmd)
{
    if (!cmd) {
        fputs(usage_text, stdout);
        return 0;
    }
    if (strcmp(cmd, "check") == 0)
        fputs(help_check, stdout);
    else if (strcmp(cmd, "parse") == 0)
        fputs(help_parse, stdout);
    else if (strcmp(cmd, "explain") == 0)
        fputs(help_explain, stdout);
    else if (strcmp(cmd, "export") == 0)
        fputs(help_export, stdout);
    else if (strcmp(cmd, "build") == 0)
        fputs(build_help, stdout);
    else if (strcmp(cmd, "graph") == 0)
        fputs(graph_help, stdout);
    else if (strcmp(cmd, "lsp") == 0)
        fputs(help_lsp, stdout);
    else if (strcmp(cmd, "fmt") == 0)
        fputs(fmtcmd_help, stdout);
    else
        return usage_error("no help for unknown command '%s'", cmd);
    return 0;
}

static bool parse_format(const char *s, DiagFormat *f)
{
    static const char *const names[] = {"human", "gcc", "json", "sarif"};
    for (int i = 0; i < 4; i++)
        if (strcmp(s, names[i]) == 0)
            return *f = (DiagFormat)i, true;
    return false;
}

/* "--name=value" or "--name value"; returns the value or NULL. */
static const char *opt_value(const char *name, int argc, char **argv, int *i)
{
    size_t n = strlen(name);
    if (strncmp(argv[*i], name, n) != 0)
        return NULL;
    if (argv[*i][n] == '=')
        return argv[*i] + n + 1;
    if (argv[*i][n] == '\0' && *i + 1 < argc)
        return argv[++*i];
    return NULL;
}

/* Returns -1 to go on, or an exit status. */
static int parse_option(Options *o, int argc, char **argv, int *i)
{
    const char *a = argv[*i], *v;
    int brc = o->cmd == CMD_BUILD ? build_option(&o->build, argc, argv, i) : 0;
    if (!brc)
        brc = budget_option(&o->budget, argc, argv, i);
    if (brc)
        return brc < 0 ? EXIT_USAGE : -1;
    if ((v = opt_value("--diag-format", argc, argv, i))) {
        if (!parse_format(v, &o->format))
            return usage_error("unknown diagnostic format '%s' (human, gcc, json, sarif)", v);
    } else if ((v = opt_value("--color", argc, argv, i))) {
        o->color = strcmp(v, "always") == 0 ? 1 : strcmp(v, "never") == 0 ? 0 : -1;
        if (o->color == -1 && strcmp(v, "auto") != 0)
            return usage_error("unknown colour mode '%s' (auto, always, never)", v);
    } else if ((v = opt_value("--max-errors", argc, argv, i))) {
        char *end;
        long n = strtol(v, &end, 10);
        if (*end || n < 0 || n > 1000000)
            return usage_error("--max-errors takes a number, not '%s'", v);
        o->max_errors = (unsigned)n;
    } else if ((v = opt_value("--stdlib", argc, argv, i))) {
        o->stdlib = v;
    } else if ((o->cmd == CMD_EXPLAIN || o->cmd == CMD_EXPORT || o->cmd == CMD_PLAN ||
                o->cmd == CMD_GRAPH) &&
               (v = opt_value("--env", argc, argv, i))) {
        o->env = v;
    } else if (o->cmd == CMD_EXPORT && (v = opt_value("--format", argc, argv, i))) {
        if (strcmp(v, "json") != 0)
            return usage_error("unknown export format '%s' (json)", v);
    } else if (o->cmd == CMD_GRAPH && (v = opt_value("--format", argc, argv, i))) {
        if (strcmp(v, "mermaid") != 0 && strcmp(v, "dot") != 0)
            return usage_error("unknown graph format '%s' (mermaid, dot)", v);
        o->graph = strcmp(v, "dot") == 0 ? GRAPH_DOT : GRAPH_MERMAID;
    } else if (o->cmd == CMD_PLAN && (v = opt_value("--target", argc, argv, i))) {
        static const char *const targets[] = {"terragrunt", "terraform", "none"};
        int t = 0;
        while (t < 3 && strcmp(v, targets[t]) != 0)
            t++;
        if (t == 3)
            return usage_error("unknown plan target '%s' (terragrunt, terraform, none)", v);
        o->deploy = (PlanDeploy)t;
    } else if (strcmp(a, "-Werror") == 0) {
        o->werror = true;
    } else if (strcmp(a, "--dump") == 0 && o->cmd == CMD_PARSE) {
        o->dump = true;
    } else {
        return usage_error("unknown option '%s'", a);
    }
    return -1;
}

static int parse_args(Options *o, int argc, char **argv)
{
    o->color = -1;
    o->max_errors = 100;
    budget_init(&o->budget);
    o->paths = xcalloc((size_t)argc, sizeof *o->paths);
    const char *cmd = argv[1];
    o->args = argv + 2;
    o->nargs = argc - 2;
    if (strcmp(cmd, "check") == 0)
        o->cmd = CMD_CHECK;
    else if (strcmp(cmd, "parse") == 0)
        o->cmd = CMD_PARSE;
    else if (strcmp(cmd, "explain") == 0)
        o->cmd = CMD_EXPLAIN;
    else if (strcmp(cmd, "export") == 0)
        o->cmd = CMD_EXPORT;
    else if (strcmp(cmd, "build") == 0)
        o->cmd = CMD_BUILD;
    else if (strcmp(cmd, "plan") == 0)     /* hidden debug command: the plan on stdout */
        o->cmd = CMD_PLAN;
    else if (strcmp(cmd, "graph") == 0)
        o->cmd = CMD_GRAPH;
    else
        return usage_error("unknown command '%s'", cmd);
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0) {
            while (++i < argc)
                o->paths[o->npaths++] = argv[i];
            break;
        }
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
            return help_for(cmd);
        if (argv[i][0] == '-' && argv[i][1]) {
            int rc = parse_option(o, argc, argv, &i);
            if (rc >= 0)
                return rc;
            continue;
        }
        if (o->cmd == CMD_EXPLAIN && !o->what)
            o->what = argv[i];
        else
            o->paths[o->npaths++] = argv[i];
    }
    if (o->cmd == CMD_EXPLAIN && !o->what)
        return usage_error("%s", "explain needs a PATH, e.g. 'sfdc explain la-camden.service.daemon.cpu'");
    return -1;
}

static void setup_diag(DiagEngine *d, const Options *o)
{
    diag_init(d);
    d->format = o->format;
    d->max_errors = o->max_errors;
    d->werror = o->werror;
    d->color = o->color == 1 || (o->color == -1 && isatty(STDERR_FILENO) && getenv("NO_COLOR") == NULL);
}

/* The pipeline. Each phase reports into pg->diag and leaves what later
 * phases need in the Program. */
static int run_pipeline(const Options *o, const char *argv0)
{
    DiagEngine diag;
    setup_diag(&diag, o);
    char *std = o->stdlib ? xstrdup(o->stdlib) : load_find_stdlib(argv0);
    bool writes = o->cmd == CMD_BUILD && !o->build.check && !o->build.matrix;
    BuildInputs in = {.args = o->args, .nargs = o->nargs, .paths = o->paths, .npaths = o->npaths, .stdlib = std};
    if (writes) {   /* nothing changed since the last build: replay it, load nothing */
        BuildOptions bo = o->build;
        bo.format = o->format;
        int frc = build_fast(&bo, &in, stdout, stderr);
        if (frc >= 0) {
            diag_release(&diag);
            free(std);
            return frc;
        }
    }
    Program pg;
    load_init(&pg, &diag, std);
    pg.budget = o->budget;
    static char here[] = ".";
    char *dot[] = {here};
    load_program(&pg, o->npaths ? o->paths : dot, o->npaths ? o->npaths : 1);
    if (o->cmd == CMD_PARSE && o->dump)
        for (int i = 0; i < pg.nfiles; i++)
            if (!pg.files[i]->is_std)
                ast_dump(pg.files[i]->items, stdout);
    Schemas schemas;
    Model model;
    schema_init(&schemas, &pg.arena, &pg.in);
    model_init(&model, &pg, &schemas);
    Eval *ev = NULL;
    if (o->cmd != CMD_PARSE) {
        ev = eval_new(&pg, &schemas, &model);
        eval_run(ev);
        rules_check(ev, &model, &diag);
        eval_finish(ev);
    }
    FILE *out = o->format == DIAG_HUMAN || o->cmd == CMD_EXPORT || o->cmd == CMD_EXPLAIN ||
                        o->cmd == CMD_PLAN || o->cmd == CMD_GRAPH
                    ? stderr : stdout;
    bool failed = diag_failed(&diag);
    char *printed = NULL;
    size_t nprinted = 0;
    FILE *cap = writes ? open_memstream(&printed, &nprinted) : NULL;
    diag_flush(&diag, cap ? cap : out);
    if (cap) {      /* kept for build's record, which replays them */
        fclose(cap);
        fwrite(printed, 1, nprinted, out);
        in.printed = printed;
        in.nprinted = nprinted;
        in.printed_stdout = out == stdout;
    }
    int rc = failed ? EXIT_DIAG : 0;
    if (o->cmd == CMD_EXPLAIN) {
        int erc = explain_run(&model, o->what, o->env, stdout, stderr);
        rc = rc ? rc : erc;
    } else if (o->cmd == CMD_EXPORT && !failed) {
        rc = export_run(&model, o->env, stdout, stderr);
    } else if (o->cmd == CMD_PLAN && !failed) {
        PlanEmitOptions po = {.deploy = o->deploy};
        rc = planemit_run(&model, o->env, &po, stdout, stderr);
    } else if (o->cmd == CMD_GRAPH && !failed) {
        rc = graph_run(&model, o->env, o->graph, stdout, stderr);
    } else if (o->cmd == CMD_BUILD && !failed && o->build.matrix) {
        rc = matrix_run(&model, &o->build, stdout, stderr);
    } else if (o->cmd == CMD_BUILD && !failed) {
        BuildOptions bo = o->build;
        bo.format = o->format;
        bo.in = &in;
        rc = build_run(&model, &bo, stdout, stderr);
    }
    eval_free(ev);
    model_release(&model);
    schema_release(&schemas);
    load_release(&pg);
    diag_release(&diag);
    free(printed);
    free(std);
    return rc;
}

/* `sfdc lsp [--stdlib DIR]`: the language server; stdout carries only
 * protocol bytes from here on. */
static int run_lsp(int argc, char **argv)
{
    const char *std_opt = NULL;
    for (int i = 2; i < argc; i++) {
        const char *v = opt_value("--stdlib", argc, argv, &i);
        if (v)
            std_opt = v;
        else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
            return help_for("lsp");
        else if (strcmp(argv[i], "--stdio") != 0)   /* what VS Code's client passes */
            return usage_error("unknown option '%s'", argv[i]);
    }
    char *std = std_opt ? xstrdup(std_opt) : load_find_stdlib(argv[0]);
    int rc = lsp_run(std, STDIN_FILENO, stdout);
    free(std);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return usage_error("%s", "no command given"), EXIT_USAGE;
    if (strcmp(argv[1], "--version") == 0) {
        printf("sfdc %s\n", SFDC_VERSION);
        return 0;
    }
    if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)
        return help_for(NULL);
    if (strcmp(argv[1], "help") == 0)
        return help_for(argc > 2 ? argv[2] : NULL);
    if (strcmp(argv[1], "fmt") == 0)    /* no program to load: files one by one */
        return fmtcmd_run(argc - 1, argv + 1);
    if (strcmp(argv[1], "lsp") == 0)
        return run_lsp(argc, argv);
    Options o = {0};
    int rc = parse_args(&o, argc, argv);
    if (rc < 0)
        rc = run_pipeline(&o, argv[0]);
    free(o.paths);
    return rc;
}
