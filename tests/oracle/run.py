#!/usr/bin/env python3
"""The differential oracle: what `sfdc check` accepts, AWS's tools accept.

For each platform of a corpus (tests/oracle/gen.py: random platforms and
mutations of examples/sfdata, made from one seed), run `sfdc check`; every
platform it accepts must
  1. `sfdc build --target terraform` (exit 0),
  2. pass `terraform init` + `terraform plan` in every root it emits,
     against a patched moto_server. Plan validates the configuration first
     (exactly what `terraform validate` checks: module variable validations,
     argument types), then runs the AWS provider's own validation (name
     lengths and patterns, enums, ranges, ARNs) and the modules'
     preconditions. --validate also runs `terraform validate` on its own
     (a third provider start per root: slower, nothing more is checked).
A negative control proves a disagreement is caught: examples/sfdata, built,
with one root's provider region sabotaged after the build (a value only the
provider's plan-time validation refuses) must fail at plan and be saved.
Mutants of the example are built for one environment (--env stage) to keep
the number of roots down; generated platforms are built whole.
A platform check rejects is not a disagreement. A disagreement fails the
platform: its input is saved under the results directory with the failing
log, and printed.

usage: run.py --sfdc PATH --count N --seed S --results DIR [--jobs 2]
The caller provides TF_CLI_CONFIG_FILE (the provider mirror) and
AWS_ENDPOINT_URL (moto) in the environment. Ends with `N passed, N failed`.
"""
import argparse
import concurrent.futures as cf
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen  # noqa: E402

# The roots are planned with local state: the S3 backend would need each
# account's state bucket first, which is sfdrun's job, not the oracle's.
BACKEND_OVERRIDE = 'terraform {\n  backend "local" {}\n}\n'
TF_TIMEOUT = 300


def run(cmd, cwd=None, timeout=120):
    try:
        p = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout)
        return p.returncode, p.stdout + p.stderr
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b"").decode(errors="replace") if isinstance(e.stdout, bytes) else (e.stdout or "")
        return 124, out + f"\n(timed out after {timeout} s)"


def corpus(seed, count, root):
    """(name, files) pairs: about two in three generated, the rest mutants."""
    rnd = random.Random(seed)
    for k in range(count):
        if k % 3 == 2:
            yield f"mutant-{seed}-{k:03}", gen.mutate_example(rnd, root)
        else:
            yield f"gen-{seed}-{k:03}", gen.generate(rnd)


def vpn_hubs(dirs):
    """Stand in for the VPN hubs' apply (SPEC 13.3): a spoke root looks the
    hub's Transit Gateway up through its RAM share at plan time, as it does
    after `terragrunt run --all apply` has applied the hub. Roots here are
    planned, never applied, so the gateway and the share named in each
    spoke's `vpn_attachment` are made in the hub's account with boto3."""
    import boto3
    want = {}
    for d in dirs:
        text = open(os.path.join(d, "main.tf"), encoding="utf-8").read()
        m = re.search(r'module "vpn_attachment" \{(.*?)\n\}', text, re.S)
        me = re.search(r"allowed_account_ids *= *\[\"([0-9]{12})\"\]", text)
        region = re.search(r'\n  region *= *"([a-z0-9-]+)"', text)
        if m and me and region:
            share = re.search(r'share_name *= *"([^"]+)"', m.group(1)).group(1)
            hub = re.search(r'hub_account_id *= *"([0-9]{12})"', m.group(1)).group(1)
            want.setdefault((hub, region.group(1), share), set()).add(me.group(1))
    for (hub, region, share), spokes in sorted(want.items()):
        def client(svc):
            c = boto3.client(svc, region_name=region)
            c.meta.events.register("before-sign.*.*", lambda request, **kw: request.headers.__setitem__("x-moto-account-id", hub))
            return c
        ram = client("ram")
        if ram.get_resource_shares(resourceOwner="SELF", name=share)["resourceShares"]:
            continue
        tgw = client("ec2").create_transit_gateway(Description=share)["TransitGateway"]["TransitGatewayArn"]
        arn = ram.create_resource_share(name=share, allowExternalPrincipals=False)["resourceShare"]["resourceShareArn"]
        ram.associate_resource_share(resourceShareArn=arn, resourceArns=[tgw], principals=sorted(spokes))


def tf_root(d, validate):
    """init, (validate,) plan in one emitted root; (ok, stage, log)."""
    with open(os.path.join(d, "zz_oracle_override.tf"), "w") as f:
        f.write(BACKEND_OVERRIDE)
    steps = [("init", ["terraform", "init", "-input=false", "-no-color"])]
    if validate:
        steps.append(("validate", ["terraform", "validate", "-no-color"]))
    steps.append(("plan", ["terraform", "plan", "-input=false", "-lock=false", "-no-color"]))
    for stage, cmd in steps:
        rc, out = run(cmd, cwd=d, timeout=TF_TIMEOUT)
        if rc != 0:
            return False, stage, out
    return True, "plan", ""


def sabotage(dirs):
    """The negative control's edit: an AWS region no provider accepts, in
    the first root; validate cannot see it, plan must refuse it."""
    f = os.path.join(dirs[0], "main.tf")
    text = open(f).read()
    bad = re.sub(r'(provider "aws" \{\n  region *= )"[a-z0-9-]+"', r'\1"xx-nowhere-9"', text, count=1)
    if bad == text:
        return False
    with open(f, "w") as out:
        out.write(bad)
    return True


def save(results, name, files, what, log):
    d = os.path.join(results, name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    for f, text in files.items():
        with open(os.path.join(d, f), "w", encoding="utf-8") as out:
            out.write(text)
    with open(os.path.join(d, "FAILURE.txt"), "w", encoding="utf-8") as out:
        out.write(what + "\n\n" + log)
    return d


def excerpt(log, n=25):
    lines = [l for l in log.splitlines() if l.strip()]
    errs = [i for i, l in enumerate(lines) if "Error" in l]
    start = errs[0] if errs else max(0, len(lines) - n)
    return "\n".join("    " + l for l in lines[start:start + n])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sfdc", required=True)
    ap.add_argument("--count", type=int, default=8)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--results", required=True)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--validate", action="store_true", help="run terraform validate on its own too")
    args = ap.parse_args()
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    work = tempfile.mkdtemp(prefix="sfdc-oracle-")
    passed = failed = accepted = rejected = roots = 0
    started = time.time()
    try:
        cases = []
        for name, files in corpus(args.seed, args.count, root):
            src = os.path.join(work, name, "src")
            os.makedirs(src)
            for f, text in files.items():
                with open(os.path.join(src, f), "w", encoding="utf-8") as out:
                    out.write(text)
            rc, out = run([args.sfdc, "check", "--diag-format=gcc", src], timeout=30)
            if rc == 1:
                rejected += 1
                first = next((l for l in out.splitlines() if "error:" in l), "")
                print(f"ok   {name}: check rejects it ({first.split('[')[-1].rstrip(']') if first else '?'})")
                passed += 1
                continue
            if rc != 0:
                d = save(args.results, name, files, f"sfdc check exited {rc}", out)
                print(f"FAIL {name}: sfdc check exited {rc} (input saved in {d})\n{excerpt(out)}")
                failed += 1
                continue
            accepted += 1
            tree = os.path.join(work, name, "tree")
            env = ["--env", "stage"] if name.startswith("mutant") else []
            rc, out = run([args.sfdc, "build", "--target", "terraform", *env, "-o", tree, src], timeout=60)
            if rc != 0:
                d = save(args.results, name, files, f"check accepts it; sfdc build exited {rc}", out)
                print(f"FAIL {name}: check accepts it, build refuses (exit {rc}; input saved in {d})\n{excerpt(out)}")
                failed += 1
                continue
            dirs = sorted(os.path.join(tree, e, a) for e in os.listdir(tree) if e != "modules"
                          and os.path.isdir(os.path.join(tree, e))
                          for a in os.listdir(os.path.join(tree, e))
                          if os.path.isfile(os.path.join(tree, e, a, "main.tf")))
            if not dirs:
                d = save(args.results, name, files, "check accepts it; build emits no root", out)
                print(f"FAIL {name}: build emits no Terraform root (input saved in {d})")
                failed += 1
                continue
            cases.append((name, files, dirs))

        # The negative control: the example, built, with one root sabotaged.
        control = "control-sabotaged-region"
        src = os.path.join(root, "examples", "sfdata")
        tree = os.path.join(work, control, "tree")
        rc, out = run([args.sfdc, "build", "--target", "terraform", "--env", "stage", "-o", tree, src], timeout=60)
        cdirs = sorted(os.path.join(tree, "stage", a) for a in os.listdir(os.path.join(tree, "stage"))
                       if os.path.isfile(os.path.join(tree, "stage", a, "main.tf"))) if rc == 0 else []
        if not cdirs or not sabotage(cdirs):
            print(f"FAIL {control}: the example does not build, or has no provider region to sabotage")
            failed += 1
        else:
            cfiles = {f: open(os.path.join(src, f), encoding="utf-8").read()
                      for f in sorted(os.listdir(src)) if f.endswith(".sfd")}
            cases.append((control, cfiles, cdirs[:1]))

        vpn_hubs([d for _, _, dirs in cases for d in dirs])
        # Every root of every accepted platform, two at a time.
        with cf.ThreadPoolExecutor(max_workers=args.jobs) as pool:
            futs = {pool.submit(tf_root, d, args.validate): (name, d) for name, _, dirs in cases for d in dirs}
            results = {}
            for fut in cf.as_completed(futs):
                results[futs[fut]] = fut.result()
        for name, files, dirs in cases:
            bad = [(d, results[(name, d)]) for d in dirs if not results[(name, d)][0]]
            if name == "control-sabotaged-region":
                stage, log = (bad[0][1][1], bad[0][1][2]) if bad else ("", "")
                d = save(work, name + "-saved", {}, "expected failure", log) if bad else ""
                if bad and stage == "plan" and "xx-nowhere-9" in log and os.path.isfile(os.path.join(d, "FAILURE.txt")):
                    print(f"ok   {name}: a root the provider refuses fails plan, and is saved")
                    passed += 1
                else:
                    print(f"FAIL {name}: a sabotaged root was not caught at plan (stage {stage or 'none'})")
                    failed += 1
                continue
            roots += len(dirs)
            if not bad:
                print(f"ok   {name}: check accepts it; {len(dirs)} roots build and plan")
                passed += 1
                continue
            d0, (_, stage, log) = bad[0]
            where = os.path.relpath(d0, os.path.join(work, name, "tree"))
            d = save(args.results, name, files,
                     f"check accepts it; terraform {stage} fails in {where}", log)
            print(f"FAIL {name}: check accepts it, terraform {stage} fails in {where} "
                  f"({len(bad)} of {len(dirs)} roots fail; input saved in {d})\n{excerpt(log)}")
            for f, text in files.items():
                print(f"    --- {f}")
                print("\n".join("    " + l for l in text.splitlines()))
            failed += 1
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"{accepted} accepted by check ({roots} Terraform roots planned), {rejected} rejected; "
          f"seed {args.seed}, {time.time() - started:.0f} s")
    print(f"{passed} passed, {failed} failed")


if __name__ == "__main__":
    main()
