//! Everything but the Lambda entry points.
//!
//! Layers, each importing only from the ones before it (checked by
//! `tests/tests/it/layering.rs` in `make test`):
//!
//! 1. `platform`: settings, AWS clients, the table, the entity layout,
//!    audit log, clock, ids, errors. Imports no context and no `http`.
//! 2. One folder per bounded context (`program`, `seats`, `cycle`, ...),
//!    each split into `domain` (pure rules and types, no I/O), `store`
//!    (DynamoDB access: the one owner of its entities' keys, items,
//!    conditions and audit subjects) and `service` (use cases). A context
//!    may call another context's service or store, never in a circle, and
//!    never sees a `lambda_http` type.
//! 3. `http`: request parsing, authentication, responses.
//!
//! The `functions` crate sits on top: handlers parse, authorize, call one
//! service and map the result; they never reach a store or the table.

pub mod http;
pub mod platform;

pub mod business_webhooks;
pub mod businesses;
pub mod commissions;
pub mod cycle;
pub mod dunning;
pub mod loyalty;
pub mod members;
pub mod memberships;
pub mod notifications;
pub mod partner_transactions;
pub mod partnerships;
pub mod payments;
pub mod program;
pub mod refunds;
pub mod seats;
pub mod settlements;
pub mod webhooks;

pub use platform::app::App;
pub use platform::error::AppError;
