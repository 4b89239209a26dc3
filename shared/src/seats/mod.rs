//! Partner seats: allocation under the fixed cap, listing.

pub mod domain;
pub mod privileges;
pub mod service;
pub mod store;
