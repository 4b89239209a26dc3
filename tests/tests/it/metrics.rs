//! The metrics operators watch reach the invocation's EMF metric set at
//! the place the thing happens: a rate-limited request, the SLA audit's
//! levels, a recorded partner transaction.

use integration_tests::network::{percentage, Net};
use integration_tests::*;
use serde_json::json;
use shared::platform::metrics::{collect, names};

#[tokio::test]
async fn what_operators_watch_is_counted_where_it_happens() {
    let env = env().await;
    // The 101st request in a minute is refused and counted.
    let ((), limited) = collect(async {
        for _ in 0..101 {
            let _ = shared::platform::rate_limit::take(&env.app, "BUSINESS#metrics", 100, 60, env.now()).await;
        }
    })
    .await;
    assert_eq!(limited.get(names::RATE_LIMITED), Some(&1.0), "{limited:?}");
    // The daily SLA audit reports the seat and refund levels.
    let (report, levels) = collect(shared::refunds::service::sla_audit(&env.app, false)).await;
    report.unwrap();
    assert_eq!(
        (levels.get(names::SEATS_OPEN), levels.get(names::SEATS_ACTIVE), levels.get(names::REFUNDS_OVERDUE)),
        (Some(&100.0), Some(&0.0), Some(&0.0)),
        "{levels:?}"
    );
}

#[tokio::test]
async fn a_recorded_partner_transaction_is_counted_once() {
    let net = Net::start().await;
    for biz in ["biz-a", "biz-b"] {
        net.register(biz).await;
    }
    net.program("biz-a", 10).await;
    let id = net.partnership("biz-a", "biz-b", "POINTS_COALITION", percentage("5", "5")).await;
    let (biz_b, pid) =
        (shared::platform::ids::BusinessId::known("biz-b"), shared::platform::ids::PartnershipId::known(id.clone()));
    let record = || {
        let body = serde_json::from_value(json!({ "type": "EARN", "customerId": "cust-m", "amount": 10 })).unwrap();
        shared::partner_transactions::service::record(
            &net.env.app,
            &biz_b,
            "user-b",
            shared::members::domain::Role::Staff,
            &pid,
            Some("m-1"),
            body,
        )
    };
    let (first, counted) = collect(record()).await;
    assert!(first.unwrap().1);
    assert_eq!(counted.get(names::PARTNER_TRANSACTIONS), Some(&1.0));
    // A retry answers the first recording and counts nothing.
    let (again, retried) = collect(record()).await;
    assert!(!again.unwrap().1);
    assert_eq!(retried.get(names::PARTNER_TRANSACTIONS), None);
}

/// The EMF lines the invocations inside `fut` print, parsed.
async fn emf<F: std::future::Future>(fut: F) -> (F::Output, Vec<serde_json::Value>) {
    let (out, lines) = shared::platform::metrics::printed(fut).await;
    (out, lines.iter().map(|l| serde_json::from_str(l).expect("an EMF line is JSON")).collect())
}

/// The one line an invocation printed: its envelope is CloudWatch's
/// (namespace, the `service` dimension, each value declared once, with
/// its unit), and its values are exactly `expected`.
fn assert_line(lines: &[serde_json::Value], expected: &[(&str, f64, &str)]) {
    assert_eq!(lines.len(), 1, "one metric set per invocation: {lines:?}");
    let line = &lines[0];
    let directive = &line["_aws"]["CloudWatchMetrics"][0];
    assert_eq!(
        (directive["Namespace"].as_str(), &directive["Dimensions"]),
        (Some("PartnerProgram"), &json!([["service"]])),
        "{line}"
    );
    assert!(line["service"].as_str().is_some_and(|s| !s.is_empty()), "{line}");
    assert!(line["_aws"]["Timestamp"].as_i64().is_some_and(|t| t > 1_700_000_000_000), "{line}");
    let declared: Vec<(String, String)> = directive["Metrics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["Name"].as_str().unwrap().into(), m["Unit"].as_str().unwrap().into()))
        .collect();
    let mut wanted: Vec<(String, String)> = expected.iter().map(|(n, _, u)| (n.to_string(), u.to_string())).collect();
    wanted.sort();
    assert_eq!(declared, wanted, "{line}");
    for (name, value, _) in expected {
        assert_eq!(line[*name].as_f64(), Some(*value), "{name} in {line}");
    }
}

fn sqs_event(bodies: &[serde_json::Value]) -> aws_lambda_events::sqs::SqsEvent {
    let records: Vec<serde_json::Value> = bodies
        .iter()
        .enumerate()
        .map(|(i, b)| json!({ "messageId": format!("m-{i}"), "body": b.to_string() }))
        .collect();
    serde_json::from_value(json!({ "Records": records })).unwrap()
}

#[tokio::test]
async fn the_emf_lines_of_a_cycle_a_webhook_and_a_settlement_carry_what_happened() {
    use functions::handlers::{
        partners_cycle_eliminate, settlement_scheduled, webhooks_paddle, webhooks_paddle_worker,
    };
    use shared::http::serve::dispatch;

    // A cycle: twelve seats, the bottom ten eliminated in one invocation.
    let env = env().await;
    let month = shared::cycle::domain::MonthKey::parse("2026-03").unwrap();
    for i in 0..12u32 {
        let seat = shared::seats::service::allocate(
            &env.app,
            "admin",
            &shared::seats::domain::Wallet::parse(&wallet(i)).unwrap(),
            None,
        )
        .await
        .unwrap();
        shared::cycle::service::add_points(
            &env.app,
            "admin",
            &shared::platform::ids::SeatId::known(seat.seat_id.as_str()),
            month,
            i64::from(i) + 1,
            "test",
            "seed",
            None,
            None,
        )
        .await
        .unwrap();
    }
    let execute = env.admin(
        "POST",
        "/api/partners/cycle/eliminate",
        Some(r#"{"monthKey":"2026-03","dryRun":false,"reason":"monthly-bottom-10"}"#),
    );
    let (reply_, lines) = emf(dispatch(env.app.clone(), execute, partners_cycle_eliminate::handle)).await;
    assert_eq!(reply(reply_).json["eliminatedCount"], 10);
    assert_line(&lines, &[("Eliminations", 10.0, "Count")]);

    // A webhook: received, then redelivered, then forged; then its job
    // fails in the worker.
    let body = json!({ "event_id": "evt_emf", "event_type": "transaction.completed", "occurred_at": "2026-03-10T10:00:00Z",
        "data": { "id": "txn_emf", "currency_code": "USD", "custom_data": { "partner_wallet": "W" }, "details": { "totals": { "grand_total": "12.50" } } } })
    .to_string();
    let delivery = |signature: String| {
        unsigned(
            "POST",
            "/api/webhooks/paddle",
            &[("content-type", "application/json".into()), ("paddle-signature", signature)],
            Some(&body),
        )
    };
    let ts = env.now();
    let good = format!("ts={ts};h1={}", shared::webhooks::domain::sign(PADDLE_SECRET, ts, body.as_bytes()));
    for (signature, expected) in [
        (good.clone(), "WebhookEventsReceived"),
        (good, "WebhookEventsDuplicate"),
        (format!("ts={ts};h1=00"), "WebhookInvalidSignatures"),
    ] {
        let (_, lines) = emf(dispatch(env.app.clone(), delivery(signature), webhooks_paddle::handle)).await;
        assert_line(&lines, &[(expected, 1.0, "Count")]);
    }
    let job = sqs_event(&[json!({ "eventId": "evt_emf" })]);
    let (answer, lines) =
        emf(functions::event_invocation(Box::pin(webhooks_paddle_worker::handle(env.app.clone(), job)), "req-1")).await;
    assert_eq!(answer.unwrap().batch_item_failures.len(), 1, "the broken total fails the job");
    assert_line(&lines, &[("WebhookEventsFailed", 1.0, "Count")]);

    // A settlement: the spec's example in March, calculated by the run
    // after the month, processed by the run after its 7-day review.
    let net = Net::start().await;
    for biz in ["biz-a", "biz-b"] {
        net.register(biz).await;
    }
    net.program("biz-a", 10).await;
    let id = net.partnership("biz-a", "biz-b", "POINTS_COALITION", percentage("5", "5")).await;
    assert_eq!(net.earn_at_home("biz-a", "cust-1", "10.00", "home-1").await.status, 201);
    assert_eq!(
        net.record(&id, "biz-b", "pos-1", json!({ "type": "REDEEM", "customerId": "cust-1", "points": 100 }))
            .await
            .status,
        201
    );
    let run = || {
        let app = net.env.app.clone();
        functions::event_invocation(
            Box::pin(async move {
                settlement_scheduled::run(app, &shared::settlements::payout::ManualSettlementPayouts, json!({})).await
            }),
            "req-2",
        )
    };
    net.env.clock.set(time::macros::datetime!(2026-04-01 00:15 UTC));
    let (report, lines) = emf(run()).await;
    assert_eq!(report.unwrap()["calculated"], 1);
    assert_line(&lines, &[("SettlementsCalculated", 1.0, "Count")]);
    net.env.clock.set(time::macros::datetime!(2026-04-09 00:15 UTC));
    let (report, lines) = emf(run()).await;
    assert_eq!(report.unwrap()["processed"], 1);
    assert_line(&lines, &[("SettlementsProcessed", 1.0, "Count")]);
}
