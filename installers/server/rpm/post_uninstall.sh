# aduan-server: complaint evidence is never deleted by a package command.
if [ "$1" -eq 0 ]; then
    echo "aduan-server: the data (attachments and the private database) is kept in" \
        "/var/lib/aduan, owned by user aduan; remove it yourself once it is no longer needed."
fi
[ -d /run/systemd/system ] && systemctl daemon-reload >/dev/null 2>&1
exit 0
