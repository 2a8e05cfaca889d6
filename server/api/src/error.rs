use serde::{Deserialize, Serialize};
use ts_rs::TS;
use utoipa::ToSchema;

/// Every error the API returns: a stable snake_case `code`, a human `message`, and for
/// validation errors `details` naming the offending fields.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, TS)]
#[ts(export)]
pub struct ErrorBody {
    pub code: String,
    pub message: String,
    #[serde(default)]
    #[ts(optional, type = "Record<string, unknown>")]
    pub details: Option<serde_json::Value>,
}
