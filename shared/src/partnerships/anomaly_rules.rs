//! The thresholds a partnership's settlements are scanned by for unusual
//! patterns (the spec's Risk 2), free of I/O.
//!
//! Each party sets its own thresholds; the scan uses, rule by rule, the
//! stricter of the two (a party's unset rule counts as the default). So a
//! party can tighten a rule alone, but loosening one past the default
//! takes both: the party whose fake transactions a rule would catch cannot
//! switch it off.

use serde::{Deserialize, Serialize};

use crate::platform::error::AppError;

/// One party's thresholds. Unset fields are the defaults (`Thresholds::DEFAULT`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RuleSettings {
    /// Flag a customer redeeming more than this many times within an hour
    /// at one business.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_redemptions_per_hour: Option<u32>,
    /// Flag a day whose recordings exceed this many times the average of
    /// the days before it in the period...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub daily_spike_factor: Option<u32>,
    /// ...when the day has at least this many (small numbers are noise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub daily_spike_min_recordings: Option<u32>,
    /// Flag a period whose reversals exceed this percentage of its
    /// transactions...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_reversal_percent: Option<u32>,
    /// ...when it has at least this many transactions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reversal_min_transactions: Option<u32>,
    /// Flag a recording made this far (km) or farther from its recorder's
    /// registered location.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_distance_km: Option<u32>,
    /// Hold every settlement of a period whose transactions add up to this
    /// much (cents) or more, flagged or not (high-value review).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review_volume_cents: Option<u64>,
}

/// The thresholds in force (every rule set).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Thresholds {
    pub max_redemptions_per_hour: u32,
    pub daily_spike_factor: u32,
    pub daily_spike_min_recordings: u32,
    pub max_reversal_percent: u32,
    pub reversal_min_transactions: u32,
    pub max_distance_km: u32,
    pub review_volume_cents: u64,
}

impl Thresholds {
    /// The documented defaults (docs/decisions.md): generous enough that a
    /// busy, ordinary month raises nothing.
    pub const DEFAULT: Thresholds = Thresholds {
        max_redemptions_per_hour: 5,
        daily_spike_factor: 5,
        daily_spike_min_recordings: 50,
        max_reversal_percent: 20,
        reversal_min_transactions: 20,
        max_distance_km: 100,
        review_volume_cents: 25_000_000,
    };
}

/// Both parties' settings on a partnership.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AnomalyRules {
    #[serde(default)]
    pub a: RuleSettings,
    #[serde(default)]
    pub b: RuleSettings,
}

impl AnomalyRules {
    /// Rule by rule, the stricter of the two parties' (a lower threshold).
    pub fn effective(&self) -> Thresholds {
        let d = Thresholds::DEFAULT;
        let pick = |a: Option<u32>, b: Option<u32>, default: u32| a.unwrap_or(default).min(b.unwrap_or(default));
        let (a, b) = (&self.a, &self.b);
        Thresholds {
            max_redemptions_per_hour: pick(
                a.max_redemptions_per_hour,
                b.max_redemptions_per_hour,
                d.max_redemptions_per_hour,
            ),
            daily_spike_factor: pick(a.daily_spike_factor, b.daily_spike_factor, d.daily_spike_factor),
            daily_spike_min_recordings: pick(
                a.daily_spike_min_recordings,
                b.daily_spike_min_recordings,
                d.daily_spike_min_recordings,
            ),
            max_reversal_percent: pick(a.max_reversal_percent, b.max_reversal_percent, d.max_reversal_percent),
            reversal_min_transactions: pick(
                a.reversal_min_transactions,
                b.reversal_min_transactions,
                d.reversal_min_transactions,
            ),
            max_distance_km: pick(a.max_distance_km, b.max_distance_km, d.max_distance_km),
            review_volume_cents: a
                .review_volume_cents
                .unwrap_or(d.review_volume_cents)
                .min(b.review_volume_cents.unwrap_or(d.review_volume_cents)),
        }
    }

    /// The caller's side replaced by `settings` (validated).
    pub fn with_side(self, caller_is_a: bool, settings: RuleSettings) -> Result<Self, AppError> {
        settings.validate()?;
        Ok(if caller_is_a { AnomalyRules { a: settings, ..self } } else { AnomalyRules { b: settings, ..self } })
    }
}

impl RuleSettings {
    fn validate(&self) -> Result<(), AppError> {
        let bad = |what: &str| Err(AppError::bad_request("INVALID_ANOMALY_RULES", what.to_string()));
        let within = |v: Option<u32>, lo: u32, hi: u32| v.is_none_or(|v| (lo..=hi).contains(&v));
        if !within(self.max_redemptions_per_hour, 1, 1_000) {
            return bad("maxRedemptionsPerHour is 1 to 1000");
        }
        if !within(self.daily_spike_factor, 2, 1_000) || !within(self.daily_spike_min_recordings, 1, 1_000_000) {
            return bad("dailySpikeFactor is 2 to 1000 and dailySpikeMinRecordings 1 to 1000000");
        }
        if !within(self.max_reversal_percent, 1, 100) || !within(self.reversal_min_transactions, 1, 1_000_000) {
            return bad("maxReversalPercent is 1 to 100 and reversalMinTransactions 1 to 1000000");
        }
        if !within(self.max_distance_km, 1, 20_000) {
            return bad("maxDistanceKm is 1 to 20000");
        }
        if self.review_volume_cents.is_some_and(|v| !(1..=1_000_000_000_000).contains(&v)) {
            return bad("reviewVolumeCents is 1 to 1000000000000");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stricter_party_wins_rule_by_rule_and_loosening_alone_changes_nothing() {
        let rules = AnomalyRules {
            a: RuleSettings { max_redemptions_per_hour: Some(2), max_reversal_percent: Some(90), ..Default::default() },
            b: RuleSettings { max_distance_km: Some(10), ..Default::default() },
        };
        let t = rules.effective();
        assert_eq!(t.max_redemptions_per_hour, 2, "A tightened it alone");
        assert_eq!(t.max_distance_km, 10, "B tightened it alone");
        assert_eq!(t.max_reversal_percent, 20, "A loosening past the default is not enough");
        assert_eq!(AnomalyRules::default().effective(), Thresholds::DEFAULT);
        let bad = RuleSettings { max_reversal_percent: Some(0), ..Default::default() };
        assert_eq!(rules.with_side(true, bad).unwrap_err().code, "INVALID_ANOMALY_RULES");
    }
}
