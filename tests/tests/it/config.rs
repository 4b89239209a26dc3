//! Program config: reads, price updates, the fixed cap, audit before/after,
//! racing admins.

use functions::handlers::{partners_config_get, partners_config_update};
use futures::future::join_all;
use integration_tests::*;
use shared::http::serve::dispatch;

#[tokio::test]
async fn config_reads_default_then_updated_price_with_stats() {
    let env = env().await;
    let get = reply(
        dispatch(env.app.clone(), unsigned("GET", "/api/partners/config", &[], None), partners_config_get::handle)
            .await,
    );
    assert_eq!(get.status, 200);
    assert_eq!(get.json["maxSeats"], 100);
    assert_eq!(get.json["stats"]["refill"]["openSeats"], 100);
    assert_eq!(get.json["stats"]["pendingRefunds"], 0);
    assert_eq!(get.json["refillPriceCents"], 100_000);

    let body = r#"{"refillPriceUsd":1250.5,"reason":"market move"}"#;
    let upd = reply(
        dispatch(
            env.app.clone(),
            env.admin("POST", "/api/partners/config", Some(body)),
            partners_config_update::handle,
        )
        .await,
    );
    assert_eq!(upd.status, 200, "{}", upd.json);
    assert_eq!(upd.json["stats"]["refill"]["refillPriceCents"], 125_050);
    assert_eq!(upd.json["updatedBy"], admin_wallet());

    let get = reply(
        dispatch(env.app.clone(), unsigned("GET", "/api/partners/config", &[], None), partners_config_get::handle)
            .await,
    );
    assert_eq!(get.json["refillPriceCents"], 125_050);
    assert_eq!(get.json["version"], 1);

    let audit = items_with_pk_prefix(&env.app, "AUDIT#PROGRAM#").await;
    assert_eq!(audit.len(), 1);
    let details: serde_json::Value = serde_dynamo::from_attribute_value(audit[0]["details"].clone()).unwrap();
    assert_eq!(details["before"]["refillPriceCents"], 100_000);
    assert_eq!(details["after"]["refillPriceCents"], 125_050);
    assert_eq!(details["reason"], "market move");
    assert_eq!(audit[0]["actor"].as_s().unwrap(), &admin_wallet());
}

#[tokio::test]
async fn the_cap_cannot_be_changed() {
    let env = env().await;
    let r = reply(
        dispatch(
            env.app.clone(),
            env.admin("POST", "/api/partners/config", Some(r#"{"maxSeats":150,"refillPriceUsd":10}"#)),
            partners_config_update::handle,
        )
        .await,
    );
    assert_eq!((r.status, r.code()), (400, "MAX_SEATS_IMMUTABLE"));
    assert_eq!(count_with_pk_prefix(&env.app, "PROGRAM#").await, 0);
    assert_eq!(count_with_pk_prefix(&env.app, "AUDIT#PROGRAM#").await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_price_updates_each_get_a_true_audit_trail() {
    let env = env().await;
    let results = join_all((1..=10u32).map(|i| {
        let app = env.app.clone();
        let req = env.admin("POST", "/api/partners/config", Some(&format!(r#"{{"refillPriceUsd":{i}}}"#)));
        tokio::spawn(async move { reply(dispatch(app, req, partners_config_update::handle).await) })
    }))
    .await;
    let ok = results.iter().filter(|r| r.as_ref().unwrap().status == 200).count();
    assert!(results.iter().all(|r| matches!(r.as_ref().unwrap().status, 200 | 409)));
    let get = reply(
        dispatch(env.app.clone(), unsigned("GET", "/api/partners/config", &[], None), partners_config_get::handle)
            .await,
    );
    assert_eq!(get.json["version"], ok as u64);
    // Each audit row's "before" is the previous row's "after": no lost update.
    let mut audit = items_with_pk_prefix(&env.app, "AUDIT#PROGRAM#").await;
    assert_eq!(audit.len(), ok);
    let versions = |a: &std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue>| {
        let d: serde_json::Value = serde_dynamo::from_attribute_value(a["details"].clone()).unwrap();
        (d["before"]["version"].as_u64().unwrap(), d["after"]["version"].as_u64().unwrap())
    };
    audit.sort_by_key(|a| versions(a).0);
    for (i, a) in audit.iter().enumerate() {
        assert_eq!(versions(a), (i as u64, i as u64 + 1));
    }
}
