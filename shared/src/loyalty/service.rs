//! Points-program use cases: a business sets its program and publishes
//! rewards, credits purchases at home; a customer reads its balances and
//! what it can redeem across the network.

use crate::platform::ids::BusinessId;
use crate::platform::ids::CustomerId;
use serde::Serialize;
use serde_json::json;

use super::domain::{
    amount_cents, customer_id, Balance, EarnRequest, PointsProgram, ProgramRequest, Reward, RewardRequest,
};
use super::store::{self, EarnRecord};
use crate::partnerships::domain::{PartnershipStatus, PartnershipType};
use crate::partnerships::store as partnerships;
use crate::platform::audit::AuditEntry;
use crate::platform::clock::rfc3339;
use crate::platform::error::AppError;
use crate::platform::ids::new_id;
use crate::App;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::liability::{self, Liability};
use super::liability_store::{self, LiabilityCheck};

fn no_program() -> AppError {
    AppError::conflict("NO_POINTS_PROGRAM", "set your points program first (PUT /api/v1/businesses/me/points-program)")
}

/// Sets the caller's points program (its owner's call): a new version each
/// time; transactions record the version they converted by.
pub async fn set_program(
    app: &App,
    business_id: &BusinessId,
    user_id: &str,
    request: ProgramRequest,
) -> Result<PointsProgram, AppError> {
    request.validate()?;
    if crate::businesses::store::get(app, business_id).await?.is_none() {
        return Err(AppError::conflict(
            "BUSINESS_NOT_REGISTERED",
            "register your business first (POST /api/v1/businesses)",
        ));
    }
    let before = store::program(app, business_id).await?;
    let now = rfc3339(app.clock.now());
    let program = PointsProgram {
        business_id: business_id.to_string(),
        points_per_dollar: request.points_per_dollar,
        redemption_cents: request.redemption_cents,
        redemption_points: request.redemption_points,
        version: before.as_ref().map_or(1, |b| b.version + 1),
        updated_at: now.clone(),
        updated_by: user_id.to_string(),
        expiry_months: request.expiry_months,
    };
    let audit = AuditEntry::new(
        user_id,
        "points_program.set",
        &store::program_subject(business_id),
        &now,
        json!({ "before": before, "after": program }),
    );
    if !store::save_program(app, &program, &audit).await? {
        return Err(AppError::conflict(
            "PROGRAM_CHANGED",
            "the points program changed meanwhile; read it and send yours again",
        ));
    }
    Ok(program)
}

/// Publishes a reward of the caller's business (its owner's call).
pub async fn add_reward(
    app: &App,
    business_id: &BusinessId,
    user_id: &str,
    request: RewardRequest,
) -> Result<Reward, AppError> {
    let (name, points, value_cents) = request.validate()?;
    store::program(app, business_id).await?.ok_or_else(no_program)?;
    let now = rfc3339(app.clock.now());
    let reward = Reward {
        reward_id: new_id(),
        business_id: business_id.to_string(),
        name,
        points,
        value_cents,
        created_at: now.clone(),
    };
    let audit = AuditEntry::new(
        user_id,
        "reward.published",
        &store::program_subject(business_id),
        &now,
        json!({ "reward": reward }),
    );
    store::add_reward(app, &reward, &audit).await?;
    Ok(reward)
}

/// A purchase at the caller's own business, in its own program.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EarnView {
    pub customer_id: String,
    pub program_business_id: String,
    pub amount_cents: u64,
    pub points_earned: u64,
    pub program_version: u32,
    pub recorded_at: String,
}

impl From<EarnRecord> for EarnView {
    fn from(r: EarnRecord) -> Self {
        EarnView {
            customer_id: r.customer_id,
            program_business_id: r.business_id,
            amount_cents: r.amount_cents,
            points_earned: r.points_earned,
            program_version: r.program_version,
            recorded_at: r.recorded_at,
        }
    }
}

/// Credits a purchase at home, once per `idempotency_key` (a retry answers
/// the first result, `false`; a key reused for another purchase is 409).
pub async fn earn(
    app: &App,
    business_id: &BusinessId,
    user_id: &str,
    idempotency_key: &str,
    request: EarnRequest,
) -> Result<(EarnView, bool), AppError> {
    let customer = customer_id(&request.customer_id)?;
    let amount = amount_cents(&request.amount, "amount")?;
    let mut opening = store::Opening::default();
    for _ in 0..6 {
        if let Some(earlier) = store::earn_record(app, business_id, idempotency_key).await? {
            if earlier.customer_id != customer || earlier.amount_cents != amount {
                return Err(AppError::conflict(
                    "IDEMPOTENCY_KEY_REUSED",
                    "this Idempotency-Key was used for another purchase",
                ));
            }
            return Ok((earlier.into(), false));
        }
        let program = store::program(app, business_id).await?.ok_or_else(no_program)?;
        let now = rfc3339(app.clock.now());
        let record = EarnRecord {
            business_id: business_id.to_string(),
            idempotency_key: idempotency_key.to_string(),
            customer_id: customer.clone(),
            amount_cents: amount,
            points_earned: program.points_for(amount),
            program_version: program.version,
            recorded_at: now.clone(),
        };
        let audit = AuditEntry::new(
            user_id,
            "points.earned",
            &store::program_subject(business_id),
            &now,
            json!({ "customerId": customer, "amountCents": amount, "points": record.points_earned, "programVersion": program.version }),
        );
        match store::earn(app, &record, &program, opening, &audit).await? {
            Ok(()) => return Ok((record.into(), true)),
            // Used meanwhile, or the program changed: read again.
            Err(r) if r.failed(store::TX_EARN_KEY) || r.failed(store::TX_PROGRAM) => continue,
            // The customer's first earn here (or a racing first earn won).
            Err(r) if r.failed(store::TX_EARN_BALANCE) => opening = opening.flipped(),
            Err(r) => return Err(r.unexpected("home earn")),
        }
    }
    Err(AppError::conflict("PROGRAM_CHANGED", "the points program kept changing; send the purchase again"))
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BalanceView {
    pub program_business_id: String,
    pub points: u64,
    /// What the points are worth when redeemed, in cents.
    pub value_cents: u64,
    /// When they expire without further activity (`None`: they never do,
    /// or there are none).
    pub expires_at: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RedeemableReward {
    pub reward_id: String,
    pub business_id: String,
    pub name: String,
    pub points: u64,
    pub value_cents: u64,
    /// The program whose points pay for it.
    pub program_business_id: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomerView {
    pub customer_id: String,
    pub balances: Vec<BalanceView>,
    pub rewards: Vec<RedeemableReward>,
}

/// Pages of a business's partnerships read for the customer view, at most.
const MAX_PARTNER_PAGES: usize = 10;

/// The active partnerships whose partner redeems a program's points.
async fn redeeming_partners(app: &App, program_business_id: &str) -> Result<Vec<partnerships::PartyRow>, AppError> {
    let mut out = Vec::new();
    let mut cursor = None;
    for _ in 0..MAX_PARTNER_PAGES {
        let page = partnerships::of_business(app, program_business_id, 100, cursor.as_deref()).await?;
        out.extend(
            page.items
                .into_iter()
                .filter(|r| r.status == PartnershipStatus::Active && r.kind != PartnershipType::ReferralOnly),
        );
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    Ok(out)
}

/// Where a program's points can be spent: at its own business, and at each
/// partner of an ACTIVE partnership that allows redemption there.
async fn redeemable_at(app: &App, program_business_id: &str) -> Result<Vec<String>, AppError> {
    let partners = redeeming_partners(app, program_business_id).await?;
    Ok(std::iter::once(program_business_id.to_string())
        .chain(partners.into_iter().map(|r| r.partner_business_id))
        .collect())
}

/// A customer's balances in every program, and the rewards it can redeem
/// across the network with them.
pub async fn customer_view(app: &App, customer: &CustomerId) -> Result<CustomerView, AppError> {
    let balances: Vec<Balance> = store::balances(app, customer).await?;
    let programs =
        store::programs(app, &balances.iter().map(|b| b.program_business_id.clone()).collect::<Vec<_>>()).await?;
    let mut rewards = Vec::new();
    let mut views = Vec::new();
    for b in balances {
        let program = programs.iter().find(|p| p.business_id == b.program_business_id);
        let value_cents = program.map_or(0, |p| p.value_of(b.points));
        let expires_at = program
            .and_then(|p| p.expiry_months)
            .filter(|_| b.points > 0)
            .zip(b.last_activity_at.as_deref().and_then(|t| OffsetDateTime::parse(t, &Rfc3339).ok()))
            .and_then(|(months, last)| liability::expires_at(last, months))
            .map(rfc3339);
        for business in redeemable_at(app, &b.program_business_id).await? {
            rewards.extend(store::rewards(app, &business).await?.into_iter().map(|r| RedeemableReward {
                reward_id: r.reward_id,
                business_id: r.business_id,
                name: r.name,
                points: r.points,
                value_cents: r.value_cents,
                program_business_id: b.program_business_id.clone(),
            }));
        }
        views.push(BalanceView {
            program_business_id: b.program_business_id,
            points: b.points,
            value_cents,
            expires_at,
        });
    }
    Ok(CustomerView { customer_id: customer.to_string(), balances: views, rewards })
}

/// A partner where the program's points are redeemable: all of the
/// outstanding points, within the partnership's per-customer cap if it
/// sets one.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RedeemableAt {
    pub partnership_id: String,
    pub partner_business_id: String,
    pub redeemable_points: i64,
    pub redeemable_value_cents: u64,
    /// Redemptions a customer may make there per settlement period.
    pub max_redemptions_per_customer: Option<u64>,
}

/// `GET /api/v1/businesses/me/points-liability`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LiabilityView {
    pub program: PointsProgram,
    #[serde(flatten)]
    pub liability: Liability,
    pub redeemable_at: Vec<RedeemableAt>,
    /// The reconciliation's latest check (`None` before its first run).
    pub last_check: Option<LiabilityCheck>,
}

/// The caller's points liability: what its outstanding points are worth,
/// where they can be spent and how they moved each month.
pub async fn liability_view(app: &App, business_id: &BusinessId) -> Result<LiabilityView, AppError> {
    let program = store::program(app, business_id).await?.ok_or_else(no_program)?;
    let months = liability_store::months(app, business_id).await?;
    let liability = liability::liability(&program, &months);
    let mut redeemable = Vec::new();
    for row in redeeming_partners(app, business_id).await? {
        let config =
            partnerships::get(app, &row.partnership_id).await?.and_then(|p| p.config.max_redemption_per_customer);
        redeemable.push(RedeemableAt {
            partnership_id: row.partnership_id,
            partner_business_id: row.partner_business_id,
            redeemable_points: liability.outstanding_points.max(0),
            redeemable_value_cents: liability.outstanding_value_cents,
            max_redemptions_per_customer: config,
        });
    }
    let last_check = liability_store::check(app, business_id).await?;
    Ok(LiabilityView { program, liability, redeemable_at: redeemable, last_check })
}
