#!/usr/bin/env bash
# Plan loading at scale (issue 12 item 6; not part of the test suite):
# generates plans of N accounts (one bootstrap step each, as
# tests/tiers/44-runtime-plans.d/gen-plan.py `accounts` does) and prints
# plan_load's wall and CPU time and the peak RSS of a process that only
# loads the plan (bench/sfdrun/planload.c). Needs `make` first.
#   bench/sfdrun/planload.sh [N...]      (default 1000 10000 50000 100000 200000)
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$root/${BUILD:-build}
tmp=$(mktemp -d /tmp/sfd-planload.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
cc -O2 -D_DEFAULT_SOURCE -I"$root/runtime" -o "$tmp/planload" "$root/bench/sfdrun/planload.c" \
    "$build"/runtime/plan.o "$build"/runtime/strmap.o "$build"/runtime/sigv4.o \
    "$build"/runtime/log.o -lcjson -lcrypto -lm || exit 1
[ $# -eq 0 ] && set -- 1000 10000 50000 100000 200000
printf '%-9s %-10s %-9s %-9s %-9s %s\n' accounts "plan MB" "wall ms" "CPU ms" "RSS MB" "CPU us/account"
for n in "$@"; do
    python3 "$root/tests/tiers/44-runtime-plans.d/gen-plan.py" accounts "$n" "$tmp/p.json"
    mb=$(python3 -c "import os,sys; print(f'{os.path.getsize(sys.argv[1])/1e6:.1f}')" "$tmp/p.json")
    # best of 3 processes, each loading once
    best=$(for i in 1 2 3; do "$tmp/planload" "$tmp/p.json" 1; done | sort -t= -k3 -n | head -n 1)
    wall=$(echo "$best" | sed 's/.*wall_ms=\([0-9.]*\).*/\1/')
    cpu=$(echo "$best" | sed 's/.*cpu_ms=\([0-9.]*\).*/\1/')
    rss=$(echo "$best" | sed 's/.*rss_kb=\([0-9]*\).*/\1/')
    python3 -c "import sys; n,mb,w,c,r=sys.argv[1:]; print(f'{int(n):<9} {mb:<10} {float(w):<9.0f} {float(c):<9.0f} {int(r)/1024:<9.0f} {float(c)*1000/int(n):.1f}')" \
        "$n" "$mb" "$wall" "$cpu" "$rss"
done
