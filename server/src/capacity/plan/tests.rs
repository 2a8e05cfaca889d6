//! The report's arithmetic on measurements whose answers are known.

use super::*;

fn now(bound: u32, adaptive: u32, waiting: i64) -> Now {
    Now {
        pool: PoolFigures {
            bound,
            adaptive_limit: adaptive,
            rate_limited: 0,
            timeouts: 0,
        },
        queue: QueueDepth {
            queued: waiting,
            ..QueueDepth::default()
        },
        backoff_base_s: 0.0,
        backoff_cap_s: 0.0,
        default_call_s: 5.0,
    }
}

fn measured(call_s: f64, n: usize) -> Measured {
    Measured {
        costs: vec![
            Work {
                work_s: call_s,
                calls: 1
            };
            n
        ],
        ..Measured::default()
    }
}

fn asked(burst: u32, over_s: f64) -> Asked {
    Asked::parse(&CapacityQuery {
        burst: Some(burst),
        over_s: Some(over_s),
        ..CapacityQuery::default()
    })
    .unwrap()
}

#[test]
fn constant_costs_give_the_rounds_and_the_rate() {
    let p = plan(&measured(2.0, 30), &now(16, 16, 0), &asked(50, 0.0));
    assert_eq!(p.assumptions.source, CostSource::Measured);
    assert_eq!(
        p.asked.drain_p50_s, 8.0,
        "50 on 16 workers: 4 rounds of 2 s"
    );
    assert!((p.throughput.per_minute - 480.0).abs() < 1e-9);
    assert_eq!(p.scenarios.len(), 5, "no peak without a day's intake");
    assert!(p.scenarios.iter().all(|s| s.settles));
    assert!(p.summary.starts_with("At today's 2 s per complaint, 16 workers, Aduan analyses about 480 complaints a minute; a burst of 50 arriving at once is analysed within 8 s"), "{}", p.summary);
}

#[test]
fn the_adaptive_limit_and_the_queue_count() {
    // Held down to 8 by the provider, with 14 waiting: 64 jobs, 8 rounds.
    let p = plan(&measured(1.0, 30), &now(16, 8, 14), &asked(50, 0.0));
    assert_eq!(p.assumptions.workers, 8);
    assert_eq!(p.asked.drain_p50_s, 8.0);
    assert!(
        p.summary.contains("on top of the 14 already in the queue"),
        "{}",
        p.summary
    );
}

#[test]
fn nothing_measured_assumes_the_providers_typical_call() {
    let p = plan(&Measured::default(), &now(4, 4, 0), &asked(8, 0.0));
    assert_eq!(p.assumptions.source, CostSource::Assumed);
    assert_eq!(p.asked.drain_p50_s, 10.0, "8 on 4 workers at 5 s");
}

#[test]
fn steady_loads_above_the_throughput_do_not_settle() {
    // One worker at 80 s a complaint: 45 an hour. 50 at once take 4,000 s: over the hour.
    let p = plan(&measured(80.0, 10), &now(1, 1, 0), &asked(1, 0.0));
    let settles: Vec<(&str, bool)> = p
        .scenarios
        .iter()
        .map(|s| (s.key.as_str(), s.settles))
        .collect();
    assert_eq!(
        settles,
        [
            ("steady_10h", true),
            ("steady_50h", false),
            ("steady_100h", false),
            ("burst_50_1m", false),
            ("burst_30_5m", true)
        ]
    );
}

#[test]
fn sizing_finds_the_smallest_bound_and_says_when_there_is_none() {
    let p = plan(
        &measured(1.0, 10),
        &now(4, 4, 0),
        &Asked {
            target_wait_s: 3.0,
            ..asked(100, 0.0)
        },
    );
    assert_eq!(
        p.sizing.workers,
        Some(34),
        "ceil(100 / 34) = 3 rounds of 1 s; 33 needs 4"
    );
    let p = plan(
        &measured(10.0, 10),
        &now(4, 4, 0),
        &Asked {
            target_wait_s: 5.0,
            ..asked(10, 0.0)
        },
    );
    assert_eq!(
        p.sizing.workers, None,
        "no bound makes a 10 s call take 5 s"
    );
}

#[test]
fn out_of_bounds_questions_name_their_fields() {
    let q = CapacityQuery {
        burst: Some(0),
        over_s: Some(f64::NAN),
        latency_s: Some(f64::INFINITY),
        ..CapacityQuery::default()
    };
    let fields: Vec<String> = Asked::parse(&q)
        .unwrap_err()
        .into_iter()
        .map(|e| e.field)
        .collect();
    assert_eq!(fields, ["burst", "over_s", "latency_s"]);
}
