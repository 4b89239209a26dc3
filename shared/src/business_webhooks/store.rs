//! DynamoDB access for webhook endpoints: one item per endpoint under its
//! business (`BUSINESS#<id>` / `WEBHOOK_ENDPOINT#<endpointId>`), and the
//! business's endpoint count beside them, moved in the same transaction as
//! a creation or a deletion, so no race passes the limit.

use aws_sdk_dynamodb::types::{Delete, Put, TransactWriteItem};

use super::domain::{Endpoint, MAX_ENDPOINTS};
use crate::platform::audit::{self, AuditEntry};
use crate::platform::dynamo::{self, n, query_all, tx_put, tx_update, Partition, Tx};
use crate::platform::entity::{Key, Layout, NOT_EXISTS};
use crate::platform::error::AppError;
use crate::App;

const PREFIX: &str = "WEBHOOK_ENDPOINT#";
pub const TX_ENDPOINT: &str = "webhook.endpoint";
pub const TX_COUNT: &str = "webhook.endpoint_count";

fn key(business_id: &str, endpoint_id: &str) -> Key {
    Key::new(format!("BUSINESS#{business_id}"), format!("{PREFIX}{endpoint_id}"))
}

fn count_key(business_id: &str) -> Key {
    Key::new(format!("BUSINESS#{business_id}"), "WEBHOOK_ENDPOINTS")
}

/// The audit subject of an endpoint.
pub fn subject(business_id: &str, endpoint_id: &str) -> String {
    let k = key(business_id, endpoint_id);
    format!("{}#{}", k.pk, k.sk)
}

fn layout(e: &Endpoint) -> Layout {
    Layout::new("WEBHOOK_ENDPOINT", key(&e.business_id, &e.endpoint_id))
}

/// Creates the endpoint if the business has fewer than `MAX_ENDPOINTS`;
/// the refusal names the item that refused (`TX_COUNT`: the limit).
pub async fn create(app: &App, e: &Endpoint, entry: &AuditEntry) -> Result<Result<(), dynamo::Refused>, AppError> {
    let t = app.table();
    let put = Put::builder().table_name(t).set_item(Some(layout(e).item(e)?)).condition_expression(NOT_EXISTS);
    let count = count_key(&e.business_id)
        .update(t)
        .update_expression("ADD endpoints :one SET entity = :entity")
        .condition_expression("attribute_not_exists(endpoints) OR endpoints < :max")
        .expression_attribute_values(":one", n(1))
        .expression_attribute_values(":max", n(MAX_ENDPOINTS))
        .expression_attribute_values(":entity", dynamo::s("WEBHOOK_ENDPOINT_COUNT"));
    let tx = Tx::new()
        .with(TX_ENDPOINT, tx_put(put)?)
        .with(TX_COUNT, tx_update(count)?)
        .with(audit::TX_ITEM, entry.transact_put(t)?);
    dynamo::transact(&app.db, tx).await
}

/// Replaces the endpoint as read (`revision`), with the event that
/// announces the change (if any) in the same transaction; `Ok(false)`: it changed or
/// went meanwhile.
pub async fn save(
    app: &App,
    before: &Endpoint,
    after: &Endpoint,
    entry: &AuditEntry,
    event: Option<&crate::platform::outbox::OutboxEvent>,
) -> Result<bool, AppError> {
    let t = app.table();
    let mut after = after.clone();
    after.revision = before.revision + 1;
    let put = Put::builder()
        .table_name(t)
        .set_item(Some(layout(&after).item(&after)?))
        .condition_expression("revision = :seen")
        .expression_attribute_values(":seen", n(before.revision));
    let mut tx = Tx::new().with(TX_ENDPOINT, tx_put(put)?).with(audit::TX_ITEM, entry.transact_put(t)?);
    if let Some(event) = event {
        tx.add("webhook.endpoint.outbox", event.transact_put(app)?);
    }
    match dynamo::transact(&app.db, tx).await? {
        Ok(()) => Ok(true),
        Err(r) if r.failed(TX_ENDPOINT) => Ok(false),
        Err(r) => Err(r.unexpected("webhook endpoint change")),
    }
}

/// Deletes the endpoint as read and gives its place back; `Ok(false)`: it
/// changed or went meanwhile.
pub async fn delete(app: &App, before: &Endpoint, entry: &AuditEntry) -> Result<bool, AppError> {
    let t = app.table();
    let delete = Delete::builder()
        .table_name(t)
        .set_key(Some(layout(before).key.attrs()))
        .condition_expression("revision = :seen")
        .expression_attribute_values(":seen", n(before.revision))
        .build()?;
    let count = count_key(&before.business_id)
        .update(t)
        .update_expression("ADD endpoints :minus")
        .expression_attribute_values(":minus", n(-1));
    let tx = Tx::new()
        .with(TX_ENDPOINT, TransactWriteItem::builder().delete(delete).build())
        .with(TX_COUNT, tx_update(count)?)
        .with(audit::TX_ITEM, entry.transact_put(t)?);
    match dynamo::transact(&app.db, tx).await? {
        Ok(()) => Ok(true),
        Err(r) if r.failed(TX_ENDPOINT) => Ok(false),
        Err(r) => Err(r.unexpected("webhook endpoint deletion")),
    }
}

pub async fn get(app: &App, business_id: &str, endpoint_id: &str) -> Result<Option<Endpoint>, AppError> {
    dynamo::get_as(&app.db, app.table(), &key(business_id, endpoint_id)).await
}

/// A business's endpoints (at most `MAX_ENDPOINTS`), oldest first.
pub async fn of_business(app: &App, business_id: &str) -> Result<Vec<Endpoint>, AppError> {
    let items =
        query_all(&app.db, app.table(), &Partition::table(format!("BUSINESS#{business_id}")).begins_with(PREFIX))
            .await?;
    let mut endpoints: Vec<Endpoint> = items.into_iter().map(serde_dynamo::from_item).collect::<Result<_, _>>()?;
    endpoints.sort_by(|a, b| a.created_at.cmp(&b.created_at).then(a.endpoint_id.cmp(&b.endpoint_id)));
    Ok(endpoints)
}

// Deliveries: one item per (endpoint, event) under the endpoint,
// `WEBHOOK_ENDPOINT#<id>` / `DELIVERY#<occurredAt>#<eventId>`, created once;
// while PENDING it sits in a sharded GSI1 index by its next attempt, which
// the retry schedule reads.

use super::delivery::{Delivery, DeliveryStatus};

const DELIVERY: &str = "DELIVERY#";
const RETRY_SHARDS: u32 = 4;
const RETRY: &str = "WEBHOOK_RETRY";

fn delivery_key(endpoint_id: &str, delivery_id: &str) -> Key {
    Key::new(format!("WEBHOOK_ENDPOINT#{endpoint_id}"), format!("{DELIVERY}{delivery_id}"))
}

fn delivery_layout(d: &Delivery) -> Layout {
    let layout = Layout::new("WEBHOOK_DELIVERY", delivery_key(&d.endpoint_id, &d.delivery_id));
    match (&d.status, &d.next_attempt_at) {
        (DeliveryStatus::Pending, Some(at)) => layout.gsi1(
            dynamo::shard_key(RETRY, &d.delivery_id, RETRY_SHARDS),
            format!("{at}#{}#{}", d.endpoint_id, d.delivery_id),
        ),
        _ => layout,
    }
}

/// Creates the delivery unless it exists; `Ok(false)`: it did.
pub async fn create_delivery(app: &App, d: &Delivery) -> Result<bool, AppError> {
    let put = delivery_layout(d).put_new(app.table(), d)?;
    match dynamo::transact(&app.db, Tx::new().with("webhook.delivery", tx_put(put)?)).await? {
        Ok(()) => Ok(true),
        Err(r) if r.failed("webhook.delivery") => Ok(false),
        Err(r) => Err(r.unexpected("webhook delivery")),
    }
}

pub async fn delivery(app: &App, endpoint_id: &str, delivery_id: &str) -> Result<Option<Delivery>, AppError> {
    dynamo::get_as(&app.db, app.table(), &delivery_key(endpoint_id, delivery_id)).await
}

/// Replaces the delivery as read; `Ok(false)`: another attempt got there first.
pub async fn save_delivery(app: &App, before: &Delivery, after: &Delivery) -> Result<bool, AppError> {
    let mut after = after.clone();
    after.revision = before.revision + 1;
    let put = Put::builder()
        .table_name(app.table())
        .set_item(Some(delivery_layout(&after).item(&after)?))
        .condition_expression("revision = :seen")
        .expression_attribute_values(":seen", n(before.revision));
    match dynamo::transact(&app.db, Tx::new().with("webhook.delivery", tx_put(put)?)).await? {
        Ok(()) => Ok(true),
        Err(r) if r.failed("webhook.delivery") => Ok(false),
        Err(r) => Err(r.unexpected("webhook delivery")),
    }
}

/// A page of an endpoint's deliveries, newest first.
pub async fn deliveries(
    app: &App,
    endpoint_id: &str,
    limit: i32,
    cursor: Option<&str>,
) -> Result<dynamo::Page<Delivery>, AppError> {
    let part = Partition::table(format!("WEBHOOK_ENDPOINT#{endpoint_id}")).begins_with(DELIVERY).newest_first();
    dynamo::query_page(&app.db, app.table(), &part, Some(limit), cursor).await
}

/// PENDING deliveries whose next attempt is due at `now` (RFC 3339).
pub async fn due(app: &App, now: &str) -> Result<Vec<Delivery>, AppError> {
    let mut out = Vec::new();
    for shard in 0..RETRY_SHARDS {
        let part = Partition::index(crate::platform::table::GSI1, format!("{RETRY}#{shard}"))
            .sort_key_range(None, Some(format!("{now}#~")));
        let items = query_all(&app.db, app.table(), &part).await?;
        out.extend(items.into_iter().map(serde_dynamo::from_item::<_, Delivery>).collect::<Result<Vec<_>, _>>()?);
    }
    Ok(out)
}
