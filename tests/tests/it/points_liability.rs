//! Points liability: counters kept at record time equal the customers'
//! balances after a long random mix of operations (some racing), the daily
//! reconciliation finds no drift on a clean table and finds injected drift,
//! and the optional expiry expires each due balance once, however often it
//! runs, audited as breakage.

use std::time::{Duration, Instant};

use futures::future::join_all;
use integration_tests::network::{percentage, Net};
use integration_tests::*;
use serde_json::{json, Value};
use shared::loyalty::{expiry, reconcile};
use shared::platform::operations::in_function;

const PROGRAMS: [&str; 2] = ["lb-a", "lb-b"];

/// A small deterministic generator (the tests crate has no `rand`).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, below: u64) -> u64 {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % below
    }
}

async fn liability(net: &Net, biz: &str) -> Value {
    let r = net.get("/api/v1/businesses/me/points-liability", biz).await;
    assert_eq!(r.status, 200, "{}", r.json);
    r.json
}

async fn customer(net: &Net, id: &str) -> Value {
    let r = net.call("GET", "/api/v1/customers/me", id, "customer", None, &[]).await;
    assert_eq!(r.status, 200, "{}", r.json);
    r.json
}

/// The daily reconciliation, run as its Lambda function.
async fn reconcile_job(net: &Net) -> Value {
    let job = functions::handlers::points_liability_scheduled::handle(net.env.app.clone(), json!({}));
    in_function("points-liability-scheduled", job).await.unwrap()
}

/// The daily expiry, run as its Lambda function.
async fn expiry_job(app: &shared::App) -> Value {
    let job = functions::handlers::points_expiry_scheduled::handle(app.clone(), json!({}));
    in_function("points-expiry-scheduled", job).await.unwrap()
}

fn points_in(view: &Value, program: &str) -> u64 {
    view["balances"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["programBusinessId"] == program)
        .map_or(0, |b| b["points"].as_u64().unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn liability_equals_the_balances_after_a_thousand_random_operations_and_drift_is_found() {
    let net = Net::start().await;
    for biz in ["lb-a", "lb-b", "lb-c"] {
        net.register(biz).await;
    }
    net.program("lb-a", 10).await;
    net.program("lb-b", 5).await;
    let ab = net.partnership("lb-a", "lb-b", "POINTS_COALITION", percentage("5", "2.5")).await;
    let ac = net.partnership("lb-a", "lb-c", "POINTS_COALITION", percentage("4", "4")).await;
    let pairs = [(ab.clone(), "lb-a", "lb-b"), (ac.clone(), "lb-a", "lb-c")];
    let customers: Vec<String> = (0..20).map(|c| format!("lq-{c}")).collect();
    let mut rng = Lcg(7);
    let mut recorded: Vec<(String, String, String)> = Vec::new(); // (partnership, recorder, id)
    let (mut ok, mut refused) = (0, 0);
    // 1,000 operations in batches of 25 racing each other, over ~3 months.
    for batch in 0..40 {
        let mut requests = Vec::new();
        for i in 0..25 {
            let n = batch * 25 + i;
            let who = &customers[rng.next(20) as usize];
            let (id, a, partner) = &pairs[rng.next(2) as usize];
            let key = format!("op-{n}");
            let req = match rng.next(10) {
                0..=2 => {
                    let home = PROGRAMS[rng.next(2) as usize];
                    let amount = format!("{}.{:02}", 1 + rng.next(40), rng.next(100));
                    let body = json!({ "customerId": who, "amount": amount });
                    net.request(
                        "POST",
                        "/api/v1/businesses/me/points",
                        home,
                        "staff",
                        Some(&body),
                        &[("idempotency-key", &key)],
                    )
                }
                kind @ 3..=7 => {
                    let body = if kind <= 4 {
                        json!({ "type": "EARN", "customerId": who, "amount": format!("{}.00", 2 + rng.next(30)) })
                    } else {
                        json!({ "type": "REDEEM", "customerId": who, "points": 5 + rng.next(60) })
                    };
                    let at = if rng.next(2) == 0 { *partner } else { *a };
                    net.request(
                        "POST",
                        &format!("/api/v1/partnerships/{id}/transactions"),
                        at,
                        "staff",
                        Some(&body),
                        &[("idempotency-key", &key)],
                    )
                }
                _ if !recorded.is_empty() => {
                    let (pid, recorder, original) = recorded[rng.next(recorded.len() as u64) as usize].clone();
                    let body = json!({ "type": "REVERSAL", "reverses": original, "reason": "test" });
                    net.request(
                        "POST",
                        &format!("/api/v1/partnerships/{pid}/transactions"),
                        &recorder,
                        "owner",
                        Some(&body),
                        &[("idempotency-key", &key)],
                    )
                }
                _ => continue,
            };
            requests.push(req);
        }
        let replies = join_all(requests.into_iter().map(|req| {
            let app = net.env.app.clone();
            tokio::spawn(async move { serve_routed(app, req).await })
        }))
        .await;
        for r in replies {
            let r = r.unwrap();
            if r.status == 201 {
                ok += 1;
                if let (Some(pid), Some(id), Some(by)) =
                    (r.json["partnershipId"].as_str(), r.json["id"].as_str(), r.json["recordedByBusinessId"].as_str())
                {
                    if r.json["transactionType"] != "REVERSAL" {
                        recorded.push((pid.to_string(), by.to_string(), id.to_string()));
                    }
                }
            } else {
                // Refusals change nothing; each is a clear 4xx.
                assert!((400..500).contains(&r.status), "{}: {}", r.status, r.json);
                refused += 1;
            }
        }
        net.env.clock.advance(time::Duration::hours(50));
    }
    assert!(ok > 600 && refused > 0, "a mix of recordings ({ok}) and refusals ({refused})");
    // The liability equals the sum of the balances, valued at the program's
    // redemption value (100 points are worth $10).
    let views = join_all(customers.iter().map(|c| customer(&net, c))).await;
    for program in PROGRAMS {
        let total: u64 = views.iter().map(|v| points_in(v, program)).sum();
        let l = liability(&net, program).await;
        assert_eq!(l["outstandingPoints"].as_u64(), Some(total), "{program}: {l}");
        assert_eq!(l["outstandingValueCents"].as_u64(), Some(total * 10), "{program}");
        let months = l["months"].as_array().unwrap();
        assert!(months.len() >= 3, "three months of movement: {months:?}");
        let net_sum: i64 = months.iter().map(|m| m["netPoints"].as_i64().unwrap()).sum();
        assert_eq!(net_sum, total as i64);
        let moved = |field: &str| months.iter().map(|m| m[field].as_u64().unwrap()).sum::<u64>();
        assert!(moved("redeemed") > 0 && moved("earnReversed") + moved("redeemReversed") > 0, "{program}: {months:?}");
    }
    // lb-a's points are redeemable at both of its partners.
    let a = liability(&net, "lb-a").await;
    let at: Vec<&str> =
        a["redeemableAt"].as_array().unwrap().iter().map(|r| r["partnerBusinessId"].as_str().unwrap()).collect();
    assert_eq!(at.len(), 2, "{a}");
    assert!(at.contains(&"lb-b") && at.contains(&"lb-c"));

    // The reconciliation: no drift on a clean table, then injected drift.
    let run = reconcile_job(&net).await;
    assert_eq!(
        (&run["programsChecked"], &run["drifted"], &run["unsettled"]),
        (&json!(2), &json!([]), &json!([])),
        "{run}"
    );
    assert_eq!(liability(&net, "lb-a").await["lastCheck"]["drift"], 0);
    let again = reconcile_job(&net).await;
    assert_eq!(
        again["programsChecked"], 0,
        "a program checked today is skipped (the retry of a cut-short run resumes)"
    );
    let holder = customers
        .iter()
        .find(|c| points_in(&views[customers.iter().position(|x| x == *c).unwrap()], "lb-a") > 0)
        .unwrap();
    net.env
        .app
        .db
        .update_item()
        .table_name(net.env.app.table())
        .key("PK", aws_sdk_dynamodb::types::AttributeValue::S(format!("CUSTOMER#{holder}")))
        .key("SK", aws_sdk_dynamodb::types::AttributeValue::S("BALANCE#lb-a".into()))
        .update_expression("ADD points :five")
        .expression_attribute_values(":five", aws_sdk_dynamodb::types::AttributeValue::N("5".into()))
        .send()
        .await
        .unwrap();
    net.env.clock.advance(time::Duration::days(1));
    let run = reconcile_job(&net).await;
    assert_eq!(run["drifted"].as_array().map(Vec::len), Some(1), "{run}");
    assert_eq!((&run["drifted"][0]["programBusinessId"], &run["drifted"][0]["drift"]), (&json!("lb-a"), &json!(5)));
    assert_eq!(liability(&net, "lb-a").await["lastCheck"]["drift"], 5);

    // Who reads it: the business's owner and staff; not a customer; a
    // business without a program is told to set one.
    let r = net.call("GET", "/api/v1/businesses/me/points-liability", "lb-a", "owner", None, &[]).await;
    assert_eq!(r.status, 200);
    let r = net.call("GET", "/api/v1/businesses/me/points-liability", "lq-1", "customer", None, &[]).await;
    assert_eq!((r.status, r.code()), (403, "NOT_A_BUSINESS_USER"), "{}", r.json);
    let r = net.get("/api/v1/businesses/me/points-liability", "lb-c").await;
    assert_eq!((r.status, r.code()), (409, "NO_POINTS_PROGRAM"));
}

#[tokio::test]
async fn expiry_runs_twice_and_expires_once_audited_as_breakage() {
    let net = Net::start().await;
    net.register("ex-a").await;
    let set = |body: Value, role: &'static str| {
        let req = net.request("PUT", "/api/v1/businesses/me/points-program", "ex-a", role, Some(&body), &[]);
        serve_routed(net.env.app.clone(), req)
    };
    let program = json!({ "pointsPerDollar": 10, "redemptionCents": 1000, "redemptionPoints": 100, "expiryMonths": 6 });
    let r = set(
        json!({ "pointsPerDollar": 10, "redemptionCents": 1000, "redemptionPoints": 100, "expiryMonths": 0 }),
        "owner",
    )
    .await;
    assert_eq!((r.status, r.code()), (400, "INVALID_PROGRAM"));
    let r = set(program.clone(), "staff").await;
    assert_eq!((r.status, r.code()), (403, "OWNER_ONLY"));
    let r = set(program, "owner").await;
    assert_eq!((r.status, r.json["expiryMonths"].as_u64()), (200, Some(6)), "{}", r.json);
    // Five customers earn at T0 (10 points a dollar); one is active again
    // five months later.
    for c in 1..=5 {
        let r = net.earn_at_home("ex-a", &format!("ex-{c}"), &format!("{c}.00"), &format!("k{c}")).await;
        assert_eq!(r.status, 201, "{}", r.json);
    }
    let view = customer(&net, "ex-1").await;
    assert_eq!(view["balances"][0]["expiresAt"], "2026-09-10T12:00:00Z", "customers see when their points expire");
    net.env.clock.advance(time::Duration::days(150));
    let r = net.earn_at_home("ex-a", "ex-3", "1.00", "k3-again").await;
    assert_eq!(r.status, 201);
    net.env.clock.advance(time::Duration::days(40)); // past T0 + 6 months
                                                     // A run out of time expires nothing and says so; the next finishes.
    let cut = expiry::run(&net.env.app, Instant::now()).await.unwrap();
    assert_eq!((cut.finished, cut.expired_balances), (false, 0));
    // Two runs racing, then a third: each due balance expires once.
    let app = &net.env.app;
    let deadline = Instant::now() + Duration::from_secs(60);
    let runs = join_all([expiry::run(app, deadline), expiry::run(app, deadline)]).await;
    let third = expiry_job(app).await;
    let runs: Vec<_> = runs.into_iter().map(Result::unwrap).collect();
    assert!(runs.iter().all(|r| r.finished));
    let expired: usize = runs.iter().map(|r| r.expired_balances).sum();
    assert_eq!((expired, &third["expiredBalances"]), (4, &json!(0)), "{runs:?} {third}");
    // 10 + 20 + 40 + 50 points expired: $12.00 of breakage.
    let l = liability(&net, "ex-a").await;
    assert_eq!((l["expiredPoints"].as_u64(), l["breakageCents"].as_u64()), (Some(120), Some(1_200)), "{l}");
    assert_eq!(l["outstandingPoints"].as_u64(), Some(40), "ex-3's 30 + 10 points remain");
    for c in [1, 2, 4, 5] {
        let v = customer(&net, &format!("ex-{c}")).await;
        assert_eq!((v["balances"][0]["points"].as_u64(), &v["balances"][0]["expiresAt"]), (Some(0), &Value::Null));
    }
    let audits = items_with_pk_prefix(app, "AUDIT#")
        .await
        .into_iter()
        .filter(|i| i.get("action").and_then(|a| a.as_s().ok()).is_some_and(|a| a == "points.expired"))
        .count();
    assert_eq!(audits, 4, "each expiry audited once");
    // A customer who comes back starts afresh; the ledger still adds up.
    let r = net.earn_at_home("ex-a", "ex-1", "2.00", "k1-back").await;
    assert_eq!(r.status, 201);
    assert_eq!(points_in(&customer(&net, "ex-1").await, "ex-a"), 20);
    let check = reconcile::run(app, deadline).await.unwrap();
    assert!(check.drifted.is_empty() && check.finished && check.programs_checked == 1, "{check:?}");
}
