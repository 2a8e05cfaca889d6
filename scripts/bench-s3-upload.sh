#!/usr/bin/env bash
# How much one large upload into object storage raises the server's resident memory:
# SeaweedFS (the test venv's `weed`) on loopback, the server on a private cluster storing
# attachments in a bucket, one warm-up upload, then one upload of SIZE_MB random bytes
# while /proc/PID/status is sampled. Usage: scripts/bench-s3-upload.sh [SIZE_MB] [BINARY]
set -euo pipefail
cd "$(dirname "$0")/.."
SIZE_MB=${1:-100}
BIN=${2:-${CARGO_TARGET_DIR:-target}/release/aduan-server}
WEED=target/seaweedfs/bin/weed
[ -x "$WEED" ] || { echo "run scripts/setup.sh's install_test_s3 first ($WEED)" >&2; exit 1; }
[ -x "$BIN" ] || { echo "build $BIN first" >&2; exit 1; }

work=$(mktemp -d)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# Waits for a URL to answer 2xx, up to 90 s.
wait_for() {
    for _ in $(seq 1 900); do
        curl -fsS -o /dev/null "$@" 2>/dev/null && return 0
        sleep 0.1
    done
    echo "no answer from $*" >&2
    exit 1
}

p=(); for _ in 1 2 3 4 5 6 7 8; do p+=("$(free_port)"); done
mkdir -p "$work/weed"
"$WEED" server -dir="$work/weed" -ip=127.0.0.1 -ip.bind=127.0.0.1 -master.telemetry=false \
    -s3 -s3.port="${p[0]}" -s3.port.grpc="${p[1]}" -s3.port.iceberg=0 \
    -master.port="${p[2]}" -master.port.grpc="${p[3]}" -volume.port="${p[4]}" \
    -volume.port.grpc="${p[5]}" -filer.port="${p[6]}" -filer.port.grpc="${p[7]}" \
    >"$work/weed.log" 2>&1 &
pids+=($!)
endpoint="http://127.0.0.1:${p[0]}"
wait_for -X PUT "$endpoint/aduan-bench"
wait_for -X PUT --data-binary ok "$endpoint/aduan-bench/probe"

export AWS_ENDPOINT=$endpoint AWS_ACCESS_KEY_ID=bench AWS_SECRET_ACCESS_KEY=bench
export AWS_REGION=us-east-1 AWS_ALLOW_HTTP=true
listen="127.0.0.1:$(free_port)"
"$BIN" --data-dir "$work/data" --listen "$listen" --demo \
    --blob-store "s3://aduan-bench/attachments" --max-file-bytes $((SIZE_MB * 2 * 1048576)) \
    >"$work/server.log" 2>&1 &
server=$!
pids+=("$server")
wait_for "http://$listen/readyz"
password=$(sed -n 's/.*demo user created: admin \/ \([^ ]*\) .*/\1/p' "$work/server.log")
token=$(curl -fsS "http://$listen/api/v1/auth/login" -H 'content-type: application/json' \
    -d "{\"username\":\"admin\",\"password\":\"$password\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
complaint='{"channel":"walk_in","description":"Pegawai meminta RM500 untuk meluluskan permit."}'
upload() {
    curl -fsS -o /dev/null -w '%{http_code} in %{time_total} s\n' "http://$listen/api/v1/complaints" \
        -H "authorization: Bearer $token" -F "complaint=$complaint" -F "file=@$1"
}
kib() { awk -v k="$1" '$1 == k":" { print $2 }' "/proc/$server/status"; }

head -c 1048576 /dev/urandom >"$work/warm.bin"
upload "$work/warm.bin" >/dev/null
head -c $((SIZE_MB * 1048576)) /dev/urandom >"$work/big.bin"
before=$(kib VmRSS)
peak=$before
upload "$work/big.bin" >"$work/result" &
up=$!
while kill -0 "$up" 2>/dev/null; do
    now=$(kib VmRSS)
    [ "$now" -gt "$peak" ] && peak=$now
    sleep 0.02
done
wait "$up"
after=$(kib VmRSS)
echo "upload of $SIZE_MB MiB: $(cat "$work/result")"
echo "RSS before $((before / 1024)) MiB, peak while uploading $((peak / 1024)) MiB" \
    "(+$(((peak - before) / 1024)) MiB), after $((after / 1024)) MiB; high-water mark $(( $(kib VmHWM) / 1024 )) MiB"
