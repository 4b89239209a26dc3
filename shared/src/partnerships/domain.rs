//! Partnership rules and types, free of I/O. Money and shares are integers:
//! percentages as basis points, fees as cents, parsed exactly from their
//! JSON text (never through a float).

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::platform::error::AppError;
use crate::platform::money::{json_usd, UsdCents};

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

/// Revenue-sharing terms: how a qualifying transaction is shared, and how
/// often the partnership settles. Integers only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "StoredTerms", try_from = "StoredTerms")]
pub struct Terms {
    pub sharing: Sharing,
    pub settlement_frequency: SettlementFrequency,
}

/// One variant per model, each with exactly its fields: a HYBRID without
/// its threshold cannot be written down.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sharing {
    /// Each side's share of a transaction it owes on, in basis points.
    Percentage { business_a_share_bps: u64, business_b_share_bps: u64 },
    /// A fee per qualifying transaction (capped at its value).
    FixedFee { fee_cents: u64 },
    /// `base_bps` for a period's first `bonus_threshold` qualifying
    /// transactions, `bonus_bps` after.
    Hybrid { base_bps: u64, bonus_threshold: u64, bonus_bps: u64 },
}

impl Terms {
    pub fn model(&self) -> SharingModel {
        match self.sharing {
            Sharing::Percentage { .. } => SharingModel::Percentage,
            Sharing::FixedFee { .. } => SharingModel::FixedFee,
            Sharing::Hybrid { .. } => SharingModel::Hybrid,
        }
    }
}

/// Terms as stored (and as they have always been stored): the model and
/// its fields, the others absent.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct StoredTerms {
    model: SharingModel,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    business_a_share_bps: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    business_b_share_bps: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    fixed_fee_cents: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    base_bps: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    bonus_threshold: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    bonus_bps: Option<u64>,
    settlement_frequency: SettlementFrequency,
}

impl From<Terms> for StoredTerms {
    fn from(t: Terms) -> Self {
        let mut stored = StoredTerms {
            model: t.model(),
            business_a_share_bps: None,
            business_b_share_bps: None,
            fixed_fee_cents: None,
            base_bps: None,
            bonus_threshold: None,
            bonus_bps: None,
            settlement_frequency: t.settlement_frequency,
        };
        match t.sharing {
            Sharing::Percentage { business_a_share_bps, business_b_share_bps } => {
                (stored.business_a_share_bps, stored.business_b_share_bps) =
                    (Some(business_a_share_bps), Some(business_b_share_bps));
            }
            Sharing::FixedFee { fee_cents } => stored.fixed_fee_cents = Some(fee_cents),
            Sharing::Hybrid { base_bps, bonus_threshold, bonus_bps } => {
                (stored.base_bps, stored.bonus_threshold, stored.bonus_bps) =
                    (Some(base_bps), Some(bonus_threshold), Some(bonus_bps));
            }
        }
        stored
    }
}

impl TryFrom<StoredTerms> for Terms {
    type Error = String;

    fn try_from(t: StoredTerms) -> Result<Self, String> {
        let missing = || format!("stored {:?} terms lack a field of their model", t.model);
        let sharing = match t.model {
            SharingModel::Percentage => Sharing::Percentage {
                business_a_share_bps: t.business_a_share_bps.ok_or_else(missing)?,
                business_b_share_bps: t.business_b_share_bps.ok_or_else(missing)?,
            },
            SharingModel::FixedFee => Sharing::FixedFee { fee_cents: t.fixed_fee_cents.ok_or_else(missing)? },
            SharingModel::Hybrid => Sharing::Hybrid {
                base_bps: t.base_bps.ok_or_else(missing)?,
                bonus_threshold: t.bonus_threshold.ok_or_else(missing)?,
                bonus_bps: t.bonus_bps.ok_or_else(missing)?,
            },
        };
        Ok(Terms { sharing, settlement_frequency: t.settlement_frequency })
    }
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
pub fn hundredths(raw: &RawValue, field: &str) -> Result<u64, AppError> {
    let bad = || AppError::bad_request("INVALID_TERMS", format!("{field} must be a number with at most two decimals"));
    let text = match serde_json::from_str::<serde_json::Value>(raw.get()).map_err(|_| bad())? {
        serde_json::Value::String(s) => s,
        serde_json::Value::Number(_) => raw.get().to_string(),
        _ => return Err(bad()),
    };
    UsdCents::parse(&text).map(|c| c.0).map_err(|_| bad())
}

fn percent(raw: &Option<Box<RawValue>>, field: &str) -> Result<u64, AppError> {
    let raw = raw
        .as_ref()
        .ok_or_else(|| AppError::bad_request("INVALID_TERMS", format!("{field} is required for this model")))?;
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
                Err(AppError::bad_request(
                    "INVALID_TERMS",
                    format!("{field} does not belong to the {:?} model", self.model),
                ))
            } else {
                Ok(())
            }
        };
        let percentage_fields = self.business_a_share.is_some() || self.business_b_share.is_some();
        let hybrid_fields =
            self.base_percentage.is_some() || self.bonus_threshold.is_some() || self.bonus_percentage.is_some();
        let sharing = match self.model {
            SharingModel::Percentage => {
                extra(self.fixed_fee_per_transaction.is_some(), "fixedFeePerTransaction")?;
                extra(hybrid_fields, "basePercentage/bonusThreshold/bonusPercentage")?;
                Sharing::Percentage {
                    business_a_share_bps: percent(&self.business_a_share, "businessAShare")?,
                    business_b_share_bps: percent(&self.business_b_share, "businessBShare")?,
                }
            }
            SharingModel::FixedFee => {
                extra(percentage_fields, "businessAShare/businessBShare")?;
                extra(hybrid_fields, "basePercentage/bonusThreshold/bonusPercentage")?;
                let raw = self.fixed_fee_per_transaction.as_ref().ok_or_else(|| {
                    AppError::bad_request("INVALID_TERMS", "fixedFeePerTransaction is required for this model")
                })?;
                let cents = hundredths(raw, "fixedFeePerTransaction")?;
                if cents == 0 || cents > 1_000_000 {
                    return Err(AppError::bad_request(
                        "INVALID_TERMS",
                        "fixedFeePerTransaction must be above 0 and at most 10000.00",
                    ));
                }
                Sharing::FixedFee { fee_cents: cents }
            }
            SharingModel::Hybrid => {
                extra(percentage_fields, "businessAShare/businessBShare")?;
                extra(self.fixed_fee_per_transaction.is_some(), "fixedFeePerTransaction")?;
                Sharing::Hybrid {
                    base_bps: percent(&self.base_percentage, "basePercentage")?,
                    bonus_bps: percent(&self.bonus_percentage, "bonusPercentage")?,
                    bonus_threshold: self.bonus_threshold.filter(|t| (1..=1_000_000).contains(t)).ok_or_else(|| {
                        AppError::bad_request(
                            "INVALID_TERMS",
                            "bonusThreshold must be a whole number from 1 to 1000000",
                        )
                    })?,
                }
            }
        };
        Ok(Terms { sharing, settlement_frequency: self.settlement_frequency })
    }
}

impl Terms {
    /// The spec's `RevenueSharingConfig` again: percentages and the fee as
    /// exact two-decimal numbers.
    pub fn view(&self) -> serde_json::Value {
        let dec = |v: u64| serde_json::to_value(json_usd(UsdCents(v))).unwrap_or_default();
        let mut out = serde_json::json!({ "type": self.model(), "settlementFrequency": self.settlement_frequency });
        match self.sharing {
            Sharing::Percentage { business_a_share_bps, business_b_share_bps } => {
                out["businessAShare"] = dec(business_a_share_bps);
                out["businessBShare"] = dec(business_b_share_bps);
            }
            Sharing::FixedFee { fee_cents } => out["fixedFeePerTransaction"] = dec(fee_cents),
            Sharing::Hybrid { base_bps, bonus_threshold, bonus_bps } => {
                out["basePercentage"] = dec(base_bps);
                out["bonusThreshold"] = serde_json::Value::from(bonus_threshold);
                out["bonusPercentage"] = dec(bonus_bps);
            }
        }
        out
    }
}

/// A status, from an instant on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StatusSince {
    /// RFC 3339.
    pub since: String,
    pub status: PartnershipStatus,
}

/// A terms version in force from an instant on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TermsSince {
    /// RFC 3339.
    pub since: String,
    pub version: u32,
}

fn instant(text: &str) -> Option<time::OffsetDateTime> {
    time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).ok()
}

fn invalid_period() -> AppError {
    AppError::bad_request(
        "INVALID_PERIOD",
        "a period is named by the YYYY-MM-DD start of one of this partnership's settlement periods",
    )
}

fn is_default<T: Default + PartialEq>(v: &T) -> bool {
    *v == T::default()
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
    #[serde(default)]
    pub config: Config,
    pub terms: Terms,
    pub terms_version: u32,
    /// When each settlement frequency is or was in force, once the
    /// frequency was ever changed (empty: `terms.settlementFrequency`
    /// throughout). See `periods::Schedule`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub settlement_schedule: Vec<super::periods::FrequencyFrom>,
    /// A change of terms one party proposed and the other has not answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub terms_proposal: Option<TermsProposal>,
    /// Each status it took and since when (a sale is judged by the status
    /// at its `occurredAt`, not at its sync). Empty for a partnership
    /// stored before the history: derived from its dates then.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub status_history: Vec<StatusSince>,
    /// Each terms version in force and since when (a sale is charged by
    /// the terms in force at its `occurredAt`). Empty: the current terms
    /// throughout.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub terms_history: Vec<TermsSince>,
    pub invited_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accepted_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub activated_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paused_at: Option<String>,
    /// The business that paused it: the one that may resume it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paused_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub terminated_at: Option<String>,
    /// How it ended: `DECLINED`, `WITHDRAWN` (the inviter ended its own
    /// invitation) or `TERMINATED`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_reason: Option<String>,
    /// The reason given with the last pause, resumption or termination.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_reason: Option<String>,
    /// The most each party may owe the other unsettled, set by the party
    /// owed (`exposure`).
    #[serde(default, skip_serializing_if = "is_default")]
    pub exposure_limits: super::exposure::ExposureLimits,
    /// Each party's anomaly thresholds (`anomaly_rules`); the stricter is
    /// in force.
    #[serde(default, skip_serializing_if = "is_default")]
    pub anomaly_rules: super::anomaly_rules::AnomalyRules,
    pub created_by: String,
    pub updated_at: String,
    /// Bumped by every change; each write is conditional on the one read.
    #[serde(default)]
    pub revision: u64,
}

impl Partnership {
    /// Its settlement periods over time.
    pub fn schedule(&self) -> super::periods::Schedule {
        super::periods::Schedule::from_stored(&self.settlement_schedule, self.terms.settlement_frequency)
    }

    /// The period that holds `at`, or `INVALID_PERIOD` past the calendar.
    pub fn period_at(&self, at: time::OffsetDateTime) -> Result<super::periods::Period, AppError> {
        self.schedule().period_at(at).ok_or_else(invalid_period)
    }

    /// One of its periods, by its `YYYY-MM-DD` start.
    pub fn period_named(&self, text: &str) -> Result<super::periods::Period, AppError> {
        self.schedule().parse(text.trim()).ok_or_else(invalid_period)
    }

    /// The history a partnership stored before `status_history` existed
    /// implies: active from its activation, paused from its pause if it is
    /// paused now, ended at its termination.
    fn derived_status_history(&self) -> Vec<StatusSince> {
        let mut history = Vec::new();
        if let Some(at) = &self.activated_at {
            history.push(StatusSince { since: at.clone(), status: PartnershipStatus::Active });
        }
        if let (PartnershipStatus::Paused, Some(at)) = (self.status, &self.paused_at) {
            history.push(StatusSince { since: at.clone(), status: PartnershipStatus::Paused });
        }
        if let Some(at) = &self.terminated_at {
            history.push(StatusSince { since: at.clone(), status: PartnershipStatus::Terminated });
        }
        history
    }

    /// Records that it moved to `status` at `at` (RFC 3339).
    pub fn moved_to(&mut self, status: PartnershipStatus, at: &str) {
        if self.status_history.is_empty() {
            self.status_history = self.derived_status_history();
        }
        self.status = status;
        self.status_history.push(StatusSince { since: at.to_string(), status });
    }

    /// Its status at the instant `at`.
    pub fn status_at(&self, at: time::OffsetDateTime) -> PartnershipStatus {
        let derived;
        let history = if self.status_history.is_empty() {
            derived = self.derived_status_history();
            &derived
        } else {
            &self.status_history
        };
        history
            .iter()
            .rev()
            .find(|s| instant(&s.since).is_some_and(|since| since <= at))
            .map_or(PartnershipStatus::Pending, |s| s.status)
    }

    /// Records that terms `version` are in force from `at` (RFC 3339).
    pub fn terms_from(&mut self, version: u32, at: &str) {
        if self.terms_history.is_empty() && self.terms_version != version {
            // The version in force until now, since the partnership began.
            let since = self.activated_at.clone().unwrap_or_else(|| self.invited_at.clone());
            self.terms_history.push(TermsSince { since, version: self.terms_version });
        }
        self.terms_history.push(TermsSince { since: at.to_string(), version });
    }

    /// The terms version in force at the instant `at` (the first one for
    /// an instant before any).
    pub fn terms_version_at(&self, at: time::OffsetDateTime) -> u32 {
        let found = self.terms_history.iter().rev().find(|t| instant(&t.since).is_some_and(|since| since <= at));
        found.or(self.terms_history.first()).map_or(self.terms_version, |t| t.version)
    }

    pub fn is_party(&self, business_id: &str) -> bool {
        self.business_a_id == business_id || self.business_b_id == business_id
    }

    /// The other party, for one of them.
    pub fn partner_of(&self, business_id: &str) -> &str {
        if self.business_a_id == business_id {
            &self.business_b_id
        } else {
            &self.business_a_id
        }
    }

    /// PENDING, ACTIVE or PAUSED: the pair is taken.
    pub fn is_open(&self) -> bool {
        self.status != PartnershipStatus::Terminated
    }

    /// Has been accepted and not ended: it counts in `partnershipCount`.
    pub fn is_live(&self) -> bool {
        matches!(self.status, PartnershipStatus::Active | PartnershipStatus::Paused)
    }
}

/// A proposed change of terms, waiting for the other party.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TermsProposal {
    /// The version these terms get if accepted.
    pub version: u32,
    pub terms: Terms,
    pub proposed_by: String,
    pub proposed_at: String,
}

/// The body of `POST /api/v1/partnerships`. A `templateId` fills `type`,
/// the terms and the config where the body leaves them out.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct InviteRequest {
    pub partner_business_id: String,
    #[serde(default)]
    pub template_id: Option<String>,
    #[serde(default, rename = "type")]
    pub kind: Option<PartnershipType>,
    #[serde(default)]
    pub revenue_sharing_terms: Option<TermsRequest>,
    #[serde(default)]
    pub config: Option<ConfigRequest>,
}

/// An invitation's type, terms and config, after its template.
pub struct InviteTerms {
    pub kind: PartnershipType,
    pub terms: Terms,
    pub config: Config,
}

impl InviteRequest {
    pub fn resolve(self) -> Result<(String, InviteTerms), AppError> {
        let template = match self.template_id.as_deref() {
            None => None,
            Some(id) => Some(super::templates::find(id).ok_or_else(|| {
                AppError::bad_request(
                    "UNKNOWN_TEMPLATE",
                    format!("no partnership template {id}; see GET /api/v1/partnerships/templates"),
                )
            })?),
        };
        let missing = |field: &str| {
            AppError::bad_request("INVALID_TERMS", format!("{field} is required (or a templateId that gives it)"))
        };
        let kind = self.kind.or(template.map(|t| t.kind)).ok_or_else(|| missing("type"))?;
        let terms = match self.revenue_sharing_terms {
            Some(t) => t.validate()?,
            None => template.map(|t| t.terms()).ok_or_else(|| missing("revenueSharingTerms"))?,
        };
        let config = match self.config {
            Some(c) => c.validate()?,
            None => template.map(|t| t.config()).unwrap_or_default(),
        };
        Ok((self.partner_business_id, InviteTerms { kind, terms, config }))
    }
}

/// A circle a partnership's transactions must happen in.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GeoRestriction {
    pub lat: f64,
    pub lng: f64,
    pub radius_km: f64,
}

impl Eq for GeoRestriction {}

/// The spec's `PartnershipConfig`: what qualifies for the partnership.
/// Money in cents, counts as integers; empty lists mean "all".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Config {
    #[serde(default)]
    pub allowed_locations: Vec<String>,
    #[serde(default)]
    pub allowed_categories: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minimum_transaction_cents: Option<u64>,
    /// Redemptions per customer per settlement period.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_redemption_per_customer: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub geographic_restrictions: Option<GeoRestriction>,
}

/// The largest radius of a geographic restriction.
pub const MAX_RESTRICTION_RADIUS_KM: f64 = 20_000.0;

/// The spec's `PartnershipConfig`, as sent: `minimumTransaction` in dollars
/// (exact, two decimals, like the terms' fee).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ConfigRequest {
    #[serde(default)]
    pub allowed_locations: Vec<String>,
    #[serde(default)]
    pub allowed_categories: Vec<String>,
    pub minimum_transaction: Option<Box<RawValue>>,
    pub max_redemption_per_customer: Option<u64>,
    pub geographic_restrictions: Option<GeoRestriction>,
}

fn labels(list: Vec<String>, field: &str) -> Result<Vec<String>, AppError> {
    let bad = || {
        AppError::bad_request(
            "INVALID_CONFIG",
            format!("{field} holds at most 50 names of 1 to 64 of a-z, 0-9, _ and -"),
        )
    };
    if list.len() > 50 {
        return Err(bad());
    }
    let mut out: Vec<String> = Vec::new();
    for item in list {
        let item = item.trim().to_ascii_lowercase();
        if item.is_empty()
            || item.len() > 64
            || !item.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
        {
            return Err(bad());
        }
        if !out.contains(&item) {
            out.push(item);
        }
    }
    Ok(out)
}

impl ConfigRequest {
    pub fn validate(self) -> Result<Config, AppError> {
        let minimum_transaction_cents = match &self.minimum_transaction {
            None => None,
            Some(raw) => Some(hundredths(raw, "minimumTransaction").map_err(|_| {
                AppError::bad_request("INVALID_CONFIG", "minimumTransaction must be dollars with at most two decimals")
            })?),
        };
        if self.max_redemption_per_customer == Some(0) {
            return Err(AppError::bad_request(
                "INVALID_CONFIG",
                "maxRedemptionPerCustomer must be at least 1 (leave it out for no cap)",
            ));
        }
        if let Some(g) = self.geographic_restrictions {
            let ok = g.lat.is_finite()
                && g.lng.is_finite()
                && (-90.0..=90.0).contains(&g.lat)
                && (-180.0..=180.0).contains(&g.lng)
                && g.radius_km.is_finite()
                && g.radius_km > 0.0
                && g.radius_km <= MAX_RESTRICTION_RADIUS_KM;
            if !ok {
                return Err(AppError::bad_request(
                    "INVALID_CONFIG",
                    format!("geographicRestrictions needs lat in [-90, 90], lng in [-180, 180] and radiusKm above 0 and at most {MAX_RESTRICTION_RADIUS_KM}"),
                ));
            }
        }
        Ok(Config {
            allowed_locations: labels(self.allowed_locations, "allowedLocations")?,
            allowed_categories: labels(self.allowed_categories, "allowedCategories")?,
            minimum_transaction_cents,
            max_redemption_per_customer: self.max_redemption_per_customer,
            geographic_restrictions: self.geographic_restrictions,
        })
    }
}

impl Config {
    /// The spec's `PartnershipConfig` again, the minimum in dollars.
    pub fn view(&self) -> serde_json::Value {
        let mut out = serde_json::json!({ "allowedLocations": self.allowed_locations, "allowedCategories": self.allowed_categories });
        if let Some(c) = self.minimum_transaction_cents {
            out["minimumTransaction"] = serde_json::to_value(json_usd(UsdCents(c))).unwrap_or_default();
        }
        if let Some(m) = self.max_redemption_per_customer {
            out["maxRedemptionPerCustomer"] = m.into();
        }
        if let Some(g) = self.geographic_restrictions {
            out["geographicRestrictions"] = serde_json::json!({ "lat": g.lat, "lng": g.lng, "radiusKm": g.radius_km });
        }
        out
    }
}

/// The body of `PUT /api/v1/partnerships/{id}`: the config, the terms, or
/// both. Terms of an accepted partnership become a proposal.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct UpdateRequest {
    pub config: Option<ConfigRequest>,
    pub revenue_sharing_terms: Option<TermsRequest>,
}

/// The body of `PATCH /api/v1/partnerships/{id}/terms`: the answer to a
/// terms proposal, by its version.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct TermsAnswer {
    pub version: u32,
    /// ACCEPT or REJECT.
    pub decision: String,
}

impl TermsAnswer {
    /// `true` for ACCEPT.
    pub fn accept(&self) -> Result<bool, AppError> {
        match self.decision.to_ascii_uppercase().as_str() {
            "ACCEPT" => Ok(true),
            "REJECT" => Ok(false),
            _ => Err(AppError::bad_request("INVALID_DECISION", "decision must be ACCEPT or REJECT")),
        }
    }
}

/// What `PATCH /api/v1/partnerships/{id}/status` asks for.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct StatusRequest {
    /// PAUSED, ACTIVE (resume) or TERMINATED.
    pub status: String,
    pub reason: String,
}

/// The move a status request makes, decided from the partnership as read;
/// the write is conditional on `from` so a concurrent change loses cleanly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatusMove {
    pub from: PartnershipStatus,
    pub to: PartnershipStatus,
    /// The event it publishes.
    pub event: &'static str,
    /// The audit action.
    pub action: &'static str,
    /// `endReason` when it ends it.
    pub end_reason: Option<&'static str>,
}

/// The status rules. Either party's owner pauses an ACTIVE partnership; only
/// the business that paused resumes it (the other may terminate instead);
/// either terminates an ACTIVE or PAUSED one; a PENDING invitation is
/// withdrawn by its inviter (its invitee declines it instead). Terminated is
/// final.
pub fn status_move(p: &Partnership, caller: &str, request: &StatusRequest) -> Result<StatusMove, AppError> {
    let reason = request.reason.trim();
    if reason.is_empty() || reason.chars().count() > 500 {
        return Err(AppError::bad_request("INVALID_REASON", "reason must be 1 to 500 characters"));
    }
    let to = match request.status.to_ascii_uppercase().as_str() {
        "PAUSED" | "PAUSE" => PartnershipStatus::Paused,
        "ACTIVE" | "RESUME" => PartnershipStatus::Active,
        "TERMINATED" | "TERMINATE" => PartnershipStatus::Terminated,
        _ => return Err(AppError::bad_request("INVALID_STATUS", "status must be PAUSED, ACTIVE or TERMINATED")),
    };
    use PartnershipStatus::*;
    let refused = || {
        AppError::conflict(
            "INVALID_TRANSITION",
            format!("a {} partnership cannot become {}", p.status.as_str(), to.as_str()),
        )
    };
    let step = |event, action, end_reason| Ok(StatusMove { from: p.status, to, event, action, end_reason });
    match (p.status, to) {
        (Active, Paused) => step("partner.partnership.paused", "partnership.paused", None),
        (Paused, Active) if p.paused_by.as_deref() == Some(caller) => {
            step("partner.partnership.activated", "partnership.resumed", None)
        }
        (Paused, Active) => Err(AppError::forbidden(
            "PAUSED_BY_PARTNER",
            "only the business that paused it resumes it; you may terminate it",
        )),
        (Active | Paused, Terminated) => {
            step("partner.partnership.terminated", "partnership.terminated", Some("TERMINATED"))
        }
        (Pending, Terminated) if p.business_a_id == caller => {
            step("partner.partnership.terminated", "partnership.withdrawn", Some("WITHDRAWN"))
        }
        (Pending, Terminated) => {
            Err(AppError::conflict("INVALID_TRANSITION", "decline the invitation instead (PATCH .../decline)"))
        }
        _ => Err(refused()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(json: serde_json::Value) -> Result<Terms, AppError> {
        serde_json::from_str::<TermsRequest>(&json.to_string())
            .map_err(|e| AppError::bad_request("INVALID_JSON", e.to_string()))?
            .validate()
    }

    #[test]
    fn terms_are_complete_for_their_model_and_exact() {
        let t = terms(serde_json::json!({ "type": "PERCENTAGE", "businessAShare": 5, "businessBShare": "5.25", "settlementFrequency": "MONTHLY" })).unwrap();
        assert_eq!(t.sharing, Sharing::Percentage { business_a_share_bps: 500, business_b_share_bps: 525 });
        assert_eq!(t.view()["businessBShare"], serde_json::json!(5.25));
        let f = terms(serde_json::json!({ "type": "FIXED_FEE", "fixedFeePerTransaction": 0.25, "settlementFrequency": "QUARTERLY" })).unwrap();
        assert_eq!(f.sharing, Sharing::FixedFee { fee_cents: 25 });
        let h = terms(serde_json::json!({ "type": "HYBRID", "basePercentage": 3, "bonusThreshold": 100, "bonusPercentage": 5, "settlementFrequency": "ANNUAL" })).unwrap();
        assert_eq!(h.sharing, Sharing::Hybrid { base_bps: 300, bonus_threshold: 100, bonus_bps: 500 });
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

    /// Terms are stored as they always were (the model and its fields), and
    /// stored terms missing a field of their model are refused, not guessed.
    #[test]
    fn terms_keep_their_stored_form_and_a_model_needs_its_fields() {
        let h = Terms {
            sharing: Sharing::Hybrid { base_bps: 300, bonus_threshold: 100, bonus_bps: 500 },
            settlement_frequency: SettlementFrequency::Annual,
        };
        let stored = serde_json::to_value(&h).unwrap();
        assert_eq!(
            stored,
            serde_json::json!({ "model": "HYBRID", "baseBps": 300, "bonusThreshold": 100, "bonusBps": 500, "settlementFrequency": "ANNUAL" })
        );
        assert_eq!(serde_json::from_value::<Terms>(stored).unwrap(), h);
        let incomplete =
            serde_json::json!({ "model": "HYBRID", "baseBps": 300, "bonusBps": 500, "settlementFrequency": "ANNUAL" });
        assert!(serde_json::from_value::<Terms>(incomplete).is_err());
    }
}
