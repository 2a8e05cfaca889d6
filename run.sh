#!/usr/bin/env bash
# Sets up and runs Aduan on this machine: installs what is missing, builds the web UI and
# the server, and starts it with demo users on http://127.0.0.1:8080 (open it in a browser). With no DATABASE_URL the server
# creates and runs its own private PostgreSQL cluster under ./aduan-data; with no
# ADUAN_LLM_URL it uses the builtin offline enricher. The reporter portal (the public's
# page) listens on http://127.0.0.1:8081 unless ADUAN_PUBLIC_LISTEN says otherwise.
# Extra arguments go to the server.
set -euo pipefail
cd "$(dirname "$0")"
source scripts/setup.sh

install_server_deps
install_ui_deps

step "building the web UI"
(cd ui && npm ci --no-audit --no-fund && npm run build)

step "building the server (release)"
cargo build --release --locked -p aduan-server

step "starting Aduan"
export ADUAN_PUBLIC_LISTEN="${ADUAN_PUBLIC_LISTEN:-127.0.0.1:8081}"
exec ./target/release/aduan-server serve --demo "$@"
