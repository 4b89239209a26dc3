//! The revenue-sharing engine: what one qualifying transaction costs its
//! payer under a partnership's terms, and a period's total. Integers only
//! (cents, basis points); free of I/O.
//!
//! Rounding: each transaction's share is rounded to the cent half up
//! (`(value × bps + 5,000) / 10,000`), once, when it is recorded; a
//! period's total is the sum of those recorded amounts, so nothing is
//! rounded twice and the statement adds up line by line.

use serde::{Deserialize, Serialize};

use crate::partnerships::domain::{Sharing, SharingModel, Terms};

/// A party of a partnership: A invited, B was invited.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Side {
    A,
    B,
}

impl Side {
    pub fn other(self) -> Side {
        match self {
            Side::A => Side::B,
            Side::B => Side::A,
        }
    }
}

/// What one transaction owes, and how it was worked out (kept with the
/// transaction: the calculation is auditable).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Calculation {
    pub model: SharingModel,
    /// Who owes the amount (to the other side).
    pub payer: Side,
    pub value_cents: u64,
    /// Its place among the period's qualifying transactions (HYBRID).
    pub ordinal: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_bps: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fee_cents: Option<u64>,
    pub amount_cents: u64,
    pub formula: String,
}

fn percent(bps: u64) -> String {
    format!("{}.{:02}%", bps / 100, bps % 100)
}

fn dollars(cents: u64) -> String {
    format!("${}.{:02}", cents / 100, cents % 100)
}

/// `value × bps / 10,000`, rounded half up; never above `value` since
/// `bps ≤ 10,000`.
fn share_of(value_cents: u64, bps: u64) -> u64 {
    let exact = u128::from(value_cents) * u128::from(bps.min(10_000)) + 5_000;
    (exact / 10_000) as u64
}

/// A qualifying transaction's place in its period, from the period's
/// count of qualifying ones before it: HYBRID's bonus starts after its
/// threshold; the other models do not count (0).
pub fn ordinal(terms: &Terms, qualifying_before: u64) -> u64 {
    match terms.sharing {
        Sharing::Hybrid { .. } => qualifying_before.saturating_add(1),
        Sharing::Percentage { .. } | Sharing::FixedFee { .. } => 0,
    }
}

/// The share `payer` owes on a qualifying transaction worth `value_cents`,
/// the `ordinal`-th qualifying one of its period (1-based).
pub fn calculate(terms: &Terms, payer: Side, value_cents: u64, ordinal: u64) -> Calculation {
    let base = Calculation {
        model: terms.model(),
        payer,
        value_cents,
        ordinal,
        rate_bps: None,
        fee_cents: None,
        amount_cents: 0,
        formula: String::new(),
    };
    match terms.sharing {
        Sharing::Percentage { business_a_share_bps, business_b_share_bps } => {
            let bps = match payer {
                Side::A => business_a_share_bps,
                Side::B => business_b_share_bps,
            };
            let amount = share_of(value_cents, bps);
            let formula = format!(
                "{} x {} (business{:?}Share), rounded half up = {}",
                dollars(value_cents),
                percent(bps),
                payer,
                dollars(amount)
            );
            Calculation { rate_bps: Some(bps), amount_cents: amount, formula, ..base }
        }
        Sharing::FixedFee { fee_cents: fee } => {
            // A fee never exceeds what the transaction was worth.
            let amount = fee.min(value_cents);
            let formula = format!(
                "fixed fee {} capped at the value {} = {}",
                dollars(fee),
                dollars(value_cents),
                dollars(amount)
            );
            Calculation { fee_cents: Some(fee), amount_cents: amount, formula, ..base }
        }
        Sharing::Hybrid { base_bps, bonus_threshold: threshold, bonus_bps } => {
            let (bps, which) =
                if ordinal > threshold { (bonus_bps, "bonusPercentage") } else { (base_bps, "basePercentage") };
            let amount = share_of(value_cents, bps);
            let formula = format!("transaction {ordinal} of the period (bonus after {threshold}): {} x {} ({which}), rounded half up = {}", dollars(value_cents), percent(bps), dollars(amount));
            Calculation { rate_bps: Some(bps), amount_cents: amount, formula, ..base }
        }
    }
}

/// A period's totals: what A owes B, what B owes A, and the net (positive:
/// A pays B).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Totals {
    pub transactions: u64,
    pub a_owes_cents: u64,
    pub b_owes_cents: u64,
    pub net_cents: i64,
}

impl Totals {
    pub fn add(&mut self, payer: Side, amount_cents: u64) {
        self.transactions += 1;
        match payer {
            Side::A => self.a_owes_cents += amount_cents,
            Side::B => self.b_owes_cents += amount_cents,
        }
        self.net_cents = self.a_owes_cents as i64 - self.b_owes_cents as i64;
    }
}

/// The engine's own total for a period's qualifying transactions, given in
/// the order they were recorded: each gets its ordinal from its place.
pub fn period_total(terms: &Terms, transactions: &[(Side, u64)]) -> Totals {
    let mut totals = Totals::default();
    for (i, (payer, value)) in transactions.iter().enumerate() {
        totals.add(*payer, calculate(terms, *payer, *value, i as u64 + 1).amount_cents);
    }
    totals
}

/// The configuration wireframe's preview: each sample as it would be
/// charged, in order, and their totals.
pub fn preview(terms: &Terms, samples: &[(Side, u64)]) -> (Vec<Calculation>, Totals) {
    let lines: Vec<Calculation> =
        samples.iter().enumerate().map(|(i, (payer, value))| calculate(terms, *payer, *value, i as u64 + 1)).collect();
    let mut totals = Totals::default();
    for l in &lines {
        totals.add(l.payer, l.amount_cents);
    }
    (lines, totals)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::partnerships::domain::SettlementFrequency;
    use proptest::prelude::*;

    fn terms(sharing: Sharing) -> Terms {
        Terms { sharing, settlement_frequency: SettlementFrequency::Monthly }
    }

    fn percentage(a: u64, b: u64) -> Terms {
        terms(Sharing::Percentage { business_a_share_bps: a, business_b_share_bps: b })
    }

    fn fixed(fee: u64) -> Terms {
        terms(Sharing::FixedFee { fee_cents: fee })
    }

    fn hybrid(base: u64, threshold: u64, bonus: u64) -> Terms {
        terms(Sharing::Hybrid { base_bps: base, bonus_threshold: threshold, bonus_bps: bonus })
    }

    #[test]
    fn the_specs_examples_come_out_exactly() {
        // 100 points earned at A, redeemed at B for a $10 reward, 5%: A owes B $0.50.
        let c = calculate(&percentage(500, 500), Side::A, 1_000, 1);
        assert_eq!((c.amount_cents, c.payer), (50, Side::A));
        assert_eq!(c.formula, "$10.00 x 5.00% (businessAShare), rounded half up = $0.50");
        // The wireframe's preview: a $5 reward at 5%: $0.25.
        let (lines, totals) = preview(&percentage(500, 500), &[(Side::A, 500)]);
        assert_eq!((lines[0].amount_cents, totals.net_cents), (25, 25));
    }

    #[test]
    fn rounding_is_half_up_to_the_cent_and_fees_are_capped() {
        assert_eq!(calculate(&percentage(250, 0), Side::A, 10, 1).amount_cents, 0); // 0.25 cents
        assert_eq!(calculate(&percentage(500, 0), Side::A, 10, 1).amount_cents, 1); // 0.5 cents
        assert_eq!(calculate(&percentage(0, 333), Side::B, 1_000, 1).amount_cents, 33); // 33.3
        assert_eq!(calculate(&fixed(200), Side::B, 150, 1).amount_cents, 150);
        assert_eq!(calculate(&fixed(25), Side::A, 150, 1).amount_cents, 25);
    }

    #[test]
    fn hybrid_switches_right_after_the_threshold() {
        let terms = hybrid(300, 100, 500);
        assert_eq!(calculate(&terms, Side::A, 1_000, 100).amount_cents, 30);
        assert_eq!(calculate(&terms, Side::A, 1_000, 101).amount_cents, 50);
        let totals = period_total(&terms, &vec![(Side::A, 1_000); 101]);
        assert_eq!(totals.a_owes_cents, 100 * 30 + 50);
    }

    fn any_terms() -> impl Strategy<Value = Terms> {
        prop_oneof![
            (1..=10_000u64, 1..=10_000u64).prop_map(|(a, b)| percentage(a, b)),
            (1..=1_000_000u64).prop_map(fixed),
            (1..=10_000u64, 1..=50u64, 1..=10_000u64).prop_map(|(b, t, x)| hybrid(b, t, x)),
        ]
    }

    fn any_transactions() -> impl Strategy<Value = Vec<(Side, u64)>> {
        prop::collection::vec((prop_oneof![Just(Side::A), Just(Side::B)], 0..=100_000_000u64), 0..120)
    }

    proptest! {
        #[test]
        fn shares_are_bounded_and_add_up(terms in any_terms(), txs in any_transactions()) {
            let mut by_line = Totals::default();
            for (i, (payer, value)) in txs.iter().enumerate() {
                let c = calculate(&terms, *payer, *value, i as u64 + 1);
                prop_assert!(c.amount_cents <= *value, "never above the value");
                by_line.add(c.payer, c.amount_cents);
            }
            prop_assert_eq!(by_line, period_total(&terms, &txs));
            prop_assert_eq!(by_line, preview(&terms, &txs).1);
        }

        #[test]
        fn swapping_the_parties_negates_the_net(a in 1..=10_000u64, b in 1..=10_000u64, txs in any_transactions()) {
            let swapped: Vec<(Side, u64)> = txs.iter().map(|(s, v)| (s.other(), *v)).collect();
            prop_assert_eq!(period_total(&percentage(a, b), &txs).net_cents, -period_total(&percentage(b, a), &swapped).net_cents);
        }

        #[test]
        fn hybrid_uses_base_up_to_the_threshold_and_bonus_after(base in 1..=10_000u64, t in 1..=1_000u64, bonus in 1..=10_000u64, value in 0..=10_000_000u64) {
            let terms = hybrid(base, t, bonus);
            prop_assert_eq!(calculate(&terms, Side::A, value, t).rate_bps, Some(base));
            prop_assert_eq!(calculate(&terms, Side::A, value, t + 1).rate_bps, Some(bonus));
        }
    }
}
