//! Token purchases: intents verified against on-chain transactions, the
//! credits ledger, reconciliation.

pub mod domain;
pub mod ledger;
pub mod reconcile;
pub mod service;
pub mod solana;
pub mod store;
