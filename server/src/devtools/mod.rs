//! Tools for demonstrations, development and load tests, kept apart from the production
//! paths: the `--demo` seed (demo accounts and sample complaints) and `llm-sim`, an
//! OpenAI-compatible simulator. Neither runs unless asked for by its flag or sub-command.

pub mod demo;
pub mod llm_sim;
