//! PostgreSQL's own `pg_dump` and `pg_restore`: finding a version that matches the server,
//! and pointing them at the private cluster or at `DATABASE_URL`.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use anyhow::{bail, Context};
use tokio::process::Command;

use crate::db::embedded::EmbeddedPostgres;

/// One of PostgreSQL's client programs, with its major version.
#[derive(Debug, Clone)]
pub struct Tool {
    pub path: PathBuf,
    pub major: u32,
}

/// Find `name` (`pg_dump`, `pg_restore`) of major version `min_major` or newer: Debian's
/// `/usr/lib/postgresql/<min_major>/bin` first (the server's own version), then
/// `preferred` (the directory the private cluster runs from), then newer versions under
/// `/usr/lib/postgresql`, then PATH.
pub fn find(name: &str, min_major: u32, preferred: Option<&Path>) -> anyhow::Result<Tool> {
    let debian = Path::new("/usr/lib/postgresql");
    let mut candidates = vec![debian.join(min_major.to_string()).join("bin").join(name)];
    candidates.extend(preferred.map(|d| d.join(name)));
    let mut installed: Vec<(u32, PathBuf)> = std::fs::read_dir(debian)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| Some((e.file_name().to_str()?.parse().ok()?, e.path())))
        .filter(|(v, _)| *v > min_major)
        .collect();
    installed.sort();
    candidates.extend(
        installed
            .into_iter()
            .map(|(_, dir)| dir.join("bin").join(name)),
    );
    if let Some(path) = std::env::var_os("PATH") {
        candidates.extend(std::env::split_paths(&path).map(|d| d.join(name)));
    }
    let mut seen = Vec::new();
    for path in candidates.into_iter().filter(|p| p.is_file()) {
        match version_of(&path) {
            Some(major) if major >= min_major => return Ok(Tool { path, major }),
            Some(major) => seen.push(format!("{} ({major})", path.display())),
            None => {}
        }
    }
    let found = if seen.is_empty() {
        String::new()
    } else {
        format!(" Found only older ones: {}.", seen.join(", "))
    };
    bail!(
        "{name} of PostgreSQL {min_major} or newer is needed and was not found (looked in \
         /usr/lib/postgresql/*/bin and on PATH).{found} Install PostgreSQL's client tools, \
         e.g. `apt-get install postgresql-client-{min_major}` on Debian or Ubuntu."
    )
}

/// The major version `program --version` reports, e.g. 15 for
/// "pg_dump (PostgreSQL) 15.14 (Debian 15.14-0+deb12u1)".
fn version_of(program: &Path) -> Option<u32> {
    let out = std::process::Command::new(program)
        .arg("--version")
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    parse_major(&text)
}

fn parse_major(version_line: &str) -> Option<u32> {
    let after = version_line.split("(PostgreSQL)").nth(1)?.trim_start();
    let digits: String = after.chars().take_while(|c| c.is_ascii_digit()).collect();
    digits.parse().ok()
}

/// Where the tools connect: arguments and environment, the password never on the
/// command line (other users can read a process's arguments).
#[derive(Debug, Clone)]
pub struct Connection {
    args: Vec<OsString>,
    env: Vec<(&'static str, String)>,
}

impl Connection {
    /// The private cluster, over its Unix socket.
    pub fn private(pg: &EmbeddedPostgres) -> Self {
        let mut host = OsString::from("--host=");
        host.push(pg.socket_dir());
        Connection {
            args: vec![
                host,
                format!("--username={}", EmbeddedPostgres::user_name()).into(),
                format!("--dbname={}", EmbeddedPostgres::database_name()).into(),
            ],
            env: Vec::new(),
        }
    }

    /// A `DATABASE_URL`: the password goes to `PGPASSWORD`, and query parameters only
    /// sqlx understands are left out (libpq refuses unknown ones).
    pub fn external(database_url: &str) -> anyhow::Result<Self> {
        let mut url = url::Url::parse(database_url).context("DATABASE_URL is not a valid URL")?;
        let mut password = url.password().map(|p| {
            percent_encoding::percent_decode_str(p)
                .decode_utf8_lossy()
                .into_owned()
        });
        url.set_password(None)
            .map_err(|_| anyhow::anyhow!("DATABASE_URL cannot carry a password"))?;
        let mut kept = Vec::new();
        for (k, v) in url.query_pairs() {
            if k == "password" {
                password = Some(v.into_owned());
            } else if LIBPQ_PARAMS.contains(&k.as_ref()) {
                kept.push((k.into_owned(), v.into_owned()));
            }
        }
        url.set_query(None);
        if !kept.is_empty() {
            url.query_pairs_mut().extend_pairs(kept);
        }
        Ok(Connection {
            args: vec![format!("--dbname={url}").into()],
            env: password.map(|p| ("PGPASSWORD", p)).into_iter().collect(),
        })
    }

    /// `tool` with this connection, its output captured.
    pub fn command(&self, tool: &Tool) -> Command {
        let mut cmd = Command::new(&tool.path);
        cmd.args(&self.args)
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        cmd
    }
}

/// Connection parameters libpq accepts in a URL and sqlx may be given.
const LIBPQ_PARAMS: &[&str] = &[
    "host",
    "hostaddr",
    "port",
    "dbname",
    "user",
    "sslmode",
    "sslrootcert",
    "sslcert",
    "sslkey",
    "application_name",
    "options",
    "connect_timeout",
    "target_session_attrs",
];

/// Run a prepared tool command to the end; its standard error becomes the error.
pub async fn run(mut cmd: Command, what: &str) -> anyhow::Result<()> {
    let out = cmd
        .output()
        .await
        .with_context(|| format!("starting {what}"))?;
    if !out.status.success() {
        bail!(
            "{what} failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_major_version() {
        assert_eq!(
            parse_major("pg_dump (PostgreSQL) 15.14 (Debian 15.14-0+deb12u1)\n"),
            Some(15)
        );
        assert_eq!(parse_major("pg_restore (PostgreSQL) 16beta2"), Some(16));
        assert_eq!(parse_major("something else"), None);
    }

    #[test]
    fn a_missing_tool_is_named_with_how_to_install_it() {
        let err = find("pg_dump", 99, None).unwrap_err().to_string();
        assert!(err.contains("pg_dump of PostgreSQL 99 or newer"), "{err}");
        assert!(
            err.contains("apt-get install postgresql-client-99"),
            "{err}"
        );
    }

    #[test]
    fn the_password_leaves_the_url_and_sqlx_parameters_are_dropped() {
        let c = Connection::external(
            "postgres://aduan:s%40cret@db.example:5433/aduan?sslmode=require&statement-cache-capacity=10",
        )
        .unwrap();
        assert_eq!(
            c.args,
            vec![OsString::from(
                "--dbname=postgres://aduan@db.example:5433/aduan?sslmode=require"
            )]
        );
        assert_eq!(c.env, vec![("PGPASSWORD", "s@cret".to_string())]);
        let socket = Connection::external("postgres://aduan@localhost/x?host=/run/pg").unwrap();
        assert_eq!(
            socket.args,
            vec![OsString::from(
                "--dbname=postgres://aduan@localhost/x?host=%2Frun%2Fpg"
            )]
        );
        assert!(socket.env.is_empty());
    }
}
