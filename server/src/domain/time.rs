//! Malaysian time. Complaints are received, dated and counted in Malaysia: UTC+8 all year
//! (no daylight saving), so a fixed offset is exact. SQL that needs the same day boundaries
//! is given [`OFFSET_HOURS`] or [`SQL_TIME_ZONE`] as a parameter, never its own constant.

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};

/// Hours Malaysia is ahead of UTC.
pub const OFFSET_HOURS: i32 = 8;
/// The same zone by its name, for PostgreSQL's `AT TIME ZONE`.
pub const SQL_TIME_ZONE: &str = "Asia/Kuala_Lumpur";

pub fn offset() -> FixedOffset {
    FixedOffset::east_opt(OFFSET_HOURS * 3600).expect("a valid offset")
}

/// The Malaysian date of an instant.
pub fn date_of(t: DateTime<Utc>) -> NaiveDate {
    t.with_timezone(&offset()).date_naive()
}

/// Today in Malaysia.
pub fn today() -> NaiveDate {
    date_of(Utc::now())
}

/// The instant a Malaysian day starts.
pub fn day_start(day: NaiveDate) -> DateTime<Utc> {
    let midnight = day.and_hms_opt(0, 0, 0).expect("midnight exists");
    midnight.and_utc() - chrono::Duration::hours(OFFSET_HOURS.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malaysian_days_start_at_sixteen_hundred_utc() {
        let day = NaiveDate::from_ymd_opt(2026, 12, 4).unwrap();
        assert_eq!(day_start(day).to_rfc3339(), "2026-12-03T16:00:00+00:00");
        assert_eq!(date_of(day_start(day)), day);
        let just_before = day_start(day) - chrono::Duration::seconds(1);
        assert_eq!(date_of(just_before), day.pred_opt().unwrap());
    }
}
