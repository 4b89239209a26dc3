//! Partnerships between two businesses: invitation, acceptance or decline,
//! pauses and termination, configuration, versioned terms changed only by
//! agreement, industry templates, and their domain events.

pub mod anomaly_rules;
pub mod domain;
pub mod exposure;
pub mod periods;
pub mod service;
pub mod store;
pub mod templates;
