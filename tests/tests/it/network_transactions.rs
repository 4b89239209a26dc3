//! Partner transactions on DynamoDB Local and moto: the spec's end-to-end
//! example, idempotent recording, racing redemptions, the load test (1,000
//! concurrent recordings over 50 partnerships) checked against a recount,
//! reversals, the config's rules, analytics and the customer view.

use std::collections::HashMap;

use futures::future::join_all;
use integration_tests::network::{percentage, Net};
use integration_tests::*;
use serde_json::json;

#[tokio::test]
async fn the_specs_example_a_customer_of_a_redeems_at_b_and_a_owes_b_fifty_cents() {
    let net = Net::start().await;
    let sink = net.env.bus_sink("tx-events", &["partner.transaction.recorded"]).await;
    for biz in ["biz-a", "biz-b"] {
        net.register(biz).await;
    }
    net.program("biz-a", 10).await;
    let id = net.partnership("biz-a", "biz-b", "POINTS_COALITION", percentage("5", "5")).await;
    // Customer makes a purchase at Business A and earns 100 points.
    let earned = net.earn_at_home("biz-a", "cust-1", "10.00", "pos-a-1").await;
    assert_eq!((earned.status, earned.json["pointsEarned"].as_u64()), (201, Some(100)), "{}", earned.json);
    assert_eq!(net.balance("cust-1", "biz-a").await, 100);
    // ... and redeems them at Business B for a $10 reward: A owes B $0.50.
    let redeemed =
        net.record(&id, "biz-b", "pos-b-1", json!({ "type": "REDEEM", "customerId": "cust-1", "points": 100 })).await;
    assert_eq!(redeemed.status, 201, "{}", redeemed.json);
    let tx = &redeemed.json;
    assert_eq!(
        (tx["amount"].as_u64(), tx["revenueSharingAmount"].as_u64(), tx["netAToB"].as_i64()),
        (Some(1_000), Some(50), Some(50))
    );
    assert_eq!((tx["payerBusinessId"].as_str(), tx["payeeBusinessId"].as_str()), (Some("biz-a"), Some("biz-b")));
    assert_eq!(
        (tx["originBusinessId"].as_str(), tx["redeemingBusinessId"].as_str(), tx["termsVersion"].as_u64()),
        (Some("biz-a"), Some("biz-b"), Some(1))
    );
    assert_eq!(tx["calculation"]["formula"], "$10.00 x 5.00% (businessAShare), rounded half up = $0.50");
    assert_eq!(net.balance("cust-1", "biz-a").await, 0);
    // A retry (a POS that lost the answer) gets the same record, not a second.
    let retry =
        net.record(&id, "biz-b", "pos-b-1", json!({ "type": "REDEEM", "customerId": "cust-1", "points": 100 })).await;
    assert_eq!((retry.status, &retry.json["id"]), (200, &tx["id"]));
    let reused =
        net.record(&id, "biz-b", "pos-b-1", json!({ "type": "REDEEM", "customerId": "cust-1", "points": 50 })).await;
    assert_eq!(reused.code(), "IDEMPOTENCY_KEY_REUSED");
    // Both sides' analytics, from their own side.
    let a = net.get(&format!("/api/v1/partnerships/{id}/analytics"), "biz-a").await.json;
    let b = net.get(&format!("/api/v1/partnerships/{id}/analytics"), "biz-b").await.json;
    assert_eq!((a["life"]["revenuePaidToPartner"].as_i64(), a["life"]["net"].as_i64()), (Some(50), Some(-50)), "{a}");
    assert_eq!(
        (b["life"]["revenueEarnedFromPartner"].as_i64(), b["life"]["net"].as_i64()),
        (Some(50), Some(50)),
        "{b}"
    );
    assert_eq!((b["life"]["redeemTransactions"].as_i64(), b["life"]["sharedCustomers"].as_i64()), (Some(1), Some(1)));
    assert_eq!(b["months"].as_array().unwrap().len(), 1);
    let dashboard = net.get("/api/v1/network/analytics", "biz-a").await.json;
    assert_eq!(
        (dashboard["activePartnerships"].as_u64(), dashboard["netRevenueThisMonth"].as_i64()),
        (Some(1), Some(-50)),
        "{dashboard}"
    );
    assert_eq!(dashboard["partners"][0]["partnerBusinessId"], "biz-b");
    // The card's name and age come with it (the profile's name; when it went live).
    assert_eq!(dashboard["partners"][0]["partnerName"], "biz-b");
    let live = net.get(&format!("/api/v1/partnerships/{id}"), "biz-a").await.json;
    assert_eq!(dashboard["partners"][0]["activatedAt"], live["activatedAt"], "{dashboard}");
    assert!(live["activatedAt"].is_string());
    // Listed for both parties; recorded once on the bus.
    let listed = net.get(&format!("/api/v1/partnerships/{id}/transactions?type=REDEEM"), "biz-a").await;
    assert_eq!(listed.json["transactions"].as_array().unwrap().len(), 1, "{}", listed.json);
    let events = net.env.drain_events(&sink).await;
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0].1["revenueSharingAmount"], 50);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_redemptions_take_only_what_the_balance_holds() {
    let net = Net::start().await;
    for biz in ["biz-a", "biz-b"] {
        net.register(biz).await;
    }
    net.program("biz-a", 10).await;
    let id = net.partnership("biz-a", "biz-b", "CROSS_REDEMPTION", percentage("5", "5")).await;
    net.earn_at_home("biz-a", "cust-9", "10.00", "home-1").await;
    let replies = join_all((0..20).map(|i| {
        let req = net.request(
            "POST",
            &format!("/api/v1/partnerships/{id}/transactions"),
            "biz-b",
            "staff",
            Some(&json!({ "type": "REDEEM", "customerId": "cust-9", "points": 30 })),
            &[("idempotency-key", &format!("race-{i}"))],
        );
        let app = net.env.app.clone();
        tokio::spawn(async move { serve_routed(app, req).await })
    }))
    .await;
    let replies: Vec<Reply> = replies.into_iter().map(Result::unwrap).collect();
    let ok = replies.iter().filter(|r| r.status == 201).count();
    let refused = replies.iter().filter(|r| r.code() == "INSUFFICIENT_POINTS").count();
    assert_eq!((ok, refused), (3, 17), "{:?}", replies.iter().map(|r| r.json.clone()).collect::<Vec<_>>());
    assert_eq!(net.balance("cust-9", "biz-a").await, 10);
}

/// The spec's load test: 1,000 concurrent recordings over 50 partnerships.
/// Nothing is lost or doubled: balances and analytics equal a recount from
/// the stored transactions.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_thousand_concurrent_recordings_over_fifty_partnerships_add_up() {
    let net = Net::start().await;
    let mut partnerships = Vec::new();
    for i in 0..50 {
        let (a, b) = (format!("ld-a{i:02}"), format!("ld-b{i:02}"));
        net.register(&a).await;
        net.register(&b).await;
        net.program(&a, 10).await;
        net.program(&b, 5).await;
        let kind = "POINTS_COALITION";
        let terms = if i % 2 == 0 {
            percentage("5", "2.5")
        } else {
            json!({ "type": "HYBRID", "basePercentage": 3, "bonusThreshold": 4, "bonusPercentage": 6, "settlementFrequency": "MONTHLY" })
        };
        let id = net.partnership(&a, &b, kind, terms).await;
        // Each customer of A starts with 1,000 points at A.
        for c in 0..4 {
            let r = net.earn_at_home(&a, &format!("c{i:02}-{c}"), "100.00", &format!("seed-{i}-{c}")).await;
            assert_eq!(r.status, 201, "{}", r.json);
        }
        partnerships.push((id, a, b));
    }
    let requests: Vec<_> = (0..1_000)
        .map(|n| {
            let (id, a, b) = &partnerships[n % 50];
            let customer = format!("c{:02}-{}", n % 50, (n / 50) % 4);
            // Half earn at B in A's program, half redeem A's points at B; a
            // few earn at A in B's program.
            let (biz, body) = match n % 4 {
                0 | 2 => (b, json!({ "type": "REDEEM", "customerId": customer, "points": 10 + (n % 7) as u64 })),
                1 => (b, json!({ "type": "EARN", "customerId": customer, "amount": format!("{}.{:02}", 3 + n % 20, n % 100) })),
                _ => (a, json!({ "type": "EARN", "customerId": customer, "amount": "7.00" })),
            };
            net.request("POST", &format!("/api/v1/partnerships/{id}/transactions"), biz, "staff", Some(&body), &[("idempotency-key", &format!("load-{n}"))])
        })
        .collect();
    let replies = join_all(requests.into_iter().map(|req| {
        let app = net.env.app.clone();
        tokio::spawn(async move { serve_routed(app, req).await })
    }))
    .await;
    for r in &replies {
        let r = r.as_ref().unwrap();
        assert_eq!(r.status, 201, "{}", r.json);
    }
    // Recount from the stored transactions.
    let mut points: HashMap<(String, String), i64> = HashMap::new();
    let mut total = 0;
    for (id, a, b) in &partnerships {
        let txs = net.stored_transactions(id).await;
        assert_eq!(txs.len(), 20, "{id}");
        total += txs.len();
        let (mut a_owes, mut b_owes, mut customers) = (0i64, 0i64, std::collections::BTreeSet::new());
        let mut hybrid_ordinals = Vec::new();
        for t in &txs {
            let program = t["programBusinessId"].as_str().unwrap().to_string();
            let entry = points.entry((t["customerId"].as_str().unwrap().to_string(), program)).or_default();
            *entry += t["pointsEarned"].as_i64().unwrap_or(0) - t["pointsRedeemed"].as_i64().unwrap_or(0);
            let net_a_to_b = t["netAToB"].as_i64().unwrap();
            if net_a_to_b > 0 {
                a_owes += net_a_to_b
            } else {
                b_owes -= net_a_to_b
            }
            customers.insert(t["customerId"].as_str().unwrap().to_string());
            if let Some(ordinal) = t["calculation"]["ordinal"].as_u64().filter(|o| *o > 0) {
                hybrid_ordinals.push(ordinal);
            }
        }
        // HYBRID: every qualifying transaction has its own place in the period.
        hybrid_ordinals.sort();
        assert_eq!(hybrid_ordinals, (1..=hybrid_ordinals.len() as u64).collect::<Vec<_>>(), "{id}");
        let analytics = net.get(&format!("/api/v1/partnerships/{id}/analytics"), a).await.json;
        assert_eq!(analytics["life"]["transactions"].as_i64(), Some(20));
        assert_eq!(analytics["life"]["revenuePaidToPartner"].as_i64(), Some(a_owes), "{id}");
        assert_eq!(analytics["life"]["revenueEarnedFromPartner"].as_i64(), Some(b_owes), "{id}");
        assert_eq!(analytics["life"]["sharedCustomers"].as_i64(), Some(customers.len() as i64), "{id}");
        let _ = b;
    }
    assert_eq!(total, 1_000);
    // Balances: the home seed plus the recount (every disagreement listed).
    let mut disagree = Vec::new();
    for ((customer, program), delta) in &points {
        let seeded = if program.starts_with("ld-a") { 1_000 } else { 0 };
        let balance = net.balance(customer, program).await as i64;
        if balance != seeded + delta {
            disagree.push(format!("{customer} in {program}: balance {balance}, recount {}", seeded + delta));
        }
    }
    assert!(disagree.is_empty(), "{} of {} balances disagree: {disagree:?}", disagree.len(), points.len());
}

#[tokio::test]
async fn reversals_undo_once_and_the_config_and_status_are_enforced() {
    let net = Net::start().await;
    for biz in ["biz-a", "biz-b", "biz-c"] {
        net.register(biz).await;
    }
    net.program("biz-a", 10).await;
    let id = net.partnership("biz-a", "biz-b", "POINTS_COALITION", percentage("5", "5")).await;
    let put = net.owner("PUT", &format!("/api/v1/partnerships/{id}"), "biz-a", json!({ "config": { "minimumTransaction": 3, "allowedCategories": ["coffee"], "maxRedemptionPerCustomer": 2 } })).await;
    assert_eq!(put.status, 200, "{}", put.json);
    // Earning at B in A's program, within the rules.
    let earn = |amount: &str, category: &str| json!({ "type": "EARN", "customerId": "cust-2", "amount": amount, "category": category });
    assert_eq!(net.record(&id, "biz-b", "e0", earn("2.99", "coffee")).await.code(), "BELOW_MINIMUM");
    assert_eq!(net.record(&id, "biz-b", "e1", earn("20.00", "tea")).await.code(), "NOT_ELIGIBLE");
    assert_eq!(
        net.record(&id, "biz-b", "e2", json!({ "type": "REFERRAL", "customerId": "cust-2", "amount": 5 })).await.code(),
        "TYPE_NOT_ALLOWED"
    );
    assert_eq!(
        net.call(
            "POST",
            &format!("/api/v1/partnerships/{id}/transactions"),
            "biz-b",
            "staff",
            Some(&earn("5", "coffee")),
            &[]
        )
        .await
        .code(),
        "IDEMPOTENCY_KEY_REQUIRED"
    );
    let earned = net.record(&id, "biz-b", "e3", earn("20.00", "coffee")).await;
    assert_eq!(
        (earned.status, earned.json["pointsEarned"].as_u64(), earned.json["revenueSharingAmount"].as_u64()),
        (201, Some(200), Some(0)),
        "{}",
        earned.json
    );
    assert_eq!(net.balance("cust-2", "biz-a").await, 200);
    // The redemption cap per customer and period.
    let redeem = json!({ "type": "REDEEM", "customerId": "cust-2", "points": 10, "category": "coffee" });
    let first = net.record(&id, "biz-b", "r1", redeem.clone()).await;
    assert_eq!(first.status, 201, "{}", first.json);
    assert_eq!(net.record(&id, "biz-b", "r2", redeem.clone()).await.status, 201);
    assert_eq!(net.record(&id, "biz-b", "r3", redeem.clone()).await.code(), "REDEMPTION_LIMIT_REACHED");
    // A reversal gives the points back and owes the share back, once.
    let original = first.json["id"].as_str().unwrap();
    let reversal = json!({ "type": "REVERSAL", "reverses": original, "reason": "reward returned" });
    // The payer (A owes B for B's redemption) cannot erase what it owes:
    // only the recorder reverses; A disputes the settlement instead.
    for role in ["staff", "owner"] {
        let r = net
            .call(
                "POST",
                &format!("/api/v1/partnerships/{id}/transactions"),
                "biz-a",
                role,
                Some(&reversal),
                &[("idempotency-key", &format!("payer-{role}"))],
            )
            .await;
        assert_eq!((r.status, r.code()), (403, "NOT_THE_RECORDER"), "{role}: {}", r.json);
    }
    let reversed = net.record(&id, "biz-b", "v1", reversal.clone()).await;
    assert_eq!(
        (reversed.status, reversed.json["netAToB"].as_i64(), reversed.json["reverses"].as_str()),
        (201, Some(-5), Some(original)),
        "{}",
        reversed.json
    );
    assert_eq!(net.balance("cust-2", "biz-a").await, 200 - 10);
    assert_eq!(net.record(&id, "biz-b", "v2", reversal).await.code(), "ALREADY_REVERSED");

    let analytics = net.get(&format!("/api/v1/partnerships/{id}/analytics"), "biz-b").await.json;
    assert_eq!(
        (analytics["life"]["revenueEarnedFromPartner"].as_i64(), analytics["life"]["reversals"].as_i64()),
        (Some(5), Some(1)),
        "{analytics}"
    );
    // A third business sees nothing of it.
    for path in [format!("/api/v1/partnerships/{id}/transactions"), format!("/api/v1/partnerships/{id}/analytics")] {
        assert_eq!(net.get(&path, "biz-c").await.code(), "PARTNERSHIP_NOT_FOUND", "{path}");
    }
    assert_eq!(net.record(&id, "biz-c", "x1", earn("20.00", "coffee")).await.code(), "PARTNERSHIP_NOT_FOUND");
    // Paused: nothing new; points earned before stay valid.
    net.owner(
        "PATCH",
        &format!("/api/v1/partnerships/{id}/status"),
        "biz-a",
        json!({ "status": "TERMINATED", "reason": "done" }),
    )
    .await;
    assert_eq!(net.record(&id, "biz-b", "e4", earn("20.00", "coffee")).await.code(), "PARTNERSHIP_NOT_ACTIVE");
    // A retry of a recording made while it was active still gets its answer.
    assert_eq!(net.record(&id, "biz-b", "e3", earn("20.00", "coffee")).await.status, 200);
    assert_eq!(net.balance("cust-2", "biz-a").await, 190);
}

#[tokio::test]
async fn customers_see_their_balances_and_the_rewards_they_can_redeem() {
    let net = Net::start().await;
    for biz in ["biz-a", "biz-b", "biz-c"] {
        net.register(biz).await;
    }
    net.program("biz-a", 10).await;
    net.program("biz-c", 1).await;
    net.partnership("biz-a", "biz-b", "POINTS_COALITION", percentage("5", "5")).await;
    for (biz, name) in [("biz-a", "Free coffee"), ("biz-c", "Free book")] {
        let r = net
            .owner("POST", "/api/v1/businesses/me/rewards", biz, json!({ "name": name, "points": 50, "value": "5.00" }))
            .await;
        assert_eq!(r.status, 201, "{}", r.json);
    }
    assert_eq!(
        net.owner("POST", "/api/v1/businesses/me/rewards", "biz-b", json!({ "name": "x", "points": 50, "value": 5 }))
            .await
            .code(),
        "NO_POINTS_PROGRAM"
    );
    net.program("biz-b", 2).await;
    net.owner(
        "POST",
        "/api/v1/businesses/me/rewards",
        "biz-b",
        json!({ "name": "Free muffin", "points": 40, "value": "4.00" }),
    )
    .await;
    net.earn_at_home("biz-a", "cust-3", "12.34", "k1").await;
    let view = net.call("GET", "/api/v1/customers/me", "cust-3", "customer", None, &[]).await;
    assert_eq!(view.status, 200, "{}", view.json);
    assert_eq!(
        view.json["balances"],
        json!([{ "programBusinessId": "biz-a", "points": 123, "valueCents": 1230, "expiresAt": null }]),
        "biz-a's points never expire"
    );
    let mut names: Vec<&str> =
        view.json["rewards"].as_array().unwrap().iter().map(|r| r["name"].as_str().unwrap()).collect();
    names.sort();
    assert_eq!(names, ["Free coffee", "Free muffin"], "A's points buy A's and its partner B's rewards, not C's");
    // A business token is not a customer's, and the other way round.
    assert_eq!(net.get("/api/v1/customers/me", "biz-a").await.code(), "NOT_A_CUSTOMER");
    assert_eq!(
        net.call("GET", "/api/v1/network/analytics", "cust-3", "customer", None, &[]).await.code(),
        "NOT_A_BUSINESS_USER"
    );
    // Home earns are idempotent too.
    let again = net.earn_at_home("biz-a", "cust-3", "12.34", "k1").await;
    assert_eq!((again.status, again.json["pointsEarned"].as_u64()), (200, Some(123)));
    assert_eq!(net.earn_at_home("biz-a", "cust-3", "1.00", "k1").await.code(), "IDEMPOTENCY_KEY_REUSED");
    assert_eq!(net.balance("cust-3", "biz-a").await, 123);
}

#[tokio::test]
async fn the_preview_charges_what_the_engine_records() {
    let net = Net::start().await;
    let body = json!({ "revenueSharingTerms": percentage("5", "5"), "samples": [{ "payer": "A", "value": "5.00" }, { "payer": "B", "value": 10 }] });
    let r = net.owner("POST", "/api/v1/revenue-sharing/preview", "biz-x", body).await;
    assert_eq!(r.status, 200, "{}", r.json);
    assert_eq!(
        (r.json["lines"][0]["amountCents"].as_u64(), r.json["lines"][1]["amountCents"].as_u64()),
        (Some(25), Some(50))
    );
    assert_eq!(
        (
            r.json["totals"]["aOwesCents"].as_u64(),
            r.json["totals"]["bOwesCents"].as_u64(),
            r.json["totals"]["netCents"].as_i64()
        ),
        (Some(25), Some(50), Some(-25))
    );
    let empty = net
        .owner(
            "POST",
            "/api/v1/revenue-sharing/preview",
            "biz-x",
            json!({ "revenueSharingTerms": percentage("5", "5"), "samples": [] }),
        )
        .await;
    assert_eq!(empty.code(), "INVALID_SAMPLES");
}

/// A warm recording reads nothing: once a container has seen the
/// partnership, the program and the customer, it is the rate-limit write,
/// one transaction and the outbox's mark. What it remembers is checked by
/// that transaction, so a change made elsewhere (new terms) is noticed.
#[tokio::test]
async fn a_warm_recording_reads_nothing_and_writes_one_transaction() {
    use shared::platform::ddb_metrics::measure;
    let net = Net::start().await;
    for biz in ["biz-a", "biz-b"] {
        net.register(biz).await;
    }
    net.program("biz-a", 10).await;
    let id = net.partnership("biz-a", "biz-b", "POINTS_COALITION", percentage("5", "5")).await;
    net.earn_at_home("biz-a", "cust-w", "100.00", "home-w").await;
    // The service alone (the handler adds the rate-limit write before it).
    let (biz_b, pid) =
        (shared::platform::ids::BusinessId::known("biz-b"), shared::platform::ids::PartnershipId::known(id.clone()));
    let record = |key: &'static str| {
        let body = serde_json::from_value(json!({ "type": "REDEEM", "customerId": "cust-w", "points": 10 })).unwrap();
        shared::partner_transactions::service::record(
            &net.env.app,
            &biz_b,
            "user-b",
            shared::members::domain::Role::Staff,
            &pid,
            Some(key),
            body,
        )
    };
    let (first, cold) = measure(record("w1")).await;
    assert!(first.unwrap().1);
    let (second, warm) = measure(record("w2")).await;
    assert!(second.unwrap().1);
    assert!(cold.requests > warm.requests, "cold {cold:?} warm {warm:?}");
    // The transaction, and the outbox's "published" mark after the event
    // went out (the price of never losing an event); no read at all.
    assert_eq!((warm.requests, warm.read_units), (2, 0.0), "one transaction and the outbox mark: {warm:?}");
    let redeem = |key: &str| {
        net.request(
            "POST",
            &format!("/api/v1/partnerships/{id}/transactions"),
            "biz-b",
            "staff",
            Some(&json!({ "type": "REDEEM", "customerId": "cust-w", "points": 10 })),
            &[("idempotency-key", key)],
        )
    };
    // New terms agreed elsewhere: the remembered partnership is stale, the
    // transaction refuses it, and the recording charges the new terms.
    let proposed = net
        .owner(
            "PUT",
            &format!("/api/v1/partnerships/{id}"),
            "biz-a",
            json!({ "revenueSharingTerms": percentage("10", "10") }),
        )
        .await;
    assert_eq!(proposed.status, 200, "{}", proposed.json);
    net.owner(
        "PATCH",
        &format!("/api/v1/partnerships/{id}/terms"),
        "biz-b",
        json!({ "version": 2, "decision": "ACCEPT" }),
    )
    .await;
    let third = serve_routed(net.env.app.clone(), redeem("w3")).await;
    assert_eq!(
        (third.json["termsVersion"].as_u64(), third.json["revenueSharingAmount"].as_u64()),
        (Some(2), Some(10)),
        "{}",
        third.json
    );
}

/// Past a day, the recorder's staff no longer reverse a transaction; its
/// owner still does. The counterparty never does.
#[tokio::test]
async fn a_reversal_after_a_day_needs_the_recorders_owner() {
    let net = Net::start().await;
    let id = net.spec_pair(percentage("5", "5"), "10.00").await;
    let redeemed =
        net.record(&id, "biz-b", "r1", json!({ "type": "REDEEM", "customerId": "cust-1", "points": 100 })).await;
    assert_eq!(redeemed.status, 201, "{}", redeemed.json);
    net.env.clock.advance(time::Duration::hours(25));
    let reversal = json!({ "type": "REVERSAL", "reverses": redeemed.json["id"], "reason": "late refund" });
    assert_eq!(net.record(&id, "biz-b", "v1", reversal.clone()).await.code(), "REVERSAL_NEEDS_OWNER");
    let payer = net
        .call(
            "POST",
            &format!("/api/v1/partnerships/{id}/transactions"),
            "biz-a",
            "owner",
            Some(&reversal),
            &[("idempotency-key", "v2")],
        )
        .await;
    assert_eq!(payer.code(), "NOT_THE_RECORDER");
    let by_owner = net
        .call(
            "POST",
            &format!("/api/v1/partnerships/{id}/transactions"),
            "biz-b",
            "owner",
            Some(&reversal),
            &[("idempotency-key", "v3")],
        )
        .await;
    assert_eq!((by_owner.status, by_owner.json["netAToB"].as_i64()), (201, Some(-50)), "{}", by_owner.json);
    assert_eq!(net.balance("cust-1", "biz-a").await, 100);
}

/// HYBRID (bonus past the 2nd qualifying transaction of a period):
/// redeem-and-reverse pairs give their places back, so they cannot push a
/// later real sale into the bonus rate (the spec's Risk 2).
#[tokio::test]
async fn hybrid_reversed_pairs_give_their_places_back() {
    let net = Net::start().await;
    for biz in ["biz-a", "biz-b"] {
        net.register(biz).await;
    }
    net.program("biz-a", 10).await;
    let terms = json!({ "type": "HYBRID", "basePercentage": 5, "bonusThreshold": 2, "bonusPercentage": 10, "settlementFrequency": "MONTHLY" });
    let id = net.partnership("biz-a", "biz-b", "POINTS_COALITION", terms).await;
    assert_eq!(net.earn_at_home("biz-a", "cust-1", "100.00", "home-1").await.status, 201);
    let redeem = json!({ "type": "REDEEM", "customerId": "cust-1", "points": 100 });
    for i in 0..3 {
        let r = net.record(&id, "biz-b", &format!("r{i}"), redeem.clone()).await;
        assert_eq!((r.status, r.json["calculation"]["ordinal"].as_u64()), (201, Some(1)), "pair {i}: {}", r.json);
        let back = net
            .record(
                &id,
                "biz-b",
                &format!("v{i}"),
                json!({ "type": "REVERSAL", "reverses": r.json["id"], "reason": "undone" }),
            )
            .await;
        assert_eq!(back.status, 201, "{}", back.json);
    }
    // The first real sale is the period's first: base rate, $0.50 on $10.
    let real = net.record(&id, "biz-b", "real-1", redeem.clone()).await;
    assert_eq!(
        (real.json["calculation"]["ordinal"].as_u64(), real.json["netAToB"].as_i64()),
        (Some(1), Some(50)),
        "{}",
        real.json
    );
    let second = net.record(&id, "biz-b", "real-2", redeem.clone()).await;
    let third = net.record(&id, "biz-b", "real-3", redeem).await;
    assert_eq!(
        (second.json["calculation"]["ordinal"].as_u64(), second.json["netAToB"].as_i64()),
        (Some(2), Some(50)),
        "{}",
        second.json
    );
    assert_eq!(
        (third.json["calculation"]["ordinal"].as_u64(), third.json["netAToB"].as_i64()),
        (Some(3), Some(100)),
        "the bonus from the 3rd: {}",
        third.json
    );
}

/// The spec's degraded mode: a sale is judged by the partnership's status
/// and terms when it happened (`occurredAt`), not when the till synced it.
#[tokio::test]
async fn an_offline_sale_is_judged_by_the_status_and_terms_when_it_happened() {
    use time::macros::datetime;
    let net = Net::start().await;
    net.env.clock.set(datetime!(2026-03-05 10:00 UTC));
    let id = net.spec_pair(percentage("5", "5"), "100.00").await;
    let redeem_at = |at: &str| json!({ "type": "REDEEM", "customerId": "cust-1", "points": 100, "occurredAt": at });
    let status = |s: &str| json!({ "status": s, "reason": "test" });

    net.env.clock.set(datetime!(2026-03-06 10:00 UTC));
    assert_eq!(
        net.owner("PATCH", &format!("/api/v1/partnerships/{id}/status"), "biz-a", status("PAUSED")).await.status,
        200
    );
    net.env.clock.set(datetime!(2026-03-06 12:00 UTC));
    let before_pause = net.record(&id, "biz-b", "s1", redeem_at("2026-03-06T09:00:00Z")).await;
    assert_eq!(before_pause.status, 201, "made while active, synced during the pause: {}", before_pause.json);
    assert_eq!(
        net.record(&id, "biz-b", "s2", redeem_at("2026-03-06T11:00:00Z")).await.code(),
        "PARTNERSHIP_NOT_ACTIVE"
    );
    net.env.clock.set(datetime!(2026-03-07 10:00 UTC));
    assert_eq!(
        net.owner("PATCH", &format!("/api/v1/partnerships/{id}/status"), "biz-a", status("ACTIVE")).await.status,
        200
    );
    let during_pause = net.record(&id, "biz-b", "s3", redeem_at("2026-03-06T11:30:00Z")).await;
    assert_eq!(
        during_pause.code(),
        "PARTNERSHIP_NOT_ACTIVE",
        "made during the pause, synced after: {}",
        during_pause.json
    );

    // New terms from 03-08 10:00: a sale made before is charged by the old.
    net.env.clock.set(datetime!(2026-03-08 10:00 UTC));
    let ten = json!({ "revenueSharingTerms": { "type": "PERCENTAGE", "businessAShare": 10, "businessBShare": 10, "settlementFrequency": "MONTHLY" } });
    assert_eq!(net.owner("PUT", &format!("/api/v1/partnerships/{id}"), "biz-a", ten).await.status, 200);
    assert_eq!(
        net.owner(
            "PATCH",
            &format!("/api/v1/partnerships/{id}/terms"),
            "biz-b",
            json!({ "version": 2, "decision": "ACCEPT" })
        )
        .await
        .status,
        200
    );
    net.env.clock.set(datetime!(2026-03-08 12:00 UTC));
    let old_terms = net.record(&id, "biz-b", "s4", redeem_at("2026-03-08T09:00:00Z")).await;
    assert_eq!(
        (old_terms.status, old_terms.json["termsVersion"].as_u64(), old_terms.json["netAToB"].as_i64()),
        (201, Some(1), Some(50)),
        "{}",
        old_terms.json
    );
    let new_terms =
        net.record(&id, "biz-b", "s5", json!({ "type": "REDEEM", "customerId": "cust-1", "points": 100 })).await;
    assert_eq!(
        (new_terms.json["termsVersion"].as_u64(), new_terms.json["netAToB"].as_i64()),
        (Some(2), Some(100)),
        "{}",
        new_terms.json
    );

    // Terminated: a sale made before the end still counts; after, not.
    net.env.clock.set(datetime!(2026-03-09 10:00 UTC));
    assert_eq!(
        net.owner("PATCH", &format!("/api/v1/partnerships/{id}/status"), "biz-a", status("TERMINATED")).await.status,
        200
    );
    net.env.clock.set(datetime!(2026-03-09 12:00 UTC));
    let before_end = net.record(&id, "biz-b", "s6", redeem_at("2026-03-08T20:00:00Z")).await;
    assert_eq!(before_end.status, 201, "{}", before_end.json);
    assert_eq!(
        net.record(&id, "biz-b", "s7", redeem_at("2026-03-09T11:00:00Z")).await.code(),
        "PARTNERSHIP_NOT_ACTIVE"
    );
}

/// The directory's "loyal customers": distinct customers holding a balance
/// in the business's program, counted once by the earn that opened it,
/// however the earns race (home earns and partners' EARNs at once).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn each_loyal_customer_is_counted_once_by_the_earn_that_opened_the_balance() {
    let net = Net::start().await;
    for biz in ["biz-a", "biz-b"] {
        net.register(biz).await;
    }
    net.program("biz-a", 10).await;
    net.program("biz-b", 10).await;
    let id = net.partnership("biz-a", "biz-b", "POINTS_COALITION", percentage("5", "5")).await;
    let customers = ["cust-1", "cust-2", "cust-3"];
    let (net, id) = (&net, &id);
    let earns = (0..customers.len() * 8).map(|n| async move {
        let (customer, key) = (customers[n % 3], format!("key-{n}"));
        // At A, in A's program; or at B, in its partner A's program.
        if n % 2 == 0 {
            net.earn_at_home("biz-a", customer, "1.00", &key).await
        } else {
            net.record(id, "biz-b", &key, json!({ "type": "EARN", "customerId": customer, "amount": "1.00" })).await
        }
    });
    for r in join_all(earns).await {
        assert_eq!(r.status, 201, "{}", r.json);
    }
    for customer in customers {
        assert_eq!(net.balance(customer, "biz-a").await, 80, "{customer}");
    }
    // One more earn by a known customer, and cust-1's first at B's home.
    assert_eq!(net.earn_at_home("biz-a", "cust-1", "1.00", "home-again").await.status, 201);
    assert_eq!(net.earn_at_home("biz-b", "cust-1", "1.00", "home-b").await.status, 201);
    let count = |biz: &'static str| async move {
        let r = net.get(&format!("/api/v1/partners/{biz}"), "biz-b").await;
        assert_eq!(r.status, 200, "{}", r.json);
        r.json["loyalCustomerCount"].as_u64()
    };
    assert_eq!((count("biz-a").await, count("biz-b").await), (Some(3), Some(1)));
}
