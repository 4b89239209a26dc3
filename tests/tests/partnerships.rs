//! Partnerships on DynamoDB Local: the invitation lifecycle, one open
//! partnership per pair (A inviting B while B invites A: exactly one wins),
//! tenant isolation (a third business sees 404s and nothing in its list),
//! owners vs staff, invitee-only answers.

use functions::handlers::{businesses_register, partnerships_accept, partnerships_decline, partnerships_get, partnerships_invite, partnerships_list};
use futures::future::join_all;
use integration_tests::*;
use serde_json::json;
use shared::http::serve::dispatch;

struct Net {
    env: TestEnv,
    issuer: Issuer,
}

impl Net {
    async fn start() -> Net {
        let issuer = Issuer::start().await;
        let env = env_trusting(&issuer).await;
        let net = Net { env, issuer };
        for (biz, available) in [("biz-a", true), ("biz-b", true), ("biz-c", true), ("biz-closed", false)] {
            let body = json!({ "name": biz, "category": "cafe", "location": { "lat": 45.5, "lng": -73.57 }, "address": "", "availableForPartnership": available }).to_string();
            assert_eq!(net.call("POST", "/api/v1/businesses", biz, "owner", Some(&body)).await.status, 201);
        }
        net
    }

    fn bearer(&self, biz: &str, role: &str) -> String {
        self.issuer.bearer(biz, role, self.env.now())
    }

    async fn call(&self, method: &str, path: &str, biz: &str, role: &str, body: Option<&str>) -> Reply {
        let headers = [("authorization", self.bearer(biz, role)), ("content-type", "application/json".to_string())];
        let req = unsigned(method, path, &headers, body);
        let app = self.env.app.clone();
        let last = path.split('?').next().unwrap_or("").rsplit('/').next().unwrap_or("");
        reply(match (method, last) {
            ("POST", "businesses") => dispatch(app, req, businesses_register::handle).await,
            ("POST", _) => dispatch(app, req, partnerships_invite::handle).await,
            ("PATCH", "accept") => dispatch(app, req, partnerships_accept::handle).await,
            ("PATCH", _) => dispatch(app, req, partnerships_decline::handle).await,
            ("GET", "partnerships") => dispatch(app, req, partnerships_list::handle).await,
            _ => dispatch(app, req, partnerships_get::handle).await,
        })
    }

    async fn invite(&self, from: &str, to: &str) -> Reply {
        let body = json!({ "partnerBusinessId": to, "type": "POINTS_COALITION", "revenueSharingTerms": { "type": "PERCENTAGE", "businessAShare": 5, "businessBShare": "5", "settlementFrequency": "MONTHLY" } }).to_string();
        self.call("POST", "/api/v1/partnerships", from, "owner", Some(&body)).await
    }
}

#[tokio::test]
async fn an_invitation_is_accepted_by_its_invitee_and_a_declined_one_frees_the_pair() {
    let net = Net::start().await;
    let invited = net.invite("biz-a", "biz-b").await;
    assert_eq!(invited.status, 201, "{}", invited.json);
    let id = invited.json["id"].as_str().unwrap().to_string();
    assert_eq!((invited.json["status"].as_str(), invited.json["termsVersion"].as_u64()), (Some("PENDING"), Some(1)));
    assert_eq!(invited.json["revenueSharingTerms"], json!({ "type": "PERCENTAGE", "businessAShare": 5.0, "businessBShare": 5.0, "settlementFrequency": "MONTHLY" }));
    // Both parties read it and list it; staff may read.
    for biz in ["biz-a", "biz-b"] {
        assert_eq!(net.call("GET", &format!("/api/v1/partnerships/{id}"), biz, "staff", None).await.status, 200);
        let list = net.call("GET", "/api/v1/partnerships", biz, "staff", None).await;
        assert_eq!(list.json["partnerships"].as_array().unwrap().len(), 1, "{biz}");
    }
    let invitee_view = net.call("GET", "/api/v1/partnerships?role=invitee", "biz-b", "owner", None).await;
    assert_eq!(invitee_view.json["partnerships"][0]["partnerBusinessId"], "biz-a");
    assert!(net.call("GET", "/api/v1/partnerships?role=invitee", "biz-a", "owner", None).await.json["partnerships"].as_array().unwrap().is_empty());
    // Only the invitee's owner answers.
    assert_eq!(net.call("PATCH", &format!("/api/v1/partnerships/{id}/accept"), "biz-a", "owner", None).await.code(), "INVITEE_ONLY");
    assert_eq!(net.call("PATCH", &format!("/api/v1/partnerships/{id}/accept"), "biz-b", "staff", None).await.code(), "OWNER_ONLY");
    let accepted = net.call("PATCH", &format!("/api/v1/partnerships/{id}/accept"), "biz-b", "owner", None).await;
    assert_eq!((accepted.status, accepted.json["status"].as_str()), (200, Some("ACTIVE")), "{}", accepted.json);
    assert!(accepted.json["acceptedAt"].is_string() && accepted.json["activatedAt"].is_string());
    assert_eq!(net.call("PATCH", &format!("/api/v1/partnerships/{id}/decline"), "biz-b", "owner", None).await.code(), "PARTNERSHIP_NOT_PENDING");
    let listed = net.call("GET", "/api/v1/partnerships?status=ACTIVE", "biz-a", "owner", None).await;
    assert_eq!(listed.json["partnerships"][0]["status"], "ACTIVE");
    // An open pair refuses another invitation, either way round.
    assert_eq!(net.invite("biz-b", "biz-a").await.code(), "PARTNERSHIP_EXISTS");

    // A declined invitation ends, and the pair may try again.
    let second = net.invite("biz-a", "biz-c").await.json["id"].as_str().unwrap().to_string();
    let declined = net.call("PATCH", &format!("/api/v1/partnerships/{second}/decline"), "biz-c", "owner", None).await;
    assert_eq!((declined.json["status"].as_str(), declined.json["endReason"].as_str()), (Some("TERMINATED"), Some("DECLINED")));
    assert_eq!(net.invite("biz-c", "biz-a").await.status, 201, "a declined pair may be invited again");
    let audit = items_with_pk_prefix(&net.env.app, &format!("AUDIT#PARTNERSHIP#{id}")).await;
    let actions: Vec<&str> = audit.iter().map(|a| a["action"].as_s().unwrap().as_str()).collect();
    assert!(actions.contains(&"partnership.created") && actions.contains(&"partnership.accepted"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_inviting_b_while_b_invites_a_opens_exactly_one_partnership() {
    let net = Net::start().await;
    let replies = join_all((0..20).map(|i| {
        let (from, to) = if i % 2 == 0 { ("biz-a", "biz-b") } else { ("biz-b", "biz-a") };
        let body = json!({ "partnerBusinessId": to, "type": "CROSS_REDEMPTION", "revenueSharingTerms": { "type": "FIXED_FEE", "fixedFeePerTransaction": 0.25, "settlementFrequency": "MONTHLY" } }).to_string();
        let req = unsigned("POST", "/api/v1/partnerships", &[("authorization", net.bearer(from, "owner")), ("content-type", "application/json".into())], Some(&body));
        let app = net.env.app.clone();
        tokio::spawn(async move { reply(dispatch(app, req, partnerships_invite::handle).await) })
    }))
    .await;
    let created = replies.iter().filter(|r| r.as_ref().unwrap().status == 201).count();
    let refused = replies.iter().filter(|r| r.as_ref().unwrap().code() == "PARTNERSHIP_EXISTS").count();
    assert_eq!((created, refused), (1, 19));
    assert_eq!(count_with_pk_prefix(&net.env.app, "PARTNERSHIP#").await, 1);
    assert_eq!(count_with_pk_prefix(&net.env.app, "PARTNER_PAIR#").await, 1);
}

#[tokio::test]
async fn a_third_business_sees_only_404s_and_refusals_are_clear() {
    let net = Net::start().await;
    let id = net.invite("biz-a", "biz-b").await.json["id"].as_str().unwrap().to_string();
    for (method, path) in [("GET", format!("/api/v1/partnerships/{id}")), ("PATCH", format!("/api/v1/partnerships/{id}/accept")), ("PATCH", format!("/api/v1/partnerships/{id}/decline"))] {
        for role in ["owner", "staff"] {
            let r = net.call(method, &path, "biz-c", role, None).await;
            let expected = if method == "PATCH" && role == "staff" { (403, "OWNER_ONLY") } else { (404, "PARTNERSHIP_NOT_FOUND") };
            assert_eq!((r.status, r.code()), expected, "{method} {path} as {role}");
        }
    }
    assert!(net.call("GET", "/api/v1/partnerships", "biz-c", "owner", None).await.json["partnerships"].as_array().unwrap().is_empty());
    assert_eq!(net.call("GET", "/api/v1/partnerships/nope", "biz-a", "owner", None).await.code(), "PARTNERSHIP_NOT_FOUND");
    // Refusals: self, unknown, unavailable, staff, bad terms.
    assert_eq!(net.invite("biz-a", "biz-a").await.code(), "INVALID_PARTNER");
    // An absurd id is a 400, not a DynamoDB key-size error.
    assert_eq!(net.invite("biz-a", &"x".repeat(5000)).await.code(), "INVALID_PARTNER");
    assert_eq!(net.invite("biz-a", "biz a").await.code(), "INVALID_PARTNER");
    assert_eq!(net.invite("biz-a", "biz-zzz").await.code(), "BUSINESS_NOT_FOUND");
    assert_eq!(net.invite("biz-a", "biz-closed").await.code(), "PARTNER_NOT_AVAILABLE");
    let body = json!({ "partnerBusinessId": "biz-c", "type": "REFERRAL_ONLY", "revenueSharingTerms": { "type": "HYBRID", "basePercentage": 3, "settlementFrequency": "MONTHLY" } }).to_string();
    assert_eq!(net.call("POST", "/api/v1/partnerships", "biz-a", "owner", Some(&body)).await.code(), "INVALID_TERMS");
    assert_eq!(net.call("POST", "/api/v1/partnerships", "biz-a", "staff", Some(&body)).await.code(), "OWNER_ONLY");
    assert_eq!(net.call("GET", "/api/v1/partnerships?role=boss", "biz-a", "owner", None).await.code(), "INVALID_QUERY");
}

#[tokio::test]
async fn every_change_reaches_the_bus_through_the_outbox_even_when_its_writer_dies() {
    let net = Net::start().await;
    let names = ["partner.partnership.created", "partner.partnership.accepted", "partner.partnership.activated", "partner.partnership.terminated"];
    let sink = net.env.bus_sink("network-events", &names).await;
    // A writer that cannot publish after its commit, as if it died there.
    let mut settings = (*net.env.app.settings).clone();
    settings.event_bus_name = Some("no-such-bus".into());
    let mut dying = net.env.app.clone();
    dying.settings = std::sync::Arc::new(settings);
    let request = serde_json::from_value(json!({ "partnerBusinessId": "biz-b", "type": "POINTS_COALITION", "revenueSharingTerms": { "type": "PERCENTAGE", "businessAShare": 5, "businessBShare": 5, "settlementFrequency": "MONTHLY" } })).unwrap();
    let p = shared::partnerships::service::invite(&dying, "biz-a", "user-a", request).await.unwrap();
    assert!(net.env.drain_events(&sink).await.is_empty(), "nothing published yet");
    // The drain publishes it, once.
    assert_eq!(shared::platform::outbox::drain(&net.env.app).await.unwrap(), 1);
    assert_eq!(shared::platform::outbox::drain(&net.env.app).await.unwrap(), 0);
    let created = net.env.drain_events(&sink).await;
    assert_eq!(created.len(), 1, "{created:?}");
    assert_eq!((created[0].0.as_str(), created[0].1["partnershipId"].as_str()), ("partner.partnership.created", Some(p.id.as_str())));
    assert!(created[0].1["eventId"].is_string());
    // A healthy writer publishes at once; the drain then has nothing to do.
    assert_eq!(net.call("PATCH", &format!("/api/v1/partnerships/{}/accept", p.id), "biz-b", "owner", None).await.status, 200);
    assert_eq!(shared::platform::outbox::drain(&net.env.app).await.unwrap(), 0);
    let answered: Vec<String> = net.env.drain_events(&sink).await.into_iter().map(|(name, _)| name).collect();
    assert_eq!(answered.iter().collect::<std::collections::BTreeSet<_>>(), ["partner.partnership.accepted".to_string(), "partner.partnership.activated".to_string()].iter().collect());
    // A decline announces the end.
    let other = net.invite("biz-a", "biz-c").await.json["id"].as_str().unwrap().to_string();
    net.call("PATCH", &format!("/api/v1/partnerships/{other}/decline"), "biz-c", "owner", None).await;
    let ended = net.env.drain_events(&sink).await;
    let terminated = ended.iter().find(|(name, _)| name == "partner.partnership.terminated").expect("terminated published");
    assert_eq!(terminated.1["endReason"], "DECLINED");
}
