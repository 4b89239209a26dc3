//! What-if terms on DynamoDB Local (issue 27, part 3): a partnership's
//! real transactions of its latest periods re-rated under proposed terms,
//! per period beside what was recorded, from each party's side; a third
//! business sees nothing and nothing is stored.

use integration_tests::network::{percentage, Net};
use serde_json::json;
use shared::settlements::service::{self, RunReport};
use time::macros::datetime;

#[tokio::test]
async fn the_last_periods_rerated_under_proposed_terms_beside_what_was_recorded() {
    let net = Net::start().await;
    let id = net.spec_pair(percentage("5", "5"), "10.00").await;
    net.register("biz-c").await;
    // March: three $10 redemptions at B (A owes 5%: $0.50 each) and a $4
    // one ($0.20); April: one more $10 redemption.
    for (i, dollars) in ["10.00", "10.00", "10.00", "4.00"].iter().enumerate() {
        let customer = format!("what-{i}");
        assert_eq!(net.earn_at_home("biz-a", &customer, dollars, &format!("e{i}")).await.status, 201);
        let points = if *dollars == "4.00" { 40 } else { 100 };
        let r = net
            .record(
                &id,
                "biz-b",
                &format!("r{i}"),
                json!({ "type": "REDEEM", "customerId": customer, "points": points }),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.json);
    }
    net.env.clock.set(datetime!(2026-04-01 00:15 UTC));
    service::run_due(&net.env.app, &mut RunReport::default()).await.unwrap();
    net.env.clock.set(datetime!(2026-04-02 10:00 UTC));
    assert_eq!(net.earn_at_home("biz-a", "what-9", "10.00", "e9").await.status, 201);
    let r = net.record(&id, "biz-b", "r9", json!({ "type": "REDEEM", "customerId": "what-9", "points": 100 })).await;
    assert_eq!(r.status, 201, "{}", r.json);

    // As B's staff: A paying 10% instead of 5%.
    let path = format!("/api/v1/partnerships/{id}/terms/simulate");
    let body = json!({ "revenueSharingTerms": percentage("10", "5"), "periods": 12 });
    let b = net.call("POST", &path, "biz-b", "staff", Some(&body), &[]).await;
    assert_eq!(b.status, 200, "{}", b.json);
    let periods = b.json["periods"].as_array().unwrap();
    assert_eq!(periods.len(), 2, "{}", b.json);
    let (april, march) = (&periods[0], &periods[1]);
    assert_eq!((april["periodStart"].as_str(), april["status"].as_str()), (Some("2026-04-01"), Some("OPEN")));
    assert_eq!((march["periodStart"].as_str(), march["status"].as_str()), (Some("2026-03-01"), Some("PENDING")));
    assert_eq!(march["transactions"], 4);
    assert_eq!(march["recorded"], json!({ "aOwesCents": 170, "bOwesCents": 0, "netCents": 170 }));
    assert_eq!(march["proposed"], json!({ "aOwesCents": 340, "bOwesCents": 0, "netCents": 340 }));
    assert_eq!((march["differenceCents"].as_i64(), march["differenceToYouCents"].as_i64()), (Some(170), Some(170)));
    assert_eq!(april["proposed"]["netCents"], 100);
    assert_eq!((b.json["differenceToYouCents"].as_i64(), b.json["transactions"].as_i64()), (Some(220), Some(5)));
    // The same from A's side, and only the latest period when asked.
    let a =
        net.owner("POST", &path, "biz-a", json!({ "revenueSharingTerms": percentage("10", "5"), "periods": 1 })).await;
    assert_eq!((a.json["periods"].as_array().unwrap().len(), a.json["differenceToYouCents"].as_i64()), (1, Some(-50)));

    // Refusals; and nothing was stored.
    let c = net.owner("POST", &path, "biz-c", body.clone()).await;
    assert_eq!((c.status, c.code()), (404, "PARTNERSHIP_NOT_FOUND"));
    for periods in [0, 25] {
        let r = net
            .owner("POST", &path, "biz-b", json!({ "revenueSharingTerms": percentage("10", "5"), "periods": periods }))
            .await;
        assert_eq!((r.status, r.code()), (400, "INVALID_PERIODS"));
    }
    let r = net.owner("POST", &path, "biz-b", json!({ "revenueSharingTerms": percentage("120", "5") })).await;
    assert_eq!(r.status, 400, "{}", r.json);
    let seen = net.get(&format!("/api/v1/partnerships/{id}"), "biz-a").await;
    assert_eq!((seen.json["termsVersion"].as_u64(), seen.json["termsProposal"].is_null()), (Some(1), true));
}
