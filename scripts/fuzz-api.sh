#!/usr/bin/env bash
# Fuzzes every operation of the HTTP API from its own OpenAPI document (schemathesis, from
# PyPI) with a valid token of each role, against the real server (debug build, private
# PostgreSQL, demo users) and fails on any server error (5xx). Sign-out and the event
# stream are left out: the one ends the token the run uses, the other never ends.
# FUZZ_SECONDS sets the time per role (default 60).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh

venv=target/fuzz-venv
if [ ! -x "$venv/bin/schemathesis" ]; then
    apt_install python3-venv
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet schemathesis
fi
bin=target/debug/aduan-server
[ -x "$bin" ] || cargo build --locked -p aduan-server

work=$(mktemp -d /tmp/aduan-fuzz-XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$bin" serve --demo --data-dir "$work/data" --listen "127.0.0.1:$port" >"$work/server.log" 2>&1 &
server=$!
trap 'kill -TERM $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$work"' EXIT
base=http://127.0.0.1:$port
for _ in $(seq 1 120); do curl -fs "$base/readyz" >/dev/null 2>&1 && break; sleep 0.5; done

# Every role signs in first: fuzzing the sign-in route soon has this address throttled.
declare -A tokens
for role in intake officer admin; do
    password=$(sed -n "s/^demo user created: $role \/ \([^ ]*\) .*/\1/p" "$work/server.log")
    tokens[$role]=$(curl -fsS "$base/api/v1/auth/login" -H 'content-type: application/json' \
        -d "{\"username\":\"$role\",\"password\":\"$password\"}" |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
done

failed=0
for role in intake officer admin; do
    token=${tokens[$role]}
    step "fuzzing the API as $role"
    # From the run's own directory: schemathesis keeps a cache where it runs.
    if (cd "$work" && "$OLDPWD/$venv/bin/schemathesis" run "$base/api/v1/openapi.json" \
        -H "Authorization: Bearer $token" --checks not_a_server_error \
        --exclude-path /api/v1/auth/logout --exclude-path /api/v1/events \
        --max-examples 15 --workers 2 --max-time "${FUZZ_SECONDS:-60}" \
        --warnings off) >"$work/$role.txt" 2>&1; then
        echo "ok   $role: $(grep -Eo '[0-9]+ generated, [0-9]+ passed' "$work/$role.txt" | tail -n1)"
    else
        failed=$((failed + 1))
        echo "FAIL $role"
        tail -n 60 "$work/$role.txt"
    fi
done
echo "fuzz: $((3 - failed)) passed, $failed failed"
[ "$failed" -eq 0 ]
