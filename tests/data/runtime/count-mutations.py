#!/usr/bin/env python3
"""Counts mutating AWS calls in a moto request log (tools/moto/launch.py,
SFD_MOTO_REQUEST_LOG) from line FROM on. Reads (S3 GET/HEAD; operations
named Get*, Describe*, List*, Head*, Search*; sts AssumeRole/GetCallerIdentity;
REST-JSON reads that POST to a path naming the operation, as RAM's
/getresourceshares and /listresources do) do not count. Prints the count,
then the mutating operations when any."""
import json
import re
import sys

path, start = sys.argv[1], int(sys.argv[2])
reads = ("Get", "Describe", "List", "Head", "Search")
muts = []
with open(path) as f:
    for i, line in enumerate(f):
        if i < start:
            continue
        r = json.loads(line)
        op = r.get("op") or ""
        if op:
            if op.startswith(reads) or op in ("AssumeRole", "GetCallerIdentity"):
                continue
            muts.append(op)
        elif r["method"] not in ("GET", "HEAD") and \
                not re.fullmatch(r"/(get|list|describe)[a-z]+", r["path"]):
            muts.append(f'{r["method"]} {r["path"]}?{r["query"]}')
print(len(muts))
for m in muts:
    print(m)
