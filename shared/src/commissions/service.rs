//! Commission use cases: credit a sale, reverse it, list a partner's.

use serde::Serialize;
use serde_json::json;

use super::domain::{commission, reversal_amount, Adjustment, CommissionEntry, CommissionKind, Sale};
use super::store::{self, ReverseOutcome};
use crate::cycle::domain::MonthKey;
use crate::cycle::service as cycle;
use crate::platform::audit::AuditEntry;
use crate::platform::clock::rfc3339;
use crate::platform::error::AppError;
use crate::seats::domain::{SeatStatus, Wallet};
use crate::seats::store as seats;
use crate::App;

const ACTOR: &str = "webhook-worker";

/// Credits a sale's commission once and counts it as the partner seat's
/// points, then applies any refund that arrived before the sale.
/// `audit_subject` is the trail of what caused it (the webhook event), so
/// that trail shows every effect. Every effect is re-applied on every
/// attempt, each idempotently.
pub async fn credit(app: &App, sale: &Sale, audit_subject: &str) -> Result<String, AppError> {
    let amount = commission(sale.total_minor, app.settings.commission_bps);
    let entry = CommissionEntry {
        transaction_id: sale.transaction_id.clone(),
        partner_wallet: sale.partner_wallet.clone(),
        kind: CommissionKind::Credit,
        amount_minor: i64::try_from(amount)
            .map_err(|_| AppError::bad_request("INVALID_WEBHOOK_PAYLOAD", "commission out of range"))?,
        currency: sale.currency.clone(),
        occurred_at: sale.occurred_at.clone(),
        event_id: sale.event_id.clone(),
        adjustment_id: None,
        sale_total_minor: Some(sale.total_minor),
        refunded_minor: 0,
        reversed_minor: 0,
    };
    let audit = AuditEntry::new(
        ACTOR,
        "commission.credited",
        audit_subject,
        &rfc3339(app.clock.now()),
        json!({ "transactionId": sale.transaction_id, "wallet": sale.partner_wallet, "amountMinor": amount }),
    );
    store::put_credit(app, &entry, &audit).await?;
    let stored =
        store::get_credit(app, &sale.transaction_id).await?.ok_or_else(|| AppError::internal("credit vanished"))?;
    seat_points(
        app,
        &stored.partner_wallet,
        &stored.occurred_at,
        stored.amount_minor,
        &format!("paddle-{}", sale.transaction_id),
    )
    .await?;
    for parked in store::parked(app, &sale.transaction_id).await? {
        apply_reversal(app, &parked, audit_subject).await?;
    }
    Ok(format!("commission {} to {}", stored.amount_minor, stored.partner_wallet))
}

/// Reverses a sale's commission in proportion to an approved refund or
/// chargeback, once per adjustment. An adjustment that arrives before its
/// sale is parked and applied when the sale is credited.
pub async fn reverse(app: &App, adjustment: &Adjustment, audit_subject: &str) -> Result<String, AppError> {
    if store::get_credit(app, &adjustment.transaction_id).await?.is_none() {
        store::park(app, adjustment).await?;
        // The sale may have been credited between our read and our park,
        // its own look at the parked ones coming too early: look again.
        // Either side that sees the other applies it; both is harmless.
        if store::get_credit(app, &adjustment.transaction_id).await?.is_none() {
            return Ok(format!(
                "adjustment {} kept until its sale {} arrives",
                adjustment.adjustment_id, adjustment.transaction_id
            ));
        }
    }
    apply_reversal(app, adjustment, audit_subject).await
}

async fn apply_reversal(app: &App, adjustment: &Adjustment, audit_subject: &str) -> Result<String, AppError> {
    let (txn, adj) = (&adjustment.transaction_id, &adjustment.adjustment_id);
    for _ in 0..10 {
        let credit =
            store::get_credit(app, txn).await?.ok_or_else(|| AppError::internal(format!("credit {txn} vanished")))?;
        if let Some(done) = store::get_reversal(app, txn, adj).await? {
            reversal_points(app, &done, &credit).await?;
            return Ok(format!("commission on {txn} reversed {} for adjustment {adj}", done.amount_minor));
        }
        let amount = reversal_amount(&credit, adjustment.refunded_minor);
        let reversal = CommissionEntry {
            kind: CommissionKind::Reversal,
            amount_minor: -i64::try_from(amount).map_err(|_| AppError::internal("reversal out of range"))?,
            occurred_at: adjustment.occurred_at.clone(),
            event_id: adjustment.event_id.clone(),
            adjustment_id: Some(adj.clone()),
            refunded_minor: 0,
            reversed_minor: 0,
            ..credit.clone()
        };
        let details = json!({ "transactionId": txn, "adjustmentId": adj, "refundedMinor": adjustment.refunded_minor, "amountMinor": reversal.amount_minor });
        let audit = AuditEntry::new(ACTOR, "commission.reversed", audit_subject, &rfc3339(app.clock.now()), details);
        match store::reverse(app, &credit, &reversal, adjustment.refunded_minor, &audit).await? {
            // Already applied: the loop's next read re-applies its points.
            ReverseOutcome::Applied | ReverseOutcome::AlreadyApplied => {}
            ReverseOutcome::CreditChanged => continue,
        }
    }
    Err(AppError::unavailable("BUSY_TRY_AGAIN", format!("the commission on {txn} kept changing; retry")))
}

/// A reversal's points come off the partner's seat in the *sale's* month,
/// keyed by the adjustment so that every attempt applies them once.
async fn reversal_points(app: &App, reversal: &CommissionEntry, credit: &CommissionEntry) -> Result<(), AppError> {
    let adjustment = reversal.adjustment_id.as_deref().unwrap_or_default();
    let entry_id = format!("paddle-reversal-{}-{adjustment}", reversal.transaction_id);
    seat_points(app, &credit.partner_wallet, &credit.occurred_at, reversal.amount_minor, &entry_id).await
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
    let Some(seat) = seats::latest_seat(app, &wallet).await?.filter(|s| s.status == SeatStatus::Active) else {
        return Ok(());
    };
    let month = time::OffsetDateTime::parse(occurred_at, &time::format_description::well_known::Rfc3339)
        .map(MonthKey::of)
        .map_err(|_| {
            AppError::bad_request("INVALID_WEBHOOK_PAYLOAD", format!("occurred_at {occurred_at:?} is not RFC 3339"))
        })?;
    match cycle::add_points(
        app,
        ACTOR,
        &crate::platform::ids::SeatId::known(seat.seat_id.as_str()),
        month,
        points,
        "paddle_commission",
        "partner commission",
        Some(entry_id.to_string()),
        None,
    )
    .await
    {
        Ok(_) => Ok(()),
        Err(e) if e.code == "SEAT_NOT_ACTIVE" => Ok(()),
        Err(e) => Err(e),
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CommissionPage {
    pub wallet: Wallet,
    pub commissions: Vec<CommissionEntry>,
    pub page_total_minor: i64,
    pub next_cursor: Option<String>,
}

/// A partner's commission entries (credits and reversals), newest first.
pub async fn list(
    app: &App,
    wallet: Wallet,
    limit: Option<i32>,
    cursor: Option<&str>,
) -> Result<CommissionPage, AppError> {
    let limit = limit.unwrap_or(50);
    if !(1..=100).contains(&limit) {
        return Err(AppError::bad_request("INVALID_LIMIT", "limit must be between 1 and 100"));
    }
    let page = store::of_wallet(app, wallet.as_str(), limit, cursor).await?;
    let page_total_minor = page.items.iter().map(|c| c.amount_minor).sum();
    Ok(CommissionPage { wallet, commissions: page.items, page_total_minor, next_cursor: page.next_cursor })
}
