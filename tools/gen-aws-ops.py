#!/usr/bin/env python3
"""gen-aws-ops.py — writes stdlib/aws/operations.json from botocore's models.

sfdrun keeps the AWS vocabulary in data: for each service it calls, the wire
protocol, API version, JSON target prefix, endpoint prefix, signing name and
global endpoint; for each operation it uses, the HTTP method and URI
template, input/output shapes, the query-protocol result wrapper and whether
S3 requires a body checksum; and every shape reachable from those, trimmed to
what serializing requests and parsing responses needs (type, members with
their location/locationName/flattened/xmlNamespace, list member, map
key/value, payload, required).

botocore is needed only when regenerating (dev time); the output is
committed and deterministic: services, operations and shapes sorted by
name, structure members kept in model order (the order XML bodies are
written in, as the Go and Java SDKs do), 1-space indent.

Usage: tools/gen-aws-ops.py [OUT]   (default stdlib/aws/operations.json)
"""
import gzip
import json
import os
import sys

import botocore

# The operations sfdrun uses, by botocore service name.
OPERATIONS = {
    "s3": ["CreateBucket", "HeadBucket", "PutBucketVersioning", "GetBucketVersioning",
           "PutBucketEncryption", "GetBucketEncryption", "PutPublicAccessBlock",
           "GetPublicAccessBlock", "PutBucketPolicy", "GetBucketPolicy", "PutBucketTagging",
           "GetBucketTagging", "PutBucketLifecycleConfiguration",
           "GetBucketLifecycleConfiguration", "GetBucketLocation",
           "ListObjectVersions", "DeleteObjects", "DeleteBucket"],
    "dynamodb": ["CreateTable", "DescribeTable", "DeleteTable"],
    "iam": ["CreateRole", "GetRole", "PutRolePolicy", "GetRolePolicy", "UpdateAssumeRolePolicy",
            "AttachRolePolicy", "ListAttachedRolePolicies", "TagRole", "DetachRolePolicy",
            "DeleteRole"],
    "sts": ["AssumeRole", "GetCallerIdentity"],
    "ecr": ["CreateRepository", "DescribeRepositories", "SetRepositoryPolicy",
            "GetRepositoryPolicy", "PutLifecyclePolicy", "GetLifecyclePolicy"],
    "ecs": ["DescribeServices", "UpdateService", "DescribeClusters", "TagResource",
            "UntagResource", "ListTagsForResource"],
    "application-autoscaling": ["RegisterScalableTarget", "DescribeScalableTargets",
                                "PutScheduledAction", "DescribeScheduledActions",
                                "DeleteScheduledAction"],
    "rds": ["DescribeDBClusters", "ModifyDBCluster"],
    "autoscaling": ["DescribeAutoScalingGroups", "UpdateAutoScalingGroup"],
    "organizations": ["CreateAccount", "DescribeCreateAccountStatus", "ListAccounts"],
}

# Partition-global services: one endpoint, signed for us-east-1 (botocore's
# endpoint rules say so; the rule sets are too large to interpret in C).
GLOBAL = {
    "iam": {"host": "iam.amazonaws.com", "region": "us-east-1"},
    "organizations": {"host": "organizations.us-east-1.amazonaws.com", "region": "us-east-1"},
}

MEMBER_KEYS = ("shape", "location", "locationName", "flattened", "xmlNamespace",
               "xmlAttribute", "queryName")
SHAPE_KEYS = ("type", "payload", "flattened", "locationName", "xmlNamespace", "required",
              "timestampFormat", "exception")


def load_model(data_dir, service):
    sdir = os.path.join(data_dir, service)
    version = sorted(os.listdir(sdir))[-1]
    path = os.path.join(sdir, version, "service-2.json")
    if os.path.exists(path):
        with open(path) as f:
            return json.load(f)
    with gzip.open(path + ".gz") as f:
        return json.load(f)


def trim_ref(ref):
    return {k: ref[k] for k in MEMBER_KEYS if k in ref}


def collect(shapes, name, out):
    """Copies shape `name` and everything it reaches into out."""
    if name in out:
        return
    src = shapes[name]
    dst = {k: src[k] for k in SHAPE_KEYS if k in src}
    out[name] = dst
    if src["type"] == "structure":
        dst["members"] = {m: trim_ref(r) for m, r in src.get("members", {}).items()}
        for r in src.get("members", {}).values():
            collect(shapes, r["shape"], out)
    elif src["type"] == "list":
        dst["member"] = trim_ref(src["member"])
        collect(shapes, src["member"]["shape"], out)
    elif src["type"] == "map":
        dst["key"] = trim_ref(src["key"])
        dst["value"] = trim_ref(src["value"])
        collect(shapes, src["key"]["shape"], out)
        collect(shapes, src["value"]["shape"], out)


def service_entry(model, service, ops):
    meta = model["metadata"]
    entry = {
        "protocol": meta["protocol"],
        "apiVersion": meta["apiVersion"],
        "endpointPrefix": meta["endpointPrefix"],
        "signingName": meta.get("signingName", meta["endpointPrefix"]),
        "serviceId": meta["serviceId"],
    }
    for k in ("targetPrefix", "jsonVersion", "xmlNamespace"):
        if k in meta:
            entry[k] = meta[k]
    if service in GLOBAL:
        entry["global"] = GLOBAL[service]
    operations, shapes = {}, {}
    for op in ops:
        src = model["operations"][op]
        o = {"method": src["http"]["method"], "requestUri": src["http"]["requestUri"]}
        if "input" in src:
            o["input"] = src["input"]["shape"]
            collect(model["shapes"], o["input"], shapes)
        if "output" in src:
            o["output"] = src["output"]["shape"]
            if "resultWrapper" in src["output"]:
                o["resultWrapper"] = src["output"]["resultWrapper"]
            collect(model["shapes"], o["output"], shapes)
        hc = src.get("httpChecksum", {})
        if src.get("httpChecksumRequired") or hc.get("requestChecksumRequired"):
            o["checksumRequired"] = True
        operations[op] = o
    entry["operations"] = dict(sorted(operations.items()))
    entry["shapes"] = {k: sort_shape(v) for k, v in sorted(shapes.items())}
    return dict(sorted(entry.items()))


def sort_shape(shape):
    """Sorted keys everywhere except the member order of a structure."""
    out = {}
    for k, v in sorted(shape.items()):
        if k == "members":
            out[k] = {m: dict(sorted(r.items())) for m, r in v.items()}
        elif isinstance(v, dict):
            out[k] = dict(sorted(v.items()))
        else:
            out[k] = v
    return out


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "stdlib/aws/operations.json"
    data_dir = os.path.join(os.path.dirname(botocore.__file__), "data")
    doc = {
        "comment": "generated by tools/gen-aws-ops.py from botocore models; do not edit",
        "botocore": botocore.__version__,
        "services": {s: service_entry(load_model(data_dir, s), s, OPERATIONS[s])
                     for s in sorted(OPERATIONS)},
    }
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    n_ops = sum(len(v) for v in OPERATIONS.values())
    n_shapes = sum(len(s["shapes"]) for s in doc["services"].values())
    print(f"{out}: {len(OPERATIONS)} services, {n_ops} operations, {n_shapes} shapes, "
          f"{os.path.getsize(out)} bytes")


if __name__ == "__main__":
    main()
