//! The processes a benchmark drives: the release `aduan-server` and its LLM simulator,
//! each on its own port, killed when dropped.

use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::process::{Child, Command};

pub const BIN: &str = env!("CARGO_BIN_EXE_aduan-server");

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub struct Proc {
    pub child: Child,
    pub base: String,
    /// A bearer token of the `bench` admin (servers only).
    pub token: String,
    /// Keeps the data directory until the process is gone.
    _dir: Option<tempfile::TempDir>,
    /// The extra environment it was started with (servers only), for a restart.
    env: Vec<(String, String)>,
}

impl Proc {
    pub fn pid(&self) -> u32 {
        self.child.id().expect("running")
    }

    /// The server's data directory (with its private PostgreSQL cluster).
    pub fn data_dir(&self) -> Option<&std::path::Path> {
        self._dir.as_ref().map(|d| d.path())
    }

    /// A line of /proc/<pid>/status in KiB, e.g. `VmRSS` (now) or `VmHWM` (peak).
    pub fn mem_kib(&self, field: &str) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid())).unwrap();
        status
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{field}:")))
            .and_then(|v| v.trim().trim_end_matches(" kB").trim().parse().ok())
            .unwrap_or(0)
    }

    pub async fn stop(mut self) {
        self.terminate().await;
    }

    /// Stop the server and hand over its data directory (removed when dropped).
    pub async fn stop_keeping_data(mut self) -> tempfile::TempDir {
        self.terminate().await;
        self._dir.take().expect("a server's data directory")
    }

    /// SIGTERM, as systemd stops the service, and wait for the process to exit.
    async fn terminate(&mut self) {
        let _ = Command::new("kill")
            .arg(self.pid().to_string())
            .status()
            .await;
        let _ = tokio::time::timeout(Duration::from_secs(30), self.child.wait()).await;
    }

    /// Stop the server (SIGTERM) and start it again on the same data directory and
    /// environment, as an upgrade or a reboot does.
    pub async fn restart(mut self) -> Proc {
        self.terminate().await;
        let dir = self._dir.take().expect("a server's data directory");
        let env: Vec<(&str, String)> = self
            .env
            .iter()
            .map(|(k, v)| (k.as_str(), v.clone()))
            .collect();
        start_in(dir, &env).await
    }
}

/// The server on a private PostgreSQL cluster in a fresh data directory (durable commits,
/// as in production), with extra environment.
pub async fn server(env: &[(&str, String)]) -> Proc {
    let dir = tempfile::Builder::new()
        .prefix("aduan-bench")
        .tempdir_in("/tmp")
        .unwrap();
    add_admin(dir.path()).await;
    start_in(dir, env).await
}

async fn start_in(dir: tempfile::TempDir, env: &[(&str, String)]) -> Proc {
    let port = free_port();
    let mut cmd = Command::new(BIN);
    cmd.arg("serve")
        .env_remove("DATABASE_URL")
        .env("ADUAN_DATA_DIR", dir.path())
        .env("ADUAN_LISTEN", format!("127.0.0.1:{port}"))
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .kill_on_drop(true);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let child = cmd.spawn().expect("starting aduan-server");
    let base = format!("http://127.0.0.1:{port}");
    wait_ready(&format!("{base}/readyz")).await;
    let token = login(&base).await;
    Proc {
        child,
        base,
        token,
        _dir: Some(dir),
        env: env
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect(),
    }
}

const PASSWORD: &str = "bench password 123";

/// `aduan-server user add bench --role admin` on the data directory, before the server runs.
async fn add_admin(dir: &std::path::Path) {
    use tokio::io::AsyncWriteExt;
    let mut child = Command::new(BIN)
        .args(["user", "add", "bench", "--role", "admin"])
        .env_remove("DATABASE_URL")
        .env("ADUAN_DATA_DIR", dir)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin
        .write_all(format!("{PASSWORD}\n").as_bytes())
        .await
        .unwrap();
    drop(stdin);
    assert!(child.wait().await.unwrap().success(), "user add failed");
}

async fn login(base: &str) -> String {
    let r: serde_json::Value = reqwest::Client::new()
        .post(format!("{base}/api/v1/auth/login"))
        .json(&serde_json::json!({"username": "bench", "password": PASSWORD}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    r["token"].as_str().expect("login").to_string()
}

impl Proc {
    /// A client that sends this server's bearer token.
    pub fn client(&self) -> reqwest::Client {
        let mut h = reqwest::header::HeaderMap::new();
        h.insert(
            "authorization",
            format!("Bearer {}", self.token).parse().unwrap(),
        );
        reqwest::Client::builder()
            .default_headers(h)
            .build()
            .unwrap()
    }
}

/// `aduan-server llm-sim` with the given flags.
pub async fn llm_sim(args: &[&str]) -> Proc {
    let port = free_port();
    let child = Command::new(BIN)
        .arg("llm-sim")
        .arg("--listen")
        .arg(format!("127.0.0.1:{port}"))
        .args(args)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("starting llm-sim");
    let base = format!("http://127.0.0.1:{port}");
    wait_ready(&format!("{base}/stats")).await;
    Proc {
        child,
        base,
        token: String::new(),
        _dir: None,
        env: Vec::new(),
    }
}

async fn wait_ready(url: &str) {
    let started = Instant::now();
    let client = reqwest::Client::new();
    while started.elapsed() < Duration::from_secs(60) {
        if client
            .get(url)
            .send()
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{url} did not come up");
}
