//! The audit trail's defences beyond its tables (those are in `db::audit`): the key its
//! chain is sealed with, the anchors of its head written outside the database, and the
//! verification that compares all three.
//!
//! The database role the server runs as may only insert and read the audit tables
//! (`db::roles`). Whoever gets more (the schema's owner, a superuser, the files) could still
//! rewrite entries and seals, so the chain is keyed with a secret kept outside the database
//! ([`key`]), and its head is written every half minute where the database cannot reach it
//! ([`anchor`]): rewriting the chain without the key breaks the seals, rewriting it with the
//! key or deleting the newest entries disagrees with the anchors.

pub mod anchor;
pub mod chain;
pub mod key;
pub mod verify;

pub use key::AuditKey;
