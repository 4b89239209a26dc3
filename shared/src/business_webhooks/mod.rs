//! Webhooks for businesses (their POS, CRM, accounting): the endpoints an
//! owner registers, each with its own signing secret, and the rules a
//! receiving address must meet (`address`), checked when it is saved and
//! again before every delivery.

pub mod address;
pub mod deliveries;
pub mod delivery;
pub mod domain;
pub mod service;
pub mod store;
