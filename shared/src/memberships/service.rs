//! Membership use cases.

use super::domain::{Membership, MembershipChange};
use super::store;
use crate::platform::error::AppError;
use crate::App;

/// Applies a subscription event in `occurred_at` order; a stale one (older
/// than what is stored) changes nothing. Returns what happened, for the
/// webhook event's result.
pub async fn apply(app: &App, change: &MembershipChange) -> Result<String, AppError> {
    Ok(if store::apply(app, change).await? {
        format!("membership {} -> {}", change.customer_id, change.status)
    } else {
        "stale: a newer subscription event was already applied".into()
    })
}

pub async fn get(app: &App, customer_id: &str) -> Result<Option<Membership>, AppError> {
    store::get(app, customer_id).await
}
