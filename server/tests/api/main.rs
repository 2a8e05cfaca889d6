//! The real server over HTTP against a real PostgreSQL.

mod attachments;
mod embedded;
mod events;
mod fake_llm;
mod health;
mod helpers;
mod intake;
mod listing;
mod queue;
