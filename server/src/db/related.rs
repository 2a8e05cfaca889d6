//! Complaints related to a complaint: those sharing named people, agencies, amounts or
//! places in their (corrected) enrichment, or written in similar words. Each shared thing
//! adds its kind's weight, scaled down when many complaints share it (a common value says
//! little); similar wording adds up to [`TEXT_WEIGHT`] by the Jaccard overlap of the two
//! complaints' search lexemes. The reasons are returned with the score so an officer can
//! judge the link.

use std::collections::{BTreeSet, HashMap};

use aduan_api::case::{CaseRef, RelatedComplaint, RelatedKind, RelatedReason};
use sqlx::PgConnection;
use uuid::Uuid;

/// At most this many related complaints.
pub const LIMIT: usize = 10;
/// Weight of similar wording at full overlap.
pub const TEXT_WEIGHT: f64 = 3.0;
/// Overlap below this is not counted as similar wording.
const MIN_OVERLAP: f64 = 0.1;
/// Complaints whose wording is compared (the best full-text matches).
const TEXT_CANDIDATES: i64 = 30;
/// Longest lexemes of the complaint used to find those candidates.
const QUERY_TERMS: usize = 24;
/// A value shared by more complaints than this is too common to suggest a link.
const MAX_SHARED: i64 = 500;
/// Terms in more than this share of complaints (by the planner's statistics) are not
/// searched for: nearly every complaint would match and all of them would be ranked.
const COMMON_TERM: f32 = 0.05;

/// The weight of one shared value of this kind, before rarity.
pub fn weight(kind: RelatedKind) -> f64 {
    match kind {
        RelatedKind::Person => 3.0,
        RelatedKind::Agency => 2.0,
        RelatedKind::Amount => 2.0,
        RelatedKind::Place => 1.5,
        RelatedKind::State => 0.5,
        RelatedKind::Text => TEXT_WEIGHT,
    }
}

fn kind_of(s: &str) -> Option<RelatedKind> {
    Some(match s {
        "person" => RelatedKind::Person,
        "agency" => RelatedKind::Agency,
        "amount" => RelatedKind::Amount,
        "place" => RelatedKind::Place,
        "state" => RelatedKind::State,
        _ => return None,
    })
}

/// How many marked complaints a lookup indexes before reading (normally the few enriched
/// in the last second; more only while a burst is being drained).
const LOOKUP_INDEX_BATCH: i32 = 5_000;

/// Index up to `batch` complaints whose enrichment changed (see the migration
/// `features_in_background`); returns how many were indexed.
pub async fn index_features<'e>(
    db: impl sqlx::PgExecutor<'e>,
    batch: i32,
) -> Result<i32, sqlx::Error> {
    sqlx::query_scalar("SELECT complaint_features_index($1)")
        .bind(batch)
        .fetch_one(db)
        .await
}

/// Related complaints, best first; `None` if the complaint does not exist.
pub async fn related(
    db: &mut PgConnection,
    id: Uuid,
) -> Result<Option<Vec<RelatedComplaint>>, sqlx::Error> {
    let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM complaints WHERE id = $1)")
        .bind(id)
        .fetch_one(&mut *db)
        .await?;
    if !exists {
        return Ok(None);
    }
    // Features of recently enriched complaints may still wait for the background indexer.
    index_features(&mut *db, LOOKUP_INDEX_BATCH).await?;
    let mut reasons: HashMap<Uuid, Vec<RelatedReason>> = HashMap::new();
    for (other, reason) in shared_features(db, id).await? {
        reasons.entry(other).or_default().push(reason);
    }
    for (other, reason) in similar_text(db, id).await? {
        reasons.entry(other).or_default().push(reason);
    }
    let mut ranked: Vec<(Uuid, f64, Vec<RelatedReason>)> = reasons
        .into_iter()
        .map(|(other, mut rs)| {
            rs.sort_by(|a, b| b.weight.total_cmp(&a.weight));
            let score = rs.iter().map(|r| r.weight).sum::<f64>();
            (other, round(score), rs)
        })
        .collect();
    // Ties broken by id so the order is stable between calls.
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    ranked.truncate(LIMIT);
    let ids: Vec<Uuid> = ranked.iter().map(|r| r.0).collect();
    let mut summaries: HashMap<Uuid, _> = super::cases::complaint_summaries(db, &ids)
        .await?
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    let cases: HashMap<Uuid, CaseRef> = super::case_writes::cases_of(db, &ids)
        .await?
        .into_iter()
        .map(|(complaint, id, reference)| (complaint, CaseRef { id, reference }))
        .collect();
    Ok(Some(
        ranked
            .into_iter()
            .filter_map(|(other, score, reasons)| {
                Some(RelatedComplaint {
                    complaint: summaries.remove(&other)?,
                    score,
                    reasons,
                    case: cases.get(&other).cloned(),
                })
            })
            .collect(),
    ))
}

fn round(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

/// Values this complaint shares with others, weighted by kind and rarity: a value only
/// the two share counts fully, one shared by `n` complaints `1/log2(n)` of that. Each of
/// the complaint's `kind:value` keys is counted through the GIN index, stopping past
/// [`MAX_SHARED`] so a value nearly every complaint has (a state) costs no more than a
/// rare one; only the complaints holding a key that is rare enough are then read. `df` is
/// materialised so each count runs once, not again for every row it is joined to.
async fn shared_features(
    db: &mut PgConnection,
    id: Uuid,
) -> Result<Vec<(Uuid, RelatedReason)>, sqlx::Error> {
    let rows: Vec<(Uuid, String, i64)> = sqlx::query_as(
        "WITH mine AS (
             SELECT k FROM complaint_features, unnest(keys) k WHERE complaint_id = $1
         ),
         df AS MATERIALIZED (
             SELECT m.k, (SELECT count(*) FROM (
                 SELECT 1 FROM complaint_features d WHERE d.keys @> ARRAY[m.k] LIMIT $2 + 1
             ) s) AS n
             FROM mine m
         )
         SELECT o.complaint_id, df.k, df.n
         FROM df JOIN complaint_features o ON o.keys @> ARRAY[df.k]
         WHERE df.n BETWEEN 2 AND $2 AND o.complaint_id <> $1",
    )
    .bind(id)
    .bind(MAX_SHARED)
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(other, key, n)| {
            let (kind, value) = key.split_once(':')?;
            let kind = kind_of(kind)?;
            let rarity = 1.0 / (n.max(2) as f64).log2();
            let weight = round(weight(kind) * rarity);
            Some((
                other,
                RelatedReason {
                    kind,
                    value: value.to_string(),
                    weight,
                },
            ))
        })
        .collect())
}

/// Complaints worded like this one: the best full-text matches on its longest terms,
/// scored by the overlap of all their terms that are not common to most complaints.
async fn similar_text(
    db: &mut PgConnection,
    id: Uuid,
) -> Result<Vec<(Uuid, RelatedReason)>, sqlx::Error> {
    let mine: Option<Vec<String>> = sqlx::query_scalar(
        "SELECT tsvector_to_array(search) FROM complaint_search WHERE complaint_id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *db)
    .await?;
    // Words nearly every complaint uses say nothing about two complaints being alike.
    let common = common_terms(db).await?;
    let mine = terms(mine.unwrap_or_default(), &common);
    let mut query: Vec<&String> = mine.iter().filter(|t| t.chars().count() >= 4).collect();
    query.sort_by_key(|t| std::cmp::Reverse(t.chars().count()));
    query.truncate(QUERY_TERMS);
    if query.is_empty() {
        return Ok(Vec::new());
    }
    let candidates: Vec<(Uuid, Vec<String>)> = sqlx::query_as(
        "WITH q AS (
             SELECT string_agg(quote_literal(t), ' | ')::tsquery AS q FROM unnest($2::text[]) t
         )
         SELECT s.complaint_id, tsvector_to_array(s.search)
         FROM complaint_search s, q
         WHERE s.search @@ q.q AND s.complaint_id <> $1
         ORDER BY ts_rank(s.search, q.q) DESC, s.complaint_id LIMIT $3",
    )
    .bind(id)
    .bind(&query)
    .bind(TEXT_CANDIDATES)
    .fetch_all(db)
    .await?;
    Ok(candidates
        .into_iter()
        .filter_map(|(other, theirs)| {
            let theirs = terms(theirs, &common);
            let shared: Vec<&String> = mine.intersection(&theirs).collect();
            let overlap = shared.len() as f64 / mine.union(&theirs).count().max(1) as f64;
            (overlap >= MIN_OVERLAP).then(|| {
                let mut sample = shared.clone();
                sample.sort_by_key(|t| std::cmp::Reverse(t.chars().count()));
                sample.truncate(6);
                let value = sample.into_iter().cloned().collect::<Vec<_>>().join(", ");
                let weight = round(TEXT_WEIGHT * overlap);
                (
                    other,
                    RelatedReason {
                        kind: RelatedKind::Text,
                        value,
                        weight,
                    },
                )
            })
        })
        .collect())
}

/// The most common search terms as ANALYZE last counted them (none before the first).
async fn common_terms(db: &mut PgConnection) -> Result<BTreeSet<String>, sqlx::Error> {
    let rows: Vec<String> = sqlx::query_scalar(
        "SELECT x.e FROM pg_stats s,
             unnest(s.most_common_elems::text::text[], s.most_common_elem_freqs) AS x(e, f)
         WHERE s.schemaname = current_schema() AND s.tablename = 'complaint_search'
           AND s.attname = 'search' AND x.e IS NOT NULL AND x.f > $1",
    )
    .bind(COMMON_TERM)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().collect())
}

/// Search lexemes worth comparing: three letters or more, not bare numbers, not common.
fn terms(lexemes: Vec<String>, common: &BTreeSet<String>) -> BTreeSet<String> {
    lexemes
        .into_iter()
        .filter(|t| t.chars().count() >= 3 && !t.chars().all(|c| c.is_ascii_digit()))
        .filter(|t| !common.contains(t))
        .collect()
}
