//! Commission use cases: credit a sale, reverse it, list a partner's.

use serde::Serialize;
use serde_json::json;

use super::domain::{commission, CommissionEntry, CommissionKind, Sale};
use super::store;
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
/// points. `audit_subject` is the trail of what caused it (the webhook
/// event), so that trail shows every effect.
pub async fn credit(app: &App, sale: &Sale, audit_subject: &str) -> Result<String, AppError> {
    let amount = commission(sale.total_minor, app.settings.commission_bps);
    let entry = CommissionEntry {
        transaction_id: sale.transaction_id.clone(),
        partner_wallet: sale.partner_wallet.clone(),
        kind: CommissionKind::Credit,
        amount_minor: amount as i64,
        currency: sale.currency.clone(),
        occurred_at: sale.occurred_at.clone(),
        event_id: sale.event_id.clone(),
    };
    let audit = AuditEntry::new(ACTOR, "commission.credited", audit_subject, &rfc3339(app.clock.now()), json!({ "transactionId": sale.transaction_id, "wallet": sale.partner_wallet, "amountMinor": amount }));
    store::put(app, &entry, &audit).await?;
    seat_points(app, &sale.partner_wallet, &sale.occurred_at, amount as i64, &format!("paddle-{}", sale.transaction_id)).await?;
    Ok(format!("commission {amount} to {}", sale.partner_wallet))
}

/// Reverses a sale's commission once (a refund adjustment).
pub async fn reverse(app: &App, transaction_id: &str, adjustment_id: &str, occurred_at: &str, event_id: &str, audit_subject: &str) -> Result<String, AppError> {
    let Some(credit) = store::get(app, transaction_id, CommissionKind::Credit).await? else {
        return Ok(format!("no commission on {transaction_id} to reverse"));
    };
    let reversal = CommissionEntry {
        kind: CommissionKind::Reversal,
        amount_minor: -credit.amount_minor,
        occurred_at: occurred_at.to_string(),
        event_id: event_id.to_string(),
        ..credit.clone()
    };
    let audit = AuditEntry::new(ACTOR, "commission.reversed", audit_subject, &rfc3339(app.clock.now()), json!({ "transactionId": transaction_id, "adjustmentId": adjustment_id, "amountMinor": reversal.amount_minor }));
    if store::put(app, &reversal, &audit).await? {
        seat_points(app, &credit.partner_wallet, &credit.occurred_at, reversal.amount_minor, &format!("paddle-reversal-{transaction_id}")).await?;
        Ok(format!("commission on {transaction_id} reversed"))
    } else {
        Ok(format!("commission on {transaction_id} was already reversed"))
    }
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
        .map_err(|_| AppError::bad_request("INVALID_WEBHOOK_PAYLOAD", format!("occurred_at {occurred_at:?} is not RFC 3339")))?;
    match cycle::add_points(app, ACTOR, &seat.seat_id, month, points, "paddle_commission", "partner commission", Some(entry_id.to_string()), None).await {
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
pub async fn list(app: &App, wallet: Wallet, limit: Option<i32>, cursor: Option<&str>) -> Result<CommissionPage, AppError> {
    let limit = limit.unwrap_or(50);
    if !(1..=100).contains(&limit) {
        return Err(AppError::bad_request("INVALID_LIMIT", "limit must be between 1 and 100"));
    }
    let page = store::of_wallet(app, wallet.as_str(), limit, cursor).await?;
    let page_total_minor = page.items.iter().map(|c| c.amount_minor).sum();
    Ok(CommissionPage { wallet, commissions: page.items, page_total_minor, next_cursor: page.next_cursor })
}
