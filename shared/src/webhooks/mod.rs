//! Paddle Billing webhooks: verified at the door, recorded once, queued,
//! applied idempotently by a worker.

pub mod domain;
pub mod service;
pub mod store;
