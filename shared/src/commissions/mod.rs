//! Partner commissions on Paddle sales: credited once per transaction,
//! reversed once, and counted as the partner seat's monthly points. Fed by
//! `webhooks`; later also the network's referral rewards.

pub mod domain;
pub mod service;
pub mod store;
