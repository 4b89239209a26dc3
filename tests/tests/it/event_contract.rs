//! The events' contract, `docs/api/asyncapi.yaml`, against the code: every
//! event name the code emits is documented and every documented one is
//! emitted (read from the sources), and the Partner Network's whole
//! lifecycle emits each of its events, each valid against its payload.
//! (Every other test that drains the bus validates what it drains too:
//! `integration_tests::contract::check`, so RefillFrozen, RefundOverdue and
//! DunningNoticeDue are proven where they are made.)

use std::collections::BTreeSet;

use integration_tests::contract;
use integration_tests::network::{percentage, Net};
use serde_json::json;
use shared::settlements::payout::ManualSettlementPayouts;
use shared::settlements::service::{self, RunReport};
use time::macros::datetime;

/// Every string literal in the non-test Rust sources under `dir`.
fn literals(dir: &std::path::Path, out: &mut BTreeSet<String>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            literals(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(&path).unwrap();
            let code = text.split("#[cfg(test)]").next().unwrap_or("");
            out.extend(code.split('"').skip(1).step_by(2).map(str::to_string));
        }
    }
}

#[test]
fn every_event_the_code_names_is_documented_and_every_documented_one_is_named() {
    let documented: BTreeSet<String> = contract::messages().into_keys().collect();
    let mut found = BTreeSet::new();
    literals(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/src"), &mut found);
    let partner: BTreeSet<String> =
        found.iter().filter(|l| l.starts_with("partner.") && l.matches('.').count() == 2).cloned().collect();
    let undocumented: Vec<_> = partner.difference(&documented).collect();
    assert!(undocumented.is_empty(), "emitted but not in docs/api/asyncapi.yaml: {undocumented:?}");
    let unnamed: Vec<_> = documented.iter().filter(|d| !found.contains(*d)).collect();
    assert!(unnamed.is_empty(), "documented but named nowhere in shared/src: {unnamed:?}");
}

#[tokio::test]
async fn the_partner_networks_lifecycle_emits_each_of_its_events_as_documented() {
    let net = Net::start().await;
    // The webhook endpoint's event is proven by the delivery tests.
    let names: Vec<String> = contract::messages()
        .into_keys()
        .filter(|n| n.starts_with("partner.") && !n.starts_with("partner.webhook."))
        .collect();
    let name_refs: Vec<&str> = names.iter().map(String::as_str).collect();
    let sink = net.env.bus_sink("contract", &name_refs).await;
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
    assert_eq!(net.owner("PATCH", &status, "biz-a", json!({ "status": "PAUSED", "reason": "r" })).await.status, 200);
    assert_eq!(net.owner("PATCH", &status, "biz-a", json!({ "status": "ACTIVE", "reason": "r" })).await.status, 200);
    // New terms proposed by A and accepted by B.
    let path = format!("/api/v1/partnerships/{id}");
    let proposed = net.owner("PUT", &path, "biz-a", json!({ "revenueSharingTerms": percentage("6", "6") })).await;
    assert_eq!(proposed.status, 200, "{}", proposed.json);
    let version = proposed.json["termsProposal"]["version"].clone();
    let answered = net
        .owner("PATCH", &format!("{path}/terms"), "biz-b", json!({ "version": version, "decision": "ACCEPT" }))
        .await;
    assert_eq!(answered.status, 200, "{}", answered.json);
    net.env.clock.set(datetime!(2026-04-01 00:15 UTC));
    let mut report = RunReport::default();
    service::run_due(&net.env.app, &mut report).await.unwrap();
    // B disputes March; both owners agree to keep it: resolved.
    let settlement = format!("{path}/settlements/2026-03-01");
    let disputed =
        net.owner("POST", &format!("{settlement}/dispute"), "biz-b", json!({ "reason": "check the share" })).await;
    assert_eq!(disputed.status, 200, "{}", disputed.json);
    for biz in ["biz-a", "biz-b"] {
        let r = net
            .owner(
                "POST",
                &format!("{settlement}/resolve"),
                biz,
                json!({ "outcome": "as calculated", "adjustmentCents": 0 }),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.json);
    }
    net.env.clock.set(datetime!(2026-04-09 00:15 UTC));
    service::process_reviewed(&net.env.app, &ManualSettlementPayouts, &mut report).await.unwrap();
    assert_eq!((report.calculated, report.processed), (1, 1), "{report:?}");
    // A declined invitation and a termination end two more.
    let declined = net
        .owner("POST", "/api/v1/partnerships", "biz-c", json!({ "partnerBusinessId": "biz-a", "type": "POINTS_COALITION", "revenueSharingTerms": percentage("5", "5") }))
        .await;
    assert_eq!(declined.status, 201, "{}", declined.json);
    let decline = format!("/api/v1/partnerships/{}/decline", declined.json["id"].as_str().unwrap());
    assert_eq!(net.owner("PATCH", &decline, "biz-a", json!({})).await.status, 200);
    assert_eq!(
        net.owner("PATCH", &status, "biz-b", json!({ "status": "TERMINATED", "reason": "closing" })).await.status,
        200
    );

    // Each drained event is checked against its payload as it is drained.
    let seen: BTreeSet<String> = net.env.drain_events(&sink).await.into_iter().map(|(t, _)| t).collect();
    let missing: Vec<_> = names.iter().filter(|n| !seen.contains(*n)).collect();
    assert!(missing.is_empty(), "never emitted by the lifecycle: {missing:?}");
}

#[test]
fn a_webhook_endpoint_may_subscribe_to_exactly_the_documented_partner_events() {
    let documented: BTreeSet<String> = contract::messages()
        .into_keys()
        .filter(|n| {
            ["partner.partnership.", "partner.transaction.", "partner.settlement."].iter().any(|p| n.starts_with(p))
        })
        .collect();
    let offered: BTreeSet<String> =
        shared::business_webhooks::domain::EVENT_TYPES.iter().map(|t| t.to_string()).collect();
    assert_eq!(offered, documented);
}
