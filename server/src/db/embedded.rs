//! The private PostgreSQL cluster used when no `DATABASE_URL` is given: created on the
//! first run under `<data-dir>/pg` from the installed PostgreSQL binaries, reachable only
//! through a Unix socket in a private directory, stopped when the server exits and reused
//! by the next start.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context};
use sqlx::postgres::PgConnectOptions;

/// Database role and database created in the private cluster.
const DB_USER: &str = "aduan";
const DB_NAME: &str = "aduan";
/// A Unix socket path must fit in `sun_path` (108 bytes with the terminating NUL).
const MAX_SOCKET_PATH: usize = 100;

/// A running private cluster. [`EmbeddedPostgres::stop`] shuts it down.
#[derive(Debug)]
pub struct EmbeddedPostgres {
    bin_dir: PathBuf,
    data_dir: PathBuf,
    socket_dir: PathBuf,
    run_as: Option<(u32, u32)>,
    /// True when this call created the cluster (first run).
    pub created: bool,
    /// True when this call started it; false when it was already running (another
    /// process of ours, or one that crashed and left it behind).
    pub started: bool,
}

/// The line that makes PostgreSQL read Aduan's settings.
const INCLUDE: &str = "include 'aduan.conf'";

impl EmbeddedPostgres {
    /// Create the cluster if needed, start it if it is not running, and return a handle.
    pub fn start(base: &Path) -> anyhow::Result<Self> {
        let bin_dir = find_bin_dir()?;
        let base = std::path::absolute(base).context("resolving the data directory")?;
        let root = base.join("pg");
        let data_dir = root.join("data");
        let socket_dir = socket_dir_for(&root)?;
        std::fs::create_dir_all(&root).with_context(|| format!("creating {}", root.display()))?;
        std::fs::create_dir_all(&socket_dir)?;
        std::fs::set_permissions(&socket_dir, std::fs::Permissions::from_mode(0o700))?;

        // PostgreSQL refuses to run as root: hand its directories to an unprivileged user.
        let run_as = unprivileged_user()?;
        if let Some((uid, gid)) = run_as {
            allow_traversal(&root)?;
            use std::os::unix::fs::MetadataExt;
            if std::fs::metadata(&root)?.uid() != uid {
                chown_tree(&root, uid, gid)?;
            }
            chown_tree(&socket_dir, uid, gid)?;
        }
        let mut pg = EmbeddedPostgres {
            bin_dir,
            data_dir,
            socket_dir,
            run_as,
            created: false,
            started: false,
        };
        if !pg.data_dir.join("PG_VERSION").exists() {
            pg.initdb()?;
            pg.created = true;
        }
        if !pg.is_running() {
            pg.write_settings()?;
            let log = root.join("postgres.log");
            pg.pg_ctl(&["start", "-w", "-t", "60", "-l", &log.to_string_lossy()])?;
            pg.started = true;
        }
        Ok(pg)
    }

    /// Connection options for the cluster's `aduan` database over the socket.
    pub fn connect_options(&self) -> PgConnectOptions {
        PgConnectOptions::new()
            .socket(&self.socket_dir)
            .username(DB_USER)
            .database(DB_NAME)
    }

    /// The same for the `postgres` database, to create `aduan` on first use.
    pub fn admin_options(&self) -> PgConnectOptions {
        self.connect_options().database("postgres")
    }

    pub fn socket_dir(&self) -> &Path {
        &self.socket_dir
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// The directory of the PostgreSQL programs the cluster runs with.
    pub fn bin_dir(&self) -> &Path {
        &self.bin_dir
    }

    /// The database role the server connects as.
    pub fn user_name() -> &'static str {
        DB_USER
    }

    /// Name of the database the server uses inside the cluster.
    pub fn database_name() -> &'static str {
        DB_NAME
    }

    /// Fast shutdown: open transactions are rolled back, committed data is safe.
    pub fn stop(&self) -> anyhow::Result<()> {
        if self.is_running() {
            self.pg_ctl(&["stop", "-m", "fast", "-w"])?;
        }
        Ok(())
    }

    pub fn is_running(&self) -> bool {
        self.command("pg_ctl")
            .args(["status", "-D"])
            .arg(&self.data_dir)
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false)
    }

    fn initdb(&self) -> anyhow::Result<()> {
        tracing::info!(dir = %self.data_dir.display(), "creating private PostgreSQL cluster");
        let out = self
            .command("initdb")
            .arg("-D")
            .arg(&self.data_dir)
            .args([
                "-U",
                DB_USER,
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C",
            ])
            .output()
            .context("running initdb")?;
        if !out.status.success() {
            bail!("initdb failed: {}", String::from_utf8_lossy(&out.stderr));
        }
        Ok(())
    }

    /// Write `aduan.conf` (at every start, so a newer Aduan's settings reach an existing
    /// cluster) and make sure `postgresql.conf` includes it, last, so it wins.
    fn write_settings(&self) -> anyhow::Result<()> {
        // Socket only, in a directory nobody else may enter: `trust` is then safe.
        let conf = format!(
            "# Written by Aduan at every start; edits here are lost.\n\
             listen_addresses = ''\nunix_socket_directories = '{}'\n\
             unix_socket_permissions = 0700\nmax_connections = 200\nshared_buffers = 256MB\n\
             # Intake writes WAL steadily: fewer checkpoints mean fewer full-page images.\n\
             max_wal_size = 4GB\ncheckpoint_timeout = 15min\n\
             # The packaged service forbids writable executable memory, which JIT needs;\n\
             # Aduan's queries are short, so JIT gains nothing anyway.\n\
             jit = off\n",
            self.socket_dir.display()
        );
        let path = self.data_dir.join("aduan.conf");
        std::fs::write(&path, conf)?;
        if let Some((uid, gid)) = self.run_as {
            std::os::unix::fs::chown(&path, Some(uid), Some(gid))?;
        }
        let main = self.data_dir.join("postgresql.conf");
        let text = std::fs::read_to_string(&main)?;
        if !text.contains(INCLUDE) {
            std::fs::write(&main, format!("{text}\n{INCLUDE}\n"))?;
        }
        Ok(())
    }

    /// `pg_ctl <args…> -D <data>`.
    fn pg_ctl(&self, args: &[&str]) -> anyhow::Result<()> {
        let out = self
            .command("pg_ctl")
            .args(args)
            .arg("-D")
            .arg(&self.data_dir)
            .output()
            .context("running pg_ctl")?;
        if !out.status.success() {
            bail!(
                "pg_ctl {} failed: {}{}",
                args[0],
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        Ok(())
    }

    fn command(&self, program: &str) -> Command {
        let mut cmd = Command::new(self.bin_dir.join(program));
        if let Some((uid, gid)) = self.run_as {
            use std::os::unix::process::CommandExt;
            cmd.uid(uid).gid(gid);
            // The child inherits our cwd, which the postgres user may not be allowed to enter.
            cmd.current_dir("/");
        }
        cmd
    }
}

/// The directory holding `initdb`, `pg_ctl` and `postgres`: on PATH, else the newest
/// `/usr/lib/postgresql/*/bin`.
pub fn find_bin_dir() -> anyhow::Result<PathBuf> {
    if let Some(path) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&path) {
            if dir.join("initdb").is_file() && dir.join("pg_ctl").is_file() {
                return Ok(dir);
            }
        }
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let v: u32 = e.file_name().to_str()?.parse().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").is_file().then_some((v, bin))
        })
        .collect();
    versions.sort();
    match versions.pop() {
        Some((_, bin)) => Ok(bin),
        None => bail!(
            "no DATABASE_URL was given and no PostgreSQL server binaries were found \
             (looked for initdb on PATH and under /usr/lib/postgresql/*/bin). Install them \
             with `sudo apt-get install postgresql` (Debian/Ubuntu), or pass --database-url."
        ),
    }
}

/// The socket directory: inside the cluster directory when the path is short enough for a
/// Unix socket, else a private directory under /tmp named after the cluster path.
fn socket_dir_for(root: &Path) -> anyhow::Result<PathBuf> {
    let inside = root.join("run");
    if inside.join(".s.PGSQL.5432").as_os_str().len() <= MAX_SOCKET_PATH {
        return Ok(inside);
    }
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(root.as_os_str().as_encoded_bytes());
    Ok(std::env::temp_dir().join(format!("aduan-pg-{}", &hex::encode(digest)[..16])))
}

/// `Some((uid, gid))` of the user PostgreSQL should run as when we are root.
fn unprivileged_user() -> anyhow::Result<Option<(u32, u32)>> {
    if !nix::unistd::Uid::effective().is_root() {
        return Ok(None);
    }
    for name in ["postgres", "nobody"] {
        if let Some(user) = nix::unistd::User::from_name(name)? {
            return Ok(Some((user.uid.as_raw(), user.gid.as_raw())));
        }
    }
    bail!("running as root, but neither a `postgres` nor a `nobody` user exists to run PostgreSQL")
}

fn chown_tree(path: &Path, uid: u32, gid: u32) -> anyhow::Result<()> {
    std::os::unix::fs::lchown(path, Some(uid), Some(gid))
        .with_context(|| format!("chown {}", path.display()))?;
    if path.is_dir() && !path.is_symlink() {
        for entry in std::fs::read_dir(path)? {
            chown_tree(&entry?.path(), uid, gid)?;
        }
    }
    Ok(())
}

/// The postgres user must be able to reach its directory: add search (x, not read)
/// permission for others on any ancestor that lacks it, e.g. a data dir under /root.
fn allow_traversal(path: &Path) -> anyhow::Result<()> {
    for dir in path.ancestors().skip(1) {
        let meta = std::fs::metadata(dir)?;
        let mode = meta.permissions().mode();
        if mode & 0o001 == 0 {
            tracing::warn!(dir = %dir.display(), "adding search permission so PostgreSQL can reach its data");
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(mode | 0o001))?;
        }
    }
    Ok(())
}
