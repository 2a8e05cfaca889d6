//! The simulation against cases whose answer is known without it.

use super::*;

fn pool(workers: u32) -> Pool {
    Pool {
        workers,
        calls_per_min: None,
        backoff_base_s: 0.0,
        backoff_cap_s: 0.0,
    }
}

fn burst(n: u32, over_s: f64) -> Arrivals {
    Arrivals::Even { n, over_s }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

#[test]
fn constant_calls_drain_in_rounds_of_the_pool() {
    let p = Profile::constant(2.0);
    for (n, w) in [(10, 4), (8, 4), (1, 16), (50, 16), (200, 7)] {
        let f = forecast(&p, pool(w), Backlog::default(), burst(n, 0.0), 5, 1);
        let expected = f64::from(n.div_ceil(w)) * 2.0;
        assert!(close(f.drain_p50_s, expected), "{n} on {w}: {f:?}");
        assert!(close(f.drain_p95_s, expected), "{n} on {w}: {f:?}");
        assert!(
            close(f.last_wait_p50_s, expected),
            "all arrive at once: {f:?}"
        );
    }
}

#[test]
fn the_waiting_queue_goes_first() {
    let p = Profile::constant(2.0);
    let backlog = Backlog {
        waiting: 6,
        running: 0,
    };
    let f = forecast(&p, pool(4), backlog, burst(2, 0.0), 3, 1);
    assert!(close(f.drain_p50_s, 4.0), "8 jobs on 4 workers: {f:?}");
    let f = forecast(&p, pool(4), backlog, burst(3, 0.0), 3, 1);
    assert!(
        close(f.drain_p50_s, 6.0),
        "9 jobs need a third round: {f:?}"
    );
}

#[test]
fn calls_in_flight_hold_their_workers_for_less_than_a_call() {
    let p = Profile::constant(2.0);
    let busy = Backlog {
        waiting: 0,
        running: 4,
    };
    let f = forecast(&p, pool(4), busy, burst(4, 0.0), 50, 1);
    assert!(f.drain_p50_s > 2.0 && f.drain_p95_s <= 4.0, "{f:?}");
}

#[test]
fn a_slow_trickle_never_queues() {
    // One every 10 s, each taking 2 s on one worker: the last arrives at 90 s.
    let f = forecast(
        &Profile::constant(2.0),
        pool(1),
        Backlog::default(),
        burst(10, 100.0),
        3,
        1,
    );
    assert!(close(f.drain_p50_s, 92.0), "{f:?}");
    assert!(close(f.last_wait_p95_s, 2.0), "{f:?}");
}

#[test]
fn a_rate_limit_spaces_the_calls() {
    // 60 calls a minute: one start per second however many workers there are.
    let mut p = pool(100);
    p.calls_per_min = Some(60.0);
    let f = forecast(
        &Profile::constant(0.5),
        p,
        Backlog::default(),
        burst(10, 0.0),
        3,
        1,
    );
    assert!(close(f.drain_p50_s, 9.5), "{f:?}");
    assert!((p.capacity_per_s(&Profile::constant(0.5)) - 1.0).abs() < 1e-9);
}

#[test]
fn retries_cost_calls_and_wait_out_the_backoff_with_the_worker_free() {
    let twice = Profile::from_samples(vec![Work {
        work_s: 2.0,
        calls: 2,
    }])
    .unwrap();
    let f = forecast(&twice, pool(1), Backlog::default(), burst(1, 0.0), 3, 1);
    assert!(
        close(f.drain_p50_s, 2.0),
        "no backoff: two calls of 1 s: {f:?}"
    );
    let mut slow = pool(1);
    slow.backoff_base_s = 1.0;
    slow.backoff_cap_s = 1.0;
    let f = forecast(&twice, slow, Backlog::default(), burst(1, 0.0), 50, 1);
    assert!(f.drain_p50_s >= 2.5 && f.drain_p95_s <= 3.0, "{f:?}");
    // While the first waits out its backoff the worker serves the second.
    let f = forecast(&twice, slow, Backlog::default(), burst(2, 0.0), 50, 1);
    assert!(
        close(f.drain_p50_s, 4.0),
        "four calls of 1 s, no idle second: {f:?}"
    );
    assert!(close(f.drain_p95_s, 4.0), "{f:?}");
}

#[test]
fn the_slow_tail_shows_in_the_spread() {
    // Nine quick complaints for one slow one: a burst often meets a slow one at its end.
    let mut samples = vec![
        Work {
            work_s: 1.0,
            calls: 1
        };
        9
    ];
    samples.push(Work {
        work_s: 10.0,
        calls: 1,
    });
    let p = Profile::from_samples(samples).unwrap();
    let f = forecast(&p, pool(4), Backlog::default(), burst(8, 0.0), 400, 7);
    assert!(f.drain_p95_s >= 10.0, "{f:?}");
    assert!(f.drain_p50_s < f.drain_p95_s, "{f:?}");
    assert!((p.mean_work_s() - 1.9).abs() < 1e-9);
    assert!(close(p.median_call_s(), 1.0));
}

#[test]
fn the_same_seed_gives_the_same_answer() {
    let p = Profile::from_samples(
        (1..=20)
            .map(|i| Work {
                work_s: f64::from(i) / 10.0,
                calls: 1 + i % 2,
            })
            .collect(),
    )
    .unwrap();
    let mut q = pool(3);
    q.backoff_base_s = 0.5;
    q.backoff_cap_s = 4.0;
    let a = forecast(
        &p,
        q,
        Backlog::default(),
        Arrivals::Random {
            n: 30,
            over_s: 20.0,
        },
        40,
        9,
    );
    let b = forecast(
        &p,
        q,
        Backlog::default(),
        Arrivals::Random {
            n: 30,
            over_s: 20.0,
        },
        40,
        9,
    );
    assert_eq!(a, b);
    let c = forecast(
        &p,
        q,
        Backlog::default(),
        Arrivals::Random {
            n: 30,
            over_s: 20.0,
        },
        40,
        10,
    );
    assert_ne!(a, c, "another seed, other draws");
}

#[test]
fn a_what_if_latency_rescales_the_measured_shape() {
    let p = Profile::from_samples(vec![
        Work {
            work_s: 1.0,
            calls: 1,
        },
        Work {
            work_s: 2.0,
            calls: 1,
        },
        Work {
            work_s: 6.0,
            calls: 2,
        },
    ])
    .unwrap();
    assert!(close(p.median_call_s(), 2.0));
    let q = p.with_median_call(4.0);
    assert!(close(q.median_call_s(), 4.0));
    assert!(close(q.mean_work_s(), 2.0 * p.mean_work_s()));
    assert!(close(q.mean_calls(), p.mean_calls()));
}

#[test]
fn samples_that_cannot_be_work_are_dropped() {
    assert!(Profile::from_samples(vec![Work {
        work_s: f64::NAN,
        calls: 1
    }])
    .is_none());
    assert!(Profile::from_samples(vec![Work {
        work_s: 1.0,
        calls: 0
    }])
    .is_none());
    assert_eq!(percentile(vec![], 50.0), 0.0);
    assert_eq!(percentile(vec![3.0, 1.0, 2.0], 50.0), 2.0);
    assert_eq!(percentile((1..=100).map(f64::from).collect(), 95.0), 95.0);
}
