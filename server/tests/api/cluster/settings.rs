//! What the instances share through PostgreSQL, seen from each of them: sessions, the
//! worker bound and pause, and the dashboard.

use std::time::{Duration, Instant};

use aduan_api::account::Role;
use serde_json::json;

use super::{load, wait_until, Cluster, WORKERS};
use crate::helpers::{client_with, get_json, login, PASSWORD};

/// Signed in on instance 1: the token works on every instance; signed out on instance 3:
/// it works on none.
pub async fn a_session_made_on_one_instance_works_on_all(cluster: &Cluster) {
    let token = login(&cluster.nodes[0].base(), "officer", PASSWORD).await;
    let officer = client_with(Some(&token));
    for node in &cluster.nodes {
        let me = get_json(&officer, format!("{}/api/v1/me", node.base())).await;
        assert_eq!(
            me["username"], "officer",
            "session valid on port {}",
            node.port
        );
    }
    let out = officer
        .post(format!("{}/api/v1/auth/logout", cluster.nodes[2].base()))
        .send()
        .await
        .unwrap();
    assert!(out.status().is_success());
    for node in &cluster.nodes {
        let me = officer
            .get(format!("{}/api/v1/me", node.base()))
            .send()
            .await
            .unwrap();
        assert_eq!(me.status(), 401, "signed out on port {}", node.port);
    }
}

async fn change(cluster: &Cluster, node: usize, body: serde_json::Value) {
    let r = cluster
        .client(Role::Admin)
        .patch(format!(
            "{}/api/v1/admin/processing",
            cluster.nodes[node].base()
        ))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{body}");
}

/// Pause on one instance stops every instance's calls; resume on another starts them; a
/// lower bound set on a third holds for the provider's concurrency within a second.
pub async fn bound_and_pause_reach_every_instance_within_a_second(cluster: &Cluster) {
    let llm = &cluster.llm;
    llm.set_latency(Duration::from_millis(200));
    change(cluster, 0, json!({"paused": true})).await;
    let before = llm.requests();
    // Entered through every instance, so each one's intake wakes its own workers.
    for node in &cluster.nodes {
        load::Load::new(
            &node.base(),
            &cluster.tokens[&Role::Intake],
            &format!("paused-{}", node.port),
        )
        .concurrency(8)
        .enter(0..50, Default::default())
        .await;
    }
    for node in &cluster.nodes {
        let p = get_json(
            &cluster.client(Role::Admin),
            format!("{}/api/v1/admin/processing", node.base()),
        )
        .await;
        assert_eq!(p["workers"]["paused"], true);
        assert!(p["queue"]["queued"].as_i64().unwrap() >= 150, "{p}");
    }
    assert_eq!(
        llm.requests(),
        before,
        "no instance called the provider while paused"
    );

    change(cluster, 1, json!({"paused": false})).await;
    wait_until(Duration::from_secs(1), "calls resumed", || {
        llm.in_flight() >= 2
    })
    .await;

    change(cluster, 2, json!({"concurrency": 2})).await;
    let lowered = Instant::now();
    wait_until(Duration::from_secs(1), "the lower bound held", || {
        llm.in_flight() <= 2
    })
    .await;
    eprintln!("bound lowered everywhere in {:?}", lowered.elapsed());
    llm.reset_max_in_flight();
    let seen = llm.requests();
    wait_until(Duration::from_secs(20), "more calls", || {
        llm.requests() >= seen + 20
    })
    .await;
    assert!(
        llm.max_in_flight() <= 2,
        "bound 2, saw {}",
        llm.max_in_flight()
    );

    change(cluster, 0, json!({"concurrency": WORKERS})).await;
    llm.set_latency(Duration::from_millis(20));
    cluster.wait_until_all_enriched().await;
}

/// A complaint entered on one instance counts on every instance's dashboard at once.
pub async fn a_new_complaint_shows_on_every_dashboard(cluster: &Cluster) {
    let officer = cluster.client(Role::Officer);
    let total = |node: usize| {
        let url = format!("{}/api/v1/analytics/dashboard", cluster.nodes[node].base());
        let officer = officer.clone();
        async move { get_json(&officer, url).await["total"].as_i64().unwrap() }
    };
    let mut before = Vec::new();
    for n in 0..cluster.nodes.len() {
        before.push(total(n).await);
    }
    load::Load::new(
        &cluster.nodes[0].base(),
        &cluster.tokens[&Role::Intake],
        "dashboard",
    )
    .enter(0..1, Default::default())
    .await;
    let entered = Instant::now();
    for (n, before) in before.into_iter().enumerate() {
        loop {
            if total(n).await == before + 1 {
                break;
            }
            assert!(
                entered.elapsed() < Duration::from_secs(1),
                "instance {} still counts {before}",
                n + 1
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}
