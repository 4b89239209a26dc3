//! The monthly cycle against DynamoDB Local and moto: a full month at 100
//! seats, racing executes, crash and resume, bad month keys, the SLA audit
//! at exact instants, and refill after elimination.

use std::collections::BTreeSet;

use functions::handlers::*;
use futures::future::join_all;
use integration_tests::*;
use shared::cycle::{domain::MonthKey, service as cycle};
use shared::http::serve::dispatch;
use shared::program::store as program_store;
use shared::refunds::{domain::RefundStatus, service as refunds, store as refund_store};
use shared::seats::{domain::Wallet, service as seats};

const MONTH: &str = "2026-03"; // T0 is 2026-03-10

/// 100 seats; seat i joins at T0 + i minutes in groups of 3 (so join ties
/// exist), and seats 90..99 score low with ties, the others high.
/// Returns the seat ids in allocation order.
async fn fill_month(env: &TestEnv) -> Vec<String> {
    let mut ids = Vec::new();
    for i in 0..100u32 {
        if i % 3 == 0 {
            env.clock.advance(time::Duration::minutes(1));
        }
        let seat = seats::allocate(&env.app, "admin", &Wallet::parse(&wallet(i)).unwrap(), None).await.unwrap();
        ids.push(seat.seat_id);
    }
    let month = MonthKey::parse(MONTH).unwrap();
    for (i, id) in ids.iter().enumerate() {
        let points = if i < 90 { 100 + (i as i64 % 7) } else { 1 + (i as i64 % 2) };
        cycle::add_points(
            &env.app,
            "admin",
            &shared::platform::ids::SeatId::known(id.as_str()),
            month,
            points,
            "test",
            "seed",
            None,
            None,
        )
        .await
        .unwrap();
    }
    ids
}

/// The bottom ten by the rule, computed here from the seeding: among
/// seats 90..99, score 1 (even i) is worse than 2, and later joins worse.
fn expected_bottom_ten(ids: &[String]) -> BTreeSet<String> {
    ids[90..].iter().cloned().collect()
}

async fn queue_messages(env: &TestEnv) -> Vec<String> {
    let url = env.app.settings.refund_payout_queue_url.clone().unwrap();
    let mut bodies = Vec::new();
    loop {
        let out = env
            .app
            .sqs
            .receive_message()
            .queue_url(&url)
            .max_number_of_messages(10)
            .visibility_timeout(30)
            .send()
            .await
            .unwrap();
        let msgs = out.messages.unwrap_or_default();
        if msgs.is_empty() {
            return bodies;
        }
        bodies.extend(msgs.into_iter().filter_map(|m| m.body));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_full_month_dry_run_execute_snapshot_refunds_and_refill() {
    let env = env().await;
    let ids = fill_month(&env).await;

    // Dry run: ten candidates, nothing written.
    let dry = reply(
        dispatch(
            env.app.clone(),
            env.admin("POST", "/api/partners/cycle/eliminate", Some(r#"{"monthKey":"2026-03","dryRun":true}"#)),
            partners_cycle_eliminate::handle,
        )
        .await,
    );
    assert_eq!(dry.status, 200, "{}", dry.json);
    assert_eq!(dry.json["candidateCount"], 10);
    let dry_ids: BTreeSet<String> =
        dry.json["candidates"].as_array().unwrap().iter().map(|c| c["seatId"].as_str().unwrap().to_string()).collect();
    assert_eq!(dry_ids, expected_bottom_ten(&ids));
    // Worst first: score 1 before score 2, later join before earlier.
    let worst = &dry.json["candidates"][0];
    assert_eq!(worst["score"], 1);
    assert_eq!(worst["rank"], 100);
    assert_eq!(count_with_pk_prefix(&env.app, "CYCLE#").await, 0);
    assert_eq!(count_with_pk_prefix(&env.app, "REFUND#").await, 0);

    // Execute.
    env.clock.advance(time::Duration::hours(1));
    let executed_at = env.now();
    let body = r#"{"monthKey":"2026-03","dryRun":false,"reason":"monthly-bottom-10"}"#;
    let exec = reply(
        dispatch(
            env.app.clone(),
            env.admin("POST", "/api/partners/cycle/eliminate", Some(body)),
            partners_cycle_eliminate::handle,
        )
        .await,
    );
    assert_eq!(exec.status, 200, "{}", exec.json);
    assert_eq!(exec.json["eliminatedCount"], 10);

    // Persisted: snapshot, elimination rows, refunds, seat statuses.
    let snap = reply(
        dispatch(
            env.app.clone(),
            env.admin("GET", "/api/partners/rankings?monthKey=2026-03&source=SNAPSHOT", None),
            partners_rankings::handle,
        )
        .await,
    );
    assert_eq!(snap.status, 200, "{}", snap.json);
    let rows = snap.json["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 100);
    assert_eq!(rows[0]["rank"], 1);
    assert!(rows.windows(2).all(|w| w[0]["score"].as_i64() >= w[1]["score"].as_i64()));
    assert_eq!(count_with_pk_prefix(&env.app, "CYCLE#2026-03").await, 2 + 10); // run + snapshot + 10 eliminations
    let state = program_store::load(&env.app).await.unwrap();
    assert_eq!((state.stats.active_seats, state.stats.pending_refunds, state.stats.open_seats()), (90, 10, 10));

    let queue = reply(
        dispatch(
            env.app.clone(),
            env.admin("GET", "/api/partners/refunds?status=PENDING", None),
            partners_refunds_list::handle,
        )
        .await,
    );
    let pending = queue.json["refunds"].as_array().unwrap();
    assert_eq!(pending.len(), 10);
    let deadline = shared::platform::clock::rfc3339(
        time::OffsetDateTime::from_unix_timestamp(executed_at).unwrap() + time::Duration::days(7),
    );
    for r in pending {
        assert_eq!(r["refundDeadlineAt"], deadline.as_str());
        assert_eq!(r["amountCents"], 100_000);
        assert_eq!(r["attempts"], 0);
        assert_eq!(r["overdue"], false);
        assert!(expected_bottom_ten(&ids).contains(r["seatId"].as_str().unwrap()));
    }
    // One payout job per refund.
    let jobs: BTreeSet<String> = queue_messages(&env).await.into_iter().collect();
    assert_eq!(jobs.len(), 10);

    // A second execute is refused.
    let again = reply(
        dispatch(
            env.app.clone(),
            env.admin("POST", "/api/partners/cycle/eliminate", Some(&body.replace("bottom-10", "bottom-10 "))),
            partners_cycle_eliminate::handle,
        )
        .await,
    );
    assert_eq!((again.status, again.code()), (409, "CYCLE_ALREADY_EXECUTED"));

    // Preview shows the history.
    let preview = reply(
        dispatch(
            env.app.clone(),
            env.admin("GET", "/api/partners/cycle/eliminate?monthKey=2026-03", None),
            partners_cycle_preview::handle,
        )
        .await,
    );
    assert_eq!(preview.json["history"][0]["status"], "COMPLETED");
    assert_eq!(preview.json["history"][0]["eliminatedCount"], 10);

    // Refunds: complete one, refuse invalid transitions.
    let rid = pending[0]["refundId"].as_str().unwrap().to_string();
    let done = reply(
        dispatch(
            env.app.clone(),
            env.admin(
                "POST",
                "/api/partners/refunds",
                Some(&format!(r#"{{"refundId":"{rid}","action":"COMPLETE","txHash":"abc123"}}"#)),
            ),
            partners_refunds_update::handle,
        )
        .await,
    );
    assert_eq!(done.status, 200, "{}", done.json);
    assert_eq!(done.json["refund"]["status"], "COMPLETED");
    let twice = reply(
        dispatch(
            env.app.clone(),
            env.admin(
                "POST",
                "/api/partners/refunds",
                Some(&format!(r#"{{"refundId":"{rid}","action":"COMPLETE","txHash":"abc124"}}"#)),
            ),
            partners_refunds_update::handle,
        )
        .await,
    );
    assert_eq!((twice.status, twice.code()), (409, "REFUND_ALREADY_COMPLETED"));
    let rid2 = pending[1]["refundId"].as_str().unwrap().to_string();
    let no_hash = reply(
        dispatch(
            env.app.clone(),
            env.admin(
                "POST",
                "/api/partners/refunds",
                Some(&format!(r#"{{"refundId":"{rid2}","action":"COMPLETE"}}"#)),
            ),
            partners_refunds_update::handle,
        )
        .await,
    );
    assert_eq!((no_hash.status, no_hash.code()), (400, "MISSING_TX_HASH"));
    let failed = reply(
        dispatch(
            env.app.clone(),
            env.admin(
                "POST",
                "/api/partners/refunds",
                Some(&format!(r#"{{"refundId":"{rid2}","action":"FAILED","reason":"rpc down"}}"#)),
            ),
            partners_refunds_update::handle,
        )
        .await,
    );
    assert_eq!(failed.json["refund"]["status"], "FAILED");
    let complete_failed = reply(
        dispatch(
            env.app.clone(),
            env.admin(
                "POST",
                "/api/partners/refunds",
                Some(&format!(r#"{{"refundId":"{rid2}","action":"COMPLETE","txHash":"x1"}}"#)),
            ),
            partners_refunds_update::handle,
        )
        .await,
    );
    assert_eq!((complete_failed.status, complete_failed.code()), (409, "REFUND_FAILED_RETRY_FIRST"));
    let retried = reply(
        dispatch(
            env.app.clone(),
            env.admin("POST", "/api/partners/refunds", Some(&format!(r#"{{"refundId":"{rid2}","action":"RETRY"}}"#))),
            partners_refunds_update::handle,
        )
        .await,
    );
    assert_eq!(retried.json["refund"]["status"], "PENDING");
    assert_eq!(retried.json["refund"]["attempts"], 1);
    assert_eq!(queue_messages(&env).await, vec![format!(r#"{{"refundId":"{rid2}"}}"#)]);
    let missing = reply(
        dispatch(
            env.app.clone(),
            env.admin("POST", "/api/partners/refunds", Some(r#"{"refundId":"RF-nope","action":"RETRY"}"#)),
            partners_refunds_update::handle,
        )
        .await,
    );
    assert_eq!((missing.status, missing.code()), (404, "REFUND_NOT_FOUND"));
    assert_eq!(program_store::load(&env.app).await.unwrap().stats.pending_refunds, 9);

    // Refill at the price of that moment.
    let price = reply(
        dispatch(
            env.app.clone(),
            env.admin("POST", "/api/partners/config", Some(r#"{"refillPriceUsd":2000}"#)),
            partners_config_update::handle,
        )
        .await,
    );
    assert_eq!(price.json["stats"]["refill"]["openSeats"], 10);
    let seat = seats::allocate(&env.app, "admin", &Wallet::parse(&wallet(500)).unwrap(), None).await.unwrap();
    assert_eq!(seat.price_paid_cents, 200_000);
    // An eliminated wallet may buy again.
    let back = seats::allocate(&env.app, "admin", &Wallet::parse(&wallet(99)).unwrap(), None).await.unwrap();
    assert_eq!(back.price_paid_cents, 200_000);
    assert_eq!(program_store::load(&env.app).await.unwrap().stats.open_seats(), 8);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_executes_run_the_month_once() {
    let env = env().await;
    fill_month(&env).await;
    let month = MonthKey::parse(MONTH).unwrap();
    let results = join_all((0..8).map(|_| {
        let app = env.app.clone();
        tokio::spawn(async move { cycle::execute(&app, month, "admin", "race", None).await })
    }))
    .await;
    let ok = results.iter().filter(|r| matches!(r, Ok(Ok(_)))).count();
    let refused = results
        .iter()
        .filter(|r| matches!(r, Ok(Err(e)) if e.code == "CYCLE_ALREADY_EXECUTED" && e.kind == shared::platform::error::ErrorKind::Conflict))
        .count();
    assert_eq!((ok, refused), (1, 7));
    assert_eq!(count_with_pk_prefix(&env.app, "REFUND#").await, 10);
    assert_eq!(count_with_pk_prefix(&env.app, "CYCLE#").await, 12);
    assert_eq!(program_store::load(&env.app).await.unwrap().stats.active_seats, 90);
}

#[tokio::test]
async fn a_crashed_execution_resumes_without_duplicates() {
    let env = env().await;
    let ids = fill_month(&env).await;
    let month = MonthKey::parse(MONTH).unwrap();
    let partial = cycle::execute_steps(&env.app, month, "admin", "crash", None, 4).await.unwrap();
    assert_eq!(partial.status, shared::cycle::domain::RunStatus::InProgress);
    assert_eq!(count_with_pk_prefix(&env.app, "REFUND#").await, 4);

    // While the dead invocation's lease runs, a re-run is refused...
    let early = cycle::execute(&env.app, month, "admin", "again", None).await.unwrap_err();
    assert_eq!(early.code, "CYCLE_ALREADY_EXECUTED");
    // ...after it, the re-run finishes the same work.
    env.clock.advance(time::Duration::seconds(cycle::LEASE_SECS + 1));
    let done = cycle::execute(&env.app, month, "admin", "again", None).await.unwrap();
    assert_eq!(done.eliminated.len(), 10);
    let eliminated: BTreeSet<String> = done.eliminated.iter().map(|e| e.row.standing.seat_id.clone()).collect();
    assert_eq!(eliminated, expected_bottom_ten(&ids));
    assert_eq!(count_with_pk_prefix(&env.app, "REFUND#").await, 10);
    assert_eq!(count_with_pk_prefix(&env.app, "CYCLE#").await, 12);
    let audits = items_with_pk_prefix(&env.app, "AUDIT#SEAT#").await;
    assert_eq!(audits.iter().filter(|a| a["action"].as_s().unwrap() == "seat.eliminated").count(), 10);
    let state = program_store::load(&env.app).await.unwrap();
    assert_eq!((state.stats.active_seats, state.stats.pending_refunds), (90, 10));
    let jobs: BTreeSet<String> = queue_messages(&env).await.into_iter().collect();
    assert_eq!(jobs.len(), 10);
    assert_eq!(
        cycle::execute(&env.app, month, "admin", "third", None).await.unwrap_err().code,
        "CYCLE_ALREADY_EXECUTED"
    );
}

#[tokio::test]
async fn month_keys_sources_and_missing_snapshots_are_checked() {
    let env = env().await;
    for (path, status, code) in [
        ("/api/partners/rankings?monthKey=2026-3", 400, "INVALID_MONTH_KEY"),
        ("/api/partners/rankings?monthKey=2026-04", 400, "MONTH_IN_FUTURE"),
        ("/api/partners/rankings?monthKey=2026-02&source=SNAPSHOT", 404, "SNAPSHOT_NOT_FOUND"),
        ("/api/partners/rankings?source=GUESS", 400, "INVALID_SOURCE"),
    ] {
        let r = reply(dispatch(env.app.clone(), env.admin("GET", path, None), partners_rankings::handle).await);
        assert_eq!((r.status, r.code()), (status, code), "{path}");
    }
    for (body, code) in [
        (r#"{"monthKey":"2026-13","dryRun":true}"#, "INVALID_MONTH_KEY"),
        (r#"{"monthKey":"2027-01","dryRun":false}"#, "MONTH_IN_FUTURE"),
        (r#"{"monthKey":"2026-02","dryRun":"no"}"#, "INVALID_FIELD"),
        (r#"{"dryRun":true}"#, "MISSING_FIELD"),
    ] {
        let r = reply(
            dispatch(
                env.app.clone(),
                env.admin("POST", "/api/partners/cycle/eliminate", Some(body)),
                partners_cycle_eliminate::handle,
            )
            .await,
        );
        assert_eq!((r.status, r.code()), (400, code), "{body}");
    }
    assert_eq!(count_with_pk_prefix(&env.app, "CYCLE#").await, 0);
}

#[tokio::test]
async fn sla_audit_at_exact_instants_publishes_overdue_refunds() {
    let env = env().await;
    // Route the bus's RefundOverdue events to a queue we can read.
    let sdk = shared::platform::aws::sdk_config().await;
    let sink = create_test_queue(&sdk, &format!("{}-sink", env.app.table())).await;
    let arn = env
        .app
        .sqs
        .get_queue_attributes()
        .queue_url(&sink.main)
        .attribute_names(aws_sdk_sqs::types::QueueAttributeName::QueueArn)
        .send()
        .await
        .unwrap()
        .attributes
        .unwrap()[&aws_sdk_sqs::types::QueueAttributeName::QueueArn]
        .clone();
    let bus = env.app.settings.event_bus_name.clone().unwrap();
    env.app
        .events
        .put_rule()
        .name("overdue")
        .event_bus_name(&bus)
        .event_pattern(r#"{"detail-type":["RefundOverdue"]}"#)
        .send()
        .await
        .unwrap();
    env.app
        .events
        .put_targets()
        .rule("overdue")
        .event_bus_name(&bus)
        .targets(aws_sdk_eventbridge::types::Target::builder().id("q").arn(arn).build().unwrap())
        .send()
        .await
        .unwrap();

    for i in 0..3u32 {
        seats::allocate(&env.app, "admin", &Wallet::parse(&wallet(i)).unwrap(), None).await.unwrap();
    }
    let month = MonthKey::parse(MONTH).unwrap();
    cycle::execute(&env.app, month, "admin", "sla", None).await.unwrap();
    let start = env.now_instant();

    env.clock.set(start + time::Duration::days(6) - time::Duration::seconds(1));
    let r = refunds::sla_audit(&env.app, true).await.unwrap();
    assert_eq!((r.overdue.len(), r.at_risk.len()), (0, 0));
    env.clock.set(start + time::Duration::days(7) - time::Duration::hours(23));
    let r = refunds::sla_audit(&env.app, true).await.unwrap();
    assert_eq!((r.overdue.len(), r.at_risk.len()), (0, 3));
    env.clock.set(start + time::Duration::days(7));
    let r = refunds::sla_audit(&env.app, true).await.unwrap();
    assert_eq!((r.overdue.len(), r.at_risk.len()), (0, 3), "due exactly now is not yet overdue");
    // One refund gets paid; the other two go overdue a second later.
    let first = refund_store::all_by_status(&env.app, RefundStatus::Pending).await.unwrap()[0].refund_id.clone();
    refunds::act(
        &env.app,
        "admin",
        &first,
        shared::refunds::domain::RefundAction::Complete { tx_hash: "t".into() },
        None,
    )
    .await
    .unwrap();
    env.clock.set(start + time::Duration::days(7) + time::Duration::seconds(1));
    let http = reply(
        dispatch(env.app.clone(), env.admin("GET", "/api/partners/refunds/sla", None), partners_refunds_sla::handle)
            .await,
    );
    assert_eq!(http.json["overdue"].as_array().unwrap().len(), 2);
    let scheduled = refund_sla_audit::handle(env.app.clone(), serde_json::json!({})).await.unwrap();
    assert_eq!(scheduled["overdue"], 2);

    // Two RefundOverdue events reached the bus (and through the rule, the queue).
    let mut events = Vec::new();
    for _ in 0..10 {
        let out = env.app.sqs.receive_message().queue_url(&sink.main).max_number_of_messages(10).send().await.unwrap();
        events.extend(out.messages.unwrap_or_default().into_iter().filter_map(|m| m.body));
        if events.len() >= 2 {
            break;
        }
    }
    assert_eq!(events.len(), 2, "{events:?}");
    assert!(events.iter().all(|e| e.contains("RefundOverdue") && !e.contains(&first)));
    for e in &events {
        integration_tests::contract::check(&serde_json::from_str(e).unwrap());
    }
}

#[tokio::test]
async fn elimination_revokes_privileges_at_once() {
    let env = env().await;
    let key = ed25519_dalek::SigningKey::from_bytes(&[77; 32]);
    let partner = wallet_of(&key);
    seats::allocate(&env.app, "admin", &Wallet::parse(&partner).unwrap(), None).await.unwrap();
    let me = |ts: i64| signed_by(&key, "x-wallet", "GET", "/api/partners/me", None, ts);
    let console = |ts: i64| signed_by(&key, "x-wallet", "GET", "/api/partners/console", None, ts);

    let r = reply(dispatch(env.app.clone(), me(env.now()), partners_me::handle).await);
    assert_eq!(r.json["status"], "ACTIVE");
    assert_eq!(r.json["privileges"]["v5Equivalent"], true);
    let c = reply(dispatch(env.app.clone(), console(env.now()), partners_console::handle).await);
    assert_eq!(c.status, 200, "{}", c.json);
    assert_eq!(c.json["rank"], 1);

    cycle::execute(&env.app, MonthKey::parse(MONTH).unwrap(), "admin", "revoke", None).await.unwrap();
    env.clock.advance(time::Duration::seconds(1));
    let r = reply(dispatch(env.app.clone(), me(env.now()), partners_me::handle).await);
    assert_eq!(r.json["status"], "ELIMINATED");
    assert_eq!(r.json["privileges"]["v5Equivalent"], false);
    assert_eq!(r.json["privileges"]["partnerConsole"], false);
    let c = reply(dispatch(env.app.clone(), console(env.now()), partners_console::handle).await);
    assert_eq!((c.status, c.code()), (403, "PARTNER_CONSOLE_FORBIDDEN"));
    // Unsigned or unknown callers get 401, never a seat.
    let anon =
        reply(dispatch(env.app.clone(), unsigned("GET", "/api/partners/me", &[], None), partners_me::handle).await);
    assert_eq!((anon.status, anon.code()), (401, "WALLET_AUTH_REQUIRED"));
}

#[tokio::test]
async fn points_need_an_active_seat_a_reason_and_count_once() {
    let env = env().await;
    let seat = seats::allocate(&env.app, "admin", &Wallet::parse(&wallet(1)).unwrap(), None).await.unwrap();
    let body = format!(r#"{{"seatId":"{}","points":25,"reason":"referral","entryId":"e-1"}}"#, seat.seat_id);
    let first = reply(
        dispatch(
            env.app.clone(),
            env.admin("POST", "/api/partners/scores", Some(&body)),
            partners_scores_adjust::handle,
        )
        .await,
    );
    assert_eq!((first.status, first.json["recorded"].as_bool()), (201, Some(true)), "{}", first.json);
    env.clock.advance(time::Duration::seconds(1));
    let again = reply(
        dispatch(
            env.app.clone(),
            env.admin("POST", "/api/partners/scores", Some(&body)),
            partners_scores_adjust::handle,
        )
        .await,
    );
    assert_eq!((again.status, again.json["duplicate"].as_bool()), (200, Some(true)));
    let live = cycle::live_ranking(&env.app, MonthKey::parse(MONTH).unwrap()).await.unwrap();
    assert_eq!(live[0].standing.score, 25);
    for (b, code) in [
        (format!(r#"{{"seatId":"{}","points":5,"reason":" "}}"#, seat.seat_id), "MISSING_REASON"),
        (format!(r#"{{"seatId":"{}","points":0,"reason":"x"}}"#, seat.seat_id), "INVALID_POINTS"),
        (r#"{"seatId":"nope","points":5,"reason":"x"}"#.to_string(), "SEAT_NOT_ACTIVE"),
    ] {
        let r = reply(
            dispatch(
                env.app.clone(),
                env.admin("POST", "/api/partners/scores", Some(&b)),
                partners_scores_adjust::handle,
            )
            .await,
        );
        assert_eq!(r.code(), code, "{b}");
    }
}

fn month_end_event() -> cycle_scheduled::ScheduledEvent {
    // Fired at the start of April: closes March (MONTH).
    cycle_scheduled::ScheduledEvent { time: Some("2026-04-01T00:05:00Z".into()) }
}

#[tokio::test]
async fn a_run_that_fails_midway_gives_its_lease_back_and_its_retry_finishes_it() {
    let env = env().await;
    let ids = fill_month(&env).await;
    let month = MonthKey::parse(MONTH).unwrap();
    // The payout queue is unreachable: the send after the first elimination fails.
    let mut settings = (*env.app.settings).clone();
    settings.refund_payout_queue_url = Some(format!("{}-gone", settings.refund_payout_queue_url.clone().unwrap()));
    let mut broken = env.app.clone();
    broken.settings = std::sync::Arc::new(settings);
    let failed = cycle_scheduled::handle(broken, month_end_event()).await.unwrap_err();
    assert_ne!(failed.code, "CYCLE_ALREADY_EXECUTED");
    assert_eq!(count_with_pk_prefix(&env.app, "REFUND#").await, 1, "one seat went before the failure");

    // Not reported as executed anywhere.
    let preview = cycle::preview(&env.app, month).await.unwrap();
    assert_eq!(
        (preview.already_executed, preview.run_status),
        (false, Some(shared::cycle::domain::RunStatus::InProgress))
    );
    let r = reply(
        dispatch(
            env.app.clone(),
            env.admin("GET", &format!("/api/partners/cycle/eliminate?monthKey={MONTH}"), None),
            partners_cycle_preview::handle,
        )
        .await,
    );
    assert_eq!(
        (r.json["preview"]["alreadyExecuted"].clone(), r.json["preview"]["runStatus"].clone()),
        (serde_json::json!(false), serde_json::json!("IN_PROGRESS"))
    );

    // The schedule's retry, at once (no lease to wait out), finishes the same work.
    let done = cycle_scheduled::handle(env.app.clone(), month_end_event()).await.unwrap();
    assert_eq!((done["status"].as_str(), done["eliminated"].as_u64()), (Some("EXECUTED"), Some(10)));
    assert_eq!(count_with_pk_prefix(&env.app, "REFUND#").await, 10);
    let jobs: BTreeSet<String> = queue_messages(&env).await.into_iter().collect();
    assert_eq!(jobs.len(), 10, "every refund has its payout job, the first one's too");
    let pending = refund_store::all_by_status(&env.app, RefundStatus::Pending).await.unwrap();
    assert!(pending.iter().all(|r| r.payout_queued_at.is_some()));
    let eliminated: BTreeSet<String> =
        items_with_pk_prefix(&env.app, "REFUND#").await.iter().map(|r| r["seatId"].as_s().unwrap().clone()).collect();
    assert_eq!(eliminated, expected_bottom_ten(&ids));
    let state = program_store::load(&env.app).await.unwrap();
    assert_eq!((state.stats.active_seats, state.stats.pending_refunds), (90, 10));
    assert_eq!(
        cycle_scheduled::handle(env.app.clone(), month_end_event()).await.unwrap()["status"],
        "ALREADY_EXECUTED"
    );
}

#[tokio::test]
async fn the_schedule_fails_loudly_on_an_unfinished_run_until_it_is_finished() {
    let env = env().await;
    fill_month(&env).await;
    let month = MonthKey::parse(MONTH).unwrap();
    // An invocation died after 4 seats, holding its lease.
    cycle::execute_steps(&env.app, month, "scheduler", "monthly-bottom-10", None, 4).await.unwrap();
    let retry = cycle_scheduled::handle(env.app.clone(), month_end_event()).await.unwrap_err();
    assert_eq!(
        (retry.kind, retry.code),
        (shared::platform::error::ErrorKind::Conflict, "CYCLE_IN_PROGRESS"),
        "an unfinished run is never reported as done"
    );
    // Once the dead invocation's lease runs out, the next retry resumes it.
    env.clock.advance(time::Duration::seconds(cycle::LEASE_SECS + 1));
    let done = cycle_scheduled::handle(env.app.clone(), month_end_event()).await.unwrap();
    assert_eq!((done["status"].as_str(), done["eliminated"].as_u64()), (Some("EXECUTED"), Some(10)));
    assert_eq!(queue_messages(&env).await.into_iter().collect::<BTreeSet<_>>().len(), 10);
}

#[tokio::test]
async fn a_month_before_the_one_that_just_ended_needs_an_audited_override() {
    let env = env().await;
    fill_month(&env).await;
    let post = |body: &str| {
        let req = env.admin("POST", "/api/partners/cycle/eliminate", Some(body));
        env.clock.advance(time::Duration::seconds(1));
        let app = env.app.clone();
        async move { reply(dispatch(app, req, partners_cycle_eliminate::handle).await) }
    };
    // T0 is in March: January is refused and nothing is written.
    let refused = post(r#"{"monthKey":"2026-01","dryRun":false,"reason":"catch-up"}"#).await;
    assert_eq!((refused.status, refused.code()), (422, "CYCLE_MONTH_NOT_ALLOWED"), "{}", refused.json);
    assert_eq!(count_with_pk_prefix(&env.app, "CYCLE#").await, 0);
    assert_eq!(post(r#"{"monthKey":"2025-06","dryRun":false}"#).await.code(), "CYCLE_MONTH_NOT_ALLOWED");
    // A dry run of any past month writes nothing, so it is allowed.
    assert_eq!(post(r#"{"monthKey":"2026-01","dryRun":true}"#).await.status, 200);
    // The override needs a reason, and is audited.
    assert_eq!(
        post(r#"{"monthKey":"2026-01","dryRun":false,"pastMonthOverride":true}"#).await.code(),
        "MISSING_REASON"
    );
    let done =
        post(r#"{"monthKey":"2026-01","dryRun":false,"pastMonthOverride":true,"reason":"INC-9 missed close"}"#).await;
    assert_eq!((done.status, done.json["eliminatedCount"].as_u64()), (200, Some(10)), "{}", done.json);
    let audit = items_with_pk_prefix(&env.app, "AUDIT#CYCLE#2026-01").await;
    let overrides: Vec<_> =
        audit.iter().filter(|a| a["action"].as_s().unwrap() == "cycle.past_month_override").collect();
    assert_eq!(overrides.len(), 1);
    // The month that just ended needs no override.
    assert_eq!(post(r#"{"monthKey":"2026-02","dryRun":false,"reason":"close"}"#).await.status, 200);
}
