/* rt_proto.c — the wire protocols against botocore's answers: request
 * serialization for json, query and rest-xml (expected bodies captured from
 * botocore.serialize for the same arguments; XML members are written in
 * model order where botocore follows the caller's dict order), endpoints and their
 * environment overrides, and parsing of success and error responses of S3,
 * IAM, STS, RDS, Auto Scaling and JSON services. Loads the committed
 * stdlib/aws/operations.json under $SFDC_ROOT (or the cwd). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws.h"
#include "sigv4.h"

/* A header from two literals (AwsHeader holds mutable strings). */
#define H(n, v) {(char *)(n), (char *)(v)}

static AwsModel *model;

/* A fake environment: NAME=VALUE strings, NULL-terminated. */
static const char *const *fake_env;

static const char *fake_getenv(const char *name)
{
    size_t n = strlen(name);
    for (const char *const *e = fake_env; e && *e; e++)
        if (strncmp(*e, name, n) == 0 && (*e)[n] == '=')
            return *e + n + 1;
    return NULL;
}

static int setup(void **state)
{
    (void)state;
    const char *root = getenv("SFDC_ROOT");
    char path[1024], err[AWS_ERR_MAX];
    snprintf(path, sizeof path, "%s/stdlib/aws/operations.json", root ? root : ".");
    model = aws_model_load(path, err);
    if (!model)
        print_error("%s\n", err);
    return model ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    aws_model_free(model);
    return 0;
}

/* Builds service/op with JSON args against the given endpoint env. */
static int build(const char *service, const char *op, const char *args_json,
                 const char *region, const char *const *env, AwsRequest *req, char *err)
{
    cJSON *args = args_json ? cJSON_Parse(args_json) : NULL;
    assert_true(!args_json || args);
    AwsEndpoint ep;
    fake_env = env;
    int rc = aws_endpoint_resolve(model, service, region, fake_getenv, &ep, err);
    if (rc == 0)
        rc = aws_request_build(model, service, op, args, &ep, req, err);
    else
        aws_request_init(req);
    aws_endpoint_release(&ep);
    cJSON_Delete(args);
    return rc;
}

static const char *const moto[] = {"AWS_ENDPOINT_URL=http://127.0.0.1:5000", NULL};

static void assert_body(const AwsRequest *r, const char *want)
{
    assert_non_null(r->body);
    assert_int_equal(r->body_len, strlen(want));
    assert_string_equal(r->body, want);
}

/* ------------------------------------------------------------------ */

static void test_query_iam(void **state)
{
    (void)state;
    AwsRequest r;
    char err[AWS_ERR_MAX];
    assert_int_equal(build("iam", "CreateRole",
                           "{\"RoleName\":\"r\",\"AssumeRolePolicyDocument\":"
                           "\"{\\\"Version\\\":\\\"2012-10-17\\\"}\",\"Tags\":[{\"Key\":\"a\","
                           "\"Value\":\"b c\"},{\"Key\":\"k\",\"Value\":\"v\"}],"
                           "\"MaxSessionDuration\":3600}",
                           "eu-west-2", NULL, &r, err),
                     0);
    assert_string_equal(r.method, "POST");
    assert_string_equal(r.host, "iam.amazonaws.com");
    assert_string_equal(r.signing_region, "us-east-1"); /* IAM is global */
    assert_string_equal(r.signing_name, "iam");
    assert_string_equal(r.path, "/");
    assert_string_equal(aws_request_get_header(&r, "Content-Type"),
                        "application/x-www-form-urlencoded; charset=utf-8");
    assert_body(&r, "Action=CreateRole&Version=2010-05-08&RoleName=r&AssumeRolePolicyDocument="
                    "%7B%22Version%22%3A%222012-10-17%22%7D&Tags.member.1.Key=a&Tags.member.1."
                    "Value=b%20c&Tags.member.2.Key=k&Tags.member.2.Value=v&MaxSessionDuration=3600");
    assert_true(r.sign_flags & AWS_SIGN_CONTENT_SHA256);
    assert_false(r.sign_flags & AWS_SIGN_S3);
    aws_request_release(&r);
}

static void test_query_lists_and_structs(void **state)
{
    (void)state;
    AwsRequest r;
    char err[AWS_ERR_MAX];
    assert_int_equal(build("autoscaling", "UpdateAutoScalingGroup",
                           "{\"AutoScalingGroupName\":\"g\",\"MinSize\":0,\"MaxSize\":2,"
                           "\"NewInstancesProtectedFromScaleIn\":false,"
                           "\"AvailabilityZones\":[\"a\",\"b\"]}",
                           "eu-west-2", NULL, &r, err),
                     0);
    assert_string_equal(r.host, "autoscaling.eu-west-2.amazonaws.com");
    assert_body(&r, "Action=UpdateAutoScalingGroup&Version=2011-01-01&AutoScalingGroupName=g&"
                    "MinSize=0&MaxSize=2&NewInstancesProtectedFromScaleIn=false&"
                    "AvailabilityZones.member.1=a&AvailabilityZones.member.2=b");
    aws_request_release(&r);
    assert_int_equal(build("autoscaling", "DescribeAutoScalingGroups",
                           "{\"AutoScalingGroupNames\":[]}", "eu-west-2", NULL, &r, err),
                     0);
    assert_body(&r, "Action=DescribeAutoScalingGroups&Version=2011-01-01&AutoScalingGroupNames=");
    aws_request_release(&r);
    /* nested structure, a double, a list with a named member */
    assert_int_equal(build("rds", "ModifyDBCluster",
                           "{\"DBClusterIdentifier\":\"c\",\"ServerlessV2ScalingConfiguration\":"
                           "{\"MinCapacity\":0.5,\"MaxCapacity\":4,\"SecondsUntilAutoPause\":300},"
                           "\"ApplyImmediately\":true,\"VpcSecurityGroupIds\":[\"sg-1\"]}",
                           "eu-west-2", moto, &r, err),
                     0);
    assert_string_equal(r.host, "127.0.0.1:5000");
    assert_string_equal(r.scheme, "http");
    assert_body(&r, "Action=ModifyDBCluster&Version=2014-10-31&DBClusterIdentifier=c&"
                    "ServerlessV2ScalingConfiguration.MinCapacity=0.5&"
                    "ServerlessV2ScalingConfiguration.MaxCapacity=4&"
                    "ServerlessV2ScalingConfiguration.SecondsUntilAutoPause=300&"
                    "ApplyImmediately=true&VpcSecurityGroupIds.VpcSecurityGroupId.1=sg-1");
    aws_request_release(&r);
}

static void test_json_protocol(void **state)
{
    (void)state;
    AwsRequest r;
    char err[AWS_ERR_MAX];
    assert_int_equal(build("application-autoscaling", "PutScheduledAction",
                           "{\"ServiceNamespace\":\"ecs\",\"ScheduledActionName\":\"off\","
                           "\"ResourceId\":\"service/c/s\",\"ScalableDimension\":"
                           "\"ecs:service:DesiredCount\",\"Schedule\":\"cron(0 5 ? * MON-FRI *)\","
                           "\"Timezone\":\"Europe/London\",\"ScalableTargetAction\":"
                           "{\"MinCapacity\":0,\"MaxCapacity\":0}}",
                           "eu-west-2", NULL, &r, err),
                     0);
    assert_string_equal(r.host, "application-autoscaling.eu-west-2.amazonaws.com");
    assert_string_equal(aws_request_get_header(&r, "X-Amz-Target"),
                        "AnyScaleFrontendService.PutScheduledAction");
    assert_string_equal(aws_request_get_header(&r, "Content-Type"), "application/x-amz-json-1.1");
    assert_body(&r, "{\"ServiceNamespace\":\"ecs\",\"ScheduledActionName\":\"off\",\"ResourceId\":"
                    "\"service/c/s\",\"ScalableDimension\":\"ecs:service:DesiredCount\","
                    "\"Schedule\":\"cron(0 5 ? * MON-FRI *)\",\"Timezone\":\"Europe/London\","
                    "\"ScalableTargetAction\":{\"MinCapacity\":0,\"MaxCapacity\":0}}");
    aws_request_release(&r);
    /* DynamoDB: json 1.0; no args means {} */
    assert_int_equal(build("dynamodb", "DescribeTable", "{\"TableName\":\"t\"}", "eu-west-2", NULL,
                           &r, err),
                     0);
    assert_string_equal(aws_request_get_header(&r, "Content-Type"), "application/x-amz-json-1.0");
    assert_string_equal(aws_request_get_header(&r, "X-Amz-Target"), "DynamoDB_20120810.DescribeTable");
    aws_request_release(&r);
    /* ECR: endpoint prefix api.ecr, signing name ecr */
    assert_int_equal(build("ecr", "DescribeRepositories", NULL, "eu-west-2", NULL, &r, err), 0);
    assert_string_equal(r.host, "api.ecr.eu-west-2.amazonaws.com");
    assert_string_equal(r.signing_name, "ecr");
    assert_body(&r, "{}");
    aws_request_release(&r);
    assert_int_equal(build("organizations", "ListAccounts", NULL, "eu-west-2", NULL, &r, err), 0);
    assert_string_equal(r.host, "organizations.us-east-1.amazonaws.com");
    assert_string_equal(r.signing_region, "us-east-1");
    aws_request_release(&r);
}

static void test_restxml_s3(void **state)
{
    (void)state;
    AwsRequest r;
    char err[AWS_ERR_MAX];
    assert_int_equal(build("s3", "PutBucketLifecycleConfiguration",
                           "{\"Bucket\":\"b\",\"LifecycleConfiguration\":{\"Rules\":[{\"ID\":\"x\","
                           "\"Status\":\"Enabled\",\"Filter\":{\"Prefix\":\"\"},\"Expiration\":"
                           "{\"Days\":30}}]}}",
                           "eu-west-2", moto, &r, err),
                     0);
    assert_string_equal(r.method, "PUT");
    assert_string_equal(r.path, "/b");
    assert_string_equal(r.query, "lifecycle");
    assert_body(&r, "<LifecycleConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
                    "<Rule><Expiration><Days>30</Days></Expiration><ID>x</ID><Filter><Prefix>"
                    "</Prefix></Filter><Status>Enabled</Status></Rule></LifecycleConfiguration>");
    assert_string_equal(aws_request_get_header(&r, "Content-Type"), "application/xml");
    char md5[25];
    aws_md5_base64(r.body, r.body_len, md5);
    assert_string_equal(aws_request_get_header(&r, "Content-MD5"), md5);
    assert_true(r.sign_flags & AWS_SIGN_S3);
    aws_request_release(&r);

    assert_int_equal(build("s3", "PutBucketTagging",
                           "{\"Bucket\":\"b\",\"Tagging\":{\"TagSet\":[{\"Key\":\"a\",\"Value\":\"1\"},"
                           "{\"Key\":\"b\",\"Value\":\"<&>\"}]}}",
                           "eu-west-2", moto, &r, err),
                     0);
    assert_body(&r, "<Tagging xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><TagSet><Tag><Key>a"
                    "</Key><Value>1</Value></Tag><Tag><Key>b</Key><Value>&lt;&amp;&gt;</Value></Tag>"
                    "</TagSet></Tagging>");
    aws_request_release(&r);

    assert_int_equal(build("s3", "PutBucketEncryption",
                           "{\"Bucket\":\"b\",\"ServerSideEncryptionConfiguration\":{\"Rules\":["
                           "{\"ApplyServerSideEncryptionByDefault\":{\"SSEAlgorithm\":\"aws:kms\","
                           "\"KMSMasterKeyID\":\"k\"},\"BucketKeyEnabled\":true}]}}",
                           "eu-west-2", moto, &r, err),
                     0);
    assert_body(&r, "<ServerSideEncryptionConfiguration xmlns=\"http://s3.amazonaws.com/doc/"
                    "2006-03-01/\"><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>aws:kms"
                    "</SSEAlgorithm><KMSMasterKeyID>k</KMSMasterKeyID>"
                    "</ApplyServerSideEncryptionByDefault><BucketKeyEnabled>true</BucketKeyEnabled>"
                    "</Rule></ServerSideEncryptionConfiguration>");
    aws_request_release(&r);

    assert_int_equal(build("s3", "PutBucketPolicy",
                           "{\"Bucket\":\"b\",\"Policy\":\"{\\\"Version\\\":\\\"2012-10-17\\\"}\"}",
                           "eu-west-2", moto, &r, err),
                     0);
    assert_string_equal(r.query, "policy");
    assert_body(&r, "{\"Version\":\"2012-10-17\"}");
    assert_string_equal(aws_request_get_header(&r, "Content-Type"), "application/json");
    assert_non_null(aws_request_get_header(&r, "Content-MD5"));
    aws_request_release(&r);

    /* sfdrun destroy empties a state bucket: every version, with its id */
    assert_int_equal(build("s3", "DeleteObjects",
                           "{\"Bucket\":\"b\",\"Delete\":{\"Objects\":[{\"Key\":\"stage/a\","
                           "\"VersionId\":\"v1\"}],\"Quiet\":true}}",
                           "eu-west-2", moto, &r, err),
                     0);
    assert_string_equal(r.method, "POST");
    assert_string_equal(r.query, "delete");
    assert_body(&r, "<Delete xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Object><Key>stage/a"
                    "</Key><VersionId>v1</VersionId></Object><Quiet>true</Quiet></Delete>");
    assert_non_null(aws_request_get_header(&r, "Content-MD5"));
    aws_request_release(&r);

    assert_int_equal(build("s3", "GetBucketPolicy", "{\"Bucket\":\"b\"}", "eu-west-2", moto, &r, err), 0);
    assert_string_equal(r.method, "GET");
    assert_null(r.body);
    assert_null(aws_request_get_header(&r, "Content-MD5"));
    aws_request_release(&r);
}

/* CreateBucket: LocationConstraint = region outside us-east-1, none inside. */
static void test_create_bucket(void **state)
{
    (void)state;
    AwsRequest r;
    char err[AWS_ERR_MAX];
    assert_int_equal(build("s3", "CreateBucket", "{\"Bucket\":\"b\"}", "eu-west-2", moto, &r, err), 0);
    assert_body(&r, "<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
                    "<LocationConstraint>eu-west-2</LocationConstraint></CreateBucketConfiguration>");
    assert_string_equal(r.path, "/b");
    aws_request_release(&r);
    assert_int_equal(build("s3", "CreateBucket",
                           "{\"Bucket\":\"b\",\"CreateBucketConfiguration\":{\"LocationConstraint\":"
                           "\"us-east-1\"}}",
                           "us-east-1", moto, &r, err),
                     0);
    assert_null(r.body);
    assert_string_equal(aws_request_get_header(&r, "Content-Type"), "application/xml");
    aws_request_release(&r);
}

static void test_endpoints(void **state)
{
    (void)state;
    AwsRequest r;
    char err[AWS_ERR_MAX];
    /* no override: virtual-host S3 for DNS-compatible names */
    assert_int_equal(build("s3", "GetBucketVersioning", "{\"Bucket\":\"my-bucket\"}", "eu-west-2",
                           NULL, &r, err),
                     0);
    assert_string_equal(r.host, "my-bucket.s3.eu-west-2.amazonaws.com");
    assert_string_equal(r.path, "/");
    assert_string_equal(r.query, "versioning");
    aws_request_release(&r);
    assert_int_equal(build("s3", "HeadBucket", "{\"Bucket\":\"my.bucket\"}", "eu-west-2", NULL, &r, err), 0);
    assert_string_equal(r.host, "s3.eu-west-2.amazonaws.com");
    assert_string_equal(r.path, "/my.bucket");
    aws_request_release(&r);
    /* per-service override beats the global one; base path kept */
    static const char *const both[] = {"AWS_ENDPOINT_URL=http://127.0.0.1:5000",
                                       "AWS_ENDPOINT_URL_S3=https://s3.local:4443/prefix/", NULL};
    assert_int_equal(build("s3", "HeadBucket", "{\"Bucket\":\"b\"}", "eu-west-2", both, &r, err), 0);
    assert_string_equal(r.host, "s3.local:4443");
    assert_string_equal(r.path, "/prefix/b");
    char *url = aws_request_url(&r);
    assert_string_equal(url, "https://s3.local:4443/prefix/b");
    free(url);
    aws_request_release(&r);
    static const char *const aas[] = {
        "AWS_ENDPOINT_URL_APPLICATION_AUTO_SCALING=http://aas:1", NULL};
    assert_int_equal(build("application-autoscaling", "DescribeScalableTargets",
                           "{\"ServiceNamespace\":\"ecs\"}", "eu-west-2", aas, &r, err),
                     0);
    assert_string_equal(r.host, "aas:1");
    aws_request_release(&r);
    /* errors */
    assert_int_equal(build("s3", "HeadBucket", "{\"Bucket\":\"b\"}", NULL, NULL, &r, err), -1);
    assert_non_null(strstr(err, "region"));
    aws_request_release(&r);
    static const char *const bad[] = {"AWS_ENDPOINT_URL=127.0.0.1:5000", NULL};
    assert_int_equal(build("sts", "GetCallerIdentity", NULL, "eu-west-2", bad, &r, err), -1);
    aws_request_release(&r);
    assert_int_equal(build("lambda", "Invoke", NULL, "eu-west-2", NULL, &r, err), -1);
    assert_non_null(strstr(err, "lambda"));
    aws_request_release(&r);
}

/* Misspelt or mistyped arguments are refused, naming the path. */
static void test_argument_checks(void **state)
{
    (void)state;
    AwsRequest r;
    char err[AWS_ERR_MAX];
    assert_int_equal(build("iam", "GetRole", "{\"Rolename\":\"r\"}", "eu-west-2", NULL, &r, err), -1);
    assert_non_null(strstr(err, "Rolename"));
    aws_request_release(&r);
    assert_int_equal(build("s3", "PutBucketTagging",
                           "{\"Bucket\":\"b\",\"Tagging\":{\"TagSet\":[{\"Key\":\"a\",\"Valeu\":\"1\"}]}}",
                           "eu-west-2", moto, &r, err),
                     -1);
    assert_non_null(strstr(err, "Tagging.TagSet[0]"));
    aws_request_release(&r);
    assert_int_equal(build("ecs", "UpdateService", "{\"service\":\"s\",\"desiredCount\":\"1\"}",
                           "eu-west-2", NULL, &r, err),
                     -1);
    assert_non_null(strstr(err, "desiredCount"));
    aws_request_release(&r);
    assert_int_equal(build("s3", "GetBucketPolicy", "{}", "eu-west-2", moto, &r, err), -1);
    assert_non_null(strstr(err, "Bucket"));
    aws_request_release(&r);
    assert_int_equal(build("iam", "NoSuchOp", NULL, "eu-west-2", NULL, &r, err), -1);
    aws_request_release(&r);
}

/* ------------------------------------------------------------------ */
/* Responses                                                            */

static int parse(const char *service, const char *op, long status, const char *body,
                 const AwsHeader *hs, size_t nh, cJSON **res, AwsError *e)
{
    AwsResponse resp = {.status = status, .headers = hs, .n_headers = nh, .body = body,
                        .body_len = body ? strlen(body) : 0};
    return aws_response_parse(model, service, op, &resp, res, e);
}

static const char *jstr(const cJSON *o, const char *path)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", path);
    const cJSON *cur = o;
    for (char *save = NULL, *p = strtok_r(buf, ".", &save); p && cur;
         p = strtok_r(NULL, ".", &save))
        cur = cJSON_IsArray(cur) ? cJSON_GetArrayItem(cur, atoi(p))
                                 : cJSON_GetObjectItemCaseSensitive(cur, p);
    return cJSON_IsString(cur) ? cur->valuestring : NULL;
}

static const cJSON *jget(const cJSON *o, const char *key)
{
    return cJSON_GetObjectItemCaseSensitive(o, key);
}

static void test_parse_sts_assume_role(void **state)
{
    (void)state;
    const char *body =
        "<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n"
        "  <AssumeRoleResult>\n"
        "    <AssumedRoleUser><AssumedRoleId>AROA:s</AssumedRoleId>"
        "<Arn>arn:aws:sts::222222222222:assumed-role/R/s</Arn></AssumedRoleUser>\n"
        "    <Credentials>\n"
        "      <AccessKeyId>ASIAEXAMPLEEXAMPLE12</AccessKeyId>\n"
        "      <SecretAccessKey>secret/secret+secret</SecretAccessKey>\n"
        "      <SessionToken>token==</SessionToken>\n"
        "      <Expiration>2024-01-15T10:30:00Z</Expiration>\n"
        "    </Credentials>\n"
        "    <PackedPolicySize>6</PackedPolicySize>\n"
        "  </AssumeRoleResult>\n"
        "  <ResponseMetadata><RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId>"
        "</ResponseMetadata>\n"
        "</AssumeRoleResponse>\n";
    cJSON *res;
    AwsError e;
    assert_int_equal(parse("sts", "AssumeRole", 200, body, NULL, 0, &res, &e), 0);
    assert_string_equal(jstr(res, "Credentials.AccessKeyId"), "ASIAEXAMPLEEXAMPLE12");
    assert_string_equal(jstr(res, "AssumedRoleUser.Arn"), "arn:aws:sts::222222222222:assumed-role/R/s");
    assert_true(cJSON_IsNumber(jget(res, "PackedPolicySize")));
    assert_string_equal(jstr(res, "ResponseMetadata.RequestId"), "c6104cbe-af31-11e0-8154-cbc7ccf896c7");
    AwsCreds c;
    char err[AWS_ERR_MAX];
    assert_int_equal(aws_sts_credentials_parse(res, "arn:aws:iam::222222222222:role/R", &c, err), 0);
    assert_string_equal(c.secret_access_key, "secret/secret+secret");
    assert_string_equal(c.session_token, "token==");
    assert_int_equal(c.expiration, 1705314600);
    assert_string_equal(c.source, "sts:AssumeRole arn:aws:iam::222222222222:role/R");
    assert_true(aws_creds_expiring(&c, 1705314600 - 100, 300));
    assert_false(aws_creds_expiring(&c, 1705314600 - 1000, 300));
    aws_creds_release(&c);
    cJSON_Delete(res);
    aws_error_release(&e);
}

static void test_parse_iam(void **state)
{
    (void)state;
    const char *body =
        "<ListAttachedRolePoliciesResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\">"
        "<ListAttachedRolePoliciesResult><AttachedPolicies><member><PolicyName>A</PolicyName>"
        "<PolicyArn>arn:aws:iam::aws:policy/A</PolicyArn></member></AttachedPolicies>"
        "<IsTruncated>false</IsTruncated></ListAttachedRolePoliciesResult>"
        "<ResponseMetadata><RequestId>r1</RequestId></ResponseMetadata>"
        "</ListAttachedRolePoliciesResponse>";
    cJSON *res;
    AwsError e;
    assert_int_equal(parse("iam", "ListAttachedRolePolicies", 200, body, NULL, 0, &res, &e), 0);
    const cJSON *pols = jget(res, "AttachedPolicies");
    assert_true(cJSON_IsArray(pols)); /* one member is still a list */
    assert_int_equal(cJSON_GetArraySize(pols), 1);
    assert_string_equal(jstr(res, "AttachedPolicies.0.PolicyName"), "A");
    assert_true(cJSON_IsFalse(jget(res, "IsTruncated")));
    cJSON_Delete(res);
    aws_error_release(&e);

    const char *err_body =
        "<ErrorResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><Error><Type>Sender"
        "</Type><Code>EntityAlreadyExists</Code><Message>Role with name r already exists."
        "</Message></Error><RequestId>r2</RequestId></ErrorResponse>";
    assert_int_equal(parse("iam", "CreateRole", 409, err_body, NULL, 0, &res, &e), 1);
    assert_null(res);
    assert_int_equal(e.http_status, 409);
    assert_string_equal(e.code, "EntityAlreadyExists");
    assert_string_equal(e.message, "Role with name r already exists.");
    assert_string_equal(e.request_id, "r2");
    aws_error_release(&e);

    /* a tag list and an URL-encoded policy document come back as is */
    const char *role =
        "<GetRoleResponse><GetRoleResult><Role><RoleName>r</RoleName><MaxSessionDuration>3600"
        "</MaxSessionDuration><AssumeRolePolicyDocument>%7B%7D</AssumeRolePolicyDocument>"
        "<Tags><member><Key>a</Key><Value>1</Value></member><member><Key>b</Key><Value>2</Value>"
        "</member></Tags></Role></GetRoleResult></GetRoleResponse>";
    assert_int_equal(parse("iam", "GetRole", 200, role, NULL, 0, &res, &e), 0);
    assert_string_equal(jstr(res, "Role.Tags.1.Key"), "b");
    assert_string_equal(jstr(res, "Role.AssumeRolePolicyDocument"), "%7B%7D");
    assert_int_equal(jget(jget(res, "Role"), "MaxSessionDuration")->valueint, 3600);
    cJSON_Delete(res);
    aws_error_release(&e);
}

static void test_parse_rds_and_autoscaling(void **state)
{
    (void)state;
    const char *body =
        "<DescribeDBClustersResponse xmlns=\"http://rds.amazonaws.com/doc/2014-10-31/\">"
        "<DescribeDBClustersResult><DBClusters><DBCluster><DBClusterIdentifier>c</DBClusterIdentifier>"
        "<Engine>aurora-postgresql</Engine><ServerlessV2ScalingConfiguration><MinCapacity>0.5"
        "</MinCapacity><MaxCapacity>4.0</MaxCapacity></ServerlessV2ScalingConfiguration>"
        "<VpcSecurityGroups><VpcSecurityGroupMembership><VpcSecurityGroupId>sg-1</VpcSecurityGroupId>"
        "<Status>active</Status></VpcSecurityGroupMembership></VpcSecurityGroups>"
        "<DeletionProtection>true</DeletionProtection></DBCluster></DBClusters>"
        "</DescribeDBClustersResult><ResponseMetadata><RequestId>x</RequestId></ResponseMetadata>"
        "</DescribeDBClustersResponse>";
    cJSON *res;
    AwsError e;
    assert_int_equal(parse("rds", "DescribeDBClusters", 200, body, NULL, 0, &res, &e), 0);
    const cJSON *cl = cJSON_GetArrayItem(jget(res, "DBClusters"), 0);
    assert_non_null(cl);
    assert_string_equal(jstr(cl, "Engine"), "aurora-postgresql");
    assert_true(jget(jget(cl, "ServerlessV2ScalingConfiguration"), "MinCapacity")->valuedouble == 0.5);
    assert_string_equal(jstr(cl, "VpcSecurityGroups.0.VpcSecurityGroupId"), "sg-1");
    assert_true(cJSON_IsTrue(jget(cl, "DeletionProtection")));
    cJSON_Delete(res);
    aws_error_release(&e);

    const char *nf = "<ErrorResponse><Error><Type>Sender</Type><Code>DBClusterNotFoundFault</Code>"
                     "<Message>DBCluster c not found.</Message></Error><RequestId>y</RequestId>"
                     "</ErrorResponse>";
    assert_int_equal(parse("rds", "DescribeDBClusters", 404, nf, NULL, 0, &res, &e), 1);
    assert_string_equal(e.code, "DBClusterNotFoundFault");
    aws_error_release(&e);

    /* Auto Scaling throttle, and an operation without a result wrapper */
    const char *thr = "<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>"
                      "Rate exceeded</Message></Error><RequestId>z</RequestId></ErrorResponse>";
    assert_int_equal(parse("autoscaling", "UpdateAutoScalingGroup", 400, thr, NULL, 0, &res, &e), 1);
    assert_string_equal(e.code, "Throttling");
    assert_int_equal(aws_retry_classify(AWS_NET_OK, e.http_status, e.code), AWS_RETRY_THROTTLE);
    aws_error_release(&e);
    const char *ok = "<UpdateAutoScalingGroupResponse><ResponseMetadata><RequestId>q</RequestId>"
                     "</ResponseMetadata></UpdateAutoScalingGroupResponse>";
    assert_int_equal(parse("autoscaling", "UpdateAutoScalingGroup", 200, ok, NULL, 0, &res, &e), 0);
    assert_string_equal(jstr(res, "ResponseMetadata.RequestId"), "q");
    cJSON_Delete(res);
    aws_error_release(&e);
}

static void test_parse_s3(void **state)
{
    (void)state;
    cJSON *res;
    AwsError e;
    AwsHeader hs[] = {H("x-amz-request-id", "RID"), H("X-Amz-Bucket-Region", "eu-west-2")};
    assert_int_equal(parse("s3", "HeadBucket", 200, NULL, hs, 2, &res, &e), 0);
    assert_string_equal(jstr(res, "BucketRegion"), "eu-west-2");
    assert_string_equal(jstr(res, "ResponseMetadata.RequestId"), "RID");
    cJSON_Delete(res);
    aws_error_release(&e);
    assert_int_equal(parse("s3", "HeadBucket", 404, NULL, hs, 1, &res, &e), 1);
    assert_string_equal(e.code, "NotFound");
    assert_string_equal(e.request_id, "RID");
    aws_error_release(&e);

    const char *exists = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>"
                         "BucketAlreadyOwnedByYou</Code><Message>Your previous request to create "
                         "the named bucket succeeded and you already own it.</Message><BucketName>b"
                         "</BucketName><RequestId>R2</RequestId><HostId>h</HostId></Error>";
    assert_int_equal(parse("s3", "CreateBucket", 409, exists, NULL, 0, &res, &e), 1);
    assert_string_equal(e.code, "BucketAlreadyOwnedByYou");
    assert_string_equal(e.request_id, "R2");
    aws_error_release(&e);

    const char *slow = "<Error><Code>SlowDown</Code><Message>Please reduce your request rate."
                       "</Message></Error>";
    assert_int_equal(parse("s3", "PutBucketPolicy", 503, slow, NULL, 0, &res, &e), 1);
    assert_int_equal(aws_retry_classify(AWS_NET_OK, e.http_status, e.code), AWS_RETRY_THROTTLE);
    aws_error_release(&e);

    const char *enc =
        "<ServerSideEncryptionConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
        "<Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>AES256</SSEAlgorithm>"
        "</ApplyServerSideEncryptionByDefault><BucketKeyEnabled>false</BucketKeyEnabled></Rule>"
        "</ServerSideEncryptionConfiguration>";
    assert_int_equal(parse("s3", "GetBucketEncryption", 200, enc, NULL, 0, &res, &e), 0);
    const cJSON *rules = jget(jget(res, "ServerSideEncryptionConfiguration"), "Rules");
    assert_true(cJSON_IsArray(rules)); /* flattened list of one */
    assert_string_equal(jstr(cJSON_GetArrayItem(rules, 0),
                             "ApplyServerSideEncryptionByDefault.SSEAlgorithm"),
                        "AES256");
    cJSON_Delete(res);
    aws_error_release(&e);

    const char *ver = "<VersioningConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
                      "<Status>Enabled</Status></VersioningConfiguration>";
    assert_int_equal(parse("s3", "GetBucketVersioning", 200, ver, NULL, 0, &res, &e), 0);
    assert_string_equal(jstr(res, "Status"), "Enabled");
    cJSON_Delete(res);
    aws_error_release(&e);

    const char *pol = "{\"Version\":\"2012-10-17\",\"Statement\":[]}";
    assert_int_equal(parse("s3", "GetBucketPolicy", 200, pol, NULL, 0, &res, &e), 0);
    assert_string_equal(jstr(res, "Policy"), pol);
    cJSON_Delete(res);
    aws_error_release(&e);

    const char *pab = "<PublicAccessBlockConfiguration><BlockPublicAcls>true</BlockPublicAcls>"
                      "<IgnorePublicAcls>true</IgnorePublicAcls></PublicAccessBlockConfiguration>";
    assert_int_equal(parse("s3", "GetPublicAccessBlock", 200, pab, NULL, 0, &res, &e), 0);
    assert_true(cJSON_IsTrue(jget(jget(res, "PublicAccessBlockConfiguration"), "BlockPublicAcls")));
    cJSON_Delete(res);
    aws_error_release(&e);

    /* a truncated 200 body is an error the retry policy treats as transient */
    assert_int_equal(parse("s3", "GetBucketVersioning", 200, "<VersioningConfiguration><Sta",
                           NULL, 0, &res, &e),
                     1);
    assert_string_equal(e.code, "MalformedResponse");
    assert_int_equal(aws_retry_classify(AWS_NET_OK, 200, e.code), AWS_RETRY_SERVER);
    aws_error_release(&e);
}

static void test_parse_json(void **state)
{
    (void)state;
    cJSON *res;
    AwsError e;
    AwsHeader hs[] = {H("x-amzn-RequestId", "J1")};
    assert_int_equal(parse("dynamodb", "CreateTable", 400,
                           "{\"__type\":\"com.amazonaws.dynamodb.v20120810#ResourceInUseException\","
                           "\"message\":\"Table already exists: t\"}",
                           hs, 1, &res, &e),
                     1);
    assert_string_equal(e.code, "ResourceInUseException");
    assert_string_equal(e.message, "Table already exists: t");
    assert_string_equal(e.request_id, "J1");
    aws_error_release(&e);
    AwsHeader th[] = {H("X-Amzn-ErrorType", "ThrottlingException:http://internal.amazon.com/")};
    assert_int_equal(parse("ecs", "UpdateService", 400, "{\"Message\":\"Rate exceeded\"}", th, 1,
                           &res, &e),
                     1);
    assert_string_equal(e.code, "ThrottlingException");
    assert_string_equal(e.message, "Rate exceeded");
    aws_error_release(&e);
    assert_int_equal(parse("ecr", "CreateRepository", 500, "<html>oops</html>", NULL, 0, &res, &e), 1);
    assert_string_equal(e.code, "Http500");
    assert_int_equal(aws_retry_classify(AWS_NET_OK, e.http_status, e.code), AWS_RETRY_SERVER);
    aws_error_release(&e);
    assert_int_equal(parse("ecs", "DescribeServices", 200,
                           "{\"services\":[{\"serviceName\":\"daemon\",\"desiredCount\":0}],"
                           "\"failures\":[]}",
                           hs, 1, &res, &e),
                     0);
    assert_string_equal(jstr(res, "services.0.serviceName"), "daemon");
    assert_string_equal(jstr(res, "ResponseMetadata.RequestId"), "J1");
    cJSON_Delete(res);
    aws_error_release(&e);
    assert_int_equal(parse("ecs", "DescribeServices", 200, "[1]", NULL, 0, &res, &e), 1);
    assert_string_equal(e.code, "MalformedResponse");
    aws_error_release(&e);
}

/* The model-less converter and XML hardening. */
static void test_xml_generic(void **state)
{
    (void)state;
    char err[AWS_ERR_MAX];
    const char *doc = "<a xmlns:x=\"u\"><x:b>1</x:b><b>2</b><c><d>t &amp; u</d></c></a>";
    cJSON *j = aws_xml_to_json(doc, strlen(doc), err);
    assert_non_null(j);
    char *s = cJSON_PrintUnformatted(j);
    assert_string_equal(s, "{\"a\":{\"b\":[\"1\",\"2\"],\"c\":{\"d\":\"t & u\"}}}");
    free(s);
    cJSON_Delete(j);
    const char *bomb = "<!DOCTYPE a [<!ENTITY x \"xx\">]><a>&x;</a>";
    assert_null(aws_xml_to_json(bomb, strlen(bomb), err));
    assert_non_null(strstr(err, "DOCTYPE"));
    char deep[301];
    for (int i = 0; i < 100; i++)
        memcpy(deep + 3 * i, "<a>", 3);
    deep[300] = '\0';
    assert_null(aws_xml_to_json(deep, strlen(deep), err));
    assert_non_null(strstr(err, "deep"));
    assert_null(aws_xml_to_json("", 0, err));
    assert_null(aws_xml_to_json("<a></b>", 7, err));
}

static void test_model_paths(void **state)
{
    (void)state;
    static const char *const env[] = {"SFDRUN_STDLIB=/opt/sfdc/stdlib", NULL};
    fake_env = env;
    char *p = aws_model_default_path("sfdrun", fake_getenv);
    assert_string_equal(p, "/opt/sfdc/stdlib/aws/operations.json");
    free(p);
    assert_string_equal(aws_model_protocol(model, "s3"), "rest-xml");
    assert_string_equal(aws_model_protocol(model, "ecs"), "json");
    assert_true(aws_model_has_operation(model, "organizations", "CreateAccount"));
    assert_false(aws_model_has_operation(model, "s3", "PutBucketAcl"));
    char err[AWS_ERR_MAX];
    assert_null(aws_model_load("/nonexistent/operations.json", err));
    assert_null(aws_model_parse("{\"x\":1}", 7, err));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_query_iam),
        cmocka_unit_test(test_query_lists_and_structs),
        cmocka_unit_test(test_json_protocol),
        cmocka_unit_test(test_restxml_s3),
        cmocka_unit_test(test_create_bucket),
        cmocka_unit_test(test_endpoints),
        cmocka_unit_test(test_argument_checks),
        cmocka_unit_test(test_parse_sts_assume_role),
        cmocka_unit_test(test_parse_iam),
        cmocka_unit_test(test_parse_rds_and_autoscaling),
        cmocka_unit_test(test_parse_s3),
        cmocka_unit_test(test_parse_json),
        cmocka_unit_test(test_xml_generic),
        cmocka_unit_test(test_model_paths),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
