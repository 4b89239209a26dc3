//! The system under injected faults: with 20% of DynamoDB, SQS and
//! EventBridge requests throttled, failing, or applied with their answer
//! lost (see `integration_tests::faults`), and function runs killed
//! mid-way, every invariant still holds once the retries are done: the
//! monthly cycle, webhooks, verifications, and the Partner Network from
//! recording to payout.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use aws_lambda_events::sqs::{SqsEvent, SqsMessage};
use functions::handlers::{cycle_scheduled, sweep_scheduled, webhooks_paddle_worker};
use futures::future::join_all;
use integration_tests::*;
use serde_json::json;
use shared::cycle::{domain::MonthKey, service as cycle};
use shared::program::store as program_store;
use shared::refunds::{domain::RefundStatus, store as refund_store};
use shared::seats::{domain::Wallet, service as seats};
use shared::webhooks::domain::sign;
use shared::webhooks::service::{self as webhooks, Delivery};
use shared::App;

const FAULTS: u64 = 200; // per mille: 20%

/// What a killed function leaves: its work stops at an arbitrary await.
async fn killed_after<F: std::future::Future + Send + 'static>(work: F, after: Duration)
where
    F::Output: Send + 'static,
{
    let task = tokio::spawn(work);
    tokio::time::sleep(after).await;
    task.abort();
    let _ = task.await;
}

/// Every message body in a queue (received with a short visibility, not deleted).
async fn bodies(app: &App, queue: &str) -> Vec<String> {
    let mut out = Vec::new();
    loop {
        let got = app
            .sqs
            .receive_message()
            .queue_url(queue)
            .max_number_of_messages(10)
            .visibility_timeout(60)
            .send()
            .await
            .unwrap();
        let messages = got.messages.unwrap_or_default();
        if messages.is_empty() {
            return out;
        }
        out.extend(messages.into_iter().filter_map(|m| m.body));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_month_cycle_under_faults_and_kills_completes_exactly_once() {
    let env = env().await;
    let month = MonthKey::of(env.now_instant());
    hundred_seats(&env, month).await;
    let (faulty, proxies) = env.faulty_app(FAULTS, 7).await;
    // The schedule fires; EventBridge retries each failure (here without
    // waiting for real minutes: the clock moves past the lease instead).
    let event = || cycle_scheduled::ScheduledEvent {
        time: Some(shared::platform::clock::rfc3339(month.start() + time::Duration::days(32))),
    };
    let mut outcome = None;
    for attempt in 0..60u64 {
        if attempt % 4 == 1 {
            // This invocation is killed mid-run.
            killed_after(cycle_scheduled::handle(faulty.clone(), event()), Duration::from_millis(20 + attempt * 7))
                .await;
        } else {
            match cycle_scheduled::handle(faulty.clone(), event()).await {
                Ok(done) => {
                    outcome = Some(done);
                    break;
                }
                Err(e) => eprintln!("cycle attempt {attempt} failed ({e}); retried"),
            }
        }
        env.clock.advance(time::Duration::seconds(cycle::LEASE_SECS + 1));
    }
    let outcome = outcome.expect("the cycle completes within the retries");
    let c = &proxies[0].counters;
    for (kind, n) in [
        ("throttles", &c.throttled),
        ("500s", &c.internal_errors),
        ("resets after the write applied", &c.resets_after_forwarding),
    ] {
        assert!(n.load(std::sync::atomic::Ordering::Relaxed) > 0, "no {kind} were injected");
    }
    assert!(["EXECUTED", "ALREADY_EXECUTED"].contains(&outcome["status"].as_str().unwrap()));

    // Exactly once: 10 eliminated, 10 refunds, 10 payout jobs; counters match items.
    let seat_items = items_with_pk_prefix(&env.app, "SEAT#").await;
    let eliminated = seat_items
        .iter()
        .filter(|s| s.get("status").and_then(|v| v.as_s().ok()).map(String::as_str) == Some("ELIMINATED"))
        .count();
    let active = seat_items
        .iter()
        .filter(|s| s.get("status").and_then(|v| v.as_s().ok()).map(String::as_str) == Some("ACTIVE"))
        .count();
    assert_eq!((eliminated, active), (10, 90));
    let refunds = refund_store::all_by_status(&env.app, RefundStatus::Pending).await.unwrap();
    assert_eq!(count_with_pk_prefix(&env.app, "REFUND#").await, 10);
    let queue = env.app.settings.refund_payout_queue_url.clone().unwrap();
    let jobs: BTreeSet<String> = bodies(&env.app, &queue).await.into_iter().collect();
    let refund_ids: BTreeSet<String> = refunds.iter().map(|r| json!({ "refundId": r.refund_id }).to_string()).collect();
    assert!(refund_ids.is_subset(&jobs), "every refund has its payout job");
    assert_eq!(jobs.len(), 10);
    let stats = program_store::load(&env.app).await.unwrap().stats;
    assert_eq!((stats.active_seats as usize, stats.pending_refunds as usize), (active, refunds.len()));
    let run = cycle::run_status(&env.app, month).await.unwrap();
    assert_eq!(run, Some(shared::cycle::domain::RunStatus::Completed));

    // After the sweep, nothing is PENDING without a job.
    env.clock.advance(time::Duration::minutes(5));
    sweep_scheduled::handle(env.app.clone(), json!({})).await.unwrap();
    assert!(refund_store::all_by_status(&env.app, RefundStatus::Pending)
        .await
        .unwrap()
        .iter()
        .all(|r| r.payout_queued_at.is_some()));
}

async fn seat_of(env: &TestEnv, i: u32) -> String {
    seats::latest(&env.app, &Wallet::parse(&wallet(i)).unwrap()).await.unwrap().unwrap().seat_id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn five_hundred_paddle_events_with_redeliveries_are_each_applied_once() {
    let env = env().await;
    let partner = wallet(900);
    seats::allocate(&env.app, "admin", &Wallet::parse(&partner).unwrap(), None).await.unwrap();
    // A queue that retries as often as a real one would before giving up.
    let sdk = shared::platform::aws::sdk_config().await;
    let queues = create_test_queue_with(&sdk, &format!("{}-faulty-webhooks", env.app.table()), 20).await;
    let mut settings = (*env.app.settings).clone();
    settings.paddle_webhook_queue_url = Some(queues.main.clone());
    let mut app = env.app.clone();
    app.settings = std::sync::Arc::new(settings);
    let (mut faulty, _proxies) = env.faulty_app(FAULTS, 11).await;
    faulty.settings = app.settings.clone();

    // 500 events: sales with a commission, subscription changes, failed payments.
    let bodies: Vec<String> = (0..500u32)
        .map(|i| {
            let at = format!("2026-03-10T11:{:02}:{:02}Z", (i / 60) % 60, i % 60);
            let (kind, data) = match i % 3 {
                0 => ("transaction.completed", json!({ "id": format!("txn_{i}"), "currency_code": "USD", "custom_data": { "partner_wallet": partner }, "details": { "totals": { "grand_total": "1000" } } })),
                1 => ("subscription.updated", json!({ "id": format!("sub_{i}"), "customer_id": format!("ctm_{i}"), "status": "active" })),
                _ => ("transaction.payment_failed", json!({ "id": format!("txn_{i}"), "customer_id": format!("ctm_{i}") })),
            };
            json!({ "event_id": format!("evt_{i}"), "event_type": kind, "occurred_at": at, "data": data }).to_string()
        })
        .collect();
    // Paddle delivers each until it gets a 2xx, and redelivers some anyway.
    let deliveries = join_all(bodies.iter().enumerate().map(|(i, body)| {
        let (faulty, env_now) = (faulty.clone(), env.now());
        let body = body.clone();
        tokio::spawn(async move {
            let mut acknowledged = 0;
            for _ in 0..30 {
                let header = format!("ts={env_now};h1={}", sign(PADDLE_SECRET, env_now, body.as_bytes()));
                if webhooks::ingest(
                    &faulty,
                    Delivery { raw: body.as_bytes(), signature: Some(&header), request_id: None },
                )
                .await
                .is_ok()
                {
                    acknowledged += 1;
                    if acknowledged > usize::from(i % 7 == 0) {
                        return true;
                    }
                }
            }
            false
        })
    }))
    .await;
    assert!(deliveries.iter().all(|d| *d.as_ref().unwrap()), "every event was acknowledged");

    // The worker drains the queue under the same faults; the sweep (healthy)
    // picks up any event recorded but never queued.
    env.clock.advance(time::Duration::minutes(5));
    let mut idle = 0;
    for _ in 0..2_000 {
        let got = faulty
            .sqs
            .receive_message()
            .queue_url(&queues.main)
            .max_number_of_messages(10)
            .visibility_timeout(0)
            .send()
            .await;
        let Ok(got) = got else { continue };
        let messages = got.messages.unwrap_or_default();
        if messages.is_empty() {
            idle += 1;
            if webhooks::sweep_unqueued(&app).await.unwrap().is_empty() && idle > 3 {
                break;
            }
            continue;
        }
        idle = 0;
        let mut event = SqsEvent::default();
        event.records = messages
            .iter()
            .map(|m| {
                let mut r = SqsMessage::default();
                r.message_id = m.message_id.clone();
                r.body = m.body.clone();
                r
            })
            .collect();
        let failed: BTreeSet<String> = match webhooks_paddle_worker::handle(faulty.clone(), event).await {
            Ok(batch) => batch.batch_item_failures.into_iter().map(|f| f.item_identifier).collect(),
            Err(_) => messages.iter().filter_map(|m| m.message_id.clone()).collect(),
        };
        for m in messages.iter().filter(|m| !failed.contains(m.message_id.as_deref().unwrap_or(""))) {
            let _ = app
                .sqs
                .delete_message()
                .queue_url(&queues.main)
                .receipt_handle(m.receipt_handle.clone().unwrap())
                .send()
                .await;
        }
    }

    // Each event applied once: every effect counted exactly.
    let processed = items_with_pk_prefix(&env.app, "WEBHOOK#").await;
    let statuses: BTreeMap<String, usize> = processed.iter().fold(BTreeMap::new(), |mut m, e| {
        *m.entry(e["status"].as_s().unwrap().clone()).or_default() += 1;
        m
    });
    assert_eq!(statuses.get("processed"), Some(&500), "{statuses:?}");
    let sales = (0..500).filter(|i| i % 3 == 0).count();
    assert_eq!(count_with_pk_prefix(&env.app, "COMMISSION#").await, sales);
    assert_eq!(count_with_pk_prefix(&env.app, "MEMBERSHIP#").await, (0..500).filter(|i| i % 3 == 1).count());
    assert_eq!(count_with_pk_prefix(&env.app, "DUNNING#").await, (0..500).filter(|i| i % 3 == 2).count());
    let ranking = cycle::live_ranking(&env.app, MonthKey::parse("2026-03").unwrap()).await.unwrap();
    assert_eq!(ranking[0].standing.score, 100 * sales as i64, "each commission counted once as points");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hundred_verifications_under_faults_credit_exactly_once_each() {
    use shared::payments::{reconcile, service as payments, solana::JsonRpcClient, store as payments_store};
    const MINT: &str = "4zMMC9srt5Ri5X14GAgXhaHii3GnPAEERYPJgZJDncDU";
    const TREASURY: &str = "9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM";
    let (url, node) = solana_rpc::start().await;
    let env = env_with(&[
        ("SOLANA_RPC_URL", &url),
        ("TOKEN_MINT", MINT),
        ("TREASURY_WALLET", TREASURY),
        ("CREDIT_PRICE_BASE_UNITS", "10000"),
    ])
    .await;
    let mut work = Vec::new();
    for i in 0..200u32 {
        let buyer = Wallet::parse(&wallet(2_000 + i)).unwrap();
        let credits = 1 + i % 5;
        let body = format!(r#"{{"kind":"CREDITS","credits":{credits}}}"#);
        let intent = payments::create_intent(&env.app, &buyer, serde_json::from_str(&body).unwrap()).await.unwrap();
        let signature = bs58::encode([(i % 251) as u8, (i / 251) as u8, 9, 9].repeat(16)).into_string();
        let tx =
            solana_rpc::transfer(buyer.as_str(), TREASURY, MINT, &intent.reference, intent.amount_base_units, false);
        node.lock().unwrap().transactions.insert(signature.clone(), tx);
        work.push((buyer, intent.intent_id, signature, u64::from(credits)));
    }
    let (faulty, proxies) = env.faulty_app(FAULTS, 23).await;
    // Each buyer's client retries while the answer is a 5xx (as a wallet app would).
    let results = join_all(work.iter().cloned().map(|(buyer, intent_id, signature, _)| {
        let faulty = faulty.clone();
        tokio::spawn(async move {
            let rpc = JsonRpcClient::new(
                faulty.http().clone(),
                &faulty.settings.payments.solana_rpc_url.clone().unwrap_or_default(),
            );
            for _ in 0..40 {
                match payments::verify(&faulty, &rpc, &buyer, &intent_id, &signature).await {
                    Ok(v) => return Ok(v.credited),
                    Err(e) if e.kind.is_server_side() => continue,
                    Err(e) => return Err(e),
                }
            }
            Err(shared::AppError::unavailable("GAVE_UP", "40 attempts"))
        })
    }))
    .await;
    for (r, (_, intent_id, _, credits)) in results.iter().zip(&work) {
        assert_eq!(r.as_ref().unwrap().as_ref().map_err(|e| e.code), Ok(credits), "{intent_id}");
    }
    assert!(proxies[0].counters.faults() > 0);
    // Exactly once each: balances, entries and signature guards match one credit per intent.
    for (buyer, _, _, credits) in &work {
        assert_eq!(payments_store::balance(&env.app, buyer.as_str()).await.unwrap(), *credits as i64);
    }
    let entries = items_with_pk_prefix(&env.app, "LEDGER#").await;
    assert_eq!(entries.iter().filter(|e| e["entity"].as_s().unwrap() == "LEDGER_ENTRY").count(), 200);
    assert_eq!(count_with_pk_prefix(&env.app, "TXSIG#").await, 200);
    let report = reconcile::run(&env.app).await.unwrap();
    assert!(
        report.zero_drift && report.missing_credits.is_empty() && report.duplicate_tx_signatures.is_empty(),
        "{report:?}"
    );
    assert_eq!((report.verified_intents, report.purchase_entries), (200, 200));
}

/// Seats 0..100 with points in `month`.
async fn hundred_seats(env: &TestEnv, month: MonthKey) {
    for i in 0..100u32 {
        seats::allocate(&env.app, "admin", &Wallet::parse(&wallet(i)).unwrap(), None).await.unwrap();
        cycle::add_points(
            &env.app,
            "admin",
            &shared::platform::ids::SeatId::known(seat_of(env, i).await),
            month,
            i64::from(i) + 1,
            "perf",
            "seed",
            None,
            None,
        )
        .await
        .unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_cycle_function_process_killed_mid_run_is_finished_by_the_next_invocation() {
    use integration_tests::bench::{procs::Function, runtime_api::OneShot};
    let env = env().await;
    let month = MonthKey::of(env.now_instant());
    hundred_seats(&env, month).await;
    let (_faulty, proxies) = env.faulty_app(FAULTS, 3).await;
    // The real function binary, as Lambda runs it.
    let built = std::process::Command::new(env!("CARGO"))
        .args(["build", "-q", "-p", "functions", "--bin", "cycle-scheduled"])
        .current_dir(repo_root())
        .status()
        .unwrap();
    assert!(built.success());
    let binary = repo_root().join("target/debug/cycle-scheduled");
    let s = &env.app.settings;
    let vars: Vec<(String, String)> = [
        ("TABLE_NAME", s.table_name.clone()),
        ("STAGE", "local".into()),
        ("REFUND_PAYOUT_QUEUE_URL", s.refund_payout_queue_url.clone().unwrap()),
        ("EVENT_BUS_NAME", s.event_bus_name.clone().unwrap()),
        ("AWS_ENDPOINT_URL_DYNAMODB", proxies[0].url.clone()),
        ("AWS_ENDPOINT_URL_SQS", proxies[1].url.clone()),
        ("AWS_ENDPOINT_URL_EVENTBRIDGE", proxies[1].url.clone()),
        ("CYCLE_LEASE_SECS", "2".into()),
        ("RUST_LOG", "warn".into()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    let end_of_month = shared::platform::clock::rfc3339(month.start() + time::Duration::days(32));
    let event = json!({ "version": "0", "id": "e", "detail-type": "Scheduled Event", "source": "aws.scheduler", "time": end_of_month, "detail": {} }).to_string();

    // Invocations are killed (SIGKILL) later and later until one dies with
    // the run half done; then the next ones run to the end.
    let (mut killed_mid_run, mut result) = (0, None);
    for attempt in 1..=30u64 {
        let api = OneShot::start(event.clone()).await.unwrap();
        let function = Function::spawn("cycle-scheduled", &binary, &format!("http://{}", api.addr), &vars).unwrap();
        if killed_mid_run == 0 {
            tokio::time::sleep(Duration::from_millis(200 * attempt)).await;
            function.stop().await;
            let run = shared::cycle::store::get_run(&env.app, &month.to_string()).await.unwrap();
            if run.is_some_and(|r| {
                r.status == shared::cycle::domain::RunStatus::InProgress
                    && !r.eliminated_seat_ids.is_empty()
                    && r.eliminated_seat_ids.len() < 10
            }) {
                killed_mid_run += 1;
            }
        } else {
            let served =
                tokio::time::timeout(Duration::from_secs(120), api.served()).await.expect("the invocation answers");
            function.stop().await;
            if served.ok && (served.body.contains("EXECUTED")) {
                result = Some(served.body);
                break;
            }
        }
        // EventBridge's retry comes after the dead invocation's lease.
        tokio::time::sleep(Duration::from_millis(2_100)).await;
    }
    assert_eq!(killed_mid_run, 1, "an invocation was killed with the run half done");
    assert!(result.is_some(), "a later invocation finished the run");
    let seat_items = items_with_pk_prefix(&env.app, "SEAT#").await;
    let eliminated = seat_items
        .iter()
        .filter(|s| s.get("status").and_then(|v| v.as_s().ok()).map(String::as_str) == Some("ELIMINATED"))
        .count();
    assert_eq!(eliminated, 10);
    assert_eq!(count_with_pk_prefix(&env.app, "REFUND#").await, 10);
    let queue = env.app.settings.refund_payout_queue_url.clone().unwrap();
    assert_eq!(
        bodies(&env.app, &queue).await.into_iter().collect::<BTreeSet<_>>().len(),
        10,
        "a payout job per refund"
    );
    let stats = program_store::load(&env.app).await.unwrap().stats;
    assert_eq!((stats.active_seats, stats.pending_refunds), (90, 10));
}

/// A Stripe-format server as Stripe behaves: `POST /v1/transfers` makes one
/// transfer per `Idempotency-Key` (a repeat gets the same one back), and
/// `GET /v1/transfers?transfer_group=` lists a group's. Returns its URL and
/// the transfers made, as (transfer group, id, amount).
async fn stripe() -> (String, std::sync::Arc<std::sync::Mutex<Vec<(String, String, u64)>>>) {
    use std::sync::{Arc, Mutex};
    let made: Arc<Mutex<Vec<(String, String, u64)>>> = Arc::default();
    let by_key: Arc<Mutex<BTreeMap<String, String>>> = Arc::default();
    let log = made.clone();
    let url = stub_http::start(Arc::new(move |head: &str, body: &[u8]| {
        let mut made = log.lock().unwrap();
        if head.starts_with("POST /v1/transfers ") {
            let form = String::from_utf8_lossy(body).to_string();
            let field = |name: &str| {
                form.split('&')
                    .find_map(|kv| kv.strip_prefix(&format!("{name}=")[..]).map(str::to_string))
                    .unwrap_or_default()
            };
            let key = stub_http::header(head, "idempotency-key").unwrap_or_default();
            let mut keys = by_key.lock().unwrap();
            let id = match keys.get(&key) {
                Some(id) => id.clone(),
                None => {
                    let id = format!("tr_{:04}", made.len());
                    made.push((field("transfer_group"), id.clone(), field("amount").parse().unwrap_or(0)));
                    keys.insert(key, id.clone());
                    id
                }
            };
            return (200, json!({ "id": id, "object": "transfer" }).to_string());
        }
        if let Some(query) = head.strip_prefix("GET /v1/transfers?").and_then(|r| r.split(' ').next()) {
            let group = query.split('&').find_map(|kv| kv.strip_prefix("transfer_group=")).unwrap_or("");
            let data: Vec<_> = made
                .iter()
                .filter(|(g, _, _)| g == group)
                .map(|(_, id, _)| json!({ "id": id, "object": "transfer" }))
                .collect();
            return (200, json!({ "object": "list", "data": data, "has_more": false }).to_string());
        }
        (404, json!({ "error": { "type": "invalid_request_error", "message": "unknown route" } }).to_string())
    }))
    .await;
    (url, made)
}

/// The Partner Network under the same faults: 1,000 recordings over 50
/// partnerships (each client retrying a 5xx under its idempotency key),
/// the outbox drained, the month settled and paid, each step run again
/// until it completes. Every recording is stored once, balances and
/// counters equal a recount, every event reached the bus under one id,
/// each period has one settlement and each settlement one transfer.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_network_under_faults_records_settles_and_pays_exactly_once() {
    use integration_tests::network::{percentage, Net};
    use shared::partner_transactions::store as ptx_store;
    use shared::platform::outbox;
    use shared::settlements::domain::SettlementStatus;
    use shared::settlements::payout::StripeConnectPayouts;
    use shared::settlements::service::{self as settlements, RunReport};
    use shared::settlements::store as settlement_store;
    let (stripe_url, transfers) = stripe().await;
    let net = Net::start().await;
    let sink = net
        .env
        .bus_sink(
            "net-faults",
            &["partner.transaction.recorded", "partner.settlement.calculated", "partner.settlement.processed"],
        )
        .await;
    let mut partnerships = Vec::new();
    for i in 0..50 {
        let (a, b) = (format!("nf-a{i:02}"), format!("nf-b{i:02}"));
        for (biz, side) in [(&a, "A"), (&b, "B")] {
            net.register(biz).await;
            let profile = json!({ "name": biz, "category": "cafe", "location": { "lat": 45.5, "lng": -73.57 }, "address": "", "availableForPartnership": true, "stripeAccountId": format!("acct_1{side}{i:02}") });
            assert_eq!(net.owner("PUT", "/api/v1/businesses/me", biz, profile).await.status, 200);
        }
        net.program(&a, 10).await;
        net.program(&b, 5).await;
        let terms = if i % 2 == 0 {
            percentage("5", "2.5")
        } else {
            json!({ "type": "HYBRID", "basePercentage": 3, "bonusThreshold": 4, "bonusPercentage": 6, "settlementFrequency": "MONTHLY" })
        };
        let id = net.partnership(&a, &b, "POINTS_COALITION", terms).await;
        for c in 0..4 {
            assert_eq!(
                net.earn_at_home(&a, &format!("f{i:02}-{c}"), "100.00", &format!("seed-{i}-{c}")).await.status,
                201
            );
        }
        partnerships.push((id, a, b));
    }
    let (faulty, proxies) = net.env.faulty_app(FAULTS, 41).await;

    // 1,000 recordings at once; each point of sale retries a 5xx with the same key.
    let pos = &net;
    let recordings = join_all((0..1_000).map(|n| {
        let (id, a, b) = partnerships[n % 50].clone();
        let customer = format!("f{:02}-{}", n % 50, (n / 50) % 4);
        let (biz, body) = match n % 4 {
            0 | 2 => (b, json!({ "type": "REDEEM", "customerId": customer, "points": 10 + (n % 7) as u64 })),
            1 => (
                b,
                json!({ "type": "EARN", "customerId": customer, "amount": format!("{}.{:02}", 3 + n % 20, n % 100) }),
            ),
            _ => (a, json!({ "type": "EARN", "customerId": customer, "amount": "7.00" })),
        };
        let request = move || {
            pos.request(
                "POST",
                &format!("/api/v1/partnerships/{id}/transactions"),
                &biz,
                "staff",
                Some(&body),
                &[("idempotency-key", &format!("nf-{n}"))],
            )
        };
        let faulty = faulty.clone();
        async move {
            for _ in 0..40 {
                let r = serve_routed(faulty.clone(), request()).await;
                if r.status < 500 {
                    return r;
                }
            }
            panic!("recording nf-{n} still failing after 40 attempts");
        }
    }))
    .await;
    for r in &recordings {
        assert!([200, 201].contains(&r.status), "{}", r.json);
    }
    assert!(proxies.iter().all(|p| p.counters.faults() > 0), "faults were injected on both proxies");

    // Exactly once, and every balance and counter equals a recount.
    let mut points: BTreeMap<(String, String), i64> = BTreeMap::new();
    let mut owed: BTreeMap<String, (i64, i64)> = BTreeMap::new();
    let mut transaction_ids = BTreeSet::new();
    for (id, _, _) in &partnerships {
        let txs = net.stored_transactions(id).await;
        assert_eq!(txs.len(), 20, "{id}: each of its 20 recordings stored once");
        let keys: BTreeSet<&str> = txs.iter().map(|t| t["idempotencyKey"].as_str().unwrap()).collect();
        assert_eq!(keys.len(), 20, "{id}");
        let (mut a_owes, mut b_owes) = (0i64, 0i64);
        for t in &txs {
            transaction_ids.insert(t["id"].as_str().unwrap().to_string());
            let program = t["programBusinessId"].as_str().unwrap().to_string();
            *points.entry((t["customerId"].as_str().unwrap().to_string(), program)).or_default() +=
                t["pointsEarned"].as_i64().unwrap_or(0) - t["pointsRedeemed"].as_i64().unwrap_or(0);
            let n = t["netAToB"].as_i64().unwrap();
            if n > 0 {
                a_owes += n
            } else {
                b_owes -= n
            }
        }
        let counters = ptx_store::period(&net.env.app, id, "2026-03-01").await.unwrap().unwrap();
        assert_eq!((counters.transactions, counters.a_owes_cents, counters.b_owes_cents), (20, a_owes, b_owes), "{id}");
        owed.insert(id.clone(), (a_owes, b_owes));
    }
    for ((customer, program), delta) in &points {
        let seeded = if program.starts_with("nf-a") { 1_000 } else { 0 };
        assert_eq!(net.balance(customer, program).await as i64, seeded + delta, "{customer} in {program}");
    }

    // The month's settlement run, then its payouts after the review window:
    // each run again (as the schedule would) until every one is done.
    net.env.clock.set(time::macros::datetime!(2026-04-01 00:15 UTC));
    let faults_before = proxies[0].counters.faults();
    let ids: Vec<String> = partnerships.iter().map(|(id, _, _)| id.clone()).collect();
    let settled = || async {
        let mut all = Vec::new();
        for id in &ids {
            all.push(settlement_store::of_partnership(&net.env.app, id).await.unwrap());
        }
        all
    };
    for round in 0.. {
        let mut report = RunReport::default();
        let result = settlements::run_due(&faulty, &mut report).await;
        if settled().await.iter().all(|s| !s.is_empty()) {
            break;
        }
        assert!(round < 40, "the settlement run never completed: {result:?} {report:?}");
    }
    net.env.clock.set(time::macros::datetime!(2026-04-08 01:00 UTC));
    let provider = StripeConnectPayouts::new(&stripe_url, "sk_test_local");
    for round in 0.. {
        let mut report = RunReport::default();
        let result = settlements::process_reviewed(&faulty, &provider, &mut report).await;
        if settled().await.iter().flatten().all(|s| s.status == SettlementStatus::Processed) {
            break;
        }
        assert!(round < 40, "the payouts never completed: {result:?} {report:?}");
        // A payout left PAYING by a failure is resumed once its lease passes.
        net.env.clock.advance(time::Duration::minutes(16));
    }
    assert!(proxies[0].counters.faults() > faults_before, "the settlement and its payouts ran under faults too");
    let all = settled().await;
    let transfers = transfers.lock().unwrap().clone();
    for (settlements_of, (id, _, _)) in all.iter().zip(&partnerships) {
        assert_eq!(settlements_of.len(), 1, "{id}: one settlement for its period");
        let s = &settlements_of[0];
        let (a_owes, b_owes) = owed[id];
        assert_eq!((s.business_a_owed, s.business_b_owed, s.net_settlement), (a_owes, b_owes, a_owes - b_owes), "{id}");
        let made: Vec<_> = transfers.iter().filter(|(group, _, _)| *group == format!("settlement-{}", s.id)).collect();
        assert_eq!(made.len(), usize::from(s.net_settlement != 0), "{id}: one transfer per settlement: {made:?}");
        if let Some((_, transfer, amount)) = made.first() {
            assert_eq!(
                (*amount, s.payment.as_ref().map(|p| p.reference.clone())),
                (s.net_settlement.unsigned_abs(), Some(Some(transfer.clone()))),
                "{id}"
            );
        }
    }

    // Every event reached the bus (at least once), each under one id.
    for round in 0.. {
        if outbox::drain(&faulty).await.is_ok() {
            break;
        }
        assert!(round < 40, "the outbox never drained");
    }
    assert_eq!(outbox::drain(&net.env.app).await.unwrap(), 0, "nothing left pending");
    let mut ids: BTreeMap<(String, String), BTreeSet<String>> = BTreeMap::new();
    for (kind, detail) in net.env.drain_events(&sink).await {
        let subject =
            detail["transactionId"].as_str().or(detail["settlementId"].as_str()).unwrap_or_default().to_string();
        ids.entry((kind, subject)).or_default().insert(detail["eventId"].as_str().unwrap().to_string());
    }
    let recorded: BTreeSet<&String> =
        ids.keys().filter(|(k, _)| k == "partner.transaction.recorded").map(|(_, t)| t).collect();
    assert_eq!(recorded, transaction_ids.iter().collect(), "an event for every recording");
    for kind in ["partner.settlement.calculated", "partner.settlement.processed"] {
        assert_eq!(ids.keys().filter(|(k, _)| k == kind).count(), 50, "{kind}");
    }
    for (subject, event_ids) in &ids {
        assert_eq!(event_ids.len(), 1, "{subject:?} published under one id: {event_ids:?}");
    }
}

/// The SDK keeps one retry quota per partition name for the whole process.
/// A faulty app drains its own, never the one every other client draws on:
/// otherwise the faults of one test turn another test's rare transient
/// error into a failure (as CI once saw, with two unrelated tests failing
/// while the fault tests ran).
#[tokio::test]
async fn injected_faults_leave_the_other_clients_retry_quota_alone() {
    use integration_tests::faults::{FaultProxy, Flavor};
    let env = env().await;
    // Every request of the faulty app fails: each call spends its retries.
    let (faulty, _proxies) = env.faulty_app(1_000, 11).await;
    for _ in 0..300 {
        let r = faulty.db.describe_table().table_name(faulty.table()).send().await;
        assert!(r.is_err(), "every request of this app fails");
    }
    // A client of the default partition, 20% of whose requests fail, still
    // gets each call through on its retries.
    let ddb = std::env::var("AWS_ENDPOINT_URL_DYNAMODB").unwrap();
    let proxy = FaultProxy::start(&ddb, Flavor::DynamoDb, 200, 5).await;
    let sdk = shared::platform::aws::sdk_config().await;
    let retry = aws_config::retry::RetryConfig::standard()
        .with_max_attempts(10)
        .with_initial_backoff(Duration::from_millis(1))
        .with_max_backoff(Duration::from_millis(5));
    let db = aws_sdk_dynamodb::Client::from_conf(
        aws_sdk_dynamodb::config::Builder::from(&sdk).endpoint_url(&proxy.url).retry_config(retry).build(),
    );
    for i in 0..40 {
        let r = db.describe_table().table_name(env.app.table()).send().await;
        assert!(r.is_ok(), "call {i}: {:?}", r.err());
    }
    assert!(proxy.counters.faults() > 0, "the victim's requests met faults and retried them");
}
