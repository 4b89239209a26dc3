//! Anomaly detection and holds (the spec's Risk 2): a period whose lines
//! break a rule is settled HELD and not paid until the party that would pay
//! releases it (or an admin does, or a party disputes it); an ordinary
//! month of 10,000 transactions raises no flag; each party's thresholds
//! tighten the rules but cannot loosen them alone; a high-value period is
//! held by default.

use integration_tests::history::{self, Pair};
use integration_tests::network::{percentage, Net};
use integration_tests::*;
use serde_json::{json, Value};
use time::macros::{date, datetime};

async fn run(net: &Net) -> shared::settlements::service::RunReport {
    net.settlement_run().await
}

async fn held_list(net: &Net) -> Vec<Value> {
    let r = serve_routed(net.env.app.clone(), net.env.admin("GET", "/api/settlements/held", None)).await;
    assert_eq!(r.status, 200, "{}", r.json);
    r.json["settlements"].as_array().unwrap().clone()
}

/// biz-a (a points program) and biz-b at 5%, cust-1 holding 1,000 points.
async fn pair(net: &Net) -> String {
    for biz in ["biz-a", "biz-b", "biz-c"] {
        net.register(biz).await;
    }
    net.program("biz-a", 10).await;
    let id = net.partnership("biz-a", "biz-b", "POINTS_COALITION", percentage("5", "5")).await;
    assert_eq!(net.earn_at_home("biz-a", "cust-1", "100.00", "home-1").await.status, 201);
    id
}

fn rules(s: &Value) -> Vec<&str> {
    s["flags"].as_array().unwrap().iter().map(|f| f["rule"].as_str().unwrap()).collect()
}

#[tokio::test]
async fn a_flagged_period_is_held_until_the_payer_releases_it_and_only_then_paid() {
    let net = Net::start().await;
    let id = pair(&net).await;
    // Six redemptions by one customer at B within an hour: over the
    // default of five.
    for i in 0..6 {
        let body = json!({ "type": "REDEEM", "customerId": "cust-1", "points": 10 });
        assert_eq!(net.record(&id, "biz-b", &format!("r{i}"), body).await.status, 201);
        net.env.clock.advance(time::Duration::minutes(9));
    }
    // The open period's preview already shows it.
    let preview = net
        .owner(
            "POST",
            &format!("/api/v1/partnerships/{id}/settlements/calculate"),
            "biz-a",
            json!({ "periodStart": "2026-03-01" }),
        )
        .await;
    assert_eq!(
        (preview.json["settlement"]["status"].as_str(), rules(&preview.json["settlement"])),
        (Some("HELD"), vec!["RAPID_REDEMPTIONS"])
    );
    net.env.clock.set(datetime!(2026-04-01 00:15 UTC));
    assert_eq!(run(&net).await.calculated, 1);
    let path = format!("/api/v1/partnerships/{id}/settlements/2026-03-01");
    let s = net.get(&path, "biz-b").await.json["settlement"].clone();
    assert_eq!((s["status"].as_str(), rules(&s)), (Some("HELD"), vec!["RAPID_REDEMPTIONS"]), "{s}");
    assert_eq!(s["flags"][0]["transactionIds"].as_array().map(Vec::len), Some(1), "the sixth one");
    assert_eq!((s["hold"]["reviewerBusinessId"].as_str(), s["netSettlement"].as_i64()), (Some("biz-a"), Some(30)));
    // Admins see it in the held list.
    let held = held_list(&net).await;
    assert_eq!(held.iter().map(|h| h["partnershipId"].as_str().unwrap()).collect::<Vec<_>>(), [id.as_str()]);
    // Past its review it is still not paid.
    net.env.clock.set(datetime!(2026-04-09 00:00 UTC));
    assert_eq!(run(&net).await.processed, 0, "held");
    // Only the payer's owner releases: not the payee, not staff, not a third business.
    let release = format!("{path}/release");
    let by = |biz: &'static str, role: &'static str| {
        let req = net.request("POST", &release, biz, role, None, &[]);
        serve_routed(net.env.app.clone(), req)
    };
    let r = by("biz-b", "owner").await;
    assert_eq!((r.status, r.code()), (403, "NOT_THE_REVIEWER"), "the business that would be paid");
    assert_eq!(by("biz-a", "staff").await.code(), "OWNER_ONLY");
    assert_eq!(by("biz-c", "owner").await.status, 404);
    assert_eq!(run(&net).await.processed, 0, "the refusals changed nothing");
    let r = by("biz-a", "owner").await;
    assert_eq!(
        (r.status, r.json["status"].as_str(), r.json["hold"]["releasedBy"].as_str()),
        (200, Some("PENDING"), Some("user-biz-a-owner")),
        "{}",
        r.json
    );
    assert_eq!(by("biz-a", "owner").await.code(), "SETTLEMENT_NOT_HELD");
    assert!(held_list(&net).await.is_empty());
    assert_eq!(run(&net).await.processed, 1, "released after its review: paid at the next run");
    let audit = items_with_pk_prefix(&net.env.app, "AUDIT#PARTNERSHIP#")
        .await
        .into_iter()
        .filter(|i| i.get("action").and_then(|a| a.as_s().ok()).is_some_and(|a| a == "settlement.released"))
        .count();
    assert_eq!(audit, 1);
}

#[tokio::test]
async fn an_ordinary_month_of_ten_thousand_transactions_raises_no_flag_and_bursts_and_reversals_do() {
    let net = Net::start().await;
    for biz in ["hm-a", "hm-b", "hm-c", "hm-d"] {
        net.register(biz).await;
    }
    let calm = net.partnership("hm-a", "hm-b", "POINTS_COALITION", percentage("5", "5")).await;
    let busy = net.partnership("hm-c", "hm-d", "POINTS_COALITION", percentage("5", "5")).await;
    let march = date!(2026 - 03 - 01);
    let month = history::normal_month(&Pair { partnership_id: &calm, a: "hm-a", b: "hm-b" }, march, 10_000, 1_000, 1);
    let pair = Pair { partnership_id: &busy, a: "hm-c", b: "hm-d" };
    let mut burst = history::normal_month(&pair, march, 2_000, 200, 2);
    // One day with ten times the usual recordings.
    let day = datetime!(2026-03-25 10:00 UTC);
    burst.extend((0..700).map(|i| {
        history::line(&pair, march, 50_000 + i, 2, &format!("x{i}"), day + time::Duration::seconds(i as i64))
    }));
    // A third pair whose month is a quarter reversals.
    net.register("hm-e").await;
    let undone = net.partnership("hm-a", "hm-e", "POINTS_COALITION", percentage("5", "5")).await;
    let pair = Pair { partnership_id: &undone, a: "hm-a", b: "hm-e" };
    let reversals: Vec<_> = (0..100)
        .map(|i| {
            history::line(
                &pair,
                march,
                70_000 + i,
                if i % 4 == 0 { 3 } else { 0 },
                &format!("r{i}"),
                day + time::Duration::minutes(i as i64),
            )
        })
        .collect();
    history::seed(&net.env.app, &month).await;
    history::seed(&net.env.app, &burst).await;
    history::seed(&net.env.app, &reversals).await;
    net.env.clock.set(datetime!(2026-04-01 00:15 UTC));
    assert_eq!(run(&net).await.calculated, 3);
    let calm_s = net.get(&format!("/api/v1/partnerships/{calm}/settlements/2026-03-01"), "hm-a").await.json
        ["settlement"]
        .clone();
    assert_eq!(
        (calm_s["status"].as_str(), calm_s["totalTransactions"].as_u64()),
        (Some("PENDING"), Some(10_000)),
        "{}",
        calm_s["flags"]
    );
    assert_eq!(calm_s["flags"], json!([]));
    let busy_s = net.get(&format!("/api/v1/partnerships/{busy}/settlements/2026-03-01"), "hm-c").await.json
        ["settlement"]
        .clone();
    assert_eq!((busy_s["status"].as_str(), rules(&busy_s)), (Some("HELD"), vec!["DAILY_SPIKE"]), "{}", busy_s["flags"]);
    let undone_s = net.get(&format!("/api/v1/partnerships/{undone}/settlements/2026-03-01"), "hm-a").await.json
        ["settlement"]
        .clone();
    assert_eq!(
        (undone_s["status"].as_str(), rules(&undone_s)),
        (Some("HELD"), vec!["HIGH_REVERSALS"]),
        "{}",
        undone_s["flags"]
    );
    assert_eq!(undone_s["hold"]["reviewerBusinessId"], "hm-a", "A would pay: A reviews");
}

#[tokio::test]
async fn each_party_tightens_the_rules_alone_a_high_value_period_is_held_and_far_recordings_flagged() {
    let net = Net::start().await;
    let id = pair(&net).await;
    let path = format!("/api/v1/partnerships/{id}/anomaly-rules");
    let put = |biz: &'static str, role: &'static str, body: Value| {
        let req = net.request("PUT", &path, biz, role, Some(&body), &[]);
        serve_routed(net.env.app.clone(), req)
    };
    assert_eq!(put("biz-a", "staff", json!({ "maxDistanceKm": 5 })).await.code(), "OWNER_ONLY");
    assert_eq!(put("biz-c", "owner", json!({ "maxDistanceKm": 5 })).await.status, 404);
    assert_eq!(put("biz-a", "owner", json!({ "maxReversalPercent": 0 })).await.code(), "INVALID_ANOMALY_RULES");
    assert_eq!(put("biz-a", "owner", json!({ "nonsense": 1 })).await.code(), "UNKNOWN_FIELD");
    // B loosens the distance rule: alone, that changes nothing.
    let r = put("biz-b", "owner", json!({ "maxDistanceKm": 5000 })).await;
    assert_eq!((r.status, r.json["anomalyThresholds"]["maxDistanceKm"].as_u64()), (200, Some(100)), "{}", r.json);
    // A tightens the review volume to $5: alone, that holds.
    let r = put("biz-a", "owner", json!({ "reviewVolumeCents": 500 })).await;
    assert_eq!(r.json["anomalyThresholds"]["reviewVolumeCents"].as_u64(), Some(500));
    // One redemption at B, said to happen in Toronto (B is in Montreal).
    let body =
        json!({ "type": "REDEEM", "customerId": "cust-1", "points": 100, "location": { "lat": 43.65, "lng": -79.38 } });
    assert_eq!(net.record(&id, "biz-b", "far-1", body).await.status, 201);
    net.env.clock.set(datetime!(2026-04-01 00:15 UTC));
    run(&net).await;
    let settlement = format!("/api/v1/partnerships/{id}/settlements/2026-03-01");
    let s = net.get(&settlement, "biz-a").await.json["settlement"].clone();
    assert_eq!((s["status"].as_str(), rules(&s)), (Some("HELD"), vec!["FAR_FROM_RECORDER"]), "{s}");
    assert_eq!(s["hold"]["reasons"], json!(["FAR_FROM_RECORDER", "HIGH_VALUE"]));
    // The payee disputes it while held: DISPUTED, no longer in the held list.
    let r = net
        .owner("POST", &format!("{settlement}/dispute"), "biz-b", json!({ "reason": "the Toronto line is ours" }))
        .await;
    assert_eq!((r.status, r.json["status"].as_str()), (200, Some("DISPUTED")), "{}", r.json);
    assert!(held_list(&net).await.is_empty());
    // An admin releases a held one alone (a second partnership's period).
    net.register("biz-d").await;
    let other = net.partnership("biz-a", "biz-d", "POINTS_COALITION", percentage("5", "5")).await;
    let r = net
        .call(
            "PUT",
            &format!("/api/v1/partnerships/{other}/anomaly-rules"),
            "biz-d",
            "owner",
            Some(&json!({ "reviewVolumeCents": 1 })),
            &[],
        )
        .await;
    assert_eq!(r.status, 200);
    let body = json!({ "type": "REDEEM", "customerId": "cust-1", "points": 50 });
    assert_eq!(net.record(&other, "biz-d", "d-1", body).await.status, 201);
    net.env.clock.set(datetime!(2026-05-01 00:15 UTC));
    run(&net).await;
    let held = held_list(&net).await;
    assert_eq!(held.len(), 1, "{held:?}");
    assert_eq!(
        (held[0]["partnershipId"].as_str(), held[0]["hold"]["reasons"].clone()),
        (Some(other.as_str()), json!(["HIGH_VALUE"]))
    );
    let release =
        format!("/api/v1/partnerships/{other}/settlements/{}/release", held[0]["periodStart"].as_str().unwrap());
    let r = serve_routed(net.env.app.clone(), net.env.admin("POST", &release, None)).await;
    assert_eq!((r.status, r.json["status"].as_str()), (200, Some("PENDING")), "{}", r.json);
    assert!(r.json["hold"]["releasedBy"].as_str().unwrap().starts_with("ADMIN:"));
}
