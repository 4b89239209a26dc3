//! Settlements: one per partnership and closed settlement period, what
//! each side owes over it, reviewed for 7 days, disputable, then
//! processed. Free of I/O.

use serde::{Deserialize, Serialize};

use crate::partner_transactions::domain::PartnerTransaction;
use crate::platform::error::AppError;

/// Days a calculated settlement can be disputed.
pub const REVIEW_DAYS: i64 = 7;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SettlementStatus {
    Pending,
    /// Flagged by the anomaly scan (or high-value): calculated, not paid
    /// until its reviewer (the party that pays) or an admin releases it,
    /// or a party disputes it.
    Held,
    Disputed,
    /// Its payout was started (the attempt is recorded); a crash or a
    /// failure leaves it here, and the next run finishes it.
    Paying,
    Processed,
}

impl SettlementStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            SettlementStatus::Pending => "PENDING",
            SettlementStatus::Held => "HELD",
            SettlementStatus::Disputed => "DISPUTED",
            SettlementStatus::Paying => "PAYING",
            SettlementStatus::Processed => "PROCESSED",
        }
    }
}

/// Sums over a period's transactions (the lines), read one page at a time.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Tally {
    pub transactions: u64,
    /// What A owes B over the period, in cents.
    pub a_owes: i64,
    pub b_owes: i64,
    pub late_items: u64,
    pub terms_versions: Vec<u32>,
}

impl Tally {
    /// Adds one line. A reversal takes its original's amount back off the
    /// side that owed it; an adjustment moves the net.
    pub fn add(&mut self, t: &PartnerTransaction) {
        let (a, b) = crate::partner_transactions::domain::owed_deltas(t);
        self.transactions += 1;
        self.a_owes += a;
        self.b_owes += b;
        self.late_items += u64::from(t.late);
        if !self.terms_versions.contains(&t.terms_version) {
            self.terms_versions.push(t.terms_version);
            self.terms_versions.sort_unstable();
        }
    }

    /// Positive: A pays B.
    pub fn net(&self) -> i64 {
        self.a_owes - self.b_owes
    }
}

/// The period's counters kept at record time, checked against the lines.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Reconciliation {
    /// Counted from the stored transactions at calculation.
    pub counted_transactions: u64,
    /// The period's counters.
    pub counter_transactions: u64,
    pub counter_a_owes: i64,
    pub counter_b_owes: i64,
    /// How far the counters are from the lines, in cents: 0 unless
    /// something is wrong.
    pub drift_cents: u64,
    pub drift_transactions: i64,
}

impl Reconciliation {
    pub fn of(lines: &Tally, counter_transactions: u64, counter_a_owes: i64, counter_b_owes: i64) -> Reconciliation {
        Reconciliation {
            counted_transactions: lines.transactions,
            counter_transactions,
            counter_a_owes,
            counter_b_owes,
            drift_cents: counter_a_owes.abs_diff(lines.a_owes).saturating_add(counter_b_owes.abs_diff(lines.b_owes)),
            drift_transactions: counter_transactions as i64 - lines.transactions as i64,
        }
    }

    pub fn clean(&self) -> bool {
        self.drift_cents == 0 && self.drift_transactions == 0
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Dispute {
    pub business_id: String,
    pub reason: String,
    #[serde(default)]
    pub lines: Vec<String>,
    pub disputed_at: String,
    pub disputed_by: String,
}

/// A party's proposed outcome; two equal ones resolve the dispute.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Proposal {
    pub business_id: String,
    pub outcome: String,
    pub adjustment_cents: i64,
    pub proposed_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Resolution {
    pub outcome: String,
    /// Signed, positive when A owes B more: carried into the next period
    /// as an ADJUSTMENT transaction.
    pub adjustment_cents: i64,
    /// `PARTIES` or `ADMIN:<wallet>`.
    pub resolved_by: String,
    pub resolved_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub adjustment_transaction_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Payment {
    /// `manual` (paid through external accounting) or `stripe`.
    pub provider: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    pub amount_cents: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payer_business_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payee_business_id: Option<String>,
    pub recorded_at: String,
}

/// The spec's `Settlement`, with its review, dispute and payment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Settlement {
    pub id: String,
    pub partnership_id: String,
    pub business_a_id: String,
    pub business_b_id: String,
    pub period_start: String,
    pub period_end: String,
    pub total_transactions: u64,
    /// A owes B, in cents.
    pub business_a_owed: i64,
    /// B owes A, in cents.
    pub business_b_owed: i64,
    /// Positive: A pays B.
    pub net_settlement: i64,
    pub late_items: u64,
    pub terms_versions: Vec<u32>,
    pub status: SettlementStatus,
    pub calculated_at: String,
    pub review_ends_at: String,
    pub reconciliation: Reconciliation,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dispute: Option<Dispute>,
    #[serde(default)]
    pub proposals: Vec<Proposal>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolution: Option<Resolution>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub processed_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment: Option<Payment>,
    /// The payout started: recorded before anything is sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payout: Option<PayoutAttempt>,
    /// What the anomaly scan found in the period's lines.
    #[serde(default)]
    pub flags: Vec<super::anomalies::Flag>,
    /// The period's transaction volume (cents), which the high-value
    /// review compares.
    #[serde(default)]
    pub volume_cents: u64,
    /// Why and for whom it was held, and its release.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hold: Option<Hold>,
    #[serde(default)]
    pub revision: u64,
}

/// A settlement held for review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Hold {
    /// The flags' rules, and `HIGH_VALUE` for a period at the review volume.
    pub reasons: Vec<String>,
    /// Who reviews it: the party that would pay (the one fake lines would
    /// cost); its partner, who would be paid, cannot release it.
    pub reviewer_business_id: String,
    pub held_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub released_at: Option<String>,
    /// The reviewer's user, or `ADMIN:<wallet>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub released_by: Option<String>,
}

/// A payout as started: what is sent, under which idempotency key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PayoutAttempt {
    pub provider: String,
    pub idempotency_key: String,
    pub amount_cents: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payer_business_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payee_business_id: Option<String>,
    pub started_at: String,
    /// The last failure, if the payout has not gone through yet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
}

impl Settlement {
    pub fn from_tally(
        id: String,
        p: &crate::partnerships::domain::Partnership,
        period: &crate::partnerships::periods::Period,
        lines: &Tally,
        reconciliation: Reconciliation,
        calculated_at: String,
        review_ends_at: String,
    ) -> Settlement {
        Settlement {
            id,
            partnership_id: p.partnership_id.clone(),
            business_a_id: p.business_a_id.clone(),
            business_b_id: p.business_b_id.clone(),
            period_start: period.key(),
            period_end: period.end.to_string(),
            total_transactions: lines.transactions,
            business_a_owed: lines.a_owes,
            business_b_owed: lines.b_owes,
            net_settlement: lines.net(),
            late_items: lines.late_items,
            terms_versions: lines.terms_versions.clone(),
            status: SettlementStatus::Pending,
            calculated_at,
            review_ends_at,
            reconciliation,
            dispute: None,
            proposals: vec![],
            resolution: None,
            processed_at: None,
            payment: None,
            payout: None,
            flags: vec![],
            volume_cents: 0,
            hold: None,
            revision: 0,
        }
    }

    /// Holds it for review when the scan flagged its period or its volume
    /// is high, and there is money to move (a zero net pays no one).
    pub fn held_if(mut self, findings: super::anomalies::Findings, now: &str) -> Settlement {
        self.volume_cents = findings.volume_cents;
        let mut reasons: Vec<String> = findings.flags.iter().map(|f| f.rule.clone()).collect();
        if findings.high_value {
            reasons.push("HIGH_VALUE".into());
        }
        self.flags = findings.flags;
        if let (false, Some((payer, _, _))) = (reasons.is_empty(), self.transfer()) {
            self.hold = Some(Hold {
                reasons,
                reviewer_business_id: payer.to_string(),
                held_at: now.to_string(),
                released_at: None,
                released_by: None,
            });
            self.status = SettlementStatus::Held;
        }
        self
    }

    /// Who pays whom how much: (payer, payee, cents); None when it nets
    /// to zero.
    pub fn transfer(&self) -> Option<(&str, &str, u64)> {
        match self.net_settlement {
            0 => None,
            n if n > 0 => Some((&self.business_a_id, &self.business_b_id, n.unsigned_abs())),
            n => Some((&self.business_b_id, &self.business_a_id, n.unsigned_abs())),
        }
    }
}

/// The body of `POST .../settlements/{periodStart}/dispute`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct DisputeRequest {
    pub reason: String,
    #[serde(default)]
    pub lines: Vec<String>,
}

impl DisputeRequest {
    pub fn validate(&self) -> Result<(String, Vec<String>), AppError> {
        let reason = self.reason.trim().to_string();
        if reason.is_empty() || reason.chars().count() > 2000 {
            return Err(AppError::bad_request("INVALID_REASON", "reason must be 1 to 2000 characters"));
        }
        if self.lines.len() > 100 || !self.lines.iter().all(|l| crate::businesses::domain::is_business_id(l)) {
            return Err(AppError::bad_request(
                "INVALID_LINES",
                "lines names at most 100 transaction ids of this settlement",
            ));
        }
        // Each line once: a batch read refuses repeated keys.
        let mut lines: Vec<String> = Vec::new();
        for l in &self.lines {
            if !lines.contains(l) {
                lines.push(l.clone());
            }
        }
        Ok((reason, lines))
    }
}

/// The body of `POST .../settlements/{periodStart}/resolve`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ResolveRequest {
    pub outcome: String,
    /// Signed cents, positive when A owes B more; 0 when the amounts stand.
    #[serde(default)]
    pub adjustment_cents: i64,
}

/// The largest adjustment a resolution carries: $10,000,000.
pub const MAX_ADJUSTMENT_CENTS: i64 = 1_000_000_000;

impl ResolveRequest {
    pub fn validate(&self) -> Result<(String, i64), AppError> {
        let outcome = self.outcome.trim().to_string();
        if outcome.is_empty() || outcome.chars().count() > 2000 {
            return Err(AppError::bad_request("INVALID_OUTCOME", "outcome must be 1 to 2000 characters"));
        }
        // Compared, never negated: any i64 a caller sends is safe here.
        if !(-MAX_ADJUSTMENT_CENTS..=MAX_ADJUSTMENT_CENTS).contains(&self.adjustment_cents) {
            return Err(AppError::bad_request("INVALID_ADJUSTMENT", "adjustmentCents must be within ±1000000000"));
        }
        Ok((outcome, self.adjustment_cents))
    }
}

fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

fn dollars(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let c = cents.unsigned_abs();
    format!("{sign}{}.{:02}", c / 100, c % 100)
}

/// The statement's column names.
pub const STATEMENT_COLUMNS: &str = "transaction_id,occurred_at,recorded_at,type,customer_id,recorded_by,payer,payee,amount,revenue_share,net_a_to_b,terms_version,late,reverses";

/// One statement line as CSV (amounts in dollars, two decimals).
pub fn csv_line(t: &PartnerTransaction) -> String {
    [
        csv_field(&t.id),
        csv_field(&t.timestamp),
        csv_field(&t.recorded_at),
        t.transaction_type.as_str().to_string(),
        csv_field(&t.customer_id),
        csv_field(&t.recorded_by_business_id),
        csv_field(t.payer_business_id.as_deref().unwrap_or("")),
        csv_field(t.payee_business_id.as_deref().unwrap_or("")),
        dollars(i64::try_from(t.amount).unwrap_or(i64::MAX)),
        dollars(i64::try_from(t.revenue_sharing_amount).unwrap_or(i64::MAX)),
        dollars(t.net_a_to_b),
        t.terms_version.to_string(),
        t.late.to_string(),
        csv_field(t.reverses.as_deref().unwrap_or("")),
    ]
    .join(",")
}

/// The statement's head: the settlement's totals as `# key,value` rows an
/// accountant's import skips or reads, then the column names.
pub fn csv_head(s: &Settlement) -> String {
    let rows = [
        ("settlement_id", s.id.clone()),
        ("partnership_id", s.partnership_id.clone()),
        ("business_a", s.business_a_id.clone()),
        ("business_b", s.business_b_id.clone()),
        ("period_start", s.period_start.clone()),
        ("period_end", s.period_end.clone()),
        ("status", s.status.as_str().to_string()),
        ("terms_versions", s.terms_versions.iter().map(u32::to_string).collect::<Vec<_>>().join(" ")),
        ("total_transactions", s.total_transactions.to_string()),
        ("business_a_owes", dollars(s.business_a_owed)),
        ("business_b_owes", dollars(s.business_b_owed)),
        ("net_settlement_a_to_b", dollars(s.net_settlement)),
    ];
    let mut out: String = rows.iter().map(|(k, v)| format!("# {k},{}\n", csv_field(v))).collect();
    out.push_str(STATEMENT_COLUMNS);
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::partner_transactions::domain::TxType;
    use proptest::prelude::*;

    fn line(id: usize, kind: TxType, net: i64) -> PartnerTransaction {
        let amount = net.unsigned_abs();
        serde_json::from_value(serde_json::json!({
            "id": format!("t{id}"), "partnershipId": "p", "transactionType": kind, "customerId": "c,1", "recordedByBusinessId": "a",
            "originBusinessId": "a", "amount": amount * 20, "revenueSharingAmount": amount, "netAToB": net, "termsVersion": 1 + (id % 2) as u32,
            "timestamp": "2026-03-10T00:00:00Z", "recordedAt": "2026-03-10T00:00:00Z", "periodStart": "2026-03-01", "idempotencyKey": "k", "recordedBy": "u",
            "payerBusinessId": if net >= 0 { "a" } else { "b" }, "payeeBusinessId": if net >= 0 { "b" } else { "a" }
        }))
        .unwrap()
    }

    fn swapped(t: &PartnerTransaction) -> PartnerTransaction {
        PartnerTransaction {
            net_a_to_b: -t.net_a_to_b,
            payer_business_id: t.payee_business_id.clone(),
            payee_business_id: t.payer_business_id.clone(),
            ..t.clone()
        }
    }

    fn lines() -> impl Strategy<Value = Vec<PartnerTransaction>> {
        prop::collection::vec((-1_000_000i64..=1_000_000, 0..10u8), 0..60).prop_map(|v| {
            v.iter()
                .enumerate()
                .map(|(i, (net, k))| line(i, if *k == 0 { TxType::Reversal } else { TxType::Redeem }, *net))
                .collect()
        })
    }

    proptest! {
        #[test]
        fn netting_is_antisymmetric_and_adds_up(lines in lines()) {
            let mut tally = Tally::default();
            let mut mirror = Tally::default();
            for l in &lines {
                tally.add(l);
                mirror.add(&swapped(l));
            }
            // Swapping A and B negates the net.
            prop_assert_eq!(tally.net(), -mirror.net());
            // Σ lines = totals.
            let sum: i64 = lines.iter().map(|l| l.net_a_to_b).sum();
            prop_assert_eq!(tally.net(), sum);
            prop_assert_eq!(tally.transactions as usize, lines.len());
            // Zero-sum across the pair: what A nets and what B nets cancel.
            let (a_side, b_side) = (tally.b_owes - tally.a_owes, tally.a_owes - tally.b_owes);
            prop_assert_eq!(a_side + b_side, 0);
        }
    }

    #[test]
    fn the_statement_is_csv_an_accountant_can_import() {
        let l = line(1, TxType::Redeem, 50);
        assert_eq!(
            csv_line(&l),
            "t1,2026-03-10T00:00:00Z,2026-03-10T00:00:00Z,REDEEM,\"c,1\",a,a,b,10.00,0.50,0.50,2,false,"
        );
        assert_eq!(dollars(-5), "-0.05");
        let r = Reconciliation::of(
            &Tally { transactions: 2, a_owes: 50, b_owes: 0, late_items: 0, terms_versions: vec![1] },
            2,
            50,
            0,
        );
        assert!(r.clean());
        assert!(!Reconciliation::of(&Tally::default(), 1, 0, 0).clean());
    }

    #[test]
    fn requests_are_bounded_without_overflow() {
        let r = |c: i64| ResolveRequest { outcome: "ok".into(), adjustment_cents: c }.validate();
        assert!(r(i64::MIN).is_err() && r(i64::MAX).is_err() && r(-5).is_ok());
        assert_eq!(DisputeRequest { reason: " ".into(), lines: vec![] }.validate().unwrap_err().code, "INVALID_REASON");
    }
}
