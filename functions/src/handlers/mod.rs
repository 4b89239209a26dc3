//! One module per function, named like its binary.

pub mod health;
pub mod partners_config_get;
pub mod partners_config_update;
pub mod partners_seats_allocate;
pub mod partners_seats_list;
