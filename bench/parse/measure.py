#!/usr/bin/env python3
"""Runs a command N times and reports its best wall time, its best and
median CPU time (user + system, from wait4's rusage, so other jobs on a
shared machine do not inflate it), and the peak RSS of the largest run.

usage: measure.py RUNS CMD [ARG...]
prints: best_wall best_cpu median_cpu best_user best_sys peak_rss_kb minor_faults
"""
import os
import statistics
import subprocess
import sys
import time


def one(cmd):
    start = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - start
    if status != 0:
        sys.exit(f"measure.py: {' '.join(cmd)} failed ({status})")
    return wall, ru.ru_utime, ru.ru_stime, ru.ru_maxrss, ru.ru_minflt


def main():
    runs = int(sys.argv[1])
    cmd = sys.argv[2:]
    one(cmd)   # warm-up: the file in the page cache
    res = [one(cmd) for _ in range(runs)]
    cpu = [u + s for _, u, s, _, _ in res]
    best = min(range(runs), key=lambda i: cpu[i])
    print(f"{min(r[0] for r in res):.4f} {cpu[best]:.4f} {statistics.median(cpu):.4f} "
          f"{res[best][1]:.4f} {res[best][2]:.4f} {max(r[3] for r in res)} "
          f"{res[best][4]}")


main()
