//! Recording and reading partner transactions. Only a partnership's two
//! parties record or read its transactions; anyone else gets 404.

use std::collections::BTreeSet;

use serde::Serialize;
use serde_json::json;

use super::domain::{target_period, PartnerTransaction, RecordRequest, TxType};
use super::recording::Recorder;
use super::store::{self, Recording};
use crate::loyalty::store as loyalty;
use crate::members::domain::Role;
use crate::partnerships::domain::Partnership;
use crate::partnerships::periods::Period;
use crate::partnerships::service as partnerships;
use crate::partnerships::store as partnership_store;
use crate::platform::audit::AuditEntry;
use crate::platform::error::AppError;
use crate::platform::ids::new_id;
use crate::platform::ids::{BusinessId, PartnershipId};
use crate::platform::outbox::OutboxEvent;
use crate::App;

/// Records a transaction at the caller's business (owner or staff: the
/// point of sale). `true`: recorded now; `false`: a retry, answered with
/// the first recording. The pipeline is `recording::Recorder`.
///
/// On a warm container that has seen the partnership, its program and the
/// customer, this is one transaction: what it remembers is checked by the
/// transaction's conditions, and what a refusal shows stale is read again.
pub async fn record(
    app: &App,
    business_id: &BusinessId,
    user_id: &str,
    role: Role,
    partnership_id: &PartnershipId,
    header_key: Option<&str>,
    request: RecordRequest,
) -> Result<(PartnerTransaction, bool), AppError> {
    Recorder { app, business_id, user_id, role, partnership_id }.record(header_key, request).await
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TransactionList {
    pub transactions: Vec<PartnerTransaction>,
    pub next_cursor: Option<String>,
}

/// A partnership's transactions, newest first; by customer or period,
/// optionally one type (filtered per page, so a page may hold fewer).
#[allow(clippy::too_many_arguments)]
pub async fn list(
    app: &App,
    business_id: &BusinessId,
    partnership_id: &PartnershipId,
    kind: Option<TxType>,
    customer: Option<&str>,
    period: Option<&str>,
    limit: Option<i32>,
    cursor: Option<&str>,
) -> Result<TransactionList, AppError> {
    let limit = limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(AppError::bad_request("INVALID_LIMIT", "limit must be between 1 and 200"));
    }
    let p = partnerships::mine(app, business_id, partnership_id).await?;
    let customer = customer.map(crate::loyalty::domain::customer_id).transpose()?;
    let period = match period {
        None => None,
        Some(text) => Some(p.period_named(text)?.key()),
    };
    let page = store::list(app, partnership_id, customer.as_deref(), period.as_deref(), limit, cursor).await?;
    let transactions = page
        .items
        .into_iter()
        .filter(|t| {
            kind.is_none_or(|k| t.transaction_type == k) && period.as_ref().is_none_or(|p| &t.period_start == p)
        })
        .collect();
    Ok(TransactionList { transactions, next_cursor: page.next_cursor })
}

/// A settlement dispute's resolution carried into the open period as an
/// ADJUSTMENT (positive `net_a_to_b`: A owes B more): its items, for the
/// resolution's own transaction, so the adjustment exists exactly when the
/// resolution does. `resolution_key` names the settlement state resolved
/// (its id and revision): a retry of the same resolution converges on one
/// idempotency record.
pub struct PlannedAdjustment {
    pub transaction_id: String,
    pub items: crate::platform::dynamo::Tx,
    pub event: OutboxEvent,
}

/// Refusals of a planned adjustment's items that a fresh plan may clear
/// (a concurrent recording moved the partnership or closed the period).
pub fn adjustment_contended(r: &crate::platform::dynamo::Refused) -> bool {
    store::adjustment_contended(r)
}

pub async fn plan_adjustment(
    app: &App,
    p: &Partnership,
    resolution_key: &str,
    net_a_to_b: i64,
    outcome: &str,
    actor: &str,
) -> Result<PlannedAdjustment, AppError> {
    let key = format!("settlement-{resolution_key}");
    let fingerprint = format!("adjustment|{resolution_key}|{net_a_to_b}");
    let now = app.clock.now();
    // The open period, past any closed by its settlement run meanwhile.
    let mut closed: BTreeSet<Period> = BTreeSet::new();
    let period = loop {
        let (period, _) = target_period(p, now, now, |x| closed.contains(x))?;
        if store::period(app, &p.partnership_id, &period.key()).await?.is_some_and(|c| c.closed_at.is_some()) {
            closed.insert(period);
            continue;
        }
        break period;
    };
    let (payer, payee) =
        if net_a_to_b >= 0 { (&p.business_a_id, &p.business_b_id) } else { (&p.business_b_id, &p.business_a_id) };
    let now_text = crate::platform::clock::rfc3339(now);
    let tx = PartnerTransaction {
        id: new_id(),
        partnership_id: p.partnership_id.clone(),
        transaction_type: TxType::Adjustment,
        customer_id: String::new(),
        recorded_by_business_id: "PLATFORM".into(),
        origin_business_id: payer.clone(),
        redeeming_business_id: None,
        program_business_id: None,
        program_version: None,
        amount: net_a_to_b.unsigned_abs(),
        points_earned: None,
        points_redeemed: None,
        revenue_sharing_amount: net_a_to_b.unsigned_abs(),
        payer_business_id: Some(payer.clone()),
        payee_business_id: Some(payee.clone()),
        net_a_to_b,
        terms_version: p.terms_version,
        calculation: None,
        category: None,
        location_id: None,
        location_e6: None,
        timestamp: now_text.clone(),
        recorded_at: now_text.clone(),
        period_start: period.key(),
        late: false,
        idempotency_key: key.clone(),
        reverses: None,
        reversed_by: None,
        reason: Some(format!("settlement {resolution_key}: {}", outcome.chars().take(400).collect::<String>())),
        recorded_by: actor.to_string(),
    };
    let audit = AuditEntry::new(
        actor,
        "partner_transaction.adjusted",
        &partnership_store::subject(&p.partnership_id),
        &now_text,
        json!({ "transaction": tx }),
    );
    let event = OutboxEvent::new(app, "partner.transaction.recorded", super::recording::event_detail(&tx));
    let recording = Recording {
        tx: &tx,
        fingerprint: &fingerprint,
        partnership: p,
        program: None,
        qualifying_seen: None,
        max_redemptions: None,
        period_end: period.end.to_string(),
        first_in_life: false,
        first_in_month: false,
        opening: loyalty::Opening::Existing,
        original: None,
        // Both parties agreed to it in resolving the dispute.
        enforce_exposure: false,
        audit: &audit,
        event: &event,
    };
    let items = store::recording_items(app, &recording)?;
    Ok(PlannedAdjustment { transaction_id: tx.id.clone(), items, event })
}
