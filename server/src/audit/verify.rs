//! Walking the chain: every seal against its entry and the key, then the stored seals
//! against the anchors written outside the database.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sqlx::PgPool;

use super::anchor::Anchor;
use super::{chain, AuditKey};
use crate::db::audit::{self, Link};

/// What kind of tampering was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    /// An entry's content no longer matches its seal.
    Altered,
    /// Seals were rewritten to match changed entries (with or without the key): they
    /// disagree with the key or with an anchor.
    Recomputed,
    /// An entry or a seal inside the chain is gone.
    Deleted,
    /// The newest entries and their seals are gone: the chain is shorter than anchored.
    DeletedNewest,
    /// An entry was added past the log's own writes.
    Inserted,
    /// An anchor is not signed with this installation's key.
    ForgedAnchor,
}

impl Problem {
    pub fn as_str(self) -> &'static str {
        match self {
            Problem::Altered => "altered entry",
            Problem::Recomputed => "recomputed chain",
            Problem::Deleted => "deleted entry",
            Problem::DeletedNewest => "deleted newest entries",
            Problem::Inserted => "inserted entry",
            Problem::ForgedAnchor => "forged anchor",
        }
    }
}

/// The result of a verification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Intact {
        sealed: i64,
        unsealed: i64,
        /// The newest anchor compared, if any: position and time.
        anchored: Option<(i64, DateTime<Utc>)>,
    },
    Broken {
        /// The chain position where it shows.
        seq: i64,
        /// The entry concerned, when there is one.
        id: Option<i64>,
        problem: Problem,
        reason: String,
    },
}

fn broken(seq: i64, id: Option<i64>, problem: Problem, reason: String) -> Verdict {
    Verdict::Broken {
        seq,
        id,
        problem,
        reason,
    }
}

/// Verify the chain in `pool` with `key` against `anchors`.
pub async fn verify(pool: &PgPool, key: &AuditKey, anchors: &[Anchor]) -> anyhow::Result<Verdict> {
    if let Some(a) = anchors.iter().find(|a| !a.is_signed_by(key)) {
        return Ok(broken(
            a.seq,
            None,
            Problem::ForgedAnchor,
            format!(
                "the anchor of {} for position {} is not signed with this installation's \
                 audit key: the anchors were tampered with, or the key is not this \
                 installation's",
                a.at, a.seq
            ),
        ));
    }
    // The newest anchor of each position.
    let mut anchored: BTreeMap<i64, &Anchor> = BTreeMap::new();
    for a in anchors {
        anchored
            .entry(a.seq)
            .and_modify(|e| {
                if a.at > e.at {
                    *e = a
                }
            })
            .or_insert(a);
    }
    let positions: Vec<i64> = anchored.keys().copied().collect();
    let stored: BTreeMap<i64, String> = audit::seals_at(pool, &positions)
        .await?
        .into_iter()
        .collect();
    // Anchored positions whose stored seal is not the anchored one: rewritten seals.
    let disagreeing: Vec<&Anchor> = anchored
        .values()
        .filter(|a| stored.get(&a.seq).is_some_and(|h| *h != a.hash))
        .copied()
        .collect();

    let mut walk = Walk::default();
    let mut after = 0i64;
    loop {
        let links = audit::links_after(pool, after, 10_000).await?;
        let Some(last) = links.last() else { break };
        after = last.seq;
        for link in &links {
            if let Some(v) = walk.step(key, link, &disagreeing) {
                return Ok(v);
            }
        }
    }
    if let Some(a) = disagreeing.first() {
        return Ok(broken(
            a.seq,
            None,
            Problem::Recomputed,
            format!(
                "the chain was recomputed with the audit key: position {}'s seal is not the \
                 one anchored at {} (the key must be taken as compromised)",
                a.seq, a.at
            ),
        ));
    }
    if let Some(a) = anchored.values().next_back().filter(|a| a.seq > walk.seq) {
        return Ok(broken(
            walk.seq + 1,
            None,
            Problem::DeletedNewest,
            format!(
                "the newest entries were deleted: the chain ends at position {}, but it \
                 reached position {} at {} (anchor)",
                walk.seq, a.seq, a.at
            ),
        ));
    }
    if let Some(id) = audit::first_stray(pool).await? {
        return Ok(broken(
            walk.seq + 1,
            Some(id),
            Problem::Inserted,
            "an entry was added outside the log's own writes".into(),
        ));
    }
    Ok(Verdict::Intact {
        sealed: walk.seq,
        unsealed: audit::pending_count(pool).await?,
        anchored: anchored.values().next_back().map(|a| (a.seq, a.at)),
    })
}

/// The walk's state: the position and seal reached, and whether keyed seals began.
#[derive(Default)]
struct Walk {
    seq: i64,
    prev: String,
    keyed_seen: bool,
}

impl Walk {
    /// Check the next link; a verdict when it is broken.
    fn step(&mut self, key: &AuditKey, link: &Link, disagreeing: &[&Anchor]) -> Option<Verdict> {
        let expected = self.seq + 1;
        let id = Some(link.audit_id);
        if link.seq != expected {
            return Some(broken(
                expected,
                None,
                Problem::Deleted,
                "a seal is missing (deleted)".into(),
            ));
        }
        let Some(row) = &link.row else {
            return Some(broken(
                expected,
                id,
                Problem::Deleted,
                "a sealed entry is missing (deleted)".into(),
            ));
        };
        // Seals rewritten from here on show in an anchor at this position or later.
        let rewritten = disagreeing.iter().find(|a| a.seq >= expected);
        let recomputed = |why: &str| {
            let anchor = rewritten
                .map(|a| {
                    format!(
                        "; position {}'s seal differs from its anchor of {}",
                        a.seq, a.at
                    )
                })
                .unwrap_or_default();
            Some(broken(
                expected,
                id,
                Problem::Recomputed,
                format!("the chain was recomputed from here: {why}{anchor}"),
            ))
        };
        if link.prev_hash != self.prev {
            return recomputed("the link to the previous seal does not match");
        }
        if link.keyed {
            self.keyed_seen = true;
            if chain::keyed(key, &self.prev, link.seq, row) != link.hash {
                if chain::unkeyed(&self.prev, link.seq, row) == link.hash || rewritten.is_some() {
                    return recomputed("the seal was not made with the audit key");
                }
                return Some(broken(
                    expected,
                    id,
                    Problem::Altered,
                    "the entry's content was altered".into(),
                ));
            }
        } else if self.keyed_seen {
            return recomputed("an unkeyed seal follows keyed ones");
        } else if chain::unkeyed(&self.prev, link.seq, row) != link.hash {
            let problem = if rewritten.is_some() {
                Problem::Recomputed
            } else {
                Problem::Altered
            };
            return Some(broken(
                expected,
                id,
                problem,
                "the entry's content was altered".into(),
            ));
        }
        self.seq = link.seq;
        self.prev.clone_from(&link.hash);
        None
    }
}
