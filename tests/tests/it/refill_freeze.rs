//! Freezing refill (the Global Partner Program runbook's incident step):
//! refused on every path that takes a seat, audited, published, a condition
//! inside the allocation transaction (proven racing 50 allocations), and no
//! obstacle to the cycle and the refund pipeline.

use functions::handlers::{partners_config_get, partners_config_update, partners_seats_allocate};
use futures::future::join_all;
use integration_tests::*;
use serde_json::json;
use shared::cycle::{domain::MonthKey, service as cycle};
use shared::http::serve::dispatch;
use shared::platform::audit::AuditEntry;
use shared::refunds::{domain::RefundAction, service as refunds};
use shared::seats::{domain::Seat, domain::SeatStatus, domain::Wallet, service as seats, store as seat_store};

async fn post_config(env: &TestEnv, body: serde_json::Value) -> Reply {
    let body = body.to_string();
    let req = env.admin("POST", "/api/partners/config", Some(&body));
    let r = reply(dispatch(env.app.clone(), req, partners_config_update::handle).await);
    env.clock.advance(time::Duration::seconds(1)); // a fresh signature per call
    r
}

async fn get_config(env: &TestEnv) -> Reply {
    let req = env.admin("GET", "/api/partners/config", None);
    let r = reply(dispatch(env.app.clone(), req, partners_config_get::handle).await);
    env.clock.advance(time::Duration::seconds(1));
    r
}

async fn allocate(env: &TestEnv, i: u32) -> Reply {
    let body = json!({ "wallet": wallet(i) }).to_string();
    let req = env.admin("POST", "/api/partners/seats", Some(&body));
    let r = reply(dispatch(env.app.clone(), req, partners_seats_allocate::handle).await);
    env.clock.advance(time::Duration::seconds(1));
    r
}

#[tokio::test]
async fn a_freeze_refuses_seats_keeps_the_cycle_and_refunds_running_and_lifts() {
    let env = env().await;
    let sink = env.bus_sink("refill", &["RefillFrozen", "RefillUnfrozen"]).await;
    for i in 0..12 {
        assert_eq!(allocate(&env, i).await.status, 201);
    }

    // A freeze needs a reason; with one it is recorded, shown and published.
    assert_eq!(post_config(&env, json!({ "refillFrozen": true })).await.code(), "MISSING_REASON");
    let frozen_at = shared::platform::clock::rfc3339(env.now_instant());
    let r = post_config(&env, json!({ "refillFrozen": true, "reason": "rank dispute INC-7" })).await;
    assert_eq!(r.status, 200, "{}", r.json);
    let refill = get_config(&env).await.json["stats"]["refill"].clone();
    assert_eq!(refill["frozen"], true);
    assert_eq!(refill["frozenAt"], frozen_at.as_str());
    assert_eq!(refill["frozenBy"], admin_wallet().as_str());
    assert_eq!(refill["frozenReason"], "rank dispute INC-7");
    assert_eq!(refill["openSeats"], 88, "open seats are still counted");
    let audit = items_with_pk_prefix(&env.app, "AUDIT#PROGRAM#").await;
    let frozen_rows: Vec<_> = audit.iter().filter(|r| r["action"].as_s().unwrap() == "program.refill_frozen").collect();
    assert_eq!(frozen_rows.len(), 1);
    assert_eq!(frozen_rows[0]["actor"].as_s().unwrap(), &admin_wallet());

    // Every path that takes a seat refuses.
    let refused = allocate(&env, 50).await;
    assert_eq!((refused.status, refused.code()), (409, "REFILL_FROZEN"), "{}", refused.json);
    let w = Wallet::parse(&wallet(51)).unwrap();
    let intent =
        shared::payments::service::create_intent(&env.app, &w, serde_json::from_str(r#"{"kind":"SEAT"}"#).unwrap())
            .await;
    assert_eq!(intent.unwrap_err().code, "REFILL_FROZEN");

    // Freezing again keeps the first freeze and publishes again (a retry
    // after a lost publish is never lost); the price can still change.
    let again = post_config(&env, json!({ "refillFrozen": true, "reason": "retry" })).await;
    assert_eq!(again.json["stats"]["refill"]["frozenAt"], frozen_at.as_str());
    let priced = post_config(&env, json!({ "refillPriceUsd": 1200, "reason": "new price" })).await;
    assert_eq!(
        (priced.json["stats"]["refill"]["frozen"].clone(), priced.json["refillPriceCents"].clone()),
        (json!(true), json!(120_000))
    );

    // The cycle and the refund pipeline keep running.
    let month = MonthKey::of(env.now_instant()).previous();
    let run = cycle::execute(&env.app, month, "scheduler", "monthly-bottom-10", None).await.unwrap();
    assert_eq!(run.eliminated.len(), 10);
    let done = refunds::act(
        &env.app,
        "admin",
        &run.eliminated[0].refund_id,
        RefundAction::Complete { tx_hash: "tx-1".into() },
        None,
    )
    .await
    .unwrap();
    assert_eq!(done.status, shared::refunds::domain::RefundStatus::Completed);
    assert_eq!(allocate(&env, 52).await.code(), "REFILL_FROZEN", "freed seats stay closed while frozen");

    // Unfreezing needs a reason too, and reopens refill.
    assert_eq!(post_config(&env, json!({ "refillFrozen": false })).await.code(), "MISSING_REASON");
    let open = post_config(&env, json!({ "refillFrozen": false, "reason": "snapshot verified" })).await;
    assert_eq!(open.json["stats"]["refill"]["frozen"], false);
    assert!(open.json["stats"]["refill"].get("frozenAt").is_none());
    assert_eq!(allocate(&env, 53).await.status, 201);
    assert_eq!(
        items_with_pk_prefix(&env.app, "AUDIT#PROGRAM#")
            .await
            .iter()
            .filter(|r| r["action"].as_s().unwrap() == "program.refill_unfrozen")
            .count(),
        1
    );

    let events = env.drain_events(&sink).await;
    let kinds: Vec<&str> = events.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(kinds.iter().filter(|k| **k == "RefillFrozen").count(), 2, "{events:?}");
    assert_eq!(kinds.iter().filter(|k| **k == "RefillUnfrozen").count(), 1, "{events:?}");
    let first = events.iter().find(|(t, _)| t == "RefillFrozen").unwrap();
    assert_eq!(
        (first.1["reason"].as_str(), first.1["frozenBy"].as_str()),
        (Some("rank dispute INC-7"), Some(admin_wallet().as_str()))
    );
}

#[tokio::test]
async fn the_freeze_is_a_condition_in_the_allocation_not_a_read_before_it() {
    let env = env().await;
    // A writer that read the config before the freeze (version 0: never
    // written) commits after it: the transaction itself refuses.
    let config_version = 0;
    post_config(&env, json!({ "refillFrozen": true, "reason": "incident" })).await;
    let seat = Seat {
        seat_id: "late".into(),
        wallet: wallet(1),
        status: SeatStatus::Active,
        price_paid_cents: 100_000,
        joined_at: "2026-03-10T12:00:00Z".into(),
        allocated_by: "admin".into(),
        eliminated_at: None,
        eliminated_month: None,
    };
    let audit =
        AuditEntry::new("admin", "seat.allocated", &seat_store::subject("late"), "2026-03-10T12:00:00Z", json!({}));
    let outcome = seat_store::allocate(&env.app, &seat, config_version, &audit).await.unwrap();
    assert_eq!(outcome, seat_store::AllocateOutcome::ConfigRefused);
    // So does one holding the current version: the version alone is not the guard.
    let current = shared::program::store::load(&env.app).await.unwrap().config.unwrap().version;
    let outcome = seat_store::allocate(&env.app, &seat, current, &audit).await.unwrap();
    assert_eq!(outcome, seat_store::AllocateOutcome::ConfigRefused);
    assert_eq!(count_with_pk_prefix(&env.app, "SEAT#").await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_freeze_racing_fifty_allocations_leaves_none_committed_after_it() {
    let env = env().await;
    let racers = join_all((0..50u32).map(|i| {
        let app = env.app.clone();
        tokio::spawn(async move {
            // Spread the allocations around the freeze.
            tokio::time::sleep(std::time::Duration::from_millis(u64::from(i % 10) * 15)).await;
            seats::allocate(&app, "admin", &Wallet::parse(&wallet(i)).unwrap(), None).await
        })
    }));
    let app = env.app.clone();
    let freezer = tokio::spawn(async move {
        tokio::time::sleep(std::time::Duration::from_millis(60)).await;
        let update = shared::program::domain::ConfigUpdate {
            refill_price: None,
            refill_frozen: Some(true),
            reason: Some("race".into()),
        };
        shared::program::service::update_config(&app, "admin", update, None).await.unwrap();
        // Seats taken by the moment the freeze committed.
        shared::program::store::load(&app).await.unwrap().stats.active_seats
    });
    let (results, at_freeze) = tokio::join!(racers, freezer);
    let at_freeze = at_freeze.unwrap();
    let mut allocated = 0;
    for r in results {
        match r.unwrap() {
            Ok(_) => allocated += 1,
            Err(e) => assert_eq!(e.code, "REFILL_FROZEN", "{e}"),
        }
    }
    let stats = shared::program::store::load(&env.app).await.unwrap().stats;
    assert_eq!(stats.active_seats, at_freeze, "a seat was taken after the freeze committed");
    assert_eq!(stats.active_seats, allocated);
    assert_eq!(count_with_pk_prefix(&env.app, "SEAT#").await as u32, allocated);
    assert_eq!(
        seats::allocate(&env.app, "admin", &Wallet::parse(&wallet(99)).unwrap(), None).await.unwrap_err().code,
        "REFILL_FROZEN"
    );
}

#[tokio::test]
async fn a_freeze_whose_publish_failed_is_still_announced_by_the_outbox_drain() {
    let env = env().await;
    let sink = env.bus_sink("refill-late", &["RefillFrozen"]).await;
    let mut settings = (*env.app.settings).clone();
    settings.event_bus_name = Some("no-such-bus".into());
    let mut dying = env.app.clone();
    dying.settings = std::sync::Arc::new(settings);
    let update = shared::program::domain::ConfigUpdate {
        refill_price: None,
        refill_frozen: Some(true),
        reason: Some("incident".into()),
    };
    shared::program::service::update_config(&dying, "admin", update, None).await.unwrap();
    assert!(env.drain_events(&sink).await.is_empty(), "the publish after the commit failed");
    assert_eq!(shared::platform::outbox::drain(&env.app).await.unwrap(), 1);
    let events = env.drain_events(&sink).await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].1["reason"], "incident");
}
