//! The planner's answers in plain words.

use aduan_api::capacity::{Assumptions, CostSource, Scenario, Throughput};

use super::model::Profile;

/// A duration as a person says it: "0.4 s", "12 s", "4 min", "2.5 h", "3 days".
pub fn duration(secs: f64) -> String {
    let secs = secs.max(0.0);
    if secs < 10.0 {
        format!("{} s", round_to(secs, 1))
    } else if secs < 120.0 {
        format!("{} s", secs.round())
    } else if secs < 7_200.0 {
        format!("{} min", (secs / 60.0).round())
    } else if secs < 172_800.0 {
        format!("{} h", round_to(secs / 3_600.0, 1))
    } else {
        format!("{} days", round_to(secs / 86_400.0, 1))
    }
}

/// A rate or count rounded to what is worth reading: "about 340", "2.5", "0.07".
pub fn amount(x: f64) -> String {
    if x >= 100.0 {
        let digits = x.log10().floor() as i32 - 1;
        let unit = 10f64.powi(digits);
        format!("{}", (x / unit).round() * unit)
    } else if x >= 10.0 {
        format!("{}", x.round())
    } else if x >= 1.0 {
        format!("{}", round_to(x, 1))
    } else {
        format!("{}", round_to(x, 2))
    }
}

fn round_to(x: f64, decimals: i32) -> f64 {
    let k = 10f64.powi(decimals);
    (x * k).round() / k
}

/// "50 arriving at once", "50 arriving over 1 min".
pub fn burst(n: u32, over_s: f64) -> String {
    if over_s <= 0.0 {
        format!("{n} arriving at once")
    } else {
        format!("{n} arriving over {}", duration(over_s))
    }
}

/// "At today's 2.8 s per complaint and 16 workers, Aduan analyses about 340 complaints a
/// minute; a burst of 50 arriving over 1 min is analysed within 1 min."
pub fn summary(a: &Assumptions, profile: &Profile, t: &Throughput, asked: &Scenario) -> String {
    let per_complaint = duration(profile.work_percentile(50.0));
    let setting = match a.source {
        CostSource::Measured => format!("today's {per_complaint} per complaint"),
        CostSource::WhatIf => format!("{per_complaint} per complaint"),
        CostSource::Assumed => {
            format!("an assumed {per_complaint} per complaint (none measured in the last day)")
        }
    };
    let workers = if a.workers == 1 {
        "1 worker".to_string()
    } else {
        format!("{} workers", a.workers)
    };
    let limit = a
        .rate_per_min
        .map(|r| format!(" and a provider limit of {} calls a minute", amount(r)))
        .unwrap_or_default();
    let rate = if t.per_minute >= 1.0 {
        format!("about {} complaints a minute", amount(t.per_minute))
    } else {
        format!("about {} complaints an hour", amount(t.per_hour))
    };
    let queue = match a.backlog_waiting + a.backlog_running {
        0 => String::new(),
        n => format!(" on top of the {n} already in the queue"),
    };
    format!(
        "At {setting}, {workers}{limit}, Aduan analyses {rate}; a burst of {}{queue} is analysed within {} ({} in 95 % of cases).",
        asked.label,
        duration(asked.drain_p50_s),
        duration(asked.drain_p95_s),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_amounts_read_naturally() {
        assert_eq!(duration(0.42), "0.4 s");
        assert_eq!(duration(12.4), "12 s");
        assert_eq!(duration(600.0), "10 min");
        assert_eq!(duration(9_000.0), "2.5 h");
        assert_eq!(duration(259_200.0), "3 days");
        assert_eq!(amount(342.7), "340");
        assert_eq!(amount(12_345.0), "12000");
        assert_eq!(amount(2.54), "2.5");
        assert_eq!(amount(0.071), "0.07");
        assert_eq!(burst(50, 0.0), "50 arriving at once");
        assert_eq!(burst(30, 300.0), "30 arriving over 5 min");
    }
}
