//! Refunds of eliminated seats: the 7-day SLA, operator actions, payouts.

pub mod domain;
pub mod payout;
pub mod service;
pub mod store;
