//! The monthly cycle: scores, rankings, bottom-10 elimination.

pub mod domain;
pub mod service;
pub mod store;
