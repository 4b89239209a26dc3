//! Partner Network businesses: the profiles businesses register and edit,
//! and read of each other (the spec's Business Profile dependency). The
//! directory's geo search and reviews build on these.

pub mod directory;
pub mod domain;
pub mod geo;
pub mod geocoding;
pub mod service;
pub mod store;
