#!/usr/bin/env bash
# The sfdrun benchmark (not part of the test suite). Results go to stdout;
# bench/sfdrun/README.md records a run. Needs: build/sfdrun, moto (tools/moto),
# boto3, awscli, cc.
#   bench/sfdrun/run.sh [N_STEPS=520] [N_READS=10000]
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
here=$root/bench/sfdrun
sfdrun=$root/${BUILD:-build}/sfdrun
n=${1:-520}
nr=${2:-10000}
tmp=$(mktemp -d /tmp/sfd-bench.XXXXXX)
ka_pid=
cleanup() { [ -n "$ka_pid" ] && kill "$ka_pid" 2>/dev/null; "$root/tools/moto/stop" "$tmp/moto"; rm -rf "$tmp"; }
trap cleanup EXIT
export AWS_ACCESS_KEY_ID=AKIABENCHKEY0000001 AWS_SECRET_ACCESS_KEY=bench AWS_DEFAULT_REGION=eu-west-2
export AWS_SHARED_CREDENTIALS_FILE=$tmp/none AWS_CONFIG_FILE=$tmp/none AWS_EC2_METADATA_DISABLED=true
python3 "$here/gen-plan.py" buckets "$n" "$tmp/buckets.json"
python3 "$here/gen-plan.py" reads "$nr" "$tmp/reads.json"
python3 "$here/gen-plan.py" reads 1 "$tmp/one.json"

# /usr/bin/time fields: wall user sys maxrss(KB)
timed() { /usr/bin/time -f "%e %U %S %M" -o "$tmp/time" "$@" >"$tmp/out" 2>&1; cat "$tmp/time"; }
rate() { python3 -c "import sys; r,w=float(sys.argv[1]),float(sys.argv[2]); print(f'{r:.0f} requests in {w:.2f}s = {r/w:.0f} req/s')" "$1" "$2"; }
sfd_reqs() { grep -o '; [0-9]* HTTP requests' "$tmp/out" | tr -dc 0-9; }

echo "== against moto ($n independent steps: HeadBucket, CreateBucket, HeadBucket)"
export AWS_ENDPOINT_URL=$("$root/tools/moto/start" "$tmp/moto")
reset() { curl -fsS -X POST "$AWS_ENDPOINT_URL/moto-api/reset" >/dev/null; rm -f "$tmp"/*.journal; }
# warm moto's lazy loading once
python3 "$here/boto3-bench.py" buckets 2 1 >/dev/null; reset
read -r w u s m <<<"$(timed "$sfdrun" apply "$tmp/buckets.json" --jobs 8)"
echo "sfdrun --jobs 8:     $(rate "$(sfd_reqs)" "$w"), client CPU $(python3 -c "print(f'{($u+$s)*1000/$(sfd_reqs):.3f}')") ms/req, peak RSS $((m / 1024)) MB"
rm -f "$tmp"/*.journal
read -r w u s m <<<"$(timed "$sfdrun" apply "$tmp/buckets.json" --jobs 8)"
echo "sfdrun re-apply (checks only): $(rate "$(sfd_reqs)" "$w")"
reset
read -r w u s m <<<"$(timed "$sfdrun" apply "$tmp/buckets.json" --jobs 1)"
echo "sfdrun --jobs 1:     $(rate "$(sfd_reqs)" "$w")"
reset
read -r r w <<<"$(python3 "$here/boto3-bench.py" buckets "$n" 1)"
echo "boto3 sequential:    $(rate "$r" "$w")"
reset
read -r r w <<<"$(python3 "$here/boto3-bench.py" buckets "$n" 8)"
echo "boto3 8 threads:     $(rate "$r" "$w")"
reset
k=15
t0=$(date +%s.%N)
for i in $(seq 1 $k); do
    b=sfd-bench-$(printf %05d "$i")
    aws s3api head-bucket --bucket "$b" >/dev/null 2>&1
    aws s3api create-bucket --bucket "$b" --create-bucket-configuration LocationConstraint=eu-west-2 >/dev/null
    aws s3api head-bucket --bucket "$b" >/dev/null
done
t1=$(date +%s.%N)
echo "awscli ($k steps):    $(rate $((3 * k)) "$(python3 -c "print($t1-$t0)")")"
"$root/tools/moto/stop" "$tmp/moto"

echo "== against a keep-alive loopback server ($nr steps, 1 request each)"
cc -O2 -o "$tmp/kaserver" "$here/kaserver.c"
"$tmp/kaserver" >"$tmp/ka.port" &
ka_pid=$!
sleep 0.2
export AWS_ENDPOINT_URL=http://127.0.0.1:$(cat "$tmp/ka.port")
for j in 1 8; do
    rm -f "$tmp"/*.journal
    read -r w u s m <<<"$(timed "$sfdrun" apply "$tmp/reads.json" --jobs $j)"
    q=$(sfd_reqs)
    echo "sfdrun --jobs $j:     $(rate "$q" "$w"), client CPU $(python3 -c "print(f'{($u+$s)*1000/$q:.4f}')") ms/req, peak RSS $((m / 1024)) MB"
done
read -r r w <<<"$(python3 "$here/boto3-bench.py" reads 2000 1)"
echo "boto3 sequential:    $(rate "$r" "$w")"
read -r r w <<<"$(python3 "$here/boto3-bench.py" reads 2000 8)"
echo "boto3 8 threads:     $(rate "$r" "$w")"

echo "== start-up"
t0=$(date +%s.%N); for i in $(seq 1 200); do "$sfdrun" --version >/dev/null; done; t1=$(date +%s.%N)
echo "sfdrun --version:                 $(python3 -c "print(f'{($t1-$t0)*1000/200:.2f}')") ms"
t0=$(date +%s.%N); for i in $(seq 1 100); do rm -f "$tmp/one.json.journal"; "$sfdrun" apply "$tmp/one.json" >/dev/null; done; t1=$(date +%s.%N)
echo "sfdrun apply (1-step plan, 2 requests, journal): $(python3 -c "print(f'{($t1-$t0)*1000/100:.2f}')") ms"
