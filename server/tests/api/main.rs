//! The real server over HTTP against a real PostgreSQL.

mod accounts;
mod analytics;
mod attachments;
mod audit;
mod audit_atomic;
mod backup;
mod case_list;
mod case_refs;
mod cases;
mod embedded;
mod events;
mod fake_llm;
mod group_commit;
mod health;
mod helpers;
mod intake;
mod listing;
mod metrics;
mod openapi;
mod queue;
mod related;
mod roles;
