//! Exposure limits on DynamoDB Local (issue 27, part 1): the party owed
//! sets the most its partner may owe it unsettled, and only that party;
//! 50 redemptions racing against the limit stop at it exactly; a reversal
//! frees room; a processed settlement releases what it paid.

use futures::future::join_all;
use integration_tests::network::{percentage, Net};
use integration_tests::*;
use serde_json::{json, Value};
use shared::settlements::payout::ManualSettlementPayouts;
use shared::settlements::service::{self, RunReport};
use time::macros::datetime;

fn limit_path(id: &str) -> String {
    format!("/api/v1/partnerships/{id}/exposure-limit")
}

async fn exposure(net: &Net, id: &str, biz: &str) -> Value {
    let r = net.get(&format!("/api/v1/partnerships/{id}/analytics"), biz).await;
    assert_eq!(r.status, 200, "{}", r.json);
    r.json["exposure"].clone()
}

/// A redemption of 100 points ($10 of reward) at B by `customer`: A owes
/// B $0.50 more. Sent again with its key while the API says it contended,
/// as a client should.
async fn redeem(net: &Net, id: &str, customer: &str, key: &str) -> Reply {
    loop {
        let r = net.record(id, "biz-b", key, json!({ "type": "REDEEM", "customerId": customer, "points": 100 })).await;
        if r.code() != "RECORDING_CONTENDED" {
            return r;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_redemptions_stop_exactly_at_the_limit_the_party_owed_set() {
    let net = Net::start().await;
    let id = net.spec_pair(percentage("5", "5"), "10.00").await;
    net.register("biz-c").await;
    for i in 0..50 {
        let r = net.earn_at_home("biz-a", &format!("racer-{i}"), "10.00", &format!("earn-{i}")).await;
        assert_eq!(r.status, 201, "{}", r.json);
    }

    // Who may set what: B's owner sets what A may owe B; B's staff, a
    // third business and bad bodies are refused; A, the payer, cannot
    // lift it (its own call sets what B may owe A).
    let r = net.call("PUT", &limit_path(&id), "biz-b", "staff", Some(&json!({ "maxOutstandingCents": 1 })), &[]).await;
    assert_eq!((r.status, r.code()), (403, "OWNER_ONLY"));
    let r = net.owner("PUT", &limit_path(&id), "biz-c", json!({ "maxOutstandingCents": 1 })).await;
    assert_eq!((r.status, r.code()), (404, "PARTNERSHIP_NOT_FOUND"));
    for body in [json!({}), json!({ "maxOutstandingCents": -5 }), json!({ "maxOutstandingCents": 1, "side": "A" })] {
        assert_eq!(net.owner("PUT", &limit_path(&id), "biz-b", body.clone()).await.status, 400, "{body}");
    }
    let r = net.owner("PUT", &limit_path(&id), "biz-b", json!({ "maxOutstandingCents": 2_000_000_000u64 })).await;
    assert_eq!(r.code(), "INVALID_EXPOSURE_LIMIT");
    let r = net.owner("PUT", &limit_path(&id), "biz-b", json!({ "maxOutstandingCents": 1000 })).await;
    assert_eq!((r.status, r.json["exposureLimits"].clone()), (200, json!({ "aOwesBMaxCents": 1000 })), "{}", r.json);
    let r = net.owner("PUT", &limit_path(&id), "biz-a", json!({ "maxOutstandingCents": null })).await;
    assert_eq!(r.json["exposureLimits"], json!({ "aOwesBMaxCents": 1000 }), "the payer cannot lift its own limit");
    let r = net.owner("PUT", &limit_path(&id), "biz-a", json!({ "maxOutstandingCents": 300 })).await;
    assert_eq!(r.json["exposureLimits"], json!({ "aOwesBMaxCents": 1000, "bOwesAMaxCents": 300 }));

    // 50 redemptions at once, $0.50 each against $10: exactly 20 go through.
    let replies = join_all((0..50).map(|i| {
        let (net, id) = (&net, &id);
        async move { redeem(net, id, &format!("racer-{i}"), &format!("redeem-{i}")).await }
    }))
    .await;
    let ok = replies.iter().filter(|r| r.status == 201).count();
    let refused: Vec<&Reply> = replies.iter().filter(|r| r.status != 201).collect();
    assert_eq!(ok, 20, "{:?}", refused.iter().map(|r| r.json.to_string()).collect::<Vec<_>>());
    for r in &refused {
        assert_eq!((r.status, r.code()), (422, "EXPOSURE_LIMIT_REACHED"), "{}", r.json);
        assert_eq!(
            (r.json["error"]["headroomCents"].as_i64(), r.json["error"]["limitCents"].as_i64()),
            (Some(0), Some(1000))
        );
        assert_eq!(r.json["error"]["payerBusinessId"], "biz-a");
    }
    let stored = net.stored_transactions(&id).await;
    assert_eq!(stored.iter().filter(|t| t["transactionType"] == "REDEEM").count(), 20, "nothing refused was kept");
    // Open amounts net: B, owed $10, may come to owe A $13 before it owes $3.
    let b = exposure(&net, &id, "biz-b").await;
    assert_eq!(
        b,
        json!({ "openNetCents": 1000, "partnerMayOweYouMaxCents": 1000, "partnerHeadroomCents": 0, "youMayOwePartnerMaxCents": 300, "yourHeadroomCents": 1300 })
    );
    let a = exposure(&net, &id, "biz-a").await;
    assert_eq!((a["openNetCents"].as_i64(), a["yourHeadroomCents"].as_i64()), (Some(-1000), Some(0)));
    // A refused customer's points are untouched.
    let refused_customer = (0..50).find(|i| replies[*i].status != 201).unwrap();
    assert_eq!(net.balance(&format!("racer-{refused_customer}"), "biz-a").await, 100);

    // A reversal lowers what A owes and is never refused; its room is used once.
    let first = replies.iter().find(|r| r.status == 201).unwrap().json["id"].as_str().unwrap().to_string();
    let r = net
        .call(
            "POST",
            &format!("/api/v1/partnerships/{id}/transactions"),
            "biz-b",
            "owner",
            Some(&json!({ "type": "REVERSAL", "reverses": first, "reason": "refund" })),
            &[("idempotency-key", "rev-1")],
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.json);
    assert_eq!(exposure(&net, &id, "biz-b").await["partnerHeadroomCents"], 50);
    let r = redeem(&net, &id, &format!("racer-{refused_customer}"), "again-1").await;
    assert_eq!(r.status, 201, "{}", r.json);
    let other = (0..50).rev().find(|i| replies[*i].status != 201).unwrap();
    assert_eq!(redeem(&net, &id, &format!("racer-{other}"), "again-2").await.code(), "EXPOSURE_LIMIT_REACHED");

    // The month's settlement, once processed, releases what it paid.
    net.env.clock.set(datetime!(2026-04-01 00:15 UTC));
    let mut report = RunReport::default();
    service::run_due(&net.env.app, &mut report).await.unwrap();
    assert_eq!(exposure(&net, &id, "biz-b").await["openNetCents"], 1000, "calculated is not paid");
    net.env.clock.set(datetime!(2026-04-08 02:00 UTC));
    service::process_reviewed(&net.env.app, &ManualSettlementPayouts, &mut report).await.unwrap();
    assert_eq!(report.processed, 1, "{report:?}");
    let b = exposure(&net, &id, "biz-b").await;
    assert_eq!((b["openNetCents"].as_i64(), b["partnerHeadroomCents"].as_i64()), (Some(0), Some(1000)));
    let r = redeem(&net, &id, &format!("racer-{other}"), "after-settlement").await;
    assert_eq!(r.status, 201, "{}", r.json);
}
