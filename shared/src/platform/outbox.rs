//! The transactional outbox: a domain event is written in the same
//! transaction as the change it announces, so no event can be lost between
//! the write and the publish. After the commit the writer tries to publish
//! at once (best effort); `drain` (the `outbox-drain` schedule, every
//! minute, and `/api/cron/outbox`) publishes whatever is still pending, so
//! a function that died after its commit delays its events by at most a
//! minute, never loses them. Delivery is at least once: every event
//! carries its `eventId` for consumers to dedupe on, as EventBridge's own
//! delivery requires anyway.

use aws_sdk_dynamodb::types::TransactWriteItem;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::bus;
use super::clock::rfc3339;
use super::dynamo::{query_page, s, tx_put, Partition};
use super::entity::{Key, Layout};
use super::error::AppError;
use super::ids::new_id;
use super::table::GSI1;
use crate::App;

/// The bus source of the Partner Network's events.
pub const NETWORK_SOURCE: &str = "partner-network";

/// GSI1: events not yet published, oldest first within a shard (a sparse
/// index: a published event leaves it). Every recording writes an event,
/// so one partition would take two writes per recording network-wide; it
/// is spread over `PENDING_SHARDS` partitions `OUTBOX#PENDING#<n>` by a
/// stable hash of the event id.
const PENDING: &str = "OUTBOX#PENDING";
const PENDING_SHARDS: u32 = 8;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OutboxEvent {
    pub event_id: String,
    pub source: String,
    /// The event's name, e.g. `partner.partnership.created`.
    pub detail_type: String,
    pub detail: Value,
    pub created_at: String,
}

impl OutboxEvent {
    /// A Partner Network event.
    pub fn new(app: &App, detail_type: &str, detail: Value) -> Self {
        Self::from_source(app, NETWORK_SOURCE, detail_type, detail)
    }

    pub fn from_source(app: &App, source: &str, detail_type: &str, detail: Value) -> Self {
        OutboxEvent {
            event_id: new_id(),
            source: source.into(),
            detail_type: detail_type.into(),
            detail,
            created_at: rfc3339(app.clock.now()),
        }
    }

    fn key(&self) -> Key {
        Key::new(format!("OUTBOX#{}", self.event_id), "EVENT")
    }

    /// The item to add to the change's own transaction.
    pub fn transact_put(&self, app: &App) -> Result<TransactWriteItem, AppError> {
        let layout = Layout::new("OUTBOX_EVENT", self.key()).gsi1(
            super::dynamo::shard_key(PENDING, &self.event_id, PENDING_SHARDS),
            format!("{}#{}", self.created_at, self.event_id),
        );
        tx_put(layout.put_new(app.table(), self)?)
    }

    /// The bus detail: the event's own fields and its id.
    fn bus_detail(&self) -> Value {
        let mut detail = self.detail.clone();
        if let Some(map) = detail.as_object_mut() {
            map.insert("eventId".into(), json!(self.event_id));
            map.insert("occurredAt".into(), json!(self.created_at));
        }
        detail
    }
}

/// Publishes `events` and marks them published. Called right after their
/// transaction committed; a failure is only logged (the drain sends them).
pub async fn publish_now(app: &App, events: &[OutboxEvent]) {
    for event in events {
        if let Err(e) = publish_one(app, event).await {
            tracing::warn!(event_id = %event.event_id, error = %e, "event left in the outbox for the drain");
        }
    }
}

async fn publish_one(app: &App, event: &OutboxEvent) -> Result<(), AppError> {
    bus::publish(app, &event.source, &event.detail_type, &[event.bus_detail()]).await?;
    // Leaves the pending index; the item stays as the record of the event.
    app.db
        .update_item()
        .table_name(app.table())
        .set_key(Some(event.key().attrs()))
        .update_expression("SET publishedAt = :now REMOVE GSI1PK, GSI1SK")
        .expression_attribute_values(":now", s(rfc3339(app.clock.now())))
        .send()
        .await?;
    Ok(())
}

/// An event that joins no other write: stored, then published at once
/// (the drain sends it if that fails).
pub async fn emit(app: &App, event: &OutboxEvent) -> Result<(), AppError> {
    let put = event.transact_put(app)?.put.ok_or_else(|| AppError::internal("an outbox item is a put"))?;
    app.db.put_item().table_name(app.table()).set_item(Some(put.item)).send().await?;
    publish_now(app, std::slice::from_ref(event)).await;
    Ok(())
}

/// Publishes every pending event, shard by shard, oldest first in each, a
/// page at a time. Returns how many were published.
pub async fn drain(app: &App) -> Result<usize, AppError> {
    let mut published = 0;
    // The unsharded partition too: events written before the sharding.
    let partitions = (0..PENDING_SHARDS).map(|n| format!("{PENDING}#{n}")).chain([PENDING.to_string()]);
    for partition in partitions {
        let mut cursor = None;
        loop {
            let page = query_page::<OutboxEvent>(
                &app.db,
                app.table(),
                &Partition::index(GSI1, partition.clone()),
                Some(100),
                cursor.as_deref(),
            )
            .await?;
            for event in &page.items {
                publish_one(app, event).await?;
                published += 1;
            }
            match page.next_cursor {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
    }
    Ok(published)
}
