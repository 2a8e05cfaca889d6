#!/bin/sh
# Run by dpkg (postinst) and rpm (%post). Managed roll-out: when the installing
# administrator sets ADUAN_SERVER_URL, the agency's server address is written for every
# user of this computer to /etc/aduan/desktop.json, so nobody has to type it; an address
# a user enters on the sign-in screen still wins. Without the variable an existing file
# is kept as it is (an upgrade does not forget the address).
#   sudo ADUAN_SERVER_URL=https://aduan.agency.gov.my apt install ./aduan-desktop_*.deb
#   sudo ADUAN_SERVER_URL=https://aduan.agency.gov.my dnf install ./aduan-desktop-*.rpm
set -e

url="${ADUAN_SERVER_URL:-}"
[ -n "$url" ] || exit 0

case "$url" in
    http://*|https://*) ;;
    *)
        echo "aduan-desktop: ADUAN_SERVER_URL must start with http:// or https:// (got: $url); /etc/aduan/desktop.json not written" >&2
        exit 0
        ;;
esac
# The address goes into JSON as it is: refuse what would need escaping.
if printf '%s' "$url" | grep -q '["\\[:cntrl:][:space:]]'; then
    echo "aduan-desktop: ADUAN_SERVER_URL contains quotes, backslashes or spaces; /etc/aduan/desktop.json not written" >&2
    exit 0
fi

mkdir -p /etc/aduan
tmp=$(mktemp /etc/aduan/.desktop.json.XXXXXX)
printf '{\n  "server": "%s"\n}\n' "$url" >"$tmp"
chmod 0644 "$tmp"
mv -f "$tmp" /etc/aduan/desktop.json
echo "aduan-desktop: server address for all users set to $url (/etc/aduan/desktop.json)"
