#!/usr/bin/env bash
# Runs the whole Aduan test suite on a Debian/Ubuntu machine with Rust and Node.js
# (>= 20.19) installed: installs what is missing, then formatting, lints and every test
# against a real PostgreSQL (a private cluster the tests start under target/test-pg),
# then the web UI's checks, unit tests and an end-to-end run in headless Chromium.
set -euo pipefail
cd "$(dirname "$0")"
source scripts/setup.sh

install_server_deps

step "formatting"
cargo fmt --all -- --check

step "lints"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "server tests"
cargo test --workspace --locked

step "web UI: types, unit and component tests, build"
install_ui_deps
(cd ui && npm ci --no-audit --no-fund && npm run check && npm test && npm run build)

step "web UI end-to-end (real server, Debian's Chromium)"
# The e2e script starts target/debug/aduan-server; make sure it is current.
apt_install chromium
cargo build -p aduan-server --locked
(cd ui && npm run e2e)

stop_test_cluster
step "all tests passed"
