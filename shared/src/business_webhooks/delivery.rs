//! One event's delivery to one endpoint, its attempts and when to try
//! again; the body and the Standard Webhooks signatures it is sent with.
//! Free of I/O.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use time::OffsetDateTime;

use super::domain::Endpoint;
use crate::platform::clock::rfc3339;

/// Seconds to wait after the n-th failed attempt: about three days in all
/// (5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h), then it fails.
pub const RETRY_AFTER_SECS: &[i64] = &[5, 300, 1_800, 7_200, 18_000, 36_000, 50_400, 72_000, 86_400];

/// Attempts a delivery keeps in its log.
const KEPT_ATTEMPTS: usize = 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DeliveryStatus {
    /// Not delivered yet: waiting for its next attempt.
    Pending,
    Succeeded,
    /// Every attempt of the schedule failed.
    Failed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Attempt {
    pub at: String,
    /// The receiver's HTTP status, when it answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_code: Option<u16>,
    /// Why it failed without an answer (refused address, timeout, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl Attempt {
    pub fn succeeded(&self) -> bool {
        self.status_code.is_some_and(|c| (200..300).contains(&c))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Delivery {
    /// `<occurredAt>#<eventId>`: one per event and endpoint.
    pub delivery_id: String,
    pub endpoint_id: String,
    pub business_id: String,
    /// The `webhook-id` header: the event's id, the same on every attempt.
    pub message_id: String,
    pub event_type: String,
    /// The body sent, as text (signed as is).
    pub body: String,
    pub status: DeliveryStatus,
    #[serde(default)]
    pub attempts: Vec<Attempt>,
    /// How many attempts were made (the log keeps the last 20).
    #[serde(default)]
    pub attempt_count: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_attempt_at: Option<String>,
    pub created_at: String,
    #[serde(default)]
    pub revision: u64,
}

/// The body of a delivery: Standard Webhooks' `type`, `timestamp` and
/// `data` (the event's detail, as the contract describes it).
pub fn body(event_type: &str, occurred_at: &str, detail: &Value) -> String {
    json!({ "type": event_type, "timestamp": occurred_at, "data": detail }).to_string()
}

/// A new delivery of an event to an endpoint, to be tried now.
pub fn new(
    endpoint: &Endpoint,
    event_id: &str,
    event_type: &str,
    occurred_at: &str,
    detail: &Value,
    now: OffsetDateTime,
) -> Delivery {
    Delivery {
        delivery_id: format!("{occurred_at}#{event_id}"),
        endpoint_id: endpoint.endpoint_id.clone(),
        business_id: endpoint.business_id.clone(),
        message_id: format!("msg_{event_id}"),
        event_type: event_type.into(),
        body: body(event_type, occurred_at, detail),
        status: DeliveryStatus::Pending,
        attempts: Vec::new(),
        attempt_count: 0,
        next_attempt_at: Some(rfc3339(now)),
        created_at: rfc3339(now),
        revision: 0,
    }
}

/// The delivery after `attempt`: succeeded, waiting for the next try, or
/// failed once the schedule is spent.
pub fn after_attempt(d: &Delivery, attempt: Attempt, now: OffsetDateTime) -> Delivery {
    let mut next = d.clone();
    next.attempt_count = d.attempt_count.saturating_add(1);
    let ok = attempt.succeeded();
    next.attempts.push(attempt);
    let excess = next.attempts.len().saturating_sub(KEPT_ATTEMPTS);
    next.attempts.drain(..excess);
    if ok {
        (next.status, next.next_attempt_at) = (DeliveryStatus::Succeeded, None);
    } else {
        match RETRY_AFTER_SECS.get(d.attempt_count as usize) {
            Some(wait) => next.next_attempt_at = Some(rfc3339(now + time::Duration::seconds(*wait))),
            None => (next.status, next.next_attempt_at) = (DeliveryStatus::Failed, None),
        }
    }
    next
}

/// The `webhook-signature` header: the current secret's signature, and the
/// rotated-out one's while it is still valid (space-separated, as Standard
/// Webhooks allows).
pub fn signatures(
    endpoint: &Endpoint,
    message_id: &str,
    timestamp: i64,
    body: &str,
    now: OffsetDateTime,
) -> Option<String> {
    let sign =
        |secret: &str| standardwebhooks::Webhook::new(secret).ok()?.sign(message_id, timestamp, body.as_bytes()).ok();
    let mut out = vec![sign(&endpoint.secret)?];
    if let Some(previous) = &endpoint.previous_secret {
        if rfc3339(now) < previous.expires_at {
            out.extend(sign(&previous.secret));
        }
    }
    Some(out.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::business_webhooks::domain::{secret_from, EndpointStatus, PreviousSecret};
    use time::macros::datetime;

    fn endpoint() -> Endpoint {
        Endpoint {
            endpoint_id: "ep_1".into(),
            business_id: "b".into(),
            url: "https://x.example/".into(),
            description: String::new(),
            event_types: vec!["*".into()],
            status: EndpointStatus::Enabled,
            disabled_reason: None,
            secret: secret_from(&[1; 24]),
            previous_secret: None,
            created_at: String::new(),
            updated_at: String::new(),
            revision: 0,
        }
    }

    #[test]
    fn retries_follow_the_schedule_for_about_three_days_then_fail() {
        let now = datetime!(2026-03-10 12:00 UTC);
        let mut d = new(&endpoint(), "e1", "partner.settlement.processed", "2026-03-10T11:59:00Z", &json!({}), now);
        let mut at = now;
        for wait in RETRY_AFTER_SECS {
            d = after_attempt(&d, Attempt { at: rfc3339(at), status_code: Some(500), error: None }, at);
            at += time::Duration::seconds(*wait);
            assert_eq!((d.status, d.next_attempt_at.clone()), (DeliveryStatus::Pending, Some(rfc3339(at))));
        }
        let total: i64 = RETRY_AFTER_SECS.iter().sum();
        assert!((3 * 86_400..4 * 86_400).contains(&total), "{total}");
        d = after_attempt(&d, Attempt { at: rfc3339(at), status_code: None, error: Some("timeout".into()) }, at);
        assert_eq!((d.status, d.next_attempt_at.clone(), d.attempt_count), (DeliveryStatus::Failed, None, 10));
        let ok = after_attempt(
            &new(&endpoint(), "e2", "t", "x", &json!({}), now),
            Attempt { at: String::new(), status_code: Some(204), error: None },
            now,
        );
        assert_eq!((ok.status, ok.next_attempt_at), (DeliveryStatus::Succeeded, None));
    }

    #[test]
    fn both_secrets_sign_during_the_grace_and_the_receiver_verifies_either() {
        let mut e = endpoint();
        let old = e.secret.clone();
        e.previous_secret = Some(PreviousSecret { secret: old.clone(), expires_at: "2026-03-11T12:00:00Z".into() });
        e.secret = secret_from(&[2; 24]);
        let header = signatures(&e, "msg_e1", 1_773_144_000, "{}", datetime!(2026-03-10 12:00 UTC)).unwrap();
        let expected = |secret: &str| {
            standardwebhooks::Webhook::new(secret).unwrap().sign("msg_e1", 1_773_144_000, b"{}").unwrap()
        };
        assert_eq!(header, format!("{} {}", expected(&e.secret), expected(&old)));
        let after_grace = signatures(&e, "msg_e1", 1_773_144_000, "{}", datetime!(2026-03-11 12:00 UTC)).unwrap();
        assert_eq!(after_grace, expected(&e.secret));
    }
}
