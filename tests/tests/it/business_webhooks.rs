//! Webhook endpoints for businesses on DynamoDB Local: an owner manages its
//! own (the secret shown once, rotated with a day's grace), staff and other
//! businesses are refused, addresses that could reach inside are refused
//! when saved (loopback, private, link-local metadata, a name resolving to
//! loopback), and racing creations never pass the limit.

use futures::future::join_all;
use integration_tests::network::Net;
use serde_json::json;
use time::macros::datetime;

const ENDPOINTS: &str = "/api/v1/webhooks/endpoints";
/// A public address, so no lookup is needed (the tests have no DNS).
const PUBLIC: &str = "https://93.184.215.14/partner-network";

#[tokio::test]
async fn an_owner_manages_its_endpoints_and_no_one_else_does() {
    let net = Net::start().await;
    for biz in ["biz-a", "biz-b"] {
        net.register(biz).await;
    }
    net.env.clock.set(datetime!(2026-03-10 12:00 UTC));
    let created = net
        .owner(
            "POST",
            ENDPOINTS,
            "biz-a",
            json!({ "url": PUBLIC, "eventTypes": ["partner.settlement.processed"], "description": "accounting" }),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.json);
    let secret = created.json["secret"].as_str().unwrap().to_string();
    assert!(secret.starts_with("whsec_"), "{secret}");
    let id = created.json["endpointId"].as_str().unwrap().to_string();
    assert_eq!((created.json["status"].as_str(), created.json["url"].as_str()), (Some("ENABLED"), Some(PUBLIC)));

    // Listed without any secret; another business sees none of it.
    let list = net.owner("GET", ENDPOINTS, "biz-a", json!(null)).await;
    assert_eq!(list.json["endpoints"].as_array().map(Vec::len), Some(1));
    assert!(!list.json.to_string().contains("whsec_"), "{}", list.json);
    assert_eq!(
        net.owner("GET", ENDPOINTS, "biz-b", json!(null)).await.json["endpoints"].as_array().map(Vec::len),
        Some(0)
    );

    // Staff may do none of it; another business's owner finds nothing.
    let one = format!("{ENDPOINTS}/{id}");
    let rotate = format!("{one}/rotate");
    for (method, path, body) in [
        ("POST", ENDPOINTS, Some(json!({ "url": PUBLIC }))),
        ("GET", ENDPOINTS, None),
        ("PATCH", one.as_str(), Some(json!({ "enabled": false }))),
        ("DELETE", one.as_str(), None),
        ("POST", rotate.as_str(), None),
    ] {
        let r = net.call(method, path, "biz-a", "staff", body.as_ref(), &[]).await;
        assert_eq!((r.status, r.code()), (403, "OWNER_ONLY"), "staff {method} {path}");
        if path != ENDPOINTS {
            let r = net.call(method, path, "biz-b", "owner", body.as_ref(), &[]).await;
            assert_eq!((r.status, r.code()), (404, "WEBHOOK_ENDPOINT_NOT_FOUND"), "biz-b {method} {path}");
        }
    }

    // Changes: off, all events, bad input refused with nothing changed.
    let off = net.owner("PATCH", &one, "biz-a", json!({ "enabled": false, "eventTypes": ["*"] })).await;
    assert_eq!(
        (off.status, off.json["status"].as_str(), off.json["eventTypes"][0].as_str()),
        (200, Some("DISABLED"), Some("*"))
    );
    for (body, code) in [
        (json!({ "eventTypes": ["RefundOverdue"] }), "INVALID_EVENT_TYPES"),
        (json!({ "url": "http://93.184.215.14/" }), "INVALID_WEBHOOK_URL"),
        (json!({}), "EMPTY_BODY"),
        (json!({ "secret": "whsec_mine" }), "UNKNOWN_FIELD"),
    ] {
        let r = net.owner("PATCH", &one, "biz-a", body.clone()).await;
        assert_eq!((r.status, r.code()), (400, code), "{body}");
    }
    let bad_id = net.owner("PATCH", &format!("{ENDPOINTS}/x%23y"), "biz-a", json!({ "enabled": true })).await;
    assert_eq!((bad_id.status, bad_id.code()), (400, "INVALID_ENDPOINT_ID"));

    // Rotation: a new secret, the old one kept for a day.
    let rotated = net.owner("POST", &rotate, "biz-a", json!(null)).await;
    assert_eq!(rotated.status, 200, "{}", rotated.json);
    assert_ne!(rotated.json["secret"].as_str(), Some(secret.as_str()));
    assert_eq!(rotated.json["previousSecretExpiresAt"], "2026-03-11T12:00:00Z");

    // Deleted once.
    assert_eq!(net.owner("DELETE", &one, "biz-a", json!(null)).await.status, 204);
    assert_eq!(net.owner("DELETE", &one, "biz-a", json!(null)).await.status, 404);
}

#[tokio::test]
async fn addresses_that_could_reach_inside_are_refused_when_saved() {
    let net = Net::start().await;
    net.register("biz-a").await;
    for url in [
        "http://93.184.215.14/",
        "https://93.184.215.14:8443/",
        "https://127.0.0.1/",
        "http://127.0.0.1:9999/",
        "https://10.0.0.8/",
        "https://192.168.1.20/",
        "https://169.254.169.254/latest/meta-data/",
        "https://[fd00:ec2::254]/",
        "https://localhost/hook",
        "https://user:pw@93.184.215.14/",
    ] {
        let r = net.owner("POST", ENDPOINTS, "biz-a", json!({ "url": url })).await;
        assert_eq!((r.status, r.code()), (400, "INVALID_WEBHOOK_URL"), "{url}: {}", r.json);
    }
    assert_eq!(
        net.owner("GET", ENDPOINTS, "biz-a", json!(null)).await.json["endpoints"].as_array().map(Vec::len),
        Some(0)
    );

    // The local stack's allowance: loopback over http, a name resolving to
    // it too, and still nothing private or link-local.
    let local = Net::start_with(&[("WEBHOOKS_ALLOW_LOCAL_RECEIVERS", "true")]).await;
    local.register("biz-a").await;
    for url in ["http://127.0.0.1:9999/hook", "http://localhost:9999/hook"] {
        let r = local.owner("POST", ENDPOINTS, "biz-a", json!({ "url": url })).await;
        assert_eq!(r.status, 201, "{url}: {}", r.json);
    }
    for url in ["http://10.0.0.8/", "http://169.254.169.254/"] {
        let r = local.owner("POST", ENDPOINTS, "biz-a", json!({ "url": url })).await;
        assert_eq!((r.status, r.code()), (400, "INVALID_WEBHOOK_URL"), "{url}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_creations_never_pass_ten_endpoints() {
    let net = Net::start().await;
    net.register("biz-a").await;
    let attempts = (0..15).map(|i| net.owner("POST", ENDPOINTS, "biz-a", json!({ "url": format!("{PUBLIC}/{i}") })));
    let replies = join_all(attempts).await;
    let created = replies.iter().filter(|r| r.status == 201).count();
    let refused = replies.iter().filter(|r| r.status == 409 && r.code() == "WEBHOOK_ENDPOINT_LIMIT").count();
    assert_eq!((created, refused), (10, 5), "{:?}", replies.iter().map(|r| r.status).collect::<Vec<_>>());
    let list = net.owner("GET", ENDPOINTS, "biz-a", json!(null)).await.json;
    assert_eq!(list["endpoints"].as_array().map(Vec::len), Some(10));
    // A deletion gives its place back.
    let id = list["endpoints"][0]["endpointId"].as_str().unwrap();
    assert_eq!(net.owner("DELETE", &format!("{ENDPOINTS}/{id}"), "biz-a", json!(null)).await.status, 204);
    assert_eq!(net.owner("POST", ENDPOINTS, "biz-a", json!({ "url": PUBLIC })).await.status, 201);
    assert_eq!(net.owner("POST", ENDPOINTS, "biz-a", json!({ "url": PUBLIC })).await.status, 409);
}
