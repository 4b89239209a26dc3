//! Program rules: the cap is fixed by policy, the refill price is the one
//! operational knob, and open seats are what the cap leaves free.

use serde::Deserialize;

use super::money::{MoneyError, UsdCents};
use crate::platform::error::AppError;

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
    pub reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigUpdate {
    pub refill_price: UsdCents,
    pub reason: Option<String>,
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
        let raw = self.refill_price_usd.ok_or_else(|| {
            AppError::bad_request("MISSING_FIELD", "refillPriceUsd is required (the only configurable setting)")
        })?;
        let refill_price = parse_price(raw.get())?;
        let reason = match self.reason {
            Some(r) if r.chars().count() > 500 => {
                return Err(AppError::bad_request("INVALID_REASON", "reason must be at most 500 characters"))
            }
            Some(r) if r.trim().is_empty() => None,
            other => other,
        };
        Ok(ConfigUpdate { refill_price, reason })
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
        assert_eq!(update(r#"{"refillPriceUsd":1500}"#).unwrap().refill_price, UsdCents(150_000));
        assert_eq!(update(r#"{"refillPriceUsd":1500.25}"#).unwrap().refill_price, UsdCents(150_025));
        assert_eq!(update(r#"{"refillPriceUsd":"99.9"}"#).unwrap().refill_price, UsdCents(9_990));
        assert_eq!(update(r#"{"refillPriceUsd":10,"maxSeats":100}"#).unwrap().refill_price, UsdCents(1_000));
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
    fn open_seats_never_underflow() {
        assert_eq!(SeatStats { active_seats: 37, pending_refunds: 0 }.open_seats(), 63);
        assert_eq!(SeatStats { active_seats: 250, pending_refunds: 0 }.open_seats(), 0);
    }
}
