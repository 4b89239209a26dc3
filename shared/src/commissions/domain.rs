//! Commission rules and types, free of I/O.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CommissionKind {
    Credit,
    Reversal,
}

impl CommissionKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            CommissionKind::Credit => "CREDIT",
            CommissionKind::Reversal => "REVERSAL",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CommissionEntry {
    pub transaction_id: String,
    pub partner_wallet: String,
    pub kind: CommissionKind,
    /// Signed minor units: a reversal is negative.
    pub amount_minor: i64,
    pub currency: String,
    pub occurred_at: String,
    pub event_id: String,
}

/// A sale that earns its partner a commission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sale {
    pub transaction_id: String,
    pub partner_wallet: String,
    pub total_minor: u64,
    pub currency: String,
    pub occurred_at: String,
    pub event_id: String,
}

/// Commission in minor units, rounded down: `total × bps / 10000`.
pub fn commission(total_minor: u64, bps: u64) -> u64 {
    ((total_minor as u128 * bps as u128) / 10_000) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commission_rounds_down_without_overflow() {
        assert_eq!(commission(12345, 1000), 1234);
        assert_eq!(commission(u64::MAX, 10_000), u64::MAX);
        assert_eq!(commission(99, 100), 0);
    }
}
