//! DynamoDB access for dunning records: opened once per failed-payment
//! event, closed once (the close is conditional on `status = OPEN`).

use aws_sdk_dynamodb::types::{TransactWriteItem, Update};
use serde::{Deserialize, Serialize};

use super::domain::DunningStatus;
use crate::platform::audit::AuditEntry;
use crate::platform::dynamo::{self, query_all, s, Item, Partition};
use crate::platform::error::AppError;
use crate::platform::keys;
use crate::platform::table::GSI1;
use crate::App;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DunningRecord {
    pub customer_id: String,
    pub transaction_id: String,
    /// When the payment failed (the event's normalised `occurred_at`).
    pub occurred_at: String,
    /// The `transaction.payment_failed` event: the record's id, and the key
    /// a notice's consumer dedupes on.
    pub event_id: String,
    pub status: DunningStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolution: Option<String>,
}

fn sort_key(r: &DunningRecord) -> String {
    format!("{}#{}", r.occurred_at, r.transaction_id)
}

/// Opens a record once per failed payment. `Ok(false)`: it exists already.
pub async fn open(app: &App, record: &DunningRecord) -> Result<bool, AppError> {
    let mut item: Item = serde_dynamo::to_item(record)?;
    item.insert("PK".into(), s(keys::dunning_pk(&record.customer_id)));
    item.insert("SK".into(), s(sort_key(record)));
    item.insert("GSI1PK".into(), s(keys::dunning_by_status_gsi1pk(record.status.as_str())));
    item.insert("GSI1SK".into(), s(format!("{}#{}#{}", record.occurred_at, record.customer_id, record.transaction_id)));
    item.insert("entity".into(), s("DUNNING"));
    let result = app
        .db
        .put_item()
        .table_name(app.table())
        .set_item(Some(item))
        .condition_expression("attribute_not_exists(PK)")
        .send()
        .await;
    dynamo::applied(result)
}

fn by_status(status: DunningStatus) -> Partition<'static> {
    Partition::index(GSI1, keys::dunning_by_status_gsi1pk(status.as_str()))
}

/// Every record of a status, oldest failure first (GSI1, all pages; the
/// daily job).
pub async fn all(app: &App, status: DunningStatus) -> Result<Vec<DunningRecord>, AppError> {
    let items = query_all(&app.db, app.table(), &by_status(status)).await?;
    Ok(items.into_iter().map(serde_dynamo::from_item).collect::<Result<_, _>>()?)
}

/// Closes an OPEN record as `to`, with its audit row. `Ok(false)`: it was
/// no longer OPEN (another run closed it first).
pub async fn close(app: &App, record: &DunningRecord, to: DunningStatus, resolution: &str, now: &str, audit: &AuditEntry) -> Result<bool, AppError> {
    let update = Update::builder()
        .table_name(app.table())
        .key("PK", s(keys::dunning_pk(&record.customer_id)))
        .key("SK", s(sort_key(record)))
        .update_expression("SET #status = :to, GSI1PK = :g1, closedAt = :now, resolution = :why")
        .condition_expression("#status = :open")
        .expression_attribute_names("#status", "status")
        .expression_attribute_values(":to", s(to.as_str()))
        .expression_attribute_values(":open", s(DunningStatus::Open.as_str()))
        .expression_attribute_values(":g1", s(keys::dunning_by_status_gsi1pk(to.as_str())))
        .expression_attribute_values(":now", s(now))
        .expression_attribute_values(":why", s(resolution))
        .build()
        .map_err(AppError::internal)?;
    let items = vec![TransactWriteItem::builder().update(update).build(), audit.transact_put(app.table())?];
    match dynamo::transact(&app.db, items).await? {
        Ok(()) => Ok(true),
        Err(c) if c.condition_failed(0) => Ok(false),
        Err(c) => Err(AppError::internal(format!("dunning close cancelled: {c:?}"))),
    }
}
