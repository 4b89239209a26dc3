//! DynamoDB access for refunds. Status changes are conditional on the
//! status the caller saw, so two operators (or an operator and the payout
//! worker) cannot both move the same refund.

use aws_sdk_dynamodb::types::TransactWriteItem;

use super::domain::{Refund, RefundStatus};
use crate::platform::audit::{self, AuditEntry};
use crate::platform::dynamo::{self, n, query_all, query_page, s, tx_put, tx_update, Page, Partition, Tx};
use crate::platform::entity::{Key, Layout};
use crate::platform::error::AppError;
use crate::platform::table::GSI1;
use crate::App;

fn key(refund_id: &str) -> Key {
    Key::new(format!("REFUND#{refund_id}"), "REFUND")
}

/// The audit subject of a refund's changes.
pub fn subject(refund_id: &str) -> String {
    key(refund_id).pk
}

/// GSI1: refunds of a status, oldest deadline first.
fn by_status_key(status: RefundStatus) -> String {
    format!("REFUNDS#{}", status.as_str())
}

fn layout(refund: &Refund) -> Layout {
    Layout::new("REFUND", key(&refund.refund_id))
        .gsi1(by_status_key(refund.status), format!("{}#{}", refund.refund_deadline_at, refund.refund_id))
}

pub async fn get(app: &App, refund_id: &str) -> Result<Option<Refund>, AppError> {
    dynamo::get_as(&app.db, app.table(), &key(refund_id)).await
}

/// Refunds of a status, oldest deadline first (GSI1).
pub async fn list_by_status(
    app: &App,
    status: RefundStatus,
    limit: Option<i32>,
    cursor: Option<&str>,
) -> Result<Page<Refund>, AppError> {
    query_page(&app.db, app.table(), &by_status(status), limit, cursor).await
}

/// Every refund of a status (all pages).
pub async fn all_by_status(app: &App, status: RefundStatus) -> Result<Vec<Refund>, AppError> {
    let items = query_all(&app.db, app.table(), &by_status(status)).await?;
    Ok(items.into_iter().map(serde_dynamo::from_item).collect::<Result<_, _>>()?)
}

fn by_status(status: RefundStatus) -> Partition<'static> {
    Partition::index(GSI1, by_status_key(status))
}

/// Moves `refund` from `from` to `to`, setting the given attributes, with
/// the counters and audit row. `Ok(false)`: its status was no longer
/// `from`.
#[allow(clippy::too_many_arguments)] // one transition, named field by field at each call
pub async fn transition(
    app: &App,
    refund: &Refund,
    from: RefundStatus,
    to: RefundStatus,
    tx_hash: Option<&str>,
    failure_reason: Option<&str>,
    now: &str,
    audit: &AuditEntry,
) -> Result<bool, AppError> {
    let t = app.table();
    let mut expr = String::from("SET #status = :to, GSI1PK = :g1");
    let mut update = key(&refund.refund_id)
        .update(t)
        .condition_expression("#status = :from")
        .expression_attribute_names("#status", "status")
        .expression_attribute_values(":to", s(to.as_str()))
        .expression_attribute_values(":from", s(from.as_str()))
        .expression_attribute_values(":g1", s(by_status_key(to)));
    if let Some(tx) = tx_hash {
        expr.push_str(", txHash = :tx, completedAt = :now");
        update = update.expression_attribute_values(":tx", s(tx)).expression_attribute_values(":now", s(now));
    }
    if let Some(reason) = failure_reason {
        expr.push_str(", failureReason = :reason, attempts = attempts + :one");
        update = update.expression_attribute_values(":reason", s(reason)).expression_attribute_values(":one", n(1));
    }
    if to == RefundStatus::Pending {
        // A retry is a new payout round, and queues the payout again.
        expr.push_str(", payoutRound = if_not_exists(payoutRound, :zero) + :one REMOVE payoutQueuedAt");
        update = update.expression_attribute_values(":zero", n(0));
        if failure_reason.is_none() {
            update = update.expression_attribute_values(":one", n(1));
        }
    }
    let mut tx = Tx::new().with("refund", tx_update(update.update_expression(expr))?);
    if to == RefundStatus::Completed {
        // `pendingRefunds` counts refunds still owed (PENDING or FAILED).
        tx.add("program.counters", crate::program::store::counters_change(app, 0, -1)?);
    }
    tx.add(audit::TX_ITEM, audit.transact_put(t)?);
    match dynamo::transact(&app.db, tx).await? {
        Ok(()) => Ok(true),
        Err(r) if r.failed("refund") => Ok(false),
        Err(r) => Err(r.unexpected("refund transition")),
    }
}

/// Records that the payout job was sent.
pub async fn mark_payout_queued(app: &App, refund_id: &str, now: &str) -> Result<(), AppError> {
    app.db
        .update_item()
        .table_name(app.table())
        .set_key(Some(key(refund_id).attrs()))
        .update_expression("SET payoutQueuedAt = :now")
        .condition_expression("attribute_exists(PK)")
        .expression_attribute_values(":now", s(now))
        .send()
        .await?;
    Ok(())
}

/// Counts a payout attempt that failed in the provider (the job will be
/// retried by SQS).
pub async fn count_attempt(app: &App, refund_id: &str, error: &str) -> Result<(), AppError> {
    app.db
        .update_item()
        .table_name(app.table())
        .set_key(Some(key(refund_id).attrs()))
        .update_expression("SET attempts = attempts + :one, lastPayoutError = :e")
        .condition_expression("attribute_exists(PK)")
        .expression_attribute_values(":one", n(1))
        .expression_attribute_values(":e", s(error.chars().take(500).collect::<String>()))
        .send()
        .await?;
    Ok(())
}

/// A new PENDING refund, written once (its id is deterministic), listed in
/// the status queue by deadline.
pub fn insert_item(app: &App, refund: &Refund) -> Result<TransactWriteItem, AppError> {
    tx_put(layout(refund).put_new(app.table(), refund)?)
}
