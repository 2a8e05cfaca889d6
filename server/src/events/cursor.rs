//! Where a reader of the event log stands. Event ids come from a sequence, so they commit
//! out of order: a reader that has read id 120 may not yet have seen 117, whose transaction
//! is still open. A position is therefore the highest id read plus the ids below it that
//! were skipped and may still turn up. The instance's tail keeps one; so does every event
//! stream, and each event it sends carries the stream's position in its SSE id, so a client
//! resuming on any instance asks for what lies above the highest id and for the skipped ids,
//! and a late commit is neither lost nor sent twice.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How long a skipped id may still turn up (a slow commit) before it is taken for a
/// rolled-back insert.
pub const GAP_PATIENCE: Duration = Duration::from_secs(10);
/// Most skipped ids remembered, the newest: in-flight transactions hold ids near the head,
/// so a jump wider than this (pruned history, a sequence moved on) is not a set of gaps.
const MAX_GAPS: i64 = 10_000;
/// Most skipped ids an SSE id carries: the newest, as open transactions hold the newest ids.
const MAX_CURSOR_GAPS: usize = 100;
/// Longest `Last-Event-ID` read: a cursor with its most gaps fits easily.
const MAX_CURSOR_LEN: usize = 4_096;

/// A position as it travels: the highest id read, and the skipped ids below it, ascending.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cursor {
    pub high: i64,
    pub gaps: Arc<[i64]>,
}

impl Cursor {
    /// The SSE id of event `id` sent at this position: `id` alone when that says it all (it
    /// is the highest id, nothing skipped), else `id~high`, and then `~` and the skipped ids
    /// as distances below `high`, joined by `.` (`120~125~3.8` skipped 122 and 117).
    pub fn sse_id(&self, id: i64) -> String {
        if self.high == id && self.gaps.is_empty() {
            return id.to_string();
        }
        let mut out = format!("{id}~{}", self.high);
        for (i, gap) in self.gaps.iter().rev().enumerate() {
            out.push(if i == 0 { '~' } else { '.' });
            let _ = write!(out, "{}", self.high - gap);
        }
        out
    }

    /// The position an SSE id names (a bare number: everything up to it was read). `None`
    /// for anything else, which the stream treats as no `Last-Event-ID` at all.
    pub fn parse(s: &str) -> Option<Cursor> {
        let s = s.trim();
        if s.len() > MAX_CURSOR_LEN {
            return None;
        }
        let mut parts = s.split('~');
        let id: i64 = parts.next()?.parse().ok()?;
        let high: i64 = match parts.next() {
            Some(h) => h.parse().ok()?,
            None => id,
        };
        let mut gaps = Vec::new();
        if let Some(list) = parts.next() {
            for d in list.split('.').take(MAX_CURSOR_GAPS) {
                let d: i64 = d.parse().ok()?;
                if d <= 0 || d >= high {
                    return None;
                }
                gaps.push(high - d);
            }
        }
        if parts.next().is_some() || id <= 0 || id > high {
            return None;
        }
        gaps.sort_unstable();
        gaps.dedup();
        Some(Cursor {
            high,
            gaps: gaps.into(),
        })
    }
}

/// A position being advanced as ids are read, with when each skipped id was first missed.
#[derive(Debug, Default)]
pub struct Frontier {
    high: i64,
    gaps: BTreeMap<i64, Instant>,
}

impl Frontier {
    /// Start at `cursor`; its skipped ids get the full patience from `now`.
    pub fn at(cursor: &Cursor, now: Instant) -> Self {
        Frontier {
            high: cursor.high,
            gaps: cursor.gaps.iter().map(|&g| (g, now)).collect(),
        }
    }

    pub fn high(&self) -> i64 {
        self.high
    }

    /// The skipped ids still awaited.
    pub fn gap_ids(&self) -> Vec<i64> {
        self.gaps.keys().copied().collect()
    }

    /// Give up on ids skipped longer than [`GAP_PATIENCE`] ago.
    pub fn expire(&mut self, now: Instant) {
        if self
            .gaps
            .values()
            .any(|seen| now.duration_since(*seen) >= GAP_PATIENCE)
        {
            self.gaps
                .retain(|_, seen| now.duration_since(*seen) < GAP_PATIENCE);
        }
    }

    /// `id` was read. Returns whether it is news: above the highest id (the ids jumped over
    /// become skipped ones) or a skipped id turning up; an id already read returns false.
    pub fn advance(&mut self, id: i64, now: Instant) -> bool {
        if id > self.high {
            let room = MAX_GAPS - self.gaps.len() as i64;
            let from = (self.high + 1).max(id - room);
            for missing in from..id {
                self.gaps.insert(missing, now);
            }
            self.high = id;
            true
        } else {
            self.gaps.remove(&id).is_some()
        }
    }

    /// The position to hand on: the newest skipped ids, at most [`MAX_CURSOR_GAPS`].
    pub fn cursor(&self) -> Cursor {
        let mut gaps: Vec<i64> = self
            .gaps
            .keys()
            .rev()
            .take(MAX_CURSOR_GAPS)
            .copied()
            .collect();
        gaps.reverse();
        Cursor {
            high: self.high,
            gaps: gaps.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sse_ids_round_trip_and_a_bare_number_is_a_position_with_nothing_skipped() {
        let now = Instant::now();
        let start = Cursor {
            high: 99,
            gaps: Arc::new([]),
        };
        let mut f = Frontier::at(&start, now);
        for id in [100, 101, 103, 106] {
            assert!(f.advance(id, now));
        }
        let c = f.cursor();
        assert_eq!((c.high, &c.gaps[..]), (106, &[102, 104, 105][..]));
        assert_eq!(c.sse_id(106), "106~106~1.2.4");
        assert_eq!(Cursor::parse(&c.sse_id(106)), Some(c.clone()));
        assert_eq!(Cursor::parse(&c.sse_id(101)), Some(c));
        assert_eq!(
            Cursor::parse(" 42 "),
            Some(Cursor {
                high: 42,
                gaps: Arc::new([])
            })
        );
        assert_eq!(Cursor::parse("42~42").unwrap().sse_id(42), "42");
    }

    #[test]
    fn malformed_or_oversized_sse_ids_are_no_position() {
        for bad in [
            "",
            "x",
            "5~4",
            "0",
            "-3",
            "5~9~0",
            "5~9~9",
            "5~9~1.x",
            "5~9~1~2",
            "5~~1",
            &"1~9~1.".repeat(2_000),
        ] {
            assert_eq!(Cursor::parse(bad), None, "{bad:?}");
        }
        let many: Vec<String> = (1..500).map(|d| d.to_string()).collect();
        let c = Cursor::parse(&format!("1000~1000~{}", many.join("."))).unwrap();
        assert_eq!(c.gaps.len(), MAX_CURSOR_GAPS);
    }

    #[test]
    fn skipped_ids_are_news_once_then_forgotten_after_the_patience() {
        let now = Instant::now();
        let mut f = Frontier::at(
            &Cursor {
                high: 10,
                gaps: Arc::new([7]),
            },
            now,
        );
        assert!(!f.advance(9, now), "read before");
        assert!(f.advance(7, now), "a skipped id turning up");
        assert!(!f.advance(7, now), "but only once");
        assert!(f.advance(13, now));
        assert_eq!(f.gap_ids(), vec![11, 12]);
        f.expire(now + GAP_PATIENCE);
        assert!(f.gap_ids().is_empty());
        assert!(!f.advance(12, now), "given up on: taken as rolled back");
        // A jump over pruned history does not make millions of gaps.
        f.advance(5_000_000, now);
        assert_eq!(f.gap_ids().len(), MAX_GAPS as usize);
        assert_eq!(f.cursor().gaps.len(), MAX_CURSOR_GAPS);
        assert_eq!(*f.cursor().gaps.last().unwrap(), 4_999_999);
    }
}
