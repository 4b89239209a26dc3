//! Notifications on DynamoDB Local and moto: the spec's example, its
//! events carried by a bus rule to a queue and the queue to the worker
//! (each delivered twice), tells each party what happened to it once; a
//! third business hears nothing; each user reads and clears only its own
//! inbox.

use integration_tests::network::{percentage, Net};
use integration_tests::*;
use serde_json::{json, Value};
use shared::settlements::payout::ManualSettlementPayouts;
use shared::settlements::service::{self, RunReport};
use time::macros::datetime;

const EVENTS: &[&str] = &[
    "partner.partnership.created",
    "partner.partnership.accepted",
    "partner.partnership.activated",
    "partner.partnership.paused",
    "partner.partnership.terminated",
    "partner.transaction.recorded",
    "partner.settlement.calculated",
    "partner.settlement.processed",
];

async fn inbox(net: &Net, biz: &str) -> Value {
    let r = net.call("GET", "/api/v1/notifications?limit=50", biz, "owner", None, &[]).await;
    assert_eq!(r.status, 200, "{}", r.json);
    r.json
}

fn kinds(inbox: &Value) -> Vec<String> {
    inbox["notifications"].as_array().unwrap().iter().map(|n| n["kind"].as_str().unwrap().to_string()).collect()
}

#[tokio::test]
async fn the_spec_example_tells_each_party_what_happened_to_it_once() {
    let net = Net::start().await;
    let queue = net.env.bus_sink("notifications", EVENTS).await;
    for biz in ["biz-a", "biz-b", "biz-c"] {
        net.register(biz).await;
    }
    net.program("biz-a", 10).await;
    let id = net.partnership("biz-a", "biz-b", "POINTS_COALITION", percentage("5", "5")).await;
    assert_eq!(net.earn_at_home("biz-a", "cust-1", "10.00", "home-1").await.status, 201);
    let r = net.record(&id, "biz-b", "pos-1", json!({ "type": "REDEEM", "customerId": "cust-1", "points": 100 })).await;
    assert_eq!(r.status, 201, "{}", r.json);
    let status = format!("/api/v1/partnerships/{id}/status");
    net.env.clock.set(datetime!(2026-03-20 10:00 UTC));
    assert_eq!(
        net.owner("PATCH", &status, "biz-a", json!({ "status": "PAUSED", "reason": "renovation" })).await.status,
        200
    );
    net.env.clock.set(datetime!(2026-03-21 10:00 UTC));
    assert_eq!(
        net.owner("PATCH", &status, "biz-a", json!({ "status": "ACTIVE", "reason": "reopened" })).await.status,
        200
    );
    net.env.clock.set(datetime!(2026-04-01 00:15 UTC));
    let mut report = RunReport::default();
    service::run_due(&net.env.app, &mut report).await.unwrap();
    service::process_reviewed(&net.env.app, &ManualSettlementPayouts, &mut report).await.unwrap();
    assert_eq!(report.calculated, 1);

    // Every event the bus carried, delivered twice: each note once.
    let event = net.env.drain_sqs_event(&queue, true).await;
    assert!(event.records.len() >= 7, "{} events", event.records.len());
    for _ in 0..2 {
        let response =
            functions::handlers::notifications_worker::handle(net.env.app.clone(), event.clone()).await.unwrap();
        assert!(response.batch_item_failures.is_empty());
    }

    let b = inbox(&net, "biz-b").await;
    assert_eq!(
        kinds(&b),
        ["SETTLEMENT_CALCULATED", "PARTNERSHIP_RESUMED", "PARTNERSHIP_PAUSED", "INVITATION_RECEIVED"]
    );
    assert_eq!(b["unread"], 4);
    let first = &b["notifications"][0];
    assert_eq!(first["link"], format!("/partnerships/{id}/settlements/2026-03-01"));
    assert!(first["body"].as_str().unwrap().contains("biz-a owes biz-b $0.50"), "{first}");
    assert_eq!(b["notifications"][2]["body"], "Your partnership with biz-a is paused. Reason: renovation");
    let a = inbox(&net, "biz-a").await;
    assert_eq!(
        kinds(&a),
        ["SETTLEMENT_CALCULATED", "PARTNERSHIP_RESUMED", "PARTNERSHIP_PAUSED", "INVITATION_ACCEPTED"]
    );
    // A business outside the partnership hears nothing of it.
    let c = inbox(&net, "biz-c").await;
    assert_eq!((kinds(&c).len(), c["unread"].as_u64()), (0, Some(0)));

    // Reading: one, again (no change), another user's id (no change to it), then all.
    let read = "/api/v1/notifications/read";
    let one = b["notifications"][3]["id"].as_str().unwrap().to_string();
    for _ in 0..2 {
        let r = net.owner("POST", read, "biz-b", json!({ "ids": [one] })).await;
        assert_eq!((r.status, r.json["unread"].as_u64()), (200, Some(3)), "{}", r.json);
    }
    // A's acceptance note comes from an event B was not told of: its id names nothing of B's.
    let theirs = a["notifications"][3]["id"].as_str().unwrap().to_string();
    assert_eq!(net.owner("POST", read, "biz-b", json!({ "ids": [theirs] })).await.json["unread"], 3);
    assert_eq!(inbox(&net, "biz-a").await["unread"], 4, "B cannot read A's notifications");
    let all = net.owner("POST", read, "biz-b", json!({ "all": true })).await;
    assert_eq!(all.json["unread"], 0);
    assert!(all.json["notifications"].as_array().unwrap().iter().all(|n| n["readAt"].is_string()));

    // Bad requests and no token.
    for body in [json!({}), json!({ "ids": [] }), json!({ "ids": ["x"], "all": true })] {
        let r = net.owner("POST", read, "biz-b", body.clone()).await;
        assert_eq!((r.status, r.code()), (400, "INVALID_FIELD"), "{body}");
    }
    let r = net.call("GET", "/api/v1/notifications?limit=500", "biz-b", "owner", None, &[]).await;
    assert_eq!((r.status, r.code()), (400, "INVALID_LIMIT"));
    let anonymous = serve_routed(net.env.app.clone(), unsigned("GET", "/api/v1/notifications", &[], None)).await;
    assert_eq!(anonymous.status, 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_deliveries_and_reads_keep_the_unread_count_exact() {
    let net = Net::start().await;
    let queue = net.env.bus_sink("notifications-race", EVENTS).await;
    for biz in ["biz-a", "biz-b"] {
        net.register(biz).await;
    }
    let id = net.partnership("biz-a", "biz-b", "POINTS_COALITION", percentage("5", "5")).await;
    let status = format!("/api/v1/partnerships/{id}/status");
    for i in 0..5 {
        net.env.clock.set(datetime!(2026-03-20 10:00 UTC) + time::Duration::hours(2 * i));
        assert_eq!(
            net.owner("PATCH", &status, "biz-a", json!({ "status": "PAUSED", "reason": "r" })).await.status,
            200
        );
        net.env.clock.set(datetime!(2026-03-20 11:00 UTC) + time::Duration::hours(2 * i));
        assert_eq!(
            net.owner("PATCH", &status, "biz-a", json!({ "status": "ACTIVE", "reason": "r" })).await.status,
            200
        );
    }
    let event = net.env.drain_sqs_event(&queue, true).await;
    // Eight workers deliver the same batch at once.
    let runs = (0..8).map(|_| functions::handlers::notifications_worker::handle(net.env.app.clone(), event.clone()));
    for r in futures::future::join_all(runs).await {
        assert!(r.unwrap().batch_item_failures.is_empty());
    }
    let b = inbox(&net, "biz-b").await;
    // The invitation, five pauses and five resumptions.
    assert_eq!((kinds(&b).len(), b["unread"].as_u64()), (11, Some(11)));
    // Eight readers mark the same three at once: three read, once each.
    let ids: Vec<Value> = b["notifications"].as_array().unwrap()[..3].iter().map(|n| n["id"].clone()).collect();
    let reads = (0..8).map(|_| net.owner("POST", "/api/v1/notifications/read", "biz-b", json!({ "ids": ids })));
    for r in futures::future::join_all(reads).await {
        assert_eq!(r.status, 200, "{}", r.json);
    }
    assert_eq!(inbox(&net, "biz-b").await["unread"], 8);
}
