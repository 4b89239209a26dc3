//! Paddle subscription memberships: a customer's membership as the latest
//! subscription event left it. Fed by `webhooks`, read by `dunning`.

pub mod domain;
pub mod service;
pub mod store;
