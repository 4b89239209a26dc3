//! Settlements (the spec's `Settlement`): monthly, quarterly or annual
//! netting of a partnership's revenue shares, a 7-day review, disputes and
//! their resolution, processing and payment, statements.

pub mod anomalies;
pub mod balances;
pub mod domain;
pub mod payout;
pub mod service;
pub mod store;
pub mod what_if;
