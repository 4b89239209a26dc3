//! Commission rules and types, free of I/O.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CommissionKind {
    Credit,
    Reversal,
}

impl CommissionKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            CommissionKind::Credit => "CREDIT",
            CommissionKind::Reversal => "REVERSAL",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CommissionEntry {
    pub transaction_id: String,
    pub partner_wallet: String,
    pub kind: CommissionKind,
    /// Signed minor units: a reversal is negative.
    pub amount_minor: i64,
    pub currency: String,
    pub occurred_at: String,
    pub event_id: String,
    /// A reversal's Paddle adjustment (one reversal per adjustment).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub adjustment_id: Option<String>,
    /// A credit's sale total, what refunds are measured against.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sale_total_minor: Option<u64>,
    /// On a credit: the sale total refunded so far, and the commission
    /// reversed so far (the store keeps both in step with each reversal).
    #[serde(default)]
    pub refunded_minor: u64,
    #[serde(default)]
    pub reversed_minor: u64,
}

/// An approved refund or chargeback of (part of) a sale.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Adjustment {
    pub transaction_id: String,
    pub adjustment_id: String,
    /// What the customer got back, in the sale's minor units.
    pub refunded_minor: u64,
    pub occurred_at: String,
    pub event_id: String,
}

/// The commission an adjustment takes back: the commission's share of the
/// sale refunded *in total* (this refund and the earlier ones), rounded
/// down, less what was already reversed, and never more than is left. So
/// refunds that add up to the whole sale take back the whole commission,
/// exactly, whatever their order and rounding.
pub fn reversal_amount(credit: &CommissionEntry, refunded_minor: u64) -> u64 {
    let commission = credit.amount_minor.max(0) as u64;
    let left = commission.saturating_sub(credit.reversed_minor);
    let Some(total) = credit.sale_total_minor.filter(|t| *t > 0) else {
        // A credit recorded without its sale total (older data): all of it.
        return left;
    };
    let refunded = credit.refunded_minor.saturating_add(refunded_minor).min(total);
    let due = (commission as u128 * refunded as u128 / total as u128) as u64;
    due.saturating_sub(credit.reversed_minor).min(left)
}

/// A sale that earns its partner a commission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sale {
    pub transaction_id: String,
    pub partner_wallet: String,
    pub total_minor: u64,
    pub currency: String,
    pub occurred_at: String,
    pub event_id: String,
}

/// Commission in minor units, rounded down: `total × bps / 10000`.
pub fn commission(total_minor: u64, bps: u64) -> u64 {
    ((total_minor as u128 * bps as u128) / 10_000) as u64
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn credit(commission: i64, total: u64) -> CommissionEntry {
        CommissionEntry {
            transaction_id: "txn".into(),
            partner_wallet: "w".into(),
            kind: CommissionKind::Credit,
            amount_minor: commission,
            currency: "USD".into(),
            occurred_at: "t".into(),
            event_id: "e".into(),
            adjustment_id: None,
            sale_total_minor: Some(total),
            refunded_minor: 0,
            reversed_minor: 0,
        }
    }

    /// Applies refunds in order as the store does, returning each reversal.
    fn apply(mut c: CommissionEntry, refunds: &[u64]) -> Vec<u64> {
        refunds
            .iter()
            .map(|r| {
                let amount = reversal_amount(&c, *r);
                c.refunded_minor = c.refunded_minor.saturating_add(*r);
                c.reversed_minor += amount;
                amount
            })
            .collect()
    }

    #[test]
    fn a_partial_refund_reverses_its_share_and_a_second_the_rest() {
        // 10% of a 500.00 sale: 50.00 commission.
        assert_eq!(apply(credit(5_000, 50_000), &[50_000]), [5_000]);
        assert_eq!(apply(credit(5_000, 50_000), &[12_500, 37_500]), [1_250, 3_750]);
        // Rounding: thirds of 100 add up to exactly 100.
        assert_eq!(apply(credit(100, 3), &[1, 1, 1]), [33, 33, 34]);
        // Refunds beyond the sale take nothing more.
        assert_eq!(apply(credit(5_000, 50_000), &[50_000, 10]), [5_000, 0]);
    }

    proptest! {
        #[test]
        fn reversals_never_exceed_the_commission_and_a_full_refund_takes_it_all(
            commission in 0i64..=i64::MAX,
            total in 1u64..=u64::MAX,
            refunds in proptest::collection::vec(any::<u64>(), 0..6),
        ) {
            let reversals = apply(credit(commission, total), &refunds);
            let sum: u128 = reversals.iter().map(|r| *r as u128).sum();
            prop_assert!(sum <= commission as u128);
            let refunded: u128 = refunds.iter().map(|r| *r as u128).sum();
            if refunded >= total as u128 {
                prop_assert_eq!(sum, commission as u128);
            }
        }
    }

    #[test]
    fn commission_rounds_down_without_overflow() {
        assert_eq!(commission(12345, 1000), 1234);
        assert_eq!(commission(u64::MAX, 10_000), u64::MAX);
        assert_eq!(commission(99, 100), 0);
    }
}
