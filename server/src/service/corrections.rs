//! Officer corrections to a complaint's enrichment, kept beside the machine result (which is
//! never changed) with who and when. A correction names the version of the enrichment it
//! was made on, so two officers correcting at once cannot lose one change.

use aduan_api::account::AuditAction;
use aduan_api::complaint::EnrichmentCorrection;
use aduan_api::enrichment::Enrichment;
use serde_json::{Map, Value};
use uuid::Uuid;

use super::{Caller, Error, Result, Services};
use crate::db::{audit, complaints, enrichments};
use crate::domain::FieldError;
use crate::enrich::validate;
use crate::queue::jobs::complaint_text;

impl Services {
    /// Lay `correction` over the current corrections of complaint `id`, whose enrichment the
    /// caller saw at version `expected`. The corrected result must pass the same validation
    /// as a machine result (codes from the taxonomy, sections of their Act, quotes from the
    /// text). Fields left out (or null) are not corrected.
    pub async fn correct_enrichment(
        &self,
        caller: &Caller<'_>,
        id: Uuid,
        expected: i64,
        correction: EnrichmentCorrection,
    ) -> Result<()> {
        let mut new = match serde_json::to_value(&correction).expect("corrections serialise") {
            Value::Object(m) => m,
            _ => Map::new(),
        };
        new.retain(|_, v| !v.is_null());
        if new.is_empty() {
            return Err(Error::invalid("body", "names no field to correct"));
        }
        let mut tx = self.pool.begin().await?;
        let Some(current) = enrichments::lock(&mut tx, id).await? else {
            return Err(match complaints::owner(&self.pool, id).await? {
                Some(_) => Error::conflict(
                    "not_enriched",
                    "This complaint has not been analysed yet; it can be corrected once it is.",
                ),
                None => Error::NotFound("complaint"),
            });
        };
        if current.version != expected {
            return Err(Error::Stale {
                what: "analysis",
                current: current.version,
                sent: expected,
            });
        }
        let mut merged = match current.corrections {
            Some(Value::Object(m)) => m,
            _ => Map::new(),
        };
        merged.extend(new.clone());
        let text = complaint_text(
            &current.description,
            current.location.as_deref(),
            current.subject_agency.as_deref(),
        );
        check(&current.result, &merged, &text)?;
        enrichments::save_corrections(&mut tx, id, &Value::Object(merged), caller.user.id).await?;
        let fields: Vec<&String> = new.keys().collect();
        let details = serde_json::json!({ "fields": fields, "note": correction.note });
        let target = Some(("complaint", id.to_string()));
        let action = AuditAction::EnrichmentCorrect;
        audit::record(&mut *tx, &caller.actor, action, target, Some(details)).await?;
        tx.commit().await?;
        self.events.changed();
        Ok(())
    }
}

/// The machine result with the corrections laid over it must be a valid enrichment.
fn check(result: &Value, corrections: &Map<String, Value>, text: &str) -> Result<()> {
    let mut effective = result.clone();
    if let Value::Object(m) = &mut effective {
        for (k, v) in corrections.iter().filter(|(k, _)| k.as_str() != "note") {
            m.insert(k.clone(), v.clone());
        }
    }
    let mut enrichment: Enrichment =
        serde_json::from_value(effective).map_err(|e| Error::invalid("body", e.to_string()))?;
    validate::normalize(&mut enrichment);
    let errors: Vec<FieldError> = validate::validate(&enrichment, text)
        .into_iter()
        .map(|e| FieldError::new(e.path, e.message))
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Error::Invalid(errors))
    }
}
