//! Who belongs to which business (owner or staff): the memberships the
//! tokens' `businessId` and `role` come from, onboarding (registering
//! makes the founder an owner), invitations by one-time code, removal.

pub mod domain;
pub mod service;
pub mod store;
