//! Load benchmarks of the real server binary. Run (release build):
//!
//! ```text
//! cargo bench -p aduan-server --bench load            # every scenario
//! cargo bench -p aduan-server --bench load -- intake  # one: intake upload burst overhead memory dashboard backup primary backlog scale logs capacity portal
//! ```
//!
//! Each scenario starts its own server (and LLM simulator) on a private PostgreSQL cluster
//! with durable commits, prints what it measured, and a Markdown table at the end. Intake
//! load comes from `wrk` (apt-get install wrk) so the client costs little CPU.

mod backlog;
mod backup;
mod capacity;
mod dashboard;
mod logs;
mod paced;
mod portal;
mod primary;
mod procs;
mod scale;
mod scenarios;
// The tests' SeaweedFS (the real `weed`, started on free ports) for the S3 upload.
#[allow(dead_code)]
#[path = "../../tests/api/seaweed.rs"]
mod seaweed;

use std::fmt::Write;

#[tokio::main]
async fn main() {
    let wanted: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let all = [
        "upload",
        "intake",
        "burst",
        "overhead",
        "memory",
        "dashboard",
        "backup",
        "primary",
        "backlog",
        "scale",
        "logs",
        "capacity",
        "portal",
    ];
    let run: Vec<&str> = if wanted.is_empty() {
        all.to_vec()
    } else {
        all.iter()
            .copied()
            .filter(|s| wanted.iter().any(|w| w == s))
            .collect()
    };
    let mut rows = Vec::new();
    for name in run {
        eprintln!("\n### {name}");
        let mut r = match name {
            "upload" => scenarios::upload().await,
            "intake" => scenarios::intake().await,
            "burst" => scenarios::burst().await,
            "overhead" => scenarios::overhead().await,
            "memory" => scenarios::memory().await,
            "dashboard" => dashboard::dashboard().await,
            "backup" => backup::backup().await,
            "primary" => primary::primary().await,
            "backlog" => backlog::backlog().await,
            "scale" => scale::scale().await,
            "logs" => logs::logs().await,
            "capacity" => capacity::capacity().await,
            "portal" => portal::portal().await,
            _ => unreachable!(),
        };
        for row in &r {
            eprintln!("{} | {} | {}", row.0, row.1, row.2);
        }
        rows.append(&mut r);
    }
    let mut table = String::from("| scenario | result | target |\n|---|---|---|\n");
    for (scenario, result, target) in rows {
        let _ = writeln!(table, "| {scenario} | {result} | {target} |");
    }
    println!("\n{table}");
    println!("{}", host_writeback());
}

/// The kernel's page-cache writeback settings, printed with the results: the database's
/// new pages are written back in bursts that delay its WAL flushes, and how large those
/// bursts grow is the host's setting, not the server's (see README, Performance).
fn host_writeback() -> String {
    let read = |name: &str| {
        std::fs::read_to_string(format!("/proc/sys/vm/{name}"))
            .map(|v| v.trim().to_string())
            .unwrap_or_else(|_| "?".into())
    };
    format!(
        "host writeback: vm.dirty_background_ratio = {}, vm.dirty_background_bytes = {}, \
         vm.dirty_expire_centisecs = {}",
        read("dirty_background_ratio"),
        read("dirty_background_bytes"),
        read("dirty_expire_centisecs")
    )
}
