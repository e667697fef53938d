// fuzz: runtime
/* fuzz_xml.c — AWS XML response parsing (query protocol: STS, IAM, RDS,
 * Auto Scaling; rest-xml: S3) on arbitrary bytes: success bodies through
 * the shape-guided converter, error bodies through the error extractor, and
 * the model-less converter. The first byte picks the operation and whether
 * the response is a success or an error; the rest is the body.
 * The operations model is found like sfdrun finds it ($SFDRUN_STDLIB, next
 * to the binary, or stdlib/ under the current directory: run from the repo
 * root). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "aws.h"

static AwsModel *model;

static const struct {
    const char *service; /* botocore service name */
    const char *op;      /* operation */
} ops[] = {
    {"sts", "AssumeRole"},
    {"sts", "GetCallerIdentity"},
    {"iam", "GetRole"},
    {"iam", "ListAttachedRolePolicies"},
    {"iam", "GetRolePolicy"},
    {"rds", "DescribeDBClusters"},
    {"autoscaling", "DescribeAutoScalingGroups"},
    {"s3", "GetBucketEncryption"},
    {"s3", "GetBucketLifecycleConfiguration"},
    {"s3", "GetBucketTagging"},
    {"s3", "GetBucketVersioning"},
    {"s3", "GetPublicAccessBlock"},
    {"s3", "HeadBucket"},
    {"s3", "GetBucketPolicy"},
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!model) {
        char err[AWS_ERR_MAX];
        char *path = aws_model_default_path(NULL, NULL);
        model = path ? aws_model_load(path, err) : NULL;
        free(path);
        if (!model) {
            fprintf(stderr, "fuzz_xml: %s\n", err);
            abort();
        }
    }
    if (size < 1)
        return 0;
    size_t n_ops = sizeof ops / sizeof *ops;
    unsigned sel = data[0];
    const char *body = (const char *)data + 1;
    size_t len = size - 1;
    AwsHeader hs[] = {{(char *)"x-amz-request-id", (char *)"fuzz"},
                      {(char *)"x-amz-bucket-region", (char *)"eu-west-2"}};
    AwsResponse resp = {.status = (sel & 0x80) ? 400 + (sel & 0x7) * 25 : 200,
                        .headers = hs, .n_headers = 2, .body = body, .body_len = len};
    cJSON *result = NULL;
    AwsError error;
    int rc = aws_response_parse(model, ops[(sel & 0x7f) % n_ops].service,
                                ops[(sel & 0x7f) % n_ops].op, &resp, &result, &error);
    if (rc == 0 && result) {
        AwsCreds c;
        char err[AWS_ERR_MAX];
        if (aws_sts_credentials_parse(result, NULL, &c, err) == 0)
            aws_creds_release(&c);
        char *s = cJSON_PrintUnformatted(result);
        free(s);
    }
    cJSON_Delete(result);
    aws_error_release(&error);
    char err[AWS_ERR_MAX];
    cJSON *generic = aws_xml_to_json(body, len, err);
    cJSON_Delete(generic);
    return 0;
}
