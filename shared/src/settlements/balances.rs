//! "I see exactly what I owe/am owed to each partner" (the spec's
//! settlement story): one month across all of a business's partnerships,
//! from the caller's side. The amounts come from the counters kept at record
//! time (exact, and what the period's settlement is calculated from); each
//! row names the settlement period holding the month and, once calculated,
//! that settlement's status and net. A handful of reads whatever the
//! number of transactions: the party rows, then one batch each for the
//! counters, the partnerships, their settlements and the partners' names.

use serde::Serialize;
use time::OffsetDateTime;

use super::domain::{Settlement, SettlementStatus};
use super::store;
use crate::businesses::store as businesses;
use crate::partner_transactions::analytics::Figures;
use crate::partner_transactions::sharing::Side;
use crate::partner_transactions::store as transactions;
use crate::partnerships::domain::PartnershipStatus;
use crate::partnerships::periods::parse_date;
use crate::partnerships::store::{self as partnership_store, PartyRow};
use crate::platform::error::AppError;
use crate::platform::ids::BusinessId;
use crate::App;

/// Partnerships a month's balances cover, at most (as the dashboard).
const MAX_PARTNERSHIPS: usize = 500;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SettlementSummary {
    pub status: SettlementStatus,
    pub calculated_at: String,
    /// The end of the 7-day review: disputable until then.
    pub review_ends_at: String,
    /// Signed cents from the caller's side: positive when the partner pays
    /// the caller.
    pub net_to_you: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub processed_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PartnerBalance {
    pub partnership_id: String,
    pub partner_business_id: String,
    pub partner_name: Option<String>,
    pub status: PartnershipStatus,
    /// What the partner owes the caller for the month, in cents.
    pub owed_to_you: i64,
    /// What the caller owes the partner for the month, in cents.
    pub you_owe: i64,
    /// `owed_to_you - you_owe`.
    pub net: i64,
    pub transactions: i64,
    /// The settlement period holding the month (longer than the month for
    /// a quarterly or annual partnership), `[start, end)`.
    pub period_start: String,
    pub period_end: String,
    /// That period's settlement, once calculated.
    pub settlement: Option<SettlementSummary>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MonthBalances {
    /// `YYYY-MM`.
    pub month: String,
    pub you_owe: i64,
    pub owed_to_you: i64,
    pub net: i64,
    /// Live partnerships, and ended ones that had transactions that month.
    pub partners: Vec<PartnerBalance>,
}

/// The first instant of a `YYYY-MM` month: a 400 for anything else,
/// including a month whose settlement period would end past the calendar.
pub fn month_start(text: &str) -> Result<OffsetDateTime, AppError> {
    let invalid =
        || AppError::bad_request("INVALID_MONTH", "month is a calendar month written YYYY-MM, such as 2026-03");
    let text = text.trim();
    let well_formed = text.len() == 7 && text.as_bytes()[4] == b'-';
    let date = well_formed.then(|| parse_date(&format!("{text}-01"))).flatten().ok_or_else(invalid)?;
    // The last year's months would have periods ending past the calendar.
    if date.year() >= 9999 {
        return Err(invalid());
    }
    Ok(date.with_time(time::Time::MIDNIGHT).assume_utc())
}

/// The caller's side of a party row: the inviter is A.
fn side_of(row: &PartyRow) -> Side {
    if row.role == "INVITER" {
        Side::A
    } else {
        Side::B
    }
}

/// A settlement's net from one side: `net_settlement` is positive when A
/// pays B.
pub fn net_to(side: Side, s: &Settlement) -> i64 {
    match side {
        Side::A => s.net_settlement.saturating_neg(),
        Side::B => s.net_settlement,
    }
}

fn summary(side: Side, s: &Settlement) -> SettlementSummary {
    SettlementSummary {
        status: s.status,
        calculated_at: s.calculated_at.clone(),
        review_ends_at: s.review_ends_at.clone(),
        net_to_you: net_to(side, s),
        processed_at: s.processed_at.clone(),
    }
}

/// Sums the rows into the month's totals.
pub fn totals(month: String, partners: Vec<PartnerBalance>) -> MonthBalances {
    let you_owe = partners.iter().map(|p| p.you_owe).fold(0i64, i64::saturating_add);
    let owed_to_you = partners.iter().map(|p| p.owed_to_you).fold(0i64, i64::saturating_add);
    MonthBalances { month, you_owe, owed_to_you, net: owed_to_you.saturating_sub(you_owe), partners }
}

/// One month's balances with every partner, for a user of `business_id`.
pub async fn month(app: &App, business_id: &BusinessId, month: &str) -> Result<MonthBalances, AppError> {
    let first = month_start(month)?;
    let month = first.date().to_string()[..7].to_string();
    let rows = partnership_store::all_of_business(app, business_id, MAX_PARTNERSHIPS).await?;
    let ids: Vec<String> = rows.iter().map(|r| r.partnership_id.clone()).collect();
    let stats = transactions::stats_of(app, &ids, &month).await?;
    let figures = |row: &PartyRow| {
        stats
            .iter()
            .find(|s| s.partnership_id == row.partnership_id && s.scope == month)
            .map(|s| Figures::of(s, side_of(row)))
    };
    let live = |row: &PartyRow| matches!(row.status, PartnershipStatus::Active | PartnershipStatus::Paused);
    let rows: Vec<PartyRow> = rows.into_iter().filter(|r| live(r) || figures(r).is_some()).collect();
    let ids: Vec<String> = rows.iter().map(|r| r.partnership_id.clone()).collect();
    let partnerships = partnership_store::many(app, &ids).await?;
    let mut periods = Vec::new();
    for row in &rows {
        let p = partnerships.iter().find(|p| p.partnership_id == row.partnership_id).ok_or_else(|| {
            AppError::internal(format!("partnership {} has a party row but no item", row.partnership_id))
        })?;
        periods.push(p.period_at(first)?);
    }
    let keys: Vec<(String, String)> =
        rows.iter().zip(&periods).map(|(r, p)| (r.partnership_id.clone(), p.key())).collect();
    let settlements = store::many(app, &keys).await?;
    let partner_ids: Vec<String> = rows.iter().map(|r| r.partner_business_id.clone()).collect();
    let profiles = businesses::many(app, &partner_ids).await?;
    let partners = rows
        .iter()
        .zip(&periods)
        .map(|(row, period)| {
            let f = figures(row).unwrap_or_default();
            let settlement = settlements
                .iter()
                .find(|s| s.partnership_id == row.partnership_id && s.period_start == period.key())
                .map(|s| summary(side_of(row), s));
            PartnerBalance {
                partnership_id: row.partnership_id.clone(),
                partner_business_id: row.partner_business_id.clone(),
                partner_name: profiles
                    .iter()
                    .find(|b| b.business_id == row.partner_business_id)
                    .map(|b| b.name.clone()),
                status: row.status,
                owed_to_you: f.revenue_earned_from_partner,
                you_owe: f.revenue_paid_to_partner,
                net: f.net,
                transactions: f.transactions,
                period_start: period.key(),
                period_end: period.end.to_string(),
                settlement,
            }
        })
        .collect();
    Ok(totals(month, partners))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_month_is_yyyy_mm_and_nothing_else() {
        assert_eq!(month_start("2026-12").unwrap().to_string(), "2026-12-01 0:00:00.0 +00:00:00");
        for bad in ["2026-13", "2026-1", "2026-12-01", "26-12", "", "abcd-ef", "9999-12", "2026/12"] {
            let err = month_start(bad).unwrap_err();
            assert_eq!(err.code, "INVALID_MONTH", "{bad}");
        }
    }

    fn balance(owed_to_you: i64, you_owe: i64) -> PartnerBalance {
        PartnerBalance {
            partnership_id: "p".into(),
            partner_business_id: "b".into(),
            partner_name: None,
            status: PartnershipStatus::Active,
            owed_to_you,
            you_owe,
            net: owed_to_you - you_owe,
            transactions: 1,
            period_start: "2026-12-01".into(),
            period_end: "2027-01-01".into(),
            settlement: None,
        }
    }

    #[test]
    fn totals_add_each_direction_and_net_them() {
        let m = totals("2026-12".into(), vec![balance(50, 0), balance(0, 125), balance(10, 10)]);
        assert_eq!((m.owed_to_you, m.you_owe, m.net), (60, 135, -75));
    }
}
