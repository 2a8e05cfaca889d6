//! Keyset paging of every list (API contract: `?limit=` 1–200, default 50, and an opaque
//! `?cursor=`). A list reads `limit + 1` rows: the extra one only says whether another page
//! follows, and the last row shown becomes the cursor of the next page.

use aduan_api::page::Page;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::ApiError;

const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 200;

/// The page size asked for, checked.
pub fn limit(asked: Option<i64>) -> Result<i64, ApiError> {
    let limit = asked.unwrap_or(DEFAULT_LIMIT);
    if (1..=MAX_LIMIT).contains(&limit) {
        Ok(limit)
    } else {
        Err(ApiError::bad_request(
            "invalid_query",
            format!("`limit` must be between 1 and {MAX_LIMIT}"),
        ))
    }
}

/// A page of `rows` (read with a limit of `limit + 1`), each row's cursor by `cursor_of`.
pub fn page<T>(mut rows: Vec<T>, limit: i64, cursor_of: impl Fn(&T) -> String) -> Page<T> {
    let limit = usize::try_from(limit).unwrap_or(0);
    let next_cursor = if rows.len() > limit {
        rows.truncate(limit);
        rows.last().map(cursor_of)
    } else {
        None
    };
    Page {
        items: rows,
        next_cursor,
    }
}

/// The opaque cursor of lists ordered by (created_at, id), newest first.
pub fn encode_cursor(at: DateTime<Utc>, id: Uuid) -> String {
    hex::encode(format!("{}|{id}", at.timestamp_micros()))
}

/// The position in a cursor made by [`encode_cursor`].
pub fn decode_cursor(s: &str) -> Result<(DateTime<Utc>, Uuid), ApiError> {
    let bad = || ApiError::bad_request("invalid_query", "`cursor` is not valid");
    let raw = String::from_utf8(hex::decode(s).map_err(|_| bad())?).map_err(|_| bad())?;
    let (micros, id) = raw.split_once('|').ok_or_else(bad)?;
    let micros = micros.parse().map_err(|_| bad())?;
    let at = DateTime::from_timestamp_micros(micros).ok_or_else(bad)?;
    Ok((at, id.parse().map_err(|_| bad())?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_extra_row_only_says_another_page_follows() {
        let full = page(vec![1, 2, 3], 2, |n| n.to_string());
        assert_eq!(full.items, vec![1, 2]);
        assert_eq!(full.next_cursor.as_deref(), Some("2"));
        let last = page(vec![1, 2], 2, |n| n.to_string());
        assert_eq!((last.items.len(), last.next_cursor), (2, None));
    }

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        let at = DateTime::from_timestamp_micros(1_764_800_000_123_456).unwrap();
        let id = Uuid::now_v7();
        assert_eq!(decode_cursor(&encode_cursor(at, id)).unwrap(), (at, id));
        assert!(decode_cursor("zz").is_err());
        assert!(decode_cursor(&hex::encode("12|not-a-uuid")).is_err());
        assert!(limit(Some(0)).is_err() && limit(Some(201)).is_err());
        assert_eq!(limit(None).unwrap(), 50);
    }
}
