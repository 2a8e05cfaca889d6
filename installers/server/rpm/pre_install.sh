# aduan-server: the system user that owns the data and runs the service.
getent group aduan >/dev/null || groupadd --system aduan
getent passwd aduan >/dev/null ||
    useradd --system --gid aduan --home-dir /var/lib/aduan --no-create-home \
        --shell /sbin/nologin --comment "Aduan server" aduan
exit 0
