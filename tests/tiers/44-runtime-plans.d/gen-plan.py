#!/usr/bin/env python3
"""Generated plans for tier 44 (tests/tiers/44-runtime-plans).
    gen-plan.py KIND N OUT
KIND: chain-last-first (s_i after s_(i-1), listed from s_(N-1) down),
cycle (s_i after s_(i+1 mod N)), run-chain (a chain of terraform runs in
dir run/), nested (call args nested N deep), accounts (N accounts, one
bootstrap step each, like sfdc emits per account), and the tampered run
steps env-* / arg-* (N ignored)."""
import json
import sys

kind, n, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]


def plan(steps, accounts=None):
    return {"format": "sfdc-plan", "version": 1, "source_hash": "sha256:" + "0" * 64,
            "platform": "p", "region": "eu-west-2",
            "accounts": accounts or {"core": {"id": "123456789012"}}, "steps": steps}


def run_step(i, after, argv=("terraform", "apply"), env=None):
    s = {"id": f"s{i}", "phase": "deploy", "account": "core",
         "run": {"argv": list(argv), "cwd": "."}}
    if after is not None:
        s["after"] = [f"s{after}"]
    if env:
        s["run"]["env"] = env
    return s


TAMPERED = {
    "env-ld-preload": ({"LD_PRELOAD": "/tmp/x.so"}, ["terragrunt", "apply"]),
    "env-bash-env": ({"BASH_ENV": "/tmp/x.sh"}, ["terragrunt", "apply"]),
    "env-tg-tf-path": ({"TG_TF_PATH": "/tmp/evil"}, ["terragrunt", "apply"]),
    "env-path": ({"PATH": "/tmp/evil:/usr/bin"}, ["terragrunt", "apply"]),
    "arg-tf-path": (None, ["terragrunt", "apply", "--tf-path", "/tmp/evil"]),
    "arg-terragrunt-tfpath": (None, ["terragrunt", "--terragrunt-tfpath", "/tmp/evil", "apply"]),
}

if kind == "chain-last-first":
    doc = plan([run_step(i, i - 1 if i else None) for i in range(n - 1, -1, -1)])
elif kind == "cycle":
    doc = plan([run_step(i, (i + 1) % n) for i in range(n)])
elif kind == "run-chain":
    doc = plan([run_step(i, i - 1 if i else None) for i in range(n)])
elif kind == "nested":
    v = 1
    for _ in range(n):
        v = [v]
    doc = plan([{"id": "a", "phase": "bootstrap", "account": "core",
                 "call": {"service": "s3", "operation": "PutBucketPolicy", "args": {"x": v}},
                 "check": {"operation": "GetBucketPolicy", "expect": []}}])
elif kind == "accounts":
    accounts = {f"la-{i:06d}": {"id": f"{100000000000 + i}",
                                "role_arn": f"arn:aws:iam::{100000000000 + i}:role/OrganizationAccountAccessRole"}
                for i in range(n)}
    steps = [{"id": f"bootstrap/la-{i:06d}/state-bucket", "phase": "bootstrap",
              "account": f"la-{i:06d}",
              "call": {"service": "s3", "operation": "CreateBucket",
                       "args": {"Bucket": f"state-{i}"}},
              "check": {"operation": "HeadBucket", "args": {"Bucket": f"state-{i}"},
                        "expect": [], "missing": ["NotFound"]}} for i in range(n)]
    doc = plan(steps, accounts)
elif kind in TAMPERED:
    env, argv = TAMPERED[kind]
    s = run_step(0, None, argv, env)
    s["id"] = "deploy/core"
    doc = plan([s])
else:
    sys.exit(f"gen-plan.py: unknown kind {kind}")
json.dump(doc, open(out, "w"))
