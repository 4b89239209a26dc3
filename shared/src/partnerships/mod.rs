//! Partnerships between two businesses: invitation, acceptance or decline,
//! and (to come) pauses, termination, versioned terms and their events.

pub mod domain;
pub mod service;
pub mod store;
