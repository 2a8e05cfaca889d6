//! The analytics dashboard: complaint counts by status, category, sector, Act, channel and
//! state, and a per-day series, over a range of days in Malaysian time (UTC+8).

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use utoipa::{IntoParams, ToSchema};

/// Longest range one dashboard covers, in days.
pub const MAX_RANGE_DAYS: i64 = 366;
/// Days covered when the query names no range (ending today).
pub const DEFAULT_RANGE_DAYS: i64 = 30;
/// The key counted when a value is not known: the complaint is not analysed yet, or the
/// analysis could not tell (e.g. no place named, so no state).
pub const UNKNOWN: &str = "unknown";

/// `GET /api/v1/analytics/dashboard?from=&to=`: both days inclusive, in Malaysian time.
/// Without `to`, today; without `from`, 30 days up to `to`.
#[derive(
    Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema, TS, IntoParams,
)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
#[ts(export)]
pub struct DashboardQuery {
    /// First day, `YYYY-MM-DD`.
    #[serde(default)]
    #[ts(optional)]
    pub from: Option<NaiveDate>,
    /// Last day, `YYYY-MM-DD`.
    #[serde(default)]
    #[ts(optional)]
    pub to: Option<NaiveDate>,
}

/// One table of the dashboard, as `GET /api/v1/analytics/dashboard/export` writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum DashboardTable {
    PerDay,
    Status,
    Category,
    Sector,
    Act,
    Channel,
    State,
}

/// `GET /api/v1/analytics/dashboard/export?table=&from=&to=`: one table as CSV, over the
/// same range as the dashboard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
#[ts(export)]
pub struct DashboardExportQuery {
    pub table: DashboardTable,
    /// First day, `YYYY-MM-DD`.
    #[serde(default)]
    #[ts(optional)]
    pub from: Option<NaiveDate>,
    /// Last day, `YYYY-MM-DD`.
    #[serde(default)]
    #[ts(optional)]
    pub to: Option<NaiveDate>,
}

/// The days a dashboard covers, both inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema, TS)]
#[ts(export)]
pub struct DateRange {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

/// How many complaints have one value of a dimension (a status, a category code...).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
#[ts(export)]
pub struct KeyCount {
    /// The code as stored (taxonomy code, status, channel, state name) or `unknown`.
    pub key: String,
    #[ts(type = "number")]
    pub count: i64,
}

/// One day of the series: complaints received that day, and how many of those are now
/// enriched and how many failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, TS)]
#[ts(export)]
pub struct DayCount {
    pub day: NaiveDate,
    #[ts(type = "number")]
    pub received: i64,
    #[ts(type = "number")]
    pub enriched: i64,
    #[ts(type = "number")]
    pub failed: i64,
}

/// `GET /api/v1/analytics/dashboard`. Every breakdown counts the complaints received in the
/// range; officer corrections win over the machine's codes. Lists are sorted by count,
/// largest first (ties by key), so charts keep a stable order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema, TS)]
#[ts(export)]
pub struct Dashboard {
    pub range: DateRange,
    /// Complaints received in the range.
    #[ts(type = "number")]
    pub total: i64,
    /// Every status, zeros included.
    pub by_status: Vec<KeyCount>,
    /// Category codes of the taxonomy, or `unknown`.
    pub by_category: Vec<KeyCount>,
    /// Sector codes of the taxonomy, or `unknown`.
    pub by_sector: Vec<KeyCount>,
    /// Act codes: complaints naming at least one section of the Act (a complaint may
    /// count under several Acts, or none).
    pub by_act: Vec<KeyCount>,
    /// Every channel, zeros included.
    pub by_channel: Vec<KeyCount>,
    /// Malaysian state or federal territory where it happened, or `unknown`.
    pub by_state: Vec<KeyCount>,
    /// Every day of the range, oldest first, zeros included.
    pub per_day: Vec<DayCount>,
    /// The figures count every change committed before this instant. A reply may be up to
    /// a second behind the latest change (send `Cache-Control: no-cache` for one that is
    /// not, e.g. right after the user's own change).
    pub as_of: DateTime<Utc>,
    /// When these figures were computed.
    pub generated_at: DateTime<Utc>,
}

/// Sort counts largest first, ties by key, as [`Dashboard`] promises.
pub fn sort_counts(counts: &mut [KeyCount]) {
    counts.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.key.cmp(&b.key)));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_sort_largest_first_then_by_key() {
        let mut v = vec![
            KeyCount {
                key: "b".into(),
                count: 1,
            },
            KeyCount {
                key: "c".into(),
                count: 5,
            },
            KeyCount {
                key: "a".into(),
                count: 1,
            },
        ];
        sort_counts(&mut v);
        let keys: Vec<&str> = v.iter().map(|k| k.key.as_str()).collect();
        assert_eq!(keys, ["c", "a", "b"]);
    }

    #[test]
    fn query_takes_optional_days() {
        let q: DashboardQuery = serde_json::from_str(r#"{"from":"2026-01-01"}"#).unwrap();
        assert_eq!(q.from, NaiveDate::from_ymd_opt(2026, 1, 1));
        assert_eq!(q.to, None);
    }
}
