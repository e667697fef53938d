/* proto.h — the operations model as the protocol code sees it: lookups
 * into stdlib/aws/operations.json (kept as a cJSON tree). Internal to the
 * AWS library; the executor uses aws.h. */
#ifndef SFDRUN_PROTO_H
#define SFDRUN_PROTO_H

#include <cjson/cJSON.h>

#include "aws.h"

/* The service entry ("protocol", "operations", "shapes"...) or NULL. */
const cJSON *aws_model_service(const AwsModel *m, const char *service);
/* The operation entry ("method", "requestUri", "input", "output"...) or NULL. */
const cJSON *aws_model_operation(const AwsModel *m, const char *service, const char *op);
/* A shape of a service entry by name, or NULL (name may be NULL). */
const cJSON *aws_model_shape(const cJSON *svc, const char *name);

#endif
