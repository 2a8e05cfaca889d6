#!/usr/bin/env bash
# Fuzzes every operation of the HTTP API from its own OpenAPI document (schemathesis, from
# PyPI) with a valid token of each role, against the real server (debug build, private
# PostgreSQL, demo users) and fails on any server error (5xx) or any response that does not
# match the document. Besides single requests, schemathesis follows the document's links
# (created complaint -> its attachments, case -> change with its ETag...) in stateful runs.
# Sign-out and the event stream are left out: the one ends the token the run uses, the
# other never ends. FUZZ_SECONDS sets the time per role (default 60). Each role's report
# names the operations that refused every request generated for them: the document is
# looser than the server there.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh

venv=target/fuzz-venv
schemathesis_version=4.32.5
if ! "$venv/bin/schemathesis" --version 2>/dev/null | grep -q "$schemathesis_version"; then
    apt_install python3-venv
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet "schemathesis==$schemathesis_version"
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
declare -A tokens ids
for role in intake officer admin; do
    password=$(sed -n "s/^demo user created: $role \/ \([^ ]*\) .*/\1/p" "$work/server.log")
    read -r "tokens[$role]" "ids[$role]" < <(curl -fsS "$base/api/v1/auth/login" \
        -H 'content-type: application/json' \
        -d "{\"username\":\"$role\",\"password\":\"$password\"}" |
        python3 -c 'import json,sys; r=json.load(sys.stdin); print(r["token"], r["user"]["id"])')
done

# What a run's JSON report says: cases, links followed, and the operations that refused
# every request generated for them (schemathesis' "validation mismatch").
summarise() {
    python3 - "$1" <<'PY'
import glob, json, sys
report = json.load(open(sorted(glob.glob(sys.argv[1] + "/json-*.json"))[-1]))
refused = report["warnings"].get("validation_mismatch", [])
print(f"{report['test_cases']['generated']} generated, "
      f"{len(report['failures'])} failing; all refused: {len(refused)}"
      + "".join(f"\n       {op}" for op in refused))
PY
}

# One role's run; its output goes to $work/$role.txt, its report to $work/report-$role.
fuzz_role() {
    local role=$1
    rm -rf "$work/report-$role"
    # From the run's own directory: schemathesis keeps a cache where it runs.
    (cd "$work" && ADUAN_FUZZ_USER_ID=${ids[$role]} SCHEMATHESIS_HOOKS="$OLDPWD/scripts/fuzz_hooks.py" \
        "$OLDPWD/$venv/bin/schemathesis" run "$base/api/v1/openapi.json" \
        -H "Authorization: Bearer ${tokens[$role]}" \
        --checks not_a_server_error,response_schema_conformance,content_type_conformance \
        --exclude-path /api/v1/auth/logout --exclude-path /api/v1/events \
        --max-examples 15 --workers 2 --max-time "${FUZZ_SECONDS:-60}" \
        --report json --report-dir "$work/report-$role") >"$work/$role.txt" 2>&1
}

# Whether a failed run failed only on an error inside schemathesis itself (its Python
# parser's recursion limit on some generated inputs), with no failing check: that says
# nothing about the server, so the role runs once more.
tool_error_only() {
    grep -q '= FAILURES =' "$work/$1.txt" && return 1
    grep -qE 'recursion depth|RecursionError' "$work/$1.txt"
}

failed=0
# Admin last: its run may disable the other demo accounts.
for role in intake officer admin; do
    step "fuzzing the API as $role"
    ok=0
    if fuzz_role "$role"; then
        ok=1
    elif tool_error_only "$role"; then
        echo "     $role: schemathesis failed inside itself, not on a check; running again"
        sed -n '/= ERRORS =/,/= \(WARNINGS\|SUMMARY\) =/p' "$work/$role.txt" | head -n 40
        fuzz_role "$role" && ok=1
    fi
    if [ "$ok" -eq 1 ]; then
        echo "ok   $role: $(summarise "$work/report-$role")"
        grep -E 'API Links:' "$work/$role.txt" | sed 's/^ */     stateful: /' || true
    else
        failed=$((failed + 1))
        echo "FAIL $role"
        # The failures (with a curl to reproduce each) and errors, then the summary, then
        # what the server logged at the time.
        sed -n '/= \(FAILURES\|ERRORS\) =/,/= \(WARNINGS\|SUMMARY\) =/p' "$work/$role.txt" | head -n 200
        tail -n 30 "$work/$role.txt"
        grep -E 'ERROR|WARN' "$work/server.log" | tail -n 40 || true
    fi
done
echo "fuzz: $((3 - failed)) passed, $failed failed"
[ "$failed" -eq 0 ]
