//! Settlements on DynamoDB Local and moto: the spec's example end to end
//! (A owes B $0.50 at month end, processed after the 7-day review with an
//! injected clock), racing runs, a crash between closing and settling,
//! late items, a dispute and its resolution, the Stripe-format server
//! paying once when the job is delivered twice, statements.

use std::sync::{Arc, Mutex};

use futures::future::join_all;
use integration_tests::network::{percentage, Net};
use integration_tests::*;
use serde_json::json;
use shared::settlements::payout::StripeConnectPayouts;
use shared::settlements::service::{self, RunReport};
use time::macros::datetime;

/// March 2026: A invites B at 5%, a customer earns 100 points at A and
/// redeems them at B. Returns the partnership id.
async fn spec_example(net: &Net) -> String {
    for biz in ["biz-a", "biz-b"] {
        net.register(biz).await;
    }
    net.program("biz-a", 10).await;
    let id = net.partnership("biz-a", "biz-b", "POINTS_COALITION", percentage("5", "5")).await;
    assert_eq!(net.earn_at_home("biz-a", "cust-1", "10.00", "home-1").await.status, 201);
    let r = net.record(&id, "biz-b", "pos-1", json!({ "type": "REDEEM", "customerId": "cust-1", "points": 100 })).await;
    assert_eq!(r.status, 201, "{}", r.json);
    id
}

/// The spec's example, its March settled by the 04-01 run, the clock in
/// its review window (04-03): the partnership id and the settlement's path.
async fn march_settled_and_in_review(net: &Net) -> (String, String) {
    let id = spec_example(net).await;
    net.env.clock.set(datetime!(2026-04-01 00:15 UTC));
    run(net).await;
    net.env.clock.set(datetime!(2026-04-03 10:00 UTC));
    let path = format!("/api/v1/partnerships/{id}/settlements/2026-03-01");
    (id, path)
}

async fn run(net: &Net) -> RunReport {
    net.settlement_run().await
}

#[tokio::test]
async fn end_of_month_settlement_shows_a_owes_b_fifty_cents_then_it_is_processed() {
    let net = Net::start().await;
    let sink =
        net.env.bus_sink("settlement-events", &["partner.settlement.calculated", "partner.settlement.processed"]).await;
    let id = spec_example(&net).await;
    // Before the month ends: only a preview, nothing stored.
    let preview = net
        .owner(
            "POST",
            &format!("/api/v1/partnerships/{id}/settlements/calculate"),
            "biz-a",
            json!({ "periodStart": "2026-03-01" }),
        )
        .await;
    assert_eq!(
        (preview.status, preview.json["outcome"].as_str(), preview.json["settlement"]["netSettlement"].as_i64()),
        (200, Some("PREVIEW"), Some(50)),
        "{}",
        preview.json
    );
    assert_eq!(run(&net).await.due, 0);
    // The schedule runs after the month ended.
    net.env.clock.set(datetime!(2026-04-01 00:15 UTC));
    let report = run(&net).await;
    assert_eq!((report.due, report.calculated, report.processed), (1, 1, 0), "{report:?}");
    let list = net.get(&format!("/api/v1/partnerships/{id}/settlements"), "biz-b").await;
    let s = &list.json["settlements"][0];
    assert_eq!(
        (s["businessAOwed"].as_i64(), s["businessBOwed"].as_i64(), s["netSettlement"].as_i64()),
        (Some(50), Some(0), Some(50)),
        "{s}"
    );
    assert_eq!(
        (s["status"].as_str(), s["periodStart"].as_str(), s["periodEnd"].as_str(), s["totalTransactions"].as_u64()),
        (Some("PENDING"), Some("2026-03-01"), Some("2026-04-01"), Some(1))
    );
    assert_eq!(s["reviewEndsAt"], "2026-04-08T00:15:00Z");
    assert_eq!(
        (s["reconciliation"]["driftCents"].as_u64(), s["reconciliation"]["driftTransactions"].as_i64()),
        (Some(0), Some(0))
    );
    assert_eq!(s["termsVersions"], json!([1]));
    // One settlement, however often it is asked for.
    assert_eq!(run(&net).await.due, 0, "the period left the due index");
    let again =
        net.owner("POST", &format!("/api/v1/partnerships/{id}/settlements/calculate"), "biz-b", json!({})).await;
    assert_eq!(
        (again.status, again.json["outcome"].as_str(), &again.json["settlement"]["id"]),
        (200, Some("EXISTING"), &s["id"])
    );
    // Processed once the review is over.
    net.env.clock.set(datetime!(2026-04-07 23:00 UTC));
    assert_eq!(run(&net).await.processed, 0, "still under review");
    net.env.clock.set(datetime!(2026-04-08 00:20 UTC));
    assert_eq!(run(&net).await.processed, 1);
    assert_eq!(run(&net).await.processed, 0);
    let one = net.get(&format!("/api/v1/partnerships/{id}/settlements/2026-03-01"), "biz-a").await;
    assert_eq!(
        (one.json["settlement"]["status"].as_str(), one.json["settlement"]["payment"]["provider"].as_str()),
        (Some("PROCESSED"), Some("manual")),
        "{}",
        one.json
    );
    assert_eq!(one.json["lines"].as_array().unwrap().len(), 1);
    let names: Vec<String> = net.env.drain_events(&sink).await.into_iter().map(|(n, _)| n).collect();
    assert_eq!(names.iter().filter(|n| *n == "partner.settlement.calculated").count(), 1, "{names:?}");
    assert_eq!(names.iter().filter(|n| *n == "partner.settlement.processed").count(), 1, "{names:?}");
    // The statement an accountant imports.
    let req = net.request(
        "GET",
        &format!("/api/v1/partnerships/{id}/settlements/2026-03-01/statement"),
        "biz-a",
        "staff",
        None,
        &[],
    );
    let csv = dispatch_by_name("settlements-statement", net.env.app.clone(), req).await.unwrap();
    assert_eq!(
        (csv.status().as_u16(), csv.headers()["content-type"].to_str().unwrap()),
        (200, "text/csv; charset=utf-8")
    );
    let text = match csv.body() {
        lambda_http::Body::Text(t) => t.clone(),
        other => panic!("a text body, not {other:?}"),
    };
    assert!(text.contains("# net_settlement_a_to_b,0.50\n") && text.contains("# terms_versions,1\n"), "{text}");
    assert_eq!(text.lines().filter(|l| l.contains(",REDEEM,")).count(), 1, "{text}");
    assert!(text.lines().any(|l| l.ends_with(",REDEEM,cust-1,biz-b,biz-a,biz-b,10.00,0.50,0.50,1,false,")), "{text}");
    // Nobody else sees it.
    net.register("biz-c").await;
    assert_eq!(
        net.get(&format!("/api/v1/partnerships/{id}/settlements/2026-03-01"), "biz-c").await.code(),
        "PARTNERSHIP_NOT_FOUND"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_runs_and_repeated_jobs_make_one_settlement() {
    let net = Net::start().await;
    let id = spec_example(&net).await;
    net.env.clock.set(datetime!(2026-04-01 00:15 UTC));
    let outcomes = join_all((0..12).map(|_| {
        let (app, id) = (net.env.app.clone(), id.clone());
        tokio::spawn(async move {
            service::calculate_due(&app, &shared::platform::ids::PartnershipId::known(id), "2026-03-01").await.unwrap()
        })
    }))
    .await;
    let created = outcomes.iter().filter(|o| *o.as_ref().unwrap() == "created").count();
    assert_eq!(created, 1, "{outcomes:?}");
    let settlements = items_with_pk_prefix(&net.env.app, &format!("PARTNERSHIP#{id}"))
        .await
        .into_iter()
        .filter(|i| i["SK"].as_s().unwrap().starts_with("SETTLEMENT#"))
        .count();
    assert_eq!(settlements, 1);
}

#[tokio::test]
async fn a_run_that_dies_after_closing_resumes_and_late_items_go_to_the_next_period() {
    let net = Net::start().await;
    let id = spec_example(&net).await;
    net.env.clock.set(datetime!(2026-04-01 00:15 UTC));
    // A run closed March and died before settling it.
    shared::partner_transactions::store::close_period(&net.env.app, &id, "2026-03-01", "2026-04-01T00:15:00Z")
        .await
        .unwrap();
    // A point of sale syncs a March redemption after the close: it counts in April, late.
    net.earn_at_home("biz-a", "cust-1", "10.00", "home-2").await;
    let late = net
        .record(
            &id,
            "biz-b",
            "pos-late",
            json!({ "type": "REDEEM", "customerId": "cust-1", "points": 100, "occurredAt": "2026-03-31T23:59:00Z" }),
        )
        .await;
    assert_eq!(
        (late.status, late.json["periodStart"].as_str(), late.json["late"].as_bool()),
        (201, Some("2026-04-01"), Some(true)),
        "{}",
        late.json
    );
    // The next run finishes March, untouched by the late item.
    assert_eq!(run(&net).await.calculated, 1);
    let march = net.get(&format!("/api/v1/partnerships/{id}/settlements/2026-03-01"), "biz-a").await.json;
    assert_eq!(
        (march["settlement"]["netSettlement"].as_i64(), march["settlement"]["totalTransactions"].as_u64()),
        (Some(50), Some(1)),
        "{march}"
    );
    // April carries it.
    net.env.clock.set(datetime!(2026-05-01 00:15 UTC));
    assert_eq!(run(&net).await.calculated, 1);
    let april = net.get(&format!("/api/v1/partnerships/{id}/settlements/2026-04-01"), "biz-a").await.json;
    assert_eq!(
        (april["settlement"]["netSettlement"].as_i64(), april["settlement"]["lateItems"].as_u64()),
        (Some(50), Some(1)),
        "{april}"
    );
}

#[tokio::test]
async fn a_dispute_holds_processing_until_both_parties_agree_and_the_adjustment_is_carried() {
    let net = Net::start().await;
    let (id, path) = march_settled_and_in_review(&net).await;
    let line = net.get(&path, "biz-a").await.json["lines"][0]["id"].as_str().unwrap().to_string();
    assert_eq!(
        net.owner("POST", &format!("{path}/dispute"), "biz-a", json!({ "reason": "x", "lines": ["nope"] }))
            .await
            .code(),
        "INVALID_LINES"
    );
    let disputed = net
        .owner(
            "POST",
            &format!("{path}/dispute"),
            "biz-a",
            json!({ "reason": "The reward was returned", "lines": [line, line] }),
        )
        .await;
    assert_eq!((disputed.status, disputed.json["status"].as_str()), (200, Some("DISPUTED")), "{}", disputed.json);
    assert_eq!(
        net.owner("POST", &format!("{path}/dispute"), "biz-b", json!({ "reason": "again" })).await.code(),
        "SETTLEMENT_NOT_DISPUTABLE"
    );
    // Not processed while disputed, even after the review.
    net.env.clock.set(datetime!(2026-04-10 00:00 UTC));
    assert_eq!(run(&net).await.processed, 0);
    // One party's proposal does not resolve it; both agreeing does.
    let first = net
        .owner(
            "POST",
            &format!("{path}/resolve"),
            "biz-a",
            json!({ "outcome": "Credit the $0.50 back next month", "adjustmentCents": -50 }),
        )
        .await;
    assert_eq!(
        (first.json["status"].as_str(), first.json["resolution"].is_null()),
        (Some("DISPUTED"), true),
        "{}",
        first.json
    );
    let second = net
        .owner("POST", &format!("{path}/resolve"), "biz-b", json!({ "outcome": "Agreed", "adjustmentCents": -50 }))
        .await;
    assert_eq!(
        (second.json["status"].as_str(), second.json["resolution"]["resolvedBy"].as_str()),
        (Some("PENDING"), Some("PARTIES")),
        "{}",
        second.json
    );
    let adjustment = second.json["resolution"]["adjustmentTransactionId"].as_str().unwrap().to_string();
    // The adjustment counts in April; March is paid as calculated.
    let april = net.get(&format!("/api/v1/partnerships/{id}/transactions?period=2026-04-01"), "biz-b").await.json;
    let adj = april["transactions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == adjustment.as_str())
        .expect("adjustment listed")
        .clone();
    assert_eq!((adj["transactionType"].as_str(), adj["netAToB"].as_i64()), (Some("ADJUSTMENT"), Some(-50)), "{adj}");
    assert_eq!(run(&net).await.processed, 1);
    let audit = items_with_pk_prefix(
        &net.env.app,
        &format!("AUDIT#{}", shared::settlements::store::subject(&id, "2026-03-01")),
    )
    .await;
    let actions: Vec<&str> = audit.iter().map(|a| a["action"].as_s().unwrap().as_str()).collect();
    for action in [
        "settlement.calculated",
        "settlement.disputed",
        "settlement.resolution_proposed",
        "settlement.resolved",
        "settlement.processed",
    ] {
        assert!(actions.contains(&action), "{action} in {actions:?}");
    }
    // A platform admin resolves alone (after a new dispute in May's run).
    let resolved = service::resolve(
        &net.env.app,
        service::Resolver::Admin { wallet: "admin" },
        &shared::platform::ids::PartnershipId::known(id.clone()),
        "2026-03-01",
        serde_json::from_value(json!({ "outcome": "x" })).unwrap(),
    )
    .await;
    assert_eq!(resolved.unwrap_err().code, "SETTLEMENT_NOT_DISPUTED");
}

/// A Stripe-format server: `POST /v1/transfers`, form-encoded, bearer
/// secret; one transfer per `Idempotency-Key`, replayed for repeats.
async fn stripe_server() -> (String, Arc<Mutex<Vec<(String, String)>>>) {
    let seen: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
    let transfers: Arc<Mutex<std::collections::HashMap<String, String>>> = Arc::default();
    let log = seen.clone();
    let url = stub_http::start(Arc::new(move |head: &str, body: &[u8]| {
        let key = stub_http::header(head, "idempotency-key").unwrap_or_default();
        if !head.starts_with("POST /v1/transfers ")
            || stub_http::header(head, "authorization").as_deref() != Some("Bearer sk_test_local")
        {
            return (
                401,
                json!({ "error": { "type": "invalid_request_error", "message": "Invalid API Key provided" } })
                    .to_string(),
            );
        }
        let form = String::from_utf8_lossy(body).to_string();
        log.lock().unwrap().push((key.clone(), form.clone()));
        let mut t = transfers.lock().unwrap();
        let n = t.len();
        let id = t.entry(key).or_insert_with(|| format!("tr_{n:04}")).clone();
        let amount =
            form.split('&').find_map(|kv| kv.strip_prefix("amount=")).unwrap_or("0").parse::<u64>().unwrap_or(0);
        (200, json!({ "id": id, "object": "transfer", "amount": amount, "currency": "usd" }).to_string())
    }))
    .await;
    (url, seen)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn stripe_connect_receives_one_transfer_per_settlement_even_when_the_job_runs_twice() {
    let (stripe, seen) = stripe_server().await;
    let net = Net::start_with(&[
        ("SETTLEMENT_PAYOUT_PROVIDER", "stripe"),
        ("STRIPE_SECRET_KEY", "sk_test_local"),
        ("STRIPE_API_BASE", &stripe),
    ])
    .await;
    let id = spec_example(&net).await;
    // B is paid: its connected account is on its profile.
    let profile = json!({ "name": "biz-b", "category": "cafe", "location": { "lat": 45.5, "lng": -73.57 }, "address": "", "availableForPartnership": true, "stripeAccountId": "acct_1Bbb" });
    assert_eq!(net.owner("PUT", "/api/v1/businesses/me", "biz-b", profile).await.status, 200);
    net.env.clock.set(datetime!(2026-04-01 00:15 UTC));
    run(&net).await;
    net.env.clock.set(datetime!(2026-04-08 01:00 UTC));
    let provider = Arc::new(StripeConnectPayouts::new(&stripe, "sk_test_local"));
    // The processing job delivered twice, at once.
    let reports = join_all((0..2).map(|_| {
        let (app, provider) = (net.env.app.clone(), provider.clone());
        tokio::spawn(async move {
            let mut report = RunReport::default();
            service::process_reviewed(&app, provider.as_ref(), &mut report).await.unwrap();
            report
        })
    }))
    .await;
    let processed: usize = reports.iter().map(|r| r.as_ref().unwrap().processed).sum();
    assert_eq!(processed, 1, "{reports:?}");
    let calls = seen.lock().unwrap().clone();
    let keys: std::collections::BTreeSet<&String> = calls.iter().map(|(k, _)| k).collect();
    assert_eq!(keys.len(), 1, "one transfer: {calls:?}");
    let form = &calls[0].1;
    assert!(
        form.contains("amount=50") && form.contains("currency=usd") && form.contains("destination=acct_1Bbb"),
        "{form}"
    );
    let s =
        net.get(&format!("/api/v1/partnerships/{id}/settlements/2026-03-01"), "biz-b").await.json["settlement"].clone();
    assert_eq!(
        (
            s["payment"]["provider"].as_str(),
            s["payment"]["reference"].as_str(),
            s["payment"]["payeeBusinessId"].as_str()
        ),
        (Some("stripe"), Some("tr_0000"), Some("biz-b")),
        "{s}"
    );
}

#[tokio::test]
async fn the_schedule_fans_out_through_the_queue_and_the_worker_settles_once() {
    let sdk = shared::platform::aws::sdk_config().await;
    let queue = create_test_queue(&sdk, &format!("settle-{}", ulid::Ulid::new().to_string().to_lowercase())).await;
    let net = Net::start_with(&[("SETTLEMENT_QUEUE_URL", &queue.main)]).await;
    let id = spec_example(&net).await;
    net.env.clock.set(datetime!(2026-04-01 00:15 UTC));
    let report = run(&net).await;
    assert_eq!((report.queued, report.calculated), (1, 0));
    let sqs = aws_sdk_sqs::Client::new(&sdk);
    let received = sqs.receive_message().queue_url(&queue.main).max_number_of_messages(10).send().await.unwrap();
    let messages = received.messages.unwrap_or_default();
    assert_eq!(messages.len(), 1);
    let event: aws_lambda_events::sqs::SqsEvent =
        serde_json::from_value(json!({ "Records": [{ "messageId": "m1", "body": messages[0].body }] })).unwrap();
    // Delivered twice: settled once.
    for _ in 0..2 {
        let response =
            functions::handlers::settlement_worker::handle(net.env.app.clone(), event.clone()).await.unwrap();
        assert!(response.batch_item_failures.is_empty());
    }
    let list = net.get(&format!("/api/v1/partnerships/{id}/settlements"), "biz-a").await.json;
    assert_eq!(list["settlements"].as_array().unwrap().len(), 1);
    assert_eq!(list["settlements"][0]["netSettlement"], 50);
}

/// A period keeps the frequency it was opened with: QUARTERLY agreed in
/// mid-February takes effect at February's end, February still settles
/// (the run of 03-02 finds it and pays its 50 cents), March runs alone to
/// the quarter's end, and no key collides with a settled month.
#[tokio::test]
async fn a_frequency_change_takes_effect_at_the_next_boundary_and_the_open_period_still_settles() {
    let net = Net::start().await;
    net.env.clock.set(datetime!(2026-02-05 09:00 UTC));
    let id = net.spec_pair(percentage("5", "5"), "50.00").await;
    net.env.clock.set(datetime!(2026-02-10 12:00 UTC));
    let r =
        net.record(&id, "biz-b", "pos-feb", json!({ "type": "REDEEM", "customerId": "cust-1", "points": 100 })).await;
    assert_eq!((r.status, r.json["periodStart"].as_str()), (201, Some("2026-02-01")), "{}", r.json);

    net.env.clock.set(datetime!(2026-02-15 12:00 UTC));
    let quarterly = json!({ "revenueSharingTerms": { "type": "PERCENTAGE", "businessAShare": 5, "businessBShare": 5, "settlementFrequency": "QUARTERLY" } });
    let proposed = net.owner("PUT", &format!("/api/v1/partnerships/{id}"), "biz-a", quarterly).await;
    assert_eq!(proposed.status, 200, "{}", proposed.json);
    let accepted = net
        .owner(
            "PATCH",
            &format!("/api/v1/partnerships/{id}/terms"),
            "biz-b",
            json!({ "version": 2, "decision": "ACCEPT" }),
        )
        .await;
    assert_eq!(accepted.status, 200, "{}", accepted.json);
    // A sale later in February still counts in February (another 50 cents).
    let r =
        net.record(&id, "biz-b", "pos-feb-2", json!({ "type": "REDEEM", "customerId": "cust-1", "points": 100 })).await;
    assert_eq!((r.status, r.json["periodStart"].as_str()), (201, Some("2026-02-01")), "{}", r.json);

    net.env.clock.set(datetime!(2026-03-02 00:15 UTC));
    let report = run(&net).await;
    assert_eq!((report.due, report.calculated, report.failures.len()), (1, 1, 0), "{report:?}");
    let feb = net.get(&format!("/api/v1/partnerships/{id}/settlements/2026-02-01"), "biz-a").await;
    let s = &feb.json["settlement"];
    assert_eq!(
        (feb.status, s["periodEnd"].as_str(), s["businessAOwed"].as_i64()),
        (200, Some("2026-03-01"), Some(100)),
        "{}",
        feb.json
    );
    assert_eq!(run(&net).await.due, 0, "February left the due index");

    // March alone, to the quarter's end; then quarters.
    net.env.clock.set(datetime!(2026-03-05 12:00 UTC));
    let r =
        net.record(&id, "biz-b", "pos-mar", json!({ "type": "REDEEM", "customerId": "cust-1", "points": 100 })).await;
    assert_eq!((r.status, r.json["periodStart"].as_str()), (201, Some("2026-03-01")), "{}", r.json);
    net.env.clock.set(datetime!(2026-04-01 00:15 UTC));
    let report = run(&net).await;
    assert_eq!((report.due, report.calculated), (1, 1), "{report:?}");
    let march = net.get(&format!("/api/v1/partnerships/{id}/settlements/2026-03-01"), "biz-a").await;
    assert_eq!(march.json["settlement"]["periodEnd"].as_str(), Some("2026-04-01"), "{}", march.json);
    net.env.clock.set(datetime!(2026-05-20 12:00 UTC));
    let r =
        net.record(&id, "biz-b", "pos-q2", json!({ "type": "REDEEM", "customerId": "cust-1", "points": 100 })).await;
    assert_eq!((r.status, r.json["periodStart"].as_str()), (201, Some("2026-04-01")), "{}", r.json);
    // A quarter's key is its first day; a month inside it names no period.
    let bad = net.get(&format!("/api/v1/partnerships/{id}/transactions?period=2026-05-01"), "biz-a").await;
    assert_eq!((bad.status, bad.code()), (400, "INVALID_PERIOD"));
    let ok = net.get(&format!("/api/v1/partnerships/{id}/transactions?period=2026-02-01"), "biz-a").await;
    assert_eq!((ok.status, ok.json["transactions"].as_array().map(Vec::len)), (200, Some(2)), "{}", ok.json);
}

/// A period start past the calendar's end is a 400, never a panic, on
/// every route that takes one.
#[tokio::test]
async fn a_far_future_period_is_a_400_on_every_route() {
    let net = Net::start().await;
    let id = spec_example(&net).await;
    for (method, path, body) in [
        ("GET", format!("/api/v1/partnerships/{id}/settlements/9999-12-01"), None),
        ("GET", format!("/api/v1/partnerships/{id}/settlements/9999-12-01/statement"), None),
        ("GET", format!("/api/v1/partnerships/{id}/transactions?period=9999-12-01"), None),
        (
            "POST",
            format!("/api/v1/partnerships/{id}/settlements/calculate"),
            Some(json!({ "periodStart": "9999-12-01" })),
        ),
        ("POST", format!("/api/v1/partnerships/{id}/settlements/9999-12-01/dispute"), Some(json!({ "reason": "far" }))),
    ] {
        let r = net.call(method, &path, "biz-a", "owner", body.as_ref(), &[]).await;
        assert_eq!((r.status, r.code()), (400, "INVALID_PERIOD"), "{method} {path}: {}", r.json);
    }
}

/// Resolutions racing on one disputed settlement: one wins, and the
/// adjustment that exists is exactly the winner's (none for a resolution
/// without one). Before, each resolver wrote its adjustment before the
/// settlement's save, so a loser could leave a stray one behind, which
/// then blocked every later resolution with IDEMPOTENCY_KEY_REUSED.
#[tokio::test]
async fn racing_resolutions_leave_exactly_the_winners_adjustment() {
    let net = Net::start().await;
    let (id, path) = march_settled_and_in_review(&net).await;
    let disputed =
        net.owner("POST", &format!("{path}/dispute"), "biz-a", json!({ "reason": "The reward was returned" })).await;
    assert_eq!(disputed.status, 200, "{}", disputed.json);
    let amounts = [0i64, -10, -20, -30, -40, -50, 0, -60];
    let results = join_all(amounts.iter().map(|cents| {
        let app = net.env.app.clone();
        let id = id.clone();
        async move {
            let request =
                serde_json::from_value(json!({ "outcome": format!("admin says {cents}"), "adjustmentCents": cents }))
                    .unwrap();
            (
                *cents,
                service::resolve(
                    &app,
                    service::Resolver::Admin { wallet: "admin" },
                    &shared::platform::ids::PartnershipId::known(id.clone()),
                    "2026-03-01",
                    request,
                )
                .await,
            )
        }
    }))
    .await;
    let won: Vec<&(i64, Result<_, _>)> = results.iter().filter(|(_, r)| r.is_ok()).collect();
    assert_eq!(
        won.len(),
        1,
        "{:?}",
        results.iter().map(|(c, r)| (c, r.as_ref().err().map(|e| e.code))).collect::<Vec<_>>()
    );
    for (_, r) in results.iter().filter(|(_, r)| r.is_err()) {
        let code = r.as_ref().unwrap_err().code;
        assert!(["SETTLEMENT_CHANGED", "SETTLEMENT_NOT_DISPUTED"].contains(&code), "{code}");
    }
    let winner = won[0].0;
    let april = net.get(&format!("/api/v1/partnerships/{id}/transactions?period=2026-04-01"), "biz-b").await.json;
    let adjustments: Vec<i64> = april["transactions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["transactionType"] == "ADJUSTMENT")
        .map(|t| t["netAToB"].as_i64().unwrap())
        .collect();
    let expected: Vec<i64> = if winner == 0 { vec![] } else { vec![winner] };
    assert_eq!(adjustments, expected, "winner {winner}");
    let s = net.get(&path, "biz-a").await.json;
    assert_eq!(s["settlement"]["resolution"]["adjustmentCents"].as_i64(), Some(winner), "{s}");
}

/// A Stripe-format server that has forgotten every idempotency key (as
/// Stripe does after 24 hours): each POST makes a new transfer; GET lists a
/// transfer group's.
async fn forgetful_stripe() -> (String, Arc<Mutex<Vec<String>>>) {
    let groups: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
    let posts: Arc<Mutex<Vec<String>>> = Arc::default();
    let log = posts.clone();
    let url = stub_http::start(Arc::new(move |head: &str, body: &[u8]| {
        let mut g = groups.lock().unwrap();
        if head.starts_with("POST /v1/transfers ") {
            let form = String::from_utf8_lossy(body).to_string();
            let group = form.split('&').find_map(|kv| kv.strip_prefix("transfer_group=")).unwrap_or("").to_string();
            let id = format!("tr_{:04}", g.len());
            g.push((group, id.clone()));
            log.lock().unwrap().push(id.clone());
            return (200, json!({ "id": id, "object": "transfer" }).to_string());
        }
        if let Some(query) = head.strip_prefix("GET /v1/transfers?").and_then(|r| r.split(' ').next()) {
            let group = query.split('&').find_map(|kv| kv.strip_prefix("transfer_group=")).unwrap_or("");
            let data: Vec<serde_json::Value> = g
                .iter()
                .filter(|(gr, _)| gr == group)
                .map(|(_, id)| json!({ "id": id, "object": "transfer" }))
                .collect();
            return (200, json!({ "object": "list", "data": data, "has_more": false }).to_string());
        }
        (404, json!({ "error": { "type": "invalid_request_error", "message": "unknown route" } }).to_string())
    }))
    .await;
    (url, posts)
}

/// Sends the transfer, then loses the answer (a timeout, a crash).
struct LostAnswer(StripeConnectPayouts);

impl shared::settlements::payout::SettlementPayouts for LostAnswer {
    fn name(&self) -> &'static str {
        self.0.name()
    }
    async fn transfer(
        &self,
        s: &shared::settlements::domain::Settlement,
        amount: u64,
        destination: Option<&str>,
    ) -> Result<shared::settlements::payout::TransferOutcome, shared::settlements::payout::TransientTransferError> {
        self.0.transfer(s, amount, destination).await?;
        Err(shared::settlements::payout::TransientTransferError("timed out waiting for the answer".into()))
    }
    async fn find(
        &self,
        s: &shared::settlements::domain::Settlement,
    ) -> Result<Option<String>, shared::settlements::payout::TransientTransferError> {
        self.0.find(s).await
    }
}

/// The attempt is recorded (PAYING) before the transfer is sent; a payout
/// whose answer was lost is found at the provider by its transfer group
/// when resumed days later, after the provider forgot the idempotency key:
/// one transfer, the settlement processed with its reference.
#[tokio::test]
async fn a_payout_whose_answer_was_lost_is_resumed_without_paying_twice() {
    let (stripe, posts) = forgetful_stripe().await;
    let net = Net::start().await;
    let id = spec_example(&net).await;
    let profile = json!({ "name": "biz-b", "category": "cafe", "location": { "lat": 45.5, "lng": -73.57 }, "address": "", "availableForPartnership": true, "stripeAccountId": "acct_1Bbb" });
    assert_eq!(net.owner("PUT", "/api/v1/businesses/me", "biz-b", profile).await.status, 200);
    net.env.clock.set(datetime!(2026-04-01 00:15 UTC));
    run(&net).await;
    net.env.clock.set(datetime!(2026-04-08 01:00 UTC));
    let mut report = RunReport::default();
    service::process_reviewed(
        &net.env.app,
        &LostAnswer(StripeConnectPayouts::new(&stripe, "sk_test_local")),
        &mut report,
    )
    .await
    .unwrap();
    assert_eq!((report.processed, report.payment_failures), (0, 1), "{report:?}");
    let s =
        net.get(&format!("/api/v1/partnerships/{id}/settlements/2026-03-01"), "biz-b").await.json["settlement"].clone();
    assert_eq!(
        (s["status"].as_str(), s["payout"]["idempotencyKey"].as_str().map(|k| k.starts_with("settlement-"))),
        (Some("PAYING"), Some(true)),
        "{s}"
    );
    assert!(s["payout"]["lastError"].as_str().is_some_and(|e| e.contains("timed out")), "{s}");
    // Days later, the provider has forgotten the key; the run finds the transfer.
    net.env.clock.set(datetime!(2026-04-11 01:00 UTC));
    let provider = StripeConnectPayouts::new(&stripe, "sk_test_local");
    let mut report = RunReport::default();
    service::process_reviewed(&net.env.app, &provider, &mut report).await.unwrap();
    assert_eq!(report.processed, 1, "{report:?}");
    assert_eq!(posts.lock().unwrap().clone(), vec!["tr_0000".to_string()], "one transfer");
    let s =
        net.get(&format!("/api/v1/partnerships/{id}/settlements/2026-03-01"), "biz-b").await.json["settlement"].clone();
    assert_eq!((s["status"].as_str(), s["payment"]["reference"].as_str()), (Some("PROCESSED"), Some("tr_0000")), "{s}");
    let mut again = RunReport::default();
    service::process_reviewed(&net.env.app, &provider, &mut again).await.unwrap();
    assert_eq!((again.processed, posts.lock().unwrap().len()), (0, 1));
}

/// Lines that disagree with the counters settle nothing: the period stays
/// due, the run reports the drift (and counts it for the alarm), and the
/// next run settles it once they agree.
#[tokio::test]
async fn a_period_whose_lines_disagree_with_its_counters_stays_due_until_they_agree() {
    let net = Net::start().await;
    let id = spec_example(&net).await;
    let drift = |cents: i64| {
        let app = net.env.app.clone();
        let id = id.clone();
        async move {
            app.db
                .update_item()
                .table_name(app.table())
                .key("PK", aws_sdk_dynamodb::types::AttributeValue::S(format!("PARTNERSHIP#{id}")))
                .key("SK", aws_sdk_dynamodb::types::AttributeValue::S("PERIOD#2026-03-01".into()))
                .update_expression("ADD aOwesCents :d")
                .expression_attribute_values(":d", aws_sdk_dynamodb::types::AttributeValue::N(cents.to_string()))
                .send()
                .await
                .unwrap();
        }
    };
    drift(7).await;
    net.env.clock.set(datetime!(2026-04-01 00:15 UTC));
    let report = run(&net).await;
    assert_eq!((report.due, report.calculated, report.failures.len()), (1, 0, 1), "{report:?}");
    assert!(report.failures[0].contains("disagree"), "{report:?}");
    let r = net
        .owner(
            "POST",
            &format!("/api/v1/partnerships/{id}/settlements/calculate"),
            "biz-a",
            json!({ "periodStart": "2026-03-01" }),
        )
        .await;
    assert_eq!((r.status, r.code()), (503, "SETTLEMENT_DRIFT"), "{}", r.json);
    assert_eq!(
        net.get(&format!("/api/v1/partnerships/{id}/settlements"), "biz-a").await.json["settlements"],
        json!([])
    );
    drift(-7).await;
    let report = run(&net).await;
    assert_eq!((report.due, report.calculated), (1, 1), "{report:?}");
    assert_eq!(run(&net).await.due, 0);
}

#[tokio::test]
async fn a_months_balances_show_what_each_business_owes_and_is_owed_by_each_partner() {
    let net = Net::start().await;
    // A owes B $0.50 (the spec's example, A invited B) and C $0.25 (C
    // invited A: A is C's side B there); D has no partner.
    let ab = spec_example(&net).await;
    for biz in ["biz-c", "biz-d"] {
        net.register(biz).await;
    }
    let ca = net.partnership("biz-c", "biz-a", "POINTS_COALITION", percentage("5", "5")).await;
    assert_eq!(net.earn_at_home("biz-a", "cust-2", "5.00", "home-2").await.status, 201);
    let r = net.record(&ca, "biz-c", "pos-2", json!({ "type": "REDEEM", "customerId": "cust-2", "points": 50 })).await;
    assert_eq!(r.status, 201, "{}", r.json);

    let march = "/api/v1/network/settlements?month=2026-03";
    let a = net.get(march, "biz-a").await;
    assert_eq!(a.status, 200, "{}", a.json);
    assert_eq!(
        (a.json["youOwe"].as_i64(), a.json["owedToYou"].as_i64(), a.json["net"].as_i64()),
        (Some(75), Some(0), Some(-75))
    );
    let row = |body: &serde_json::Value, id: &str| {
        body["partners"].as_array().unwrap().iter().find(|p| p["partnershipId"] == id).cloned().unwrap_or_default()
    };
    let (to_b, to_c) = (row(&a.json, &ab), row(&a.json, &ca));
    assert_eq!(
        (to_b["partnerName"].as_str(), to_b["youOwe"].as_i64(), to_b["owedToYou"].as_i64()),
        (Some("biz-b"), Some(50), Some(0))
    );
    assert_eq!(
        (to_c["partnerBusinessId"].as_str(), to_c["youOwe"].as_i64(), to_c["net"].as_i64()),
        (Some("biz-c"), Some(25), Some(-25))
    );
    assert_eq!((to_b["periodStart"].as_str(), to_b["periodEnd"].as_str()), (Some("2026-03-01"), Some("2026-04-01")));
    assert!(to_b["settlement"].is_null(), "not calculated yet: {to_b}");
    // B's side of the same month: owed $0.50 by A, and nothing about C.
    let b = net.get(march, "biz-b").await;
    assert_eq!((b.json["owedToYou"].as_i64(), b.json["youOwe"].as_i64()), (Some(50), Some(0)), "{}", b.json);
    assert_eq!(b.json["partners"].as_array().map(Vec::len), Some(1));
    // A business with no partner: an empty month, not an error.
    let d = net.get(march, "biz-d").await;
    assert_eq!(
        (d.status, d.json["partners"].as_array().map(Vec::len), d.json["net"].as_i64()),
        (200, Some(0), Some(0))
    );
    // Another month: the live partnerships, with nothing owed.
    let feb = net.get("/api/v1/network/settlements?month=2026-02", "biz-a").await;
    assert_eq!(
        (feb.json["youOwe"].as_i64(), feb.json["partners"].as_array().map(Vec::len)),
        (Some(0), Some(2)),
        "{}",
        feb.json
    );

    // The open period's preview needs no date from the caller.
    let calculate = format!("/api/v1/partnerships/{ab}/settlements/calculate");
    let open = net.owner("POST", &calculate, "biz-b", json!({ "openPeriod": true })).await;
    assert_eq!(
        (
            open.status,
            open.json["outcome"].as_str(),
            open.json["settlement"]["periodStart"].as_str(),
            open.json["settlement"]["netSettlement"].as_i64()
        ),
        (200, Some("PREVIEW"), Some("2026-03-01"), Some(50)),
        "{}",
        open.json
    );
    let both = net.owner("POST", &calculate, "biz-b", json!({ "openPeriod": true, "periodStart": "2026-03-01" })).await;
    assert_eq!((both.status, both.code()), (400, "INVALID_FIELD"));

    // After the month's run each row carries its settlement, from each side.
    net.env.clock.set(datetime!(2026-04-01 00:15 UTC));
    run(&net).await;
    let a = net.get(march, "biz-a").await;
    let s = &row(&a.json, &ab)["settlement"];
    assert_eq!(
        (s["status"].as_str(), s["netToYou"].as_i64(), s["reviewEndsAt"].as_str()),
        (Some("PENDING"), Some(-50), Some("2026-04-08T00:15:00Z")),
        "{s}"
    );
    let b = net.get(march, "biz-b").await;
    assert_eq!(row(&b.json, &ab)["settlement"]["netToYou"].as_i64(), Some(50));
    // Without a month: the clock's (April: nothing yet).
    let now = net.get("/api/v1/network/settlements", "biz-a").await;
    assert_eq!((now.json["month"].as_str(), now.json["youOwe"].as_i64()), (Some("2026-04"), Some(0)));

    // Bad months are a 400 with a stable code; no token is a 401.
    for bad in ["2026-13", "9999-12", "march", "2026-03-01"] {
        let r = net.get(&format!("/api/v1/network/settlements?month={bad}"), "biz-a").await;
        assert_eq!((r.status, r.code()), (400, "INVALID_MONTH"), "{bad}: {}", r.json);
    }
    let anonymous = serve_routed(net.env.app.clone(), unsigned("GET", march, &[], None)).await;
    assert_eq!(anonymous.status, 401);
}
