//! Program rules: the cap is fixed by policy, the refill price is the one
//! operational knob, and open seats are what the cap leaves free.

use serde::Deserialize;

use crate::platform::error::AppError;
use crate::platform::money::{MoneyError, UsdCents};

/// Fixed at 100 by policy; not configurable, not even by an admin.
pub const MAX_SEATS: u32 = 100;

/// A price above this is a typo, not a market price.
pub const MAX_REFILL_PRICE: UsdCents = UsdCents(100_000_000); // 1,000,000.00 USD

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgramConfig {
    pub refill_price: UsdCents,
    /// Optimistic-lock version; 0 while no operator has set anything.
    pub version: u64,
    pub updated_at: Option<String>,
    pub updated_by: Option<String>,
    /// While set, no path may take a seat (an operator's incident freeze).
    pub freeze: Option<RefillFreeze>,
}

/// Who froze refill, when and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefillFreeze {
    pub at: String,
    pub by: String,
    pub reason: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SeatStats {
    pub active_seats: u32,
    pub pending_refunds: u32,
}

impl SeatStats {
    pub fn open_seats(&self) -> u32 {
        MAX_SEATS.saturating_sub(self.active_seats)
    }
}

/// The body of `POST /api/partners/config`. The price arrives as a JSON
/// number or string and is parsed from its text.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ConfigUpdateRequest {
    pub refill_price_usd: Option<Box<serde_json::value::RawValue>>,
    pub max_seats: Option<serde_json::Value>,
    pub refill_frozen: Option<bool>,
    pub reason: Option<String>,
}

/// A validated config change: a new price, a freeze or unfreeze, or both.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigUpdate {
    pub refill_price: Option<UsdCents>,
    pub refill_frozen: Option<bool>,
    pub reason: Option<String>,
}

impl ConfigUpdate {
    /// The config after this update, applied by `actor` at `now` to `before`.
    /// A freeze of a frozen program keeps the first freeze's who/when/why.
    pub fn apply(&self, before: &ProgramConfig, actor: &str, now: &str) -> ProgramConfig {
        let freeze = match self.refill_frozen {
            Some(true) => before.freeze.clone().or_else(|| {
                Some(RefillFreeze {
                    at: now.to_string(),
                    by: actor.to_string(),
                    reason: self.reason.clone().unwrap_or_default(),
                })
            }),
            Some(false) => None,
            None => before.freeze.clone(),
        };
        ProgramConfig {
            refill_price: self.refill_price.unwrap_or(before.refill_price),
            version: before.version + 1,
            updated_at: Some(now.to_string()),
            updated_by: Some(actor.to_string()),
            freeze,
        }
    }

    /// Whether applying it to `before` changes nothing an operator can see:
    /// a freeze of a frozen program (or an unfreeze of an open one) alone.
    pub fn is_noop(&self, before: &ProgramConfig) -> bool {
        self.refill_price.is_none() && self.refill_frozen.is_some_and(|f| f == before.freeze.is_some())
    }
}

impl ConfigUpdateRequest {
    pub fn validate(self) -> Result<ConfigUpdate, AppError> {
        if let Some(max) = &self.max_seats {
            if max.as_u64() != Some(MAX_SEATS as u64) {
                return Err(AppError::bad_request(
                    "MAX_SEATS_IMMUTABLE",
                    format!("maxSeats is fixed at {MAX_SEATS} by policy and cannot be changed"),
                ));
            }
        }
        if self.refill_price_usd.is_none() && self.refill_frozen.is_none() {
            return Err(AppError::bad_request(
                "MISSING_FIELD",
                "refillPriceUsd (the only configurable setting) or refillFrozen is required",
            ));
        }
        let refill_price = self.refill_price_usd.map(|raw| parse_price(raw.get())).transpose()?;
        let reason = match self.reason {
            Some(r) if r.chars().count() > 500 => {
                return Err(AppError::bad_request("INVALID_REASON", "reason must be at most 500 characters"))
            }
            Some(r) if r.trim().is_empty() => None,
            other => other,
        };
        if self.refill_frozen.is_some() && reason.is_none() {
            return Err(AppError::bad_request(
                "MISSING_REASON",
                "freezing or unfreezing refill needs a reason (it is audited)",
            ));
        }
        Ok(ConfigUpdate { refill_price, refill_frozen: self.refill_frozen, reason })
    }
}

/// A price from its JSON text: a number literal or a string holding one.
pub fn parse_price(json_text: &str) -> Result<UsdCents, AppError> {
    let invalid = |msg: &str| AppError::bad_request("INVALID_PRICE", msg.to_string());
    let text = match serde_json::from_str::<serde_json::Value>(json_text) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(serde_json::Value::Number(_)) => json_text.trim().to_string(),
        _ => return Err(invalid("refillPriceUsd must be a number such as 1500 or 1500.50")),
    };
    if text.starts_with('-') {
        return Err(invalid("refillPriceUsd must not be negative"));
    }
    let price = UsdCents::parse(&text).map_err(|e| match e {
        MoneyError::Malformed => invalid("refillPriceUsd must be a decimal with at most 2 fraction digits"),
        MoneyError::TooLarge => invalid("refillPriceUsd is too large"),
    })?;
    if price.0 == 0 {
        return Err(invalid("refillPriceUsd must be greater than zero"));
    }
    if price > MAX_REFILL_PRICE {
        return Err(invalid("refillPriceUsd must be at most 1000000.00"));
    }
    Ok(price)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn update(json: &str) -> Result<ConfigUpdate, AppError> {
        serde_json::from_str::<ConfigUpdateRequest>(json)
            .map_err(|e| AppError::bad_request("INVALID_JSON", e.to_string()))?
            .validate()
    }

    #[test]
    fn accepts_numbers_and_strings() {
        assert_eq!(update(r#"{"refillPriceUsd":1500}"#).unwrap().refill_price, Some(UsdCents(150_000)));
        assert_eq!(update(r#"{"refillPriceUsd":1500.25}"#).unwrap().refill_price, Some(UsdCents(150_025)));
        assert_eq!(update(r#"{"refillPriceUsd":"99.9"}"#).unwrap().refill_price, Some(UsdCents(9_990)));
        assert_eq!(update(r#"{"refillPriceUsd":10,"maxSeats":100}"#).unwrap().refill_price, Some(UsdCents(1_000)));
    }

    #[test]
    fn refuses_cap_changes_and_bad_prices() {
        assert_eq!(update(r#"{"refillPriceUsd":10,"maxSeats":120}"#).unwrap_err().code, "MAX_SEATS_IMMUTABLE");
        assert_eq!(update(r#"{"maxSeats":"100"}"#).unwrap_err().code, "MAX_SEATS_IMMUTABLE");
        for bad in ["-5", "0", "1e3", "1.001", "true", "null", "[1]", "\"abc\"", "1000000.01", "1e400"] {
            let err = update(&format!(r#"{{"refillPriceUsd":{bad}}}"#)).unwrap_err();
            let expected: &[&str] = if bad == "null" { &["MISSING_FIELD"] } else { &["INVALID_PRICE", "INVALID_JSON"] };
            assert!(expected.contains(&err.code), "{bad}: {err}");
        }
        assert_eq!(update(r#"{}"#).unwrap_err().code, "MISSING_FIELD");
        assert_eq!(update(r#"{"refillPriceUsd":1,"colour":"red"}"#).unwrap_err().code, "INVALID_JSON");
    }

    #[test]
    fn a_freeze_or_unfreeze_needs_a_reason() {
        assert_eq!(update(r#"{"refillFrozen":true}"#).unwrap_err().code, "MISSING_REASON");
        assert_eq!(update(r#"{"refillFrozen":false,"reason":"  "}"#).unwrap_err().code, "MISSING_REASON");
        assert_eq!(update(r#"{"refillFrozen":"yes","reason":"x"}"#).unwrap_err().code, "INVALID_JSON");
        let freeze = update(r#"{"refillFrozen":true,"reason":"rank dispute"}"#).unwrap();
        assert_eq!((freeze.refill_price, freeze.refill_frozen), (None, Some(true)));
    }

    fn config(freeze: Option<RefillFreeze>) -> ProgramConfig {
        ProgramConfig { refill_price: UsdCents(100), version: 4, updated_at: None, updated_by: None, freeze }
    }

    #[test]
    fn a_freeze_records_who_when_why_once_and_keeps_the_price() {
        let freeze = update(r#"{"refillFrozen":true,"reason":"rank dispute"}"#).unwrap();
        let open = config(None);
        let frozen = freeze.apply(&open, "admin-a", "2026-03-10T12:00:00Z");
        let first =
            RefillFreeze { at: "2026-03-10T12:00:00Z".into(), by: "admin-a".into(), reason: "rank dispute".into() };
        assert_eq!(
            (frozen.refill_price, frozen.version, frozen.freeze.clone()),
            (UsdCents(100), 5, Some(first.clone()))
        );
        assert!(!freeze.is_noop(&open));
        // Freezing again changes nothing: the first freeze is kept.
        assert!(freeze.is_noop(&frozen));
        assert_eq!(freeze.apply(&frozen, "admin-b", "2026-03-11T00:00:00Z").freeze, Some(first));
        // A price change alone leaves the freeze in place; an unfreeze lifts it.
        let price = update(r#"{"refillPriceUsd":5}"#).unwrap();
        assert!(price.apply(&frozen, "a", "t").freeze.is_some());
        let unfreeze = update(r#"{"refillFrozen":false,"reason":"fixed"}"#).unwrap();
        assert_eq!(unfreeze.apply(&frozen, "a", "t").freeze, None);
        assert!(unfreeze.is_noop(&open));
    }

    #[test]
    fn open_seats_never_underflow() {
        assert_eq!(SeatStats { active_seats: 37, pending_refunds: 0 }.open_seats(), 63);
        assert_eq!(SeatStats { active_seats: 250, pending_refunds: 0 }.open_seats(), 0);
    }
}
