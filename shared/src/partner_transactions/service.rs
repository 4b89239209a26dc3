//! Recording and reading partner transactions. Only a partnership's two
//! parties record or read its transactions; anyone else gets 404.

use std::collections::BTreeSet;

use serde::Serialize;
use serde_json::json;

use super::domain::{
    idempotency_key, occurred_at, plan, target_period, Context, PartnerTransaction, RecordRequest, TxType,
};
use super::store::{self, Recording};
use super::warm;
use crate::loyalty::domain::PointsProgram;
use crate::loyalty::store as loyalty;
use crate::members::domain::Role;
use crate::partnerships::domain::Partnership;
use crate::partnerships::domain::SharingModel;
use crate::partnerships::periods::Period;
use crate::partnerships::service as partnerships;
use crate::partnerships::store as partnership_store;
use crate::platform::audit::AuditEntry;
use crate::platform::dynamo::backoff;
use crate::platform::error::AppError;
use crate::platform::ids::new_id;
use crate::platform::outbox::{self, OutboxEvent};
use crate::App;

/// Attempts before a recording that keeps losing races gives up (409).
const MAX_ATTEMPTS: u32 = 25;

fn event_detail(t: &PartnerTransaction) -> serde_json::Value {
    json!({
        "transactionId": t.id, "partnershipId": t.partnership_id, "transactionType": t.transaction_type, "amount": t.amount,
        "revenueSharingAmount": t.revenue_sharing_amount, "payerBusinessId": t.payer_business_id, "payeeBusinessId": t.payee_business_id,
        "termsVersion": t.terms_version, "periodStart": t.period_start, "late": t.late, "reverses": t.reverses,
    })
}

/// The first answer to an idempotency key, if the key was used: the same
/// request gets it again; another request under the key is refused.
async fn earlier(
    app: &App,
    partnership_id: &str,
    recorder: &str,
    key: &str,
    fingerprint: &str,
) -> Result<Option<PartnerTransaction>, AppError> {
    let Some(record) = store::idempotency(app, partnership_id, recorder, key).await? else { return Ok(None) };
    if record.fingerprint != fingerprint {
        return Err(AppError::conflict(
            "IDEMPOTENCY_KEY_REUSED",
            "this idempotency key was used for another transaction",
        ));
    }
    store::get(app, partnership_id, &record.transaction_id)
        .await?
        .map(Some)
        .ok_or_else(|| AppError::internal("an idempotency key names a missing transaction"))
}

/// The partnership, if the caller is a party: remembered by a warm
/// container (its transaction checks the revision).
/// `true` with it: it came from memory.
async fn party_partnership(
    app: &App,
    business_id: &str,
    partnership_id: &str,
) -> Result<(Partnership, bool), AppError> {
    match warm::partnership(app.table(), partnership_id) {
        Some(p) if p.is_party(business_id) => Ok((p, true)),
        _ => {
            let p = partnerships::mine(app, business_id, partnership_id).await?;
            warm::remember_partnership(app.table(), &p);
            Ok((p, false))
        }
    }
}

async fn partner_program(app: &App, business_id: &str) -> Result<Option<PointsProgram>, AppError> {
    if let Some(p) = warm::program(app.table(), business_id) {
        return Ok(Some(p));
    }
    let program = loyalty::program(app, business_id).await?;
    if let Some(p) = &program {
        warm::remember_program(app.table(), p);
    }
    Ok(program)
}

/// Records a transaction at the caller's business (owner or staff: the
/// point of sale). `true`: recorded now; `false`: a retry, answered with
/// the first recording.
///
/// On a warm container that has seen the partnership, its program and the
/// customer, this is one transaction: what it remembers is checked by the
/// transaction's conditions, and what a refusal shows stale is read again.
pub async fn record(
    app: &App,
    business_id: &str,
    user_id: &str,
    role: Role,
    partnership_id: &str,
    header_key: Option<&str>,
    request: RecordRequest,
) -> Result<(PartnerTransaction, bool), AppError> {
    let key = idempotency_key(header_key, request.pos_transaction_id.as_deref())?;
    let fingerprint = request.fingerprint();
    let table = app.table();
    let mut closed: BTreeSet<Period> = BTreeSet::new();
    let mut remembered = false;
    let mut opening = loyalty::Opening::default();
    for attempt in 1..=MAX_ATTEMPTS {
        if attempt > 1 {
            tokio::time::sleep(backoff(attempt)).await;
        }
        let now = app.clock.now();
        let planned = async {
            let (p, from_memory) = party_partnership(app, business_id, partnership_id).await?;
            remembered = from_memory;
            let original = match (request.kind, request.reverses.as_deref()) {
                (TxType::Reversal, Some(id)) if crate::businesses::domain::is_business_id(id) => {
                    store::get(app, partnership_id, id).await?
                }
                _ => None,
            };
            let program = match request.kind {
                TxType::Earn | TxType::Redeem => partner_program(app, p.partner_of(business_id)).await?,
                _ => None,
            };
            let at = occurred_at(&request, &p, now)?;
            let p = terms_at(app, p, at).await?;
            let customer = original
                .as_ref()
                .map(|o| o.customer_id.clone())
                .or_else(|| request.customer_id.clone())
                .unwrap_or_default();
            let customer = customer.trim();
            let (period, late) = target_period(&p, at, now, |x| closed.contains(x))?;
            let month = crate::platform::clock::rfc3339(at)[..7].to_string();
            // HYBRID needs the period's count for the ordinal; the
            // transaction checks it.
            let qualifying_seen = if p.terms.model == SharingModel::Hybrid {
                Some(match warm::qualifying(table, partnership_id, &period.key()) {
                    Some(n) => n,
                    None => {
                        let counters = store::period(app, partnership_id, &period.key()).await?.unwrap_or_default();
                        if counters.closed_at.is_some() {
                            return Ok(Err(period));
                        }
                        counters.qualifying
                    }
                })
            } else {
                None
            };
            let ctx = Context {
                partnership: &p,
                recorder: business_id,
                recorder_role: role,
                program: program.as_ref(),
                original: original.as_ref(),
                qualifying_before: qualifying_seen.unwrap_or(0),
                now,
            };
            let tx = plan(&request, &ctx, &new_id(), &key, user_id, at, period, late)?;
            let seen = (
                warm::seen(table, partnership_id, "LIFE", customer),
                warm::seen(table, partnership_id, &month, customer),
            );
            Ok::<_, AppError>(Ok((tx, p, program, original, seen, qualifying_seen, period)))
        }
        .await;
        let (tx, p, program, original, (seen_life, seen_month), qualifying_seen, period) = match planned {
            Ok(Ok(planned)) => planned,
            // Closed by its settlement run since: count it in the next.
            Ok(Err(period)) => {
                closed.insert(period);
                continue;
            }
            // A refusal planned on a remembered partnership (paused since
            // resumed, say) is planned again on a fresh read.
            Err(_) if remembered => {
                warm::forget_partnership(table, partnership_id);
                continue;
            }
            // A retry of a recording made while the request was still
            // valid gets its first answer, not today's refusal.
            Err(e) => match earlier(app, partnership_id, business_id, &key, &fingerprint).await? {
                Some(first) => return Ok((first, false)),
                None => return Err(e),
            },
        };
        let audit = AuditEntry::new(
            user_id,
            "partner_transaction.recorded",
            &partnership_store::subject(partnership_id),
            &tx.recorded_at,
            json!({ "transaction": tx }),
        );
        let event = OutboxEvent::new(app, "partner.transaction.recorded", event_detail(&tx));
        let recording = Recording {
            tx: &tx,
            fingerprint: &fingerprint,
            partnership: &p,
            program: program.as_ref(),
            qualifying_seen,
            max_redemptions: p.config.max_redemption_per_customer,
            period_end: period.end.to_string(),
            first_in_life: !seen_life,
            first_in_month: !seen_month,
            opening,
            original: original.as_ref(),
            audit: &audit,
            event: &event,
        };
        let refused = match store::record(app, recording).await? {
            Ok(()) => {
                warm::remember_seen(table, partnership_id, "LIFE", &tx.customer_id);
                warm::remember_seen(table, partnership_id, tx.month(), &tx.customer_id);
                match (qualifying_seen, super::domain::qualifying_delta(&tx, original.as_ref())) {
                    (Some(n), delta @ 0..) => {
                        warm::remember_qualifying(table, partnership_id, &tx.period_start, n + delta.unsigned_abs())
                    }
                    // A reversal's count was read unchecked: read it again next time.
                    (Some(_), _) => warm::forget_qualifying(table, partnership_id, &tx.period_start),
                    (None, _) => {}
                }
                outbox::publish_now(app, std::slice::from_ref(&event)).await;
                crate::platform::metrics::count(crate::platform::metrics::names::PARTNER_TRANSACTIONS, 1);
                return Ok((tx, true));
            }
            Err(refused) => refused,
        };
        if refused.failed(store::TX_IDEMPOTENCY) {
            if let Some(first) = earlier(app, partnership_id, business_id, &key, &fingerprint).await? {
                return Ok((first, false));
            }
            continue;
        }
        if refused.failed(store::TX_ORIGINAL) {
            return Err(AppError::conflict("ALREADY_REVERSED", "that transaction is reversed already"));
        }
        // An earn guessed whether the customer's balance exists: guess the
        // other way (a customer's first earn here, or a racing one won).
        if refused.failed(store::TX_BALANCE) && tx.transaction_type == TxType::Earn {
            opening = opening.flipped();
            continue;
        }
        if refused.failed(store::TX_BALANCE) {
            return Err(if tx.transaction_type == TxType::Redeem {
                AppError::conflict("INSUFFICIENT_POINTS", "the customer does not have that many points in this program")
            } else {
                AppError::conflict(
                    "POINTS_ALREADY_SPENT",
                    "the points this earn gave have been spent; they cannot be taken back",
                )
            });
        }
        if refused.failed(store::TX_CAP) {
            return Err(AppError::conflict(
                "REDEMPTION_LIMIT_REACHED",
                "the customer reached this partnership's maxRedemptionPerCustomer for the period",
            ));
        }
        // Something remembered or read moved meanwhile: forget it, read
        // again and plan anew.
        let moved =
            [store::TX_PARTNERSHIP, store::TX_PROGRAM, store::TX_PERIOD, store::TX_SEEN_LIFE, store::TX_SEEN_MONTH];
        if !moved.iter().any(|n| refused.failed(n)) {
            return Err(refused.unexpected("partner transaction"));
        }
        if refused.failed(store::TX_PARTNERSHIP) {
            warm::forget_partnership(table, partnership_id);
        }
        if let (true, Some(b)) = (refused.failed(store::TX_PROGRAM), &tx.program_business_id) {
            warm::forget_program(table, b);
        }
        if refused.failed(store::TX_SEEN_LIFE) {
            warm::remember_seen(table, partnership_id, "LIFE", &tx.customer_id);
        }
        if refused.failed(store::TX_SEEN_MONTH) {
            warm::remember_seen(table, partnership_id, tx.month(), &tx.customer_id);
        }
        if refused.failed(store::TX_PERIOD) {
            warm::forget_qualifying(table, partnership_id, &tx.period_start);
            if store::period(app, partnership_id, &tx.period_start).await?.is_some_and(|c| c.closed_at.is_some()) {
                closed.insert(period);
            }
        }
    }
    Err(AppError::conflict(
        "RECORDING_CONTENDED",
        "the partnership changed repeatedly meanwhile; send the transaction again (same idempotency key)",
    ))
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
    business_id: &str,
    partnership_id: &str,
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

/// The partnership as agreed at `at`: the terms in force then. A sale
/// synced after new terms were accepted is charged by the terms it was
/// made under (one read, only for such a sale).
async fn terms_at(app: &App, p: Partnership, at: time::OffsetDateTime) -> Result<Partnership, AppError> {
    let version = p.terms_version_at(at);
    if version == p.terms_version {
        return Ok(p);
    }
    let then = partnership_store::terms_version(app, &p.partnership_id, version)
        .await?
        .ok_or_else(|| AppError::internal(format!("terms version {version} of {} is missing", p.partnership_id)))?;
    Ok(Partnership { terms: then.terms, terms_version: version, ..p })
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
    [store::TX_IDEMPOTENCY, store::TX_PARTNERSHIP, store::TX_PERIOD].iter().any(|n| r.failed(n))
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
    let event = OutboxEvent::new(app, "partner.transaction.recorded", event_detail(&tx));
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
        audit: &audit,
        event: &event,
    };
    let items = store::recording_items(app, &recording)?;
    Ok(PlannedAdjustment { transaction_id: tx.id.clone(), items, event })
}
