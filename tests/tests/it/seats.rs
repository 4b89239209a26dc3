//! Seat allocation against DynamoDB Local: the cap holds under a burst,
//! one seat per wallet, the price paid is the price of that moment.

use functions::handlers::{partners_config_update, partners_seats_allocate, partners_seats_list};
use futures::future::join_all;
use integration_tests::*;
use shared::http::serve::dispatch;
use shared::program::store as program_store;
use shared::seats::{domain::Wallet, service};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hundred_fifty_racing_allocations_fill_exactly_one_hundred_seats() {
    let env = env().await;
    let attempts = (0..250u32).map(|i| {
        let app = env.app.clone();
        tokio::spawn(async move {
            let wallet = Wallet::parse(&wallet(i)).unwrap();
            service::allocate(&app, "admin", &wallet, None).await
        })
    });
    let results: Vec<_> = join_all(attempts).await.into_iter().map(|r| r.expect("task")).collect();

    let allocated = results.iter().filter(|r| r.is_ok()).count();
    let cap_reached = results.iter().filter(|r| matches!(r, Err(e) if e.code == "SEAT_CAP_REACHED")).count();
    let other: Vec<_> =
        results.iter().filter_map(|r| r.as_ref().err()).filter(|e| e.code != "SEAT_CAP_REACHED").collect();
    assert!(other.is_empty(), "unexpected errors: {other:?}");
    assert_eq!((allocated, cap_reached), (100, 150));
    for e in results.iter().filter_map(|r| r.as_ref().err()) {
        assert_eq!(e.kind, shared::platform::error::ErrorKind::Conflict);
    }

    // The counter, the seat items and the wallet guards agree.
    let state = program_store::load(&env.app).await.unwrap();
    assert_eq!(state.stats.active_seats, 100);
    assert_eq!(state.stats.open_seats(), 0);
    assert_eq!(count_with_pk_prefix(&env.app, "SEAT#").await, 100);
    assert_eq!(count_with_pk_prefix(&env.app, "WALLET#").await, 100);

    // And the listing (GSI2, paginated) sees the same 100.
    let mut seen = 0;
    let mut cursor: Option<String> = None;
    loop {
        let page =
            service::list(&env.app, Some(shared::seats::domain::SeatStatus::Active), Some(30), cursor.as_deref())
                .await
                .unwrap();
        seen += page.seats.len();
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    assert_eq!(seen, 100);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_wallet_racing_itself_gets_one_seat() {
    let env = env().await;
    let w = Wallet::parse(&wallet(1)).unwrap();
    let results = join_all((0..20).map(|_| {
        let app = env.app.clone();
        let w = w.clone();
        tokio::spawn(async move { service::allocate(&app, "admin", &w, None).await })
    }))
    .await;
    let ok = results.iter().filter(|r| matches!(r, Ok(Ok(_)))).count();
    let dup = results.iter().filter(|r| matches!(r, Ok(Err(e)) if e.code == "WALLET_ALREADY_HAS_SEAT")).count();
    assert_eq!((ok, dup), (1, 19));
    assert_eq!(program_store::load(&env.app).await.unwrap().stats.active_seats, 1);
}

#[tokio::test]
async fn a_seat_is_charged_the_refill_price_of_its_moment_and_audited() {
    let env = env().await;
    let first = reply(
        dispatch(
            env.app.clone(),
            env.admin("POST", "/api/partners/seats", Some(&format!(r#"{{"wallet":"{}"}}"#, wallet(1)))),
            partners_seats_allocate::handle,
        )
        .await,
    );
    assert_eq!(first.status, 201, "{}", first.json);
    assert_eq!(first.json["seat"]["pricePaidCents"], 100_000); // the default price

    env.clock.advance(time::Duration::seconds(1));
    let req = signed_by(
        &admin_key(),
        "x-admin-wallet",
        "POST",
        "/api/partners/config",
        Some(r#"{"refillPriceUsd":"1499.99"}"#),
        env.now(),
    );
    assert_eq!(reply(dispatch(env.app.clone(), req, partners_config_update::handle).await).status, 200);

    let req = signed_by(
        &admin_key(),
        "x-admin-wallet",
        "POST",
        "/api/partners/seats",
        Some(&format!(r#"{{"wallet":"{}"}}"#, wallet(2))),
        env.now(),
    );
    let second = reply(dispatch(env.app.clone(), req, partners_seats_allocate::handle).await);
    assert_eq!(second.status, 201, "{}", second.json);
    assert_eq!(second.json["seat"]["pricePaidCents"], 149_999);
    assert_eq!(second.json["seat"]["allocatedBy"], admin_wallet());

    let audits = items_with_pk_prefix(&env.app, "AUDIT#SEAT#").await;
    assert_eq!(audits.len(), 2);
    assert!(audits.iter().all(|a| a["action"].as_s().unwrap() == "seat.allocated"));

    let req =
        signed_by(&admin_key(), "x-admin-wallet", "GET", "/api/partners/seats?status=ACTIVE&limit=1", None, env.now());
    let list = reply(dispatch(env.app.clone(), req, partners_seats_list::handle).await);
    assert_eq!(list.status, 200, "{}", list.json);
    assert_eq!(list.json["seats"].as_array().unwrap().len(), 1);
    assert!(list.json["nextCursor"].is_string());
    assert_eq!(list.json["stats"]["refill"]["openSeats"], 98);
    assert_eq!(list.json["stats"]["refill"]["refillPriceCents"], 149_999);
}
