//! Webhook use cases: ingest (verify, record once, queue) and apply.

use lambda_http::Request;
use serde_json::json;

use super::domain::{commission, effect_of, verify_signature, Effect, Envelope};
use super::store::{self, CommissionEntry, StoredEvent};
use crate::cycle::domain::MonthKey;
use crate::cycle::service as cycle;
use crate::dunning::domain::DunningStatus;
use crate::dunning::store::{self as dunning, DunningRecord};
use crate::http::request::{body_bytes, request_id};
use crate::platform::audit::AuditEntry;
use crate::platform::clock::rfc3339;
use crate::platform::error::AppError;
use crate::seats::domain::{SeatStatus, Wallet};
use crate::seats::privileges::latest_seat;
use crate::App;

/// A received event not yet queued after this long is queued again on
/// redelivery (its first invocation died between recording and sending).
const REQUEUE_AFTER_SECS: i64 = 60;

#[derive(Debug, PartialEq, Eq)]
pub enum Ingested {
    New,
    Duplicate,
}

/// `POST /api/webhooks/paddle`: verify over the raw bytes, record once,
/// queue, answer quickly.
pub async fn ingest(app: &App, req: &Request) -> Result<Ingested, AppError> {
    let raw = body_bytes(req);
    let now = app.clock.now();
    let header = req.headers().get("paddle-signature").and_then(|v| v.to_str().ok());
    let verified = verify_signature(header, raw, &app.settings.paddle_secrets, now.unix_timestamp(), app.settings.paddle_tolerance_secs);
    if let Err(e) = verified {
        if !app.settings.paddle_bypass_signature {
            let audit = AuditEntry::new("paddle", "webhook.invalid_signature", "WEBHOOK#unverified", &rfc3339(now), json!({ "reason": e.reason() }))
                .with_request_id(request_id(req));
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
        status: "received".into(),
        payload: String::from_utf8_lossy(raw).into_owned(),
        queued_at: None,
        processed_at: None,
        result: None,
        error: None,
        attempts: 0,
    };
    let subject = format!("WEBHOOK#{}", event.event_id);
    let received = AuditEntry::new("paddle", "webhook.received", &subject, &at, json!({ "eventType": event.event_type }))
        .with_request_id(request_id(req));
    if store::record_received(app, &event, &received).await? {
        enqueue(app, &event.event_id).await?;
        return Ok(Ingested::New);
    }
    AuditEntry::new("paddle", "webhook.duplicate", &subject, &at, json!({ "eventType": event.event_type }))
        .with_request_id(request_id(req))
        .write(&app.db, app.table())
        .await?;
    // Recorded but never queued (the first delivery died mid-way): queue it now.
    if let Some(stored) = store::get_event(app, &event.event_id).await? {
        let stale = time::OffsetDateTime::parse(&stored.received_at, &time::format_description::well_known::Rfc3339)
            .map(|t| (now - t).whole_seconds() > REQUEUE_AFTER_SECS)
            .unwrap_or(false);
        if stored.status == "received" && stored.queued_at.is_none() && stale {
            enqueue(app, &event.event_id).await?;
        }
    }
    Ok(Ingested::Duplicate)
}

async fn enqueue(app: &App, event_id: &str) -> Result<(), AppError> {
    let queue = app
        .settings
        .paddle_webhook_queue_url
        .as_deref()
        .ok_or_else(|| AppError::unavailable("WEBHOOK_QUEUE_NOT_CONFIGURED", "PADDLE_WEBHOOK_QUEUE_URL is not set"))?;
    crate::platform::queue::send_json(&app.sqs, queue, &json!({ "eventId": event_id })).await?;
    store::mark_queued(app, event_id, &rfc3339(app.clock.now())).await
}

/// Applies one queued event. Idempotent: a processed event is skipped, and
/// every effect is keyed by Paddle's ids. On failure the event is marked
/// `error` with the error text and `Err` asks SQS to retry.
pub async fn process(app: &App, event_id: &str) -> Result<String, AppError> {
    let Some(event) = store::get_event(app, event_id).await? else {
        return Err(AppError::internal(format!("queued webhook {event_id} is not recorded")));
    };
    if event.status == "processed" {
        return Ok("already processed".into());
    }
    let subject = format!("WEBHOOK#{event_id}");
    let outcome = apply(app, &event).await;
    let now = rfc3339(app.clock.now());
    match outcome {
        Ok(result) => {
            let audit = AuditEntry::new("webhook-worker", "webhook.processed", &subject, &now, json!({ "result": result }));
            store::finish(app, &event, "processed", Some(&result), None, &now, &audit).await?;
            Ok(result)
        }
        Err(err) => {
            let text = err.to_string();
            let audit = AuditEntry::new("webhook-worker", "webhook.failed", &subject, &now, json!({ "error": text }));
            store::finish(app, &event, "error", None, Some(&text), &now, &audit).await?;
            Err(err)
        }
    }
}

async fn apply(app: &App, event: &StoredEvent) -> Result<String, AppError> {
    let envelope = Envelope::parse(event.payload.as_bytes()).map_err(|e| AppError::bad_request("INVALID_WEBHOOK_PAYLOAD", e))?;
    let effect = effect_of(&envelope).map_err(|e| AppError::bad_request("INVALID_WEBHOOK_PAYLOAD", e))?;
    let subject = format!("WEBHOOK#{}", event.event_id);
    Ok(match effect {
        Effect::Ignore => "ignored".into(),
        Effect::Membership { customer_id, subscription_id, status } => {
            if store::apply_membership(app, &customer_id, &subscription_id, &status, &envelope.occurred_at, &event.event_id).await? {
                format!("membership {customer_id} -> {status}")
            } else {
                "stale: a newer subscription event was already applied".into()
            }
        }
        Effect::Dunning { customer_id, transaction_id } => {
            let record = DunningRecord {
                customer_id: customer_id.clone(),
                transaction_id,
                occurred_at: envelope.occurred_at.clone(),
                event_id: event.event_id.clone(),
                status: DunningStatus::Open,
                closed_at: None,
                resolution: None,
            };
            dunning::open(app, &record).await?;
            format!("dunning opened for {customer_id}")
        }
        Effect::Commission { transaction_id, partner_wallet, total_minor, currency } => {
            let amount = commission(total_minor, app.settings.commission_bps);
            let entry = CommissionEntry {
                transaction_id: transaction_id.clone(),
                partner_wallet: partner_wallet.clone(),
                kind: "CREDIT".into(),
                amount_minor: amount as i64,
                currency,
                occurred_at: envelope.occurred_at.clone(),
                event_id: event.event_id.clone(),
            };
            let audit = AuditEntry::new("webhook-worker", "commission.credited", &subject, &rfc3339(app.clock.now()), json!({ "transactionId": transaction_id, "wallet": partner_wallet, "amountMinor": amount }));
            store::put_commission(app, &entry, &audit).await?;
            seat_points(app, &partner_wallet, &envelope.occurred_at, amount as i64, &format!("paddle-{transaction_id}")).await?;
            format!("commission {amount} to {partner_wallet}")
        }
        Effect::ReverseCommission { transaction_id, adjustment_id } => {
            let Some(credit) = store::get_commission(app, &transaction_id, "CREDIT").await? else {
                return Ok(format!("no commission on {transaction_id} to reverse"));
            };
            let reversal = CommissionEntry {
                kind: "REVERSAL".into(),
                amount_minor: -credit.amount_minor,
                occurred_at: envelope.occurred_at.clone(),
                event_id: event.event_id.clone(),
                ..credit.clone()
            };
            let audit = AuditEntry::new("webhook-worker", "commission.reversed", &subject, &rfc3339(app.clock.now()), json!({ "transactionId": transaction_id, "adjustmentId": adjustment_id, "amountMinor": reversal.amount_minor }));
            if store::put_commission(app, &reversal, &audit).await? {
                seat_points(app, &credit.partner_wallet, &credit.occurred_at, reversal.amount_minor, &format!("paddle-reversal-{transaction_id}")).await?;
                format!("commission on {transaction_id} reversed")
            } else {
                format!("commission on {transaction_id} was already reversed")
            }
        }
    })
}

/// The same amount as performance points for the partner's active seat in
/// the month the transaction happened; nothing if the wallet holds none.
async fn seat_points(app: &App, wallet: &str, occurred_at: &str, points: i64, entry_id: &str) -> Result<(), AppError> {
    if points == 0 {
        return Ok(());
    }
    let Ok(wallet) = Wallet::parse(wallet) else {
        return Ok(()); // not one of our partners' wallets: a commission record only
    };
    let Some(seat) = latest_seat(app, &wallet).await?.filter(|s| s.status == SeatStatus::Active) else {
        return Ok(());
    };
    let month = time::OffsetDateTime::parse(occurred_at, &time::format_description::well_known::Rfc3339)
        .map(MonthKey::of)
        .map_err(|_| AppError::bad_request("INVALID_WEBHOOK_PAYLOAD", format!("occurred_at {occurred_at:?} is not RFC 3339")))?;
    match cycle::add_points(app, "webhook-worker", &seat.seat_id, month, points, "paddle_commission", "partner commission", Some(entry_id.to_string()), None).await {
        Ok(_) => Ok(()),
        Err(e) if e.code == "SEAT_NOT_ACTIVE" => Ok(()),
        Err(e) => Err(e),
    }
}
