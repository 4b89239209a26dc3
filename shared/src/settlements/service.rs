//! Settlement use cases: calculate once per closed period (by the schedule
//! or a party's owner), preview the open one, dispute during the review,
//! resolve (a platform admin, or both parties agreeing), process and pay
//! after the review, and statements.

use serde::Serialize;
use serde_json::json;

use super::anomalies::{Findings, Places, Scan};
use super::domain::{
    Dispute, DisputeRequest, Payment, PayoutAttempt, Proposal, Reconciliation, Resolution, ResolveRequest, Settlement,
    SettlementStatus, Tally, REVIEW_DAYS,
};
use super::payout::{SettlementPayouts, TransferOutcome};
use super::store;
use crate::businesses::store as businesses;
use crate::partner_transactions::domain::PartnerTransaction;
use crate::partner_transactions::service as transactions;
use crate::partner_transactions::store as transaction_store;
use crate::partnerships::domain::Partnership;
use crate::partnerships::periods::Period;
use crate::partnerships::service as partnerships;
use crate::partnerships::store as partnership_store;
use crate::platform::audit::AuditEntry;
use crate::platform::clock::rfc3339;
use crate::platform::error::AppError;
use crate::platform::ids::new_id;
use crate::platform::ids::{BusinessId, PartnershipId};
use crate::platform::metrics;
use crate::platform::outbox::{self, OutboxEvent};
use crate::App;

/// Lines read per page while counting a period (memory stays flat however
/// many transactions it holds).
const TALLY_PAGE: i32 = 1_000;

fn event_detail(s: &Settlement) -> serde_json::Value {
    json!({
        "settlementId": s.id, "partnershipId": s.partnership_id, "businessAId": s.business_a_id, "businessBId": s.business_b_id,
        "periodStart": s.period_start, "periodEnd": s.period_end, "totalTransactions": s.total_transactions,
        "businessAOwed": s.business_a_owed, "businessBOwed": s.business_b_owed, "netSettlement": s.net_settlement,
        "status": s.status, "reviewEndsAt": s.review_ends_at, "payment": s.payment,
        "dispute": s.dispute.as_ref().map(|d| json!({ "businessId": d.business_id, "reason": d.reason, "lines": d.lines })),
        "resolution": s.resolution.as_ref().map(|r| json!({ "outcome": r.outcome, "adjustmentCents": r.adjustment_cents, "resolvedBy": r.resolved_by })),
        "hold": s.hold.as_ref().filter(|_| s.status == SettlementStatus::Held).map(|h| json!({ "reasons": h.reasons, "reviewerBusinessId": h.reviewer_business_id })),
    })
}

fn not_found(period: &str) -> AppError {
    AppError::not_found("SETTLEMENT_NOT_FOUND", format!("no settlement for the period starting {period}"))
}

/// Counts a period's lines a page at a time.
pub async fn tally(app: &App, partnership_id: &PartnershipId, period_start: &str) -> Result<Tally, AppError> {
    Ok(read_period(app, partnership_id, period_start, None).await?.0)
}

/// Counts a period's lines and scans them for anomalies by `p`'s
/// thresholds, in one read of the lines.
async fn tally_and_scan(app: &App, p: &Partnership, period_start: &str) -> Result<(Tally, Findings), AppError> {
    let profiles = businesses::many(app, &[p.business_a_id.clone(), p.business_b_id.clone()]).await?;
    let places: Places =
        profiles.into_iter().map(|b| (b.business_id.clone(), (b.location.lat, b.location.lng))).collect();
    let scan = Scan::new(p.anomaly_rules.effective(), places);
    let id = PartnershipId::known(p.partnership_id.as_str());
    let (tally, scan) = read_period(app, &id, period_start, Some(scan)).await?;
    Ok((tally, scan.map(Scan::finish).unwrap_or_default()))
}

async fn read_period(
    app: &App,
    partnership_id: &PartnershipId,
    period_start: &str,
    mut scan: Option<Scan>,
) -> Result<(Tally, Option<Scan>), AppError> {
    let mut tally = Tally::default();
    let mut cursor = None;
    loop {
        let page =
            transaction_store::period_page(app, partnership_id, period_start, TALLY_PAGE, cursor.as_deref()).await?;
        for t in &page.items {
            tally.add(t);
            if let Some(scan) = scan.as_mut() {
                scan.add(t);
            }
        }
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => return Ok((tally, scan)),
        }
    }
}

/// What a calculation did.
#[derive(Debug)]
pub enum Calculated {
    /// Made now.
    Created(Settlement),
    /// Made before (this call, or a racing one, found it).
    Existing(Settlement),
    /// The period is still open: what it would settle at now, not stored.
    Preview(Settlement),
    /// The period had no transaction: nothing to settle.
    Empty,
}

/// Settles `period` of `p` once. An ended period is first closed to new
/// recordings (later ones count in the next period), then its lines are
/// counted and checked against the counters kept at record time; the
/// settlement and the period's leaving the due index are one write, so two
/// runs, a repeated schedule or a retry after a crash make one settlement.
pub async fn calculate(app: &App, p: &Partnership, period: Period) -> Result<Calculated, AppError> {
    let key = period.key();
    if let Some(existing) = store::get(app, &p.partnership_id, &key).await? {
        return Ok(Calculated::Existing(existing));
    }
    let now = app.clock.now();
    let (now_text, review_ends) = (rfc3339(now), rfc3339(now + time::Duration::days(REVIEW_DAYS)));
    if !period.ended_at(now) {
        let (lines, findings) = tally_and_scan(app, p, &key).await?;
        let counters = transaction_store::period(app, &p.partnership_id, &key).await?.unwrap_or_default();
        let reconciliation =
            Reconciliation::of(&lines, counters.transactions, counters.a_owes_cents, counters.b_owes_cents);
        let preview =
            Settlement::from_tally("preview".into(), p, &period, &lines, reconciliation, now_text.clone(), review_ends);
        return Ok(Calculated::Preview(preview.held_if(findings, &now_text)));
    }
    transaction_store::close_period(app, &p.partnership_id, &key, &now_text).await?;
    let (lines, findings) = tally_and_scan(app, p, &key).await?;
    let counters = transaction_store::period(app, &p.partnership_id, &key).await?.unwrap_or_default();
    if lines.transactions == 0 && counters.transactions == 0 {
        return Ok(Calculated::Empty);
    }
    let reconciliation =
        Reconciliation::of(&lines, counters.transactions, counters.a_owes_cents, counters.b_owes_cents);
    if !reconciliation.clean() {
        // The lines (read from an index, eventually consistent) and the
        // counters (written in each recording's transaction) disagree: a
        // line not yet in the index, or a bug. Nothing is settled on it:
        // the period stays due and the next run tries again; the alarm on
        // the drift metric pages if it persists.
        metrics::count(metrics::names::SETTLEMENT_DRIFT, 1);
        tracing::error!(partnership_id = %p.partnership_id, period = %key, drift_cents = reconciliation.drift_cents, drift_transactions = reconciliation.drift_transactions, "settlement drift");
        return Err(AppError::unavailable(
            "SETTLEMENT_DRIFT",
            format!(
                "the period's lines and counters disagree ({} cents, {} transactions); it stays due and is tried again",
                reconciliation.drift_cents, reconciliation.drift_transactions
            ),
        ));
    }
    let s = Settlement::from_tally(new_id(), p, &period, &lines, reconciliation, now_text.clone(), review_ends)
        .held_if(findings, &now_text);
    let audit = AuditEntry::new(
        "system",
        "settlement.calculated",
        &store::subject(&s.partnership_id, &s.period_start),
        &now_text,
        event_detail(&s),
    );
    let event = OutboxEvent::new(app, "partner.settlement.calculated", event_detail(&s));
    if store::create(app, &s, &audit, &event).await? {
        metrics::count(metrics::names::SETTLEMENTS_CALCULATED, 1);
        if !s.flags.is_empty() {
            metrics::count(metrics::names::ANOMALY_FLAGS, s.flags.len() as u64);
        }
        if s.status == SettlementStatus::Held {
            metrics::count(metrics::names::SETTLEMENTS_HELD, 1);
        }
        outbox::publish_now(app, std::slice::from_ref(&event)).await;
        return Ok(Calculated::Created(s));
    }
    store::get(app, &p.partnership_id, &key)
        .await?
        .map(Calculated::Existing)
        .ok_or_else(|| AppError::internal("a settlement refused as existing is missing"))
}

/// The named period, or the last ended one.
/// Which of a partnership's periods a calculation is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Which<'a> {
    /// The last period that has ended (the default).
    LastEnded,
    /// The period open now: a preview.
    Open,
    /// One period, by its `YYYY-MM-DD` start.
    Named(&'a str),
}

fn period_of(p: &Partnership, which: Which<'_>, now: time::OffsetDateTime) -> Result<Period, AppError> {
    let schedule = p.schedule();
    match which {
        Which::LastEnded => schedule
            .period_at(now)
            .and_then(|open| schedule.previous(&open))
            .ok_or_else(|| AppError::internal("no period holds now")),
        Which::Open => p.period_at(now),
        Which::Named(t) => p.period_named(t),
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CalculationView {
    /// `CREATED`, `EXISTING` or `PREVIEW` (the open period, not stored).
    pub outcome: &'static str,
    pub settlement: Settlement,
}

/// `POST .../settlements/calculate` by a party's owner: a closed period
/// (the last one by default) is settled once; the open one is previewed.
pub async fn calculate_for(
    app: &App,
    business_id: &BusinessId,
    partnership_id: &PartnershipId,
    which: Which<'_>,
) -> Result<CalculationView, AppError> {
    let p = partnerships::mine(app, business_id, partnership_id).await?;
    let period = period_of(&p, which, app.clock.now())?;
    match calculate(app, &p, period).await? {
        Calculated::Created(s) => Ok(CalculationView { outcome: "CREATED", settlement: s }),
        Calculated::Existing(s) => Ok(CalculationView { outcome: "EXISTING", settlement: s }),
        Calculated::Preview(s) => Ok(CalculationView { outcome: "PREVIEW", settlement: s }),
        Calculated::Empty => Err(AppError::not_found(
            "NOTHING_TO_SETTLE",
            format!("the period starting {} had no transactions", period.key()),
        )),
    }
}

/// Settles one due period (the queue worker's job, or inline).
pub async fn calculate_due(
    app: &App,
    partnership_id: &PartnershipId,
    period_start: &str,
) -> Result<&'static str, AppError> {
    let p = partnership_store::get(app, partnership_id)
        .await?
        .ok_or_else(|| AppError::not_found("PARTNERSHIP_NOT_FOUND", format!("no partnership {partnership_id}")))?;
    let period = p.period_named(period_start)?;
    Ok(match calculate(app, &p, period).await? {
        Calculated::Created(_) => "created",
        Calculated::Existing(_) => "existing",
        Calculated::Preview(_) => "not ended",
        Calculated::Empty => "empty",
    })
}

#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RunReport {
    pub due: usize,
    pub queued: usize,
    pub calculated: usize,
    pub processed: usize,
    pub payment_failures: usize,
    pub failures: Vec<String>,
}

/// Fans out every ended, unsettled period: one SQS job each (a network of
/// 100,000 partnerships settles across many invocations), or inline
/// without a queue. Stateless: what a run misses (a crash, a lost send),
/// the next finds again in the due index.
pub async fn run_due(app: &App, report: &mut RunReport) -> Result<(), AppError> {
    let today = rfc3339(app.clock.now())[..10].to_string();
    let due = transaction_store::due_periods(app, &today).await?;
    report.due = due.len();
    match app.settings.settlement_queue_url.as_deref() {
        // 10 jobs a request, 8 requests in flight: 100,000 due periods are
        // queued in well under a minute.
        Some(url) => {
            let jobs: Vec<serde_json::Value> = due
                .iter()
                .map(|d| json!({ "partnershipId": d.partnership_id, "periodStart": d.period_start }))
                .collect();
            report.queued = crate::platform::queue::send_json_many(&app.sqs, url, &jobs, 8).await?;
        }
        None => {
            for d in due {
                match calculate_due(app, &PartnershipId::known(d.partnership_id.as_str()), &d.period_start).await {
                    Ok(_) => report.calculated += 1,
                    Err(e) => report.failures.push(format!("{} {}: {}", d.partnership_id, d.period_start, e.message)),
                }
            }
        }
    }
    Ok(())
}

/// How many settlements one run pays at once.
const PAYOUT_CONCURRENCY: usize = 8;

/// Processes every PENDING (or interrupted PAYING) settlement whose review
/// is over, several at once: pays it through `provider` and marks it
/// PROCESSED (`partner.settlement.processed`).
pub async fn process_reviewed(
    app: &App,
    provider: &impl SettlementPayouts,
    report: &mut RunReport,
) -> Result<(), AppError> {
    use futures::StreamExt;
    let now = rfc3339(app.clock.now());
    let due = store::reviewed(app, &now).await?;
    // The futures are made first (a named fn, no closure in the stream's
    // type), so the whole run stays `Send` for the runtimes that box it.
    let jobs: Vec<_> = due.into_iter().map(|s| process_one(app, provider, s)).collect();
    let mut outcomes = futures::stream::iter(jobs).buffer_unordered(PAYOUT_CONCURRENCY);
    while let Some((s, outcome)) = outcomes.next().await {
        match outcome {
            Ok(true) => report.processed += 1,
            Ok(false) => {}
            Err(e) => {
                report.payment_failures += 1;
                report.failures.push(format!("{} {}: {}", s.partnership_id, s.period_start, e.message));
            }
        }
    }
    Ok(())
}

/// How long a started payout belongs to the run that started it: longer
/// than any function may run (Lambda's 15 minutes).
const PAYOUT_LEASE_SECS: i64 = 15 * 60;

fn payout_abandoned(started_at: &str, now: time::OffsetDateTime) -> bool {
    time::OffsetDateTime::parse(started_at, &time::format_description::well_known::Rfc3339)
        .map_or(true, |started| (now - started).whole_seconds() > PAYOUT_LEASE_SECS)
}

async fn process_one<P: SettlementPayouts>(
    app: &App,
    provider: &P,
    s: Settlement,
) -> (Settlement, Result<bool, AppError>) {
    let outcome = process(app, provider, &s).await;
    (s, outcome)
}

/// Pays and processes one reviewed settlement, as a state machine whose
/// every step is durable before the next: PENDING → PAYING records the
/// attempt (provider, amount, idempotency key) before anything is sent;
/// the transfer goes out under that key; PAYING → PROCESSED records the
/// payment. The settlement is read again first (the run's list may be
/// stale). A PAYING settlement found again (a crash, a failure) is first
/// looked up at the provider, so a retry days later, after the provider
/// forgot the key, still pays once. `Ok(false)`: nothing to do here (done,
/// not due, or another run is at it).
pub async fn process(app: &App, provider: &impl SettlementPayouts, listed: &Settlement) -> Result<bool, AppError> {
    let now = app.clock.now();
    let now_text = rfc3339(now);
    let Some(mut s) = store::get(app, &listed.partnership_id, &listed.period_start).await? else { return Ok(false) };
    let resumed = match s.status {
        SettlementStatus::Pending if s.review_ends_at.as_str() <= now_text.as_str() => false,
        // Resumed only once it failed or its run must have ended: a payout
        // started moments ago is another run's, in flight.
        SettlementStatus::Paying
            if s.payout.as_ref().is_some_and(|p| p.last_error.is_some() || payout_abandoned(&p.started_at, now)) =>
        {
            true
        }
        _ => return Ok(false),
    };
    if !resumed {
        let (payer, payee, amount) = match s.transfer() {
            Some((payer, payee, amount)) => (Some(payer.to_string()), Some(payee.to_string()), amount),
            None => (None, None, 0),
        };
        let attempt = PayoutAttempt {
            provider: provider.name().into(),
            idempotency_key: crate::settlements::payout::idempotency_key(&s),
            amount_cents: amount,
            payer_business_id: payer,
            payee_business_id: payee,
            started_at: now_text.clone(),
            last_error: None,
        };
        let paying = Settlement { status: SettlementStatus::Paying, payout: Some(attempt), ..s.clone() };
        let audit = AuditEntry::new(
            "system",
            "settlement.payout_started",
            &store::subject(&s.partnership_id, &s.period_start),
            &now_text,
            json!({ "payout": paying.payout }),
        );
        if !store::save(app, &s, &paying, &audit, &[], vec![]).await? {
            return Ok(false);
        }
        s = Settlement { revision: s.revision + 1, ..paying };
    }
    let reference = match pay(app, provider, &s, resumed).await {
        Ok(reference) => reference,
        Err(e) => {
            // Kept PAYING with the reason: the next run tries again, first
            // asking the provider whether it went through.
            let mut failed = s.clone();
            if let Some(p) = failed.payout.as_mut() {
                p.last_error = Some(e.message.clone());
            }
            let audit = AuditEntry::new(
                "system",
                "settlement.payout_failed",
                &store::subject(&s.partnership_id, &s.period_start),
                &now_text,
                json!({ "error": e.message }),
            );
            store::save(app, &s, &failed, &audit, &[], vec![]).await?;
            return Err(e);
        }
    };
    let attempt = s.payout.clone().ok_or_else(|| AppError::internal("a PAYING settlement without its attempt"))?;
    let payment = Payment {
        provider: attempt.provider.clone(),
        reference,
        amount_cents: attempt.amount_cents,
        payer_business_id: attempt.payer_business_id.clone(),
        payee_business_id: attempt.payee_business_id.clone(),
        recorded_at: now_text.clone(),
    };
    let after = Settlement {
        status: SettlementStatus::Processed,
        processed_at: Some(now_text.clone()),
        payment: Some(payment),
        ..s.clone()
    };
    let audit = AuditEntry::new(
        "system",
        "settlement.processed",
        &store::subject(&s.partnership_id, &s.period_start),
        &now_text,
        json!({ "payment": after.payment }),
    );
    let event = OutboxEvent::new(app, "partner.settlement.processed", event_detail(&after));
    // Paid: what it settled is no longer open against the exposure limits.
    let release = transaction_store::exposure_release(app, &s.partnership_id, s.net_settlement)?;
    if !store::save(app, &s, &after, &audit, std::slice::from_ref(&event), vec![("settlement.exposure", release)])
        .await?
    {
        return Ok(false);
    }
    metrics::count(metrics::names::SETTLEMENTS_PROCESSED, 1);
    outbox::publish_now(app, std::slice::from_ref(&event)).await;
    Ok(true)
}

/// Sends (or, resumed, first finds) a PAYING settlement's transfer: the
/// provider's reference, `None` for one left to external accounting or
/// netting to zero.
async fn pay(
    app: &App,
    provider: &impl SettlementPayouts,
    s: &Settlement,
    resumed: bool,
) -> Result<Option<String>, AppError> {
    let unavailable = |e: crate::settlements::payout::TransientTransferError| {
        AppError::unavailable("PAYOUT_UNAVAILABLE", e.to_string())
    };
    let Some((_, payee, amount)) = s.transfer() else { return Ok(None) };
    if resumed {
        if let Some(reference) = provider.find(s).await.map_err(unavailable)? {
            return Ok(Some(reference));
        }
    }
    let destination = businesses::get(app, payee).await?.and_then(|b| b.stripe_account_id);
    match provider.transfer(s, amount, destination.as_deref()).await.map_err(unavailable)? {
        TransferOutcome::Paid { reference } => Ok(Some(reference)),
        TransferOutcome::External => Ok(None),
        TransferOutcome::Refused { reason } => Err(AppError::conflict("PAYOUT_REFUSED", reason)),
    }
}

async fn settlement_of(
    app: &App,
    business_id: &BusinessId,
    partnership_id: &PartnershipId,
    period_start: &str,
) -> Result<(Partnership, Settlement), AppError> {
    let p = partnerships::mine(app, business_id, partnership_id).await?;
    let period = period_of(&p, Which::Named(period_start), app.clock.now())?;
    let s = store::get(app, partnership_id, &period.key()).await?.ok_or_else(|| not_found(period_start))?;
    Ok((p, s))
}

/// A settlement of any partnership (a platform admin's reach).
async fn any_settlement(
    app: &App,
    partnership_id: &PartnershipId,
    period_start: &str,
) -> Result<(Partnership, Settlement), AppError> {
    let p = partnership_store::get(app, partnership_id)
        .await?
        .ok_or_else(|| AppError::not_found("PARTNERSHIP_NOT_FOUND", format!("no partnership {partnership_id}")))?;
    let period = period_of(&p, Which::Named(period_start), app.clock.now())?;
    let s = store::get(app, partnership_id, &period.key()).await?.ok_or_else(|| not_found(period_start))?;
    Ok((p, s))
}

/// A party disputes a PENDING settlement during its review: DISPUTED
/// until resolved; it is not processed meanwhile.
pub async fn dispute(
    app: &App,
    business_id: &BusinessId,
    user_id: &str,
    partnership_id: &PartnershipId,
    period_start: &str,
    request: DisputeRequest,
) -> Result<Settlement, AppError> {
    let (reason, lines) = request.validate()?;
    let (_, s) = settlement_of(app, business_id, partnership_id, period_start).await?;
    let now = rfc3339(app.clock.now());
    // A held one may be disputed until it is released, whatever its review.
    let held = s.status == SettlementStatus::Held;
    if !(s.status == SettlementStatus::Pending || held) || s.resolution.is_some() {
        return Err(AppError::conflict(
            "SETTLEMENT_NOT_DISPUTABLE",
            format!("the settlement is {}", s.status.as_str()),
        ));
    }
    if !held && now >= s.review_ends_at {
        return Err(AppError::conflict(
            "REVIEW_PERIOD_OVER",
            "the 7-day review ended; the settlement is being processed",
        ));
    }
    // One read for all the disputed lines, each checked to be this
    // settlement's.
    let found = transaction_store::get_many(app, partnership_id, &lines).await?;
    if let Some(id) = lines.iter().find(|id| !found.iter().any(|l| &l.id == *id && l.period_start == s.period_start)) {
        return Err(AppError::bad_request("INVALID_LINES", format!("{id} is not a line of this settlement")));
    }
    let after = Settlement {
        status: SettlementStatus::Disputed,
        dispute: Some(Dispute {
            business_id: business_id.to_string(),
            reason,
            lines,
            disputed_at: now.clone(),
            disputed_by: user_id.into(),
        }),
        ..s.clone()
    };
    let audit = AuditEntry::new(
        user_id,
        "settlement.disputed",
        &store::subject(partnership_id, &s.period_start),
        &now,
        json!({ "before": { "status": s.status }, "after": { "status": after.status, "dispute": after.dispute } }),
    );
    let event = OutboxEvent::new(app, "partner.settlement.disputed", event_detail(&after));
    if !store::save(app, &s, &after, &audit, std::slice::from_ref(&event), vec![]).await? {
        return Err(AppError::conflict("SETTLEMENT_CHANGED", "the settlement changed meanwhile; read it again"));
    }
    outbox::publish_now(app, std::slice::from_ref(&event)).await;
    metrics::count(metrics::names::SETTLEMENTS_DISPUTED, 1);
    Ok(after)
}

/// Who releases a held settlement.
pub enum Releaser<'a> {
    /// A platform admin (wallet-signed).
    Admin { wallet: &'a str },
    /// The reviewer's owner: the party that would pay.
    Party { business_id: &'a BusinessId, user_id: &'a str },
}

/// Releases a HELD settlement after review: it becomes PENDING and is
/// processed once its 7-day review is over (at once if it is). Only its
/// reviewer (the party that would pay) or an admin; the party that would
/// be paid gets 403, anyone else 404.
pub async fn release(
    app: &App,
    releaser: Releaser<'_>,
    partnership_id: &PartnershipId,
    period_start: &str,
) -> Result<Settlement, AppError> {
    let (s, actor) = match &releaser {
        Releaser::Party { business_id, user_id } => {
            let (_, s) = settlement_of(app, business_id, partnership_id, period_start).await?;
            let reviewer = s.hold.as_ref().map(|h| h.reviewer_business_id.as_str());
            if s.status == SettlementStatus::Held && reviewer != Some(business_id.as_str()) {
                return Err(AppError::forbidden(
                    "NOT_THE_REVIEWER",
                    "a held settlement is released by the party that would pay it (or a platform admin)",
                ));
            }
            (s, user_id.to_string())
        }
        Releaser::Admin { wallet } => {
            (any_settlement(app, partnership_id, period_start).await?.1, format!("ADMIN:{wallet}"))
        }
    };
    if s.status != SettlementStatus::Held {
        return Err(AppError::conflict("SETTLEMENT_NOT_HELD", format!("the settlement is {}", s.status.as_str())));
    }
    let now = rfc3339(app.clock.now());
    let mut after = s.clone();
    after.status = SettlementStatus::Pending;
    if let Some(hold) = after.hold.as_mut() {
        (hold.released_at, hold.released_by) = (Some(now.clone()), Some(actor.clone()));
    }
    let audit = AuditEntry::new(
        &actor,
        "settlement.released",
        &store::subject(partnership_id, &s.period_start),
        &now,
        json!({ "before": { "status": s.status }, "after": { "status": after.status, "hold": after.hold } }),
    );
    if !store::save(app, &s, &after, &audit, &[], vec![]).await? {
        return Err(AppError::conflict("SETTLEMENT_CHANGED", "the settlement changed meanwhile; read it again"));
    }
    Ok(after)
}

/// The settlements held for review, oldest first (platform admins).
pub async fn held(
    app: &App,
    limit: i32,
    cursor: Option<&str>,
) -> Result<crate::platform::dynamo::Page<Settlement>, AppError> {
    store::held(app, limit, cursor).await
}

/// Who resolves a dispute.
pub enum Resolver<'a> {
    /// A platform admin (wallet-signed), alone.
    Admin { wallet: &'a str },
    /// A party's owner: resolved once both parties propose the same
    /// adjustment.
    Party { business_id: &'a BusinessId, user_id: &'a str },
}

/// Resolves a DISPUTED settlement: the outcome is recorded, an adjustment
/// (if any) is carried into the open period as an ADJUSTMENT transaction,
/// and the settlement returns to PENDING with its review over, so the next
/// processing run pays it as calculated.
pub async fn resolve(
    app: &App,
    resolver: Resolver<'_>,
    partnership_id: &PartnershipId,
    period_start: &str,
    request: ResolveRequest,
) -> Result<Settlement, AppError> {
    let (outcome, adjustment) = request.validate()?;
    let (p, s) = match &resolver {
        Resolver::Party { business_id, .. } => settlement_of(app, business_id, partnership_id, period_start).await?,
        Resolver::Admin { .. } => any_settlement(app, partnership_id, period_start).await?,
    };
    if s.status != SettlementStatus::Disputed {
        return Err(AppError::conflict("SETTLEMENT_NOT_DISPUTED", format!("the settlement is {}", s.status.as_str())));
    }
    let now = rfc3339(app.clock.now());
    let (actor, resolved_by) = match &resolver {
        Resolver::Admin { wallet } => (format!("admin:{wallet}"), Some(format!("ADMIN:{wallet}"))),
        Resolver::Party { user_id, .. } => (user_id.to_string(), None),
    };
    let mut proposed = s.clone();
    if let Resolver::Party { business_id, .. } = &resolver {
        proposed.proposals.retain(|x| x.business_id != business_id.as_str());
        proposed.proposals.push(Proposal {
            business_id: business_id.to_string(),
            outcome: outcome.clone(),
            adjustment_cents: adjustment,
            proposed_at: now.clone(),
        });
    }
    let agreed = proposed.proposals.len() == 2
        && proposed.proposals[0].adjustment_cents == proposed.proposals[1].adjustment_cents;
    let resolved_by = resolved_by.or_else(|| agreed.then(|| "PARTIES".to_string()));
    // The adjustment is written in the resolution's own transaction: it
    // exists exactly when the resolution does, and a lost race leaves
    // nothing behind. A concurrent recording on the partnership (or a
    // period closing) refuses the adjustment's items: plan it again.
    let mut p = p;
    for attempt in 1..=MAX_RESOLVE_ATTEMPTS {
        if attempt > 1 {
            tokio::time::sleep(crate::platform::dynamo::backoff(attempt)).await;
            p = partnership_store::get(app, partnership_id)
                .await?
                .ok_or_else(|| AppError::internal("the partnership vanished"))?;
        }
        let mut after = proposed.clone();
        let mut joined = crate::platform::dynamo::Tx::new();
        let mut event = None;
        if let Some(by) = &resolved_by {
            let planned = match adjustment {
                0 => None,
                cents => Some(
                    transactions::plan_adjustment(
                        app,
                        &p,
                        &format!("{}-r{}", s.id, s.revision),
                        cents,
                        &outcome,
                        &actor,
                    )
                    .await?,
                ),
            };
            after.resolution = Some(Resolution {
                outcome: outcome.clone(),
                adjustment_cents: adjustment,
                resolved_by: by.clone(),
                resolved_at: now.clone(),
                adjustment_transaction_id: planned.as_ref().map(|a| a.transaction_id.clone()),
            });
            (after.status, after.review_ends_at) = (SettlementStatus::Pending, now.clone());
            if let Some(planned) = planned {
                joined = planned.items;
                event = Some(planned.event);
            }
        }
        let action = if after.resolution.is_some() { "settlement.resolved" } else { "settlement.resolution_proposed" };
        let audit = AuditEntry::new(
            &actor,
            action,
            &store::subject(partnership_id, &s.period_start),
            &now,
            json!({ "before": { "status": s.status }, "after": { "status": after.status, "resolution": after.resolution, "proposals": after.proposals } }),
        );
        let resolved: Vec<OutboxEvent> = after
            .resolution
            .is_some()
            .then(|| OutboxEvent::new(app, "partner.settlement.resolved", event_detail(&after)))
            .into_iter()
            .collect();
        match store::save_joined(app, &s, &after, &audit, &resolved, joined).await? {
            Ok(()) => {
                outbox::publish_now(app, &resolved).await;
                if let Some(event) = event {
                    outbox::publish_now(app, std::slice::from_ref(&event)).await;
                }
                return Ok(after);
            }
            Err(r) if r.failed(store::TX_SETTLEMENT) => {
                return Err(AppError::conflict("SETTLEMENT_CHANGED", "the settlement changed meanwhile; read it again"))
            }
            Err(r) if transactions::adjustment_contended(&r) => continue,
            Err(r) => return Err(r.unexpected("settlement resolution")),
        }
    }
    Err(AppError::conflict("RECORDING_CONTENDED", "the partnership changed repeatedly meanwhile; resolve again"))
}

/// How often a resolution is planned again while recordings on the same
/// partnership keep moving what its adjustment is conditioned on.
const MAX_RESOLVE_ATTEMPTS: u32 = 25;

/// A partnership's settlements, newest first.
pub async fn list(
    app: &App,
    business_id: &BusinessId,
    partnership_id: &PartnershipId,
) -> Result<serde_json::Value, AppError> {
    partnerships::mine(app, business_id, partnership_id).await?;
    Ok(json!({ "settlements": store::of_partnership(app, partnership_id).await? }))
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SettlementWithLines {
    pub settlement: Settlement,
    pub lines: Vec<PartnerTransaction>,
    pub next_cursor: Option<String>,
}

/// One settlement and a page of its lines (the period's transactions,
/// oldest first).
pub async fn get(
    app: &App,
    business_id: &BusinessId,
    partnership_id: &PartnershipId,
    period_start: &str,
    limit: i32,
    cursor: Option<&str>,
) -> Result<SettlementWithLines, AppError> {
    if !(1..=5_000).contains(&limit) {
        return Err(AppError::bad_request("INVALID_LIMIT", "limit must be between 1 and 5000"));
    }
    let (_, settlement) = settlement_of(app, business_id, partnership_id, period_start).await?;
    let page = transaction_store::period_page(app, partnership_id, &settlement.period_start, limit, cursor).await?;
    Ok(SettlementWithLines { settlement, lines: page.items, next_cursor: page.next_cursor })
}
