#!/usr/bin/env python3
"""gen-sigv4-cases.py — writes tests/data/sigv4/ from botocore, the oracle.

Each case is a request as sfdrun (or a user of `sfdrun sign`) would hand it
to the signer. botocore's SigV4Auth / S3SigV4Auth signs the same request with
fixed credentials and a fixed date; we keep its canonical request, string to
sign and Authorization header:

    tests/data/sigv4/NAME.req    raw HTTP request (input to aws_request_parse_raw)
    tests/data/sigv4/NAME.creq   canonical request
    tests/data/sigv4/NAME.sts    string to sign
    tests/data/sigv4/NAME.authz  Authorization header value
    tests/data/sigv4/cases.txt   NAME SERVICE REGION FLAGS TOKEN per line
                                 (FLAGS: comma list of s3, sha or "-";
                                  TOKEN: session token or "-")

Credentials: AKIAIOSFODNN7EXAMPLE / wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
(AWS's documentation example pair), date 20240115T093000Z.

Needs botocore at development time only; the generated files are committed.
Usage: tools/gen-sigv4-cases.py [OUTDIR]   (default tests/data/sigv4)
"""
import datetime
import hashlib
import os
import sys

import botocore.auth
from botocore.auth import S3SigV4Auth, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

ACCESS_KEY = "AKIAIOSFODNN7EXAMPLE"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
DATE = "20240115T093000Z"
TOKEN = "IQoJb3JpZ2luX2VjEXAMPLETOKEN//////////wEaCWV1LXdlc3QtMiJHMEUCIQ+sfdrun/test=="

E = hashlib.sha256(b"").hexdigest()


def case(name, method, path, query="", headers=(), body=b"", service="service",
         region="us-east-1", s3=False, sha=False, token=None, host="example.amazonaws.com",
         scheme="https"):
    """One request; headers is a list of (name, value) in wire order (Host
    is added first unless present)."""
    hs = list(headers)
    if not any(h[0].lower() == "host" for h in hs):
        hs.insert(0, ("Host", host))
    return dict(name=name, method=method, path=path, query=query, headers=hs,
                body=body, service=service, region=region, s3=s3, sha=sha or s3,
                token=token, host=host, scheme=scheme)


def s3_case(name, method, path, query="", headers=(), body=b"", **kw):
    """A request as sfdrun's rest-xml serializer emits it (path style,
    x-amz-content-sha256, moto-like endpoint unless host given)."""
    kw.setdefault("host", "127.0.0.1:5000")
    kw.setdefault("scheme", "http")
    return case(name, method, path, query, headers, body, service="s3",
                region=kw.pop("region", "eu-west-2"), s3=True, **kw)


CASES = [
    # --- header handling
    case("header-order", "GET", "/", headers=[
        ("X-Zeta", "z"), ("Accept", "*/*"), ("x-alpha", "a"), ("My-Header", "m")]),
    case("header-key-case", "GET", "/", headers=[("MY-HEADER", "v1"), ("my-header2", "v2")]),
    case("header-duplicate", "GET", "/", headers=[
        ("My-Header1", "value2"), ("My-Header1", "value2"), ("My-Header1", "value1")]),
    case("header-duplicate-interleaved", "GET", "/", headers=[
        ("B", "2"), ("A", "1"), ("b", "3"), ("a", "0")]),
    case("header-multiline", "GET", "/", headers=[("My-Header1", "value1\n  value2\n\tvalue3")]),
    case("header-trim", "GET", "/", headers=[
        ("My-Header1", "  value1  "), ("My-Header2", '"a   b\t\tc"'), ("My-Header3", "")]),
    case("header-unsigned", "GET", "/", headers=[
        ("User-Agent", "sfdrun/0.1"), ("Expect", "100-continue"), ("X-Amzn-Trace-Id", "t")]),
    # --- paths
    case("path-unreserved", "GET", "/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"),
    case("path-utf8-raw", "GET", "/\u1234/caf\u00e9"),
    case("path-encoded-double", "GET", "/%E1%88%B4/a%20b"),
    case("path-reserved", "GET", "/example/$delete/a+b/c=d"),
    case("path-space", "GET", "/example space/"),
    case("path-dots", "GET", "/a/./b/../c/"),
    case("path-dotdot-root", "GET", "/a/../../b"),
    case("path-slashes", "GET", "//a//b///"),
    case("path-only-slashes", "GET", "///"),
    # --- queries
    case("query-order-key", "GET", "/", query="Param2=value2&Param1=value1"),
    case("query-order-value", "GET", "/", query="Param1=value2&Param1=Value1&Param1=value1"),
    case("query-key-case", "GET", "/", query="param=a&Param=b&PARAM=c"),
    case("query-key-prefix", "GET", "/", query="a-b=1&a=2&ab=3&a.b=4"),
    case("query-encoded", "GET", "/", query="Param-3=Value3&Param=Value2&%E1%88%B4=Value1"),
    case("query-unreserved", "GET", "/", query="-._~AZaz09=-._~AZaz09"),
    case("query-escaped-reserved", "GET", "/", query="k%2Fey=v%3D1%26%202&x=%2B"),
    case("query-empty-value", "GET", "/", query="Param1="),
    case("query-no-equals", "GET", "/", query="versioning"),
    case("query-empty-and-set", "POST", "/", query="b&a=&c=3"),
    # --- bodies
    case("post-form", "POST", "/", headers=[
        ("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")],
        body=b"Action=GetCallerIdentity&Version=2011-06-15"),
    case("post-form-sha", "POST", "/", headers=[
        ("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")],
        body=b"Param1=value1&Param2=value%202", sha=True),
    case("post-binary-body", "POST", "/", headers=[("Content-Type", "application/octet-stream")],
         body=bytes(range(256))),
    # --- session tokens
    case("token-get", "GET", "/", token=TOKEN),
    case("token-post-sha", "POST", "/", query="a=1", token=TOKEN, sha=True,
         headers=[("Content-Type", "text/plain")], body=b"hello"),
    # --- sfdrun's own requests: query protocol (IAM global, STS regional)
    case("iam-create-role", "POST", "/", service="iam", region="us-east-1",
         host="iam.amazonaws.com", sha=True, headers=[
             ("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")],
         body=(b"Action=CreateRole&Version=2010-05-08&RoleName=sfdata-la-camden"
               b"&AssumeRolePolicyDocument=%7B%22Version%22%3A%222012-10-17%22%7D"
               b"&Tags.member.1.Key=owner&Tags.member.1.Value=platform")),
    case("sts-assume-role-token", "POST", "/", service="sts", region="eu-west-2",
         host="sts.eu-west-2.amazonaws.com", sha=True, token=TOKEN, headers=[
             ("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")],
         body=(b"Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A"
               b"222222222222%3Arole%2FOrganizationAccountAccessRole&RoleSessionName=sfdrun")),
    case("rds-moto-port", "POST", "/", service="rds", region="eu-west-2",
         host="127.0.0.1:5000", scheme="http", sha=True, headers=[
             ("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")],
         body=b"Action=DescribeDBClusters&Version=2014-10-31&DBClusterIdentifier=dagster"),
    # --- json protocol
    case("dynamodb-create-table", "POST", "/", service="dynamodb", region="eu-west-2",
         host="dynamodb.eu-west-2.amazonaws.com", sha=True, headers=[
             ("Content-Type", "application/x-amz-json-1.0"),
             ("X-Amz-Target", "DynamoDB_20120810.CreateTable")],
         body=b'{"TableName":"sfdata-locks","BillingMode":"PAY_PER_REQUEST"}'),
    case("ecs-update-service-token", "POST", "/", service="ecs", region="eu-west-2",
         host="ecs.eu-west-2.amazonaws.com", sha=True, token=TOKEN, headers=[
             ("Content-Type", "application/x-amz-json-1.1"),
             ("X-Amz-Target", "AmazonEC2ContainerServiceV20141113.UpdateService")],
         body=b'{"cluster":"sfdata","service":"daemon","desiredCount":0}'),
    case("aas-put-scheduled-action", "POST", "/", service="application-autoscaling",
         region="eu-west-2", host="application-autoscaling.eu-west-2.amazonaws.com", sha=True,
         headers=[("Content-Type", "application/x-amz-json-1.1"),
                  ("X-Amz-Target", "AnyScaleFrontendService.PutScheduledAction")],
         body=(b'{"ServiceNamespace":"ecs","ScheduledActionName":"off",'
               b'"Schedule":"cron(0 5 ? * MON-FRI *)","Timezone":"Europe/London"}')),
    # --- S3 (rest-xml): no normalization, single encoding, content sha always
    s3_case("s3-create-bucket", "PUT", "/sfdata-tfstate-111111111111", headers=[
        ("Content-Type", "application/xml")],
        body=(b'<CreateBucketConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
              b'<LocationConstraint>eu-west-2</LocationConstraint></CreateBucketConfiguration>')),
    s3_case("s3-head-bucket", "HEAD", "/sfdata-tfstate-111111111111"),
    s3_case("s3-get-versioning", "GET", "/bucket", query="versioning"),
    s3_case("s3-put-versioning-token", "PUT", "/bucket", query="versioning", token=TOKEN,
            headers=[("Content-Type", "application/xml")],
            body=b'<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>'),
    s3_case("s3-put-lifecycle-md5", "PUT", "/bucket", query="lifecycle", headers=[
        ("Content-Type", "application/xml"), ("Content-MD5", "1B2M2Y8AsgTpgAmY7PhCfg==")],
        body=b"<LifecycleConfiguration/>"),
    s3_case("s3-get-policy", "GET", "/bucket", query="policy"),
    s3_case("s3-virtual-host", "GET", "/", query="encryption",
            host="bucket.s3.eu-west-2.amazonaws.com", scheme="https"),
    s3_case("s3-path-not-normalized", "GET", "/bucket/a//b/./c/../d"),
    s3_case("s3-path-encoded-once", "GET", "/bucket/caf%C3%A9%20au%20lait"),
    s3_case("s3-path-encoded-slash", "GET", "/bucket/a%2Fb/c%2B%25"),
    # (no raw UTF-8 S3 path: botocore never signs an unencoded S3 URL, so it
    # is no oracle there; sfdrun encodes it once, see rt_sigv4.c)
    s3_case("s3-us-east-1", "PUT", "/bucket", region="us-east-1",
            host="s3.amazonaws.com", scheme="https", headers=[("Content-Type", "application/xml")]),
]


def url_of(c):
    u = f"{c['scheme']}://{c['host']}{c['path']}"
    if c["query"]:
        u += "?" + c["query"]
    return u


def raw_request(c):
    lines = [f"{c['method']} {c['path']}{'?' + c['query'] if c['query'] else ''} HTTP/1.1"]
    for n, v in c["headers"]:
        lines.append(f"{n}:{v}")
    out = ("\n".join(lines) + "\n").encode("utf-8")
    if c["body"]:
        out += b"\n" + c["body"]
    return out


def sign(c):
    """The four products, from botocore with fixed date and credentials."""
    req = AWSRequest(method=c["method"], url=url_of(c), data=c["body"])
    for n, v in c["headers"]:
        req.headers[n] = v  # HTTPHeaders appends: duplicates are kept
    if c["sha"] and not c["s3"]:
        req.headers["X-Amz-Content-SHA256"] = hashlib.sha256(c["body"]).hexdigest()
    creds = Credentials(ACCESS_KEY, SECRET_KEY, c["token"])
    cls = S3SigV4Auth if c["s3"] else SigV4Auth
    auth = cls(creds, c["service"], c["region"])
    req.context["timestamp"] = DATE
    auth._modify_request_before_signing(req)
    creq = auth.canonical_request(req)
    sts = auth.string_to_sign(req, creq)
    sig = auth.signature(sts, req)
    auth._inject_signature_to_request(req, sig)
    return creq, sts, req.headers["Authorization"]


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "tests/data/sigv4"
    os.makedirs(out, exist_ok=True)
    index = []
    for c in CASES:
        creq, sts, authz = sign(c)
        base = os.path.join(out, c["name"])
        with open(base + ".req", "wb") as f:
            f.write(raw_request(c))
        for ext, text in (("creq", creq), ("sts", sts), ("authz", authz)):
            with open(f"{base}.{ext}", "w", encoding="utf-8", newline="") as f:
                f.write(text)
        flags = ",".join(k for k in ("s3", "sha") if c[k]) or "-"
        index.append(f"{c['name']} {c['service']} {c['region']} {flags} {c['token'] or '-'}")
    with open(os.path.join(out, "cases.txt"), "w") as f:
        f.write("\n".join(index) + "\n")
    print(f"{len(CASES)} cases written to {out}")


if __name__ == "__main__":
    main()
