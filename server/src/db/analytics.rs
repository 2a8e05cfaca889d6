//! The dashboard's aggregates, read from rollups: counts per Malaysian day × dimension ×
//! key that triggers keep as complaints and enrichments change (migration
//! `dashboard_rollups`), so a dashboard costs days × keys rows, not one per complaint.
//! Officer corrections win over the machine's codes there too.

use aduan_api::analytics::{sort_counts, Dashboard, DateRange, DayCount, KeyCount};
use aduan_api::complaint::{Channel, ComplaintStatus};
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::PgPool;

/// The folded counts and the deltas not folded yet, summed in one snapshot.
const SQL: &str = r#"
SELECT dim, key, day, sum(n)::int8 AS n
FROM (
    SELECT day, dim, key, n FROM dashboard_counts WHERE day BETWEEN $1 AND $2
    UNION ALL
    SELECT day, dim, key, n FROM dashboard_deltas WHERE day BETWEEN $1 AND $2
) t
GROUP BY dim, key, day
HAVING sum(n) <> 0
"#;

#[derive(sqlx::FromRow)]
struct Row {
    dim: String,
    key: String,
    day: NaiveDate,
    n: i64,
}

/// Count the complaints received in `range` (both days inclusive).
#[tracing::instrument(skip(pool))]
pub async fn dashboard(pool: &PgPool, range: DateRange) -> Result<Dashboard, sqlx::Error> {
    let as_of = Utc::now();
    let rows: Vec<Row> = sqlx::query_as(SQL)
        .bind(range.from)
        .bind(range.to)
        .fetch_all(pool)
        .await?;
    Ok(assemble(range, as_of, rows))
}

/// Fold the deltas written so far into the counts; returns how many were folded. Deltas
/// of transactions still open are not visible and wait for the next fold; instances
/// folding at once never fold a delta twice (the delete takes each row once).
pub async fn fold(pool: &PgPool) -> Result<u64, sqlx::Error> {
    let folded: Option<i64> = sqlx::query_scalar(
        r#"
WITH moved AS (
    DELETE FROM dashboard_deltas RETURNING day, dim, key, n
), summed AS (
    SELECT day, dim, key, sum(n) AS n, count(*) AS deltas FROM moved GROUP BY day, dim, key
), written AS (
    INSERT INTO dashboard_counts (day, dim, key, n)
    SELECT day, dim, key, n FROM summed
    ON CONFLICT (day, dim, key) DO UPDATE SET n = dashboard_counts.n + EXCLUDED.n
)
SELECT sum(deltas)::int8 FROM summed
"#,
    )
    .fetch_one(pool)
    .await?;
    Ok(folded.unwrap_or(0) as u64)
}

/// Recompute every count from the complaints and their enrichments, locking both against
/// writes while it counts so no change falls between the recount and the triggers.
pub async fn rebuild(pool: &PgPool) -> Result<u64, sqlx::Error> {
    let mut tx = pool.begin().await?;
    sqlx::query("LOCK TABLE complaints, enrichments IN SHARE MODE")
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM dashboard_deltas")
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM dashboard_counts")
        .execute(&mut *tx)
        .await?;
    let rows = sqlx::query("INSERT INTO dashboard_counts SELECT * FROM dashboard_recount()")
        .execute(&mut *tx)
        .await?
        .rows_affected();
    tx.commit().await?;
    Ok(rows)
}

fn assemble(range: DateRange, as_of: DateTime<Utc>, rows: Vec<Row>) -> Dashboard {
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
        let key = row.key;
        match row.dim.as_str() {
            "status" => {
                if let Some(d) = per_day.get_mut((row.day - range.from).num_days() as usize) {
                    d.received += row.n;
                    match key.as_str() {
                        "enriched" => d.enriched += row.n,
                        "failed" => d.failed += row.n,
                        _ => {}
                    }
                }
                add(&mut by_status, key, row.n)
            }
            "channel" => add(&mut by_channel, key, row.n),
            "category" => add(&mut by_category, key, row.n),
            "sector" => add(&mut by_sector, key, row.n),
            "state" => add(&mut by_state, key, row.n),
            "act" => add(&mut by_act, key, row.n),
            _ => {}
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
        as_of,
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
    use aduan_api::analytics::UNKNOWN;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn rows_become_sorted_breakdowns_and_a_full_series() {
        let range = DateRange {
            from: d("2026-11-01"),
            to: d("2026-11-03"),
        };
        let row = |dim: &str, key: &str, day: &str, n| Row {
            dim: dim.into(),
            key: key.into(),
            day: d(day),
            n,
        };
        let dash = assemble(
            range,
            Utc::now(),
            vec![
                row("status", "enriched", "2026-11-03", 2),
                row("status", "enriched", "2026-11-01", 1),
                row("status", "queued", "2026-11-03", 1),
                row("state", UNKNOWN, "2026-11-03", 2),
                row("state", "Johor", "2026-11-01", 1),
                row("state", "Johor", "2026-11-03", 1),
                row("act", "akta_694", "2026-11-03", 3),
                row("act", "akta_613", "2026-11-03", 1),
            ],
        );
        assert_eq!(dash.total, 4);
        assert_eq!(dash.by_status[0].key, "enriched");
        assert_eq!(dash.by_status[0].count, 3, "summed over the days");
        assert_eq!(dash.by_status.len(), 4, "zeros included");
        assert_eq!(dash.by_channel.len(), 6);
        assert_eq!(dash.by_state[0].key, "Johor", "ties sorted by key");
        assert_eq!(dash.by_state[1].key, UNKNOWN);
        assert_eq!(dash.per_day.len(), 3);
        assert_eq!((dash.per_day[0].received, dash.per_day[0].enriched), (1, 1));
        assert_eq!((dash.per_day[2].received, dash.per_day[2].enriched), (3, 2));
        assert_eq!(dash.by_act[0].key, "akta_694");
        assert_eq!(dash.by_act[0].count, 3);
        assert_eq!(dash.by_act[1].count, 1);
    }
}
