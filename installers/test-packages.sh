#!/usr/bin/env bash
# Installs the packages as an administrator would, into a clean Debian 12 root made with
# mmdebstrap (systemd is not PID 1 there, so the service is started the way its unit
# starts it: ExecStart as user aduan with its EnvironmentFile), and checks what the
# README promises: the first user from the installed CLI, a complaint with an attachment
# entered and enriched, an upgrade that keeps configuration and data, remove and purge
# that keep /var/lib/aduan; lintian finds no errors; the RPM lists what it should; the
# unit's hardening rates 2.0 or lower.
# Uses the debug builds the suite already made (installers/build.sh --debug).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
install_packaging_tools
apt_install curl xvfb x11-apps imagemagick

out=$PWD/target/installers/test
rm -rf "$out"
installers/build.sh --debug --out "$out" --server-only >/dev/null
installers/build.sh --debug --out "$out/upgrade" --revision 2 --server-only >/dev/null
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n1)
deb1=$out/aduan-server_${version}_amd64.deb
deb2=$out/upgrade/aduan-server_${version}-2_amd64.deb
rpm1=$out/aduan-server-${version}-1.x86_64.rpm

passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok   $*"; }
fail() { failed=$((failed + 1)); echo "FAIL $*"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else fail "$what"; fi; }

step "package checks"
for unit in aduan-server.service aduan-server@.service; do
    exposure=$(systemd-analyze security --offline=true "installers/server/$unit" 2>/dev/null |
        sed -n 's/.*Overall exposure level for .*: \([0-9.]*\).*/\1/p')
    echo "     systemd-analyze security $unit: exposure $exposure"
    check "$unit's hardening rates 2.0 or lower" awk -v e="$exposure" 'BEGIN { exit !(e != "" && e <= 2.0) }'
done
check "lintian reports no errors in the server .deb" \
    lintian --fail-on error --suppress-tags-from-file /dev/null "$deb1"
rpm_files=$(rpm -qpl "$rpm1" 2>/dev/null)
check "the RPM lists the binary, the unit, the configuration and the web UI" \
    grep -qxF /usr/bin/aduan-server <<<"$rpm_files"
grep -qxF /usr/lib/systemd/system/aduan-server.service <<<"$rpm_files" &&
    grep -qxF /etc/aduan/aduan.env <<<"$rpm_files" &&
    grep -qxF /usr/share/aduan/ui/index.html <<<"$rpm_files" || fail "the RPM's file list: $rpm_files"

step "a clean Debian 12 root"
root=$(mktemp -d /tmp/aduan-root-XXXXXX)
server_pid=""
cleanup() {
    [ -n "$server_pid" ] && kill -TERM "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
    for m in dev/pts dev sys proc; do umount -l "$root/$m" 2>/dev/null || true; done
    rm -rf "$root"
}
trap cleanup EXIT
mmdebstrap --quiet --variant=minbase bookworm "$root"
for m in proc sys dev dev/pts; do mount --bind "/$m" "$root/$m"; done
# Package scripts may try to start services (PostgreSQL's own cluster): a chroot has no init.
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod +x "$root/usr/sbin/policy-rc.d"
mkdir -p "$root/tmp/pkgs"
cp "$deb1" "$deb2" "$root/tmp/pkgs/"
in_root() { chroot "$root" "$@"; }

step "install"
in_root apt-get update -qq
DEBIAN_FRONTEND=noninteractive in_root apt-get install -y -qq "/tmp/pkgs/$(basename "$deb1")" >/dev/null
check "the binary, the unit and the configuration are installed" \
    test -x "$root/usr/bin/aduan-server" -a -f "$root/lib/systemd/system/aduan-server.service" \
    -a -f "$root/lib/systemd/system/aduan-server@.service" -a -f "$root/etc/aduan/aduan.env"
check "the system user aduan exists" in_root getent passwd aduan
check "/var/lib/aduan is the service user's alone" \
    test "$(in_root stat -c '%U %a' /var/lib/aduan)" = "aduan 700"
check "the configuration is readable by root and group aduan only" \
    test "$(in_root stat -c '%U %G %a' /etc/aduan/aduan.env)" = "root aduan 640"

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
echo "ADUAN_LISTEN=127.0.0.1:$port" >>"$root/etc/aduan/aduan.env"
base=http://127.0.0.1:$port

start_server() {
    chroot "$root" runuser -u aduan -- sh -c \
        'set -a; . /etc/aduan/aduan.env; exec /usr/bin/aduan-server serve' \
        >>"$out/server.log" 2>&1 &
    server_pid=$!
    for _ in $(seq 1 120); do
        curl -fsS "$base/readyz" >/dev/null 2>&1 && return 0
        kill -0 "$server_pid" 2>/dev/null || { tail -n 20 "$out/server.log"; return 1; }
        sleep 0.5
    done
    return 1
}
stop_server() {
    kill -TERM "$server_pid"
    wait "$server_pid" || true
    server_pid=""
}
json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }

check "the installed server starts as its unit runs it" start_server
check "it runs its private PostgreSQL under /var/lib/aduan" test -f "$root/var/lib/aduan/pg/data/PG_VERSION"
check "the web UI is served from the package" curl -fsS -o /dev/null "$base/"

echo 'an admin password for the test' | in_root aduan-server user add alice --role admin >/dev/null
token=$(curl -fsS "$base/api/v1/auth/login" -H 'content-type: application/json' \
    -d '{"username":"alice","password":"an admin password for the test"}' | json '["token"]')
check "the installed CLI created a user who signs in" test -n "$token"
check "the backup timer is shipped, disabled" \
    test -f "$root/lib/systemd/system/aduan-backup.timer" -a ! -e "$root/etc/systemd/system/timers.target.wants/aduan-backup.timer"
check "the CLI wrote nothing as root into the data" \
    test -z "$(find "$root/var/lib/aduan" -user root -print -quit)"

head -c 200000 /dev/urandom >"$out/evidence.bin"
sum=$(sha256sum "$out/evidence.bin" | cut -d' ' -f1)
id=$(curl -fsS "$base/api/v1/complaints" -H "authorization: Bearer $token" \
    -F 'complaint={"channel":"walk_in","description":"Pegawai JPJ meminta RM500 duit kopi semalam di Shah Alam."};type=application/json' \
    -F "file=@$out/evidence.bin;type=application/octet-stream" | json '["id"]')
enriched=no
for _ in $(seq 1 60); do
    status=$(curl -fsS "$base/api/v1/complaints/$id" -H "authorization: Bearer $token" | json '["status"]')
    [ "$status" = enriched ] && { enriched=yes; break; }
    sleep 0.5
done
check "a complaint with an attachment is entered and enriched" test "$enriched" = yes
attachment=$(curl -fsS "$base/api/v1/complaints/$id" -H "authorization: Bearer $token" | json '["attachments"][0]["id"]')
got() { curl -fsS "$base/api/v1/attachments/$attachment" -H "authorization: Bearer $token" | sha256sum | cut -d' ' -f1; }
check "the attachment reads back byte-identical" test "$(got)" = "$sum"

backups=$root/var/lib/aduan/backups
check "the installed CLI takes a backup while the server serves" \
    in_root aduan-server backup --to /var/lib/aduan/backups/test
check "the backup holds the attachment" \
    test -n "$(find "$backups/test" -type f -size +190k -print -quit)"

step "upgrade"
stop_server
DEBIAN_FRONTEND=noninteractive in_root apt-get install -y -qq "/tmp/pkgs/$(basename "$deb2")" >/dev/null
check "the upgrade is installed" test "$(in_root dpkg-query -W -f='${Version}' aduan-server)" = "${version}-2"
check "the edited configuration is kept" grep -qx "ADUAN_LISTEN=127.0.0.1:$port" "$root/etc/aduan/aduan.env"
check "the upgraded server starts on the same data" start_server
token=$(curl -fsS "$base/api/v1/auth/login" -H 'content-type: application/json' \
    -d '{"username":"alice","password":"an admin password for the test"}' | json '["token"]')
status=$(curl -fsS "$base/api/v1/complaints/$id" -H "authorization: Bearer $token" | json '["status"]')
check "the complaint is still there, enriched" test "$status" = enriched
check "its attachment is still byte-identical" test "$(got)" = "$sum"
check "the audit trail verifies with the installed CLI" in_root aduan-server audit verify

step "remove and purge"
stop_server
in_root apt-get remove -y -qq aduan-server >/dev/null
check "remove keeps /var/lib/aduan" test -f "$root/var/lib/aduan/pg/data/PG_VERSION"
purge_says=$(in_root apt-get purge -y -qq aduan-server 2>&1)
check "purge keeps /var/lib/aduan and its attachments" \
    test -f "$root/var/lib/aduan/pg/data/PG_VERSION" -a -n "$(ls -A "$root/var/lib/aduan/blobs")"
check "purge says where the data is" grep -q "/var/lib/aduan" <<<"$purge_says"
check "purge removes the configuration" test ! -e "$root/etc/aduan/aduan.env"

echo "packages: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
