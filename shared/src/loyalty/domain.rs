//! Points programs, customers' balances and published rewards, free of
//! I/O. Points and cents are integers; conversions round down (a customer
//! never gets a fraction of a point, a reward is never worth a fraction of
//! a cent more than its points buy).

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::platform::error::AppError;

/// A network-wide customer id (the customer token's `sub`, a body's
/// `customerId`): 1 to 64 of A-Z, a-z, 0-9, `-` and `_`, so it fits a key.
pub fn is_customer_id(text: &str) -> bool {
    crate::businesses::domain::is_business_id(text)
}

pub fn customer_id(text: &str) -> Result<String, AppError> {
    let text = text.trim();
    if is_customer_id(text) {
        Ok(text.to_string())
    } else {
        Err(AppError::bad_request("INVALID_CUSTOMER", "customerId must be 1 to 64 of A-Z, a-z, 0-9, - and _"))
    }
}

/// A business's points program: how many points a dollar earns and what
/// points are worth when redeemed (`redemption_cents` per
/// `redemption_points`). Versioned: a transaction records the version it
/// converted by.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PointsProgram {
    pub business_id: String,
    pub points_per_dollar: u64,
    pub redemption_cents: u64,
    pub redemption_points: u64,
    pub version: u32,
    pub updated_at: String,
    pub updated_by: String,
    /// Points expire after this many months without activity in the
    /// customer's balance; `None`: they never expire.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiry_months: Option<u32>,
}

impl PointsProgram {
    /// Points a purchase of `amount_cents` earns, rounded down.
    pub fn points_for(&self, amount_cents: u64) -> u64 {
        u64::try_from(u128::from(amount_cents) * u128::from(self.points_per_dollar) / 100).unwrap_or(u64::MAX)
    }

    /// What `points` are worth when redeemed, in cents, rounded down.
    pub fn value_of(&self, points: u64) -> u64 {
        u64::try_from(
            u128::from(points) * u128::from(self.redemption_cents) / u128::from(self.redemption_points.max(1)),
        )
        .unwrap_or(u64::MAX)
    }
}

/// The body of `PUT /api/v1/businesses/me/points-program`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ProgramRequest {
    pub points_per_dollar: u64,
    pub redemption_cents: u64,
    pub redemption_points: u64,
    /// Months without activity after which a balance expires (1 to 120);
    /// absent or null: never.
    #[serde(default)]
    pub expiry_months: Option<u32>,
}

impl ProgramRequest {
    pub fn validate(&self) -> Result<(), AppError> {
        let bad = |what: &str| Err(AppError::bad_request("INVALID_PROGRAM", what.to_string()));
        if !(1..=10_000).contains(&self.points_per_dollar) {
            return bad("pointsPerDollar must be a whole number from 1 to 10000");
        }
        if !(1..=1_000_000).contains(&self.redemption_cents) || !(1..=1_000_000).contains(&self.redemption_points) {
            return bad("redemptionCents and redemptionPoints must be whole numbers from 1 to 1000000");
        }
        if self.expiry_months.is_some_and(|m| !super::liability::EXPIRY_MONTHS.contains(&m)) {
            return bad(
                "expiryMonths must be a whole number of months from 1 to 120, or null for points that never expire",
            );
        }
        Ok(())
    }
}

/// A reward a business publishes: what it gives for how many points.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Reward {
    pub reward_id: String,
    pub business_id: String,
    pub name: String,
    pub points: u64,
    pub value_cents: u64,
    pub created_at: String,
}

/// The body of `POST /api/v1/businesses/me/rewards`: `value` in exact
/// dollars.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RewardRequest {
    pub name: String,
    pub points: u64,
    pub value: Box<RawValue>,
}

impl RewardRequest {
    /// (name, points, value in cents).
    pub fn validate(&self) -> Result<(String, u64, u64), AppError> {
        let name = self.name.trim().to_string();
        if name.is_empty() || name.chars().count() > 120 {
            return Err(AppError::bad_request("INVALID_REWARD", "name must be 1 to 120 characters"));
        }
        if !(1..=100_000_000).contains(&self.points) {
            return Err(AppError::bad_request("INVALID_REWARD", "points must be a whole number from 1 to 100000000"));
        }
        let cents = crate::partnerships::domain::hundredths(&self.value, "value")
            .map_err(|_| AppError::bad_request("INVALID_REWARD", "value must be dollars with at most two decimals"))?;
        if cents == 0 || cents > 100_000_000 {
            return Err(AppError::bad_request("INVALID_REWARD", "value must be above 0 and at most 1000000.00"));
        }
        Ok((name, self.points, cents))
    }
}

/// A customer's points in one program.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Balance {
    pub customer_id: String,
    pub program_business_id: String,
    #[serde(default)]
    pub points: u64,
    #[serde(default)]
    pub earned: u64,
    #[serde(default)]
    pub redeemed: u64,
    #[serde(default)]
    pub expired: u64,
    /// The last movement but an expiry (`None` on balances older than it).
    #[serde(default)]
    pub last_activity_at: Option<String>,
}

/// The largest purchase or reward one request may carry: $10,000,000.
pub const MAX_AMOUNT_CENTS: u64 = 1_000_000_000;

/// A purchase amount in exact dollars, to cents, within bounds.
pub fn amount_cents(raw: &RawValue, field: &str) -> Result<u64, AppError> {
    let cents = crate::partnerships::domain::hundredths(raw, field).map_err(|_| {
        AppError::bad_request("INVALID_AMOUNT", format!("{field} must be dollars with at most two decimals"))
    })?;
    if cents == 0 || cents > MAX_AMOUNT_CENTS {
        return Err(AppError::bad_request(
            "INVALID_AMOUNT",
            format!("{field} must be above 0 and at most 10000000.00"),
        ));
    }
    Ok(cents)
}

/// The body of `POST /api/v1/businesses/me/points`: a purchase at the
/// caller's own business earning points in its own program.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct EarnRequest {
    pub customer_id: String,
    pub amount: Box<RawValue>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversions_round_down_and_never_overflow() {
        let p = PointsProgram {
            business_id: "a".into(),
            points_per_dollar: 10,
            redemption_cents: 1_000,
            redemption_points: 100,
            version: 1,
            updated_at: String::new(),
            updated_by: String::new(),
            expiry_months: None,
        };
        assert_eq!(p.points_for(1_000), 100, "$10 earns 100 points");
        assert_eq!(p.points_for(1_099), 109);
        assert_eq!(p.value_of(100), 1_000, "100 points are a $10 reward");
        assert_eq!(p.value_of(7), 70);
        let big = PointsProgram { points_per_dollar: 10_000, redemption_cents: 1_000_000, redemption_points: 1, ..p };
        assert_eq!(big.points_for(MAX_AMOUNT_CENTS), 100_000_000_000);
        assert_eq!(big.value_of(u64::MAX / 2), u64::MAX, "saturates, never wraps");
    }
}
