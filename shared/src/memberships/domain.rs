//! Membership types, free of I/O.

use serde::{Deserialize, Serialize};

/// A customer's membership, as the latest subscription event left it.
/// `status` is Paddle's own vocabulary (`active`, `trialing`, `past_due`,
/// `paused`, `canceled`), stored verbatim: Paddle may add statuses, and a
/// new one must not make its event fail.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Membership {
    pub status: String,
    pub subscription_id: String,
    /// Normalised `occurred_at` of that event (comparable as text).
    pub last_event_at: String,
    pub last_event_id: String,
}

/// What a subscription event says about a customer's membership.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MembershipChange {
    pub customer_id: String,
    pub subscription_id: String,
    pub status: String,
    pub occurred_at: String,
    pub event_id: String,
}
