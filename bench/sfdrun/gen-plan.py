#!/usr/bin/env python3
"""Benchmark plans for sfdrun (bench/sfdrun/run.sh).
    gen-plan.py buckets N OUT   N independent steps: S3 CreateBucket bench-<i>,
                                 check HeadBucket (3 requests per step when new)
    gen-plan.py reads N OUT     N independent dynamodb DescribeTable checks that
                                 hold on any answer (1 request per step), for
                                 the keep-alive server"""
import json
import sys

kind, n, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
steps = []
for i in range(n):
    if kind == "buckets":
        b = f"sfd-bench-{i:05d}"
        steps.append({"id": f"b/{i}", "phase": "bootstrap", "account": "bench",
                      "call": {"service": "s3", "operation": "CreateBucket",
                               "args": {"Bucket": b, "CreateBucketConfiguration":
                                        {"LocationConstraint": "eu-west-2"}}},
                      "exists_ok": ["BucketAlreadyOwnedByYou"],
                      "check": {"operation": "HeadBucket", "args": {"Bucket": b},
                                "expect": [], "missing": ["NotFound"]}})
    else:
        steps.append({"id": f"r/{i}", "phase": "operate", "account": "bench",
                      "call": {"service": "dynamodb", "operation": "DeleteTable",
                               "args": {"TableName": f"t{i}"}},
                      "check": {"operation": "DescribeTable", "args": {"TableName": f"t{i}"},
                                "expect": []}})
json.dump({"format": "sfdc-plan", "version": 1, "source_hash": "sha256:" + "0" * 64,
           "platform": "bench", "region": "eu-west-2",
           "accounts": {"bench": {"id": "123456789012"}}, "steps": steps}, open(out, "w"))
