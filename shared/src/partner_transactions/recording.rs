//! Recording a partner transaction, as a pipeline run until it commits:
//!
//! 1. **load**: what the plan needs (the partnership, a reversal's
//!    original, the program points convert by, the terms in force when it
//!    happened, a HYBRID period's count), from the app's warm memory when
//!    it has it;
//! 2. **plan**: the domain's rules, pure (`domain::plan`);
//! 3. **commit**: one transaction; the store names what became of it
//!    (`store::Recorded`);
//! 4. **react**: remember what is now known, publish the event, count it.
//!
//! A fact the commit finds stale is forgotten and the pipeline runs again:
//! one retry policy, with backoff, for conflicts and stale facts alike.

use std::collections::BTreeSet;

use serde_json::json;
use time::OffsetDateTime;

use super::domain::{occurred_at, plan, target_period, Context, PartnerTransaction, RecordRequest, TxType};
use super::store::{self, Recorded, Recording};
use super::warm::Warm;
use crate::loyalty::domain::PointsProgram;
use crate::loyalty::store::{self as loyalty, Opening};
use crate::members::domain::Role;
use crate::partnerships::domain::{Partnership, SharingModel};
use crate::partnerships::periods::Period;
use crate::partnerships::service as partnerships;
use crate::partnerships::store as partnership_store;
use crate::platform::audit::AuditEntry;
use crate::platform::dynamo::backoff;
use crate::platform::error::AppError;
use crate::platform::ids::new_id;
use crate::platform::ids::{BusinessId, PartnershipId};
use crate::platform::outbox::{self, OutboxEvent};
use crate::App;

/// Attempts before a recording that keeps losing races gives up (409).
const MAX_ATTEMPTS: u32 = 60;

/// Who records, where.
pub struct Recorder<'a> {
    pub app: &'a App,
    pub business_id: &'a BusinessId,
    pub user_id: &'a str,
    pub role: Role,
    pub partnership_id: &'a PartnershipId,
}

/// What one attempt leaves the next: periods found closed (count in the
/// next one), and the guess about the customer's balance.
#[derive(Default)]
struct Carried {
    closed: BTreeSet<Period>,
    opening: Opening,
}

/// What the plan is made from.
struct Loaded {
    partnership: Partnership,
    original: Option<PartnerTransaction>,
    program: Option<PointsProgram>,
    at: OffsetDateTime,
    period: Period,
    late: bool,
    /// HYBRID: the period's qualifying count the ordinal is taken from.
    qualifying_seen: Option<u64>,
    seen_life: bool,
    seen_month: bool,
}

enum Load {
    Ready(Box<Loaded>),
    /// The target period was closed by its settlement run meanwhile.
    PeriodClosed(Period),
}

/// What the caller is answered: the transaction, and `true` when it was
/// recorded now (`false`: a retry, answered with the first recording).
pub type Answer = (PartnerTransaction, bool);

impl Recorder<'_> {
    /// Runs the pipeline until it commits, is refused, or gives up. A
    /// database that did not answer is tried again like a lost race: the
    /// idempotency key makes a commit whose answer was lost come back as
    /// its first answer.
    pub async fn record(&self, header_key: Option<&str>, request: RecordRequest) -> Result<Answer, AppError> {
        let key = super::domain::idempotency_key(header_key, request.pos_transaction_id.as_deref())?;
        let fingerprint = request.fingerprint();
        let warm = self.app.memory::<Warm>();
        let mut carried = Carried::default();
        for attempt in 1..=MAX_ATTEMPTS {
            if attempt > 1 {
                tokio::time::sleep(backoff(attempt)).await;
            }
            match self.attempt(&warm, &mut carried, &key, &fingerprint, &request).await {
                Ok(Some(answer)) => return Ok(answer),
                Ok(None) => {}
                Err(e) if e.is_unavailable() && attempt < MAX_ATTEMPTS => {}
                Err(e) => return Err(e),
            }
        }
        Err(AppError::conflict(
            "RECORDING_CONTENDED",
            "the partnership changed repeatedly meanwhile; send the transaction again (same idempotency key)",
        ))
    }

    /// One pass of the pipeline. `None`: a race was lost or a fact was
    /// stale (`carried` says what was learnt); run it again.
    async fn attempt(
        &self,
        warm: &Warm,
        carried: &mut Carried,
        key: &str,
        fingerprint: &str,
        request: &RecordRequest,
    ) -> Result<Option<Answer>, AppError> {
        let now = self.app.clock.now();
        let (partnership, from_memory) = self.partnership(warm).await?;
        let planned = match self.load(warm, partnership, request, carried, now).await {
            Ok(Load::Ready(loaded)) => self.plan(request, &loaded, key, now).map(|tx| (loaded, tx)),
            Ok(Load::PeriodClosed(period)) => {
                carried.closed.insert(period);
                return Ok(None);
            }
            Err(e) => Err(e),
        };
        let (loaded, tx) = match planned {
            Ok(planned) => planned,
            // A refusal planned on a remembered partnership (paused
            // since resumed, say) is planned again on a fresh read.
            Err(_) if from_memory => {
                warm.forget_partnership(self.partnership_id);
                return Ok(None);
            }
            // A retry of a recording made while the request was still
            // valid gets its first answer, not today's refusal.
            Err(e) => return self.first_answer(key, fingerprint).await?.ok_or(e).map(Some),
        };
        let event = OutboxEvent::new(self.app, "partner.transaction.recorded", event_detail(&tx));
        match self.commit(&loaded, &tx, fingerprint, carried.opening, &event).await? {
            Recorded::Done => {
                self.react(warm, &loaded, &tx, event).await;
                return Ok(Some((tx, true)));
            }
            Recorded::KeyTaken => return self.first_answer(key, fingerprint).await,
            Recorded::AlreadyReversed => {
                return Err(AppError::conflict("ALREADY_REVERSED", "that transaction is reversed already"))
            }
            // An earn guessed whether the customer's balance exists:
            // guess the other way (a first earn here, or a racing one won).
            Recorded::BalanceRefused if tx.transaction_type == TxType::Earn => {
                carried.opening = carried.opening.flipped()
            }
            Recorded::BalanceRefused => return Err(balance_refusal(tx.transaction_type)),
            Recorded::ExposureReached => return Err(self.exposure_refusal(&loaded.partnership, &tx).await?),
            Recorded::CapReached => {
                return Err(AppError::conflict(
                    "REDEMPTION_LIMIT_REACHED",
                    "the customer reached this partnership's maxRedemptionPerCustomer for the period",
                ))
            }
            Recorded::Stale(stale) => {
                self.forget(warm, &stale, &tx);
                if stale.period && self.closed(&tx.period_start).await? {
                    carried.closed.insert(loaded.period);
                }
            }
        }
        Ok(None)
    }

    /// 422 `EXPOSURE_LIMIT_REACHED`, with the payer's headroom as it is now
    /// (read after the refusal: the limit itself was a condition).
    async fn exposure_refusal(&self, p: &Partnership, tx: &PartnerTransaction) -> Result<AppError, AppError> {
        let open = store::open_net_a_to_b(self.app, &p.partnership_id).await?;
        let payer_is_a = tx.payer_business_id.as_deref() == Some(p.business_a_id.as_str());
        let seen = crate::partnerships::exposure::view(&p.exposure_limits, open, payer_is_a);
        let (limit, headroom) =
            (seen.you_may_owe_partner_max_cents.unwrap_or(0), seen.your_headroom_cents.unwrap_or(0));
        let payer = tx.payer_business_id.as_deref().unwrap_or("the payer");
        Ok(AppError::unprocessable(
            "EXPOSURE_LIMIT_REACHED",
            format!(
                "{payer} would owe its partner more than the {} it may owe unsettled; {} of headroom is left until a settlement is processed",
                crate::notifications::domain::dollars(i64::try_from(limit).unwrap_or(i64::MAX)),
                crate::notifications::domain::dollars(headroom),
            ),
        )
        .with_details(json!({ "headroomCents": headroom, "limitCents": limit, "payerBusinessId": payer })))
    }

    /// The partnership, if the caller is a party: remembered by a warm
    /// container (its transaction checks the revision). `true` with it:
    /// it came from memory.
    async fn partnership(&self, warm: &Warm) -> Result<(Partnership, bool), AppError> {
        match warm.partnership(self.partnership_id) {
            Some(p) if p.is_party(self.business_id) => Ok((p, true)),
            _ => {
                let p = partnerships::mine(self.app, self.business_id, self.partnership_id).await?;
                warm.remember_partnership(&p);
                Ok((p, false))
            }
        }
    }

    /// 1. Load: everything else the plan needs.
    async fn load(
        &self,
        warm: &Warm,
        p: Partnership,
        request: &RecordRequest,
        carried: &Carried,
        now: OffsetDateTime,
    ) -> Result<Load, AppError> {
        let original = match (request.kind, request.reverses.as_deref()) {
            (TxType::Reversal, Some(id)) if crate::businesses::domain::is_business_id(id) => {
                store::get(self.app, self.partnership_id, id).await?
            }
            _ => None,
        };
        let program = match request.kind {
            TxType::Earn | TxType::Redeem => self.program(warm, p.partner_of(self.business_id)).await?,
            _ => None,
        };
        let at = occurred_at(request, &p, now)?;
        let p = terms_at(self.app, p, at).await?;
        let (period, late) = target_period(&p, at, now, |x| carried.closed.contains(x))?;
        // HYBRID needs the period's count for the ordinal; the transaction checks it.
        let qualifying_seen = match (p.terms.model(), warm.qualifying(self.partnership_id, &period.key())) {
            (SharingModel::Hybrid, Some(n)) => Some(n),
            (SharingModel::Hybrid, None) => {
                let counters = store::period(self.app, self.partnership_id, &period.key()).await?.unwrap_or_default();
                if counters.closed_at.is_some() {
                    return Ok(Load::PeriodClosed(period));
                }
                Some(counters.qualifying)
            }
            _ => None,
        };
        let customer = original.as_ref().map(|o| o.customer_id.as_str()).or(request.customer_id.as_deref());
        let customer = customer.unwrap_or_default().trim();
        let month = &crate::platform::clock::rfc3339(at)[..7];
        let (seen_life, seen_month) =
            (warm.seen(self.partnership_id, "LIFE", customer), warm.seen(self.partnership_id, month, customer));
        let loaded =
            Loaded { partnership: p, original, program, at, period, late, qualifying_seen, seen_life, seen_month };
        Ok(Load::Ready(Box::new(loaded)))
    }

    async fn program(&self, warm: &Warm, business_id: &str) -> Result<Option<PointsProgram>, AppError> {
        if let Some(p) = warm.program(business_id) {
            return Ok(Some(p));
        }
        let program = loyalty::program(self.app, business_id).await?;
        if let Some(p) = &program {
            warm.remember_program(p);
        }
        Ok(program)
    }

    /// 2. Plan: the domain's rules on what was loaded (pure).
    fn plan(
        &self,
        request: &RecordRequest,
        loaded: &Loaded,
        key: &str,
        now: OffsetDateTime,
    ) -> Result<PartnerTransaction, AppError> {
        let ctx = Context {
            partnership: &loaded.partnership,
            recorder: self.business_id,
            recorder_role: self.role,
            program: loaded.program.as_ref(),
            original: loaded.original.as_ref(),
            qualifying_before: loaded.qualifying_seen.unwrap_or(0),
            now,
        };
        plan(request, &ctx, &new_id(), key, self.user_id, loaded.at, loaded.period, loaded.late)
    }

    /// 3. Commit: one transaction, checking every fact the plan rests on.
    async fn commit(
        &self,
        loaded: &Loaded,
        tx: &PartnerTransaction,
        fingerprint: &str,
        opening: Opening,
        event: &OutboxEvent,
    ) -> Result<Recorded, AppError> {
        let audit = AuditEntry::new(
            self.user_id,
            "partner_transaction.recorded",
            &partnership_store::subject(self.partnership_id),
            &tx.recorded_at,
            json!({ "transaction": tx }),
        );
        let p = &loaded.partnership;
        let recording = Recording {
            tx,
            fingerprint,
            partnership: p,
            program: loaded.program.as_ref(),
            qualifying_seen: loaded.qualifying_seen,
            max_redemptions: p.config.max_redemption_per_customer,
            period_end: loaded.period.end.to_string(),
            first_in_life: !loaded.seen_life,
            first_in_month: !loaded.seen_month,
            opening,
            original: loaded.original.as_ref(),
            enforce_exposure: true,
            audit: &audit,
            event,
        };
        store::record(self.app, recording).await
    }

    /// 4. React: what is now known, the event, the metric.
    async fn react(&self, warm: &Warm, loaded: &Loaded, tx: &PartnerTransaction, event: OutboxEvent) {
        let id = self.partnership_id;
        warm.remember_seen(id, "LIFE", &tx.customer_id);
        warm.remember_seen(id, tx.month(), &tx.customer_id);
        match (loaded.qualifying_seen, super::domain::qualifying_delta(tx, loaded.original.as_ref())) {
            (Some(n), delta @ 0..) => warm.remember_qualifying(id, &tx.period_start, n + delta.unsigned_abs()),
            // A reversal's count was read unchecked: read it again next time.
            (Some(_), _) => warm.forget_qualifying(id, &tx.period_start),
            (None, _) => {}
        }
        outbox::publish_now(self.app, std::slice::from_ref(&event)).await;
        crate::platform::metrics::count(crate::platform::metrics::names::PARTNER_TRANSACTIONS, 1);
    }

    /// Forgets what a refused commit showed stale (a first-time mark that
    /// exists is remembered instead: it never stops existing).
    fn forget(&self, warm: &Warm, stale: &store::Stale, tx: &PartnerTransaction) {
        let id = self.partnership_id;
        if stale.partnership {
            warm.forget_partnership(id);
        }
        if let (true, Some(b)) = (stale.program, &tx.program_business_id) {
            warm.forget_program(b);
        }
        if stale.seen_life {
            warm.remember_seen(id, "LIFE", &tx.customer_id);
        }
        if stale.seen_month {
            warm.remember_seen(id, tx.month(), &tx.customer_id);
        }
        if stale.period {
            warm.forget_qualifying(id, &tx.period_start);
        }
    }

    async fn closed(&self, period_start: &str) -> Result<bool, AppError> {
        Ok(store::period(self.app, self.partnership_id, period_start).await?.is_some_and(|c| c.closed_at.is_some()))
    }

    /// The first answer to an idempotency key, if the key was used: the
    /// same request gets it again; another request under the key is refused.
    async fn first_answer(&self, key: &str, fingerprint: &str) -> Result<Option<Answer>, AppError> {
        let (id, recorder) = (self.partnership_id, self.business_id);
        let Some(record) = store::idempotency(self.app, id, recorder, key).await? else { return Ok(None) };
        if record.fingerprint != fingerprint {
            return Err(AppError::conflict(
                "IDEMPOTENCY_KEY_REUSED",
                "this idempotency key was used for another transaction",
            ));
        }
        let first = store::get(self.app, id, &record.transaction_id).await?;
        let first = first.ok_or_else(|| AppError::internal("an idempotency key names a missing transaction"))?;
        Ok(Some((first, false)))
    }
}

fn balance_refusal(kind: TxType) -> AppError {
    if kind == TxType::Redeem {
        AppError::conflict("INSUFFICIENT_POINTS", "the customer does not have that many points in this program")
    } else {
        AppError::conflict(
            "POINTS_ALREADY_SPENT",
            "the points this earn gave have been spent; they cannot be taken back",
        )
    }
}

pub(super) fn event_detail(t: &PartnerTransaction) -> serde_json::Value {
    json!({
        "transactionId": t.id, "partnershipId": t.partnership_id, "transactionType": t.transaction_type, "amount": t.amount,
        "revenueSharingAmount": t.revenue_sharing_amount, "payerBusinessId": t.payer_business_id, "payeeBusinessId": t.payee_business_id,
        "termsVersion": t.terms_version, "periodStart": t.period_start, "late": t.late, "reverses": t.reverses,
    })
}

/// The partnership with the terms in force at `at` (an offline sale is
/// charged the terms it was made under).
pub(super) async fn terms_at(app: &App, p: Partnership, at: OffsetDateTime) -> Result<Partnership, AppError> {
    let version = p.terms_version_at(at);
    if version == p.terms_version {
        return Ok(p);
    }
    let then = partnership_store::terms_version(app, &p.partnership_id, version)
        .await?
        .ok_or_else(|| AppError::internal(format!("terms version {version} of {} is missing", p.partnership_id)))?;
    Ok(Partnership { terms: then.terms, terms_version: version, ..p })
}
