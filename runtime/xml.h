/* xml.h — AWS XML bodies (query and rest-xml protocols) read with expat
 * into a small element tree, then turned into cJSON either generically or
 * guided by a shape of the operations model. Internal to the AWS library. */
#ifndef SFDRUN_XML_H
#define SFDRUN_XML_H

#include <stddef.h>

#include <cjson/cJSON.h>

/* One element. Attributes are dropped (AWS responses do not need them). */
typedef struct AwsXmlNode {
    char *name;                 /* local name, namespace prefix removed */
    char *text;                 /* character data directly inside, "" if none */
    struct AwsXmlNode **kids;   /* child elements in document order */
    size_t n_kids;              /* number of children */
    size_t cap_kids;            /* allocated slots in kids */
} AwsXmlNode;

/* Deepest nesting accepted; deeper documents are rejected (no AWS response
 * comes close, and it bounds the recursion of every walker). */
#define AWS_XML_MAX_DEPTH 64

/* Parses a document; NULL with err (AWS_ERR_MAX bytes) when malformed. The
 * caller frees the root with aws_xml_free. */
AwsXmlNode *aws_xml_parse(const char *xml, size_t len, char *err);
void aws_xml_free(AwsXmlNode *n);
/* First child element called name, or NULL. */
const AwsXmlNode *aws_xml_child(const AwsXmlNode *n, const char *name);
/* Text of the first child called name, or NULL. */
const char *aws_xml_child_text(const AwsXmlNode *n, const char *name);
/* First element called name anywhere below n (n included), depth first. */
const AwsXmlNode *aws_xml_find(const AwsXmlNode *n, const char *name);

/* Converts node as an instance of shape `shape` of service model svc (an
 * entry of operations.json "services"): structures become objects keyed by
 * member name (matching locationName), lists arrays (flattened or wrapped),
 * maps objects, integers/longs/doubles numbers, booleans true/false,
 * everything else strings. Never NULL except on OOM. */
cJSON *aws_xml_shape_to_json(const cJSON *svc, const char *shape, const AwsXmlNode *node);
/* Model-less conversion: leaf elements become strings, others objects,
 * repeated names arrays. */
cJSON *aws_xml_node_to_json(const AwsXmlNode *node);

#endif
