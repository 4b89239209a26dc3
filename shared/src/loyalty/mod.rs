//! Points programs (the spec's "my points accumulate in one place"): each
//! business's earn and redemption rates, the rewards it publishes, and each
//! customer's balance per program.

pub mod domain;
pub mod service;
pub mod store;
