//! Partner transactions (the spec's `PartnerTransaction`): earning and
//! redeeming across businesses, referrals, reversals; the revenue-sharing
//! engine; analytics kept at record time.

pub mod analytics;
pub mod domain;
pub mod recording;
pub mod service;
pub mod sharing;
pub mod store;
pub mod warm;
