//! The real server over HTTP against a real PostgreSQL.

mod helpers;
mod attachments;
mod embedded;
mod health;
mod intake;
mod listing;
