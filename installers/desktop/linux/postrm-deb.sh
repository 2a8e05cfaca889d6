#!/bin/sh
# dpkg's postrm: purging the package also removes the server address the install script
# wrote for every user (/etc/aduan/desktop.json); a plain remove keeps it for a reinstall.
set -e
if [ "$1" = purge ]; then
    rm -f /etc/aduan/desktop.json
    rmdir /etc/aduan 2>/dev/null || true
fi
