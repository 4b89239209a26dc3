//! DynamoDB access for dunning records: opened once per failed-payment
//! event, closed once (the close is conditional on `status = OPEN`).

use super::domain::{DunningRecord, DunningStatus};
use crate::platform::audit::{self, AuditEntry};
use crate::platform::dynamo::{self, query_all, s, tx_update, Partition, Tx};
use crate::platform::entity::{Key, Layout, NOT_EXISTS};
use crate::platform::error::AppError;
use crate::platform::table::GSI1;
use crate::App;

/// A customer's records: one per failed payment event.
fn partition(customer_id: &str) -> String {
    format!("DUNNING#{customer_id}")
}

/// The audit subject of a customer's dunning.
pub fn subject(customer_id: &str) -> String {
    partition(customer_id)
}

fn key(r: &DunningRecord) -> Key {
    Key::new(partition(&r.customer_id), format!("{}#{}", r.occurred_at, r.transaction_id))
}

/// GSI1: records of a status, oldest failure first.
fn by_status(status: DunningStatus) -> String {
    format!("DUNNINGS#{}", status.as_str())
}

fn layout(r: &DunningRecord) -> Layout {
    Layout::new("DUNNING", key(r))
        .gsi1(by_status(r.status), format!("{}#{}#{}", r.occurred_at, r.customer_id, r.transaction_id))
}

/// Opens a record once per failed payment. `Ok(false)`: it exists already.
pub async fn open(app: &App, record: &DunningRecord) -> Result<bool, AppError> {
    let result = app
        .db
        .put_item()
        .table_name(app.table())
        .set_item(Some(layout(record).item(record)?))
        .condition_expression(NOT_EXISTS)
        .send()
        .await;
    dynamo::applied(result)
}

fn of_status(status: DunningStatus) -> Partition<'static> {
    Partition::index(GSI1, by_status(status))
}

/// Every record of a status, oldest failure first (GSI1, all pages; the
/// daily job).
pub async fn all(app: &App, status: DunningStatus) -> Result<Vec<DunningRecord>, AppError> {
    let items = query_all(&app.db, app.table(), &of_status(status)).await?;
    Ok(items.into_iter().map(serde_dynamo::from_item).collect::<Result<_, _>>()?)
}

/// Closes an OPEN record as `to`, with its audit row. `Ok(false)`: it was
/// no longer OPEN (another run closed it first).
pub async fn close(
    app: &App,
    record: &DunningRecord,
    to: DunningStatus,
    resolution: &str,
    now: &str,
    audit: &AuditEntry,
) -> Result<bool, AppError> {
    let update = key(record)
        .update(app.table())
        .update_expression("SET #status = :to, GSI1PK = :g1, closedAt = :now, resolution = :why")
        .condition_expression("#status = :open")
        .expression_attribute_names("#status", "status")
        .expression_attribute_values(":to", s(to.as_str()))
        .expression_attribute_values(":open", s(DunningStatus::Open.as_str()))
        .expression_attribute_values(":g1", s(by_status(to)))
        .expression_attribute_values(":now", s(now))
        .expression_attribute_values(":why", s(resolution));
    let tx = Tx::new().with("dunning", tx_update(update)?).with(audit::TX_ITEM, audit.transact_put(app.table())?);
    match dynamo::transact(&app.db, tx).await? {
        Ok(()) => Ok(true),
        Err(r) if r.failed("dunning") => Ok(false),
        Err(r) => Err(r.unexpected("dunning close")),
    }
}
