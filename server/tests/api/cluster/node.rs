//! One `aduan-server serve` process of a cluster: the real binary, configured as an
//! installation's instance would be (shared database, blob store and audit key; its own
//! data directory and port), so it can be killed with SIGKILL or stopped with SIGTERM.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::process::{Child, Command};

/// What every instance of a cluster shares.
#[derive(Clone)]
pub struct Shared {
    /// The server's own role (DATABASE_URL).
    pub app_url: String,
    /// The database's owner (ADUAN_OWNER_DATABASE_URL), for migrations.
    pub owner_url: String,
    pub audit_key: PathBuf,
    pub blob_store: String,
    pub s3_endpoint: String,
    pub llm_url: String,
    /// The cluster's bound on concurrent provider calls (ADUAN_WORKERS).
    pub workers: usize,
}

pub struct Node {
    pub port: u16,
    pub data_dir: PathBuf,
    shared: Shared,
    log: PathBuf,
    child: Option<Child>,
}

impl Node {
    pub fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Start the instance and wait until it is ready.
    pub async fn start(shared: &Shared, port: u16, data_dir: &Path) -> Node {
        let mut node = Node {
            port,
            data_dir: data_dir.to_path_buf(),
            shared: shared.clone(),
            log: data_dir.with_extension("log"),
            child: None,
        };
        node.restart().await;
        node
    }

    /// Start the process again (after a kill or a stop) on the same port and data dir.
    pub async fn restart(&mut self) {
        let s = &self.shared;
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_aduan-server"))
            .arg("serve")
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("DATABASE_URL", &s.app_url)
            .env("ADUAN_OWNER_DATABASE_URL", &s.owner_url)
            .env("ADUAN_AUDIT_KEY_FILE", &s.audit_key)
            .env("ADUAN_BLOB_STORE", &s.blob_store)
            .env("AWS_ENDPOINT", &s.s3_endpoint)
            .env("AWS_ACCESS_KEY_ID", "aduan-test")
            .env("AWS_SECRET_ACCESS_KEY", "aduan-test")
            .env("AWS_REGION", "us-east-1")
            .env("AWS_ALLOW_HTTP", "true")
            .env("ADUAN_DATA_DIR", &self.data_dir)
            .env("ADUAN_LISTEN", format!("127.0.0.1:{}", self.port))
            .env("ADUAN_TRUSTED_PROXIES", "127.0.0.1/32")
            .env("ADUAN_LLM_URL", &s.llm_url)
            .env("ADUAN_WORKERS", s.workers.to_string())
            // A killed instance's leases come back to the queue after this long.
            .env("ADUAN_LEASE_S", "3")
            .env("ADUAN_POLL_MS", "200")
            // Long enough for HAProxy (checks every second, down after two) to take the
            // instance out of rotation while it still answers.
            .env("ADUAN_SHUTDOWN_DRAIN_S", "3")
            .env("ADUAN_LOG_FORMAT", "json")
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .kill_on_drop(true)
            .spawn()
            .expect("starting aduan-server");
        self.child = Some(child);
        self.wait_ready().await;
    }

    async fn wait_ready(&mut self) {
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let ready = client
                .get(format!("{}/readyz", self.base()))
                .send()
                .await
                .is_ok_and(|r| r.status() == 200);
            if ready {
                return;
            }
            if let Some(status) = self.child.as_mut().and_then(|c| c.try_wait().unwrap()) {
                panic!(
                    "instance on port {} exited: {status}; see {}",
                    self.port,
                    self.log.display()
                );
            }
            assert!(
                Instant::now() < deadline,
                "instance on port {} not ready; see {}",
                self.port,
                self.log.display()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// SIGKILL: no drain, no lease handed back, connections cut.
    pub async fn kill(&mut self) {
        let mut child = self.child.take().expect("running");
        child.kill().await.unwrap();
    }

    /// SIGTERM, then wait for the process to finish its drain and exit.
    pub async fn terminate(&mut self) {
        let mut child = self.child.take().expect("running");
        let pid = nix::unistd::Pid::from_raw(child.id().expect("pid") as i32);
        nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM).unwrap();
        let status = tokio::time::timeout(Duration::from_secs(60), child.wait())
            .await
            .expect("instance stopped within a minute of SIGTERM")
            .unwrap();
        assert!(
            status.success(),
            "instance exited with {status}; see {}",
            self.log.display()
        );
    }
}
