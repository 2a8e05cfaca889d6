//! Three `aduan-server` processes sharing one PostgreSQL database, one S3 bucket
//! (SeaweedFS) and one audit key, behind HAProxy configured from the shipped example, with
//! the provider simulated: what an agency running several instances relies on, shown with
//! real engines while one instance is killed and while all are restarted one by one.

mod bench;
mod haproxy;
mod load;
mod node;
mod settings;
mod sse;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use aduan_api::account::Role;
use sha2::{Digest, Sha256};
use sqlx::PgPool;
use tokio_util::sync::CancellationToken;

use crate::fake_llm::FakeLlm;
use crate::helpers::{client_with, fresh_database, get_json, sign_in_all};
use haproxy::Haproxy;
use load::{Entered, Tally};
use node::{Node, Shared};

/// The cluster's bound on concurrent provider calls.
const WORKERS: usize = 6;

struct Cluster {
    nodes: Vec<Node>,
    lb: Haproxy,
    llm: FakeLlm,
    tokens: HashMap<Role, String>,
    /// The database as its owner, to look at what the instances did.
    db: PgPool,
    _tmp: tempfile::TempDir,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Cluster {
    async fn start(instances: usize, workers: usize) -> Cluster {
        let tmp = tempfile::tempdir().unwrap();
        let llm = FakeLlm::start(Duration::from_millis(20)).await;
        let s3 = crate::seaweed::seaweed().await;
        let owner_url = fresh_database().await;
        // Every instance signs the audit chain with the same key, kept outside the
        // database and outside any one instance's data dir.
        let audit_key = tmp.path().join("audit.key");
        std::fs::write(&audit_key, hex::encode(rand::random::<[u8; 32]>())).unwrap();
        let shared = Shared {
            app_url: crate::helpers::app_url(&owner_url),
            owner_url: owner_url.clone(),
            audit_key,
            blob_store: format!(
                "s3://{}/cluster-{}",
                crate::seaweed::BUCKET,
                uuid::Uuid::new_v4().simple()
            ),
            s3_endpoint: s3.endpoint.clone(),
            llm_url: llm.url.clone(),
            workers,
        };
        let mut nodes = Vec::new();
        for i in 1..=instances {
            let dir = tmp.path().join(format!("instance-{i}"));
            nodes.push(Node::start(&shared, free_port(), &dir).await);
        }
        let ports: Vec<u16> = nodes.iter().map(|n| n.port).collect();
        let lb = Haproxy::start(tmp.path(), free_port(), &ports).await;
        let app_pool = PgPool::connect(&shared.app_url).await.unwrap();
        let tokens = sign_in_all(&app_pool, &lb.base).await;
        Cluster {
            nodes,
            lb,
            llm,
            tokens,
            db: PgPool::connect(&owner_url).await.unwrap(),
            _tmp: tmp,
        }
    }

    fn client(&self, role: Role) -> reqwest::Client {
        client_with(Some(&self.tokens[&role]))
    }

    async fn count(&self, sql: &str) -> i64 {
        sqlx::query_scalar(sql).fetch_one(&self.db).await.unwrap()
    }

    /// Until every complaint in the database is enriched.
    async fn wait_until_all_enriched(&self) {
        let deadline = Instant::now() + Duration::from_secs(180);
        loop {
            let left = self
                .count("SELECT count(*) FROM complaints WHERE status <> 'enriched'")
                .await;
            if left == 0 {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{left} complaints still not enriched"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Every acknowledged complaint is there once, and was enriched exactly once: one
    /// successful job, one `complaint.enriched` event.
    async fn assert_entered_once_and_enriched_once(&self, entered: &[Entered]) {
        let ids: Vec<uuid::Uuid> = entered.iter().map(|e| e.id.parse().unwrap()).collect();
        let found: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM complaints WHERE id = ANY($1) AND status = 'enriched'",
        )
        .bind(&ids)
        .fetch_one(&self.db)
        .await
        .unwrap();
        assert_eq!(
            found as usize,
            entered.len(),
            "every acknowledged complaint, enriched"
        );
        let twice = self
            .count(
                "SELECT count(*) FROM (SELECT complaint_id FROM enrichment_jobs
                 WHERE state = 'succeeded' GROUP BY complaint_id HAVING count(*) > 1) t",
            )
            .await;
        assert_eq!(twice, 0, "no complaint enriched twice");
        let events_twice = self
            .count(
                "SELECT count(*) FROM (SELECT complaint_id FROM events
                 WHERE kind = 'complaint.enriched' GROUP BY complaint_id HAVING count(*) > 1) t",
            )
            .await;
        assert_eq!(events_twice, 0, "no complaint announced as enriched twice");
    }
}

/// Three servers, HAProxy and SeaweedFS on the machine's cores: `./test.sh` runs it alone,
/// after the rest of the suite.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "a cluster of its own: run alone (./test.sh does)"]
async fn three_instances_behind_haproxy_lose_nothing() {
    let mut cluster = Cluster::start(3, WORKERS).await;
    settings::a_session_made_on_one_instance_works_on_all(&cluster).await;
    settings::bound_and_pause_reach_every_instance_within_a_second(&cluster).await;
    a_killed_instance_loses_nothing(&mut cluster).await;
    settings::a_new_complaint_shows_on_every_dashboard(&cluster).await;
    a_rolling_restart_loses_nothing(&mut cluster).await;
}

/// 2,000 complaints through HAProxy, one in ten with a 1 MB attachment, while an instance
/// holding an event stream is killed with SIGKILL and started again; three event streams
/// follow throughout.
async fn a_killed_instance_loses_nothing(cluster: &mut Cluster) {
    const COMPLAINTS: usize = 2_000;
    let before = cluster.count("SELECT count(*) FROM complaints").await;
    let stop = CancellationToken::new();
    // Three streams over three instances (HAProxy balances by fewest connections).
    let streams: Vec<_> = (0..3)
        .map(|_| {
            sse::follow(
                cluster.lb.base.clone(),
                cluster.tokens[&Role::Officer].clone(),
                stop.clone(),
            )
        })
        .collect();
    // A first complaint every stream sees proves each is connected before the load.
    let warm_up = load::Load::new(&cluster.lb.base, &cluster.tokens[&Role::Intake], "warm-up")
        .resending()
        .enter(0..1, Arc::default())
        .await;
    for log in &streams {
        wait_until(Duration::from_secs(10), "every stream connected", || {
            log.lock()
                .unwrap()
                .events
                .iter()
                .any(|e| e.2 == warm_up[0].id)
        })
        .await;
    }
    let first_event = streams[0].lock().unwrap().events[0].0;
    // The instance to kill: one that holds a stream (HAProxy spreads them, but by its own
    // count of connections, so which ones is its choice).
    let held = cluster.lb.sessions().await;
    let victim = held
        .iter()
        .position(|(_, n)| *n > 0)
        .unwrap_or_else(|| panic!("no instance holds a stream: {held:?}"));

    let tally = Arc::new(Tally::default());
    let base = cluster.lb.base.clone();
    let intake = cluster.tokens[&Role::Intake].clone();
    let loader = tokio::spawn({
        let tally = tally.clone();
        async move {
            load::Load::new(&base, &intake, "cluster")
                .concurrency(16)
                .with_files()
                .resending()
                .enter(0..COMPLAINTS, tally)
                .await
        }
    });
    let db = cluster.db.clone();
    let entered_so_far = |n: i64| {
        let db = db.clone();
        async move {
            let deadline = Instant::now() + Duration::from_secs(120);
            loop {
                let c: i64 = sqlx::query_scalar("SELECT count(*) FROM complaints")
                    .fetch_one(&db)
                    .await
                    .unwrap();
                if c >= n {
                    return;
                }
                assert!(Instant::now() < deadline, "intake stalled at {c}");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    };
    entered_so_far(before + 600).await;
    cluster.nodes[victim].kill().await;
    cluster.lb.wait_for(victim + 1, "DOWN").await;
    entered_so_far(before + 1_200).await;
    cluster.nodes[victim].restart().await;
    cluster.lb.wait_for(victim + 1, "UP").await;
    let entered = loader.await.unwrap();
    assert_eq!(tally.refused.load(std::sync::atomic::Ordering::SeqCst), 0);
    assert_eq!(entered.len(), COMPLAINTS, "every complaint acknowledged");
    eprintln!(
        "cluster: {} requests sent again after the kill",
        tally.resent.load(std::sync::atomic::Ordering::SeqCst)
    );

    cluster.wait_until_all_enriched().await;
    let total = cluster.count("SELECT count(*) FROM complaints").await;
    assert_eq!(
        total,
        before + COMPLAINTS as i64 + 1,
        "nothing entered twice (Idempotency-Key)"
    );
    cluster
        .assert_entered_once_and_enriched_once(&entered)
        .await;
    assert_provider_bound(cluster, &entered);
    attachments_identical_on_every_instance(cluster, &entered).await;
    no_attachment_in_any_data_dir(cluster, &entered);

    // The streams: each saw every complaint created and enriched once, by id, and the
    // one on the killed instance resumed.
    let last_id: i64 = cluster.count("SELECT max(id) FROM events").await;
    for log in &streams {
        wait_until(Duration::from_secs(10), "streams caught up", || {
            log.lock().unwrap().events.last().map(|e| e.0) >= Some(last_id)
        })
        .await;
    }
    stop.cancel();
    let want: i64 = sqlx::query_scalar("SELECT count(*) FROM events WHERE id >= $1")
        .bind(first_event)
        .fetch_one(&cluster.db)
        .await
        .unwrap();
    let mut resumed = 0;
    for log in &streams {
        let log = log.lock().unwrap();
        let mut ids: Vec<i64> = log.events.iter().map(|e| e.0).collect();
        let received = ids.len();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), received, "no event received twice");
        assert_eq!(received as i64, want, "no event lost");
        for e in &entered {
            for kind in ["complaint.created", "complaint.enriched"] {
                let seen = log
                    .events
                    .iter()
                    .filter(|x| x.1 == kind && x.2 == e.id)
                    .count();
                assert_eq!(seen, 1, "{kind} of {} seen once", e.tag);
            }
        }
        resumed += log.resumes;
    }
    assert!(resumed >= 1, "the stream on the killed instance resumed");
}

/// The provider never had more calls at once than the cluster's bound, and answered each
/// complaint once, except calls cut off by the kill (at most one bound's worth).
fn assert_provider_bound(cluster: &Cluster, entered: &[Entered]) {
    let max = cluster.llm.max_in_flight();
    assert!(
        max <= WORKERS,
        "provider saw {max} calls at once, bound {WORKERS}"
    );
    let per = cluster.llm.counters().per_complaint.lock().unwrap();
    let mut repeated = 0;
    for e in entered {
        let n = per.get(&e.tag).copied().unwrap_or(0);
        assert!(n >= 1, "{} reached the provider", e.tag);
        repeated += usize::from(n > 1);
    }
    assert!(
        repeated <= WORKERS,
        "{repeated} complaints were sent to the provider again; only the kill's in-flight calls may be"
    );
}

/// Each attachment, fetched from each instance directly, is the bytes that were sent.
async fn attachments_identical_on_every_instance(cluster: &Cluster, entered: &[Entered]) {
    let officer = cluster.client(Role::Officer);
    let mut checked = 0;
    for e in entered.iter().filter(|e| e.attachment.is_some()) {
        let base = cluster.nodes[checked % cluster.nodes.len()].base();
        let detail = get_json(&officer, format!("{base}/api/v1/complaints/{}", e.id)).await;
        let attachment = detail["attachments"][0]["id"].as_str().unwrap().to_string();
        for node in &cluster.nodes {
            let bytes = officer
                .get(format!("{}/api/v1/attachments/{attachment}", node.base()))
                .send()
                .await
                .unwrap()
                .error_for_status()
                .unwrap()
                .bytes()
                .await
                .unwrap();
            assert_eq!(
                Some(hex::encode(Sha256::digest(&bytes))),
                e.attachment,
                "{} from instance on port {}",
                e.tag,
                node.port
            );
        }
        checked += 1;
    }
    assert_eq!(checked, entered.len().div_ceil(10));
}

/// The instances keep no attachment of their own: no file in any data dir has the bytes
/// of one.
fn no_attachment_in_any_data_dir(cluster: &Cluster, entered: &[Entered]) {
    let hashes: std::collections::HashSet<&str> = entered
        .iter()
        .filter_map(|e| e.attachment.as_deref())
        .collect();
    for node in &cluster.nodes {
        for file in walk(&node.data_dir) {
            let len = std::fs::metadata(&file).unwrap().len();
            if len == 1024 * 1024 {
                let digest = hex::encode(Sha256::digest(std::fs::read(&file).unwrap()));
                assert!(
                    !hashes.contains(digest.as_str()),
                    "{} holds an attachment",
                    file.display()
                );
            }
        }
    }
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

/// SIGTERM to one instance at a time under load: HAProxy takes each out of rotation
/// while it drains, so no request fails (none is sent again here) and no job is lost.
async fn a_rolling_restart_loses_nothing(cluster: &mut Cluster) {
    let done = CancellationToken::new();
    let tally = Arc::new(Tally::default());
    let base = cluster.lb.base.clone();
    let intake = cluster.tokens[&Role::Intake].clone();
    let loader = tokio::spawn({
        let tally = tally.clone();
        let done = done.clone();
        async move {
            let mut entered = Vec::new();
            let mut next = 0;
            while !done.is_cancelled() {
                let batch = next..next + 40;
                next += 40;
                entered.extend(
                    load::Load::new(&base, &intake, "rolling")
                        .concurrency(8)
                        .with_files()
                        .enter(batch, tally.clone())
                        .await,
                );
            }
            (entered, next)
        }
    });
    for n in 0..cluster.nodes.len() {
        cluster.nodes[n].terminate().await;
        cluster.lb.wait_for(n + 1, "DOWN").await;
        cluster.nodes[n].restart().await;
        cluster.lb.wait_for(n + 1, "UP").await;
    }
    done.cancel();
    let (entered, sent) = loader.await.unwrap();
    assert_eq!(
        tally.refused.load(std::sync::atomic::Ordering::SeqCst),
        0,
        "no request failed during the rolling restart"
    );
    assert_eq!(entered.len(), sent, "every request answered");
    eprintln!("rolling restart: {sent} complaints entered meanwhile");
    cluster.wait_until_all_enriched().await;
    cluster
        .assert_entered_once_and_enriched_once(&entered)
        .await;
    let lost = cluster
        .count("SELECT count(*) FROM enrichment_jobs WHERE state NOT IN ('succeeded')")
        .await;
    assert_eq!(lost, 0, "every job finished");
}

/// Wait until `ok` holds, or fail after `within`.
async fn wait_until(within: Duration, what: &str, mut ok: impl FnMut() -> bool) {
    let deadline = Instant::now() + within;
    while !ok() {
        assert!(Instant::now() < deadline, "timed out: {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
