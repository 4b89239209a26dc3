//! Webhook deliveries on DynamoDB Local and moto, to receivers on loopback
//! (the local-only allowance): the spec's example reaches each party's
//! receiver once per event, signed as Standard Webhooks says (checked with
//! the `standardwebhooks` crate), and a third business's receiver gets
//! nothing; a receiver that fails five times gets the event on the sixth
//! attempt, once, on the retry schedule; an address that turned private is
//! refused at delivery, and a redirect is not followed.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use integration_tests::network::{percentage, Net};
use integration_tests::*;
use serde_json::{json, Value};
use shared::settlements::payout::ManualSettlementPayouts;
use shared::settlements::service::{self, RunReport};
use time::macros::datetime;

const PARTNER_EVENTS: &[&str] = &[
    "partner.partnership.created",
    "partner.partnership.accepted",
    "partner.partnership.activated",
    "partner.transaction.recorded",
    "partner.settlement.calculated",
];

/// A receiver that answers `status(n)` to its n-th request and keeps them.
struct Receiver {
    url: String,
    seen: Arc<Mutex<Vec<(String, String)>>>,
}

async fn receiver(status: impl Fn(usize) -> u16 + Send + Sync + 'static) -> Receiver {
    let seen: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
    let count = Arc::new(AtomicUsize::new(0));
    let kept = seen.clone();
    let url = stub_http::start(Arc::new(move |head: &str, body: &[u8]| {
        kept.lock().unwrap().push((head.to_string(), String::from_utf8_lossy(body).to_string()));
        (status(count.fetch_add(1, Ordering::SeqCst)), "{}".into())
    }))
    .await;
    Receiver { url: format!("{url}/hook"), seen }
}

impl Receiver {
    fn requests(&self) -> Vec<(String, String)> {
        self.seen.lock().unwrap().clone()
    }
}

async fn setup() -> (Net, String, String) {
    let sdk = shared::platform::aws::sdk_config().await;
    let queue = create_test_queue(&sdk, &format!("whd-{}", ulid::Ulid::new().to_string().to_lowercase())).await;
    let net =
        Net::start_with(&[("WEBHOOKS_ALLOW_LOCAL_RECEIVERS", "true"), ("WEBHOOK_DELIVERY_QUEUE_URL", &queue.main)])
            .await;
    let sink = net.env.bus_sink("webhooks", PARTNER_EVENTS).await;
    (net, queue.main, sink)
}

/// The bus's events through the notifications worker (which fans the
/// deliveries out), then the delivery jobs through the delivery worker,
/// each batch run twice.
async fn deliver(net: &Net, sink: &str, queue: &str) {
    let events = net.env.drain_sqs_event(sink, false).await;
    for _ in 0..2 {
        let r = functions::handlers::notifications_worker::handle(net.env.app.clone(), events.clone()).await.unwrap();
        assert!(r.batch_item_failures.is_empty());
    }
    work(net, queue).await;
}

async fn work(net: &Net, queue: &str) {
    let jobs = net.env.drain_sqs_event(queue, false).await;
    for _ in 0..2 {
        let r = functions::handlers::webhooks_delivery_worker::handle(net.env.app.clone(), jobs.clone()).await.unwrap();
        assert!(r.batch_item_failures.is_empty());
    }
}

async fn endpoint(net: &Net, biz: &str, url: &str, types: Value) -> (String, String) {
    let r = net.owner("POST", "/api/v1/webhooks/endpoints", biz, json!({ "url": url, "eventTypes": types })).await;
    assert_eq!(r.status, 201, "{}", r.json);
    (r.json["endpointId"].as_str().unwrap().to_string(), r.json["secret"].as_str().unwrap().to_string())
}

/// Checks a request's Standard Webhooks headers against `secret` and
/// returns its webhook-id and body.
fn verified(head: &str, body: &str, secret: &str) -> (String, Value) {
    let id = stub_http::header(head, "webhook-id").expect("webhook-id");
    let ts: i64 = stub_http::header(head, "webhook-timestamp").expect("webhook-timestamp").parse().unwrap();
    let signature = stub_http::header(head, "webhook-signature").expect("webhook-signature");
    let expected = standardwebhooks::Webhook::new(secret).unwrap().sign(&id, ts, body.as_bytes()).unwrap();
    assert!(signature.split(' ').any(|s| s == expected), "{signature} is not signed with the endpoint's secret");
    (id, serde_json::from_str(body).unwrap())
}

#[tokio::test]
async fn the_spec_example_reaches_each_partys_receiver_signed_once_and_no_one_elses() {
    let (net, queue, sink) = setup().await;
    for biz in ["biz-a", "biz-b", "biz-c"] {
        net.register(biz).await;
    }
    net.program("biz-a", 10).await;
    let (a_rx, b_rx, c_rx) = (receiver(|_| 200).await, receiver(|_| 204).await, receiver(|_| 200).await);
    let (a_ep, a_secret) = endpoint(&net, "biz-a", &a_rx.url, json!(["*"])).await;
    let (_, b_secret) =
        endpoint(&net, "biz-b", &b_rx.url, json!(["partner.transaction.recorded", "partner.settlement.calculated"]))
            .await;
    endpoint(&net, "biz-c", &c_rx.url, json!(["*"])).await;
    let id = net.partnership("biz-a", "biz-b", "POINTS_COALITION", percentage("5", "5")).await;
    assert_eq!(net.earn_at_home("biz-a", "cust-1", "10.00", "home-1").await.status, 201);
    let r = net.record(&id, "biz-b", "pos-1", json!({ "type": "REDEEM", "customerId": "cust-1", "points": 100 })).await;
    assert_eq!(r.status, 201, "{}", r.json);
    net.env.clock.set(datetime!(2026-04-01 00:15 UTC));
    let mut report = RunReport::default();
    service::run_due(&net.env.app, &mut report).await.unwrap();
    service::process_reviewed(&net.env.app, &ManualSettlementPayouts, &mut report).await.unwrap();
    deliver(&net, &sink, &queue).await;

    let a: Vec<(String, Value)> = a_rx.requests().iter().map(|(h, b)| verified(h, b, &a_secret)).collect();
    let mut types: Vec<&str> = a.iter().map(|(_, b)| b["type"].as_str().unwrap()).collect();
    types.sort();
    let mut expected = PARTNER_EVENTS.to_vec();
    expected.sort();
    assert_eq!(types, expected, "each of A's events once");
    let mut ids: Vec<&str> = a.iter().map(|(id, _)| id.as_str()).collect();
    ids.dedup();
    assert_eq!(ids.len(), 5, "a stable, distinct webhook-id per event");
    let settled = a.iter().find(|(_, b)| b["type"] == "partner.settlement.calculated").unwrap();
    assert_eq!(
        (settled.1["data"]["netSettlement"].as_i64(), settled.1["data"]["partnershipId"].as_str()),
        (Some(50), Some(id.as_str()))
    );
    let b: Vec<(String, Value)> = b_rx.requests().iter().map(|(h, body)| verified(h, body, &b_secret)).collect();
    assert_eq!(b.len(), 2, "B subscribed to two of them");
    assert!(c_rx.requests().is_empty(), "C is no party to A and B's partnership");

    // A's delivery log.
    let log = net.owner("GET", &format!("/api/v1/webhooks/endpoints/{a_ep}/deliveries"), "biz-a", json!(null)).await;
    assert_eq!(log.status, 200, "{}", log.json);
    let rows = log.json["deliveries"].as_array().unwrap();
    assert_eq!(rows.len(), 5);
    assert!(
        rows.iter().all(|d| d["status"] == "SUCCEEDED" && d["responseCode"] == 200 && d["attemptCount"] == 1),
        "{}",
        log.json
    );
    let theirs = net.owner("GET", &format!("/api/v1/webhooks/endpoints/{a_ep}/deliveries"), "biz-b", json!(null)).await;
    assert_eq!((theirs.status, theirs.code()), (404, "WEBHOOK_ENDPOINT_NOT_FOUND"));
}

#[tokio::test]
async fn a_receiver_that_fails_five_times_gets_the_event_once_on_the_retry_schedule() {
    let (net, queue, sink) = setup().await;
    for biz in ["biz-a", "biz-b"] {
        net.register(biz).await;
    }
    net.env.clock.set(datetime!(2026-03-10 12:00 UTC));
    let rx = receiver(|n| if n < 5 { 503 } else { 200 }).await;
    let (ep, secret) = endpoint(&net, "biz-b", &rx.url, json!(["partner.partnership.created"])).await;
    net.owner("POST", "/api/v1/partnerships", "biz-a", json!({ "partnerBusinessId": "biz-b", "type": "POINTS_COALITION", "revenueSharingTerms": percentage("5", "5") })).await;
    deliver(&net, &sink, &queue).await;
    assert_eq!(rx.requests().len(), 1);
    // Nothing is due before its time; each wait of the schedule, one attempt.
    let retry = || functions::handlers::webhooks_retry_scheduled::handle(net.env.app.clone(), json!({}));
    assert_eq!(retry().await.unwrap()["queued"], 0);
    for wait in &shared::business_webhooks::delivery::RETRY_AFTER_SECS[..5] {
        net.env.clock.advance(time::Duration::seconds(*wait));
        assert_eq!(retry().await.unwrap()["queued"], 1);
        work(&net, &queue).await;
    }
    assert_eq!(retry().await.unwrap()["queued"], 0, "delivered: nothing left to retry");
    let requests = rx.requests();
    assert_eq!(requests.len(), 6, "five failures, then the one that succeeded");
    let ids: Vec<String> = requests.iter().map(|(h, b)| verified(h, b, &secret).0).collect();
    assert!(ids.iter().all(|id| *id == ids[0]), "the same webhook-id on every attempt");
    let log = net.owner("GET", &format!("/api/v1/webhooks/endpoints/{ep}/deliveries"), "biz-b", json!(null)).await;
    let d = &log.json["deliveries"][0];
    assert_eq!(
        (d["status"].as_str(), d["attemptCount"].as_u64(), d["responseCode"].as_u64()),
        (Some("SUCCEEDED"), Some(6), Some(200)),
        "{d}"
    );
    assert_eq!(d["attempts"][0]["statusCode"], 503);
}

#[tokio::test]
async fn an_address_that_turned_private_is_refused_and_a_redirect_is_not_followed() {
    let (net, queue, sink) = setup().await;
    for biz in ["biz-a", "biz-b"] {
        net.register(biz).await;
    }
    // B's endpoint redirects to another receiver, which must hear nothing.
    let target = receiver(|_| 200).await;
    let redirect_to = target.url.clone();
    let redirecting = stub_http::start_with_headers(Arc::new(move |_: &str, _: &[u8]| {
        (302, vec![("location".to_string(), redirect_to.clone())], "{}".to_string())
    }))
    .await;
    let (b_ep, _) = endpoint(&net, "biz-b", &format!("{redirecting}/hook"), json!(["*"])).await;
    // A's endpoint was saved, then its address came to mean a private one
    // (as a name's answer can change): written as it would be stored.
    let (a_ep, _) = endpoint(&net, "biz-a", &target.url, json!(["*"])).await;
    let mut stored = shared::business_webhooks::store::get(&net.env.app, "biz-a", &a_ep).await.unwrap().unwrap();
    let before = stored.clone();
    stored.url = "http://10.255.255.1/hook".into();
    let entry = shared::platform::audit::AuditEntry::new("test", "test", "test", "2026-03-10T12:00:00Z", json!({}));
    assert!(shared::business_webhooks::store::save(&net.env.app, &before, &stored, &entry, None).await.unwrap());

    net.owner("POST", "/api/v1/partnerships", "biz-a", json!({ "partnerBusinessId": "biz-b", "type": "POINTS_COALITION", "revenueSharingTerms": percentage("5", "5") })).await;
    deliver(&net, &sink, &queue).await;
    assert!(target.requests().is_empty(), "neither the redirect nor the private address reached anyone");
    let log = |biz: &'static str, ep: String| {
        let net = &net;
        async move { net.owner("GET", &format!("/api/v1/webhooks/endpoints/{ep}/deliveries"), biz, json!(null)).await.json }
    };
    let a = log("biz-a", a_ep).await;
    let attempt = &a["deliveries"][0]["attempts"][0];
    assert!(attempt["error"].as_str().unwrap().starts_with("address refused"), "{a}");
    assert_eq!(a["deliveries"][0]["status"], "PENDING", "tried again later, in case the address is public again");
    let b = log("biz-b", b_ep).await;
    assert_eq!(
        (b["deliveries"][0]["responseCode"].as_u64(), b["deliveries"][0]["status"].as_str()),
        (Some(302), Some("PENDING")),
        "{b}"
    );
}

#[tokio::test]
async fn an_endpoint_failing_for_days_is_disabled_and_its_owners_told_then_redelivered_and_pinged() {
    let (net, queue, sink) = setup().await;
    for biz in ["biz-a", "biz-b"] {
        net.register(biz).await;
    }
    let told = net.env.bus_sink("webhook-disabled", &["partner.webhook.endpoint_disabled"]).await;
    net.env.clock.set(datetime!(2026-03-10 12:00 UTC));
    let down = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let up = down.clone();
    let rx = receiver(move |_| if up.load(Ordering::SeqCst) { 500 } else { 200 }).await;
    let (ep, secret) = endpoint(&net, "biz-b", &rx.url, json!(["partner.partnership.created"])).await;
    net.owner("POST", "/api/v1/partnerships", "biz-a", json!({ "partnerBusinessId": "biz-b", "type": "POINTS_COALITION", "revenueSharingTerms": percentage("5", "5") })).await;
    deliver(&net, &sink, &queue).await;
    let retry = || functions::handlers::webhooks_retry_scheduled::handle(net.env.app.clone(), json!({}));
    for wait in shared::business_webhooks::delivery::RETRY_AFTER_SECS {
        net.env.clock.advance(time::Duration::seconds(*wait));
        assert_eq!(retry().await.unwrap()["queued"], 1);
        work(&net, &queue).await;
    }
    assert_eq!(rx.requests().len(), 10, "the first attempt and nine retries");
    let base = format!("/api/v1/webhooks/endpoints/{ep}");
    let log = net.owner("GET", &format!("{base}/deliveries"), "biz-b", json!(null)).await.json;
    let delivery_id = log["deliveries"][0]["deliveryId"].as_str().unwrap().to_string();
    assert_eq!(
        (log["deliveries"][0]["status"].as_str(), log["deliveries"][0]["nextAttemptAt"].as_str()),
        (Some("FAILED"), None)
    );
    let listed = net.owner("GET", "/api/v1/webhooks/endpoints", "biz-b", json!(null)).await.json;
    assert_eq!(listed["endpoints"][0]["status"], "DISABLED", "{listed}");
    assert!(listed["endpoints"][0]["disabledReason"].as_str().unwrap().starts_with("every delivery failed since"));

    // Its owner hears of it in the inbox (staff are not told).
    let event = net.env.drain_sqs_event(&told, false).await;
    assert_eq!(event.records.len(), 1);
    contract_check(&event);
    functions::handlers::notifications_worker::handle(net.env.app.clone(), event).await.unwrap();
    let inbox = net.call("GET", "/api/v1/notifications", "biz-b", "owner", None, &[]).await.json;
    let kinds: Vec<&str> =
        inbox["notifications"].as_array().unwrap().iter().map(|n| n["kind"].as_str().unwrap()).collect();
    assert!(kinds.contains(&"WEBHOOK_ENDPOINT_DISABLED"), "{inbox}");

    // Fixed and enabled again: the failed delivery sent again by hand, once, same webhook-id.
    down.store(false, Ordering::SeqCst);
    assert_eq!(net.owner("PATCH", &base, "biz-b", json!({ "enabled": true })).await.status, 200);
    let again = net.owner("POST", &format!("{base}/redeliver"), "biz-b", json!({ "deliveryId": delivery_id })).await;
    assert_eq!(again.status, 202, "{}", again.json);
    work(&net, &queue).await;
    for (biz, role, status, code) in
        [("biz-b", "staff", 403, "OWNER_ONLY"), ("biz-a", "owner", 404, "WEBHOOK_ENDPOINT_NOT_FOUND")]
    {
        let body = json!({ "deliveryId": delivery_id });
        let r = net.call("POST", &format!("{base}/redeliver"), biz, role, Some(&body), &[]).await;
        assert_eq!((r.status, r.code()), (status, code), "{biz} {role}");
    }
    let pending = net.owner("POST", &format!("{base}/redeliver"), "biz-b", json!({ "deliveryId": "nope" })).await;
    assert_eq!((pending.status, pending.code()), (404, "WEBHOOK_DELIVERY_NOT_FOUND"));
    let requests = rx.requests();
    assert_eq!(requests.len(), 11);
    let (first, last) =
        (verified(&requests[0].0, &requests[0].1, &secret).0, verified(&requests[10].0, &requests[10].1, &secret).0);
    assert_eq!(first, last);
    let log = net.owner("GET", &format!("{base}/deliveries"), "biz-b", json!(null)).await.json;
    assert_eq!(
        (log["deliveries"][0]["status"].as_str(), log["deliveries"][0]["attemptCount"].as_u64()),
        (Some("SUCCEEDED"), Some(11))
    );

    // A ping reaches it whatever it subscribed to; staff may not send one.
    let ping = net.owner("POST", &format!("{base}/ping"), "biz-b", json!(null)).await;
    assert_eq!(ping.status, 202, "{}", ping.json);
    work(&net, &queue).await;
    let last = rx.requests().pop().unwrap();
    assert_eq!(verified(&last.0, &last.1, &secret).1["type"], "webhook.ping");
    let staff = net.call("POST", &format!("{base}/ping"), "biz-b", "staff", None, &[]).await;
    assert_eq!((staff.status, staff.code()), (403, "OWNER_ONLY"));
    let other = net.owner("POST", &format!("{base}/ping"), "biz-a", json!(null)).await;
    assert_eq!((other.status, other.code()), (404, "WEBHOOK_ENDPOINT_NOT_FOUND"));
}

fn contract_check(event: &aws_lambda_events::sqs::SqsEvent) {
    for r in &event.records {
        integration_tests::contract::check(&serde_json::from_str(r.body.as_deref().unwrap()).unwrap());
    }
}
