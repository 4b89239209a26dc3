//! Analytics read from counters kept at record time (never by scanning
//! transactions): one partnership's per month and for its life, and a
//! business's dashboard over all its partnerships. Each party sees the
//! numbers from its own side, and only counts of customers, never who.

use serde::{Deserialize, Serialize};

use super::sharing::Side;
use super::store::{self, Stats};
use crate::partnerships::domain::{PartnershipStatus, PartnershipType};
use crate::partnerships::service as partnerships;
use crate::partnerships::store as partnership_store;
use crate::platform::error::AppError;
use crate::platform::ids::{BusinessId, PartnershipId};
use crate::App;

/// One scope's numbers, from the caller's side.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Figures {
    pub transactions: i64,
    pub earn_transactions: i64,
    pub redeem_transactions: i64,
    pub referral_transactions: i64,
    pub reversals: i64,
    pub points_earned: i64,
    pub points_redeemed: i64,
    /// What the partner owes the caller, in cents.
    pub revenue_earned_from_partner: i64,
    /// What the caller owes the partner, in cents.
    pub revenue_paid_to_partner: i64,
    /// Earned minus paid.
    pub net: i64,
    pub shared_customers: i64,
}

impl Figures {
    pub fn of(s: &Stats, me: Side) -> Figures {
        let (mine_owed, theirs_owed) = match me {
            Side::A => (s.a_owes_cents, s.b_owes_cents),
            Side::B => (s.b_owes_cents, s.a_owes_cents),
        };
        Figures {
            transactions: s.transactions,
            earn_transactions: s.earn_count,
            redeem_transactions: s.redeem_count,
            referral_transactions: s.referral_count,
            reversals: s.reversal_count,
            points_earned: s.points_earned,
            points_redeemed: s.points_redeemed,
            revenue_earned_from_partner: theirs_owed,
            revenue_paid_to_partner: mine_owed,
            net: theirs_owed - mine_owed,
            shared_customers: s.shared_customers,
        }
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MonthFigures {
    pub month: String,
    #[serde(flatten)]
    pub figures: Figures,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PartnershipAnalytics {
    pub partnership_id: String,
    pub partner_business_id: String,
    pub status: PartnershipStatus,
    pub life: Figures,
    /// What is open between the parties now, and the limits on it.
    pub exposure: crate::partnerships::exposure::Exposure,
    /// Oldest first.
    pub months: Vec<MonthFigures>,
}

fn side(business_a_id: &str, me: &str) -> Side {
    if business_a_id == me {
        Side::A
    } else {
        Side::B
    }
}

/// One partnership's analytics, for one of its parties.
pub async fn partnership(
    app: &App,
    business_id: &BusinessId,
    partnership_id: &PartnershipId,
) -> Result<PartnershipAnalytics, AppError> {
    let p = partnerships::mine(app, business_id, partnership_id).await?;
    let me = side(&p.business_a_id, business_id);
    let stats = store::stats(app, partnership_id).await?;
    let life_stats = stats.iter().find(|s| s.scope == "LIFE");
    let life = life_stats.map(|s| Figures::of(s, me)).unwrap_or_default();
    let open = life_stats.map_or(0, |s| s.open_net_a_to_b);
    let exposure = crate::partnerships::exposure::view(&p.exposure_limits, open, matches!(me, Side::A));
    let mut months: Vec<MonthFigures> = stats
        .iter()
        .filter(|s| s.scope != "LIFE")
        .map(|s| MonthFigures { month: s.scope.clone(), figures: Figures::of(s, me) })
        .collect();
    months.sort_by(|a, b| a.month.cmp(&b.month));
    Ok(PartnershipAnalytics {
        partner_business_id: p.partner_of(business_id).to_string(),
        partnership_id: p.partnership_id,
        status: p.status,
        life,
        exposure,
        months,
    })
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PartnerRow {
    pub partnership_id: String,
    pub partner_business_id: String,
    #[serde(rename = "type")]
    pub kind: PartnershipType,
    pub status: PartnershipStatus,
    /// The partner's name, as its profile says now.
    pub partner_name: Option<String>,
    /// When the partnership went live.
    pub activated_at: Option<String>,
    pub life: Figures,
    pub this_month: Figures,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NetworkOverview {
    pub month: String,
    pub active_partnerships: usize,
    /// Summed over partnerships: a customer active with two partners counts
    /// once for each.
    pub shared_customers: i64,
    /// Net revenue shared this month, from the caller's side, in cents.
    pub net_revenue_this_month: i64,
    pub partners: Vec<PartnerRow>,
}

/// Partnerships a dashboard covers, at most.
const MAX_PARTNERSHIPS: usize = 500;

/// The dashboard: the caller's live partnerships (ACTIVE or PAUSED) with
/// their numbers, and the totals over them.
pub async fn network(app: &App, business_id: &BusinessId) -> Result<NetworkOverview, AppError> {
    let month = crate::platform::clock::rfc3339(app.clock.now())[..7].to_string();
    let rows: Vec<_> = partnership_store::all_of_business(app, business_id, MAX_PARTNERSHIPS)
        .await?
        .into_iter()
        .filter(|r| matches!(r.status, PartnershipStatus::Active | PartnershipStatus::Paused))
        .collect();
    let ids: Vec<String> = rows.iter().map(|r| r.partnership_id.clone()).collect();
    let stats = store::stats_of(app, &ids, &month).await?;
    let partner_ids: Vec<String> = rows.iter().map(|r| r.partner_business_id.clone()).collect();
    let profiles = crate::businesses::store::many(app, &partner_ids).await?;
    let mut partners = Vec::new();
    for r in rows {
        // The party row says whether the caller invited (A) or was invited (B).
        let me = if r.role == "INVITER" { Side::A } else { Side::B };
        let find = |scope: &str| {
            stats
                .iter()
                .find(|s| s.partnership_id == r.partnership_id && s.scope == scope)
                .map(|s| Figures::of(s, me))
                .unwrap_or_default()
        };
        let partner_name = profiles.iter().find(|b| b.business_id == r.partner_business_id).map(|b| b.name.clone());
        partners.push(PartnerRow {
            life: find("LIFE"),
            this_month: find(&month),
            partner_name,
            activated_at: r.activated_at,
            partnership_id: r.partnership_id,
            partner_business_id: r.partner_business_id,
            kind: r.kind,
            status: r.status,
        });
    }
    Ok(NetworkOverview {
        active_partnerships: partners.iter().filter(|p| p.status == PartnershipStatus::Active).count(),
        shared_customers: partners.iter().map(|p| p.life.shared_customers).sum(),
        net_revenue_this_month: partners.iter().map(|p| p.this_month.net).sum(),
        month,
        partners,
    })
}
