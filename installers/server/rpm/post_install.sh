# aduan-server: the data directory and the service ($1: 1 = install, 2 = upgrade).
install -d -m 0700 -o aduan -g aduan /var/lib/aduan
chown root:aduan /etc/aduan /etc/aduan/aduan.env
chmod 0750 /etc/aduan
chmod 0640 /etc/aduan/aduan.env
if [ -d /run/systemd/system ]; then
    systemctl daemon-reload >/dev/null 2>&1 || :
    if [ "$1" -eq 1 ]; then
        systemctl enable --now aduan-server.service >/dev/null 2>&1 || :
    else
        systemctl try-restart aduan-server.service >/dev/null 2>&1 || :
    fi
fi
exit 0
