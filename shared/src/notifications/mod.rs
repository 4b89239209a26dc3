//! Notifications: what happens to a business, told to its people. Every
//! notification comes from an outbox event (an EventBridge rule feeds the
//! `notifications` queue, whose worker composes and stores them), never
//! from the request that changed the data, and each is kept once per
//! (event, recipient, channel) however often the event arrives. The
//! channels: the in-app inbox, and email (SES) for owners and the staff
//! who opt in, as each user's preferences say.

pub mod domain;
pub mod email;
pub mod email_store;
pub mod mailer;
pub mod preferences;
pub mod service;
pub mod store;
