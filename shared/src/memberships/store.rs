//! DynamoDB access for memberships: the owner of the membership item.

use super::domain::{Membership, MembershipChange};
use crate::platform::dynamo::{self, s};
use crate::platform::entity::Key;
use crate::platform::error::AppError;
use crate::App;

fn key(customer_id: &str) -> Key {
    Key::new(format!("MEMBERSHIP#{customer_id}"), "MEMBERSHIP")
}

/// Sets a customer's membership from a subscription event unless a newer
/// event already did (`occurredAt` order). `Ok(false)`: this one is stale.
pub async fn apply(app: &App, change: &MembershipChange) -> Result<bool, AppError> {
    let result = app
        .db
        .update_item()
        .table_name(app.table())
        .set_key(Some(key(&change.customer_id).attrs()))
        .update_expression(
            "SET #status = :st, subscriptionId = :sub, lastEventAt = :at, lastEventId = :ev, entity = :e",
        )
        .condition_expression("attribute_not_exists(lastEventAt) OR lastEventAt < :at")
        .expression_attribute_names("#status", "status")
        .expression_attribute_values(":st", s(&change.status))
        .expression_attribute_values(":sub", s(&change.subscription_id))
        .expression_attribute_values(":at", s(&change.occurred_at))
        .expression_attribute_values(":ev", s(&change.event_id))
        .expression_attribute_values(":e", s("MEMBERSHIP"))
        .send()
        .await;
    dynamo::applied(result)
}

pub async fn get(app: &App, customer_id: &str) -> Result<Option<Membership>, AppError> {
    dynamo::get_as(&app.db, app.table(), &key(customer_id)).await
}
