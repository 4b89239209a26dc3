//! Paddle webhooks end to end on DynamoDB Local and moto: real signatures
//! computed here, tampering, stale and future timestamps, rotation,
//! several h1, concurrent redeliveries, ordering, DLQ, commission reversal.

use aws_lambda_events::sqs::{SqsEvent, SqsMessage};
use functions::handlers::{cron, webhooks_events, webhooks_paddle, webhooks_paddle_worker};
use futures::future::join_all;
use integration_tests::*;
use serde_json::json;
use shared::commissions::store as commission_store;
use shared::http::serve::dispatch;
use shared::webhooks::{domain::sign, store};

fn delivery(env: &TestEnv, body: &str, signature: String) -> lambda_http::Request {
    let _ = env;
    unsigned(
        "POST",
        "/api/webhooks/paddle",
        &[("content-type", "application/json".into()), ("paddle-signature", signature)],
        Some(body),
    )
}

fn signed(env: &TestEnv, body: &str) -> lambda_http::Request {
    let ts = env.now();
    delivery(env, body, format!("ts={ts};h1={}", sign(PADDLE_SECRET, ts, body.as_bytes())))
}

fn event(id: &str, kind: &str, occurred_at: &str, data: serde_json::Value) -> String {
    json!({ "event_id": id, "event_type": kind, "occurred_at": occurred_at, "notification_id": format!("ntf_{id}"), "data": data }).to_string()
}

async fn post(env: &TestEnv, req: lambda_http::Request) -> Reply {
    reply(dispatch(env.app.clone(), req, webhooks_paddle::handle).await)
}

/// Drains the webhook queue through the worker (as the event source
/// mapping would); returns how many messages it handled.
async fn drain(env: &TestEnv) -> usize {
    let url = env.app.settings.paddle_webhook_queue_url.clone().unwrap();
    let mut handled = 0;
    loop {
        let out = env
            .app
            .sqs
            .receive_message()
            .queue_url(&url)
            .max_number_of_messages(10)
            .visibility_timeout(0)
            .send()
            .await
            .unwrap();
        let msgs = out.messages.unwrap_or_default();
        if msgs.is_empty() {
            return handled;
        }
        let mut ev = SqsEvent::default();
        ev.records = msgs
            .iter()
            .map(|m| {
                let mut s = SqsMessage::default();
                s.message_id = m.message_id.clone();
                s.body = m.body.clone();
                s
            })
            .collect();
        let resp = webhooks_paddle_worker::handle(env.app.clone(), ev).await.unwrap();
        for m in &msgs {
            if !resp.batch_item_failures.iter().any(|f| Some(&f.item_identifier) == m.message_id.as_ref()) {
                env.app
                    .sqs
                    .delete_message()
                    .queue_url(&url)
                    .receipt_handle(m.receipt_handle.clone().unwrap())
                    .send()
                    .await
                    .unwrap();
            }
        }
        handled += msgs.len();
        if handled > 50 {
            return handled;
        }
    }
}

#[tokio::test]
async fn signatures_are_checked_over_the_raw_body() {
    let env = env_with(&[("PADDLE_WEBHOOK_SECRET_KEY_PREVIOUS", "pdl_old_secret")]).await;
    let body = event("evt_sig", "customer.updated", "2026-03-10T11:00:00Z", json!({}));
    let ts = env.now();
    let good = sign(PADDLE_SECRET, ts, body.as_bytes());
    let cases = [
        (format!("ts={ts};h1={}", sign(PADDLE_SECRET, ts, b"{}")), 401), // tampered body
        (format!("ts={};h1={}", ts - 6, sign(PADDLE_SECRET, ts - 6, body.as_bytes())), 401), // stale
        (format!("ts={};h1={}", ts + 6, sign(PADDLE_SECRET, ts + 6, body.as_bytes())), 401), // future
        (format!("ts={ts};h1={}", sign("wrong", ts, body.as_bytes())), 401),
        ("garbage".to_string(), 401),
    ];
    for (header, status) in cases {
        let r = post(&env, delivery(&env, &body, header.clone())).await;
        assert_eq!((r.status, r.code()), (status, "WEBHOOK_INVALID_SIGNATURE"), "{header}");
    }
    let missing = post(&env, unsigned("POST", "/api/webhooks/paddle", &[], Some(&body))).await;
    assert_eq!(missing.code(), "WEBHOOK_INVALID_SIGNATURE");
    // Nothing stored but the audit rows.
    assert_eq!(count_with_pk_prefix(&env.app, "WEBHOOK#").await, 0);
    let invalid = items_with_pk_prefix(&env.app, "AUDIT#WEBHOOK#unverified").await;
    assert_eq!(invalid.len(), 6);
    assert!(invalid.iter().all(|a| a["action"].as_s().unwrap() == "webhook.invalid_signature"));

    // Rotation: the previous secret still verifies; several h1 are fine.
    let old =
        post(&env, delivery(&env, &body, format!("ts={ts};h1={}", sign("pdl_old_secret", ts, body.as_bytes())))).await;
    assert_eq!(old.status, 200, "{}", old.json);
    let body2 = event("evt_sig2", "customer.updated", "2026-03-10T11:00:00Z", json!({}));
    let multi = post(
        &env,
        delivery(
            &env,
            &body2,
            format!("ts={ts};h1={};h1={}", "ab".repeat(32), sign(PADDLE_SECRET, ts, body2.as_bytes())),
        ),
    )
    .await;
    assert_eq!(multi.status, 200);
    // Re-serialised JSON (different bytes, same meaning) does not verify.
    let reordered =
        serde_json::to_string(&serde_json::from_str::<serde_json::Value>(&body).unwrap()).unwrap().replace(':', ": ");
    let r = post(&env, delivery(&env, &reordered, format!("ts={ts};h1={good}"))).await;
    assert_eq!(r.status, 401);
}

#[tokio::test]
async fn the_local_bypass_skips_verification_but_production_refuses_it() {
    let env = env_with(&[("PADDLE_WEBHOOK_BYPASS_SIGNATURE_IN_DEV", "true")]).await;
    let body = event("evt_bypass", "customer.updated", "2026-03-10T11:00:00Z", json!({}));
    let r = post(&env, unsigned("POST", "/api/webhooks/paddle", &[], Some(&body))).await;
    assert_eq!(r.status, 200);
    let prod = shared::platform::config::Settings::from_lookup(|k| match k {
        "TABLE_NAME" => Some("t".into()),
        "STAGE" => Some("prod".into()),
        "PADDLE_WEBHOOK_BYPASS_SIGNATURE_IN_DEV" => Some("true".into()),
        _ => None,
    });
    assert!(prod.is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_concurrent_deliveries_produce_one_effect() {
    let env = env().await;
    let partner_key = ed25519_dalek::SigningKey::from_bytes(&[31; 32]);
    let partner = wallet_of(&partner_key);
    shared::seats::service::allocate(&env.app, "admin", &shared::seats::domain::Wallet::parse(&partner).unwrap(), None)
        .await
        .unwrap();
    let body = event(
        "evt_txn_1",
        "transaction.completed",
        "2026-03-10T11:59:00Z",
        json!({ "id": "txn_1", "customer_id": "ctm_1", "currency_code": "USD", "custom_data": { "partner_wallet": partner }, "details": { "totals": { "grand_total": "50000" } } }),
    );
    let replies = join_all((0..20).map(|_| {
        let app = env.app.clone();
        let req = signed(&env, &body);
        tokio::spawn(async move { reply(dispatch(app, req, webhooks_paddle::handle).await) })
    }))
    .await;
    let statuses: Vec<u16> = replies.iter().map(|r| r.as_ref().unwrap().status).collect();
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    let duplicates = replies.iter().filter(|r| r.as_ref().unwrap().json["duplicate"] == true).count();
    assert_eq!(duplicates, 19);
    assert_eq!(drain(&env).await, 1, "queued once");
    // Paddle re-sends it from the dashboard later: still one effect.
    assert_eq!(post(&env, signed(&env, &body)).await.json["duplicate"], true);
    drain(&env).await;

    let credit = commission_store::get_credit(&env.app, "txn_1").await.unwrap().unwrap();
    assert_eq!(credit.amount_minor, 5_000); // 10% default
    assert_eq!(count_with_pk_prefix(&env.app, "COMMISSION#").await, 1);
    let ranking =
        shared::cycle::service::live_ranking(&env.app, shared::cycle::domain::MonthKey::parse("2026-03").unwrap())
            .await
            .unwrap();
    assert_eq!(ranking[0].standing.score, 5_000, "the commission counts as the partner's monthly points");
    let trail = items_with_pk_prefix(&env.app, "AUDIT#WEBHOOK#evt_txn_1").await;
    let count = |a: &str| trail.iter().filter(|r| r["action"].as_s().unwrap() == a).count();
    assert_eq!((count("webhook.received"), count("webhook.duplicate"), count("webhook.processed")), (1, 20, 1));

    // A refund adjustment reverses it once, with a negative entry.
    let adj = event(
        "evt_adj_1",
        "adjustment.created",
        "2026-03-10T12:00:00Z",
        json!({ "id": "adj_1", "action": "refund", "status": "approved", "transaction_id": "txn_1", "totals": { "total": "50000" } }),
    );
    let adj2 = event(
        "evt_adj_2",
        "adjustment.updated",
        "2026-03-10T12:00:01Z",
        json!({ "id": "adj_1", "action": "refund", "status": "approved", "transaction_id": "txn_1", "totals": { "total": "50000" } }),
    );
    assert_eq!(post(&env, signed(&env, &adj)).await.status, 200);
    assert_eq!(post(&env, signed(&env, &adj2)).await.status, 200);
    drain(&env).await;
    let reversal = commission_store::get_reversal(&env.app, "txn_1", "adj_1").await.unwrap().unwrap();
    assert_eq!(reversal.amount_minor, -5_000);
    assert_eq!(
        commission_store::get_credit(&env.app, "txn_1").await.unwrap().unwrap().amount_minor,
        5_000,
        "never edited"
    );
    assert_eq!(count_with_pk_prefix(&env.app, "COMMISSION#").await, 2);
    let ranking =
        shared::cycle::service::live_ranking(&env.app, shared::cycle::domain::MonthKey::parse("2026-03").unwrap())
            .await
            .unwrap();
    assert_eq!(ranking[0].standing.score, 0);
}

#[tokio::test]
async fn out_of_order_subscription_events_end_in_the_latest_state() {
    let env = env().await;
    let sub = |id: &str, status: &str, at: &str| {
        event(
            id,
            &format!("subscription.{}", if status == "active" { "created" } else { "updated" }),
            at,
            json!({ "id": "sub_1", "customer_id": "ctm_9", "status": status }),
        )
    };
    // Delivered newest first.
    for body in [
        sub("evt_s3", "canceled", "2026-03-10T10:00:03Z"),
        sub("evt_s1", "active", "2026-03-10T10:00:01Z"),
        sub("evt_s2", "past_due", "2026-03-10T10:00:02Z"),
    ] {
        assert_eq!(post(&env, signed(&env, &body)).await.status, 200);
    }
    drain(&env).await;
    let m = shared::memberships::store::get(&env.app, "ctm_9").await.unwrap().unwrap();
    assert_eq!(m.status, "canceled");
    assert_eq!(m.last_event_id, "evt_s3");
    // Stale events were still processed (acknowledged), not failed.
    let r = reply(
        dispatch(
            env.app.clone(),
            env.admin("GET", "/api/webhooks/events?status=processed", None),
            webhooks_events::handle,
        )
        .await,
    );
    assert_eq!(r.json["events"].as_array().unwrap().len(), 3);
    // Unknown types are recorded and acknowledged.
    let unknown = event("evt_u", "business.created", "2026-03-10T10:00:00Z", json!({ "id": "biz_1" }));
    post(&env, signed(&env, &unknown)).await;
    drain(&env).await;
    assert_eq!(store::get_event(&env.app, "evt_u").await.unwrap().unwrap().result.as_deref(), Some("ignored"));
}

#[tokio::test]
async fn a_poison_event_is_marked_error_and_dead_lettered() {
    let env = env().await;
    // A completed transaction naming a partner but with a broken total.
    let body = event(
        "evt_bad",
        "transaction.completed",
        "2026-03-10T10:00:00Z",
        json!({ "id": "txn_x", "currency_code": "USD", "custom_data": { "partner_wallet": "W" }, "details": { "totals": { "grand_total": "12.50" } } }),
    );
    assert_eq!(post(&env, signed(&env, &body)).await.status, 200);
    let handled = drain(&env).await;
    assert_eq!(handled, 3, "received maxReceiveCount (3) times, then dead-lettered");
    let dlq_url = env.app.settings.paddle_webhook_queue_url.clone().unwrap().replace("-webhooks", "-webhooks-dlq");
    let dlq = env.app.sqs.receive_message().queue_url(&dlq_url).send().await.unwrap().messages.unwrap_or_default();
    assert_eq!(dlq.len(), 1);
    let stored = store::get_event(&env.app, "evt_bad").await.unwrap().unwrap();
    assert_eq!(stored.status, "error");
    assert!(stored.error.as_deref().unwrap().contains("grand_total"));
    assert_eq!(stored.attempts, 3);
    let r = reply(
        dispatch(
            env.app.clone(),
            env.admin("GET", "/api/webhooks/events?eventId=evt_bad", None),
            webhooks_events::handle,
        )
        .await,
    );
    let actions: Vec<&str> =
        r.json["audit"].as_array().unwrap().iter().map(|a| a["action"].as_str().unwrap()).collect();
    assert_eq!(actions.iter().filter(|a| **a == "webhook.failed").count(), 3);
    assert!(actions.contains(&"webhook.received"));
}

#[tokio::test]
async fn cron_needs_the_bearer_secret() {
    let env = env().await;
    let path = "/api/cron/refund-sla-audit";
    for (headers, status, code) in [
        (vec![], 401, "CRON_AUTH_REQUIRED"),
        (vec![("authorization", "Bearer nope".to_string())], 401, "CRON_AUTH_INVALID"),
        (vec![("authorization", CRON_SECRET.to_string())], 401, "CRON_AUTH_REQUIRED"),
    ] {
        let r = reply(dispatch(env.app.clone(), unsigned("GET", path, &headers, None), cron::handle).await);
        assert_eq!((r.status, r.code()), (status, code));
    }
    let ok = reply(
        dispatch(
            env.app.clone(),
            unsigned("GET", path, &[("authorization", format!("Bearer {CRON_SECRET}"))], None),
            cron::handle,
        )
        .await,
    );
    assert_eq!(ok.status, 200, "{}", ok.json);
    assert_eq!(ok.json["result"]["overdue"], 0);
    let elim = reply(
        dispatch(
            env.app.clone(),
            unsigned(
                "GET",
                "/api/cron/monthly-elimination",
                &[("authorization", format!("Bearer {CRON_SECRET}"))],
                None,
            ),
            cron::handle,
        )
        .await,
    );
    assert_eq!(elim.status, 200, "{}", elim.json);
    assert_eq!(elim.json["result"]["monthKey"], "2026-02");
    let again = reply(
        dispatch(
            env.app.clone(),
            unsigned(
                "GET",
                "/api/cron/monthly-elimination",
                &[("authorization", format!("Bearer {CRON_SECRET}"))],
                None,
            ),
            cron::handle,
        )
        .await,
    );
    assert_eq!(again.json["result"]["status"], "ALREADY_EXECUTED");
    // Without a configured secret there is no way in.
    let bare = env_with(&[("CRON_SECRET", "")]).await;
    let r = reply(
        dispatch(
            bare.app.clone(),
            unsigned("GET", path, &[("authorization", "Bearer ".to_string())], None),
            cron::handle,
        )
        .await,
    );
    assert_eq!((r.status, r.code()), (503, "CRON_NOT_CONFIGURED"));
}

/// Routes the bus's events of `detail_type` to a fresh queue; returns its URL.
async fn bus_sink(env: &TestEnv, detail_type: &str) -> String {
    use aws_sdk_sqs::types::QueueAttributeName as A;
    let sdk = shared::platform::aws::sdk_config().await;
    let sink = create_test_queue(&sdk, &format!("{}-{}", env.app.table(), detail_type.to_lowercase())).await;
    let arn = env
        .app
        .sqs
        .get_queue_attributes()
        .queue_url(&sink.main)
        .attribute_names(A::QueueArn)
        .send()
        .await
        .unwrap()
        .attributes
        .unwrap()[&A::QueueArn]
        .clone();
    let bus = env.app.settings.event_bus_name.clone().unwrap();
    let rule = format!("{}-{}", env.app.table(), detail_type);
    env.app
        .events
        .put_rule()
        .name(&rule)
        .event_bus_name(&bus)
        .event_pattern(json!({ "detail-type": [detail_type] }).to_string())
        .send()
        .await
        .unwrap();
    env.app
        .events
        .put_targets()
        .rule(&rule)
        .event_bus_name(&bus)
        .targets(aws_sdk_eventbridge::types::Target::builder().id("q").arn(arn).build().unwrap())
        .send()
        .await
        .unwrap();
    sink.main
}

/// The `detail` of every event waiting on a sink queue.
async fn sunk(env: &TestEnv, url: &str) -> Vec<serde_json::Value> {
    let mut details = Vec::new();
    loop {
        let out = env.app.sqs.receive_message().queue_url(url).max_number_of_messages(10).send().await.unwrap();
        let msgs = out.messages.unwrap_or_default();
        if msgs.is_empty() {
            return details;
        }
        for m in msgs {
            let event: serde_json::Value = serde_json::from_str(m.body.as_deref().unwrap()).unwrap();
            integration_tests::contract::check(&event);
            details.push(event["detail"].clone());
            env.app.sqs.delete_message().queue_url(url).receipt_handle(m.receipt_handle.unwrap()).send().await.unwrap();
        }
    }
}

async fn cron_dunning(env: &TestEnv) -> Reply {
    let req = unsigned("GET", "/api/cron/dunning", &[("authorization", format!("Bearer {CRON_SECRET}"))], None);
    reply(dispatch(env.app.clone(), req, cron::handle).await)
}

fn failed_payment(id: &str, customer: &str, txn: &str, at: &str) -> String {
    event(id, "transaction.payment_failed", at, json!({ "id": txn, "customer_id": customer, "status": "past_due" }))
}

fn subscription(id: &str, customer: &str, status: &str, at: &str) -> String {
    event(
        id,
        "subscription.updated",
        at,
        json!({ "id": format!("sub_{customer}"), "customer_id": customer, "status": status }),
    )
}

#[tokio::test]
async fn a_failed_payment_opens_dunning_once_and_the_daily_run_notifies_or_resolves() {
    let env = env().await;
    let sink = bus_sink(&env, "DunningNoticeDue").await;
    let deliveries = [
        // ctm_a: the payment failed and nothing happened since -> notice.
        failed_payment("evt_pf_a", "ctm_a", "txn_a", "2026-03-10T11:00:00Z"),
        // ctm_b: paid afterwards (a second later, with Paddle's microseconds) -> resolved.
        failed_payment("evt_pf_b", "ctm_b", "txn_b", "2026-03-10T11:00:00Z"),
        subscription("evt_sub_b", "ctm_b", "active", "2026-03-10T11:00:00.000001Z"),
        // ctm_c: the subscription was active *before* the failure -> notice.
        subscription("evt_sub_c", "ctm_c", "active", "2026-03-10T10:59:59.9Z"),
        failed_payment("evt_pf_c", "ctm_c", "txn_c", "2026-03-10T11:00:00Z"),
        // ctm_d: canceled after the failure (11:00:01Z, sent with an offset) -> nothing to collect.
        failed_payment("evt_pf_d", "ctm_d", "txn_d", "2026-03-10T11:00:00Z"),
        subscription("evt_sub_d", "ctm_d", "canceled", "2026-03-10T12:00:01+01:00"),
    ];
    for body in &deliveries {
        assert_eq!(post(&env, signed(&env, body)).await.status, 200);
    }
    drain(&env).await;
    // Paddle re-sends a failed payment from the dashboard, and SQS delivers
    // a job twice: still one record each.
    assert_eq!(post(&env, signed(&env, &deliveries[0])).await.json["duplicate"], true);
    let queue = env.app.settings.paddle_webhook_queue_url.clone().unwrap();
    shared::platform::queue::send_json(&env.app.sqs, &queue, &json!({ "eventId": "evt_pf_a" })).await.unwrap();
    drain(&env).await;
    assert_eq!(count_with_pk_prefix(&env.app, "DUNNING#").await, 4);
    let records = shared::dunning::store::all(&env.app, shared::dunning::domain::DunningStatus::Open).await.unwrap();
    let a = records.iter().find(|r| r.customer_id == "ctm_a").unwrap();
    assert_eq!(a.occurred_at, "2026-03-10T11:00:00.000000Z");
    assert!(!shared::dunning::store::open(&env.app, a).await.unwrap(), "opened once");

    let first = cron_dunning(&env).await;
    assert_eq!(first.status, 200, "{}", first.json);
    let ids = |key: &str| -> Vec<String> {
        let mut v: Vec<String> = first.json["result"][key]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["customerId"].as_str().unwrap().to_string())
            .collect();
        v.sort();
        v
    };
    assert_eq!(ids("notified"), ["ctm_a", "ctm_c"]);
    assert_eq!(ids("resolved"), ["ctm_b", "ctm_d"]);
    let resolved_d = first.json["result"]["resolved"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["customerId"] == "ctm_d")
        .unwrap()
        .clone();
    assert_eq!(resolved_d["occurredAt"], "2026-03-10T11:00:00.000000Z");

    let mut notices: Vec<String> =
        sunk(&env, &sink).await.iter().map(|d| d["dunningId"].as_str().unwrap().to_string()).collect();
    notices.sort();
    assert_eq!(notices, ["evt_pf_a", "evt_pf_c"]);

    // The next day's run finds nothing open and sends nothing.
    let second = cron_dunning(&env).await;
    assert_eq!(
        (
            second.json["result"]["notified"].as_array().unwrap().len(),
            second.json["result"]["resolved"].as_array().unwrap().len()
        ),
        (0, 0)
    );
    assert!(sunk(&env, &sink).await.is_empty());
    let audit = items_with_pk_prefix(&env.app, "AUDIT#DUNNING#").await;
    let count = |action: &str| audit.iter().filter(|a| a["action"].as_s().unwrap() == action).count();
    assert_eq!((count("dunning.notified"), count("dunning.resolved")), (2, 2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_dunning_runs_close_each_record_once() {
    let env = env().await;
    let sink = bus_sink(&env, "DunningNoticeDue").await;
    for i in 0..12 {
        let body =
            failed_payment(&format!("evt_pf_{i}"), &format!("ctm_{i}"), &format!("txn_{i}"), "2026-03-10T11:00:00Z");
        assert_eq!(post(&env, signed(&env, &body)).await.status, 200);
    }
    drain(&env).await;
    let runs = join_all((0..6).map(|_| {
        let app = env.app.clone();
        tokio::spawn(async move { shared::dunning::service::run(&app, "race").await.unwrap() })
    }))
    .await;
    let closed: usize = runs.iter().map(|r| r.as_ref().unwrap().notified.len()).sum();
    assert_eq!(closed, 12, "each record is closed by exactly one run");
    let audit = items_with_pk_prefix(&env.app, "AUDIT#DUNNING#").await;
    assert_eq!(audit.iter().filter(|a| a["action"].as_s().unwrap() == "dunning.notified").count(), 12);
    // A notice may go out more than once when runs race (at-least-once);
    // every record got at least one, and each carries its dedupe key.
    let mut ids: Vec<String> =
        sunk(&env, &sink).await.iter().map(|d| d["dunningId"].as_str().unwrap().to_string()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 12);
}

/// A partner with an active seat, and the body of its 500.00 sale `txn`.
async fn partner_sale(env: &TestEnv, txn: &str) -> (String, String) {
    let partner = wallet_of(&ed25519_dalek::SigningKey::from_bytes(&[32; 32]));
    shared::seats::service::allocate(&env.app, "admin", &shared::seats::domain::Wallet::parse(&partner).unwrap(), None)
        .await
        .unwrap();
    let body = event(
        &format!("evt_{txn}"),
        "transaction.completed",
        "2026-03-10T11:00:00Z",
        json!({ "id": txn, "customer_id": "ctm_1", "currency_code": "USD", "custom_data": { "partner_wallet": partner }, "details": { "totals": { "grand_total": "50000" } } }),
    );
    (partner, body)
}

fn adjustment(id: &str, event_id: &str, action: &str, status: &str, txn: &str, total: &str) -> String {
    event(
        event_id,
        "adjustment.updated",
        "2026-03-10T12:00:00Z",
        json!({ "id": id, "action": action, "status": status, "transaction_id": txn, "totals": { "total": total } }),
    )
}

async fn month_score(env: &TestEnv) -> i64 {
    let ranking =
        shared::cycle::service::live_ranking(&env.app, shared::cycle::domain::MonthKey::parse("2026-03").unwrap())
            .await
            .unwrap();
    ranking[0].standing.score
}

async fn deliver_all(env: &TestEnv, bodies: &[String]) {
    for body in bodies {
        assert_eq!(post(env, signed(env, body)).await.status, 200);
        drain(env).await;
    }
}

#[tokio::test]
async fn refunds_and_chargebacks_reverse_their_share_once_each() {
    let env = env().await;
    let (_, sale) = partner_sale(&env, "txn_p").await;
    deliver_all(&env, &[sale]).await;
    assert_eq!(month_score(&env).await, 5_000);
    deliver_all(
        &env,
        &[
            // A quarter refunded, twice delivered: 12.50 back, once.
            adjustment("adj_a", "evt_a1", "refund", "approved", "txn_p", "12500"),
            adjustment("adj_a", "evt_a2", "refund", "approved", "txn_p", "12500"),
            // Not money back: nothing.
            adjustment("adj_b", "evt_b", "refund", "reversed", "txn_p", "37500"),
            adjustment("adj_c", "evt_c", "refund", "pending_approval", "txn_p", "37500"),
            adjustment("adj_d", "evt_d", "chargeback_warning", "approved", "txn_p", "37500"),
        ],
    )
    .await;
    let first = commission_store::get_reversal(&env.app, "txn_p", "adj_a").await.unwrap().unwrap();
    assert_eq!(first.amount_minor, -1_250);
    assert_eq!(month_score(&env).await, 3_750);
    // A chargeback of the rest takes the rest, and no more after that.
    deliver_all(
        &env,
        &[
            adjustment("adj_e", "evt_e", "chargeback", "approved", "txn_p", "37500"),
            adjustment("adj_f", "evt_f", "refund", "approved", "txn_p", "100"),
        ],
    )
    .await;
    assert_eq!(commission_store::get_reversal(&env.app, "txn_p", "adj_e").await.unwrap().unwrap().amount_minor, -3_750);
    assert_eq!(commission_store::get_reversal(&env.app, "txn_p", "adj_f").await.unwrap().unwrap().amount_minor, 0);
    let credit = commission_store::get_credit(&env.app, "txn_p").await.unwrap().unwrap();
    assert_eq!((credit.amount_minor, credit.reversed_minor, credit.refunded_minor), (5_000, 5_000, 50_100));
    assert_eq!(month_score(&env).await, 0);
}

#[tokio::test]
async fn a_refund_that_arrives_before_its_sale_is_applied_when_the_sale_does() {
    let env = env().await;
    let (_, sale) = partner_sale(&env, "txn_o").await;
    deliver_all(&env, &[adjustment("adj_o", "evt_o", "refund", "approved", "txn_o", "25000")]).await;
    assert!(commission_store::get_credit(&env.app, "txn_o").await.unwrap().is_none());
    assert_eq!(commission_store::parked(&env.app, "txn_o").await.unwrap().len(), 1, "kept, not dropped");
    deliver_all(&env, &[sale]).await;
    assert_eq!(commission_store::get_reversal(&env.app, "txn_o", "adj_o").await.unwrap().unwrap().amount_minor, -2_500);
    assert_eq!(month_score(&env).await, 2_500);
}

#[tokio::test]
async fn a_crash_between_the_reversal_and_its_points_is_mended_by_the_retry() {
    let env = env().await;
    let (_, sale) = partner_sale(&env, "txn_c").await;
    deliver_all(&env, &[sale]).await;
    // An attempt wrote the reversal and died before taking the points back.
    let credit = commission_store::get_credit(&env.app, "txn_c").await.unwrap().unwrap();
    let mut reversal = credit.clone();
    reversal.kind = shared::commissions::domain::CommissionKind::Reversal;
    reversal.amount_minor = -5_000;
    reversal.adjustment_id = Some("adj_c".into());
    let audit = shared::platform::audit::AuditEntry::new(
        "webhook-worker",
        "commission.reversed",
        "WEBHOOK#evt_crash",
        "2026-03-10T12:00:00Z",
        json!({}),
    );
    commission_store::reverse(&env.app, &credit, &reversal, 50_000, &audit).await.unwrap();
    assert_eq!(month_score(&env).await, 5_000, "the crash left the points");
    // The retry finds the reversal done and still applies its points, once.
    deliver_all(&env, &[adjustment("adj_c", "evt_crash", "refund", "approved", "txn_c", "50000")]).await;
    deliver_all(&env, &[adjustment("adj_c", "evt_crash_2", "refund", "approved", "txn_c", "50000")]).await;
    assert_eq!(month_score(&env).await, 0);
    assert_eq!(count_with_pk_prefix(&env.app, "COMMISSION#").await, 2);
}
