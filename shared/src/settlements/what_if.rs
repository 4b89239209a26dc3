//! What-if terms (beside the settlements they would have changed): a
//! partnership's real transactions of its last periods
//! re-rated under proposed terms by the same engine (`sharing::calculate`)
//! as if they had been recorded under them, beside what was recorded. The
//! lines are read a page at a time and folded into per-period totals, so
//! memory stays flat however many there are.
//!
//! Re-recording, line by line: a REDEEM or REFERRAL is charged its payer's
//! share of its value under the proposed terms, at its place among the
//! period's qualifying lines (HYBRID's bonus); a REVERSAL owes back what
//! its original would have cost under them (at the original's place, when
//! it was in the same period, else at the base rate); an ADJUSTMENT, agreed
//! in a dispute, is kept as it was; an EARN owes nothing.

use serde::{Deserialize, Serialize};

use futures::StreamExt;

use crate::partner_transactions::domain::{PartnerTransaction, TxType};
use crate::partner_transactions::sharing::{calculate, ordinal, Side};
use crate::partner_transactions::store as transactions;
use crate::partnerships::domain::{Terms, TermsRequest};
use crate::platform::error::AppError;
use crate::platform::ids::{BusinessId, PartnershipId};
use crate::App;

/// A period's totals, absolute: what A owes B, what B owes A, and the net
/// (A pays B when positive).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Owed {
    pub a_owes_cents: i64,
    pub b_owes_cents: i64,
    pub net_cents: i64,
}

impl Owed {
    fn add(&mut self, net_a_to_b: i64) {
        if net_a_to_b >= 0 {
            self.a_owes_cents = self.a_owes_cents.saturating_add(net_a_to_b);
        } else {
            self.b_owes_cents = self.b_owes_cents.saturating_add(net_a_to_b.saturating_neg());
        }
        self.net_cents = self.a_owes_cents.saturating_sub(self.b_owes_cents);
    }
}

/// One period re-rated, line by line, in the order they were recorded.
#[derive(Debug, Clone, Default)]
pub struct Rerating {
    pub transactions: u64,
    pub recorded: Owed,
    pub proposed: Owed,
    /// Qualifying lines so far under the proposed terms (HYBRID's place).
    qualifying: u64,
    /// Where each qualifying line of the period stood, for a reversal in
    /// the same period: (id, ordinal). Only lines later reversed in this
    /// period need it, but which are is known only on reaching them; kept
    /// small by holding the ids of lines that are reversed at all.
    places: Vec<(String, u64, Side, u64)>,
}

fn side(business_a_id: &str, business: Option<&str>) -> Side {
    if business == Some(business_a_id) {
        Side::A
    } else {
        Side::B
    }
}

fn signed(cents: u64, payer: Side) -> i64 {
    let amount = i64::try_from(cents).unwrap_or(i64::MAX);
    if payer == Side::A {
        amount
    } else {
        amount.saturating_neg()
    }
}

impl Rerating {
    /// Folds in the next line of the period.
    pub fn add(&mut self, business_a_id: &str, terms: &Terms, t: &PartnerTransaction) {
        self.transactions += 1;
        self.recorded.add(t.net_a_to_b);
        let proposed = match t.transaction_type {
            TxType::Earn => 0,
            TxType::Adjustment => t.net_a_to_b,
            TxType::Redeem | TxType::Referral => {
                let payer = side(business_a_id, t.payer_business_id.as_deref());
                let place = ordinal(terms, self.qualifying);
                self.qualifying += 1;
                if t.reversed_by.is_some() {
                    self.places.push((t.id.clone(), place, payer, t.amount));
                }
                signed(calculate(terms, payer, t.amount, place).amount_cents, payer)
            }
            TxType::Reversal => {
                // Owed back: the original's payer is this line's payee.
                let original_payer = side(business_a_id, t.payee_business_id.as_deref());
                let original = t.reverses.as_deref().and_then(|id| self.places.iter().position(|(o, ..)| o == id));
                let place = match original {
                    Some(i) => {
                        let (_, place, ..) = self.places.swap_remove(i);
                        // Its place is given back, as a recording gives it.
                        self.qualifying = self.qualifying.saturating_sub(1);
                        place
                    }
                    None => ordinal(terms, 0),
                };
                signed(calculate(terms, original_payer, t.amount, place).amount_cents, original_payer).saturating_neg()
            }
        };
        self.proposed.add(proposed);
    }
}

/// The most periods one simulation replays.
pub const MAX_PERIODS: u32 = 24;
const PAGE: i32 = 500;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SimulateRequest {
    pub revenue_sharing_terms: TermsRequest,
    /// How many of the latest periods with transactions (default 12).
    pub periods: Option<u32>,
}

/// One period, recorded and proposed, from both sides.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PeriodWhatIf {
    pub period_start: String,
    pub period_end: String,
    /// The settlement's status, or `OPEN` while the period runs.
    pub status: String,
    pub transactions: u64,
    pub recorded: Owed,
    pub proposed: Owed,
    /// Proposed net minus recorded net (A pays B more when positive).
    pub difference_cents: i64,
    /// From the caller's side: what the partner would have paid it, net,
    /// minus what it did (positive: better for the caller).
    pub difference_to_you_cents: i64,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WhatIf {
    pub partnership_id: String,
    /// Newest first.
    pub periods: Vec<PeriodWhatIf>,
    pub difference_to_you_cents: i64,
    pub transactions: u64,
}

/// Periods re-rated at once.
const PERIODS_AT_ONCE: usize = 6;

/// One period's lines, read a page at a time, re-rated under `terms`.
async fn rerate(
    app: &App,
    id: &PartnershipId,
    business_a_id: &str,
    terms: &Terms,
    period_start: &str,
) -> Result<Rerating, AppError> {
    let mut r = Rerating::default();
    let mut cursor = None;
    loop {
        let page = transactions::period_page(app, id, period_start, PAGE, cursor.as_deref()).await?;
        for t in &page.items {
            r.add(business_a_id, terms, t);
        }
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => return Ok(r),
        }
    }
}

/// The partnership's last `periods` periods with transactions, re-rated
/// under the proposed terms, for one of its parties.
pub async fn simulate(
    app: &App,
    business_id: &BusinessId,
    id: &PartnershipId,
    request: SimulateRequest,
) -> Result<WhatIf, AppError> {
    let n = request.periods.unwrap_or(12);
    if !(1..=MAX_PERIODS).contains(&n) {
        return Err(AppError::bad_request("INVALID_PERIODS", format!("periods must be from 1 to {MAX_PERIODS}")));
    }
    let terms = request.revenue_sharing_terms.validate()?;
    let p = crate::partnerships::service::mine(app, business_id, id).await?;
    let me_is_a = p.business_a_id == business_id.as_str();
    let periods = transactions::latest_periods(app, id, n).await?;
    let keys: Vec<(String, String)> =
        periods.iter().map(|c| (p.partnership_id.clone(), c.period_start.clone())).collect();
    let settled = super::store::many(app, &keys).await?;
    // The periods are independent: several are read at once (in order),
    // each page by page, so time falls with them and memory stays flat.
    // The futures are made first (no closure in the stream's type), so the
    // whole call stays `Send` for the runtimes that box it.
    let jobs: Vec<_> = periods.iter().map(|c| rerate(app, id, &p.business_a_id, &terms, &c.period_start)).collect();
    let rerated: Vec<Result<Rerating, AppError>> =
        futures::stream::iter(jobs).buffered(PERIODS_AT_ONCE).collect().await;
    let mut out = Vec::new();
    for (c, r) in periods.into_iter().zip(rerated) {
        let r = r?;
        let difference = r.proposed.net_cents.saturating_sub(r.recorded.net_cents);
        let status = settled
            .iter()
            .find(|s| s.period_start == c.period_start)
            .map_or_else(|| "OPEN".to_string(), |s| s.status.as_str().to_string());
        out.push(PeriodWhatIf {
            period_start: c.period_start,
            period_end: c.period_end,
            status,
            transactions: r.transactions,
            recorded: r.recorded,
            proposed: r.proposed,
            difference_cents: difference,
            // A is paid when the net falls.
            difference_to_you_cents: if me_is_a { difference.saturating_neg() } else { difference },
        });
    }
    Ok(WhatIf {
        partnership_id: p.partnership_id,
        difference_to_you_cents: out.iter().map(|w| w.difference_to_you_cents).sum(),
        transactions: out.iter().map(|w| w.transactions).sum(),
        periods: out,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::partner_transactions::sharing::period_total;
    use crate::partnerships::domain::{SettlementFrequency, Sharing};
    use proptest::prelude::*;

    fn terms(sharing: Sharing) -> Terms {
        Terms { sharing, settlement_frequency: SettlementFrequency::Monthly }
    }

    fn line(i: usize, kind: TxType, payer_a: bool, amount: u64) -> PartnerTransaction {
        let (payer, payee) = if payer_a { ("a", "b") } else { ("b", "a") };
        serde_json::from_value(serde_json::json!({
            "id": format!("{i:026}"), "partnershipId": "p", "transactionType": kind, "customerId": "c",
            "recordedByBusinessId": payee, "originBusinessId": payer, "amount": amount, "revenueSharingAmount": 0,
            "payerBusinessId": payer, "payeeBusinessId": payee, "netAToB": 0, "termsVersion": 1,
            "timestamp": "2026-03-02T00:00:00Z", "recordedAt": "2026-03-02T00:00:00Z", "periodStart": "2026-03-01",
            "idempotencyKey": format!("k{i}"), "recordedBy": "u"
        }))
        .unwrap()
    }

    fn sharing() -> impl Strategy<Value = Sharing> {
        prop_oneof![
            (0u64..=10_000, 0u64..=10_000)
                .prop_map(|(a, b)| Sharing::Percentage { business_a_share_bps: a, business_b_share_bps: b }),
            (0u64..5_000).prop_map(|fee_cents| Sharing::FixedFee { fee_cents }),
            (0u64..=10_000, 0u64..20, 0u64..=10_000).prop_map(|(base_bps, bonus_threshold, bonus_bps)| {
                Sharing::Hybrid { base_bps, bonus_threshold, bonus_bps }
            }),
        ]
    }

    proptest! {
        /// Re-rating a period's qualifying lines is recording them again
        /// under the proposed terms: the engine's own period total.
        #[test]
        fn rerating_equals_recording_again_under_the_terms(
            sharing in sharing(),
            lines in proptest::collection::vec((any::<bool>(), 1u64..100_000, any::<bool>()), 0..60),
        ) {
            let terms = terms(sharing);
            let mut r = Rerating::default();
            for (i, (payer_a, amount, referral)) in lines.iter().enumerate() {
                let kind = if *referral { TxType::Referral } else { TxType::Redeem };
                r.add("a", &terms, &line(i, kind, *payer_a, *amount));
            }
            let engine: Vec<(Side, u64)> =
                lines.iter().map(|(payer_a, amount, _)| (if *payer_a { Side::A } else { Side::B }, *amount)).collect();
            let recorded = period_total(&terms, &engine);
            prop_assert_eq!(r.proposed.net_cents, recorded.net_cents);
            prop_assert_eq!(r.proposed.a_owes_cents as u64, recorded.a_owes_cents);
            prop_assert_eq!(r.transactions, lines.len() as u64);
        }
    }

    #[test]
    fn a_reversal_owes_back_its_original_and_gives_its_place_back() {
        // HYBRID: 1% for the first qualifying line, 10% after.
        let terms = terms(Sharing::Hybrid { base_bps: 100, bonus_threshold: 1, bonus_bps: 1_000 });
        let mut first = line(0, TxType::Redeem, true, 10_000);
        first.reversed_by = Some("x".into());
        let mut reversal = line(1, TxType::Reversal, false, 10_000);
        reversal.reverses = Some(first.id.clone());
        let mut r = Rerating::default();
        r.add("a", &terms, &first);
        r.add("a", &terms, &reversal);
        assert_eq!(r.proposed.net_cents, 0);
        // The next line is the period's first qualifying one again: 1%.
        r.add("a", &terms, &line(2, TxType::Redeem, true, 10_000));
        assert_eq!(r.proposed.net_cents, 100);
    }

    #[test]
    fn earns_owe_nothing_and_adjustments_stay_as_agreed() {
        let terms = terms(Sharing::FixedFee { fee_cents: 25 });
        let mut adjustment = line(1, TxType::Adjustment, true, 0);
        adjustment.net_a_to_b = -40;
        let mut r = Rerating::default();
        r.add("a", &terms, &line(0, TxType::Earn, true, 5_000));
        r.add("a", &terms, &adjustment);
        assert_eq!((r.proposed.net_cents, r.recorded.net_cents, r.proposed.b_owes_cents), (-40, -40, 40));
    }
}
