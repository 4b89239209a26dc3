//! DynamoDB access for refunds. Status changes are conditional on the
//! status the caller saw, so two operators (or an operator and the payout
//! worker) cannot both move the same refund.

use aws_sdk_dynamodb::types::{TransactWriteItem, Update};

use super::domain::{Refund, RefundStatus};
use crate::platform::audit::AuditEntry;
use crate::platform::dynamo::{self, decode_cursor, encode_cursor, n, s};
use crate::platform::error::AppError;
use crate::platform::keys;
use crate::platform::table::GSI1;
use crate::App;

pub async fn get(app: &App, refund_id: &str) -> Result<Option<Refund>, AppError> {
    dynamo::get_as(&app.db, app.table(), keys::refund_pk(refund_id), keys::REFUND_SK).await
}

pub struct RefundPage {
    pub refunds: Vec<Refund>,
    pub next_cursor: Option<String>,
}

/// Refunds of a status, oldest deadline first (GSI1).
pub async fn list_by_status(app: &App, status: RefundStatus, limit: Option<i32>, cursor: Option<&str>) -> Result<RefundPage, AppError> {
    let start = cursor.map(|c| decode_cursor(c, &["PK", "SK", "GSI1PK", "GSI1SK"])).transpose()?;
    let out = app
        .db
        .query()
        .table_name(app.table())
        .index_name(GSI1)
        .key_condition_expression("GSI1PK = :pk")
        .expression_attribute_values(":pk", s(keys::refunds_by_status_gsi1pk(status.as_str())))
        .set_limit(limit)
        .set_exclusive_start_key(start)
        .send()
        .await?;
    let refunds = out.items().iter().map(|i| serde_dynamo::from_item(i.clone())).collect::<Result<Vec<Refund>, _>>()?;
    let next_cursor = out.last_evaluated_key().map(encode_cursor).transpose()?;
    Ok(RefundPage { refunds, next_cursor })
}

/// Every refund of a status (all pages).
pub async fn all_by_status(app: &App, status: RefundStatus) -> Result<Vec<Refund>, AppError> {
    let mut all = Vec::new();
    let mut cursor = None;
    loop {
        let page = list_by_status(app, status, None, cursor.as_deref()).await?;
        all.extend(page.refunds);
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => return Ok(all),
        }
    }
}

/// Moves `refund` from `from` to `to`, setting the given attributes, with
/// the counters and audit row. `Ok(false)`: its status was no longer
/// `from`.
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
    let mut update = Update::builder()
        .table_name(t)
        .key("PK", s(keys::refund_pk(&refund.refund_id)))
        .key("SK", s(keys::REFUND_SK))
        .condition_expression("#status = :from")
        .expression_attribute_names("#status", "status")
        .expression_attribute_values(":to", s(to.as_str()))
        .expression_attribute_values(":from", s(from.as_str()))
        .expression_attribute_values(":g1", s(keys::refunds_by_status_gsi1pk(to.as_str())));
    if let Some(tx) = tx_hash {
        expr.push_str(", txHash = :tx, completedAt = :now");
        update = update.expression_attribute_values(":tx", s(tx)).expression_attribute_values(":now", s(now));
    }
    if let Some(reason) = failure_reason {
        expr.push_str(", failureReason = :reason, attempts = attempts + :one");
        update = update.expression_attribute_values(":reason", s(reason)).expression_attribute_values(":one", n(1));
    }
    if to == RefundStatus::Pending {
        // A retry queues the payout again.
        expr.push_str(" REMOVE payoutQueuedAt");
    }
    let mut items = vec![TransactWriteItem::builder()
        .update(update.update_expression(expr).build().map_err(AppError::internal)?)
        .build()];
    if to == RefundStatus::Completed {
        // `pendingRefunds` counts refunds still owed (PENDING or FAILED).
        items.push(
            TransactWriteItem::builder()
                .update(
                    Update::builder()
                        .table_name(t)
                        .key("PK", s(keys::PROGRAM_PK))
                        .key("SK", s(keys::STATS_SK))
                        .update_expression("SET pendingRefunds = pendingRefunds - :one")
                        .condition_expression("pendingRefunds > :zero")
                        .expression_attribute_values(":one", n(1))
                        .expression_attribute_values(":zero", n(0))
                        .build()
                        .map_err(AppError::internal)?,
                )
                .build(),
        );
    }
    items.push(audit.transact_put(t)?);
    match dynamo::transact(&app.db, items).await? {
        Ok(()) => Ok(true),
        Err(c) if c.condition_failed(0) => Ok(false),
        Err(c) => Err(AppError::internal(format!("refund transition cancelled: {c:?}"))),
    }
}

/// Records that the payout job was sent.
pub async fn mark_payout_queued(app: &App, refund_id: &str, now: &str) -> Result<(), AppError> {
    app.db
        .update_item()
        .table_name(app.table())
        .key("PK", s(keys::refund_pk(refund_id)))
        .key("SK", s(keys::REFUND_SK))
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
        .key("PK", s(keys::refund_pk(refund_id)))
        .key("SK", s(keys::REFUND_SK))
        .update_expression("SET attempts = attempts + :one, lastPayoutError = :e")
        .condition_expression("attribute_exists(PK)")
        .expression_attribute_values(":one", n(1))
        .expression_attribute_values(":e", s(error.chars().take(500).collect::<String>()))
        .send()
        .await?;
    Ok(())
}
