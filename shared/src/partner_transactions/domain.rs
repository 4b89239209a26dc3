//! Partner transactions: what may be recorded on a partnership, by whom,
//! and what it does (points, the revenue share, its period). Free of I/O:
//! `plan` turns a request and what was read into the record to write.
//!
//! Who is who, for a transaction recorded by the party where it happens
//! (the recorder) on a partnership with the other party (the partner):
//! - EARN: a purchase at the recorder earns points in the partner's
//!   program (a partner's customer earning at a partner). No share.
//! - REDEEM: the partner's program points are spent at the recorder; the
//!   redemption value is the points' worth in the partner's program. The
//!   program's business (the partner) owes the recorder its share.
//! - REFERRAL: a purchase at the recorder by a customer the partner sent;
//!   the recorder owes the partner its share of the purchase.
//! - REVERSAL: undoes one earlier transaction of the partnership (points
//!   and share), once; never an edit.

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use super::sharing::{calculate, Calculation, Side};
use crate::businesses::domain::GeoLocation;
use crate::businesses::geo::haversine_km;
use crate::loyalty::domain::{amount_cents, customer_id, PointsProgram};
use crate::members::domain::Role;
use crate::partnerships::domain::{Partnership, PartnershipStatus, PartnershipType};
use crate::partnerships::periods::Period;
use crate::platform::clock::rfc3339;
use crate::platform::error::AppError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TxType {
    Earn,
    Redeem,
    Referral,
    Reversal,
    /// A settlement dispute's resolution carried into a later period; made
    /// by the platform, never recorded through the API.
    Adjustment,
}

impl TxType {
    pub fn as_str(self) -> &'static str {
        match self {
            TxType::Earn => "EARN",
            TxType::Redeem => "REDEEM",
            TxType::Referral => "REFERRAL",
            TxType::Reversal => "REVERSAL",
            TxType::Adjustment => "ADJUSTMENT",
        }
    }

    pub fn parse(text: &str) -> Result<TxType, AppError> {
        serde_json::from_value(serde_json::Value::String(text.to_ascii_uppercase()))
            .map_err(|_| AppError::bad_request("INVALID_TYPE", "type must be EARN, REDEEM, REFERRAL or REVERSAL"))
    }

    /// Whether the revenue share applies (and, under HYBRID, it counts
    /// towards the bonus threshold).
    pub fn qualifies(self) -> bool {
        matches!(self, TxType::Redeem | TxType::Referral)
    }
}

/// How a recording moves its period's count of qualifying transactions
/// (HYBRID's ordinal): +1 for a qualifying one; -1 for the reversal of a
/// qualifying one of the same period, which gives its place back, so
/// redeem-and-reverse pairs (which cost nothing) cannot push the period's
/// later sales into the bonus rate (the spec's Risk 2). A reversal in a
/// later period leaves the count of its own period alone: the original's
/// place was in another.
pub fn qualifying_delta(tx: &PartnerTransaction, original: Option<&PartnerTransaction>) -> i64 {
    match (tx.transaction_type, original) {
        (TxType::Reversal, Some(o)) if o.transaction_type.qualifies() && o.period_start == tx.period_start => -1,
        (kind, _) => i64::from(kind.qualifies()),
    }
}

/// Which types a partnership type allows: POINTS_COALITION earns and
/// redeems both ways; CROSS_REDEMPTION only redeems; REFERRAL_ONLY only
/// records referred purchases. Reversals are always allowed.
pub fn allowed(kind: PartnershipType, tx: TxType) -> bool {
    match (kind, tx) {
        (_, TxType::Reversal) => true,
        (PartnershipType::PointsCoalition, TxType::Earn | TxType::Redeem) => true,
        (PartnershipType::CrossRedemption, TxType::Redeem) => true,
        (PartnershipType::ReferralOnly, TxType::Referral) => true,
        // Adjustments come from settlement resolutions only.
        _ => false,
    }
}

/// The body of `POST /api/v1/partnerships/{id}/transactions`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RecordRequest {
    #[serde(rename = "type")]
    pub kind: TxType,
    #[serde(default)]
    pub customer_id: Option<String>,
    /// The purchase, in exact dollars (EARN, REFERRAL).
    #[serde(default)]
    pub amount: Option<Box<RawValue>>,
    /// Points to redeem (REDEEM).
    #[serde(default)]
    pub points: Option<u64>,
    #[serde(default)]
    pub category: Option<String>,
    #[serde(default)]
    pub location_id: Option<String>,
    #[serde(default)]
    pub location: Option<GeoLocation>,
    /// When it happened at the point of sale (RFC 3339); now if left out.
    #[serde(default)]
    pub occurred_at: Option<String>,
    /// The point of sale's own id: the idempotency key when no
    /// `Idempotency-Key` header is sent.
    #[serde(default)]
    pub pos_transaction_id: Option<String>,
    /// The transaction a REVERSAL undoes.
    #[serde(default)]
    pub reverses: Option<String>,
    #[serde(default)]
    pub reason: Option<String>,
}

impl RecordRequest {
    /// A digest of what the request asks, so a reused idempotency key with
    /// another request is told apart from a retry.
    pub fn fingerprint(&self) -> String {
        let text = format!(
            "{}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}|{:?}",
            self.kind.as_str(),
            self.customer_id.as_deref().map(str::trim),
            self.amount.as_ref().map(|a| a.get()),
            self.points,
            self.category,
            self.location_id,
            self.location.map(|l| (l.lat.to_bits(), l.lng.to_bits())),
            self.occurred_at,
            self.reverses
        );
        hex::encode(Sha256::digest(text.as_bytes()))
    }
}

/// An idempotency key: the header's or the POS id, 1 to 128 printable
/// ASCII characters without `#`.
pub fn idempotency_key(header: Option<&str>, pos_id: Option<&str>) -> Result<String, AppError> {
    let key = header.or(pos_id).map(str::trim).filter(|k| !k.is_empty()).ok_or_else(|| {
        AppError::bad_request("IDEMPOTENCY_KEY_REQUIRED", "send an Idempotency-Key header or posTransactionId, so a retried or late-synced record is never counted twice")
    })?;
    if key.len() > 128 || !key.bytes().all(|b| b.is_ascii_graphic() && b != b'#') {
        return Err(AppError::bad_request(
            "INVALID_IDEMPOTENCY_KEY",
            "the idempotency key is 1 to 128 printable characters without #",
        ));
    }
    Ok(key.to_string())
}

/// A partner transaction as stored (the spec's `PartnerTransaction`, with
/// the share's direction, terms version and calculation).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PartnerTransaction {
    pub id: String,
    pub partnership_id: String,
    pub transaction_type: TxType,
    pub customer_id: String,
    pub recorded_by_business_id: String,
    /// Where the customer earned (EARN: the recorder; REDEEM: the program's
    /// business; REFERRAL: the referrer).
    pub origin_business_id: String,
    /// Where points were redeemed (REDEEM only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redeeming_business_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub program_business_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub program_version: Option<u32>,
    /// The transaction's value in cents: the purchase, or the redemption's
    /// worth.
    pub amount: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub points_earned: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub points_redeemed: Option<u64>,
    /// The share in cents, owed by `payerBusinessId` to `payeeBusinessId`
    /// (a reversal's is owed back: its net is negative).
    pub revenue_sharing_amount: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payer_business_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payee_business_id: Option<String>,
    /// Signed: positive when A owes B. Settlement sums these.
    pub net_a_to_b: i64,
    pub terms_version: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calculation: Option<Calculation>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location_id: Option<String>,
    /// Where it happened when the request said: (lat, lng) in millionths
    /// of a degree (integers keep the transaction `Eq`). The anomaly scan
    /// compares it with the recorder's registered location.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location_e6: Option<(i32, i32)>,
    /// When it happened (the spec's `timestamp`).
    pub timestamp: String,
    pub recorded_at: String,
    /// The settlement period it counts in (`YYYY-MM-DD` of its start).
    pub period_start: String,
    /// It happened in a period that had already closed, so it counts in a
    /// later one.
    #[serde(default)]
    pub late: bool,
    pub idempotency_key: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reverses: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reversed_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub recorded_by: String,
}

impl PartnerTransaction {
    /// The month (`YYYY-MM`) analytics count it in: when it happened.
    pub fn month(&self) -> &str {
        &self.timestamp[..7]
    }
}

/// How a transaction moves what each side owes: (A owes B, B owes A), in
/// cents. A reversal takes its original's amount back off the side that
/// owed it.
pub fn owed_deltas(t: &PartnerTransaction) -> (i64, i64) {
    let net = t.net_a_to_b;
    if t.transaction_type == TxType::Reversal {
        (-(-net).max(0), -net.max(0))
    } else {
        (net.max(0), (-net).max(0))
    }
}

/// What was read for a recording.
pub struct Context<'a> {
    pub partnership: &'a Partnership,
    /// The caller's business.
    pub recorder: &'a str,
    /// The caller's role there (a reversal past its first day needs an owner).
    pub recorder_role: Role,
    /// The partner's points program (EARN, REDEEM).
    pub program: Option<&'a PointsProgram>,
    /// The transaction a REVERSAL undoes.
    pub original: Option<&'a PartnerTransaction>,
    /// Qualifying transactions already counted in the target period
    /// (HYBRID's ordinal).
    pub qualifying_before: u64,
    pub now: OffsetDateTime,
}

fn side_of(p: &Partnership, business: &str) -> Side {
    if p.business_a_id == business {
        Side::A
    } else {
        Side::B
    }
}

fn business_of(p: &Partnership, side: Side) -> &str {
    match side {
        Side::A => &p.business_a_id,
        Side::B => &p.business_b_id,
    }
}

/// How far in the future a point of sale's clock may be.
pub const CLOCK_SKEW_SECS: i64 = 300;

/// When it happened: `occurredAt`, or now; never after now (beyond clock
/// skew) nor before the partnership was activated.
pub fn occurred_at(request: &RecordRequest, p: &Partnership, now: OffsetDateTime) -> Result<OffsetDateTime, AppError> {
    let Some(text) = request.occurred_at.as_deref() else { return Ok(now) };
    let at = OffsetDateTime::parse(text.trim(), &time::format_description::well_known::Rfc3339)
        .map_err(|_| AppError::bad_request("INVALID_OCCURRED_AT", "occurredAt must be an RFC 3339 instant"))?;
    if at > now + time::Duration::seconds(CLOCK_SKEW_SECS) {
        return Err(AppError::bad_request("INVALID_OCCURRED_AT", "occurredAt is in the future"));
    }
    let activated = p
        .activated_at
        .as_deref()
        .and_then(|a| OffsetDateTime::parse(a, &time::format_description::well_known::Rfc3339).ok());
    if activated.is_some_and(|a| at < a) {
        return Err(AppError::bad_request("INVALID_OCCURRED_AT", "occurredAt is before the partnership was activated"));
    }
    Ok(at)
}

/// The period a transaction counts in: the one it happened in while that
/// is open, else the one open now (a late item). `closed` says whether a
/// period was already closed by its settlement run.
pub fn target_period(
    p: &Partnership,
    at: OffsetDateTime,
    now: OffsetDateTime,
    closed: impl Fn(&Period) -> bool,
) -> Result<(Period, bool), AppError> {
    let schedule = p.schedule();
    let own = p.period_at(at)?;
    if !own.ended_at(now) && !closed(&own) {
        return Ok((own, false));
    }
    let mut period = p.period_at(now)?;
    while closed(&period) {
        period = schedule
            .next(&period)
            .ok_or_else(|| AppError::bad_request("INVALID_PERIOD", "no period is open for this transaction"))?;
    }
    Ok((period, true))
}

fn label(value: Option<&String>, allowed: &[String], field: &str) -> Result<Option<String>, AppError> {
    let value = value.map(|v| v.trim().to_ascii_lowercase()).filter(|v| !v.is_empty());
    if let Some(v) = &value {
        if v.len() > 64 {
            return Err(AppError::bad_request("INVALID_FIELD", format!("{field} is at most 64 characters")));
        }
    }
    if allowed.is_empty() {
        return Ok(value);
    }
    match value {
        Some(v) if allowed.contains(&v) => Ok(Some(v)),
        Some(v) => {
            Err(AppError::unprocessable("NOT_ELIGIBLE", format!("{field} {v} is not allowed by this partnership")))
        }
        None => Err(AppError::unprocessable("NOT_ELIGIBLE", format!("this partnership needs a {field}"))),
    }
}

/// The record a valid request makes, before its id and keys. `period` and
/// `late` come from `target_period`.
#[allow(clippy::too_many_arguments)]
pub fn plan(
    request: &RecordRequest,
    ctx: &Context<'_>,
    id: &str,
    key: &str,
    user_id: &str,
    at: OffsetDateTime,
    period: Period,
    late: bool,
) -> Result<PartnerTransaction, AppError> {
    let p = ctx.partnership;
    if !allowed(p.kind, request.kind) {
        return Err(AppError::unprocessable(
            "TYPE_NOT_ALLOWED",
            format!("a {:?} partnership does not record {}", p.kind, request.kind.as_str()),
        ));
    }
    // Judged when the sale happened, not when it reached us: an offline
    // sale made while ACTIVE counts after a pause, one made during a pause
    // does not count after the resumption.
    let status = p.status_at(at);
    if request.kind != TxType::Reversal && status != PartnershipStatus::Active {
        return Err(AppError::conflict(
            "PARTNERSHIP_NOT_ACTIVE",
            format!("the partnership was {} when the transaction happened; it records nothing then", status.as_str()),
        ));
    }
    let me = side_of(p, ctx.recorder);
    let partner = business_of(p, me.other()).to_string();
    let mut tx = PartnerTransaction {
        id: id.to_string(),
        partnership_id: p.partnership_id.clone(),
        transaction_type: request.kind,
        customer_id: String::new(),
        recorded_by_business_id: ctx.recorder.to_string(),
        origin_business_id: ctx.recorder.to_string(),
        redeeming_business_id: None,
        program_business_id: None,
        program_version: None,
        amount: 0,
        points_earned: None,
        points_redeemed: None,
        revenue_sharing_amount: 0,
        payer_business_id: None,
        payee_business_id: None,
        net_a_to_b: 0,
        terms_version: p.terms_version,
        calculation: None,
        category: None,
        location_id: None,
        location_e6: None,
        timestamp: rfc3339(at),
        recorded_at: rfc3339(ctx.now),
        period_start: period.key(),
        late,
        idempotency_key: key.to_string(),
        reverses: None,
        reversed_by: None,
        reason: request.reason.as_ref().map(|r| r.trim().chars().take(500).collect()),
        recorded_by: user_id.to_string(),
    };
    if request.kind == TxType::Reversal {
        return reversal(request, ctx, tx);
    }
    tx.customer_id = customer_id(request.customer_id.as_deref().unwrap_or(""))?;
    let config = &p.config;
    tx.category = label(request.category.as_ref(), &config.allowed_categories, "category")?;
    tx.location_id = label(request.location_id.as_ref(), &config.allowed_locations, "locationId")?;
    if let Some(at) = request.location {
        let at = at.validate()?;
        // Within ±180° both fit an i32 in millionths.
        tx.location_e6 = Some(((at.lat * 1e6).round() as i32, (at.lng * 1e6).round() as i32));
    }
    if let Some(area) = config.geographic_restrictions {
        let at = request
            .location
            .ok_or_else(|| {
                AppError::unprocessable("NOT_ELIGIBLE", "this partnership needs the transaction's location (lat, lng)")
            })?
            .validate()?;
        if haversine_km(area.lat, area.lng, at.lat, at.lng) > area.radius_km {
            return Err(AppError::unprocessable(
                "NOT_ELIGIBLE",
                "the transaction happened outside the partnership's area",
            ));
        }
    }
    let purchase = |field: &str| -> Result<u64, AppError> {
        let raw = request.amount.as_ref().ok_or_else(|| {
            AppError::bad_request("INVALID_AMOUNT", format!("{field} is required for {}", request.kind.as_str()))
        })?;
        let cents = amount_cents(raw, field)?;
        if config.minimum_transaction_cents.is_some_and(|min| cents < min) {
            return Err(AppError::unprocessable(
                "BELOW_MINIMUM",
                "the purchase is below the partnership's minimumTransaction",
            ));
        }
        Ok(cents)
    };
    let program = || {
        ctx.program
            .filter(|pr| pr.business_id == partner)
            .ok_or_else(|| AppError::conflict("NO_POINTS_PROGRAM", format!("{partner} has no points program yet")))
    };
    match request.kind {
        TxType::Earn => {
            if request.points.is_some() {
                return Err(AppError::bad_request("INVALID_FIELD", "points are worked out from amount for EARN"));
            }
            let program = program()?;
            tx.amount = purchase("amount")?;
            tx.points_earned = Some(program.points_for(tx.amount));
            (tx.program_business_id, tx.program_version) = (Some(partner), Some(program.version));
        }
        TxType::Redeem => {
            if request.amount.is_some() {
                return Err(AppError::bad_request("INVALID_FIELD", "a redemption's value is worked out from points"));
            }
            let program = program()?;
            let points = request.points.filter(|p| (1..=100_000_000).contains(p)).ok_or_else(|| {
                AppError::bad_request("INVALID_POINTS", "points must be a whole number from 1 to 100000000")
            })?;
            tx.points_redeemed = Some(points);
            tx.amount = program.value_of(points);
            tx.origin_business_id = partner.clone();
            tx.redeeming_business_id = Some(ctx.recorder.to_string());
            (tx.program_business_id, tx.program_version) = (Some(partner), Some(program.version));
            charge(&mut tx, p, me.other(), ctx.qualifying_before);
        }
        TxType::Referral => {
            tx.amount = purchase("amount")?;
            tx.origin_business_id = partner;
            charge(&mut tx, p, me, ctx.qualifying_before);
        }
        TxType::Reversal | TxType::Adjustment => unreachable!("handled above"),
    }
    Ok(tx)
}

/// The share `payer` owes on `tx`, by the terms in force.
fn charge(tx: &mut PartnerTransaction, p: &Partnership, payer: Side, qualifying_before: u64) {
    let c = calculate(&p.terms, payer, tx.amount, super::sharing::ordinal(&p.terms, qualifying_before));
    tx.revenue_sharing_amount = c.amount_cents;
    tx.payer_business_id = Some(business_of(p, payer).to_string());
    tx.payee_business_id = Some(business_of(p, payer.other()).to_string());
    let amount = i64::try_from(c.amount_cents).unwrap_or(i64::MAX);
    tx.net_a_to_b = if payer == Side::A { amount } else { -amount };
    tx.calculation = Some(c);
}

/// How long after its recording a transaction may be reversed by the
/// recorder's staff (a till correcting its own mistake); later, only by
/// the recorder's owner.
pub const STAFF_REVERSAL_WINDOW_SECS: i64 = 24 * 3600;

/// Who may reverse `original`, at `now`: the business that recorded it
/// (its point of sale knows whether the sale was undone), by its staff
/// within a day of the recording and by its owner at any time; never a
/// settlement ADJUSTMENT, and never the counterparty, who disputes the
/// settlement instead (a payer reversing would erase what it owes).
pub fn may_reverse(
    original: &PartnerTransaction,
    recorder: &str,
    role: Role,
    now: OffsetDateTime,
) -> Result<(), AppError> {
    match original.transaction_type {
        TxType::Reversal => {
            return Err(AppError::unprocessable(
                "INVALID_REVERSAL",
                "a reversal is not reversed; record the transaction again",
            ))
        }
        TxType::Adjustment => {
            return Err(AppError::unprocessable(
                "ADJUSTMENT_NOT_REVERSIBLE",
                "a settlement adjustment is final; dispute the settlement it belongs to",
            ));
        }
        _ => {}
    }
    if original.recorded_by_business_id != recorder {
        return Err(AppError::forbidden(
            "NOT_THE_RECORDER",
            "only the business that recorded a transaction reverses it; dispute it in its settlement instead",
        ));
    }
    let recorded = OffsetDateTime::parse(&original.recorded_at, &time::format_description::well_known::Rfc3339).ok();
    let within_a_day = recorded.is_some_and(|r| (now - r).whole_seconds() <= STAFF_REVERSAL_WINDOW_SECS);
    if role != Role::Owner && !within_a_day {
        return Err(AppError::forbidden(
            "REVERSAL_NEEDS_OWNER",
            "staff reverse a transaction within a day of its recording; later, the owner does",
        ));
    }
    Ok(())
}

fn reversal(
    request: &RecordRequest,
    ctx: &Context<'_>,
    mut tx: PartnerTransaction,
) -> Result<PartnerTransaction, AppError> {
    let original = ctx.original.ok_or_else(|| {
        AppError::bad_request("INVALID_REVERSAL", "reverses must name a transaction of this partnership")
    })?;
    may_reverse(original, ctx.recorder, ctx.recorder_role, ctx.now)?;
    if original.reversed_by.is_some() {
        return Err(AppError::conflict("ALREADY_REVERSED", format!("{} is reversed already", original.id)));
    }
    if request.amount.is_some() || request.points.is_some() {
        return Err(AppError::bad_request(
            "INVALID_FIELD",
            "a reversal undoes its original whole; it takes no amount or points",
        ));
    }
    tx.customer_id = original.customer_id.clone();
    tx.origin_business_id = original.origin_business_id.clone();
    tx.redeeming_business_id = original.redeeming_business_id.clone();
    tx.program_business_id = original.program_business_id.clone();
    tx.program_version = original.program_version;
    tx.amount = original.amount;
    tx.points_earned = original.points_earned;
    tx.points_redeemed = original.points_redeemed;
    tx.revenue_sharing_amount = original.revenue_sharing_amount;
    // Owed back: the original's payee now owes its payer.
    tx.payer_business_id = original.payee_business_id.clone();
    tx.payee_business_id = original.payer_business_id.clone();
    tx.net_a_to_b = -original.net_a_to_b;
    tx.terms_version = original.terms_version;
    tx.category = original.category.clone();
    tx.location_id = original.location_id.clone();
    tx.reverses = Some(original.id.clone());
    Ok(tx)
}

/// The body of `POST /api/v1/revenue-sharing/preview`: terms as an
/// invitation would send them, and sample transactions (who would pay, and
/// the value in exact dollars).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PreviewRequest {
    pub revenue_sharing_terms: crate::partnerships::domain::TermsRequest,
    pub samples: Vec<PreviewSample>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PreviewSample {
    /// `A` (the inviter) or `B`.
    pub payer: Side,
    pub value: Box<RawValue>,
}

/// Samples one preview takes at most.
pub const MAX_PREVIEW_SAMPLES: usize = 1_000;

impl PreviewRequest {
    pub fn validate(self) -> Result<(crate::partnerships::domain::Terms, Vec<(Side, u64)>), AppError> {
        if self.samples.is_empty() || self.samples.len() > MAX_PREVIEW_SAMPLES {
            return Err(AppError::bad_request("INVALID_SAMPLES", format!("send 1 to {MAX_PREVIEW_SAMPLES} samples")));
        }
        let terms = self.revenue_sharing_terms.validate()?;
        let samples = self
            .samples
            .iter()
            .map(|s| Ok((s.payer, amount_cents(&s.value, "value")?)))
            .collect::<Result<_, AppError>>()?;
        Ok((terms, samples))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::partnerships::domain::{Config, SettlementFrequency, Terms};
    use time::macros::datetime;

    fn partnership(kind: PartnershipType) -> Partnership {
        Partnership {
            partnership_id: "p1".into(),
            business_a_id: "biz-a".into(),
            business_b_id: "biz-b".into(),
            kind,
            status: PartnershipStatus::Active,
            config: Config::default(),
            terms: Terms {
                sharing: crate::partnerships::domain::Sharing::Percentage {
                    business_a_share_bps: 500,
                    business_b_share_bps: 300,
                },
                settlement_frequency: SettlementFrequency::Monthly,
            },
            terms_version: 2,
            settlement_schedule: vec![],
            status_history: vec![],
            terms_history: vec![],
            terms_proposal: None,
            invited_at: "2026-03-01T00:00:00Z".into(),
            accepted_at: None,
            activated_at: Some("2026-03-02T00:00:00Z".into()),
            paused_at: None,
            paused_by: None,
            terminated_at: None,
            end_reason: None,
            status_reason: None,
            exposure_limits: Default::default(),
            anomaly_rules: Default::default(),
            created_by: "u".into(),
            updated_at: "2026-03-02T00:00:00Z".into(),
            revision: 1,
        }
    }

    fn program(business: &str) -> PointsProgram {
        PointsProgram {
            business_id: business.into(),
            points_per_dollar: 10,
            redemption_cents: 1_000,
            redemption_points: 100,
            version: 3,
            updated_at: String::new(),
            updated_by: String::new(),
            expiry_months: None,
        }
    }

    fn request(json: serde_json::Value) -> RecordRequest {
        serde_json::from_value(json).unwrap()
    }

    fn run(
        p: &Partnership,
        recorder: &str,
        req: &RecordRequest,
        program: Option<&PointsProgram>,
    ) -> Result<PartnerTransaction, AppError> {
        let now = datetime!(2026-03-15 12:00 UTC);
        let ctx = Context {
            partnership: p,
            recorder,
            recorder_role: Role::Staff,
            program,
            original: None,
            qualifying_before: 0,
            now,
        };
        let at = occurred_at(req, p, now)?;
        let (period, late) = target_period(p, at, now, |_| false).unwrap();
        plan(req, &ctx, "t1", "k1", "u", at, period, late)
    }

    #[test]
    fn the_specs_example_a_owes_b_fifty_cents() {
        let p = partnership(PartnershipType::PointsCoalition);
        let a = program("biz-a");
        let tx = run(
            &p,
            "biz-b",
            &request(serde_json::json!({ "type": "REDEEM", "customerId": "c1", "points": 100 })),
            Some(&a),
        )
        .unwrap();
        assert_eq!((tx.amount, tx.revenue_sharing_amount, tx.net_a_to_b), (1_000, 50, 50));
        assert_eq!((tx.payer_business_id.as_deref(), tx.payee_business_id.as_deref()), (Some("biz-a"), Some("biz-b")));
        assert_eq!(
            (tx.origin_business_id.as_str(), tx.redeeming_business_id.as_deref(), tx.terms_version),
            ("biz-a", Some("biz-b"), 2)
        );
        // The other way round B's share applies, and B owes A.
        let b = program("biz-b");
        let back = run(
            &p,
            "biz-a",
            &request(serde_json::json!({ "type": "REDEEM", "customerId": "c1", "points": 100 })),
            Some(&b),
        )
        .unwrap();
        assert_eq!((back.revenue_sharing_amount, back.net_a_to_b), (30, -30));
    }

    #[test]
    fn each_type_is_allowed_only_where_the_partnership_type_says() {
        for (kind, tx, ok) in [
            (PartnershipType::PointsCoalition, "EARN", true),
            (PartnershipType::PointsCoalition, "REFERRAL", false),
            (PartnershipType::CrossRedemption, "EARN", false),
            (PartnershipType::CrossRedemption, "REDEEM", true),
            (PartnershipType::ReferralOnly, "REDEEM", false),
            (PartnershipType::ReferralOnly, "REFERRAL", true),
        ] {
            let p = partnership(kind);
            let body = serde_json::json!({ "type": tx, "customerId": "c1", "amount": 12.5, "points": 10 });
            let mut req = request(body);
            if tx == "REDEEM" {
                req.amount = None;
            } else {
                req.points = None;
            }
            let out = run(&p, "biz-b", &req, Some(&program("biz-a")));
            assert_eq!(out.is_ok(), ok, "{kind:?} {tx}: {out:?}");
            if !ok {
                assert_eq!(out.unwrap_err().code, "TYPE_NOT_ALLOWED");
            }
        }
        let mut paused = partnership(PartnershipType::PointsCoalition);
        paused.moved_to(PartnershipStatus::Paused, "2026-03-10T00:00:00Z");
        let earn = request(serde_json::json!({ "type": "EARN", "customerId": "c1", "amount": 10 }));
        assert_eq!(run(&paused, "biz-b", &earn, Some(&program("biz-a"))).unwrap_err().code, "PARTNERSHIP_NOT_ACTIVE");
        let tx = run(&partnership(PartnershipType::PointsCoalition), "biz-b", &earn, Some(&program("biz-a"))).unwrap();
        assert_eq!(
            (tx.points_earned, tx.revenue_sharing_amount, tx.program_business_id.as_deref()),
            (Some(100), 0, Some("biz-a"))
        );
    }

    #[test]
    fn the_config_decides_what_qualifies() {
        let mut p = partnership(PartnershipType::PointsCoalition);
        p.config = Config {
            allowed_categories: vec!["coffee".into()],
            allowed_locations: vec![],
            minimum_transaction_cents: Some(300),
            max_redemption_per_customer: None,
            geographic_restrictions: Some(crate::partnerships::domain::GeoRestriction {
                lat: 45.5,
                lng: -73.57,
                radius_km: 10.0,
            }),
        };
        let a = program("biz-a");
        let ok = serde_json::json!({ "type": "EARN", "customerId": "c1", "amount": "3.00", "category": "Coffee", "location": { "lat": 45.51, "lng": -73.56 } });
        assert!(run(&p, "biz-b", &request(ok.clone()), Some(&a)).is_ok());
        for (field, value, code) in [
            ("amount", serde_json::json!(2.99), "BELOW_MINIMUM"),
            ("category", serde_json::json!("tea"), "NOT_ELIGIBLE"),
            ("location", serde_json::json!({ "lat": 46.8, "lng": -71.2 }), "NOT_ELIGIBLE"),
            ("amount", serde_json::json!(-1), "INVALID_AMOUNT"),
            ("customerId", serde_json::json!("a b"), "INVALID_CUSTOMER"),
            ("occurredAt", serde_json::json!("2026-03-16T12:00:00Z"), "INVALID_OCCURRED_AT"),
            ("occurredAt", serde_json::json!("2026-03-01T12:00:00Z"), "INVALID_OCCURRED_AT"),
        ] {
            let mut bad = ok.clone();
            bad[field] = value;
            assert_eq!(run(&p, "biz-b", &request(bad), Some(&a)).unwrap_err().code, code, "{field}");
        }
    }

    #[test]
    fn late_items_go_to_the_open_period() {
        let p = partnership(PartnershipType::PointsCoalition);
        let now = datetime!(2026-04-01 00:00:05 UTC);
        let (period, late) = target_period(&p, datetime!(2026-03-31 23:59:59 UTC), now, |_| false).unwrap();
        assert_eq!((period.key().as_str(), late), ("2026-04-01", true));
        let (period, late) = target_period(&p, datetime!(2026-04-01 00:00:01 UTC), now, |_| false).unwrap();
        assert_eq!((period.key().as_str(), late), ("2026-04-01", false));
        // A period closed by its settlement run takes nothing more.
        let (period, late) =
            target_period(&p, datetime!(2026-04-01 00:00:01 UTC), now, |x| x.key() == "2026-04-01").unwrap();
        assert_eq!((period.key().as_str(), late), ("2026-05-01", true));
    }

    #[test]
    fn a_reversal_owes_the_share_back_once() {
        let p = partnership(PartnershipType::PointsCoalition);
        let a = program("biz-a");
        let original = run(
            &p,
            "biz-b",
            &request(serde_json::json!({ "type": "REDEEM", "customerId": "c1", "points": 100 })),
            Some(&a),
        )
        .unwrap();
        let now = datetime!(2026-03-15 12:00 UTC);
        let req = request(serde_json::json!({ "type": "REVERSAL", "reverses": "t1", "reason": "refunded" }));
        let ctx = Context {
            partnership: &p,
            recorder: "biz-b",
            recorder_role: Role::Staff,
            program: None,
            original: Some(&original),
            qualifying_before: 0,
            now,
        };
        let (period, late) = target_period(&p, now, now, |_| false).unwrap();
        let rev = plan(&req, &ctx, "t2", "k2", "u", now, period, late).unwrap();
        assert_eq!((rev.net_a_to_b, rev.points_redeemed, rev.reverses.as_deref()), (-50, Some(100), Some("t1")));
        assert_eq!(rev.payer_business_id.as_deref(), Some("biz-b"));
        let done = PartnerTransaction { reversed_by: Some("t2".into()), ..original.clone() };
        let ctx = Context { original: Some(&done), ..ctx };
        assert_eq!(plan(&req, &ctx, "t3", "k3", "u", now, period, late).unwrap_err().code, "ALREADY_REVERSED");
    }

    /// Who may reverse what: the recorder only (never the counterparty,
    /// who would erase what it owes), its staff within a day, its owner
    /// later; never a reversal or a settlement adjustment.
    #[test]
    fn only_the_recorder_reverses_staff_within_a_day_and_never_an_adjustment() {
        let p = partnership(PartnershipType::PointsCoalition);
        let a = program("biz-a");
        // B recorded a redemption: B's payee is... A owes B; A is the payer.
        let original = run(
            &p,
            "biz-b",
            &request(serde_json::json!({ "type": "REDEEM", "customerId": "c1", "points": 100 })),
            Some(&a),
        )
        .unwrap();
        let recorded = datetime!(2026-03-15 12:00 UTC);
        let (next_day, two_days) = (recorded + time::Duration::hours(23), recorded + time::Duration::hours(25));
        assert!(may_reverse(&original, "biz-b", Role::Staff, next_day).is_ok());
        assert!(may_reverse(&original, "biz-b", Role::Owner, two_days).is_ok());
        assert_eq!(may_reverse(&original, "biz-b", Role::Staff, two_days).unwrap_err().code, "REVERSAL_NEEDS_OWNER");
        for role in [Role::Staff, Role::Owner] {
            assert_eq!(
                may_reverse(&original, "biz-a", role, next_day).unwrap_err().code,
                "NOT_THE_RECORDER",
                "the payer cannot erase its debt"
            );
        }
        let adjustment = PartnerTransaction {
            transaction_type: TxType::Adjustment,
            recorded_by_business_id: "biz-b".into(),
            ..original.clone()
        };
        assert_eq!(
            may_reverse(&adjustment, "biz-b", Role::Owner, next_day).unwrap_err().code,
            "ADJUSTMENT_NOT_REVERSIBLE"
        );
        let reversal = PartnerTransaction { transaction_type: TxType::Reversal, ..original.clone() };
        assert_eq!(may_reverse(&reversal, "biz-b", Role::Owner, next_day).unwrap_err().code, "INVALID_REVERSAL");
    }

    #[test]
    fn a_reversal_gives_its_place_back_only_in_its_originals_period() {
        let p = partnership(PartnershipType::PointsCoalition);
        let a = program("biz-a");
        let redeem = run(
            &p,
            "biz-b",
            &request(serde_json::json!({ "type": "REDEEM", "customerId": "c1", "points": 100 })),
            Some(&a),
        )
        .unwrap();
        assert_eq!(qualifying_delta(&redeem, None), 1);
        let reversal = PartnerTransaction {
            transaction_type: TxType::Reversal,
            reverses: Some(redeem.id.clone()),
            ..redeem.clone()
        };
        assert_eq!(qualifying_delta(&reversal, Some(&redeem)), -1);
        let next_period = PartnerTransaction { period_start: "2026-04-01".into(), ..reversal.clone() };
        assert_eq!(qualifying_delta(&next_period, Some(&redeem)), 0);
        let earn = PartnerTransaction { transaction_type: TxType::Earn, ..redeem.clone() };
        assert_eq!(qualifying_delta(&earn, None), 0);
        assert_eq!(qualifying_delta(&reversal, Some(&earn)), 0);
    }
}
