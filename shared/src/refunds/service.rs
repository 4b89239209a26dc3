//! Refund use cases: the operator queue and actions, payout jobs, the SLA
//! audit.

use serde_json::json;

use super::domain::{next_status, sla_report, Refund, RefundAction, RefundStatus, SlaReport};
use super::payout::{PayoutOutcome, PayoutProvider};
use super::store;
use crate::platform::audit::AuditEntry;
use crate::platform::bus;
use crate::platform::clock::rfc3339;
use crate::platform::dynamo::Page;
use crate::platform::error::AppError;
use crate::App;

pub async fn list(
    app: &App,
    status: RefundStatus,
    limit: Option<i32>,
    cursor: Option<&str>,
) -> Result<Page<Refund>, AppError> {
    if let Some(l) = limit {
        if !(1..=100).contains(&l) {
            return Err(AppError::bad_request("INVALID_LIMIT", "limit must be between 1 and 100"));
        }
    }
    store::list_by_status(app, status, Some(limit.unwrap_or(50)), cursor).await
}

/// Applies an operator's (or the worker's) action to a refund.
pub async fn act(
    app: &App,
    actor: &str,
    refund_id: &str,
    action: RefundAction,
    request_id: Option<String>,
) -> Result<Refund, AppError> {
    let refund = store::get(app, refund_id)
        .await?
        .ok_or_else(|| AppError::not_found("REFUND_NOT_FOUND", format!("no refund {refund_id}")))?;
    let to = next_status(refund.status, &action)?;
    let now = rfc3339(app.clock.now());
    let (tx_hash, reason, verb) = match &action {
        RefundAction::Complete { tx_hash } => (Some(tx_hash.as_str()), None, "refund.completed"),
        RefundAction::Fail { reason } => (None, Some(reason.as_str()), "refund.failed"),
        RefundAction::Retry => (None, None, "refund.retried"),
    };
    let audit = AuditEntry::new(
        actor,
        verb,
        &store::subject(refund_id),
        &now,
        json!({ "from": refund.status, "to": to, "txHash": tx_hash, "reason": reason }),
    )
    .with_request_id(request_id);
    if !store::transition(app, &refund, refund.status, to, tx_hash, reason, &now, &audit).await? {
        // Someone moved it between our read and write: answer from its
        // current state, as if we had come second.
        let current = store::get(app, refund_id).await?.ok_or_else(|| AppError::internal("refund vanished"))?;
        next_status(current.status, &action)?;
        return Err(AppError::conflict(
            "REFUND_CHANGED_CONCURRENTLY",
            "the refund changed while updating; read it again",
        ));
    }
    if to == RefundStatus::Pending {
        enqueue_payout(app, refund_id).await?;
    }
    store::get(app, refund_id).await?.ok_or_else(|| AppError::internal("refund vanished"))
}

/// Sends one payout job and records that it was sent. Sending twice is
/// harmless: the worker pays only a PENDING refund, once.
pub async fn enqueue_payout(app: &App, refund_id: &str) -> Result<(), AppError> {
    enqueue_payout_after(app, refund_id, 0).await
}

async fn enqueue_payout_after(app: &App, refund_id: &str, delay_secs: i32) -> Result<(), AppError> {
    let queue =
        app.settings.refund_payout_queue_url.as_deref().ok_or_else(|| {
            AppError::unavailable("PAYOUT_QUEUE_NOT_CONFIGURED", "REFUND_PAYOUT_QUEUE_URL is not set")
        })?;
    crate::platform::queue::send_json_after(&app.sqs, queue, &json!({ "refundId": refund_id }), delay_secs).await?;
    store::mark_payout_queued(app, refund_id, &rfc3339(app.clock.now())).await
}

/// How long a refund may wait for its payout job before the sweep sends it:
/// longer than any transaction-then-send takes.
pub const SWEEP_GRACE: time::Duration = time::Duration::minutes(2);

/// When a provider answers "pending", the payout is asked about again this
/// much later (a fresh job), rather than failing the message into the DLQ.
pub const PENDING_RECHECK_SECS: i32 = 900;

/// The sweep: every PENDING refund older than `SWEEP_GRACE` whose payout
/// job was never sent (its transaction committed, its send failed or its
/// invocation died) gets one now. Returns their ids.
pub async fn sweep_unqueued_payouts(app: &App) -> Result<Vec<String>, AppError> {
    let cutoff = rfc3339(app.clock.now() - SWEEP_GRACE);
    let mut swept = Vec::new();
    for refund in store::all_by_status(app, RefundStatus::Pending).await? {
        if refund.payout_queued_at.is_none() && refund.created_at <= cutoff {
            tracing::warn!(refund_id = %refund.refund_id, "refund had no payout job; sending it now");
            enqueue_payout(app, &refund.refund_id).await?;
            swept.push(refund.refund_id);
        }
    }
    Ok(swept)
}

#[derive(Debug, PartialEq, Eq)]
pub enum JobResult {
    Paid,
    Failed,
    LeftForOperator,
    /// Accepted but not paid yet: a fresh job asks again later.
    CheckLater,
    NothingToDo,
}

/// One payout job. `Err` means "retry this message later".
pub async fn process_payout(app: &App, provider: &impl PayoutProvider, refund_id: &str) -> Result<JobResult, AppError> {
    let Some(refund) = store::get(app, refund_id).await? else {
        tracing::warn!(refund_id, "payout job for an unknown refund; dropped");
        return Ok(JobResult::NothingToDo);
    };
    if refund.status != RefundStatus::Pending {
        return Ok(JobResult::NothingToDo);
    }
    let outcome = match provider.pay(&refund).await {
        Ok(o) => o,
        Err(e) => {
            store::count_attempt(app, refund_id, &e.to_string()).await?;
            return Err(AppError::unavailable("PAYOUT_PROVIDER_UNAVAILABLE", e.to_string()));
        }
    };
    let action = match outcome {
        PayoutOutcome::Manual => return Ok(JobResult::LeftForOperator),
        PayoutOutcome::Pending => {
            // Not a failure: a message retried until it dead-letters would
            // give up on a payout that is merely slow.
            enqueue_payout_after(app, refund_id, PENDING_RECHECK_SECS).await?;
            return Ok(JobResult::CheckLater);
        }
        PayoutOutcome::Paid { tx_hash } => RefundAction::Complete { tx_hash },
        PayoutOutcome::Rejected { reason } => {
            crate::platform::metrics::count(crate::platform::metrics::names::PAYOUTS_FAILED, 1);
            RefundAction::Fail { reason }
        }
    };
    let paid = matches!(action, RefundAction::Complete { .. });
    match act(app, "payout-worker", refund_id, action, None).await {
        Ok(_) => Ok(if paid { JobResult::Paid } else { JobResult::Failed }),
        // Completed meanwhile (a duplicate job, or an operator): fine.
        Err(e) if e.kind == crate::platform::error::ErrorKind::Conflict => Ok(JobResult::NothingToDo),
        Err(e) => Err(e),
    }
}

/// The SLA audit: overdue and at-risk PENDING refunds, logged, and one
/// `RefundOverdue` event per overdue refund on the bus.
pub async fn sla_audit(app: &App, publish: bool) -> Result<SlaReport, AppError> {
    let pending = store::all_by_status(app, RefundStatus::Pending).await?;
    let pending_count = pending.len();
    let report = sla_report(pending, app.clock.now());
    {
        use crate::platform::metrics::{gauge, names};
        gauge(names::REFUNDS_PENDING, pending_count as f64);
        gauge(names::REFUNDS_OVERDUE, report.overdue.len() as f64);
        let stats = crate::program::store::load(app).await?.stats;
        gauge(names::SEATS_ACTIVE, stats.active_seats as f64);
        gauge(names::SEATS_OPEN, stats.open_seats() as f64);
    }
    for r in &report.overdue {
        tracing::error!(refund_id = %r.refund_id, deadline = %r.refund_deadline_at, "refund overdue (7-day SLA breached)");
    }
    for r in &report.at_risk {
        tracing::warn!(refund_id = %r.refund_id, deadline = %r.refund_deadline_at, "refund at risk (deadline within 24h)");
    }
    if publish {
        let details: Vec<_> = report
            .overdue
            .iter()
            .map(|r| json!({ "refundId": r.refund_id, "seatId": r.seat_id, "wallet": r.wallet, "amountCents": r.amount_cents, "refundDeadlineAt": r.refund_deadline_at }))
            .collect();
        bus::publish(app, "partner-program.refunds", "RefundOverdue", &details).await?;
    }
    Ok(report)
}
