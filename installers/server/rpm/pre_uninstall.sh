# aduan-server: stop the service on removal ($1 = 0), not on upgrade.
if [ "$1" -eq 0 ] && [ -d /run/systemd/system ]; then
    systemctl disable --now aduan-server.service >/dev/null 2>&1 || :
fi
exit 0
