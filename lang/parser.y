/* parser.y — the .sfd grammar (Bison 3.8, canonical LR(1)).
 *
 * Canonical LR(1) with default reductions only in consistent states
 * detects a syntax error on the very token that causes it, before any
 * reduction, so the expected-token list read from the state's row is
 * exact: what LAC (`parse.lac full`) gave an LALR table, without LAC's
 * trial parse before each lookahead-driven reduction (11% of the
 * instructions of a parse). The table is larger (862 states, not 203);
 * the messages, recovery and trees are the same.
 *
 * SPEC.md's EBNF mirrors these rules (item-core, postfix and primary are
 * written into their users here); change both together. Lists are built
 * circular (O(1) per element, in order) and cut once complete: see append.
 * Error recovery happens only at item level (`items error`), so a mistake
 * costs the rest of one item, never the rest of the file. */

%require "3.8"
%define api.pure full
%define api.token.prefix {TOK_}
%define api.location.type {Span}
%define parse.error custom
%define lr.type canonical-lr           /* see the top of this file */
%define lr.default-reduction consistent
%locations
%expect 0
%param {Parser *p}

%code requires {
#include "parse.h"
}

%code {
/* Static, so that the compiler can fold the token fetch into yyparse. */
static int yylex(YYSTYPE *val, Span *loc, Parser *p);
static void yyerror(Span *loc, Parser *p, const char *msg);
#include <string.h>
#include "banned.h"

#define YYLLOC_DEFAULT(Cur, Rhs, N)                               \
    do {                                                          \
        if (N) {                                                  \
            (Cur).start = YYRHSLOC(Rhs, 1).start;                 \
            (Cur).end = YYRHSLOC(Rhs, N).end;                     \
        } else {                                                  \
            (Cur).start = (Cur).end = YYRHSLOC(Rhs, 0).end;       \
        }                                                         \
    } while (0)

static Node *mk(Parser *p, NodeKind k, Span sp) { return ast_new(p->arena, k, sp); }

static Node *mk2(Parser *p, NodeKind k, Span sp, Node *a, Node *b)
{
    Node *n = mk(p, k, sp);
    n->a = a;
    n->b = b;
    return n;
}

static inline Node *named(Parser *p, NodeKind k, Span sp, const char *name, Span name_sp)
{
    Node *n = mk(p, k, sp);
    n->name = name;
    n->name_span = name_sp;
    return n;
}

/* A list under construction is its last element, whose next points back
 * to the first (a circular list): appending is O(1) and keeps source
 * order, so no second pass over the nodes is needed to reverse it. */
static Node *append(Node *tail, Node *item)
{
    if (!item)
        return tail;
    item->next = tail ? tail->next : item;
    if (tail)
        tail->next = item;
    return item;
}

/* The finished list: its first element, with the cycle cut. */
static Node *close_list(Node *tail)
{
    if (!tail)
        return NULL;
    Node *head = tail->next;
    tail->next = NULL;
    return head;
}

/* Expression trees are bounded in depth, so every later phase may recurse
 * over them: `1 + 1 + ... + 1` parses with a flat Bison stack but would
 * build a left-deep tree of any depth. Past the bound the subtree becomes an
 * error node, reported once per file. */
enum { EXPR_MAX_DEPTH = 1000 };

static Node *deepen(Parser *p, Node *n)
{
    unsigned da = n->a ? n->a->depth : 0, db = n->b ? n->b->depth : 0;
    n->depth = (uint16_t)(1 + (da > db ? da : db));
    if (da < EXPR_MAX_DEPTH && db < EXPR_MAX_DEPTH)
        return n;
    if (!p->deep_reported) {
        p->deep_reported = true;
        p->errors++;
        Diag *d = diag_new(p->diag, DIAG_ERROR, "E0110", p->src, n->span,
                           "expression nested too deeply");
        diag_label(p->diag, d, "more than %d operators deep", EXPR_MAX_DEPTH);
        diag_help(p->diag, d, "split the expression with `let` bindings");
        diag_emit(p->diag, d);
    }
    return mk(p, NODE_ERROR, n->span);
}

static Node *binary(Parser *p, Span sp, BinOp op, Node *a, Node *b)
{
    Node *n = mk2(p, NODE_BINARY, sp, a, b);
    n->op = (uint8_t)op;
    return deepen(p, n);
}
}

%union {
    Node *node;         /* nodes, and lists of them (reversed while building) */
    const char *name;   /* interned identifier */
}

%token END 0 "end of file"
%token <name> IDENT "identifier"
%token <node> NUMBER "number"
%token <node> QUANTITY "quantity"
%token <node> CIDR "CIDR"
%token <node> STR_TEXT "string text"
%token STR_BEGIN "string"
%token STR_END "end of string"
%token INTERP_BEGIN "${"
%token INTERP_END "} of interpolation"
%token IMPORT "import" LET "let" TEMPLATE "template" USE "use"
%token FOR "for" IN "in" IF "if" ELSE "else"
%token TRUE "true" FALSE "false" NULL "null"
%token SCHEMA "schema" ENUM "enum"
%token DOTDOT ".." EQ "==" NE "!=" LE "<=" GE ">=" AND "&&" OR "||"

%type <node> items item target label body body_fields
%type <node> params params_opt param args args_opt arg annot
%type <node> else_opt fields field parents idents
%type <node> type type_args bounds bound expr string str_parts
%type <node> list_items list_opt record_items record_item

%nonassoc DOTDOT
%left OR
%left AND
%nonassoc EQ NE '<' LE '>' GE
%left '+' '-'
%left '*' '/' '%'
%precedence '!' UMINUS
/* The other character tokens in their order of first use in the rules:
 * token numbers order expected-token lists, and the next line would
 * otherwise number `.`, `[` and `(` first. */
%token '@' '(' ')' '=' '{' '}' ';' '.' ',' ':' '?' '[' ']'
%precedence '.' '[' '('         /* postfix operators bind tightest */

%%

/* file = { item } ; */
file
    : items                     { p->items = close_list($1); }
    ;

items
    : %empty                    { $$ = NULL; }
    | items item                { $$ = append($1, $2); }
    | items error               { $$ = append($1, mk(p, NODE_ERROR, @2)); }
    ;

/* annotation = "@" ident "(" [ args ] ")" ; */
annot
    : '@' IDENT '(' args_opt ')'
                                { $$ = named(p, NODE_ANNOT, @$, $2, @2); $$->a = $4; }
    ;

/* item = { annotation } item-core ; the item-core alternatives are written
 * here directly: a unit rule `item: item_core` cost a reduction per item. */
item
    : IMPORT string             { $$ = mk2(p, NODE_IMPORT, @$, $2, NULL); p->has_imports = true; }
    | LET IDENT '=' expr        { $$ = named(p, NODE_LET, @$, $2, @2); $$->b = $4; }
    | IDENT '=' expr            { $$ = named(p, NODE_ATTR, @$, $1, @1); $$->b = $3; }
    | target '=' expr           { $$ = mk2(p, NODE_ATTR, @$, $1, $3); }
    | IDENT label body          { $$ = named(p, NODE_BLOCK, @$, $1, @1); $$->a = $2; $$->b = $3; }
    | IDENT body                { $$ = named(p, NODE_BLOCK, @$, $1, @1); $$->b = $2; }
    | TEMPLATE IDENT '(' params_opt ')' body
                                { $$ = named(p, NODE_TEMPLATE, @$, $2, @2); $$->a = $4; $$->b = $6; }
    | USE IDENT '(' args_opt ')'
                                { $$ = named(p, NODE_USE, @$, $2, @2); $$->a = $4; }
    | FOR IDENT IN expr body    { $$ = named(p, NODE_FOR, @$, $2, @2); $$->a = $4; $$->b = $5; }
    | IF expr body else_opt     { $$ = mk2(p, NODE_IF, @$, $2, $3); $$->els = $4; }
    | SCHEMA IDENT body_fields  { $$ = named(p, NODE_SCHEMA, @$, $2, @2); $$->b = $3; }
    | SCHEMA IDENT IN parents body_fields
                                { $$ = named(p, NODE_SCHEMA, @$, $2, @2); $$->a = close_list($4); $$->b = $5; }
    | ENUM IDENT '{' idents '}' { $$ = named(p, NODE_ENUM, @$, $2, @2); $$->a = close_list($4); }
    | ';'                       { $$ = NULL; }
    | annot item                { $$ = $2; if ($$) { $1->next = $$->annots; $$->annots = $1; $$->span.start = @$.start; } }
    ;

body
    : '{' items '}'             { $$ = close_list($2); }
    ;

body_fields
    : '{' fields '}'            { $$ = close_list($2); }
    ;

else_opt
    : %empty                    { $$ = NULL; }
    | ELSE body                 { $$ = $2; }
    | ELSE IF expr body else_opt
                                { $$ = mk2(p, NODE_IF, @$, $3, $4); $$->els = $5; }
    ;

/* target = ident { "." ident } ; a dotted one (a simple one is the ATTR's
 * own name: see item) */
target
    : IDENT '.' IDENT           { $$ = named(p, NODE_GET, @$, $3, @3); $$->a = named(p, NODE_IDENT, @1, $1, @1); }
    | target '.' IDENT          { $$ = named(p, NODE_GET, @$, $3, @3); $$->a = $1; }
    ;

label
    : IDENT                     { $$ = named(p, NODE_IDENT, @$, $1, @1); }
    | string                    { $$ = $1; }
    ;

params_opt
    : %empty                    { $$ = NULL; }
    | params opt_comma          { $$ = close_list($1); }
    ;

params
    : param                     { $$ = append(NULL, $1); }
    | params ',' param          { $$ = append($1, $3); }
    ;

/* param = ident ":" type [ "=" expr ] ; */
param
    : IDENT ':' type            { $$ = named(p, NODE_PARAM, @$, $1, @1); $$->a = $3; }
    | IDENT ':' type '=' expr   { $$ = named(p, NODE_PARAM, @$, $1, @1); $$->a = $3; $$->b = $5; }
    ;

args_opt
    : %empty                    { $$ = NULL; }
    | args opt_comma            { $$ = close_list($1); }
    ;

args
    : arg                       { $$ = append(NULL, $1); }
    | args ',' arg              { $$ = append($1, $3); }
    ;

arg
    : expr                      { $$ = mk2(p, NODE_ARG, @$, $1, NULL); }
    | IDENT '=' expr            { $$ = named(p, NODE_ARG, @$, $1, @1); $$->a = $3; }
    ;

opt_comma
    : %empty
    | ','
    ;

fields
    : %empty                    { $$ = NULL; }
    | fields field              { $$ = append($1, $2); }
    | fields error              { $$ = append($1, mk(p, NODE_ERROR, @2)); }
    ;

/* field = { annotation } ident ":" type [ "=" expr ] ; */
field
    : IDENT ':' type            { $$ = named(p, NODE_FIELD, @$, $1, @1); $$->a = $3; }
    | IDENT ':' type '=' expr   { $$ = named(p, NODE_FIELD, @$, $1, @1); $$->a = $3; $$->b = $5; }
    | annot field               { $$ = $2; $1->next = $$->annots; $$->annots = $1; $$->span.start = @$.start; }
    ;

parents
    : IDENT                     { $$ = append(NULL, named(p, NODE_IDENT, @$, $1, @1)); }
    | parents ',' IDENT         { $$ = append($1, named(p, NODE_IDENT, @3, $3, @3)); }
    ;

idents
    : %empty                    { $$ = NULL; }
    | idents IDENT opt_comma    { $$ = append($1, named(p, NODE_IDENT, @2, $2, @2)); }
    ;

/* type = ident [ "(" ( type { "," type } | bounds ) ")" ] [ "?" ] ; */
type
    : IDENT                     { $$ = named(p, NODE_IDENT, @$, $1, @1); }
    | IDENT '(' type_args ')'   { $$ = mk(p, NODE_CALL, @$); $$->a = named(p, NODE_IDENT, @1, $1, @1); $$->b = close_list($3); }
    | IDENT '(' bounds ')'      { $$ = mk(p, NODE_CALL, @$); $$->a = named(p, NODE_IDENT, @1, $1, @1); $$->b = mk2(p, NODE_ARG, @3, $3, NULL); }
    | type '?'                  { $$ = mk2(p, NODE_OPTIONAL, @$, $1, NULL); }
    ;

/* bounds = bound ".." [ bound ] ;  a number type's closed range: int(1..65535) */
bounds
    : bound DOTDOT bound        { $$ = mk2(p, NODE_RANGE, @$, $1, $3); }
    | bound DOTDOT              { $$ = mk2(p, NODE_RANGE, @$, $1, NULL); }
    ;

/* bound = [ "-" ] ( number | quantity ) ; */
bound
    : NUMBER                    { $$ = $1; }
    | QUANTITY                  { $$ = $1; }
    | '-' NUMBER                { $$ = $2; $$->v.num = -$$->v.num; $$->span = @$; }
    | '-' QUANTITY              { $$ = $2; $$->v.num = -$$->v.num; $$->span = @$; }
    ;

type_args
    : type                      { $$ = append(NULL, mk2(p, NODE_ARG, @$, $1, NULL)); }
    | type_args ',' type        { $$ = append($1, mk2(p, NODE_ARG, @3, $3, NULL)); }
    ;

/* expr = operand { "." ident | "[" expr "]" | "(" [ args ] ")" }
 *      | expr binop expr | unop expr ;
 * The operands and postfix forms are expr's own alternatives, with the
 * postfix operators at the highest precedence: a separate `postfix`
 * nonterminal cost a unit reduction per operand. */
expr
    : NUMBER                    { $$ = $1; }
    | QUANTITY                  { $$ = $1; }
    | CIDR                      { $$ = $1; }
    | TRUE                      { $$ = mk(p, NODE_BOOL, @$); $$->flags = NF_TRUE; }
    | FALSE                     { $$ = mk(p, NODE_BOOL, @$); }
    | NULL                      { $$ = mk(p, NODE_NULL, @$); }
    | IDENT                     { $$ = named(p, NODE_IDENT, @$, $1, @1); }
    | string                    { $$ = $1; }
    | '[' list_opt ']'          { $$ = mk2(p, NODE_LIST, @$, $2, NULL); }
    | '{' record_items '}'      { $$ = mk2(p, NODE_RECORD, @$, close_list($2), NULL); }
    | '(' expr ')'              { $$ = $2; }
    | expr '.' IDENT            { $$ = named(p, NODE_GET, @$, $3, @3); $$->a = $1; $$ = deepen(p, $$); }
    | expr '[' expr ']'         { $$ = deepen(p, mk2(p, NODE_INDEX, @$, $1, $3)); }
    | expr '(' args_opt ')'     { $$ = mk2(p, NODE_CALL, @$, $1, NULL); $$ = deepen(p, $$); $$->b = $3; }
    | expr DOTDOT expr          { $$ = deepen(p, mk2(p, NODE_RANGE, @$, $1, $3)); }
    | expr OR expr              { $$ = binary(p, @$, OP_OR, $1, $3); }
    | expr AND expr             { $$ = binary(p, @$, OP_AND, $1, $3); }
    | expr EQ expr              { $$ = binary(p, @$, OP_EQ, $1, $3); }
    | expr NE expr              { $$ = binary(p, @$, OP_NE, $1, $3); }
    | expr '<' expr             { $$ = binary(p, @$, OP_LT, $1, $3); }
    | expr LE expr              { $$ = binary(p, @$, OP_LE, $1, $3); }
    | expr '>' expr             { $$ = binary(p, @$, OP_GT, $1, $3); }
    | expr GE expr              { $$ = binary(p, @$, OP_GE, $1, $3); }
    | expr '+' expr             { $$ = binary(p, @$, OP_ADD, $1, $3); }
    | expr '-' expr             { $$ = binary(p, @$, OP_SUB, $1, $3); }
    | expr '*' expr             { $$ = binary(p, @$, OP_MUL, $1, $3); }
    | expr '/' expr             { $$ = binary(p, @$, OP_DIV, $1, $3); }
    | expr '%' expr             { $$ = binary(p, @$, OP_MOD, $1, $3); }
    | '!' expr                  { $$ = mk2(p, NODE_UNARY, @$, $2, NULL); $$->op = OP_NOT; $$ = deepen(p, $$); }
    | '-' expr %prec UMINUS     { $$ = mk2(p, NODE_UNARY, @$, $2, NULL); $$->op = OP_NEG; $$ = deepen(p, $$); }
    ;

/* string = '"' { text | "${" expr "}" } '"' ; a lone text part is a STR.
 * str_parts has no empty alternative: an empty one cost a reduction per
 * string. */
string
    : STR_BEGIN STR_END         { $$ = mk(p, NODE_STR, @$); $$->v.str = ""; }
    | STR_BEGIN str_parts STR_END
                                { Node *parts = close_list($2);
                                  if (!parts->next && parts->kind == NODE_STR) { $$ = parts; $$->span = @$; }
                                  else $$ = mk2(p, NODE_INTERP, @$, parts, NULL); }
    ;

str_parts
    : STR_TEXT                  { $$ = append(NULL, $1); }
    | INTERP_BEGIN expr INTERP_END
                                { $$ = append(NULL, $2); }
    | str_parts STR_TEXT        { $$ = append($1, $2); }
    | str_parts INTERP_BEGIN expr INTERP_END
                                { $$ = append($1, $3); }
    ;

list_opt
    : %empty                    { $$ = NULL; }
    | list_items opt_comma      { $$ = close_list($1); }
    ;

list_items
    : expr                      { $$ = append(NULL, $1); }
    | list_items ',' expr       { $$ = append($1, $3); }
    ;

record_items
    : %empty                    { $$ = NULL; }
    | record_items record_item  { $$ = append($1, $2); }
    ;

record_item
    : IDENT '=' expr opt_comma  { $$ = named(p, NODE_ATTR, @$, $1, @1); $$->b = $3; }
    ;

%%

/* ---- the driver and its error reporting -------------------------------- */

/* After a syntax error, the rest of its line is skipped before Bison's own
 * recovery sees it: `let c: int = 3` must not come back as an attribute
 * `int = 3` outside any block. Braces opened on the skipped line are
 * skipped with their closers; a `}` closing an earlier block is kept. */
static int yylex(YYSTYPE *val, Span *loc, Parser *p)
{
    for (;;) {
        int tok = lex_next(&p->lx, val, loc);
        if (!p->skip_to)        /* nearly always: no error on this line */
            return tok;
        if (tok == TOK_END || loc->start >= p->skip_to) {
            p->skip_to = 0;
            return tok;
        }
        if (tok == '{')
            p->skip_depth++;
        else if (tok == '}' && p->skip_depth == 0) {
            p->skip_to = 0;
            return tok;
        } else if (tok == '}')
            p->skip_depth--;
    }
}

/* Starts skipping to the end of the line holding offset. */
static void skip_rest_of_line(Parser *p, uint32_t offset)
{
    uint32_t end = offset;
    while (end < p->src->len && p->src->text[end] != '\n' && p->src->text[end] != '\r')
        end++;
    p->skip_to = end;
    p->skip_depth = 0;
}

/* Bison calls this only for stack exhaustion ("memory exhausted"): the
 * input nests expressions deeper than YYMAXDEPTH. */
static void yyerror(Span *loc, Parser *p, const char *msg)
{
    (void)msg;
    if (p->lx.too_deep)
        return;
    p->errors++;
    Diag *d = diag_new(p->diag, DIAG_ERROR, "E0110", p->src, *loc, "expression nested too deeply");
    diag_help(p->diag, d, "split the expression with `let` bindings");
    diag_emit(p->diag, d);
}

/* Bison names character tokens only by number; compare by their name. */
static bool is_char(yysymbol_kind_t s, char c)
{
    const char *n = yysymbol_name(s);
    return n[0] == '\'' && n[1] == c && n[2] == '\'' && n[3] == '\0';
}

/* Token kinds that start an expression or an item are summarised as
 * "an expression" / "an item" in expected-token lists. */
static bool starts_expr(yysymbol_kind_t s)
{
    switch (s) {
    case YYSYMBOL_NUMBER: case YYSYMBOL_QUANTITY: case YYSYMBOL_CIDR: case YYSYMBOL_STR_BEGIN:
    case YYSYMBOL_TRUE: case YYSYMBOL_FALSE: case YYSYMBOL_NULL:
        return true;
    default:
        return is_char(s, '-') || is_char(s, '!') || is_char(s, '(') || is_char(s, '[');
    }
}

static bool starts_item(yysymbol_kind_t s)
{
    switch (s) {
    case YYSYMBOL_IMPORT: case YYSYMBOL_LET: case YYSYMBOL_TEMPLATE: case YYSYMBOL_USE:
    case YYSYMBOL_FOR: case YYSYMBOL_IF: case YYSYMBOL_SCHEMA: case YYSYMBOL_ENUM:
        return true;
    default:
        return is_char(s, '@') || is_char(s, ';');
    }
}

/* How a token kind is named in messages: words for classes of tokens,
 * backticks around punctuation and keywords. */
static const char *show_symbol(Parser *p, yysymbol_kind_t s)
{
    switch (s) {
    case YYSYMBOL_YYEOF: return "end of file";
    case YYSYMBOL_IDENT: return "identifier";
    case YYSYMBOL_NUMBER: return "number";
    case YYSYMBOL_QUANTITY: return "quantity";
    case YYSYMBOL_CIDR: return "CIDR";
    case YYSYMBOL_STR_BEGIN: return "string";
    case YYSYMBOL_STR_TEXT: return "string text";
    case YYSYMBOL_STR_END: return "`\"`";
    case YYSYMBOL_INTERP_END: return "`}`";
    default: break;
    }
    const char *name = yysymbol_name(s);
    size_t n = strlen(name);
    if (n >= 3 && (name[0] == '"' || name[0] == '\''))
        return arena_printf(p->arena, "`%.*s`", (int)(n - 2), name + 1);
    return arena_printf(p->arena, "`%s`", name);
}

/* Binary operators are possible after almost any expression; listing them
 * buries what the user most likely missed (a `,` or a closer). */
static bool is_operator(yysymbol_kind_t s)
{
    switch (s) {
    case YYSYMBOL_DOTDOT: case YYSYMBOL_EQ: case YYSYMBOL_NE: case YYSYMBOL_LE: case YYSYMBOL_GE:
    case YYSYMBOL_AND: case YYSYMBOL_OR:
        return true;
    default:
        return is_char(s, '<') || is_char(s, '>') || is_char(s, '+') || is_char(s, '-') ||
               is_char(s, '*') || is_char(s, '/') || is_char(s, '%') || is_char(s, '.') ||
               is_char(s, '[') || is_char(s, '(');
    }
}

/* What was found, quoting short source text: "`:`", "identifier `memory`". */
static const char *show_found(Parser *p, yysymbol_kind_t s, Span sp)
{
    if (s == YYSYMBOL_YYEOF || s == YYSYMBOL_STR_BEGIN)
        return show_symbol(p, s);
    uint32_t n = sp.end - sp.start;
    if (n == 0 || n > 24)
        return show_symbol(p, s);
    const char *text = p->src->text + sp.start;
    if (s == YYSYMBOL_IDENT || s == YYSYMBOL_NUMBER || s == YYSYMBOL_QUANTITY || s == YYSYMBOL_CIDR)
        return arena_printf(p->arena, "%s `%.*s`", show_symbol(p, s), (int)n, text);
    return arena_printf(p->arena, "`%.*s`", (int)n, text);
}

/* Builds "`=`, `{` or an expression" from the expected set: tokens that
 * start an expression are one phrase when a number could come next, and
 * operators are left out when there is anything else to say. */
static const char *expected_list(Parser *p, const yysymbol_kind_t *exp, int n)
{
    const char *parts[12];
    int np = 0;
    bool expr = false, other = false;
    for (int i = 0; i < n; i++)
        expr |= exp[i] == YYSYMBOL_NUMBER;
    for (int i = 0; i < n; i++)
        other |= !is_operator(exp[i]) && !(expr && (starts_expr(exp[i]) || exp[i] == YYSYMBOL_IDENT));
    for (int i = 0; i < n && np < 8; i++) {
        if (expr && (starts_expr(exp[i]) || exp[i] == YYSYMBOL_IDENT || is_char(exp[i], '{')))
            continue;
        if (other && is_operator(exp[i]))
            continue;
        if (starts_item(exp[i]) && !is_char(exp[i], '@'))
            continue;
        parts[np++] = show_symbol(p, exp[i]);
    }
    if (expr)
        parts[np++] = "an expression";
    if (np == 0)
        return "something else";
    const char *s = parts[0];
    for (int i = 1; i < np; i++)
        s = arena_printf(p->arena, "%s%s%s", s, i == np - 1 ? " or " : ", ", parts[i]);
    return s;
}

static const char *closer_of(LexMode m)
{
    switch (m) {
    case LEX_BRACE: return "}";
    case LEX_BRACKET: return "]";
    case LEX_PAREN: return ")";
    default: return "\"";
    }
}

/* When the innermost open delimiter's closer would fit here, show where
 * it was opened (Lua: "'}' expected (to close '{' at line 1)"). */
static void point_at_opener(Parser *p, Diag *d, const yysymbol_kind_t *exp, int n)
{
    if (p->lx.depth == 0)
        return;
    int top = p->lx.depth - 1;
    const char *closer = closer_of(p->lx.modes[top]);
    for (int i = 0; i < n; i++) {
        if (is_char(exp[i], closer[0])) {
            uint32_t at = p->lx.opens[top];
            diag_secondary(p->diag, d, p->src, (Span){at, at + 1}, "unclosed `%c` opened here",
                           p->src->text[at]);
            return;
        }
    }
}

/* A hint for the mistakes people actually make. */
static void add_help(Parser *p, Diag *d, yysymbol_kind_t found, const yysymbol_kind_t *exp, int n)
{
    bool want_eq = false, want_brace = false, want_expr = false;
    for (int i = 0; i < n; i++) {
        want_eq |= is_char(exp[i], '=');
        want_brace |= is_char(exp[i], '{');
        want_expr |= exp[i] == YYSYMBOL_NUMBER;   /* then `{` opens a record */
    }
    if (is_char(found, ':') && want_eq)
        diag_help(p->diag, d, "attributes are set with `=`, as in `cpu = 0.5 vcpu`");
    else if (is_char(found, '=') && want_brace && !want_expr)
        diag_help(p->diag, d, "a block is `kind name { ... }`; if the word before was meant as a "
                              "unit, units are vcpu, cpu, MiB, GiB, TiB, acu, ms, s, m, h, d");
}

int yyreport_syntax_error(const yypcontext_t *ctx, Parser *p)
{
    yysymbol_kind_t found = yypcontext_token(ctx);
    Span at = *yypcontext_location(ctx);
    /* The lexer already explained this token (or ran out of depth): one
     * mistake, one error. */
    if (p->lx.too_deep || (p->lx.error_at && p->lx.error_at == at.start + 1))
        return 0;
    yysymbol_kind_t exp[YYNTOKENS];   /* Bison returns 0 if the array is too small */
    int n = yypcontext_expected_tokens(ctx, exp, YYNTOKENS);
    if (n < 0)
        n = 0;
    p->errors++;
    skip_rest_of_line(p, at.start);
    const char *want = expected_list(p, exp, n);
    if (found == YYSYMBOL_YYEOF && p->lx.depth > 0) {
        int top = p->lx.depth - 1;
        LexMode m = p->lx.modes[top];
        Span open = {p->lx.opens[top], p->lx.opens[top] + 1};
        Diag *d = diag_new(p->diag, DIAG_ERROR, "E0202", p->src, at,
                           "unexpected end of file, expected %s", want);
        diag_label(p->diag, d, "`%s` expected here", closer_of(m));
        LineCol lc = src_linecol(p->src, open.start);
        diag_secondary(p->diag, d, p->src, open, "to close this `%c` (line %u)",
                       p->src->text[open.start], lc.line);
        diag_emit(p->diag, d);
        return 0;
    }
    Diag *d = diag_new(p->diag, DIAG_ERROR, "E0201", p->src, at, "expected %s, found %s", want,
                       show_found(p, found, at));
    diag_label(p->diag, d, "unexpected here");
    point_at_opener(p, d, exp, n);
    add_help(p, d, found, exp, n);
    diag_emit(p->diag, d);
    return 0;
}

File *parse_file(Source *src, Arena *a, Interner *in, DiagEngine *d)
{
    return parse_file_sink(src, a, in, d, NULL, NULL);
}

File *parse_file_sink(Source *src, Arena *a, Interner *in, DiagEngine *d, LexSink *sink,
                      void *ctx)
{
    Parser p = {.arena = a, .in = in, .diag = d, .src = src};
    lex_init(&p.lx, src, a, in, d);
    p.lx.sink = sink;
    p.lx.sink_ctx = ctx;
    yyparse(&p);
    File *f = arena_alloc(a, sizeof *f);
    f->src = src;
    f->items = p.items;
    /* Comments are copied into the arena so the File owns everything. */
    f->ncomments = p.lx.ncomments;
    if (p.lx.ncomments) {
        f->comments = arena_alloc(a, p.lx.ncomments * sizeof *f->comments);
        memcpy(f->comments, p.lx.comments, p.lx.ncomments * sizeof *f->comments);
    }
    f->had_errors = p.errors || p.lx.errors;
    f->has_imports = p.has_imports;
    if (!f->items && !f->had_errors) {
        Diag *e = diag_new(d, DIAG_ERROR, "E0007", src, (Span){0, 0}, "file has no declarations");
        diag_help(d, e, "an sfd file declares a platform, accounts, templates or schemas; "
                        "delete the file if it is not needed");
        diag_emit(d, e);
        f->had_errors = true;
    }
    lex_release(&p.lx);
    return f;
}
