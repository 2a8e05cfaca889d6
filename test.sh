#!/usr/bin/env bash
# Runs the whole Aduan test suite on a Debian/Ubuntu machine with Rust and Node.js
# (>= 20.19) installed: installs what is missing, then formatting, lints and every test
# against a real PostgreSQL (a private cluster the tests start under target/test-pg),
# then the web UI's checks, unit tests and an end-to-end run in headless Chromium. The
# desktop crate (Tauri 2) is built, linted and unit-tested with the workspace, and its
# debug binary is driven end to end over WebDriver under Xvfb.
set -euo pipefail
cd "$(dirname "$0")"
source scripts/setup.sh

# A one-off build on a clean clone gains nothing from incremental state, which would
# otherwise take gigabytes of disk beside the build itself.
if [ -n "${CI:-}" ]; then export CARGO_INCREMENTAL=0; fi

install_server_deps
install_test_s3
install_test_lb
install_ui_deps
install_desktop_deps
# Every build below has the suite's update key built in (made under target/ on first use,
# never committed), so the desktop end-to-end run finds its binary current.
source desktop/tests/e2e/update-key.sh
use_test_update_key

# The desktop crate embeds ui/dist at compile time: build the UI before any cargo step.
step "web UI build"
(cd ui && npm ci --no-audit --no-fund && npm run build)

step "formatting"
cargo fmt --all -- --check

step "lints"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "server tests"
cargo test --workspace --locked

# `cargo test` regenerates the UI's TypeScript types and taxonomy from the Rust ones: the
# committed copies must match.
if git rev-parse --git-dir >/dev/null 2>&1 && [ -n "$(git status --porcelain -- ui/src/lib/gen)" ]; then
    git status --short -- ui/src/lib/gen
    echo "ui/src/lib/gen is stale: run cargo test and commit the generated files" >&2
    exit 1
fi

# Alone, each in turn: one times real drains, the other runs three servers, HAProxy and
# SeaweedFS on the same cores.
step "capacity planner: predicted drains against measured ones"
cargo test -p aduan-server --test api --locked -- --ignored --exact \
    capacity::predicted_drain_of_bursts_is_within_a_fifth_of_the_measured_one

step "three instances behind HAProxy: one killed, a rolling restart, nothing lost"
cargo test -p aduan-server --test api --locked -- --ignored --exact \
    cluster::three_instances_behind_haproxy_lose_nothing

step "web UI: type check, unit and component tests"
(cd ui && npm run check && npm test)

step "API fuzzing: every operation, a token of each role, no server error"
scripts/fuzz-api.sh

step "web UI end-to-end (real server, Debian's Chromium)"
# The e2e script starts target/debug/aduan-server; make sure it is current (built with
# the workspace's features, so nothing is compiled again).
apt_install chromium
cargo build --workspace --locked
(cd ui && npm run e2e)

step "desktop end-to-end (the real app under Xvfb: keyring, notifications, outbox, updates)"
install_desktop_e2e_deps
desktop/tests/e2e/run.sh

step "desktop packages: built from the debug build, checked, installed into a clean Debian 12 root"
installers/desktop/build.sh --debug --out target/installers/desktop
installers/desktop/check.sh target/installers/desktop

step "server packages: built from the debug builds, installed into a clean Debian 12 root"
installers/test-packages.sh

stop_test_cluster
step "all tests passed"
