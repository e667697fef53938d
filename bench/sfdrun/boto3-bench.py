#!/usr/bin/env python3
"""The same calls as sfdrun's bucket plan, with boto3: for each bucket,
HeadBucket (404), CreateBucket, HeadBucket; sequentially or with T threads.
Or `reads N`: N DescribeTable calls (the keep-alive server run).
    boto3-bench.py buckets N THREADS | reads N THREADS     (prints requests, seconds)"""
import concurrent.futures
import os
import sys
import threading
import time

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

kind, n, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
local = threading.local()


def client(svc):
    c = getattr(local, svc, None)
    if c is None:
        c = boto3.session.Session().client(svc, region_name="eu-west-2",
                                           config=Config(max_pool_connections=threads,
                                                         retries={"mode": "standard"}))
        setattr(local, svc, c)
    return c


def bucket(i):
    s3 = client("s3")
    b = f"sfd-bench-{i:05d}"
    try:
        s3.head_bucket(Bucket=b)
        return 1
    except ClientError:
        pass
    s3.create_bucket(Bucket=b, CreateBucketConfiguration={"LocationConstraint": "eu-west-2"})
    s3.head_bucket(Bucket=b)
    return 3


def read(i):
    client("dynamodb").describe_table(TableName=f"t{i}")
    return 1


fn = bucket if kind == "buckets" else read
t0 = time.perf_counter()
if threads == 1:
    reqs = sum(fn(i) for i in range(n))
else:
    with concurrent.futures.ThreadPoolExecutor(threads) as ex:
        reqs = sum(ex.map(fn, range(n)))
print(reqs, round(time.perf_counter() - t0, 3))
