//! Seat rules and types, free of I/O.

use serde::{Deserialize, Serialize};

use crate::platform::error::AppError;

/// A Solana wallet address: base58 of a 32-byte ed25519 public key.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct Wallet(String);

impl Wallet {
    pub fn parse(text: &str) -> Result<Self, AppError> {
        let invalid =
            || AppError::bad_request("INVALID_WALLET", "wallet must be a base58 Solana address (32-byte public key)");
        if text.len() > 44 {
            return Err(invalid());
        }
        let bytes = bs58::decode(text).into_vec().map_err(|_| invalid())?;
        if bytes.len() != 32 {
            return Err(invalid());
        }
        Ok(Wallet(text.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn public_key_bytes(&self) -> [u8; 32] {
        let mut out = [0u8; 32];
        // Checked in `parse`.
        out.copy_from_slice(&bs58::decode(&self.0).into_vec().expect("validated base58"));
        out
    }
}

impl std::fmt::Display for Wallet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SeatStatus {
    Active,
    Eliminated,
}

impl SeatStatus {
    pub fn as_str(&self) -> &'static str {
        match self {
            SeatStatus::Active => "ACTIVE",
            SeatStatus::Eliminated => "ELIMINATED",
        }
    }

    pub fn parse(text: &str) -> Result<Self, AppError> {
        match text.to_ascii_uppercase().as_str() {
            "ACTIVE" => Ok(SeatStatus::Active),
            "ELIMINATED" => Ok(SeatStatus::Eliminated),
            _ => Err(AppError::bad_request("INVALID_STATUS", "status must be ACTIVE or ELIMINATED")),
        }
    }
}

/// A seat as stored and as returned by the API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Seat {
    pub seat_id: String,
    pub wallet: String,
    pub status: SeatStatus,
    /// What was paid for the seat, in cents; the refund pays it back.
    pub price_paid_cents: u64,
    pub joined_at: String,
    /// Who allocated it: an admin wallet, or `payment:<intent>` later.
    pub allocated_by: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eliminated_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eliminated_month: Option<String>,
}

/// The body of `POST /api/partners/seats`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct AllocateRequest {
    pub wallet: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wallets_must_be_32_byte_base58() {
        let key = bs58::encode([7u8; 32]).into_string();
        assert_eq!(Wallet::parse(&key).unwrap().public_key_bytes(), [7u8; 32]);
        for bad in ["", "0OIl", "abc", &bs58::encode([1u8; 31]).into_string(), &"1".repeat(60)] {
            assert_eq!(Wallet::parse(bad).unwrap_err().code, "INVALID_WALLET", "{bad}");
        }
    }

    #[test]
    fn status_parses_case_insensitively() {
        assert_eq!(SeatStatus::parse("active").unwrap(), SeatStatus::Active);
        assert_eq!(SeatStatus::parse("ELIMINATED").unwrap(), SeatStatus::Eliminated);
        assert_eq!(SeatStatus::parse("gone").unwrap_err().code, "INVALID_STATUS");
    }
}
