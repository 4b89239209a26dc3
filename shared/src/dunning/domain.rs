//! Dunning rules, free of I/O.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DunningStatus {
    /// A payment failed; nobody has acted on it yet.
    Open,
    /// A `DunningNoticeDue` event went out for it.
    Notified,
    /// Nothing to chase: the payment recovered or the subscription ended.
    Resolved,
}

impl DunningStatus {
    pub fn as_str(&self) -> &'static str {
        match self {
            DunningStatus::Open => "OPEN",
            DunningStatus::Notified => "NOTIFIED",
            DunningStatus::Resolved => "RESOLVED",
        }
    }
}

/// A failed payment to chase: one per `transaction.payment_failed` event.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DunningRecord {
    pub customer_id: String,
    pub transaction_id: String,
    /// When the payment failed (the event's normalised `occurred_at`).
    pub occurred_at: String,
    /// The `transaction.payment_failed` event: the record's id, and the key
    /// a notice's consumer dedupes on.
    pub event_id: String,
    pub status: DunningStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolution: Option<String>,
}

impl DunningRecord {
    /// A new OPEN record for a payment that failed.
    pub fn open(customer_id: String, transaction_id: String, occurred_at: String, event_id: String) -> Self {
        Self {
            customer_id,
            transaction_id,
            occurred_at,
            event_id,
            status: DunningStatus::Open,
            closed_at: None,
            resolution: None,
        }
    }
}

/// The customer's membership as the latest subscription event left it.
#[derive(Debug, Clone, Copy)]
pub struct MembershipState<'a> {
    pub status: &'a str,
    /// Normalised `occurred_at` of that event (comparable as text).
    pub last_event_at: &'a str,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Remind the customer (an event on the bus).
    Notify,
    /// Close without a reminder, for this reason.
    Resolve(&'static str),
}

/// What to do about a payment that failed at `failed_at`. Only a
/// subscription event *after* the failure can settle it: an older one says
/// nothing about whether the customer has paid since.
pub fn decide(failed_at: &str, membership: Option<MembershipState<'_>>) -> Decision {
    match membership {
        Some(m) if m.last_event_at > failed_at => match m.status {
            "active" | "trialing" => Decision::Resolve("payment recovered: the subscription is active again"),
            "canceled" => Decision::Resolve("subscription canceled: nothing left to collect"),
            "paused" => Decision::Resolve("subscription paused: no payment is due"),
            _ => Decision::Notify,
        },
        _ => Decision::Notify,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FAILED: &str = "2026-03-10T12:00:00.000000Z";
    const BEFORE: &str = "2026-03-10T11:59:59.999999Z";
    const AFTER: &str = "2026-03-10T12:00:00.000001Z";

    fn m<'a>(status: &'a str, at: &'a str) -> Option<MembershipState<'a>> {
        Some(MembershipState { status, last_event_at: at })
    }

    #[test]
    fn a_later_subscription_event_settles_the_failure() {
        assert!(matches!(decide(FAILED, m("active", AFTER)), Decision::Resolve(r) if r.contains("recovered")));
        assert!(matches!(decide(FAILED, m("trialing", AFTER)), Decision::Resolve(_)));
        assert!(matches!(decide(FAILED, m("canceled", AFTER)), Decision::Resolve(r) if r.contains("canceled")));
        assert!(matches!(decide(FAILED, m("paused", AFTER)), Decision::Resolve(_)));
        assert_eq!(decide(FAILED, m("past_due", AFTER)), Decision::Notify);
    }

    #[test]
    fn an_earlier_or_simultaneous_event_or_none_means_a_reminder() {
        for status in ["active", "canceled", "past_due", "paused", "trialing"] {
            assert_eq!(decide(FAILED, m(status, BEFORE)), Decision::Notify, "{status}");
            assert_eq!(decide(FAILED, m(status, FAILED)), Decision::Notify, "{status}");
        }
        assert_eq!(decide(FAILED, None), Decision::Notify);
    }
}
