//! Everything but the Lambda entry points.
//!
//! One folder per bounded context (`program`, `seats`, ...), each split into
//! `domain` (pure rules, no I/O), `store` (DynamoDB access) and `service`
//! (use cases). `platform` and `http` hold the cross-cutting pieces. Nothing
//! imports "upwards": domain never sees AWS types, store never sees HTTP.

pub mod http;
pub mod platform;
pub mod cycle;
pub mod dunning;
pub mod payments;
pub mod program;
pub mod refunds;
pub mod seats;
pub mod webhooks;

pub use platform::app::App;
pub use platform::error::AppError;
