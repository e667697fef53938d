/* xml.c — reads AWS XML responses (query protocol: IAM, STS, RDS, Auto
 * Scaling; rest-xml: S3) with expat into an element tree, and turns trees
 * into cJSON, guided by the operations model when there is one.
 *
 * Untrusted input: expat (2.5, with its billion-laughs protection) does the
 * lexing; we refuse DOCTYPEs outright (no AWS response has one, and it
 * closes the entity-expansion door entirely), bound the depth, and every
 * walker below is bounded by that depth. */
#include "xml.h"

#include <stdlib.h>
#include <string.h>

#include <expat.h>

#include "proto.h"
#include "sigv4.h"

#include "banned.h"

/* Parser state passed to expat's callbacks. */
typedef struct XmlState {
    AwsXmlNode *root;                          /* the document element */
    AwsXmlNode *stack[AWS_XML_MAX_DEPTH + 1];  /* open elements */
    AwsBuf text[AWS_XML_MAX_DEPTH + 1];        /* their character data so far */
    int depth;                                 /* number of open elements */
    int failed;                                /* 1: stop (OOM, too deep, doctype) */
    const char *why;                           /* reason when failed */
    XML_Parser parser;                         /* to stop parsing on failure */
} XmlState;

static void fail_parse(XmlState *st, const char *why)
{
    if (!st->failed) {
        st->failed = 1;
        st->why = why;
        XML_StopParser(st->parser, XML_FALSE);
    }
}

static const char *local_name(const char *name)
{
    const char *colon = strrchr(name, ':');
    return colon ? colon + 1 : name;
}

static int add_kid(AwsXmlNode *parent, AwsXmlNode *kid)
{
    if (parent->n_kids == parent->cap_kids) {
        size_t cap = parent->cap_kids ? parent->cap_kids * 2 : 4;
        AwsXmlNode **k = realloc(parent->kids, cap * sizeof *k);
        if (!k)
            return -1;
        parent->kids = k;
        parent->cap_kids = cap;
    }
    parent->kids[parent->n_kids++] = kid;
    return 0;
}

static void XMLCALL on_start(void *ud, const XML_Char *name, const XML_Char **attrs)
{
    XmlState *st = ud;
    (void)attrs;
    if (st->failed)
        return;
    if (st->depth >= AWS_XML_MAX_DEPTH) {
        fail_parse(st, "XML nested too deeply");
        return;
    }
    if (st->depth == 0 && st->root) {
        fail_parse(st, "more than one root element");
        return;
    }
    AwsXmlNode *n = calloc(1, sizeof *n);
    if (!n || !(n->name = aws_strdup(local_name(name)))) {
        free(n);
        fail_parse(st, "out of memory");
        return;
    }
    if (st->depth == 0) {
        st->root = n;
    } else if (add_kid(st->stack[st->depth - 1], n)) {
        free(n->name);
        free(n);
        fail_parse(st, "out of memory");
        return;
    }
    st->stack[st->depth] = n;
    aws_buf_init(&st->text[st->depth]);
    st->depth++;
}

static void XMLCALL on_end(void *ud, const XML_Char *name)
{
    XmlState *st = ud;
    (void)name;
    if (st->failed || st->depth == 0)
        return;
    st->depth--;
    AwsXmlNode *n = st->stack[st->depth];
    n->text = aws_buf_take(&st->text[st->depth]);
    if (!n->text)
        fail_parse(st, "out of memory");
}

static void XMLCALL on_text(void *ud, const XML_Char *s, int len)
{
    XmlState *st = ud;
    if (st->failed || st->depth == 0)
        return;
    aws_buf_add(&st->text[st->depth - 1], s, (size_t)len);
}

static void XMLCALL on_doctype(void *ud, const XML_Char *name, const XML_Char *sysid,
                               const XML_Char *pubid, int has_internal)
{
    (void)name, (void)sysid, (void)pubid, (void)has_internal;
    fail_parse(ud, "DOCTYPE not allowed in AWS responses");
}

AwsXmlNode *aws_xml_parse(const char *xml, size_t len, char *err)
{
    XmlState st;
    memset(&st, 0, sizeof st);
    st.parser = XML_ParserCreate("UTF-8");
    if (!st.parser) {
        aws_fail(err, "out of memory");
        return NULL;
    }
    XML_SetUserData(st.parser, &st);
    XML_SetElementHandler(st.parser, on_start, on_end);
    XML_SetCharacterDataHandler(st.parser, on_text);
    XML_SetStartDoctypeDeclHandler(st.parser, on_doctype);
    int ok = len <= (size_t)INT32_MAX &&
             XML_Parse(st.parser, xml ? xml : "", (int)len, XML_TRUE) == XML_STATUS_OK &&
             !st.failed && st.root;
    if (!ok) {
        if (st.failed)
            aws_fail(err, "%s", st.why);
        else if (!st.root && XML_GetErrorCode(st.parser) == XML_ERROR_NONE)
            aws_fail(err, "empty XML document");
        else
            aws_fail(err, "malformed XML at line %lu: %s",
                     (unsigned long)XML_GetCurrentLineNumber(st.parser),
                     XML_ErrorString(XML_GetErrorCode(st.parser)));
        for (int i = 0; i < st.depth; i++)
            aws_buf_release(&st.text[i]);
        aws_xml_free(st.root);
        st.root = NULL;
    }
    XML_ParserFree(st.parser);
    return st.root;
}

void aws_xml_free(AwsXmlNode *n)
{
    if (!n)
        return;
    for (size_t i = 0; i < n->n_kids; i++)
        aws_xml_free(n->kids[i]);
    free(n->kids);
    free(n->name);
    free(n->text);
    free(n);
}

const AwsXmlNode *aws_xml_child(const AwsXmlNode *n, const char *name)
{
    for (size_t i = 0; n && i < n->n_kids; i++)
        if (strcmp(n->kids[i]->name, name) == 0)
            return n->kids[i];
    return NULL;
}

const char *aws_xml_child_text(const AwsXmlNode *n, const char *name)
{
    const AwsXmlNode *c = aws_xml_child(n, name);
    return c ? (c->text ? c->text : "") : NULL;
}

const AwsXmlNode *aws_xml_find(const AwsXmlNode *n, const char *name)
{
    if (!n)
        return NULL;
    if (strcmp(n->name, name) == 0)
        return n;
    for (size_t i = 0; i < n->n_kids; i++) {
        const AwsXmlNode *f = aws_xml_find(n->kids[i], name);
        if (f)
            return f;
    }
    return NULL;
}

/* ------------------------------------------------------------------ */
/* Model-less conversion                                                */

cJSON *aws_xml_node_to_json(const AwsXmlNode *node)
{
    if (node->n_kids == 0)
        return cJSON_CreateString(node->text ? node->text : "");
    cJSON *obj = cJSON_CreateObject();
    for (size_t i = 0; obj && i < node->n_kids; i++) {
        const AwsXmlNode *k = node->kids[i];
        cJSON *v = aws_xml_node_to_json(k);
        cJSON *prev = cJSON_GetObjectItemCaseSensitive(obj, k->name);
        if (!v) {
            cJSON_Delete(obj);
            return NULL;
        }
        if (!prev) {
            cJSON_AddItemToObject(obj, k->name, v);
        } else if (cJSON_IsArray(prev)) {
            cJSON_AddItemToArray(prev, v);
        } else {
            /* a repeated name: turn the member into an array */
            cJSON *arr = cJSON_CreateArray();
            cJSON *old = cJSON_DetachItemViaPointer(obj, prev);
            if (!arr) {
                cJSON_Delete(old);
                cJSON_Delete(v);
                cJSON_Delete(obj);
                return NULL;
            }
            cJSON_AddItemToArray(arr, old);
            cJSON_AddItemToArray(arr, v);
            cJSON_AddItemToObject(obj, k->name, arr);
        }
    }
    return obj;
}

cJSON *aws_xml_to_json(const char *xml, size_t len, char *err)
{
    AwsXmlNode *root = aws_xml_parse(xml, len, err);
    if (!root)
        return NULL;
    cJSON *obj = cJSON_CreateObject();
    cJSON *body = aws_xml_node_to_json(root);
    if (!obj || !body) {
        cJSON_Delete(obj);
        cJSON_Delete(body);
        aws_xml_free(root);
        aws_fail(err, "out of memory");
        return NULL;
    }
    cJSON_AddItemToObject(obj, root->name, body);
    aws_xml_free(root);
    return obj;
}

/* ------------------------------------------------------------------ */
/* Shape-guided conversion                                              */

static cJSON *scalar(const char *type, const char *text)
{
    if (strcmp(type, "integer") == 0 || strcmp(type, "long") == 0 ||
        strcmp(type, "double") == 0 || strcmp(type, "float") == 0) {
        char *end;
        double d = strtod(text, &end);
        if (end != text && *end == '\0')
            return cJSON_CreateNumber(d);
        return cJSON_CreateString(text); /* keep what we got rather than lose it */
    }
    if (strcmp(type, "boolean") == 0) {
        if (strcmp(text, "true") == 0)
            return cJSON_CreateTrue();
        if (strcmp(text, "false") == 0)
            return cJSON_CreateFalse();
    }
    return cJSON_CreateString(text);
}

static const char *str_member(const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int bool_member(const cJSON *obj, const char *key)
{
    return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(obj, key));
}

/* The element name a structure member is found under (botocore's
 * _member_key_name): a flattened list with a named member uses that name. */
static const char *member_xml_name(const cJSON *svc, const char *mname, const cJSON *ref)
{
    const cJSON *target = aws_model_shape(svc, str_member(ref, "shape"));
    const char *ttype = str_member(target, "type");
    if (ttype && strcmp(ttype, "list") == 0 &&
        (bool_member(ref, "flattened") || bool_member(target, "flattened"))) {
        const char *n = str_member(cJSON_GetObjectItemCaseSensitive(target, "member"),
                                   "locationName");
        if (n)
            return n;
    }
    const char *ln = str_member(ref, "locationName");
    return ln ? ln : mname;
}

static cJSON *to_json(const cJSON *svc, const char *shape, const AwsXmlNode *const *nodes,
                      size_t n_nodes, int flattened);

/* All children of node called name, for flattened lists and maps. */
static const AwsXmlNode **children_named(const AwsXmlNode *node, const char *name, size_t *n)
{
    const AwsXmlNode **out = calloc(node->n_kids ? node->n_kids : 1, sizeof *out);
    *n = 0;
    for (size_t i = 0; out && i < node->n_kids; i++)
        if (strcmp(node->kids[i]->name, name) == 0)
            out[(*n)++] = node->kids[i];
    return out;
}

static cJSON *struct_to_json(const cJSON *svc, const cJSON *sh, const AwsXmlNode *node)
{
    cJSON *obj = cJSON_CreateObject();
    const cJSON *members = cJSON_GetObjectItemCaseSensitive(sh, "members");
    const cJSON *ref;
    cJSON_ArrayForEach(ref, members)
    {
        if (!obj)
            break;
        const char *loc = str_member(ref, "location");
        if (loc || bool_member(ref, "xmlAttribute"))
            continue; /* headers, status code, attributes: not in the body */
        const char *xname = member_xml_name(svc, ref->string, ref);
        size_t n;
        const AwsXmlNode **kids = children_named(node, xname, &n);
        if (!kids) {
            cJSON_Delete(obj);
            return NULL;
        }
        if (n) {
            const cJSON *target = aws_model_shape(svc, str_member(ref, "shape"));
            int flat = bool_member(ref, "flattened") || bool_member(target, "flattened");
            cJSON *v = to_json(svc, str_member(ref, "shape"), kids, n, flat);
            if (!v) {
                cJSON_Delete(obj);
                obj = NULL;
            } else {
                cJSON_AddItemToObject(obj, ref->string, v);
            }
        }
        free(kids);
    }
    return obj;
}

/* A list: nodes are the repeated elements when flattened, else nodes[0] is
 * the wrapper whose children (whatever their name: "member", "item"...) are
 * the elements. */
static cJSON *list_to_json(const cJSON *svc, const cJSON *sh, const AwsXmlNode *const *nodes,
                           size_t n_nodes, int flattened)
{
    const char *mshape = str_member(cJSON_GetObjectItemCaseSensitive(sh, "member"), "shape");
    const AwsXmlNode *const *items = flattened ? nodes : (const AwsXmlNode *const *)nodes[0]->kids;
    size_t n = flattened ? n_nodes : nodes[0]->n_kids;
    cJSON *arr = cJSON_CreateArray();
    for (size_t i = 0; arr && i < n; i++) {
        cJSON *v = to_json(svc, mshape, &items[i], 1, 0);
        if (!v) {
            cJSON_Delete(arr);
            return NULL;
        }
        cJSON_AddItemToArray(arr, v);
    }
    return arr;
}

/* A map: entries are <entry><key/><value/></entry> under a wrapper, or the
 * repeated elements themselves when flattened. */
static cJSON *map_to_json(const cJSON *svc, const cJSON *sh, const AwsXmlNode *const *nodes,
                          size_t n_nodes, int flattened)
{
    const cJSON *k = cJSON_GetObjectItemCaseSensitive(sh, "key");
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(sh, "value");
    const char *kname = str_member(k, "locationName") ? str_member(k, "locationName") : "key";
    const char *vname = str_member(v, "locationName") ? str_member(v, "locationName") : "value";
    const AwsXmlNode *const *items = flattened ? nodes : (const AwsXmlNode *const *)nodes[0]->kids;
    size_t n = flattened ? n_nodes : nodes[0]->n_kids;
    cJSON *obj = cJSON_CreateObject();
    for (size_t i = 0; obj && i < n; i++) {
        const char *key = aws_xml_child_text(items[i], kname);
        const AwsXmlNode *val = aws_xml_child(items[i], vname);
        if (!key || !val)
            continue;
        cJSON *jv = to_json(svc, str_member(v, "shape"), &val, 1, 0);
        if (!jv) {
            cJSON_Delete(obj);
            return NULL;
        }
        cJSON_DeleteItemFromObjectCaseSensitive(obj, key);
        cJSON_AddItemToObject(obj, key, jv);
    }
    return obj;
}

static cJSON *to_json(const cJSON *svc, const char *shape, const AwsXmlNode *const *nodes,
                      size_t n_nodes, int flattened)
{
    const cJSON *sh = aws_model_shape(svc, shape);
    const char *type = str_member(sh, "type");
    if (!type)
        return aws_xml_node_to_json(nodes[0]); /* unknown shape: keep the data */
    if (strcmp(type, "list") == 0)
        return list_to_json(svc, sh, nodes, n_nodes, flattened);
    if (strcmp(type, "map") == 0)
        return map_to_json(svc, sh, nodes, n_nodes, flattened);
    if (strcmp(type, "structure") == 0)
        return struct_to_json(svc, sh, nodes[0]);
    return scalar(type, nodes[0]->text ? nodes[0]->text : "");
}

cJSON *aws_xml_shape_to_json(const cJSON *svc, const char *shape, const AwsXmlNode *node)
{
    return to_json(svc, shape, &node, 1, 0);
}
