//! Business metrics as CloudWatch Embedded Metric Format lines, following
//! the Powertools conventions: namespace `PartnerProgram`, one dimension
//! `service` (the function), and one metric set per invocation, printed as
//! a single JSON line when the invocation ends. CloudWatch turns the line
//! into metrics with no API call on the request path; the alarms in
//! `infra/template.yaml` watch them.
//!
//! Code anywhere below a handler adds to the current invocation's set with
//! `count` or `gauge`; outside an invocation (tests, tools) it is a no-op.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::{Arc, Mutex};

use serde_json::{json, Map, Value};

pub const NAMESPACE: &str = "PartnerProgram";

/// The metrics operators watch, by name: one place, so the template's
/// alarms and dashboard and the code agree.
pub mod names {
    pub const SEATS_ACTIVE: &str = "SeatsActive";
    pub const SEATS_OPEN: &str = "SeatsOpen";
    pub const ELIMINATIONS: &str = "Eliminations";
    pub const REFUNDS_PENDING: &str = "RefundsPending";
    pub const REFUNDS_OVERDUE: &str = "RefundsOverdue";
    pub const PAYOUTS_FAILED: &str = "PayoutsFailed";
    pub const WEBHOOK_EVENTS_RECEIVED: &str = "WebhookEventsReceived";
    pub const WEBHOOK_EVENTS_DUPLICATE: &str = "WebhookEventsDuplicate";
    pub const WEBHOOK_EVENTS_FAILED: &str = "WebhookEventsFailed";
    pub const WEBHOOK_INVALID_SIGNATURES: &str = "WebhookInvalidSignatures";
    pub const CREDITS_GRANTED: &str = "CreditsGranted";
    pub const CREDITS_REVERSED: &str = "CreditsReversed";
    pub const RECONCILIATION_DRIFT: &str = "ReconciliationDrift";
    pub const PARTNER_TRANSACTIONS: &str = "PartnerTransactionsRecorded";
    pub const SETTLEMENTS_CALCULATED: &str = "SettlementsCalculated";
    pub const SETTLEMENTS_DISPUTED: &str = "SettlementsDisputed";
    pub const SETTLEMENTS_PROCESSED: &str = "SettlementsProcessed";
    pub const SETTLEMENT_DRIFT: &str = "SettlementDrift";
    pub const RATE_LIMITED: &str = "RateLimitedRequests";
    pub const POINTS_LIABILITY_DRIFT: &str = "PointsLiabilityDrift";
    pub const ANOMALY_FLAGS: &str = "AnomalyFlags";
    pub const SETTLEMENTS_HELD: &str = "SettlementsHeld";
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    Count,
    Gauge,
}

type Set = BTreeMap<&'static str, (Kind, f64)>;

tokio::task_local! {
    static CURRENT: Arc<Mutex<Set>>;
    /// Where `printed` keeps the lines `invocation` prints, for tests.
    static PRINTED: Arc<Mutex<Vec<String>>>;
}

fn add(name: &'static str, kind: Kind, value: f64) {
    let _ = CURRENT.try_with(|set| {
        let mut set = set.lock().unwrap_or_else(|p| p.into_inner());
        let entry = set.entry(name).or_insert((kind, 0.0));
        match kind {
            Kind::Count => entry.1 += value,
            Kind::Gauge => entry.1 = value,
        }
    });
}

/// Adds `n` to a counter of this invocation.
pub fn count(name: &'static str, n: u64) {
    add(name, Kind::Count, n as f64);
}

/// Sets a level (seats open, refunds pending) for this invocation.
pub fn gauge(name: &'static str, value: f64) {
    add(name, Kind::Gauge, value);
}

/// The EMF line of one metric set, or None when it is empty.
fn emf_line(service: &str, timestamp_ms: i64, set: &BTreeMap<&'static str, (Kind, f64)>) -> Option<String> {
    if set.is_empty() {
        return None;
    }
    let metrics: Vec<Value> = set
        .iter()
        .map(|(name, (kind, _))| json!({ "Name": name, "Unit": if *kind == Kind::Count { "Count" } else { "None" } }))
        .collect();
    let mut line = Map::new();
    line.insert("_aws".into(), json!({ "Timestamp": timestamp_ms, "CloudWatchMetrics": [{ "Namespace": NAMESPACE, "Dimensions": [["service"]], "Metrics": metrics }] }));
    line.insert("service".into(), json!(service));
    for (name, (_, value)) in set {
        line.insert((*name).into(), json!(value));
    }
    Some(Value::Object(line).to_string())
}

/// The function's name as the `service` dimension: Lambda's, else the
/// binary's.
pub fn service() -> String {
    std::env::var("AWS_LAMBDA_FUNCTION_NAME")
        .ok()
        .or_else(|| std::env::args().next().and_then(|a| a.rsplit('/').next().map(String::from)))
        .unwrap_or_else(|| "unknown".into())
}

/// Runs one invocation with a fresh metric set and prints its EMF line (on
/// stdout, where CloudWatch Logs reads it) when it ends.
pub async fn invocation<F: Future>(fut: F) -> F::Output {
    let set: Arc<Mutex<Set>> = Arc::default();
    let out = CURRENT.scope(set.clone(), fut).await;
    let set = set.lock().map(|s| s.clone()).unwrap_or_default();
    let now = time::OffsetDateTime::now_utc();
    let ms = now.unix_timestamp() * 1000 + i64::from(now.millisecond());
    if let Some(line) = emf_line(&service(), ms, &set) {
        let _ = PRINTED.try_with(|printed| printed.lock().unwrap_or_else(|p| p.into_inner()).push(line.clone()));
        println!("{line}");
    }
    out
}

/// The EMF lines the invocations inside `fut` print, in order, exactly as
/// CloudWatch Logs receives them: for tests that drive a function the way
/// its runtime does.
pub async fn printed<F: Future>(fut: F) -> (F::Output, Vec<String>) {
    let lines: Arc<Mutex<Vec<String>>> = Arc::default();
    let out = PRINTED.scope(lines.clone(), fut).await;
    let lines = lines.lock().map(|l| l.clone()).unwrap_or_default();
    (out, lines)
}

/// The set an invocation collected, for tests.
pub async fn collect<F: Future>(fut: F) -> (F::Output, BTreeMap<&'static str, f64>) {
    let set: Arc<Mutex<Set>> = Arc::default();
    let out = CURRENT.scope(set.clone(), fut).await;
    let values = set.lock().map(|s| s.iter().map(|(k, (_, v))| (*k, *v)).collect()).unwrap_or_default();
    (out, values)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn one_invocation_is_one_emf_line() {
        let ((), values) = collect(async {
            count(names::WEBHOOK_EVENTS_RECEIVED, 1);
            count(names::WEBHOOK_EVENTS_RECEIVED, 2);
            gauge(names::SEATS_OPEN, 7.0);
            gauge(names::SEATS_OPEN, 5.0);
        })
        .await;
        assert_eq!(values.get("WebhookEventsReceived"), Some(&3.0));
        assert_eq!(values.get("SeatsOpen"), Some(&5.0));
        let set: Set = BTreeMap::from([("SeatsOpen", (Kind::Gauge, 5.0)), ("PayoutsFailed", (Kind::Count, 1.0))]);
        let line: Value = serde_json::from_str(&emf_line("cron", 1_700_000_000_000, &set).unwrap()).unwrap();
        assert_eq!(line["_aws"]["CloudWatchMetrics"][0]["Namespace"], "PartnerProgram");
        assert_eq!(line["_aws"]["CloudWatchMetrics"][0]["Dimensions"], json!([["service"]]));
        assert_eq!(
            line["_aws"]["CloudWatchMetrics"][0]["Metrics"],
            json!([{ "Name": "PayoutsFailed", "Unit": "Count" }, { "Name": "SeatsOpen", "Unit": "None" }])
        );
        assert_eq!(
            (line["service"].as_str(), line["SeatsOpen"].as_f64(), line["PayoutsFailed"].as_f64()),
            (Some("cron"), Some(5.0), Some(1.0))
        );
        assert!(emf_line("cron", 0, &Set::new()).is_none());
        // Outside an invocation nothing happens (and nothing panics).
        count(names::PAYOUTS_FAILED, 1);
    }
}
