#!/usr/bin/env python3
"""Keeps the peers honest, then times them against sfdc (run by bench/peers/run).

Usage: harness.py TMPDIR SIZES...   (tools from SFDC_BIN, PEER_PKL,
PEER_JSONNET, PEER_TERRAFORM; a peer whose variable is unset is skipped)

1. Equivalence, at N = 10: each peer's JSON, reduced by norm.py, must
   equal `sfdc export --env ENV`'s for both environments (stage and prod:
   ids of their own, and prod's one override); Terraform's root describes
   stage only. A peer that differs is reported and left out of the
   timings (its figures would not be for the same work).
   The tree writers too: `pkl eval -m` of tree.pkl must write the files
   `sfdc build --env prod` writes (norm.tree: the same paths, plan.json the
   same JSON, every other file the same text but for blanks).
2. Injected errors, at N = 10: for each of range, ecr, dupbucket, each
   tool must exit non-zero; the first line of its message is shown.
3. Timings: for each N, REPS rounds; in each round every tool runs once,
   in the same order, so a change in the machine's load hits all of them.
   Every run goes through /usr/bin/time (wall, user, sys, peak RSS). The
   table shows medians, the largest peak RSS, and the ratio of each
   tool's median CPU time (user+sys) to `sfdc check`'s — the command that,
   like Pkl's and Jsonnet's programs, evaluates both environments and
   checks them (`sfdc export --env stage` prints one): CPU time because
   the machine is shared; wall time is shown beside it. The tree writers
   (`sfdc build --env prod`, `pkl eval -m`) write into a new directory
   under TMPDIR each run (removed after it, untimed), and their ratio is
   to `sfdc build`'s CPU time.
"""
import json
import os
import shutil
import statistics
import subprocess
import signal
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import norm  # noqa: E402

SFDC = os.environ["SFDC_BIN"]
# the platform's environments: `sfdc check`, Pkl and Jsonnet evaluate both
ENVS = ("stage", "prod")


def gen(n, d, inject=None):
    args = [sys.executable, os.path.join(HERE, "gen.py"), str(n), d]
    subprocess.run(args + (["--inject", inject] if inject else []), check=True)
    tf = os.environ.get("PEER_TERRAFORM")
    if tf:
        # provider installation is set-up, not the work compared: done once
        p = subprocess.run([tf, "init", "-input=false", "-no-color"], cwd=os.path.join(d, "tf"),
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        if p.returncode:
            sys.exit("bench/peers: terraform init failed:\n" + p.stderr.decode()[-2000:])


def tools(d):
    """(label, argv list of steps, cwd, output file or None) of each tool on platform dir d."""
    t = [("sfdc check", [[SFDC, "check", "platform.sfd"]], d, None),
         ("sfdc export", [[SFDC, "export", "--env", "stage", "platform.sfd"]], d, "sfdc")]
    if os.environ.get("PEER_PKL"):
        t.append(("pkl eval", [[os.environ["PEER_PKL"], "eval", "-f", "json", "platform.pkl"]], d, "pkl"))
    if os.environ.get("PEER_JSONNET"):
        t.append(("jsonnet", [[os.environ["PEER_JSONNET"], "platform.jsonnet"]], d, "jsonnet"))
    if os.environ.get("PEER_TERRAFORM"):
        tf = os.environ["PEER_TERRAFORM"]
        t.append(("terraform fmt+validate", [[tf, "fmt", "-check", "-recursive"],
                                             [tf, "validate", "-no-color"]],
                  os.path.join(d, "tf"), None))
    # the tree: sfdc's Terragrunt tree and plan for prod, and Pkl writing the same files
    # (tree.pkl); FRESH is a new directory for each run, on the same file system
    t.append(("sfdc build", [[SFDC, "build", "--env", "prod", "-o", FRESH, "platform.sfd"]], d, None))
    if os.environ.get("PEER_PKL"):
        t.append(("pkl eval -m (tree)", [[os.environ["PEER_PKL"], "eval", "-m", FRESH, "tree.pkl"]], d, None))
    return t


# what each tool's CPU time is compared with: the tree writers with `sfdc build`
BASE = {"sfdc build": "sfdc build", "pkl eval -m (tree)": "sfdc build"}
FRESH = "@FRESH@"
fresh_count = [0]


def fresh_dir(cwd):
    fresh_count[0] += 1
    return os.path.join(cwd, "fresh-%d" % fresh_count[0])


def kill_group(pgid):
    try:
        os.killpg(pgid, signal.SIGKILL)
    except ProcessLookupError:  # it ended just before the limit
        pass


def timed(argv, cwd, out=None, limit=None):
    """Runs argv under /usr/bin/time: (status, wall s, cpu s, peak KB, stderr).

    CPU time is wait4's rusage of /usr/bin/time, which includes the tool
    it waited for, to the microsecond (time's own %U %S are in 10 ms);
    peak RSS is time's %M, the tool's own (a process forked from Python
    would count Python's pages). A run over `limit` seconds is killed
    and reported with status None."""
    t0 = time.perf_counter()
    with open(out or os.devnull, "wb") as o, tempfile.TemporaryFile() as e:
        p = subprocess.Popen(["/usr/bin/time", "-f", "@@time %M"] + argv, cwd=cwd, stdout=o, stderr=e,
                             start_new_session=True)
        killer = threading.Timer(limit, kill_group, (p.pid,)) if limit else None
        if killer:
            killer.start()
        _, status, ru = os.wait4(p.pid, 0)
        p.returncode = status
        wall = time.perf_counter() - t0
        if killer:
            killer.cancel()
        e.seek(0)
        err = e.read().decode(errors="replace")
    if os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL:
        return None, wall, 0.0, 0, err
    lines = err.splitlines()
    tail = [x for x in lines if x.startswith("@@time ")]
    rss = int(tail[-1].split()[1]) if tail else 0
    body = "\n".join(x for x in lines if not x.startswith("@@time ")
                     and not x.startswith("Command exited with non-zero status"))
    return os.waitstatus_to_exitcode(status), wall, ru.ru_utime + ru.ru_stime, rss, body


def run_tool(steps, cwd, out=None, limit=None, keep=None):
    """All steps of one tool, in order, stopping at the first failure;
    the error text names the failing step when there are several. A tree
    writer writes into a new directory (keep, if given), removed after the
    run (untimed) unless it is keep."""
    out_dir = keep or fresh_dir(cwd)
    try:
        return run_steps(steps, cwd, out, limit, out_dir)
    finally:
        if not keep:
            shutil.rmtree(out_dir, ignore_errors=True)


def run_steps(steps, cwd, out, limit, out_dir):
    wall = cpu = 0.0
    rss, err = 0, ""
    for argv in steps:
        argv = [out_dir if x == FRESH else x for x in argv]
        st, w, c, r, e = timed(argv, cwd, out, limit)
        wall, cpu, rss, err = wall + w, cpu + c, max(rss, r), err + e
        if st is None or st:
            if len(steps) > 1:
                err = "(%s) %s" % (" ".join(argv[1:2]), err.strip() or "exit %s" % st)
            return st, wall, cpu, rss, err
    return 0, wall, cpu, rss, err


def terraform_json(d):
    """The Terraform root module's `accounts` output, from an offline plan."""
    tf, cwd = os.environ["PEER_TERRAFORM"], os.path.join(d, "tf")
    p = subprocess.run([tf, "plan", "-input=false", "-refresh=false", "-no-color", "-out=plan.bin"],
                       cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if p.returncode:
        return None, p.stderr.decode()[-1500:]
    with open(os.path.join(d, "terraform.json"), "wb") as f:
        subprocess.run([tf, "show", "-json", "plan.bin"], cwd=cwd, stdout=f, check=True)
    return os.path.join(d, "terraform.json"), ""


def equivalence(tmp, excluded):
    d = os.path.join(tmp, "eq")
    gen(10, d)
    print("== equivalence at N = 10 (each peer's JSON, normalised, against `sfdc export`)")
    ref = {}
    for env in ENVS:
        ref_path = os.path.join(d, "sfdc-%s.json" % env)
        st, *_, err = run_tool([[SFDC, "export", "--env", env, "platform.sfd"]], d, ref_path)
        if st:
            sys.exit("bench/peers: sfdc export failed:\n" + err)
        ref[env] = norm.load("sfdc", ref_path)
    for label, steps, cwd, kind in tools(d)[2:]:
        if label in BASE:
            continue
        if label.startswith("terraform"):
            path, err = terraform_json(d)
            kind = "terraform"
        else:
            path = os.path.join(d, kind + ".json")
            st, *_, err = run_tool(steps, cwd, path)
            path = None if st else path
        if path is None:
            print("  %-24s FAILED to produce JSON: %s" % (label, err.strip().splitlines()[:1]))
            excluded.add(label)
            continue
        # Terraform's root describes stage only: `validate` evaluates no values
        for env in ENVS[:1] if kind == "terraform" else ENVS:
            got = norm.load(kind, path, env)
            if got == ref[env]:
                print("  %-24s %-5s same %d accounts and settings as sfdc" % (label, env, len(got)))
                continue
            diff = sorted(k for k in set(ref[env]) | set(got) if ref[env].get(k) != got.get(k))
            print("  %-24s %-5s DIFFERS from sfdc in %d accounts (first: %s); left out of the timings"
                  % (label, env, len(diff), diff[:3]))
            excluded.add(label)
    tree_equivalence(d, excluded)


def tree_equivalence(d, excluded):
    """The tree writers against `sfdc build --env prod`: the same paths (but
    sfdc's own .sfdc-manifest and .sfdc-stamps), plan.json the same JSON
    (but source_hash and generator), every other file the same text
    (byte for byte, or else the same after norm.py's whitespace folding)."""
    trees = [t for t in tools(d) if t[0] in BASE]
    ref_dir = os.path.join(d, "tree-sfdc")
    st, *_, err = run_tool(trees[0][1], d, keep=ref_dir)
    if st:
        sys.exit("bench/peers: sfdc build failed:\n" + err)
    ref = norm.tree(ref_dir)
    print("== the tree at N = 10 (each tree writer's files against `sfdc build --env prod`'s)")
    for label, steps, cwd, _ in trees[1:]:
        out_dir = os.path.join(d, "tree-" + label.split()[0])
        st, *_, err = run_tool(steps, cwd, keep=out_dir)
        if st:
            print("  %-24s FAILED: %s" % (label, err.strip().splitlines()[:1]))
            excluded.add(label)
            continue
        got = norm.tree(out_dir)
        missing, extra = sorted(set(ref) - set(got)), sorted(set(got) - set(ref))
        differ = sorted(p for p in set(ref) & set(got) if ref[p][1] != got[p][1])
        if missing or extra or differ:
            print("  %-24s DIFFERS: %d missing (%s), %d extra (%s), %d differ (%s); left out of the timings"
                  % (label, len(missing), missing[:2], len(extra), extra[:2], len(differ), differ[:2]))
            excluded.add(label)
            continue
        same = sum(1 for p in ref if ref[p][0] == got[p][0])
        print("  %-24s same %d files as sfdc (%d byte for byte; plan.json as JSON)" % (label, len(ref), same))


# the diagnostic sfdc must give for each injected error
SFDC_CODE = {"range": "E0421", "ecr": "E0301", "dupbucket": "E0503"}


def injections(tmp):
    print("== injected errors at N = 10 (each tool must fail; first line of its message)")
    for inject in ("range", "ecr", "dupbucket"):
        d = os.path.join(tmp, "inject-" + inject)
        gen(10, d, inject)
        for label, steps, cwd, _ in tools(d):
            if label == "sfdc export":
                continue
            st, *_, err = run_tool(steps, cwd)
            lines = [x.strip() for x in err.splitlines() if x.strip() and not x.startswith("––")
                     and not set(x.strip()) <= set("│╷╵")]
            if label.startswith("sfdc"):  # the line with the expected code, if any
                lines = [x for x in lines if SFDC_CODE[inject] in x] or lines
            first = lines[0][:90] if lines else ""
            verdict = "rejects" if st else "ACCEPTS (cannot express this check)"
            if st and label.startswith("sfdc") and SFDC_CODE[inject] not in err:
                verdict = "WRONG (not %s)" % SFDC_CODE[inject]
            print("  %-10s %-24s %-8s %s" % (inject, label, verdict, first))


def timings(tmp, sizes, excluded):
    tf_max = int(os.environ.get("PEERS_TF_MAX", "10000"))
    limit = float(os.environ.get("PEERS_LIMIT", "600"))
    budget = float(os.environ.get("PEERS_BUDGET", "240"))
    print("== timings: median of REPS interleaved rounds; cpu = user+sys; ratio = cpu / sfdc check's cpu")
    print("   (for the tree writers, sfdc build and pkl eval -m, ratio = cpu / sfdc build's cpu)")
    print("   (a tool whose runs at one N add up to %.0f s wall stops repeating there; a run over %.0f s"
          % (budget, limit))
    print("   is killed and the tool dropped for larger N)")
    print("%7s  %-24s %4s %10s %10s %9s %8s" % ("N", "tool", "reps", "wall_s", "cpu_s", "peak_MB", "ratio"))
    dropped = set(excluded)
    for n in sizes:
        reps = int(os.environ.get("REPS", "5" if n < 10000 else "3"))
        d = os.path.join(tmp, "n%d" % n)
        gen(n, d)
        ts = [t for t in tools(d) if t[0] not in dropped
              and not (t[0].startswith("terraform") and n > tf_max)]
        res = {t[0]: [] for t in ts}
        for _ in range(reps):
            for label, steps, cwd, _ in ts:
                if label in dropped or sum(w for w, _, _ in res[label]) >= budget:
                    continue
                st, wall, cpu, rss, err = run_tool(steps, cwd, limit=limit)
                if st is None:
                    print("%7d  %-24s killed after %.0f s; not run at larger N" % (n, label, wall))
                    dropped.add(label)
                elif st:
                    sys.exit("bench/peers: %s failed at N = %d:\n%s" % (label, n, err[-2000:]))
                else:
                    res[label].append((wall, cpu, rss))
        med = {k: statistics.median(c for _, c, _ in v) for k, v in res.items() if v}
        for label, runs in res.items():
            if not runs:
                continue
            wall = statistics.median(w for w, _, _ in runs)
            cpu = statistics.median(c for _, c, _ in runs)
            rss = max(r for _, _, r in runs) / 1024
            base = med.get(BASE.get(label, "sfdc check"), 0)
            ratio = "%.1fx" % (cpu / base) if base > 0 else "-"
            print("%7d  %-24s %4d %10.3f %10.3f %9.1f %8s" % (n, label, len(runs), wall, cpu, rss, ratio))
        if n > tf_max and os.environ.get("PEER_TERRAFORM"):
            print("%7d  %-24s skipped (PEERS_TF_MAX=%d)" % (n, "terraform fmt+validate", tf_max))
        sys.stdout.flush()


def main():
    tmp, sizes = sys.argv[1], [int(s) for s in sys.argv[2:]]
    with open("/proc/loadavg") as f:
        print("load average at start:", " ".join(f.read().split()[:3]))
    excluded = set()
    equivalence(tmp, excluded)
    injections(tmp)
    timings(tmp, sizes, excluded)
    with open("/proc/loadavg") as f:
        print("load average at end:", " ".join(f.read().split()[:3]))


if __name__ == "__main__":
    main()
