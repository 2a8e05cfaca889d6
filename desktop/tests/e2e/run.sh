#!/usr/bin/env bash
# Runs desktop_e2e.py headless: Xvfb, a private D-Bus session with dunst (a rule logs every
# notification it shows), a fresh HOME (so a fresh app data dir), a new session keyring,
# and XDG_CONFIG_DIRS leading to a directory of its own for the settings IT would make.
# Builds the workspace with the test suite's update key (update-key.sh: the app checks
# update signatures against it); test.sh has already done so, with the same key. Needs
# Node.js (tauri signer) and apt: xvfb xauth dbus-x11 dunst keyutils webkit2gtk-driver
# (WebKitWebDriver, which drives the app).
# desktop_e2e.py ends by running the desktop crate's own end-to-end tests (watcher_e2e,
# outbox_e2e: ignored by plain `cargo test`) against its server and this session's dunst.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
command -v WebKitWebDriver >/dev/null ||
    { echo "WebKitWebDriver not found: apt-get install webkit2gtk-driver" >&2; exit 2; }
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$(cd "$here/../../.." && pwd)/target}"
source "$here/update-key.sh"
use_test_update_key
(cd "$here/../../.." && cargo build --workspace --locked)
# The session's HOME is a fresh one: npx (tauri signer) keeps using this user's cache.
export npm_config_cache="${npm_config_cache:-$HOME/.npm}"

# The crate's test binaries, found (and built if stale) out here: the session's HOME is a
# fresh one, without the Rust toolchain. `--workspace` as in test.sh, so nothing is
# compiled again with other features.
ADUAN_E2E_TESTS=$(cd "$here/../../.." && cargo test --workspace --locked --no-run \
    --test watcher_e2e --test outbox_e2e --message-format json |
    python3 -c 'import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m.get("executable") and m["profile"]["test"]:
        print(m["executable"])')
[ "$(wc -l <<<"$ADUAN_E2E_TESTS")" -eq 2 ] ||
    { echo "expected two test binaries, got: $ADUAN_E2E_TESTS" >&2; exit 2; }
export ADUAN_E2E_TESTS

tmp=$(mktemp -d /tmp/aduan-desktop-run-XXXXXX)
export ADUAN_NOTIFY_LOG="$tmp/notifications.log"
cat >"$tmp/log-notification.sh" <<'SH'
#!/bin/sh
# dunst passes: appname summary body icon urgency
printf '%s\t%s\t%s\n' "$1" "$2" "$3" >>"$ADUAN_NOTIFY_LOG"
SH
chmod +x "$tmp/log-notification.sh"
cat >"$tmp/dunstrc" <<RC
[global]
    monitor = 0
# Notifications stay on screen until acted on, so the test can click one.
[urgency_normal]
    timeout = 0
[log_aduan]
    appname = "Aduan"
    script = $tmp/log-notification.sh
RC

# Inside the new session keyring: keyring-rs links the kernel's per-user persistent keyring
# into it, so a session saved by an earlier run (or by this user's own desktop app) would
# be found by the "first start"; remove Aduan's entries (only a possessor may).
cat >"$tmp/inner.sh" <<SH
persistent=\$(keyctl get_persistent @s)
for id in \$(keyctl rlist "\$persistent" 2>/dev/null); do
    keyctl rdescribe "\$id" | grep -q 'my.gov.aduan.desktop' && keyctl unlink "\$id" "\$persistent" >/dev/null
done
dunst -config '$tmp/dunstrc' >'$tmp/dunst.log' 2>&1 &
# Wait until dunst owns the notification service. Asked of the bus itself: a call to the
# service before then would have D-Bus start a second dunst, without this configuration.
owned() {
    dbus-send --session --print-reply=literal --dest=org.freedesktop.DBus /org/freedesktop/DBus \
        org.freedesktop.DBus.NameHasOwner string:org.freedesktop.Notifications | grep -q true
}
for _ in \$(seq 100); do owned && break; sleep 0.1; done
owned || { echo "dunst did not start" >&2; exit 1; }
exec python3 '$here/desktop_e2e.py'
SH

mkdir -p "$tmp/home" "$tmp/xdg"
HOME="$tmp/home" XDG_CACHE_HOME="$tmp/home/.cache" XDG_DATA_HOME="$tmp/home/.local/share" \
    XDG_CONFIG_DIRS="$tmp/xdg:/etc/xdg" \
    xvfb-run -a -s "-screen 0 1280x900x24" dbus-run-session -- keyctl session - sh "$tmp/inner.sh" \
    2>"$tmp/session.log" || { tail -n 40 "$tmp/session.log"; exit 1; }
