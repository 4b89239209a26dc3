//! Partnership rules and types, free of I/O. Money and shares are integers:
//! percentages as basis points, fees as cents, parsed exactly from their
//! JSON text (never through a float).

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::platform::error::AppError;
use crate::program::money::{json_usd, UsdCents};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PartnershipType {
    /// Earn and redeem at both.
    PointsCoalition,
    /// Redeem only at the partner.
    CrossRedemption,
    /// Referrals only.
    ReferralOnly,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PartnershipStatus {
    Pending,
    Active,
    Paused,
    Terminated,
}

impl PartnershipStatus {
    pub fn as_str(&self) -> &'static str {
        match self {
            PartnershipStatus::Pending => "PENDING",
            PartnershipStatus::Active => "ACTIVE",
            PartnershipStatus::Paused => "PAUSED",
            PartnershipStatus::Terminated => "TERMINATED",
        }
    }

    pub fn parse(text: &str) -> Result<Self, AppError> {
        match text.to_ascii_uppercase().as_str() {
            "PENDING" => Ok(Self::Pending),
            "ACTIVE" => Ok(Self::Active),
            "PAUSED" => Ok(Self::Paused),
            "TERMINATED" => Ok(Self::Terminated),
            _ => Err(AppError::bad_request("INVALID_STATUS", "status must be PENDING, ACTIVE, PAUSED or TERMINATED")),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SharingModel {
    Percentage,
    FixedFee,
    Hybrid,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SettlementFrequency {
    Monthly,
    Quarterly,
    Annual,
}

/// Revenue-sharing terms as stored: integers only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Terms {
    pub model: SharingModel,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub business_a_share_bps: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub business_b_share_bps: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fixed_fee_cents: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_bps: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bonus_threshold: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bonus_bps: Option<u64>,
    pub settlement_frequency: SettlementFrequency,
}

/// The spec's `RevenueSharingConfig`, as sent: percentages and the fee as
/// JSON numbers (or strings), read from their text.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct TermsRequest {
    #[serde(rename = "type")]
    pub model: SharingModel,
    pub business_a_share: Option<Box<RawValue>>,
    pub business_b_share: Option<Box<RawValue>>,
    pub fixed_fee_per_transaction: Option<Box<RawValue>>,
    pub base_percentage: Option<Box<RawValue>>,
    pub bonus_threshold: Option<u64>,
    pub bonus_percentage: Option<Box<RawValue>>,
    pub settlement_frequency: SettlementFrequency,
}

/// An exact decimal with at most two fraction digits, in hundredths (a
/// percentage in basis points, dollars in cents).
fn hundredths(raw: &RawValue, field: &str) -> Result<u64, AppError> {
    let bad = || AppError::bad_request("INVALID_TERMS", format!("{field} must be a number with at most two decimals"));
    let text = match serde_json::from_str::<serde_json::Value>(raw.get()).map_err(|_| bad())? {
        serde_json::Value::String(s) => s,
        serde_json::Value::Number(_) => raw.get().to_string(),
        _ => return Err(bad()),
    };
    UsdCents::parse(&text).map(|c| c.0).map_err(|_| bad())
}

fn percent(raw: &Option<Box<RawValue>>, field: &str) -> Result<u64, AppError> {
    let raw = raw.as_ref().ok_or_else(|| AppError::bad_request("INVALID_TERMS", format!("{field} is required for this model")))?;
    let bps = hundredths(raw, field)?;
    if bps == 0 || bps > 10_000 {
        return Err(AppError::bad_request("INVALID_TERMS", format!("{field} must be above 0 and at most 100 (%)")));
    }
    Ok(bps)
}

impl TermsRequest {
    /// Complete terms for their model, and nothing of another model.
    pub fn validate(self) -> Result<Terms, AppError> {
        let extra = |present: bool, field: &str| {
            if present {
                Err(AppError::bad_request("INVALID_TERMS", format!("{field} does not belong to the {:?} model", self.model)))
            } else {
                Ok(())
            }
        };
        let mut terms = Terms {
            model: self.model,
            business_a_share_bps: None,
            business_b_share_bps: None,
            fixed_fee_cents: None,
            base_bps: None,
            bonus_threshold: None,
            bonus_bps: None,
            settlement_frequency: self.settlement_frequency,
        };
        let percentage_fields = self.business_a_share.is_some() || self.business_b_share.is_some();
        let hybrid_fields = self.base_percentage.is_some() || self.bonus_threshold.is_some() || self.bonus_percentage.is_some();
        match self.model {
            SharingModel::Percentage => {
                extra(self.fixed_fee_per_transaction.is_some(), "fixedFeePerTransaction")?;
                extra(hybrid_fields, "basePercentage/bonusThreshold/bonusPercentage")?;
                terms.business_a_share_bps = Some(percent(&self.business_a_share, "businessAShare")?);
                terms.business_b_share_bps = Some(percent(&self.business_b_share, "businessBShare")?);
            }
            SharingModel::FixedFee => {
                extra(percentage_fields, "businessAShare/businessBShare")?;
                extra(hybrid_fields, "basePercentage/bonusThreshold/bonusPercentage")?;
                let raw = self.fixed_fee_per_transaction.as_ref().ok_or_else(|| AppError::bad_request("INVALID_TERMS", "fixedFeePerTransaction is required for this model"))?;
                let cents = hundredths(raw, "fixedFeePerTransaction")?;
                if cents == 0 || cents > 1_000_000 {
                    return Err(AppError::bad_request("INVALID_TERMS", "fixedFeePerTransaction must be above 0 and at most 10000.00"));
                }
                terms.fixed_fee_cents = Some(cents);
            }
            SharingModel::Hybrid => {
                extra(percentage_fields, "businessAShare/businessBShare")?;
                extra(self.fixed_fee_per_transaction.is_some(), "fixedFeePerTransaction")?;
                terms.base_bps = Some(percent(&self.base_percentage, "basePercentage")?);
                terms.bonus_bps = Some(percent(&self.bonus_percentage, "bonusPercentage")?);
                terms.bonus_threshold =
                    Some(self.bonus_threshold.filter(|t| (1..=1_000_000).contains(t)).ok_or_else(|| AppError::bad_request("INVALID_TERMS", "bonusThreshold must be a whole number from 1 to 1000000"))?);
            }
        }
        Ok(terms)
    }
}

impl Terms {
    /// The spec's `RevenueSharingConfig` again: percentages and the fee as
    /// exact two-decimal numbers.
    pub fn view(&self) -> serde_json::Value {
        let dec = |v: Option<u64>| v.map(|v| serde_json::to_value(json_usd(UsdCents(v))).unwrap_or_default());
        let mut out = serde_json::json!({ "type": self.model, "settlementFrequency": self.settlement_frequency });
        for (name, value) in [
            ("businessAShare", dec(self.business_a_share_bps)),
            ("businessBShare", dec(self.business_b_share_bps)),
            ("fixedFeePerTransaction", dec(self.fixed_fee_cents)),
            ("basePercentage", dec(self.base_bps)),
            ("bonusThreshold", self.bonus_threshold.map(serde_json::Value::from)),
            ("bonusPercentage", dec(self.bonus_bps)),
        ] {
            if let Some(v) = value {
                out[name] = v;
            }
        }
        out
    }
}

/// A partnership as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Partnership {
    pub partnership_id: String,
    /// The inviter.
    pub business_a_id: String,
    /// The invitee.
    pub business_b_id: String,
    #[serde(rename = "type")]
    pub kind: PartnershipType,
    pub status: PartnershipStatus,
    pub terms: Terms,
    pub terms_version: u32,
    pub invited_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accepted_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub activated_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub terminated_at: Option<String>,
    /// Why it ended: `DECLINED` for a declined invitation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_reason: Option<String>,
    pub created_by: String,
    pub updated_at: String,
}

impl Partnership {
    pub fn is_party(&self, business_id: &str) -> bool {
        self.business_a_id == business_id || self.business_b_id == business_id
    }
}

/// The body of `POST /api/v1/partnerships`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct InviteRequest {
    pub partner_business_id: String,
    #[serde(rename = "type")]
    pub kind: PartnershipType,
    pub revenue_sharing_terms: TermsRequest,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(json: serde_json::Value) -> Result<Terms, AppError> {
        serde_json::from_str::<TermsRequest>(&json.to_string()).map_err(|e| AppError::bad_request("INVALID_JSON", e.to_string()))?.validate()
    }

    #[test]
    fn terms_are_complete_for_their_model_and_exact() {
        let t = terms(serde_json::json!({ "type": "PERCENTAGE", "businessAShare": 5, "businessBShare": "5.25", "settlementFrequency": "MONTHLY" })).unwrap();
        assert_eq!((t.business_a_share_bps, t.business_b_share_bps), (Some(500), Some(525)));
        assert_eq!(t.view()["businessBShare"], serde_json::json!(5.25));
        let f = terms(serde_json::json!({ "type": "FIXED_FEE", "fixedFeePerTransaction": 0.25, "settlementFrequency": "QUARTERLY" })).unwrap();
        assert_eq!(f.fixed_fee_cents, Some(25));
        let h = terms(serde_json::json!({ "type": "HYBRID", "basePercentage": 3, "bonusThreshold": 100, "bonusPercentage": 5, "settlementFrequency": "ANNUAL" })).unwrap();
        assert_eq!((h.base_bps, h.bonus_threshold, h.bonus_bps), (Some(300), Some(100), Some(500)));
        for bad in [
            serde_json::json!({ "type": "PERCENTAGE", "businessAShare": 5, "settlementFrequency": "MONTHLY" }),
            serde_json::json!({ "type": "PERCENTAGE", "businessAShare": 5, "businessBShare": 5.001, "settlementFrequency": "MONTHLY" }),
            serde_json::json!({ "type": "PERCENTAGE", "businessAShare": 101, "businessBShare": 5, "settlementFrequency": "MONTHLY" }),
            serde_json::json!({ "type": "PERCENTAGE", "businessAShare": 5, "businessBShare": 5, "fixedFeePerTransaction": 1, "settlementFrequency": "MONTHLY" }),
            serde_json::json!({ "type": "FIXED_FEE", "fixedFeePerTransaction": 0, "settlementFrequency": "MONTHLY" }),
            serde_json::json!({ "type": "FIXED_FEE", "fixedFeePerTransaction": -1, "settlementFrequency": "MONTHLY" }),
            serde_json::json!({ "type": "HYBRID", "basePercentage": 3, "bonusPercentage": 5, "settlementFrequency": "MONTHLY" }),
        ] {
            assert_eq!(terms(bad.clone()).unwrap_err().code, "INVALID_TERMS", "{bad}");
        }
    }
}
