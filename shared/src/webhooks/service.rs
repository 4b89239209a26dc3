//! Webhook use cases: ingest (verify, record once, queue) and apply. What
//! an event does is each owning context's business: memberships,
//! commissions, dunning.

use serde::Serialize;
use serde_json::json;

use super::domain::{effect_of, verify_signature, Effect, Envelope, StoredEvent, WebhookStatus};
use super::store;
use crate::commissions::{domain::Adjustment, domain::Sale, service as commissions};
use crate::dunning::{domain::DunningRecord, service as dunning};
use crate::memberships::{domain::MembershipChange, service as memberships};
use crate::platform::audit::{self, AuditEntry, AuditFilter, AuditRow};
use crate::platform::clock::{rfc3339, Window};
use crate::platform::error::AppError;
use crate::platform::metrics;
use crate::App;

/// A received event not yet queued after this long is queued again on
/// redelivery (its first invocation died between recording and sending).
const REQUEUE_AFTER_SECS: i64 = 60;

#[derive(Debug, PartialEq, Eq)]
pub enum Ingested {
    New,
    Duplicate,
}

/// What `POST /api/webhooks/paddle` received: the raw body (the signature
/// covers it byte for byte) and the `Paddle-Signature` header.
pub struct Delivery<'a> {
    pub raw: &'a [u8],
    pub signature: Option<&'a str>,
    pub request_id: Option<String>,
}

/// Verify over the raw bytes, record once, queue, answer quickly.
pub async fn ingest(app: &App, delivery: Delivery<'_>) -> Result<Ingested, AppError> {
    let Delivery { raw, signature, request_id } = delivery;
    let now = app.clock.now();
    let mut verified = verify_signature(
        signature,
        raw,
        &app.secrets.paddle(),
        now.unix_timestamp(),
        app.settings.paddle_tolerance_secs,
    );
    // A rotation may have happened since the secrets were read: read them
    // again (at most every 30 s) and check once more.
    if verified.is_err() && app.secrets.refresh().await {
        verified = verify_signature(
            signature,
            raw,
            &app.secrets.paddle(),
            now.unix_timestamp(),
            app.settings.paddle_tolerance_secs,
        );
    }
    if let Err(e) = verified {
        if !app.settings.paddle_bypass_signature {
            metrics::count(metrics::names::WEBHOOK_INVALID_SIGNATURES, 1);
            let audit = AuditEntry::new(
                "paddle",
                "webhook.invalid_signature",
                store::UNVERIFIED_SUBJECT,
                &rfc3339(now),
                json!({ "reason": e.reason() }),
            )
            .with_request_id(request_id.clone());
            audit.write(&app.db, app.table()).await?;
            return Err(AppError::unauthorized("WEBHOOK_INVALID_SIGNATURE", e.reason()));
        }
        tracing::warn!(reason = e.reason(), "webhook signature bypassed (local only)");
    }
    let envelope = Envelope::parse(raw).map_err(|e| AppError::bad_request("INVALID_WEBHOOK_PAYLOAD", e))?;
    let at = rfc3339(now);
    let event = StoredEvent {
        event_id: envelope.event_id.clone(),
        event_type: envelope.event_type.clone(),
        occurred_at: envelope.occurred_at.clone(),
        received_at: at.clone(),
        status: WebhookStatus::Received,
        payload: String::from_utf8_lossy(raw).into_owned(),
        queued_at: None,
        processed_at: None,
        result: None,
        error: None,
        attempts: 0,
    };
    let subject = store::subject(&event.event_id);
    let received =
        AuditEntry::new("paddle", "webhook.received", &subject, &at, json!({ "eventType": event.event_type }))
            .with_request_id(request_id.clone());
    if store::record_received(app, &event, &received).await? {
        metrics::count(metrics::names::WEBHOOK_EVENTS_RECEIVED, 1);
        enqueue(app, &event.event_id).await?;
        return Ok(Ingested::New);
    }
    metrics::count(metrics::names::WEBHOOK_EVENTS_DUPLICATE, 1);
    AuditEntry::new("paddle", "webhook.duplicate", &subject, &at, json!({ "eventType": event.event_type }))
        .with_request_id(request_id)
        .write(&app.db, app.table())
        .await?;
    // Recorded but never queued (the first delivery died mid-way): queue it now.
    if let Some(stored) = store::get_event(app, &event.event_id).await? {
        let stale = time::OffsetDateTime::parse(&stored.received_at, &time::format_description::well_known::Rfc3339)
            .map(|t| (now - t).whole_seconds() > REQUEUE_AFTER_SECS)
            .unwrap_or(false);
        if stored.status == WebhookStatus::Received && stored.queued_at.is_none() && stale {
            enqueue(app, &event.event_id).await?;
        }
    }
    Ok(Ingested::Duplicate)
}

async fn enqueue(app: &App, event_id: &str) -> Result<(), AppError> {
    let queue =
        app.settings.paddle_webhook_queue_url.as_deref().ok_or_else(|| {
            AppError::unavailable("WEBHOOK_QUEUE_NOT_CONFIGURED", "PADDLE_WEBHOOK_QUEUE_URL is not set")
        })?;
    crate::platform::queue::send_json(&app.sqs, queue, &json!({ "eventId": event_id })).await?;
    store::mark_queued(app, event_id, &rfc3339(app.clock.now())).await
}

/// How long an event may stay `received` without a queued job before the
/// sweep sends one (its first invocation died between recording and
/// sending, and Paddle may never redeliver it).
pub const SWEEP_GRACE: time::Duration = time::Duration::minutes(2);

/// The sweep: every event received more than `SWEEP_GRACE` ago and never
/// queued gets its job now. Idempotent: processing an event twice applies
/// each effect once. Returns their ids.
pub async fn sweep_unqueued(app: &App) -> Result<Vec<String>, AppError> {
    // Received before the cutoff: a range on the index's sort key.
    let window = Window { from: None, to: Some(rfc3339(app.clock.now() - SWEEP_GRACE)) };
    let mut swept = Vec::new();
    let mut cursor = None;
    loop {
        let page = store::by_status_page(app, WebhookStatus::Received, &window, 100, cursor.as_deref()).await?;
        for event in page.items.into_iter().filter(|e| e.queued_at.is_none()) {
            tracing::warn!(event_id = %event.event_id, "webhook event was never queued; queueing it now");
            enqueue(app, &event.event_id).await?;
            swept.push(event.event_id);
        }
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => return Ok(swept),
        }
    }
}

/// Applies one queued event. Idempotent: a processed event is skipped, and
/// every effect is keyed by Paddle's ids. On failure the event is marked
/// `error` with the error text and `Err` asks SQS to retry.
pub async fn process(app: &App, event_id: &str) -> Result<String, AppError> {
    let Some(event) = store::get_event(app, event_id).await? else {
        return Err(AppError::internal(format!("queued webhook {event_id} is not recorded")));
    };
    if event.status == WebhookStatus::Processed {
        return Ok("already processed".into());
    }
    let subject = store::subject(event_id);
    let outcome = apply(app, &event).await;
    let now = rfc3339(app.clock.now());
    match outcome {
        Ok(result) => {
            let audit =
                AuditEntry::new("webhook-worker", "webhook.processed", &subject, &now, json!({ "result": result }));
            store::finish(app, &event, WebhookStatus::Processed, Some(&result), None, &now, &audit).await?;
            Ok(result)
        }
        Err(err) => {
            let text = err.to_string();
            let audit = AuditEntry::new("webhook-worker", "webhook.failed", &subject, &now, json!({ "error": text }));
            store::finish(app, &event, WebhookStatus::Error, None, Some(&text), &now, &audit).await?;
            Err(err)
        }
    }
}

async fn apply(app: &App, event: &StoredEvent) -> Result<String, AppError> {
    let envelope =
        Envelope::parse(event.payload.as_bytes()).map_err(|e| AppError::bad_request("INVALID_WEBHOOK_PAYLOAD", e))?;
    let effect = effect_of(&envelope).map_err(|e| AppError::bad_request("INVALID_WEBHOOK_PAYLOAD", e))?;
    let subject = store::subject(&event.event_id);
    let (occurred_at, event_id) = (envelope.occurred_at.clone(), event.event_id.clone());
    match effect {
        Effect::Ignore => Ok("ignored".into()),
        Effect::Membership { customer_id, subscription_id, status } => {
            memberships::apply(app, &MembershipChange { customer_id, subscription_id, status, occurred_at, event_id })
                .await
        }
        Effect::Dunning { customer_id, transaction_id } => {
            dunning::open(app, &DunningRecord::open(customer_id, transaction_id, occurred_at, event_id)).await
        }
        Effect::Commission { transaction_id, partner_wallet, total_minor, currency } => {
            commissions::credit(
                app,
                &Sale { transaction_id, partner_wallet, total_minor, currency, occurred_at, event_id },
                &subject,
            )
            .await
        }
        Effect::ReverseCommission { transaction_id, adjustment_id, refunded_minor } => {
            commissions::reverse(
                app,
                &Adjustment { transaction_id, adjustment_id, refunded_minor, occurred_at, event_id },
                &subject,
            )
            .await
        }
    }
}

#[derive(Debug, Serialize)]
pub struct EventWithTrail {
    pub event: StoredEvent,
    pub audit: Vec<AuditRow>,
}

/// One event with its audit trail (the last 100 rows).
pub async fn event_with_trail(app: &App, event_id: &str) -> Result<EventWithTrail, AppError> {
    let event = store::get_event(app, event_id)
        .await?
        .ok_or_else(|| AppError::not_found("WEBHOOK_EVENT_NOT_FOUND", format!("no webhook event {event_id}")))?;
    let trail =
        audit::query(app, AuditFilter::Subject(&store::subject(event_id)), &Window::default(), 100, None).await?;
    Ok(EventWithTrail { event, audit: trail.items })
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EventPage {
    pub status: WebhookStatus,
    pub events: Vec<StoredEvent>,
    pub next_cursor: Option<String>,
}

/// Events of a status received within `window`, newest first.
pub async fn list(
    app: &App,
    status: WebhookStatus,
    window: &Window,
    limit: Option<i32>,
    cursor: Option<&str>,
) -> Result<EventPage, AppError> {
    let limit = limit.unwrap_or(50);
    if !(1..=100).contains(&limit) {
        return Err(AppError::bad_request("INVALID_LIMIT", "limit must be between 1 and 100"));
    }
    let page = store::by_status_page(app, status, window, limit, cursor).await?;
    Ok(EventPage { status, events: page.items, next_cursor: page.next_cursor })
}
