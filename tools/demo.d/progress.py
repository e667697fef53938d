#!/usr/bin/env python3
"""Condense `sfdrun apply --log-format json` for tools/demo, as it runs.

Reads sfdrun's JSON lines on stdin. Prints at once each deploy run as it
starts and ends (with the closing line of its Terraform output, taken from
the log file sfdrun names in its `run` event) and every failed or blocked
step; at the end one row per phase (steps and outcomes) and sfdrun's own
summary (requests, mutating calls, seconds).

    sfdrun apply PLAN --log-format json | progress.py
"""
import collections
import json
import re
import sys

PHASES = ("bootstrap", "handshake", "deploy", "operate")
OUTCOMES = ("changed", "exists", "unchanged", "failed", "blocked")
# The line of Terraform's output that says what a run did.
TF_RESULT = re.compile(r"(Apply complete!.*|No changes\..*|Terraform has been successfully initialized!)")


def tf_result(path):
    """The line of a Terraform log that states its result ("No changes."
    before the "Apply complete!" that follows it), or ""."""
    found = []
    try:
        with open(path, errors="replace") as f:
            for line in f:
                m = TF_RESULT.search(re.sub(r"\x1b\[[0-9;]*m", "", line))
                if m:
                    found.append(m.group(1).strip())
    except OSError:
        pass
    nochange = [x for x in found if x.startswith("No changes.")]
    return (nochange or found or [""])[-1]


def main():
    logs = {}                                   # step id -> its run log
    counts = collections.defaultdict(collections.Counter)  # phase -> outcome -> n
    summary = None
    for raw in sys.stdin:
        try:
            ev = json.loads(raw)
        except ValueError:
            print(raw.rstrip("\n"), flush=True)  # not an event: show it as is
            continue
        kind = ev.get("event")
        if kind == "run":
            logs[ev["step"]] = ev["log"]
            if not ev["step"].endswith("/init"):   # inits take a second or two
                print(f"  ...  {ev['step']:<26} terraform apply running", flush=True)
        elif kind == "step":
            out, step = ev["outcome"], ev["step"]
            counts[ev["phase"]][out] += 1
            if out == "failed":
                print(f"  FAIL {step:<26} {ev.get('seconds', 0):6.1f}s  {ev.get('error', '')}", flush=True)
                if step in logs:
                    try:
                        with open(logs[step], errors="replace") as f:
                            tail = f.readlines()[-15:]
                    except OSError as e:
                        tail = [f"(no log: {e.strerror})\n"]
                    sys.stdout.writelines("       " + ln for ln in tail)
                    sys.stdout.flush()
            elif step in logs and out != "blocked":
                print(f"  ok   {step:<26} {ev.get('seconds', 0):6.1f}s  {tf_result(logs[step])}", flush=True)
            if out == "blocked":
                print(f"  skip {step} (after failed {ev.get('blocked_by', '?')})", flush=True)
        elif kind == "summary":
            summary = ev
    print(f"\n  {'phase':<10} {'steps':>5}  " + "  ".join(f"{o:>9}" for o in OUTCOMES))
    for ph in PHASES:
        c = counts[ph]
        if c:
            print(f"  {ph:<10} {sum(c.values()):>5}  " + "  ".join(f"{c[o]:>9}" for o in OUTCOMES))
    if summary and summary.get("done-earlier"):
        print(f"  {'(journal)':<10} {summary['done-earlier']:>5}  steps recorded done: skipped without a call")
    if summary:
        print(f"  sfdrun: {summary['http_requests']} HTTP requests of its own, "
              f"{summary['mutating_calls']} mutating, in {summary['seconds']:.1f} s "
              f"(Terraform's calls are its own)")


if __name__ == "__main__":
    main()
