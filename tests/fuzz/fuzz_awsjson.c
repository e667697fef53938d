// fuzz: runtime
/* fuzz_awsjson.c — the JSON side of the AWS library on arbitrary bytes:
 * JSON-protocol responses (success and error bodies of DynamoDB, ECR, ECS,
 * Application Auto Scaling, Organizations), and the same bytes as call
 * arguments serialized for every protocol (json, query, rest-xml), which is
 * how a hostile or broken plan reaches the serializers. The first byte picks
 * the operation and the status. The model is found as in fuzz_xml.c. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "aws.h"

static AwsModel *model;

static const struct {
    const char *service; /* botocore service name */
    const char *op;      /* operation */
} ops[] = {
    {"dynamodb", "CreateTable"},
    {"ecr", "DescribeRepositories"},
    {"ecs", "UpdateService"},
    {"ecs", "DescribeServices"},
    {"application-autoscaling", "PutScheduledAction"},
    {"organizations", "CreateAccount"},
    {"iam", "CreateRole"},
    {"rds", "ModifyDBCluster"},
    {"autoscaling", "UpdateAutoScalingGroup"},
    {"s3", "PutBucketLifecycleConfiguration"},
    {"s3", "PutBucketTagging"},
    {"s3", "CreateBucket"},
    {"s3", "PutBucketPolicy"},
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void build(const char *service, const char *op, const cJSON *args, unsigned sel)
{
    static const char *const regions[] = {"eu-west-2", "us-east-1"};
    char err[AWS_ERR_MAX];
    AwsEndpoint ep;
    if (aws_endpoint_resolve(model, service, regions[sel & 1], NULL, &ep, err) != 0) {
        aws_endpoint_release(&ep);
        return;
    }
    AwsRequest req;
    if (aws_request_build(model, service, op, args, &ep, &req, err) == 0) {
        char *url = aws_request_url(&req);
        free(url);
    }
    aws_request_release(&req);
    aws_endpoint_release(&ep);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!model) {
        char err[AWS_ERR_MAX];
        char *path = aws_model_default_path(NULL, NULL);
        model = path ? aws_model_load(path, err) : NULL;
        free(path);
        if (!model) {
            fprintf(stderr, "fuzz_awsjson: %s\n", err);
            abort();
        }
    }
    if (size < 1)
        return 0;
    size_t n_ops = sizeof ops / sizeof *ops;
    unsigned sel = data[0];
    const char *body = (const char *)data + 1;
    size_t len = size - 1;
    const char *service = ops[(sel & 0x7f) % n_ops].service;
    const char *op = ops[(sel & 0x7f) % n_ops].op;
    AwsHeader hs[] = {{(char *)"x-amzn-RequestId", (char *)"fuzz"},
                      {(char *)"x-amzn-ErrorType", (char *)"Fuzz:thing#x"}};
    AwsResponse resp = {.status = (sel & 0x80) ? 400 : 200, .headers = hs,
                        .n_headers = (sel & 0x40) ? 2 : 1, .body = body, .body_len = len};
    cJSON *result = NULL;
    AwsError error;
    (void)aws_response_parse(model, service, op, &resp, &result, &error);
    cJSON_Delete(result);
    aws_error_release(&error);

    cJSON *args = cJSON_ParseWithLength(body, len);
    if (args)
        build(service, op, args, sel);
    cJSON_Delete(args);
    return 0;
}
