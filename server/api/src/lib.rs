//! Request, response and event types shared by the Aduan server and the desktop app.
//!
//! Everything here is plain data: serde for the wire, `utoipa` for the server's OpenAPI
//! document and `ts-rs` for the TypeScript the UI imports, so the three never drift apart.

pub mod account;
pub mod analytics;
pub mod capacity;
pub mod case;
pub mod complaint;
pub mod desktop;
pub mod enrichment;
pub mod error;
pub mod event;
pub mod page;
pub mod portal;
pub mod processing;
pub mod second_factor;
pub mod taxonomy;
