#!/usr/bin/env bash
# Runs the whole Aduan test suite on a Debian/Ubuntu machine with Rust installed:
# installs what is missing, then formatting, lints and every test against a real
# PostgreSQL (a private cluster the tests start themselves under target/test-pg).
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

stop_test_cluster
step "all tests passed"
