#!/usr/bin/env bash
# Builds the desktop app's Linux packages into DIR (default target/installers/):
#   aduan-desktop_<version>_amd64.deb   aduan-desktop-<version>-1.x86_64.rpm
#
#   installers/desktop/build.sh [--debug] [--out DIR]
#
# --debug packages the debug build the test suite already made (target/debug/aduan-desktop,
# with whatever update key it was built with) without compiling anything; without it the
# web UI and a release build are made first (`cargo build --release --features
# custom-protocol`, what `tauri build` runs). The runtime dependencies are read from the
# binary itself: dpkg-shlibdeps for the .deb, its shared-library sonames for the .rpm.
#
# Release builds take from the environment (in CI, from its secrets):
#   ADUAN_UPDATE_PUBKEY               the public key (`tauri signer generate`, the .pub file's
#                                     content) built into the app; desktops check every
#                                     update against it. Without it the app takes no updates.
#   TAURI_SIGNING_PRIVATE_KEY[_PASSWORD]  its private key: each package gets a .sig bound to
#                                     its version, for `aduan-server desktop publish`.
#   TAURI_SIGNING_RPM_KEY[_PASSPHRASE]    an ASCII-armoured GPG key to sign the .rpm with.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here/../.."
source scripts/setup.sh

out=target/installers
profile=release
while [ $# -gt 0 ]; do
    case "$1" in
        --debug) profile=debug ;;
        --out) out=$2; shift ;;
        *) echo "usage: installers/desktop/build.sh [--debug] [--out DIR]" >&2; exit 2 ;;
    esac
    shift
done
mkdir -p "$out"
out=$(cd "$out" && pwd)
target_dir=${CARGO_TARGET_DIR:-$PWD/target}
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n1)
tauri() { (cd desktop && npx --yes @tauri-apps/cli@2 "$@"); }

apt_install dpkg-dev rpm binutils
install_ui_deps

if [ "$profile" = release ]; then
    step "aduan-desktop $version: web UI and release build"
    install_desktop_deps
    (cd ui && npm ci --no-audit --no-fund && npm run build)
    if [ -n "${ADUAN_UPDATE_PUBKEY:-}" ]; then
        TAURI_CONFIG=$(printf '{"plugins":{"updater":{"pubkey":"%s"}}}' "$ADUAN_UPDATE_PUBKEY")
        export TAURI_CONFIG
    else
        unset TAURI_CONFIG
        echo "warning: ADUAN_UPDATE_PUBKEY is not set: this build will not take updates" >&2
    fi
    cargo build --release --locked -p aduan-desktop --features custom-protocol
fi
bin=$target_dir/$profile/aduan-desktop
[ -x "$bin" ] || { echo "$bin is missing: build the workspace first (or drop --debug)" >&2; exit 1; }

# What the binary links against, as package dependencies. dpkg-shlibdeps wants a source
# package around it; an empty one will do.
shlibs=$(mktemp -d)
trap 'rm -rf "$shlibs"' EXIT
mkdir -p "$shlibs/debian"
printf 'Source: aduan-desktop\n\nPackage: aduan-desktop\nArchitecture: any\n' >"$shlibs/debian/control"
deb_depends=$(cd "$shlibs" && dpkg-shlibdeps -O "$bin" 2>/dev/null | sed -n 's/^shlibs:Depends=//p')
[ -n "$deb_depends" ] || { echo "dpkg-shlibdeps found no dependencies of $bin" >&2; exit 1; }
rpm_requires=$(objdump -p "$bin" | awk '$1 == "NEEDED" { print $2 "()(64bit)" }')
config=$(python3 - "$deb_depends" "$rpm_requires" <<'PY'
import json, sys
deb = [d.strip() for d in sys.argv[1].split(",") if d.strip()]
rpm = sys.argv[2].split()
print(json.dumps({"bundle": {"linux": {"deb": {"depends": deb}, "rpm": {"depends": rpm}}}}))
PY
)

# The bundler writes each package's bundle type into the binary it packs (the updater
# installs an update of the same type), in place: it gets a copy in a directory of its
# own, so the build the test suite runs stays as it was.
stage=$target_dir/desktop-bundle
rm -rf "$stage"
mkdir -p "$stage/$profile"
cp "$bin" "$stage/$profile/aduan-desktop"
# Line tables are for backtraces on the build machine; the package ships without symbols.
strip "$stage/$profile/aduan-desktop"
step "aduan-desktop $version: .deb and .rpm"
flags=(--bundles deb,rpm --config "$config")
[ "$profile" = debug ] && flags+=(--debug)
CARGO_TARGET_DIR=$stage tauri bundle "${flags[@]}"

deb=aduan-desktop_${version}_amd64.deb
rpm=aduan-desktop-${version}-1.x86_64.rpm
cp "$stage/$profile/bundle/deb/$deb" "$stage/$profile/bundle/rpm/$rpm" "$out/"
if [ -n "${TAURI_SIGNING_PRIVATE_KEY:-}" ]; then
    for f in "$deb" "$rpm"; do
        tauri signer sign --app-version "$version" "$out/$f" >/dev/null
    done
    echo "update signatures: $out/$deb.sig $out/$rpm.sig"
fi
ls -l "$out/$deb" "$out/$rpm"
