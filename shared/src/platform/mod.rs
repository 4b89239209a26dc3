//! Cross-cutting infrastructure: settings, AWS clients, the table definition,
//! the entity layout (how an item's keys become attributes), clock, ids,
//! errors, audit log, replay guard, health and logging. Nothing here
//! imports a context or `http`.

pub mod app;
pub mod audit;
pub mod aws;
pub mod bus;
pub mod clock;
pub mod config;
pub mod ddb_metrics;
pub mod dynamo;
pub mod entity;
pub mod error;
pub mod health;
pub mod ids;
pub mod jwt;
pub mod logging;
pub mod metrics;
pub mod money;
pub mod operations;
pub mod outbound;
pub mod outbox;
pub mod queue;
pub mod rate_limit;
pub mod replay;
pub mod resources;
pub mod secrets;
pub mod table;
