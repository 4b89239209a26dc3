//! DynamoDB access for business profiles: the owner of their keys.

use super::domain::{Business, ProfileFields};
use crate::platform::audit::{self, AuditEntry};
use crate::platform::dynamo::{self, s, tx_put, tx_update, Tx};
use crate::platform::entity::{Key, Layout};
use crate::platform::error::AppError;
use crate::App;

fn key(business_id: &str) -> Key {
    Key::new(format!("BUSINESS#{business_id}"), "PROFILE")
}

/// The audit subject of a business's changes.
pub fn subject(business_id: &str) -> String {
    key(business_id).pk
}

/// Registers a business once. `Ok(false)`: it is registered already.
pub async fn create(app: &App, business: &Business, audit: &AuditEntry) -> Result<bool, AppError> {
    let layout = Layout::new("BUSINESS", key(&business.business_id));
    let tx = Tx::new().with("business", tx_put(layout.put_new(app.table(), business)?)?).with(audit::TX_ITEM, audit.transact_put(app.table())?);
    match dynamo::transact(&app.db, tx).await? {
        Ok(()) => Ok(true),
        Err(r) if r.failed("business") => Ok(false),
        Err(r) => Err(r.unexpected("business registration")),
    }
}

/// Replaces the fields an owner may set. `Ok(false)`: no such business.
pub async fn update(app: &App, business_id: &str, fields: &ProfileFields, now: &str, audit: &AuditEntry) -> Result<bool, AppError> {
    let location = serde_dynamo::to_attribute_value(fields.location)?;
    let categories = serde_dynamo::to_attribute_value(&fields.categories)?;
    let update = key(business_id)
        .update(app.table())
        .update_expression("SET #name = :name, category = :category, categories = :categories, #location = :location, address = :address, availableForPartnership = :available, updatedAt = :now")
        .condition_expression("attribute_exists(PK)")
        .expression_attribute_names("#name", "name")
        .expression_attribute_names("#location", "location")
        .expression_attribute_values(":name", s(&fields.name))
        .expression_attribute_values(":category", s(&fields.category))
        .expression_attribute_values(":categories", categories)
        .expression_attribute_values(":location", location)
        .expression_attribute_values(":address", s(&fields.address))
        .expression_attribute_values(":available", aws_sdk_dynamodb::types::AttributeValue::Bool(fields.available_for_partnership))
        .expression_attribute_values(":now", s(now));
    let tx = Tx::new().with("business", tx_update(update)?).with(audit::TX_ITEM, audit.transact_put(app.table())?);
    match dynamo::transact(&app.db, tx).await? {
        Ok(()) => Ok(true),
        Err(r) if r.failed("business") => Ok(false),
        Err(r) => Err(r.unexpected("business update")),
    }
}

pub async fn get(app: &App, business_id: &str) -> Result<Option<Business>, AppError> {
    dynamo::get_as(&app.db, app.table(), &key(business_id)).await
}
