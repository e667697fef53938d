#!/usr/bin/env python3
"""Mutants of examples/sfdata aimed at environments — overrides of random
fields, `env` put into values, fields reading other fields, plus the
generic token and line mutations — each checked, and exported as the base
and every environment sees it, twice: with environments sharing the base's
expansion, and with SFDC_ENV_FULL=1 (each environment evaluated from
scratch); and a third time with SFDC_RULES_FULL=1 (every rule checks
every object in every environment, rather than once the values no
environment changes). Any difference, or a crash, fails
(tests/tiers/11-envshare).

Usage: tests/envshare/mutants.py COUNT SEED [SCRATCH_DIR]
Prints one FAIL line per differing mutant (kept in SCRATCH_DIR) and ends
with `N passed, N failed`."""
import os, random, re, subprocess, sys, shutil, tempfile
root = os.getcwd()
sfdc = os.path.join(root, os.environ.get("BUILD", "build"), "sfdc")
n, seed = int(sys.argv[1]), int(sys.argv[2])
scratch = sys.argv[3] if len(sys.argv) > 3 else tempfile.mkdtemp(prefix="sfd-envshare-")
rnd = random.Random(seed)
src = "examples/sfdata"
files = sorted(f for f in os.listdir(src) if f.endswith(".sfd"))
texts = {f: open(os.path.join(src, f)).read() for f in files}
fields = ["cpu = 1 vcpu", "memory = 2 GiB", "memory = 8 GiB", "cpu = 4 vcpu", "id = \"555555555555\"",
          "cidr = 10.100.0.0/16", "default = off", "spot = false", "port = 3306", "nat = single",
          "versioned = false", "name = \"x-${env}\"", "keep = 5", "capacity = 0..4 acu"]
targets = ["la-camden.service.daemon", "la-camden.service.webserver", "la-camden", "core",
           "core.ecr.dagster", "la-camden.network", "la-hackney.aurora.dagster", "org",
           "la-camden.bucket.shared", "la-hackney.service.code_server"]
envexprs = ['{ stage = 1 GiB, prod = 2 GiB }[env]', '"${env}-x"', 'env', '{ stage = 0.25 vcpu, prod = 2 vcpu }[env]']
words = [l.split("=", 1)[1].strip().strip('"') for l in open("tests/fuzz/pipeline.dict") if "=" in l and not l.startswith("#")]
def mutate(text):
    lines = text.split("\n")
    op = rnd.randrange(9)
    i = rnd.randrange(len(lines))
    if op == 0: del lines[i]
    elif op == 1: lines.insert(i, lines[rnd.randrange(len(lines))])
    elif op == 2:
        toks = list(re.finditer(r"[A-Za-z_][A-Za-z0-9_-]*|[0-9.]+|\S", lines[i]))
        if toks:
            t = rnd.choice(toks); lines[i] = lines[i][:t.start()] + rnd.choice(words) + lines[i][t.end():]
    elif op in (3, 4):   # an override in an environment
        envs = [k for k, l in enumerate(lines) if re.match(r"environment \w+ \{", l)]
        if envs:
            k = rnd.choice(envs)
            f = rnd.choice(fields)
            lines.insert(k + 1, "  %s.%s" % (rnd.choice(targets), f))
    elif op in (5, 6):   # env reaches a value
        k = [j for j, l in enumerate(lines) if re.match(r"\s+(memory|cpu|name|tag) = ", l)]
        if k:
            j = rnd.choice(k); m = re.match(r"(\s+\w+ = )", lines[j])
            lines[j] = m.group(1) + rnd.choice(envexprs)
    elif op == 7:   # a reference to another field
        k = [j for j, l in enumerate(lines) if re.match(r"\s+(memory|cpu) = ", l)]
        if k:
            j = rnd.choice(k); m = re.match(r"(\s+)(\w+) = ", lines[j])
            lines[j] = "%s%s = %s.%s" % (m.group(1), m.group(2), rnd.choice(["la-camden.service.daemon", "core.service.x", "la-hackney.service.webserver"]), m.group(2))
    else:
        c = rnd.randrange(len(lines[i]) + 1)
        lines[i] = lines[i][:c] + " " + rnd.choice(words) + " " + lines[i][c:]
    return "\n".join(lines)
def run(d, full):
    env = dict(os.environ)
    if full: env[full] = "1"
    out = []
    r = subprocess.run([sfdc, "check", "--diag-format=gcc", d], capture_output=True, env=env, timeout=20)
    out.append(r.stdout + r.stderr + b"rc%d" % r.returncode)
    if r.returncode >= 70: out.append(b"CRASH")
    for e in ["", "stage", "prod"]:
        r2 = subprocess.run([sfdc, "export"] + (["--env", e] if e else []) + [d], capture_output=True, env=env, timeout=20)
        out.append(r2.stdout + r2.stderr)
    return out
bad = 0
stats = {}
for k in range(n):
    d = os.path.join(scratch, "m%d" % k)
    shutil.rmtree(d, ignore_errors=True); os.makedirs(d)
    t = dict(texts)
    for _ in range(rnd.randrange(1, 4)):
        f = rnd.choice(files); t[f] = mutate(t[f])
    for f, s in t.items(): open(os.path.join(d, f), "w").write(s)
    a, b, c = run(d, None), run(d, "SFDC_ENV_FULL"), run(d, "SFDC_RULES_FULL")
    stats[a[0][-3:]] = stats.get(a[0][-3:], 0) + 1
    if a != b or a != c or b"CRASH" in a[0]:
        bad += 1
        what = "sharing the base's expansion" if a != b else "checking shared objects once"
        print("FAIL mutant %d (seed %d): %s changed the output; kept in %s" % (k, seed, what, d))
    else:
        shutil.rmtree(d)
print("mutants by check's exit status:", {k.decode(): v for k, v in sorted(stats.items())})
print("%d passed, %d failed" % (n - bad, bad))
