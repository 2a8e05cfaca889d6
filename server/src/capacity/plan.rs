//! From measured figures and an admin's question to predictions: throughput, the standard
//! load scenarios, the asked burst, the smallest sufficient bound, and one sentence.

use aduan_api::capacity::{
    limits, Assumptions, CapacityQuery, CostSource, PoolFigures, Scenario, Sizing, Throughput,
    WindowFigures,
};
use aduan_api::processing::QueueDepth;

use super::model::{self, Arrivals, Backlog, Forecast, Pool, Profile, Work};
use super::words;
use crate::domain::FieldError;

/// Simulated jobs one forecast may cost; trials shrink for big bursts and queues.
const JOB_BUDGET: u64 = 60_000;
/// Each step of the search for the smallest bound gets less: a dozen steps make a report.
const SIZING_JOB_BUDGET: u64 = 100_000;
const MAX_TRIALS: u32 = 200;
const MIN_TRIALS: u32 = 5;
const ETA_MIN_TRIALS: u32 = 3;
/// Fixed so that the same figures always give the same answer.
const SEED: u64 = 20;
/// A burst "settles" when its queue is empty again within this.
const SETTLE_S: f64 = 3_600.0;

pub const DEFAULT_BURST: u32 = 50;
pub const DEFAULT_OVER_S: f64 = 60.0;
pub const DEFAULT_TARGET_WAIT_S: f64 = 600.0;

/// What the last day measured.
#[derive(Debug, Clone, Default)]
pub struct Measured {
    /// The cost of each complaint analysed, newest first.
    pub costs: Vec<Work>,
    pub last_hour: WindowFigures,
    pub last_day: WindowFigures,
}

/// The queue and pool as they are now.
#[derive(Debug, Clone)]
pub struct Now {
    pub pool: PoolFigures,
    pub queue: QueueDepth,
    pub backoff_base_s: f64,
    pub backoff_cap_s: f64,
    /// A call's time when nothing was measured (depends on the provider).
    pub default_call_s: f64,
}

/// The question, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct Asked {
    pub burst: u32,
    pub over_s: f64,
    pub workers: Option<u32>,
    pub latency_s: Option<f64>,
    pub rate_per_min: Option<f64>,
    pub target_wait_s: f64,
}

impl Asked {
    /// Every parameter within its documented bounds, or every one that is not.
    pub fn parse(q: &CapacityQuery) -> Result<Asked, Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut range = |field: &str, v: Option<f64>, lo: f64, hi: f64| {
            if let Some(v) = v {
                if !(v.is_finite() && (lo..=hi).contains(&v)) {
                    errors.push(FieldError::new(
                        field,
                        format!("must be between {lo} and {hi}"),
                    ));
                }
            }
        };
        range(
            "burst",
            q.burst.map(f64::from),
            1.0,
            f64::from(limits::MAX_BURST),
        );
        range("over_s", q.over_s, 0.0, limits::MAX_OVER_S);
        range(
            "workers",
            q.workers.map(f64::from),
            1.0,
            f64::from(limits::MAX_WORKERS),
        );
        let (lo, hi) = (limits::MIN_LATENCY_S, limits::MAX_LATENCY_S);
        range("latency_s", q.latency_s, lo, hi);
        range(
            "rate_per_min",
            q.rate_per_min,
            1.0,
            limits::MAX_RATE_PER_MIN,
        );
        let (lo, hi) = (limits::MIN_TARGET_WAIT_S, limits::MAX_TARGET_WAIT_S);
        range("target_wait_s", q.target_wait_s, lo, hi);
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Asked {
            burst: q.burst.unwrap_or(DEFAULT_BURST),
            over_s: q.over_s.unwrap_or(DEFAULT_OVER_S),
            workers: q.workers,
            latency_s: q.latency_s,
            rate_per_min: q.rate_per_min,
            target_wait_s: q.target_wait_s.unwrap_or(DEFAULT_TARGET_WAIT_S),
        })
    }
}

/// The predictions of one report.
#[derive(Debug, Clone)]
pub struct Plan {
    pub assumptions: Assumptions,
    pub throughput: Throughput,
    pub asked: Scenario,
    pub scenarios: Vec<Scenario>,
    pub sizing: Sizing,
    pub summary: String,
}

/// The simulation's inputs for a report.
struct Setting {
    profile: Profile,
    pool: Pool,
    backlog: Backlog,
}

impl Setting {
    fn forecast(&self, pool: Pool, arrivals: Arrivals) -> Forecast {
        self.forecast_trials(pool, arrivals, self.trials(arrivals, MIN_TRIALS))
    }

    fn forecast_trials(&self, pool: Pool, arrivals: Arrivals, trials: u32) -> Forecast {
        model::forecast(&self.profile, pool, self.backlog, arrivals, trials, SEED)
    }

    /// As many trials as the budget allows for the jobs involved, within the bounds.
    fn trials(&self, arrivals: Arrivals, min_trials: u32) -> u32 {
        let jobs = self.jobs(arrivals);
        (JOB_BUDGET / jobs).clamp(u64::from(min_trials), u64::from(MAX_TRIALS)) as u32
    }

    fn jobs(&self, arrivals: Arrivals) -> u64 {
        u64::from(self.backlog.waiting) + u64::from(arrivals.count()) + 1
    }

    fn scenario(&self, key: &str, label: String, arrivals: Arrivals) -> Scenario {
        let f = self.forecast(self.pool, arrivals);
        let (n, over_s, steady) = match arrivals {
            Arrivals::Even { n, over_s } => (n, over_s, false),
            Arrivals::Random { n, over_s } => (n, over_s, true),
        };
        let utilisation = f64::from(n) / over_s.max(1.0) / self.pool.capacity_per_s(&self.profile);
        Scenario {
            key: key.to_string(),
            label,
            complaints: n,
            over_s,
            steady,
            last_wait_p50_s: f.last_wait_p50_s,
            last_wait_p95_s: f.last_wait_p95_s,
            drain_p50_s: f.drain_p50_s,
            drain_p95_s: f.drain_p95_s,
            utilisation,
            settles: if steady {
                utilisation < 1.0
            } else {
                f.drain_p95_s <= SETTLE_S
            },
        }
    }
}

/// The simulation's inputs for today's measurements and the question's what-ifs.
fn setting(measured: &Measured, now: &Now, asked: &Asked) -> (Setting, CostSource) {
    let measured_profile = Profile::from_samples(measured.costs.clone());
    let (profile, source) = match (&measured_profile, asked.latency_s) {
        (Some(p), Some(l)) => (p.with_median_call(l), CostSource::WhatIf),
        (None, Some(l)) => (Profile::constant(l), CostSource::WhatIf),
        (Some(p), None) => (p.clone(), CostSource::Measured),
        (None, None) => (Profile::constant(now.default_call_s), CostSource::Assumed),
    };
    let today = now.pool.adaptive_limit.min(now.pool.bound).max(1);
    let pool = Pool {
        workers: asked.workers.unwrap_or(today),
        calls_per_min: asked.rate_per_min,
        backoff_base_s: now.backoff_base_s,
        backoff_cap_s: now.backoff_cap_s,
    };
    let clamp = |n: i64| n.clamp(0, i64::from(u32::MAX)) as u32;
    let backlog = Backlog {
        waiting: clamp(now.queue.queued + now.queue.retrying),
        running: clamp(now.queue.running),
    };
    let s = Setting {
        profile,
        pool,
        backlog,
    };
    (s, source)
}

/// Seconds until one complaint submitted now is analysed (median of the trials): what
/// intake shows.
pub fn eta(measured: &Measured, now: &Now) -> f64 {
    let asked = Asked {
        burst: 1,
        over_s: 0.0,
        workers: None,
        latency_s: None,
        rate_per_min: None,
        target_wait_s: DEFAULT_TARGET_WAIT_S,
    };
    let (s, _) = setting(measured, now, &asked);
    // Asked on every status read: a deep queue gets fewer trials than a report would.
    let one = Arrivals::Even { n: 1, over_s: 0.0 };
    s.forecast_trials(s.pool, one, s.trials(one, ETA_MIN_TRIALS))
        .drain_p50_s
}

/// Predict, for today's measurements and the question.
pub fn plan(measured: &Measured, now: &Now, asked: &Asked) -> Plan {
    let (s, source) = setting(measured, now, asked);
    let (pool, backlog) = (s.pool, s.backlog);
    let per_s = pool.capacity_per_s(&s.profile);
    let throughput = Throughput {
        per_minute: per_s * 60.0,
        per_hour: per_s * 3_600.0,
        per_day: per_s * 86_400.0,
    };
    let asked_arrivals = Arrivals::Even {
        n: asked.burst,
        over_s: asked.over_s,
    };
    let label = words::burst(asked.burst, asked.over_s);
    let asked_row = s.scenario("asked", label, asked_arrivals);
    let scenarios = standard(&s, &measured.last_day);
    let sizing = size(&s, asked_arrivals, asked.target_wait_s);
    let assumptions = Assumptions {
        workers: pool.workers,
        call_p50_s: s.profile.median_call_s(),
        work_mean_s: s.profile.mean_work_s(),
        calls_per_complaint: s.profile.mean_calls(),
        rate_per_min: asked.rate_per_min,
        source,
        samples: s.profile.len() as u32,
        trials: s.trials(asked_arrivals, MIN_TRIALS),
        backlog_waiting: i64::from(backlog.waiting),
        backlog_running: i64::from(backlog.running),
    };
    let summary = words::summary(&assumptions, &s.profile, &throughput, &asked_row);
    Plan {
        assumptions,
        throughput,
        asked: asked_row,
        scenarios,
        sizing,
        summary,
    }
}

/// The old capacity document's loads, then the last day's busiest hour.
fn standard(s: &Setting, last_day: &WindowFigures) -> Vec<Scenario> {
    let hour = 3_600.0;
    let steady = |n| Arrivals::Random { n, over_s: hour };
    let mut rows = vec![
        s.scenario("steady_10h", "1–10 an hour".into(), steady(10)),
        s.scenario("steady_50h", "20–50 an hour".into(), steady(50)),
        s.scenario("steady_100h", "100 or more an hour".into(), steady(100)),
        s.scenario(
            "burst_50_1m",
            "50 in one minute".into(),
            Arrivals::Even {
                n: 50,
                over_s: 60.0,
            },
        ),
        s.scenario(
            "burst_30_5m",
            "30 in five minutes".into(),
            Arrivals::Even {
                n: 30,
                over_s: 300.0,
            },
        ),
    ];
    let peak = last_day
        .peak_hour_received
        .clamp(0, i64::from(limits::MAX_BURST)) as u32;
    if peak > 0 {
        let label = format!("the last day's peak: {peak} in an hour");
        rows.push(s.scenario("peak_hour", label, steady(peak)));
    }
    rows
}

/// The smallest bound whose last wait (95 % of trials) is within `target_s`. The wait
/// falls as workers are added, so a bisection finds it.
fn size(s: &Setting, arrivals: Arrivals, target_s: f64) -> Sizing {
    // The asked row's trials where affordable, so that the bound found and that row agree.
    let affordable = (SIZING_JOB_BUDGET / s.jobs(arrivals)).max(1) as u32;
    let trials = s.trials(arrivals, MIN_TRIALS).min(affordable);
    let meets = |workers: u32| {
        let pool = Pool { workers, ..s.pool };
        s.forecast_trials(pool, arrivals, trials).last_wait_p95_s <= target_s
    };
    // More workers than jobs cannot help; nor can more than the bound allows.
    let jobs = s.backlog.waiting.saturating_add(s.backlog.running);
    let most = jobs
        .saturating_add(arrivals.count())
        .clamp(1, limits::MAX_WORKERS);
    let workers = if !meets(most) {
        None
    } else {
        let (mut lo, mut hi) = (1u32, most);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if meets(mid) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        Some(hi)
    };
    let calls_per_min = workers.map(|w| {
        let pool = Pool {
            workers: w,
            ..s.pool
        };
        pool.capacity_per_s(&s.profile) * 60.0 * s.profile.mean_calls()
    });
    Sizing {
        target_wait_s: target_s,
        workers,
        provider_concurrency: workers,
        provider_calls_per_min: calls_per_min,
    }
}

#[cfg(test)]
mod tests;
