//! A discrete-event simulation of the enrichment queue: a pool of workers taking jobs in
//! the order they became due (the claim's `ORDER BY run_at, id`), each complaint costing
//! what a recently measured complaint cost (its calls and their worker-seconds, retries
//! included), retries waiting out the queue's backoff with the worker freed meanwhile, and
//! optionally a provider rate limit spacing the calls. Many seeded trials give the spread:
//! the same inputs and seed always give the same answer.
//!
//! A formula over the mean would miss what decides a burst's end: the slow tail of the
//! calls and the last round that only part of the pool works on.

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// What one complaint cost the pool: worker-seconds over all its calls, and the calls.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Work {
    pub work_s: f64,
    pub calls: u32,
}

/// The measured costs a simulation draws from (never empty).
#[derive(Debug, Clone)]
pub struct Profile {
    samples: Vec<Work>,
}

impl Profile {
    /// From measured complaints; `None` without any usable sample.
    pub fn from_samples(samples: Vec<Work>) -> Option<Profile> {
        let samples: Vec<Work> = samples
            .into_iter()
            .filter(|w| w.work_s.is_finite() && w.work_s >= 0.0 && w.calls >= 1)
            .collect();
        (!samples.is_empty()).then_some(Profile { samples })
    }

    /// Every complaint one call of `call_s` (no history yet, or a what-if without one).
    pub fn constant(call_s: f64) -> Profile {
        Profile {
            samples: vec![Work {
                work_s: call_s.max(0.0),
                calls: 1,
            }],
        }
    }

    pub fn len(&self) -> usize {
        self.samples.len()
    }

    pub fn is_empty(&self) -> bool {
        self.samples.is_empty()
    }

    /// Mean worker-seconds per complaint.
    pub fn mean_work_s(&self) -> f64 {
        self.samples.iter().map(|w| w.work_s).sum::<f64>() / self.samples.len() as f64
    }

    /// Mean provider calls per complaint (1 when nothing is retried).
    pub fn mean_calls(&self) -> f64 {
        let calls: u64 = self.samples.iter().map(|w| u64::from(w.calls)).sum();
        calls as f64 / self.samples.len() as f64
    }

    /// Percentile (0–100) of the worker-seconds per complaint.
    pub fn work_percentile(&self, p: f64) -> f64 {
        percentile(self.samples.iter().map(|w| w.work_s).collect(), p)
    }

    /// Median duration of one call.
    pub fn median_call_s(&self) -> f64 {
        percentile(
            self.samples
                .iter()
                .map(|w| w.work_s / f64::from(w.calls))
                .collect(),
            50.0,
        )
    }

    /// The same shape with calls taking `call_s` at the median: what a faster or slower
    /// provider would do to the same mix of complaints.
    pub fn with_median_call(&self, call_s: f64) -> Profile {
        let median = self.median_call_s();
        if median <= 0.0 {
            return Profile::constant(call_s);
        }
        let k = call_s / median;
        Profile {
            samples: self
                .samples
                .iter()
                .map(|w| Work {
                    work_s: w.work_s * k,
                    calls: w.calls,
                })
                .collect(),
        }
    }

    fn draw(&self, rng: &mut StdRng) -> Work {
        self.samples[rng.gen_range(0..self.samples.len())]
    }
}

/// The pool the jobs meet.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pool {
    /// Concurrent calls: the bound, or less while the adaptive limit holds it down.
    pub workers: u32,
    /// The provider's limit on calls started per minute, if any.
    pub calls_per_min: Option<f64>,
    /// The queue's retry backoff: the first delay and its cap (see `queue::backoff`).
    pub backoff_base_s: f64,
    pub backoff_cap_s: f64,
}

impl Pool {
    /// Complaints analysed per second when the queue never runs dry.
    pub fn capacity_per_s(&self, profile: &Profile) -> f64 {
        let by_workers = f64::from(self.workers.max(1)) / profile.mean_work_s().max(1e-9);
        match self.calls_per_min {
            Some(r) => by_workers.min(r / 60.0 / profile.mean_calls()),
            None => by_workers,
        }
    }
}

/// What is in the queue when the scenario begins.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Backlog {
    /// Jobs due and waiting; they go before the new arrivals.
    pub waiting: u32,
    /// Calls in flight; each holds a worker for part of a call still.
    pub running: u32,
}

/// How the new complaints arrive.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Arrivals {
    /// `n` at a steady pace over `over_s` seconds: the first at 0, one every `over_s / n`.
    Even { n: u32, over_s: f64 },
    /// `n` at independent uniformly random instants over `over_s` seconds (a Poisson
    /// stream with `n` arrivals): steady traffic, with its chance clusters.
    Random { n: u32, over_s: f64 },
}

impl Arrivals {
    pub fn count(&self) -> u32 {
        match *self {
            Arrivals::Even { n, .. } | Arrivals::Random { n, .. } => n,
        }
    }

    fn times(&self, rng: &mut StdRng) -> Vec<f64> {
        match *self {
            Arrivals::Even { n, over_s } => (0..n)
                .map(|i| over_s * f64::from(i) / f64::from(n))
                .collect(),
            Arrivals::Random { n, over_s } => {
                let mut t: Vec<f64> = (0..n).map(|_| rng.gen::<f64>() * over_s).collect();
                t.sort_by(f64::total_cmp);
                t
            }
        }
    }
}

/// One scenario's prediction over many trials (seconds).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Forecast {
    /// First arrival until the last of the new complaints is analysed.
    pub drain_p50_s: f64,
    pub drain_p95_s: f64,
    /// The last complaint to arrive: its arrival until it is analysed.
    pub last_wait_p50_s: f64,
    pub last_wait_p95_s: f64,
    pub trials: u32,
}

/// Run `trials` seeded trials of `arrivals` on top of `backlog`.
pub fn forecast(
    profile: &Profile,
    pool: Pool,
    backlog: Backlog,
    arrivals: Arrivals,
    trials: u32,
    seed: u64,
) -> Forecast {
    let trials = trials.max(1);
    let mut rng = StdRng::seed_from_u64(seed);
    let (mut drains, mut waits) = (Vec::new(), Vec::new());
    for _ in 0..trials {
        let (drain, wait) = trial(profile, pool, backlog, arrivals, &mut rng);
        drains.push(drain);
        waits.push(wait);
    }
    Forecast {
        drain_p50_s: percentile(drains.clone(), 50.0),
        drain_p95_s: percentile(drains, 95.0),
        last_wait_p50_s: percentile(waits.clone(), 50.0),
        last_wait_p95_s: percentile(waits, 95.0),
        trials,
    }
}

/// A job becoming due: ordered by due time, then by the order it was queued.
#[derive(Debug, Clone, Copy)]
struct Due {
    at: f64,
    seq: u64,
    job: usize,
}

impl PartialEq for Due {
    fn eq(&self, o: &Self) -> bool {
        self.cmp(o) == Ordering::Equal
    }
}
impl Eq for Due {}
impl PartialOrd for Due {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Due {
    fn cmp(&self, o: &Self) -> Ordering {
        self.at.total_cmp(&o.at).then(self.seq.cmp(&o.seq))
    }
}

/// A time as a heap key (worker free times are never NaN).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Time(f64);
impl Eq for Time {}
impl PartialOrd for Time {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Time {
    fn cmp(&self, o: &Self) -> Ordering {
        self.0.total_cmp(&o.0)
    }
}

/// One trial: (drain, wait of the last arrival). Jobs are handed out in due order, each to
/// the worker free first; for identical workers that is the pool taking the earliest due
/// job whenever a worker frees, as the claim does.
fn trial(
    profile: &Profile,
    pool: Pool,
    backlog: Backlog,
    arrivals: Arrivals,
    rng: &mut StdRng,
) -> (f64, f64) {
    let workers = pool.workers.max(1) as usize;
    let mut free: BinaryHeap<Reverse<Time>> = BinaryHeap::with_capacity(workers);
    let running = (backlog.running as usize).min(workers);
    for _ in 0..running {
        // A call in flight is, on average, half done.
        let w = profile.draw(rng);
        free.push(Reverse(Time(
            w.work_s / f64::from(w.calls) * rng.gen::<f64>(),
        )));
    }
    for _ in running..workers {
        free.push(Reverse(Time(0.0)));
    }
    let times = arrivals.times(rng);
    let first_new = backlog.waiting as usize;
    let total = first_new + times.len();
    // Per job: its call length, the calls it needs and those made.
    let mut jobs: Vec<(f64, u32, u32)> = Vec::with_capacity(total);
    let mut due: BinaryHeap<Reverse<Due>> = BinaryHeap::with_capacity(total);
    for job in 0..total {
        let w = profile.draw(rng);
        jobs.push((w.work_s / f64::from(w.calls), w.calls, 0));
        let at = if job < first_new {
            0.0
        } else {
            times[job - first_new]
        };
        due.push(Reverse(Due {
            at,
            seq: job as u64,
            job,
        }));
    }
    let gap = pool.calls_per_min.map_or(0.0, |r| 60.0 / r.max(1e-9));
    let mut last_start = f64::NEG_INFINITY;
    let mut seq = total as u64;
    let mut done = vec![0.0; total];
    while let Some(Reverse(d)) = due.pop() {
        let Reverse(Time(worker_free)) = free.pop().expect("a worker");
        let start = d.at.max(worker_free).max(last_start + gap);
        last_start = start;
        let (call_s, calls, made) = &mut jobs[d.job];
        let end = start + *call_s;
        free.push(Reverse(Time(end)));
        *made += 1;
        if *made >= *calls {
            done[d.job] = end;
        } else {
            let retry = backoff(pool, rng, *made);
            seq += 1;
            due.push(Reverse(Due {
                at: end + retry,
                seq,
                job: d.job,
            }));
        }
    }
    if times.is_empty() {
        return (0.0, 0.0);
    }
    let first = times[0];
    let drain = done[first_new..].iter().copied().fold(0.0, f64::max) - first;
    let wait = done[total - 1] - times[times.len() - 1];
    (drain, wait)
}

fn backoff(pool: Pool, rng: &mut StdRng, attempt: u32) -> f64 {
    let top = (pool.backoff_base_s * 2f64.powi(attempt.saturating_sub(1).min(20) as i32))
        .min(pool.backoff_cap_s);
    if top <= 0.0 {
        return 0.0;
    }
    rng.gen_range(top / 2.0..=top)
}

/// Nearest-rank percentile (0–100); 0 for no values.
pub fn percentile(mut v: Vec<f64>, p: f64) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(f64::total_cmp);
    let rank = ((p / 100.0) * v.len() as f64).ceil() as usize;
    v[rank.clamp(1, v.len()) - 1]
}

#[cfg(test)]
mod tests;
