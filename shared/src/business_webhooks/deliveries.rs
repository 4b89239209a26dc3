//! Delivering events to businesses' endpoints: each event a business is a
//! party to becomes one delivery per endpoint that wants it (fanned out by
//! the notifications worker, once however often the event arrives), sent
//! by the delivery worker with Standard Webhooks headers, and tried again
//! on the retry schedule until it succeeds or about three days pass. The
//! address is checked again before every attempt, the connection is made
//! to the address that was checked, and redirects are not followed.

use std::net::SocketAddr;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::address::{self, LocalReceivers};
use super::delivery::{self, Attempt, Delivery, DeliveryStatus};
use super::domain::{Endpoint, EVENT_TYPES};
use super::store;
use crate::notifications::domain::BusEvent;
use crate::partnerships::store as partnerships;
use crate::platform::clock::rfc3339;
use crate::platform::error::AppError;
use crate::platform::ids::BusinessId;
use crate::App;

/// How long a receiver has to answer.
const TIMEOUT: Duration = Duration::from_secs(10);

/// The delivery worker's job: one delivery to attempt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryJob {
    pub business_id: String,
    pub endpoint_id: String,
    pub delivery_id: String,
}

fn local(app: &App) -> LocalReceivers {
    if app.settings.webhooks_allow_local_receivers {
        LocalReceivers::Allowed
    } else {
        LocalReceivers::Refused
    }
}

async fn enqueue(app: &App, jobs: &[DeliveryJob]) -> Result<(), AppError> {
    if jobs.is_empty() {
        return Ok(());
    }
    let queue = app.settings.webhook_delivery_queue_url.as_deref().ok_or_else(|| {
        AppError::unavailable("WEBHOOK_QUEUE_NOT_CONFIGURED", "WEBHOOK_DELIVERY_QUEUE_URL is not set")
    })?;
    let bodies: Vec<serde_json::Value> = jobs.iter().map(|j| json!(j)).collect();
    crate::platform::queue::send_json_many(&app.sqs, queue, &bodies, 4).await?;
    Ok(())
}

/// The businesses an event concerns: its parties.
async fn parties(app: &App, event: &BusEvent) -> Result<Vec<String>, AppError> {
    let named = crate::notifications::domain::named_businesses(event);
    if !named.is_empty() {
        return Ok(named);
    }
    let Some(id) = event.detail.get("partnershipId").and_then(|v| v.as_str()) else { return Ok(Vec::new()) };
    Ok(partnerships::get(app, id).await?.map(|p| vec![p.business_a_id, p.business_b_id]).unwrap_or_default())
}

/// One delivery per endpoint of each party that wants the event; a
/// delivery that already exists and is still pending is queued again (the
/// first run may have died before queueing it; the worker sends it once).
pub async fn fan_out(app: &App, event: &BusEvent) -> Result<usize, AppError> {
    if !EVENT_TYPES.contains(&event.detail_type.as_str()) {
        return Ok(0);
    }
    let (event_id, occurred_at) = (event.event_id()?, event.occurred_at()?);
    let now = app.clock.now();
    let mut jobs = Vec::new();
    for business in parties(app, event).await? {
        for endpoint in store::of_business(app, &business).await?.iter().filter(|e| e.wants(&event.detail_type)) {
            let d = delivery::new(endpoint, event_id, &event.detail_type, occurred_at, &event.detail, now);
            let pending = if store::create_delivery(app, &d).await? {
                true
            } else {
                store::delivery(app, &d.endpoint_id, &d.delivery_id)
                    .await?
                    .is_some_and(|existing| existing.status == DeliveryStatus::Pending && existing.attempt_count == 0)
            };
            if pending {
                jobs.push(DeliveryJob {
                    business_id: business.clone(),
                    endpoint_id: d.endpoint_id.clone(),
                    delivery_id: d.delivery_id.clone(),
                });
            }
        }
    }
    enqueue(app, &jobs).await?;
    Ok(jobs.len())
}

/// One POST of the delivery to the endpoint, to the address just checked.
async fn send(app: &App, endpoint: &Endpoint, d: &Delivery) -> Attempt {
    let now = app.clock.now();
    let failed = |error: String| Attempt { at: rfc3339(now), status_code: None, error: Some(error) };
    let (checked, addresses) = match address::check_and_resolve(&endpoint.url, local(app)).await {
        Ok(ok) => ok,
        Err(e) => return failed(format!("address refused: {}", e.message)),
    };
    let Some(signature) = delivery::signatures(endpoint, &d.message_id, now.unix_timestamp(), &d.body, now) else {
        return failed("the endpoint's secret cannot sign".into());
    };
    // Pinned to the checked address: a second lookup could answer otherwise.
    let pinned = SocketAddr::new(addresses[0], checked.port);
    let client = match reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(TIMEOUT)
        .user_agent(concat!("partner-program-webhooks/", env!("CARGO_PKG_VERSION")))
        .resolve(&checked.host, pinned)
        .build()
    {
        Ok(c) => c,
        Err(e) => return failed(format!("client: {e}")),
    };
    let sent = client
        .post(checked.url.clone())
        .header("content-type", "application/json")
        .header("webhook-id", &d.message_id)
        .header("webhook-timestamp", now.unix_timestamp().to_string())
        .header("webhook-signature", signature)
        .body(d.body.clone())
        .send()
        .await;
    match sent {
        Ok(response) => Attempt { at: rfc3339(now), status_code: Some(response.status().as_u16()), error: None },
        Err(e) if e.is_timeout() => failed("no answer within 10 s".into()),
        Err(e) => failed(format!("not delivered: {}", e.without_url())),
    }
}

/// The delivery worker's job: one attempt, if the delivery is due.
pub async fn attempt(app: &App, job: &DeliveryJob) -> Result<(), AppError> {
    let Some(d) = store::delivery(app, &job.endpoint_id, &job.delivery_id).await? else { return Ok(()) };
    let now = app.clock.now();
    let due = d.next_attempt_at.as_deref().is_some_and(|at| *at <= *rfc3339(now + time::Duration::seconds(1)));
    if d.status != DeliveryStatus::Pending || !due {
        return Ok(());
    }
    let attempt = match store::get(app, &job.business_id, &job.endpoint_id).await? {
        Some(endpoint) if endpoint.status == super::domain::EndpointStatus::Enabled => send(app, &endpoint, &d).await,
        Some(_) => Attempt { at: rfc3339(now), status_code: None, error: Some("the endpoint is disabled".into()) },
        None => Attempt { at: rfc3339(now), status_code: None, error: Some("the endpoint was deleted".into()) },
    };
    let after = delivery::after_attempt(&d, attempt, app.clock.now());
    // Lost to a concurrent attempt of the same delivery: its record stands.
    if store::save_delivery(app, &d, &after).await? && after.status == DeliveryStatus::Failed {
        disable_if_failing(app, job, &after).await?;
    }
    Ok(())
}

/// A delivery failed for good (about three days of attempts): when nothing
/// reached the endpoint since it was made, the endpoint is disabled and
/// its owners are told (the `partner.webhook.endpoint_disabled` event,
/// written with the change).
async fn disable_if_failing(app: &App, job: &DeliveryJob, failed: &Delivery) -> Result<(), AppError> {
    let newer = store::deliveries(app, &job.endpoint_id, 50, None).await?;
    let reached =
        newer.items.iter().any(|d| d.created_at >= failed.created_at && d.status == DeliveryStatus::Succeeded);
    let Some(before) = store::get(app, &job.business_id, &job.endpoint_id).await? else { return Ok(()) };
    if reached || before.status != super::domain::EndpointStatus::Enabled {
        return Ok(());
    }
    let now = rfc3339(app.clock.now());
    let reason = format!("every delivery failed since {}", failed.created_at);
    let mut after = before.clone();
    (after.status, after.disabled_reason, after.updated_at) =
        (super::domain::EndpointStatus::Disabled, Some(reason.clone()), now.clone());
    let entry = crate::platform::audit::AuditEntry::new(
        "webhooks",
        "webhook_endpoint.disabled",
        &store::subject(&job.business_id, &job.endpoint_id),
        &now,
        json!({ "reason": reason }),
    );
    let event = crate::platform::outbox::OutboxEvent::new(
        app,
        "partner.webhook.endpoint_disabled",
        json!({ "endpointId": after.endpoint_id, "businessId": after.business_id, "url": after.url, "reason": reason, "failingSince": failed.created_at }),
    );
    if store::save(app, &before, &after, &entry, Some(&event)).await? {
        crate::platform::outbox::publish_now(app, std::slice::from_ref(&event)).await;
    }
    Ok(())
}

/// The retry schedule's run: queues every pending delivery now due.
pub async fn retry_due(app: &App) -> Result<usize, AppError> {
    let due = store::due(app, &rfc3339(app.clock.now())).await?;
    let jobs: Vec<DeliveryJob> = due
        .iter()
        .map(|d| DeliveryJob {
            business_id: d.business_id.clone(),
            endpoint_id: d.endpoint_id.clone(),
            delivery_id: d.delivery_id.clone(),
        })
        .collect();
    enqueue(app, &jobs).await?;
    Ok(jobs.len())
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryLog {
    pub deliveries: Vec<DeliveryView>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryView {
    pub delivery_id: String,
    pub message_id: String,
    pub event_type: String,
    pub status: DeliveryStatus,
    pub attempt_count: u32,
    pub attempts: Vec<Attempt>,
    /// The last answer's HTTP status, if any.
    pub response_code: Option<u16>,
    pub next_attempt_at: Option<String>,
    pub created_at: String,
}

/// An endpoint's delivery log, newest first (its owner's).
pub async fn log(
    app: &App,
    business_id: &BusinessId,
    endpoint_id: &str,
    limit: i32,
    cursor: Option<&str>,
) -> Result<DeliveryLog, AppError> {
    if !(1..=100).contains(&limit) {
        return Err(AppError::bad_request("INVALID_LIMIT", "limit must be between 1 and 100"));
    }
    if store::get(app, business_id, endpoint_id).await?.is_none() {
        return Err(AppError::not_found(
            "WEBHOOK_ENDPOINT_NOT_FOUND",
            format!("no webhook endpoint {endpoint_id} of yours"),
        ));
    }
    let page = store::deliveries(app, endpoint_id, limit, cursor).await?;
    let deliveries = page
        .items
        .into_iter()
        .map(|d| DeliveryView {
            response_code: d.attempts.iter().rev().find_map(|a| a.status_code),
            delivery_id: d.delivery_id,
            message_id: d.message_id,
            event_type: d.event_type,
            status: d.status,
            attempt_count: d.attempt_count,
            attempts: d.attempts,
            next_attempt_at: d.next_attempt_at,
            created_at: d.created_at,
        })
        .collect();
    Ok(DeliveryLog { deliveries, next_cursor: page.next_cursor })
}

/// An owner's manual redelivery: the delivery is pending again, due now,
/// its log kept, and queued. Refused while it is still being retried.
pub async fn redeliver(
    app: &App,
    business_id: &BusinessId,
    endpoint_id: &str,
    delivery_id: &str,
) -> Result<(), AppError> {
    if store::get(app, business_id, endpoint_id).await?.is_none() {
        return Err(AppError::not_found(
            "WEBHOOK_ENDPOINT_NOT_FOUND",
            format!("no webhook endpoint {endpoint_id} of yours"),
        ));
    }
    let d = store::delivery(app, endpoint_id, delivery_id).await?.ok_or_else(|| {
        AppError::not_found("WEBHOOK_DELIVERY_NOT_FOUND", format!("no delivery {delivery_id} of this endpoint"))
    })?;
    if d.status == DeliveryStatus::Pending {
        return Err(AppError::conflict(
            "WEBHOOK_DELIVERY_PENDING",
            "the delivery is still being tried; its next attempt is scheduled",
        ));
    }
    let mut again = d.clone();
    (again.status, again.next_attempt_at) = (DeliveryStatus::Pending, Some(rfc3339(app.clock.now())));
    if !store::save_delivery(app, &d, &again).await? {
        return Err(AppError::conflict("WEBHOOK_DELIVERY_CHANGED", "the delivery changed meanwhile; read it again"));
    }
    enqueue(
        app,
        &[DeliveryJob {
            business_id: business_id.to_string(),
            endpoint_id: endpoint_id.into(),
            delivery_id: again.delivery_id,
        }],
    )
    .await
}

/// A `webhook.ping` test event to one endpoint, now, whatever it
/// subscribed to: the answer names the delivery to look for in the log.
pub async fn ping(app: &App, business_id: &BusinessId, endpoint_id: &str) -> Result<serde_json::Value, AppError> {
    let endpoint = store::get(app, business_id, endpoint_id).await?.ok_or_else(|| {
        AppError::not_found("WEBHOOK_ENDPOINT_NOT_FOUND", format!("no webhook endpoint {endpoint_id} of yours"))
    })?;
    let now = app.clock.now();
    let event_id = crate::platform::ids::new_id();
    let detail = json!({ "endpointId": endpoint.endpoint_id, "businessId": endpoint.business_id, "eventId": event_id });
    let d = delivery::new(&endpoint, &event_id, PING, &rfc3339(now), &detail, now);
    store::create_delivery(app, &d).await?;
    enqueue(
        app,
        &[DeliveryJob {
            business_id: business_id.to_string(),
            endpoint_id: endpoint_id.into(),
            delivery_id: d.delivery_id.clone(),
        }],
    )
    .await?;
    Ok(json!({ "deliveryId": d.delivery_id, "messageId": d.message_id }))
}

/// The test event's type.
pub const PING: &str = "webhook.ping";
