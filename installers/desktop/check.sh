#!/usr/bin/env bash
# Checks the desktop packages installers/desktop/build.sh made in DIR (default
# target/installers):
#
#   installers/desktop/check.sh [DIR] [--no-root]
#
# The .deb: its control fields, dependencies read from the binary (WebKitGTK 4.1, GTK 3,
# libsoup 3, GLib, libc; no -dev packages), /usr/bin/aduan-desktop, a desktop entry that
# passes desktop-file-validate, icons from 16 to 512 pixels, no lintian errors. The .rpm:
# `rpm -qpl` lists the same files, it requires the libraries' sonames, and carries the
# install script. Then, unless --no-root: installed with apt into a clean Debian 12 root
# (mmdebstrap, without recommended packages) as IT would, with ADUAN_SERVER_URL, the app
# finds every library, starts and opens its window (a screenshot goes to
# DIR/desktop-installed.png), the address is in /etc/aduan/desktop.json for every user, a
# reinstall keeps it and a purge removes it.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/setup.sh

dir=target/installers
root_check=yes
while [ $# -gt 0 ]; do
    case "$1" in
        --no-root) root_check=no ;;
        -*) echo "usage: installers/desktop/check.sh [DIR] [--no-root]" >&2; exit 2 ;;
        *) dir=$1 ;;
    esac
    shift
done
dir=$(cd "$dir" && pwd)
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n1)
deb=$dir/aduan-desktop_${version}_amd64.deb
rpm=$dir/aduan-desktop-${version}-1.x86_64.rpm
for f in "$deb" "$rpm"; do
    [ -f "$f" ] || { echo "$f is missing: run installers/desktop/build.sh first" >&2; exit 2; }
done
apt_install dpkg-dev rpm desktop-file-utils lintian
[ "$root_check" = yes ] && apt_install mmdebstrap xvfb x11-utils imagemagick

passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok   $*"; }
fail() { failed=$((failed + 1)); echo "FAIL $*"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else fail "$what"; fi; }
has_line() { grep -qxF -- "$1" <<<"$2"; }
icons_in() {
    local list=$1 size
    for size in 16 24 32 48 64 128 256 512; do
        has_line "/usr/share/icons/hicolor/${size}x${size}/apps/aduan-desktop.png" "$list" || return 1
    done
}

work=$(mktemp -d /tmp/aduan-desktop-check-XXXXXX)
root=""
xvfb_pid=""
cleanup() {
    [ -n "$xvfb_pid" ] && kill "$xvfb_pid" 2>/dev/null
    if [ -n "$root" ]; then
        for m in tmp/.X11-unix dev/pts dev sys proc; do umount -l "$root/$m" 2>/dev/null || true; done
        rm -rf "$root"
    fi
    rm -rf "$work"
}
trap cleanup EXIT

step "the .deb"
field() { dpkg-deb -f "$deb" "$1"; }
check "it is aduan-desktop $version for amd64" \
    test "$(field Package) $(field Version) $(field Architecture)" = "aduan-desktop $version amd64"
depends=$(field Depends)
echo "     Depends: $depends"
names=$(tr ',|' '\n\n' <<<"$depends" | sed 's/(.*)//; s/^ *//; s/ *$//' | sort -u)
check "it depends on the libraries the app links: WebKitGTK 4.1, GTK 3, libsoup 3, GLib, libc" \
    bash -c 'for p in libwebkit2gtk-4.1-0 libjavascriptcoregtk-4.1-0 libgtk-3-0 libsoup-3.0-0 libglib2.0-0 libc6; do
        grep -qxF "$p" <<<"$1" || { echo "     missing: $p"; exit 1; }; done' _ "$names"
check "no development or debug package among its dependencies" \
    bash -c '! grep -qE -- "-(dev|dbg)$" <<<"$1"' _ "$names"
deb_files=$(dpkg-deb -c "$deb" | awk '{ print $6 }' | sed 's#^\./##; s#^#/#')
check "it installs /usr/bin/aduan-desktop, executable" \
    bash -c 'dpkg-deb -c "$1" | grep -qE "^-rwxr-xr-x .* (\./)?usr/bin/aduan-desktop$"' _ "$deb"
check "it installs icons of 16, 24, 32, 48, 64, 128, 256 and 512 pixels" icons_in "$deb_files"
dpkg-deb -x "$deb" "$work/deb"
entry=$work/deb/usr/share/applications/aduan-desktop.desktop
check "its desktop entry passes desktop-file-validate" desktop-file-validate "$entry"
check "the entry starts aduan-desktop with its icon, named Aduan" \
    bash -c 'grep -qx Exec=aduan-desktop "$1" && grep -qx Icon=aduan-desktop "$1" && grep -qx Name=Aduan "$1"' \
    _ "$entry"
check "lintian reports no errors" lintian --fail-on error --suppress-tags-from-file /dev/null "$deb"

step "the .rpm"
rpm_files=$(rpm -qpl "$rpm" 2>/dev/null)
check "it is aduan-desktop $version-1 for x86_64" \
    test "$(rpm -qp --qf '%{NAME} %{VERSION}-%{RELEASE} %{ARCH}' "$rpm" 2>/dev/null)" = \
    "aduan-desktop $version-1 x86_64"
check "rpm -qpl lists /usr/bin/aduan-desktop" has_line /usr/bin/aduan-desktop "$rpm_files"
check "rpm -qpl lists the desktop entry and the icons" \
    bash -c 'grep -qxF /usr/share/applications/aduan-desktop.desktop <<<"$1"' _ "$rpm_files"
icons_in "$rpm_files" || fail "the RPM's icons: $rpm_files"
requires=$(rpm -qp --requires "$rpm" 2>/dev/null)
check "it requires the WebKitGTK 4.1 and GTK 3 libraries by soname" \
    bash -c 'grep -qxF "libwebkit2gtk-4.1.so.0()(64bit)" <<<"$1" && grep -qxF "libgtk-3.so.0()(64bit)" <<<"$1"' \
    _ "$requires"
check "it carries the install script that writes the server address" \
    bash -c 'rpm -qp --scripts "$1" 2>/dev/null | grep -q ADUAN_SERVER_URL' _ "$rpm"

if [ "$root_check" = yes ]; then
    step "installed with apt into a clean Debian 12"
    root=$(mktemp -d /tmp/aduan-desktop-root-XXXXXX)
    mmdebstrap --quiet --variant=minbase bookworm "$root"
    for m in proc sys dev dev/pts; do mount --bind "/$m" "$root/$m"; done
    mkdir -p "$root/tmp/pkgs"
    cp "$deb" "$root/tmp/pkgs/"
    in_root() { chroot "$root" "$@"; }
    pkg=/tmp/pkgs/$(basename "$deb")
    url=https://aduan.agency.example.gov.my
    in_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive ADUAN_SERVER_URL=$url \
        in_root apt-get install -y -qq --no-install-recommends "$pkg" >"$work/install.log" 2>&1 ||
        { tail -n 30 "$work/install.log"; fail "apt-get install"; }
    check "apt installs it with its dependencies (no recommended packages)" \
        test -x "$root/usr/bin/aduan-desktop"
    missing=$(in_root ldd /usr/bin/aduan-desktop | grep 'not found' || true)
    check "every library the app needs is there" test -z "$missing"
    [ -z "$missing" ] || echo "$missing"
    expected=$(printf '{\n  "server": "%s"\n}' "$url")
    check "ADUAN_SERVER_URL at install set the server for every user (/etc/aduan/desktop.json)" \
        test "$(cat "$root/etc/aduan/desktop.json" 2>/dev/null)" = "$expected"

    # The installed app on a virtual display of the host, shared into the root.
    mkdir -p "$root/tmp/.X11-unix"
    mount --bind /tmp/.X11-unix "$root/tmp/.X11-unix"
    exec 5>"$work/display"
    Xvfb -displayfd 5 -screen 0 1280x800x24 -nolisten tcp >"$work/xvfb.log" 2>&1 &
    xvfb_pid=$!
    for _ in $(seq 100); do [ -s "$work/display" ] && break; sleep 0.1; done
    display=:$(cat "$work/display")
    mkdir -p "$root/tmp/home"
    chroot "$root" env -i DISPLAY="$display" HOME=/tmp/home PATH=/usr/bin:/bin \
        /usr/bin/aduan-desktop >"$work/app.log" 2>&1 &
    app_pid=$!
    shown=no
    for _ in $(seq 240); do
        if xwininfo -display "$display" -root -tree 2>/dev/null | grep -q '"Aduan"'; then
            shown=yes
            break
        fi
        kill -0 "$app_pid" 2>/dev/null || break
        sleep 0.25
    done
    check "the installed app starts and opens its window" test "$shown" = yes
    if [ "$shown" = yes ]; then
        # The window is mapped before the page has painted: wait for the sign-in card
        # (anything but one flat colour) before the screenshot.
        for _ in $(seq 120); do
            import -display "$display" -window root "$dir/desktop-installed.png" 2>/dev/null
            colours=$(convert "$dir/desktop-installed.png" -format '%k' info: 2>/dev/null || echo 0)
            [ "${colours:-0}" -gt 8 ] && break
            sleep 0.25
        done
        check "it draws its sign-in screen (screenshot: $dir/desktop-installed.png)" \
            test "${colours:-0}" -gt 8
    else
        tail -n 20 "$work/app.log"
    fi
    kill "$app_pid" 2>/dev/null && wait "$app_pid" 2>/dev/null || true

    DEBIAN_FRONTEND=noninteractive in_root apt-get install -y -qq --reinstall "$pkg" >/dev/null 2>&1
    check "a reinstall without ADUAN_SERVER_URL keeps the address" \
        test "$(cat "$root/etc/aduan/desktop.json" 2>/dev/null)" = "$expected"
    in_root apt-get purge -y -qq aduan-desktop >/dev/null 2>&1
    check "purge removes the app and the address" \
        test ! -e "$root/usr/bin/aduan-desktop" -a ! -e "$root/etc/aduan/desktop.json"
fi

echo "desktop packages: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
