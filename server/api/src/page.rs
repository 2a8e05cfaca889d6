use serde::{Deserialize, Serialize};
use ts_rs::TS;
use utoipa::ToSchema;

/// One page of a keyset-paginated list, newest first. Pass `next_cursor` back as
/// `?cursor=` to get the next page; `null` means this was the last one.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, TS)]
#[ts(export)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}
