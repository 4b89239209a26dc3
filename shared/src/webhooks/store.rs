//! DynamoDB access for webhook events and what they produce. Every write a
//! redelivery or a retry can repeat is conditional on a key derived from
//! Paddle's ids, so it lands once.

use aws_sdk_dynamodb::types::{Put, TransactWriteItem, Update};
use serde::{Deserialize, Serialize};

use crate::platform::audit::AuditEntry;
use crate::platform::dynamo::{self, n, s, Item};
use crate::platform::error::AppError;
use crate::platform::keys;
use crate::App;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StoredEvent {
    pub event_id: String,
    pub event_type: String,
    pub occurred_at: String,
    pub received_at: String,
    /// received | processed | error
    pub status: String,
    /// The raw body as received (it was signed byte for byte).
    pub payload: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queued_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub processed_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(default)]
    pub attempts: u32,
}

fn put_once(table: &str, item: Item) -> Result<TransactWriteItem, AppError> {
    let put = Put::builder()
        .table_name(table)
        .set_item(Some(item))
        .condition_expression("attribute_not_exists(PK)")
        .build()
        .map_err(AppError::internal)?;
    Ok(TransactWriteItem::builder().put(put).build())
}

/// Records a verified event once. `Ok(false)`: Paddle delivered it before.
pub async fn record_received(app: &App, event: &StoredEvent, audit: &AuditEntry) -> Result<bool, AppError> {
    let mut item: Item = serde_dynamo::to_item(event)?;
    item.insert("PK".into(), s(keys::webhook_pk(&event.event_id)));
    item.insert("SK".into(), s(keys::WEBHOOK_SK));
    item.insert("GSI1PK".into(), s(keys::webhooks_by_status_gsi1pk(&event.status)));
    item.insert("GSI1SK".into(), s(format!("{}#{}", event.received_at, event.event_id)));
    item.insert("entity".into(), s("WEBHOOK_EVENT"));
    let items = vec![put_once(app.table(), item)?, audit.transact_put(app.table())?];
    match dynamo::transact(&app.db, items).await? {
        Ok(()) => Ok(true),
        Err(c) if c.condition_failed(0) => Ok(false),
        Err(c) => Err(AppError::internal(format!("webhook record cancelled: {c:?}"))),
    }
}

pub async fn get_event(app: &App, event_id: &str) -> Result<Option<StoredEvent>, AppError> {
    dynamo::get_as(&app.db, app.table(), keys::webhook_pk(event_id), keys::WEBHOOK_SK).await
}

pub async fn mark_queued(app: &App, event_id: &str, now: &str) -> Result<(), AppError> {
    app.db
        .update_item()
        .table_name(app.table())
        .key("PK", s(keys::webhook_pk(event_id)))
        .key("SK", s(keys::WEBHOOK_SK))
        .update_expression("SET queuedAt = :now")
        .expression_attribute_values(":now", s(now))
        .send()
        .await?;
    Ok(())
}

/// Moves the event to `status` (processed or error) with its audit row.
pub async fn finish(app: &App, event: &StoredEvent, status: &str, result: Option<&str>, error: Option<&str>, now: &str, audit: &AuditEntry) -> Result<(), AppError> {
    let mut expr = "SET #status = :st, GSI1PK = :g, processedAt = :now, attempts = if_not_exists(attempts, :zero) + :one".to_string();
    let mut update = Update::builder()
        .table_name(app.table())
        .key("PK", s(keys::webhook_pk(&event.event_id)))
        .key("SK", s(keys::WEBHOOK_SK))
        .expression_attribute_names("#status", "status")
        .expression_attribute_values(":st", s(status))
        .expression_attribute_values(":g", s(keys::webhooks_by_status_gsi1pk(status)))
        .expression_attribute_values(":now", s(now))
        .expression_attribute_values(":zero", n(0))
        .expression_attribute_values(":one", n(1))
        .expression_attribute_names("#error", "error");
    if let Some(r) = result {
        expr.push_str(", #result = :r");
        update = update.expression_attribute_names("#result", "result").expression_attribute_values(":r", s(r));
    }
    match error {
        Some(e) => {
            expr.push_str(", #error = :e");
            update = update.expression_attribute_values(":e", s(e.chars().take(1000).collect::<String>()));
        }
        None => expr.push_str(" REMOVE #error"),
    }
    let items = vec![
        TransactWriteItem::builder().update(update.update_expression(expr).build().map_err(AppError::internal)?).build(),
        audit.transact_put(app.table())?,
    ];
    dynamo::transact(&app.db, items).await?.map_err(|c| AppError::internal(format!("webhook finish cancelled: {c:?}")))
}

/// Sets a customer's membership from a subscription event unless a newer
/// event already did (`occurredAt` order). `Ok(false)`: this one is stale.
pub async fn apply_membership(app: &App, customer_id: &str, subscription_id: &str, status: &str, occurred_at: &str, event_id: &str) -> Result<bool, AppError> {
    let result = app
        .db
        .update_item()
        .table_name(app.table())
        .key("PK", s(keys::membership_pk(customer_id)))
        .key("SK", s(keys::MEMBERSHIP_SK))
        .update_expression("SET #status = :st, subscriptionId = :sub, lastEventAt = :at, lastEventId = :ev, entity = :e")
        .condition_expression("attribute_not_exists(lastEventAt) OR lastEventAt < :at")
        .expression_attribute_names("#status", "status")
        .expression_attribute_values(":st", s(status))
        .expression_attribute_values(":sub", s(subscription_id))
        .expression_attribute_values(":at", s(occurred_at))
        .expression_attribute_values(":ev", s(event_id))
        .expression_attribute_values(":e", s("MEMBERSHIP"))
        .send()
        .await;
    dynamo::applied(result)
}

/// A customer's membership, as the latest subscription event left it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Membership {
    pub status: String,
    pub subscription_id: String,
    pub last_event_at: String,
    pub last_event_id: String,
}

pub async fn get_membership(app: &App, customer_id: &str) -> Result<Option<Membership>, AppError> {
    dynamo::get_as(&app.db, app.table(), keys::membership_pk(customer_id), keys::MEMBERSHIP_SK).await
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CommissionEntry {
    pub transaction_id: String,
    pub partner_wallet: String,
    /// CREDIT or REVERSAL.
    pub kind: String,
    /// Signed minor units: a reversal is negative.
    pub amount_minor: i64,
    pub currency: String,
    pub occurred_at: String,
    pub event_id: String,
}

/// Writes a commission entry once per (transaction, kind), with its audit row.
pub async fn put_commission(app: &App, entry: &CommissionEntry, audit: &AuditEntry) -> Result<bool, AppError> {
    let mut item: Item = serde_dynamo::to_item(entry)?;
    item.insert("PK".into(), s(keys::commission_pk(&entry.transaction_id)));
    item.insert("SK".into(), s(&entry.kind));
    item.insert("GSI1PK".into(), s(keys::commissions_gsi1pk(&entry.partner_wallet)));
    item.insert("GSI1SK".into(), s(format!("{}#{}#{}", entry.occurred_at, entry.transaction_id, entry.kind)));
    item.insert("entity".into(), s("COMMISSION"));
    let items = vec![put_once(app.table(), item)?, audit.transact_put(app.table())?];
    match dynamo::transact(&app.db, items).await? {
        Ok(()) => Ok(true),
        Err(c) if c.condition_failed(0) => Ok(false),
        Err(c) => Err(AppError::internal(format!("commission cancelled: {c:?}"))),
    }
}

pub async fn get_commission(app: &App, transaction_id: &str, kind: &str) -> Result<Option<CommissionEntry>, AppError> {
    dynamo::get_as(&app.db, app.table(), keys::commission_pk(transaction_id), kind).await
}
