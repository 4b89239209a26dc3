//! DynamoDB access for recorded webhook events: the owner of their keys.
//! What an event produces (memberships, commissions, dunning records) is
//! written by those contexts' own stores.

use super::domain::{StoredEvent, WebhookStatus};
use crate::platform::audit::{self, AuditEntry};
use crate::platform::clock::Window;
use crate::platform::dynamo::{self, n, s, tx_put, tx_update, Page, Tx};
use crate::platform::entity::{Key, Layout};
use crate::platform::error::AppError;
use crate::platform::table::GSI1;
use crate::App;

/// An event, keyed by Paddle's `event_id`.
fn key(event_id: &str) -> Key {
    Key::new(format!("WEBHOOK#{event_id}"), "EVENT")
}

/// The audit subject of an event: its whole trail (received, duplicates,
/// effects, processed).
pub fn subject(event_id: &str) -> String {
    key(event_id).pk
}

/// Audit rows about requests whose signature did not verify (no event id
/// can be trusted, so they share one subject).
pub const UNVERIFIED_SUBJECT: &str = "WEBHOOK#unverified";

/// GSI1: events by processing status, by receipt time, spread over
/// `STATUS_SHARDS` partitions per status (every event is written to its
/// status partition up to three times, with its raw payload: one partition
/// per status would pass DynamoDB's per-partition write limit at 10x our
/// target load; see docs/data-model.md).
const STATUS_SHARDS: u32 = 8;

fn by_status(status: WebhookStatus) -> String {
    format!("WEBHOOKS#{}", status.as_str())
}

fn status_shard(status: WebhookStatus, event_id: &str) -> String {
    dynamo::shard_key(&by_status(status), event_id, STATUS_SHARDS)
}

fn layout(e: &StoredEvent) -> Layout {
    Layout::new("WEBHOOK_EVENT", key(&e.event_id))
        .gsi1(status_shard(e.status, &e.event_id), format!("{}#{}", e.received_at, e.event_id))
}

/// Records a verified event once. `Ok(false)`: Paddle delivered it before.
pub async fn record_received(app: &App, event: &StoredEvent, audit: &AuditEntry) -> Result<bool, AppError> {
    let tx = Tx::new()
        .with("webhook", tx_put(layout(event).put_new(app.table(), event)?)?)
        .with(audit::TX_ITEM, audit.transact_put(app.table())?);
    match dynamo::transact(&app.db, tx).await? {
        Ok(()) => Ok(true),
        Err(r) if r.failed("webhook") => Ok(false),
        Err(r) => Err(r.unexpected("webhook record")),
    }
}

pub async fn get_event(app: &App, event_id: &str) -> Result<Option<StoredEvent>, AppError> {
    dynamo::get_as(&app.db, app.table(), &key(event_id)).await
}

/// Events of a status received within `window`, newest first (a range on
/// the `<receivedAt>#<eventId>` index sort key).
pub async fn by_status_page(
    app: &App,
    status: WebhookStatus,
    window: &Window,
    limit: i32,
    cursor: Option<&str>,
) -> Result<Page<StoredEvent>, AppError> {
    let range = (window.from.clone(), window.to.clone());
    dynamo::query_sharded_page(
        &app.db,
        app.table(),
        GSI1,
        &by_status(status),
        STATUS_SHARDS,
        range,
        true,
        limit,
        cursor,
    )
    .await
}

pub async fn mark_queued(app: &App, event_id: &str, now: &str) -> Result<(), AppError> {
    app.db
        .update_item()
        .table_name(app.table())
        .set_key(Some(key(event_id).attrs()))
        .update_expression("SET queuedAt = :now")
        .expression_attribute_values(":now", s(now))
        .send()
        .await?;
    Ok(())
}

/// Moves the event to `status` (processed or error) with its audit row.
pub async fn finish(
    app: &App,
    event: &StoredEvent,
    status: WebhookStatus,
    result: Option<&str>,
    error: Option<&str>,
    now: &str,
    audit: &AuditEntry,
) -> Result<(), AppError> {
    let mut expr =
        "SET #status = :st, GSI1PK = :g, processedAt = :now, attempts = if_not_exists(attempts, :zero) + :one"
            .to_string();
    let mut update = key(&event.event_id)
        .update(app.table())
        .expression_attribute_names("#status", "status")
        .expression_attribute_values(":st", s(status.as_str()))
        .expression_attribute_values(":g", s(status_shard(status, &event.event_id)))
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
    let tx = Tx::new()
        .with("webhook", tx_update(update.update_expression(expr))?)
        .with(audit::TX_ITEM, audit.transact_put(app.table())?);
    dynamo::transact(&app.db, tx).await?.map_err(|r| r.unexpected("webhook finish"))
}
