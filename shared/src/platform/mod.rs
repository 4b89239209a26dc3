//! Cross-cutting infrastructure: settings, AWS clients, the table definition,
//! keys, clock, ids, errors, audit log and logging.

pub mod app;
pub mod audit;
pub mod aws;
pub mod bus;
pub mod clock;
pub mod config;
pub mod ddb_metrics;
pub mod dynamo;
pub mod error;
pub mod ids;
pub mod keys;
pub mod logging;
pub mod queue;
pub mod resources;
pub mod table;
