//! HAProxy in front of the cluster, configured from the example the installers ship
//! (`installers/server/haproxy-aduan.cfg`) with only its addresses changed, so the test
//! also proves the example.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::process::{Child, Command};

pub struct Haproxy {
    pub base: String,
    socket: PathBuf,
    _child: Child,
}

const EXAMPLE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../installers/server/haproxy-aduan.cfg"
);

impl Haproxy {
    /// HAProxy on `port`, balancing over the instances on `servers`, with its config and
    /// log in `dir`. Returns once every instance is in rotation.
    pub async fn start(dir: &Path, port: u16, servers: &[u16]) -> Haproxy {
        let socket = dir.join("haproxy.sock");
        let config = configure(
            &std::fs::read_to_string(EXAMPLE).unwrap(),
            port,
            servers,
            &socket,
        );
        let path = dir.join("haproxy.cfg");
        std::fs::write(&path, config).unwrap();
        let log = std::fs::File::create(dir.join("haproxy.log")).unwrap();
        let child = Command::new(binary())
            .arg("-db")
            .arg("-f")
            .arg(&path)
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .kill_on_drop(true)
            .spawn()
            .expect("starting haproxy (apt-get install haproxy)");
        let lb = Haproxy {
            base: format!("http://127.0.0.1:{port}"),
            socket,
            _child: child,
        };
        lb.wait_until_up(servers.len()).await;
        lb
    }

    /// Until HAProxy has every instance in rotation.
    async fn wait_until_up(&self, servers: usize) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let states = self.states().await;
            if states.len() == servers && states.iter().all(|(_, s)| s == "UP") {
                return;
            }
            assert!(Instant::now() < deadline, "HAProxy's servers: {states:?}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Each instance's state as HAProxy sees it (`UP`, `DOWN`, `MAINT`…), from its stats
    /// socket; empty while HAProxy is not answering yet.
    pub async fn states(&self) -> Vec<(String, String)> {
        self.stat(17).await
    }

    /// How many connections each instance has open through HAProxy now.
    pub async fn sessions(&self) -> Vec<(String, usize)> {
        self.stat(4)
            .await
            .into_iter()
            .map(|(name, n)| (name, n.parse().unwrap_or(0)))
            .collect()
    }

    /// Column `field` of `show stat` for each instance.
    async fn stat(&self, field: usize) -> Vec<(String, String)> {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let Ok(mut sock) = tokio::net::UnixStream::connect(&self.socket).await else {
            return Vec::new();
        };
        sock.write_all(b"show stat\n").await.unwrap();
        let mut csv = String::new();
        sock.read_to_string(&mut csv).await.unwrap();
        csv.lines()
            .map(|l| l.split(',').collect::<Vec<_>>())
            .filter(|f| f.len() > 17 && f[0] == "aduan_servers" && f[1].starts_with("aduan"))
            .map(|f| (f[1].to_string(), f[field].to_string()))
            .collect()
    }

    /// Until instance `n` (1-based) is in `state` ("UP" or "DOWN").
    pub async fn wait_for(&self, n: usize, state: &str) {
        let name = format!("aduan{n}");
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let states = self.states().await;
            if states
                .iter()
                .any(|(s, st)| *s == name && st.starts_with(state))
            {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{name} never {state}: {states:?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

fn binary() -> PathBuf {
    ["/usr/sbin/haproxy", "/usr/local/sbin/haproxy"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.is_file())
        .unwrap_or_else(|| "haproxy".into())
}

/// The example with the listener on loopback `port`, the `server` lines for `servers`,
/// no syslog (the log goes to stderr) and a stats socket to watch the checks with.
fn configure(example: &str, port: u16, servers: &[u16], socket: &Path) -> String {
    let mut out = String::new();
    let mut servers_written = false;
    for line in example.lines() {
        let t = line.trim_start();
        if t.starts_with("log /dev/log") {
            out.push_str("    log stderr format raw local0\n");
            out.push_str(&format!("    stats socket {}\n", socket.display()));
        } else if t.starts_with("bind :80") {
            out.push_str(&format!("    bind 127.0.0.1:{port}\n"));
        } else if t.starts_with("server ") {
            if !servers_written {
                for (i, p) in servers.iter().enumerate() {
                    out.push_str(&format!("    server aduan{} 127.0.0.1:{p} check\n", i + 1));
                }
                servers_written = true;
            }
        } else {
            out.push_str(line);
            out.push('\n');
        }
    }
    assert!(servers_written, "the example has server lines");
    out
}
