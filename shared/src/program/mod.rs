//! The global partner program's configuration (seat cap, refill price) and
//! its seat statistics.

pub mod domain;
pub mod service;
pub mod store;
