//! Pure webhook rules: the `Paddle-Signature` check, the event envelope,
//! what each event type means, the stored event and its status.

use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::platform::error::AppError;

/// Where a recorded event is in its processing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WebhookStatus {
    /// Verified and recorded; queued or about to be.
    Received,
    /// Every effect applied.
    Processed,
    /// The last attempt failed; SQS retries it (then the dead-letter queue).
    Error,
}

impl WebhookStatus {
    pub fn as_str(&self) -> &'static str {
        match self {
            WebhookStatus::Received => "received",
            WebhookStatus::Processed => "processed",
            WebhookStatus::Error => "error",
        }
    }

    pub fn parse(text: &str) -> Result<Self, AppError> {
        match text.to_ascii_lowercase().as_str() {
            "received" => Ok(WebhookStatus::Received),
            "processed" => Ok(WebhookStatus::Processed),
            "error" => Ok(WebhookStatus::Error),
            _ => Err(AppError::bad_request("INVALID_STATUS", "status must be received, processed or error")),
        }
    }
}

/// Compares with the wire name (`"processed"`), as operators and tests read it.
impl PartialEq<&str> for WebhookStatus {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// A Paddle event as recorded.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StoredEvent {
    pub event_id: String,
    pub event_type: String,
    pub occurred_at: String,
    pub received_at: String,
    pub status: WebhookStatus,
    /// The raw body as received (it was signed byte for byte).
    pub payload: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queued_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub processed_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(default)]
    pub attempts: u32,
}

type HmacSha256 = Hmac<Sha256>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureError {
    Missing,
    Malformed,
    /// `ts` is outside the tolerance, in either direction.
    Stale,
    /// No `h1` matches any configured secret.
    Mismatch,
}

impl SignatureError {
    pub fn reason(&self) -> &'static str {
        match self {
            SignatureError::Missing => "missing Paddle-Signature header",
            SignatureError::Malformed => "malformed Paddle-Signature header",
            SignatureError::Stale => "signature timestamp outside tolerance",
            SignatureError::Mismatch => "signature does not match",
        }
    }
}

/// `ts=1671552777;h1=<hex>[;h1=<hex>...]`.
pub fn parse_signature_header(header: &str) -> Result<(i64, Vec<Vec<u8>>), SignatureError> {
    let mut ts = None;
    let mut h1 = Vec::new();
    for part in header.split(';') {
        let (k, v) = part.trim().split_once('=').ok_or(SignatureError::Malformed)?;
        match k {
            "ts" => ts = Some(v.parse::<i64>().map_err(|_| SignatureError::Malformed)?),
            "h1" => h1.push(hex::decode(v).map_err(|_| SignatureError::Malformed)?),
            _ => {} // unknown schemes are ignored, as Paddle advises
        }
    }
    match (ts, h1.is_empty()) {
        (Some(ts), false) => Ok((ts, h1)),
        _ => Err(SignatureError::Malformed),
    }
}

/// Verifies `Paddle-Signature` over the raw body: HMAC-SHA256 of
/// `"{ts}:{body}"` with each secret (current and previous), compared in
/// constant time against every `h1`.
pub fn verify_signature(
    header: Option<&str>,
    raw_body: &[u8],
    secrets: &[String],
    now: i64,
    tolerance_secs: i64,
) -> Result<(), SignatureError> {
    let header = header.ok_or(SignatureError::Missing)?;
    let (ts, candidates) = parse_signature_header(header)?;
    // `abs_diff`: `ts` is the sender's, and `now - ts` overflows on extremes.
    if now.abs_diff(ts) > tolerance_secs.unsigned_abs() {
        return Err(SignatureError::Stale);
    }
    for secret in secrets {
        // One MAC over the body per secret; each candidate checks a copy.
        let expected = mac(secret, ts, raw_body);
        if candidates.iter().any(|candidate| expected.clone().verify_slice(candidate).is_ok()) {
            return Ok(());
        }
    }
    Err(SignatureError::Mismatch)
}

/// HMAC-SHA256 of `"{ts}:{raw body}"`, as Paddle computes it.
fn mac(secret: &str, ts: i64, raw_body: &[u8]) -> HmacSha256 {
    let mut mac = HmacSha256::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(format!("{ts}:").as_bytes());
    mac.update(raw_body);
    mac
}

/// The `h1` Paddle would send; for tests and local tooling.
pub fn sign(secret: &str, ts: i64, raw_body: &[u8]) -> String {
    hex::encode(mac(secret, ts, raw_body).finalize().into_bytes())
}

/// The parts of Paddle's envelope we rely on.
#[derive(Debug, Clone, Deserialize)]
pub struct Envelope {
    pub event_id: String,
    pub event_type: String,
    /// After [`Envelope::parse`]: UTC with six fractional digits, so that
    /// comparing two of them as strings (DynamoDB conditions do) compares
    /// them in time.
    pub occurred_at: String,
    pub data: serde_json::Value,
}

impl Envelope {
    /// Reads an event body and normalises `occurred_at`. Paddle sends RFC
    /// 3339 with microseconds, but nothing promises every event the same
    /// precision or offset, and `"…:49Z"` sorts after `"…:49.5Z"` as text.
    pub fn parse(raw: &[u8]) -> Result<Envelope, String> {
        let mut envelope: Envelope =
            serde_json::from_slice(raw).map_err(|e| format!("not a Paddle event envelope: {e}"))?;
        if envelope.event_id.is_empty() || envelope.event_id.len() > 100 {
            return Err("event_id must be 1 to 100 characters".into());
        }
        envelope.occurred_at = normalize_instant(&envelope.occurred_at)?;
        Ok(envelope)
    }
}

/// An RFC 3339 instant as `YYYY-MM-DDTHH:MM:SS.ffffffZ` (UTC, fixed width).
pub fn normalize_instant(text: &str) -> Result<String, String> {
    use time::format_description::well_known::Rfc3339;
    let format =
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z");
    time::OffsetDateTime::parse(text, &Rfc3339)
        .ok()
        .and_then(|t| t.to_offset(time::UtcOffset::UTC).format(&format).ok())
        .ok_or_else(|| format!("occurred_at {text:?} is not an RFC 3339 instant"))
}

/// What an event asks of us, decided from its type and data alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    Membership {
        customer_id: String,
        subscription_id: String,
        status: String,
    },
    Commission {
        transaction_id: String,
        partner_wallet: String,
        total_minor: u64,
        currency: String,
    },
    Dunning {
        customer_id: String,
        transaction_id: String,
    },
    ReverseCommission {
        transaction_id: String,
        adjustment_id: String,
        refunded_minor: u64,
    },
    /// Recorded and acknowledged; nothing to apply.
    Ignore,
}

fn text(v: &serde_json::Value, path: &[&str]) -> Option<String> {
    let mut cur = v;
    for p in path {
        cur = cur.get(p)?;
    }
    cur.as_str().map(String::from)
}

/// Interprets an event. `Err` means the event is malformed for its type
/// (it will fail and end in the dead-letter queue).
pub fn effect_of(e: &Envelope) -> Result<Effect, String> {
    let need =
        |path: &[&str]| text(&e.data, path).ok_or_else(|| format!("{} without data.{}", e.event_type, path.join(".")));
    Ok(match e.event_type.as_str() {
        "subscription.created" | "subscription.updated" | "subscription.canceled" | "subscription.past_due" => {
            Effect::Membership {
                customer_id: need(&["customer_id"])?,
                subscription_id: need(&["id"])?,
                status: need(&["status"])?,
            }
        }
        "transaction.completed" => match text(&e.data, &["custom_data", "partner_wallet"]) {
            None => Effect::Ignore,
            Some(partner_wallet) => {
                let total = need(&["details", "totals", "grand_total"])?;
                Effect::Commission {
                    transaction_id: need(&["id"])?,
                    partner_wallet,
                    total_minor: total.parse().map_err(|_| format!("grand_total {total:?} is not minor units"))?,
                    currency: need(&["currency_code"])?,
                }
            }
        },
        "transaction.payment_failed" => {
            Effect::Dunning { customer_id: need(&["customer_id"])?, transaction_id: need(&["id"])? }
        }
        "adjustment.created" | "adjustment.updated" => {
            // Only money that went back counts: an approved refund or a
            // chargeback. Pending, rejected and reversed adjustments, credits
            // and chargeback warnings take nothing back.
            let action = text(&e.data, &["action"]).unwrap_or_default();
            let approved = text(&e.data, &["status"]).as_deref() == Some("approved");
            if approved && (action == "refund" || action == "chargeback") {
                let total = need(&["totals", "total"])?;
                Effect::ReverseCommission {
                    transaction_id: need(&["transaction_id"])?,
                    adjustment_id: need(&["id"])?,
                    refunded_minor: total.parse().map_err(|_| format!("totals.total {total:?} is not minor units"))?,
                }
            } else {
                Effect::Ignore
            }
        }
        _ => Effect::Ignore,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const BODY: &[u8] = br#"{"event_id":"evt_1","event_type":"transaction.completed"}"#;

    #[test]
    fn accepts_a_valid_signature_with_current_or_previous_secret() {
        let header = format!("ts=1000;h1={}", sign("new", 1000, BODY));
        assert_eq!(verify_signature(Some(&header), BODY, &["new".into()], 1000, 5), Ok(()));
        let old = format!("ts=1000;h1={}", sign("old", 1000, BODY));
        assert_eq!(verify_signature(Some(&old), BODY, &["new".into(), "old".into()], 1003, 5), Ok(()));
        assert_eq!(verify_signature(Some(&old), BODY, &["new".into()], 1000, 5), Err(SignatureError::Mismatch));
    }

    #[test]
    fn signs_as_an_independent_hmac_implementation_does() {
        // Python: hmac.new(secret, b'1671552777:' + body, hashlib.sha256).hexdigest()
        let body = br#"{"event_id":"evt_1"}"#;
        assert_eq!(
            sign("pdl_ntfset_local_secret", 1671552777, body),
            "a5406b7608a738691f1da909621b40bfbc226d8a9dda87f5c585b1e9757bd321"
        );
    }

    #[test]
    fn accepts_any_of_several_h1() {
        let header = format!("ts=1000;h1={};h1={}", "00".repeat(32), sign("s", 1000, BODY));
        assert_eq!(verify_signature(Some(&header), BODY, &["s".into()], 1000, 5), Ok(()));
    }

    #[test]
    fn refuses_tampering_staleness_and_junk() {
        let header = format!("ts=1000;h1={}", sign("s", 1000, BODY));
        let secrets = ["s".to_string()];
        assert_eq!(verify_signature(Some(&header), b"{}", &secrets, 1000, 5), Err(SignatureError::Mismatch));
        assert_eq!(verify_signature(Some(&header), BODY, &secrets, 1006, 5), Err(SignatureError::Stale));
        assert_eq!(verify_signature(Some(&header), BODY, &secrets, 994, 5), Err(SignatureError::Stale));
        assert_eq!(verify_signature(Some(&header), BODY, &secrets, 1005, 5), Ok(()));
        assert_eq!(verify_signature(None, BODY, &secrets, 1000, 5), Err(SignatureError::Missing));
        for junk in ["", "ts=abc;h1=00", "ts=1000", "h1=00", "ts=1000;h1=zz", "garbage"] {
            assert_eq!(verify_signature(Some(junk), BODY, &secrets, 1000, 5), Err(SignatureError::Malformed), "{junk}");
        }
        // The signature covers the timestamp too.
        let moved = header.replace("ts=1000", "ts=1001");
        assert_eq!(verify_signature(Some(&moved), BODY, &secrets, 1000, 5), Err(SignatureError::Mismatch));
        assert_eq!(verify_signature(Some(&header), BODY, &[], 1000, 5), Err(SignatureError::Mismatch));
    }

    fn env(t: &str, data: serde_json::Value) -> Envelope {
        Envelope { event_id: "evt".into(), event_type: t.into(), occurred_at: "2026-03-01T00:00:00Z".into(), data }
    }

    #[test]
    fn effects_by_type() {
        use serde_json::json;
        assert_eq!(
            effect_of(&env("subscription.past_due", json!({"id":"sub_1","customer_id":"ctm_1","status":"past_due"})))
                .unwrap(),
            Effect::Membership {
                customer_id: "ctm_1".into(),
                subscription_id: "sub_1".into(),
                status: "past_due".into()
            }
        );
        let txn = json!({"id":"txn_1","currency_code":"USD","custom_data":{"partner_wallet":"W"},"details":{"totals":{"grand_total":"12345"}}});
        assert_eq!(
            effect_of(&env("transaction.completed", txn)).unwrap(),
            Effect::Commission {
                transaction_id: "txn_1".into(),
                partner_wallet: "W".into(),
                total_minor: 12345,
                currency: "USD".into()
            }
        );
        assert_eq!(
            effect_of(&env("transaction.completed", json!({"id":"txn_2","custom_data":null}))).unwrap(),
            Effect::Ignore
        );
        assert!(effect_of(&env("transaction.completed", json!({"id":"t","currency_code":"USD","custom_data":{"partner_wallet":"W"},"details":{"totals":{"grand_total":"12.5"}}}))).is_err());
        assert_eq!(
            effect_of(&env("adjustment.created", json!({"id":"adj_1","action":"refund","status":"approved","transaction_id":"txn_1","totals":{"total":"1250"}}))).unwrap(),
            Effect::ReverseCommission { transaction_id: "txn_1".into(), adjustment_id: "adj_1".into(), refunded_minor: 1250 }
        );
        assert_eq!(
            effect_of(&env("adjustment.created", json!({"id":"adj_2","action":"chargeback","status":"approved","transaction_id":"txn_1","totals":{"total":"99"}}))).unwrap(),
            Effect::ReverseCommission { transaction_id: "txn_1".into(), adjustment_id: "adj_2".into(), refunded_minor: 99 }
        );
        for (action, status) in
            [("refund", "reversed"), ("refund", "rejected"), ("chargeback_warning", "approved"), ("credit", "approved")]
        {
            let data = json!({"id":"a","action":action,"status":status,"transaction_id":"t","totals":{"total":"1"}});
            assert_eq!(effect_of(&env("adjustment.updated", data)).unwrap(), Effect::Ignore, "{action} {status}");
        }
        assert!(
            effect_of(&env(
                "adjustment.created",
                json!({"id":"a","action":"refund","status":"approved","transaction_id":"t"})
            ))
            .is_err(),
            "no totals"
        );
        assert_eq!(
            effect_of(&env(
                "adjustment.created",
                json!({"id":"adj_1","action":"refund","status":"pending_approval","transaction_id":"t"})
            ))
            .unwrap(),
            Effect::Ignore
        );
        assert_eq!(
            effect_of(&env("adjustment.created", json!({"id":"adj_1","action":"credit","transaction_id":"t"})))
                .unwrap(),
            Effect::Ignore
        );
        assert_eq!(effect_of(&env("customer.updated", json!({}))).unwrap(), Effect::Ignore);
        assert!(effect_of(&env("subscription.updated", json!({"id":"sub_1"}))).is_err());
    }

    #[test]
    fn instants_are_normalised_so_text_order_is_time_order() {
        assert_eq!(normalize_instant("2026-03-10T11:59:49Z").unwrap(), "2026-03-10T11:59:49.000000Z");
        assert_eq!(normalize_instant("2026-03-10T13:59:49.5+02:00").unwrap(), "2026-03-10T11:59:49.500000Z");
        assert_eq!(normalize_instant("2026-03-10T11:59:49.621022Z").unwrap(), "2026-03-10T11:59:49.621022Z");
        // As sent, the first sorts after the second; normalised, before.
        assert!("2026-03-10T11:59:49Z" > "2026-03-10T11:59:49.5Z");
        assert!(
            normalize_instant("2026-03-10T11:59:49Z").unwrap() < normalize_instant("2026-03-10T11:59:49.5Z").unwrap()
        );
        for junk in ["", "yesterday", "2026-03-10", "2026-03-10T11:59:49", "2026-13-10T11:59:49Z"] {
            assert!(normalize_instant(junk).is_err(), "{junk}");
        }
    }

    #[test]
    fn an_envelope_needs_an_event_id_and_an_instant() {
        let ok =
            Envelope::parse(br#"{"event_id":"evt_1","event_type":"x","occurred_at":"2026-03-10T11:59:49Z","data":{}}"#)
                .unwrap();
        assert_eq!(ok.occurred_at, "2026-03-10T11:59:49.000000Z");
        assert!(Envelope::parse(br#"{"event_id":"","event_type":"x","occurred_at":"2026-03-10T11:59:49Z","data":{}}"#)
            .is_err());
        assert!(Envelope::parse(br#"{"event_id":"e","event_type":"x","occurred_at":"soon","data":{}}"#).is_err());
        assert!(Envelope::parse(br#"{"event_id":"e"}"#).is_err());
    }

    proptest::proptest! {
        #[test]
        fn any_timestamp_in_the_header_is_judged_never_a_panic(ts in proptest::prelude::any::<i64>(), now in proptest::prelude::any::<i64>()) {
            let header = format!("ts={ts};h1={}", sign("s", ts, BODY));
            let inside = (now as i128 - ts as i128).abs() <= 5;
            let expected = if inside { Ok(()) } else { Err(SignatureError::Stale) };
            proptest::prop_assert_eq!(verify_signature(Some(&header), BODY, &["s".into()], now, 5), expected);
        }
    }
}
