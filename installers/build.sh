#!/usr/bin/env bash
# Builds every package that can be built on this machine into DIR (default
# target/installers/):
#   aduan-server_<version>_amd64.deb, aduan-server-<version>-1.x86_64.rpm,
#   aduan-desktop_<version>_amd64.deb, aduan-desktop-<version>-1.x86_64.rpm
# (with --revision N other than 1: aduan-server_<version>-N_amd64.deb and …-N.x86_64.rpm)
# --debug packages the debug builds the test suite already made instead of building
# release ones; --revision N sets the server packages' revision (an upgrade of the same
# version); --server-only skips the desktop app.
# Needs cargo-deb and cargo-generate-rpm (installed when missing) and, for the desktop,
# what scripts/setup.sh installs.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh

out=target/installers
profile=release
revision=1
desktop=yes
while [ $# -gt 0 ]; do
    case "$1" in
        --debug) profile=dev ;;
        --out) out=$2; shift ;;
        --revision) revision=$2; shift ;;
        --server-only) desktop=no ;;
        *) echo "usage: installers/build.sh [--debug] [--out DIR] [--revision N] [--server-only]" >&2; exit 2 ;;
    esac
    shift
done
mkdir -p "$out"
out=$(cd "$out" && pwd)
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n1)

install_server_deps
install_packaging_tools

if [ "$profile" = release ]; then
    step "building the web UI and the server (release)"
    install_ui_deps
    (cd ui && npm ci --no-audit --no-fund && npm run build)
    cargo build --release --locked -p aduan-server
    bin=target/release/aduan-server
else
    bin=target/debug/aduan-server
    [ -x "$bin" ] || { echo "$bin is missing: build the workspace first (or drop --debug)" >&2; exit 1; }
    [ -f ui/dist/index.html ] || { echo "ui/dist is missing: build the web UI first" >&2; exit 1; }
fi

# The configuration file comes from the binary's own option list, so it cannot drift.
staging=target/installers/staging
mkdir -p "$staging"
"$bin" env-template --set ADUAN_DATA_DIR=/var/lib/aduan --set ADUAN_UI_DIR=/usr/share/aduan/ui \
    >"$staging/aduan.env"

deb_name=aduan-server_${version}_amd64.deb
[ "$revision" = 1 ] || deb_name=aduan-server_${version}-${revision}_amd64.deb
step "aduan-server ${version}-${revision}: .deb"
cargo deb -p aduan-server --profile "$profile" --no-build --locked \
    --deb-version "${version}-${revision}" -o "$out/$deb_name"

step "aduan-server ${version}-${revision}: .rpm"
# The debug builds only feed the suite's checks: no time spent compressing them.
compress=zstd
[ "$profile" = dev ] && compress=none
cargo generate-rpm -p server --profile "$profile" --payload-compress "$compress" \
    -s "release = \"${revision}\"" -o "$out/aduan-server-${version}-${revision}.x86_64.rpm"

if [ "$desktop" = yes ] && [ -x installers/desktop/build.sh ]; then
    flags=(--out "$out")
    [ "$profile" = dev ] && flags+=(--debug)
    installers/desktop/build.sh "${flags[@]}"
fi
ls -l "$out"/*.deb "$out"/*.rpm
