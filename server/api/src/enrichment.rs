//! The enrichment result: 5W1H, classification, sector, Acts and sections, amounts and
//! evidence quotes (see `shared/DOMAIN.md`, "Enrichment result").
//!
//! Codes are plain strings on the wire; their allowed values live in
//! [`crate::taxonomy`] alone, which the server turns into JSON-schema enums for the LLM
//! and checks again after every call. Field docs become schema descriptions the LLM reads.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use utoipa::ToSchema;

/// One complaint's structured enrichment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema, JsonSchema)]
#[ts(export)]
pub struct Enrichment {
    /// One or two sentences, in the complaint's language.
    pub summary: String,
    /// Language of the complaint: `ms`, `en` or `mixed`.
    pub language: String,
    /// Who, what, when, where, why and how.
    pub five_w1h: FiveW1H,
    /// Category and whether it is a corruption matter.
    pub classification: Classification,
    /// Sector, area and agency concerned.
    pub sector: SectorInfo,
    /// Acts and sections that may apply, most likely first. Empty if not corruption.
    pub legal: Vec<LegalRef>,
    /// Sums of money mentioned.
    pub amounts: Vec<Amount>,
    /// Short exact substrings of the complaint that support the above.
    pub evidence_quotes: Vec<String>,
}

/// Who, what, when, where, why and how.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema, JsonSchema)]
#[ts(export)]
pub struct FiveW1H {
    /// People and organisations involved.
    pub who: Vec<Person>,
    /// The alleged act.
    pub what: String,
    /// When it happened.
    pub when: When,
    /// Where it happened.
    #[serde(rename = "where")]
    #[ts(rename = "where")]
    pub place: Place,
    /// Motive: what the gratification was for. Null if not stated.
    pub why: Option<String>,
    /// Modus operandi: cash, transfer, gifts, inflated invoices... Null if not stated.
    pub how: Option<String>,
}

/// A person or organisation named or described in the complaint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema, JsonSchema)]
#[ts(export)]
pub struct Person {
    /// Name as written, or a description if unnamed (e.g. "pegawai JPJ").
    pub name: String,
    /// `suspect`, `victim`, `witness`, `complainant` or `organisation`.
    pub role: String,
    /// Employer or organisation, if known.
    pub organisation: Option<String>,
}

/// When the alleged act happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema, JsonSchema)]
#[ts(export)]
pub struct When {
    /// The time as written in the complaint, null if none.
    pub text: Option<String>,
    /// The date as YYYY-MM-DD, null if it cannot be resolved to a day.
    pub date: Option<String>,
}

/// Where the alleged act happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema, JsonSchema)]
#[ts(export)]
pub struct Place {
    /// The place as written in the complaint, null if none.
    pub text: Option<String>,
    /// One of the 16 Malaysian states / federal territories, null if unknown.
    pub state: Option<String>,
}

/// The complaint's category.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema, JsonSchema)]
#[ts(export)]
pub struct Classification {
    /// A category code from the taxonomy.
    pub category: String,
    /// Whether the complaint alleges corruption at all.
    pub corruption_related: bool,
    /// 0.0 to 1.0: how sure the classification is.
    pub confidence: f64,
    /// Why this category, in a sentence.
    pub rationale: String,
}

/// Sector, area and agency.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema, JsonSchema)]
#[ts(export)]
pub struct SectorInfo {
    /// A sector code from the taxonomy.
    pub sector: String,
    /// An area code from the taxonomy.
    pub area: String,
    /// The named agency, council, ministry or company, null if none.
    pub agency: Option<String>,
}

/// An Act and section that may apply.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema, JsonSchema)]
#[ts(export)]
pub struct LegalRef {
    /// An Act code from the taxonomy.
    pub act: String,
    /// A section of that Act, e.g. "16(a)", "17A", "409", "4(1)".
    pub section: String,
    /// 0.0 to 1.0.
    pub confidence: f64,
}

/// A sum of money mentioned in the complaint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, ToSchema, JsonSchema)]
#[ts(export)]
pub struct Amount {
    /// ISO 4217 code, e.g. "MYR".
    pub currency: String,
    /// The value in units of the currency (RM2 juta = 2000000).
    pub value: f64,
    /// The amount as written.
    pub text: String,
}
