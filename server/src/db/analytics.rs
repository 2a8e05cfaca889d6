//! The dashboard's aggregates: one statement over the complaints received in a range and
//! their enrichments, with officer corrections winning over the machine's codes.

use aduan_api::analytics::{sort_counts, Dashboard, DateRange, DayCount, KeyCount, UNKNOWN};
use aduan_api::complaint::{Channel, ComplaintStatus};
use chrono::{NaiveDate, Utc};
use sqlx::PgPool;

use crate::domain::time;

/// One row per (dimension, key): a grouping set per breakdown, the per-day series as
/// (day, status), and the Acts as whole arrays (a handful of distinct ones; unnesting each
/// complaint's array in SQL cost more than the rest of the query). Materialised, the rows
/// are hashed once per set; inlined, the planner sorted them on disk.
const SQL: &str = r#"
WITH c AS MATERIALIZED (
    SELECT c.status, c.channel,
        (c.created_at AT TIME ZONE 'UTC' + make_interval(hours => $3))::date AS day,
        CASE WHEN e.corrections ? 'classification'
             THEN e.corrections #>> '{classification,category}' ELSE e.category END AS category,
        CASE WHEN e.corrections ? 'sector'
             THEN e.corrections #>> '{sector,sector}' ELSE e.sector END AS sector,
        CASE WHEN e.corrections ? 'five_w1h'
             THEN e.corrections #>> '{five_w1h,where,state}' ELSE e.state END AS state,
        CASE WHEN e.corrections ? 'legal'
             THEN enrichment_acts(e.corrections) ELSE e.acts END AS acts
    FROM complaints c LEFT JOIN enrichments e ON e.complaint_id = c.id
    WHERE c.created_at >= $1 AND c.created_at < $2
)
SELECT CASE WHEN GROUPING(day) = 0 THEN 'day'
            WHEN GROUPING(status) = 0 THEN 'status'
            WHEN GROUPING(channel) = 0 THEN 'channel'
            WHEN GROUPING(category) = 0 THEN 'category'
            WHEN GROUPING(sector) = 0 THEN 'sector'
            WHEN GROUPING(state) = 0 THEN 'state'
            ELSE 'acts' END AS dim,
    coalesce(status, channel, category, sector, state) AS key, day, acts, count(*) AS n
FROM c
GROUP BY GROUPING SETS ((status), (channel), (category), (sector), (state), (day, status), (acts))
"#;

#[derive(sqlx::FromRow)]
struct Row {
    dim: String,
    key: Option<String>,
    day: Option<NaiveDate>,
    acts: Option<Vec<String>>,
    n: i64,
}

/// Count the complaints received in `range` (both days inclusive).
#[tracing::instrument(skip(pool))]
pub async fn dashboard(pool: &PgPool, range: DateRange) -> Result<Dashboard, sqlx::Error> {
    let rows: Vec<Row> = sqlx::query_as(SQL)
        .bind(time::day_start(range.from))
        .bind(time::day_start(range.to + chrono::Duration::days(1)))
        .bind(time::OFFSET_HOURS)
        .fetch_all(pool)
        .await?;
    Ok(assemble(range, rows))
}

fn assemble(range: DateRange, rows: Vec<Row>) -> Dashboard {
    let status_keys = ComplaintStatus::ALL.map(|s| s.as_str());
    let channel_keys = Channel::ALL.map(|c| c.as_str());
    let mut by_status = zeros(&status_keys);
    let mut by_channel = zeros(&channel_keys);
    let (mut by_category, mut by_sector, mut by_state, mut by_act) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let days = (range.to - range.from).num_days().max(0) + 1;
    let mut per_day: Vec<DayCount> = (0..days)
        .map(|i| DayCount {
            day: range.from + chrono::Duration::days(i),
            received: 0,
            enriched: 0,
            failed: 0,
        })
        .collect();
    for row in rows {
        let key = row.key.unwrap_or_else(|| UNKNOWN.to_string());
        match row.dim.as_str() {
            "day" => {
                let Some(d) = row
                    .day
                    .and_then(|d| per_day.get_mut((d - range.from).num_days() as usize))
                else {
                    continue;
                };
                d.received += row.n;
                match key.as_str() {
                    "enriched" => d.enriched += row.n,
                    "failed" => d.failed += row.n,
                    _ => {}
                }
            }
            "status" => add(&mut by_status, key, row.n),
            "channel" => add(&mut by_channel, key, row.n),
            "category" => add(&mut by_category, key, row.n),
            "sector" => add(&mut by_sector, key, row.n),
            "state" => add(&mut by_state, key, row.n),
            _ => {
                for act in row.acts.unwrap_or_default() {
                    add(&mut by_act, act, row.n);
                }
            }
        }
    }
    let total = by_status.iter().map(|k| k.count).sum();
    for list in [
        &mut by_status,
        &mut by_channel,
        &mut by_category,
        &mut by_sector,
        &mut by_state,
        &mut by_act,
    ] {
        sort_counts(list);
    }
    Dashboard {
        range,
        total,
        by_status,
        by_category,
        by_sector,
        by_act,
        by_channel,
        by_state,
        per_day,
        generated_at: Utc::now(),
    }
}

fn zeros(keys: &[&str]) -> Vec<KeyCount> {
    keys.iter()
        .map(|k| KeyCount {
            key: k.to_string(),
            count: 0,
        })
        .collect()
}

fn add(list: &mut Vec<KeyCount>, key: String, n: i64) {
    match list.iter_mut().find(|k| k.key == key) {
        Some(k) => k.count += n,
        None => list.push(KeyCount { key, count: n }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn rows_become_sorted_breakdowns_and_a_full_series() {
        let range = DateRange {
            from: d("2026-11-01"),
            to: d("2026-11-03"),
        };
        let row = |dim: &str, key: Option<&str>, day: Option<&str>, n| Row {
            dim: dim.into(),
            key: key.map(Into::into),
            day: day.map(d),
            acts: None,
            n,
        };
        let acts = |acts: &[&str], n| Row {
            dim: "acts".into(),
            key: None,
            day: None,
            acts: Some(acts.iter().map(|a| a.to_string()).collect()),
            n,
        };
        let dash = assemble(
            range,
            vec![
                row("status", Some("enriched"), None, 3),
                row("status", Some("queued"), None, 1),
                row("state", None, None, 2),
                row("state", Some("Johor"), None, 2),
                row("day", Some("enriched"), Some("2026-11-03"), 3),
                row("day", Some("queued"), Some("2026-11-03"), 1),
                acts(&["akta_694"], 2),
                acts(&["akta_613", "akta_694"], 1),
                acts(&[], 1),
            ],
        );
        assert_eq!(dash.total, 4);
        assert_eq!(dash.by_status[0].key, "enriched");
        assert_eq!(dash.by_status.len(), 4, "zeros included");
        assert_eq!(dash.by_channel.len(), 6);
        assert_eq!(dash.by_state[0].key, "Johor", "ties sorted by key");
        assert_eq!(dash.by_state[1].key, UNKNOWN);
        assert_eq!(dash.per_day.len(), 3);
        assert_eq!((dash.per_day[2].received, dash.per_day[2].enriched), (4, 3));
        assert_eq!(dash.by_act[0].key, "akta_694");
        assert_eq!(dash.by_act[0].count, 3);
        assert_eq!(dash.by_act[1].count, 1);
    }
}
