//! Notifications: what happens to a business, told to its people. Every
//! notification comes from an outbox event (an EventBridge rule feeds the
//! `notifications` queue, whose worker composes and stores them), never
//! from the request that changed the data, and each is kept once per
//! (event, recipient, channel) however often the event arrives. The inbox
//! is the first channel.

pub mod domain;
pub mod service;
pub mod store;
