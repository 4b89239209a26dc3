//! Points programs (the spec's "my points accumulate in one place"): each
//! business's earn and redemption rates, the rewards it publishes, and each
//! customer's balance per program.

pub mod domain;
pub mod expiry;
pub mod liability;
pub mod liability_store;
pub mod reconcile;
pub mod service;
pub mod store;
