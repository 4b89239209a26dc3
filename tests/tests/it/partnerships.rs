//! Partnerships on DynamoDB Local: the invitation lifecycle, one open
//! partnership per pair (A inviting B while B invites A: exactly one wins),
//! tenant isolation (a third business sees 404s and nothing in its list),
//! owners vs staff, invitee-only answers; pause, resume and termination;
//! config and terms changed only by agreement; templates; reviews kept
//! exact under races; profile counters. Requests go through the router
//! table `make dev` serves.

use functions::handlers::partnerships_invite;
use futures::future::join_all;
use integration_tests::*;
use serde_json::json;
use shared::http::serve::dispatch;

/// An acceptance of the first terms version (what an invitation starts at).
const ACCEPT_V1: &str = r#"{"termsVersion":1}"#;

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
            let body = json!({ "businessId": biz, "name": biz, "category": "cafe", "location": { "lat": 45.5, "lng": -73.57 }, "address": "", "availableForPartnership": available });
            assert_eq!(register_as(&net.env.app, &net.issuer, biz, &body).await.status, 201);
        }
        net
    }

    fn bearer(&self, biz: &str, role: &str) -> String {
        self.issuer.bearer(biz, role, self.env.now())
    }

    async fn call(&self, method: &str, path: &str, biz: &str, role: &str, body: Option<&str>) -> Reply {
        // A recording needs an idempotency key; other routes ignore it.
        let headers = [
            ("authorization", self.bearer(biz, role)),
            ("content-type", "application/json".to_string()),
            ("idempotency-key", "matrix-key".to_string()),
        ];
        serve_routed(self.env.app.clone(), unsigned(method, path, &headers, body)).await
    }

    async fn json(&self, method: &str, path: &str, biz: &str, body: serde_json::Value) -> Reply {
        self.call(method, path, biz, "owner", Some(&body.to_string())).await
    }

    /// An ACTIVE partnership of `a` (inviter) and `b`.
    async fn active(&self, a: &str, b: &str) -> String {
        let invited = self.invite(a, b).await;
        assert_eq!(invited.status, 201, "{}", invited.json);
        let id = invited.json["id"].as_str().unwrap().to_string();
        assert_eq!(
            self.call("PATCH", &format!("/api/v1/partnerships/{id}/accept"), b, "owner", Some(ACCEPT_V1)).await.status,
            200
        );
        id
    }

    async fn profile(&self, biz: &str) -> serde_json::Value {
        self.call("GET", &format!("/api/v1/partners/{biz}"), "biz-c", "staff", None).await.json
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
    assert_eq!(
        invited.json["revenueSharingTerms"],
        json!({ "type": "PERCENTAGE", "businessAShare": 5.0, "businessBShare": 5.0, "settlementFrequency": "MONTHLY" })
    );
    // Both parties read it and list it; staff may read.
    for biz in ["biz-a", "biz-b"] {
        assert_eq!(net.call("GET", &format!("/api/v1/partnerships/{id}"), biz, "staff", None).await.status, 200);
        let list = net.call("GET", "/api/v1/partnerships", biz, "staff", None).await;
        assert_eq!(list.json["partnerships"].as_array().unwrap().len(), 1, "{biz}");
    }
    let invitee_view = net.call("GET", "/api/v1/partnerships?role=invitee", "biz-b", "owner", None).await;
    assert_eq!(invitee_view.json["partnerships"][0]["partnerBusinessId"], "biz-a");
    assert!(net.call("GET", "/api/v1/partnerships?role=invitee", "biz-a", "owner", None).await.json["partnerships"]
        .as_array()
        .unwrap()
        .is_empty());
    // Only the invitee's owner answers.
    assert_eq!(
        net.call("PATCH", &format!("/api/v1/partnerships/{id}/accept"), "biz-a", "owner", Some(ACCEPT_V1)).await.code(),
        "INVITEE_ONLY"
    );
    assert_eq!(
        net.call("PATCH", &format!("/api/v1/partnerships/{id}/accept"), "biz-b", "staff", Some(ACCEPT_V1)).await.code(),
        "OWNER_ONLY"
    );
    let accepted =
        net.call("PATCH", &format!("/api/v1/partnerships/{id}/accept"), "biz-b", "owner", Some(ACCEPT_V1)).await;
    assert_eq!((accepted.status, accepted.json["status"].as_str()), (200, Some("ACTIVE")), "{}", accepted.json);
    assert!(accepted.json["acceptedAt"].is_string() && accepted.json["activatedAt"].is_string());
    assert_eq!(
        net.call("PATCH", &format!("/api/v1/partnerships/{id}/decline"), "biz-b", "owner", None).await.code(),
        "PARTNERSHIP_NOT_PENDING"
    );
    let listed = net.call("GET", "/api/v1/partnerships?status=ACTIVE", "biz-a", "owner", None).await;
    assert_eq!(listed.json["partnerships"][0]["status"], "ACTIVE");
    // An open pair refuses another invitation, either way round.
    assert_eq!(net.invite("biz-b", "biz-a").await.code(), "PARTNERSHIP_EXISTS");

    // A declined invitation ends, and the pair may try again.
    let second = net.invite("biz-a", "biz-c").await.json["id"].as_str().unwrap().to_string();
    let declined = net.call("PATCH", &format!("/api/v1/partnerships/{second}/decline"), "biz-c", "owner", None).await;
    assert_eq!(
        (declined.json["status"].as_str(), declined.json["endReason"].as_str()),
        (Some("TERMINATED"), Some("DECLINED"))
    );
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
    let stored = items_with_pk_prefix(&net.env.app, "PARTNERSHIP#").await;
    assert_eq!(stored.iter().filter(|i| i["SK"].as_s().unwrap() == "PARTNERSHIP").count(), 1);
    assert_eq!(count_with_pk_prefix(&net.env.app, "PARTNER_PAIR#").await, 1);
}

#[tokio::test]
async fn a_third_business_sees_only_404s_and_refusals_are_clear() {
    let net = Net::start().await;
    let id = net.invite("biz-a", "biz-b").await.json["id"].as_str().unwrap().to_string();
    for (method, path) in [
        ("GET", format!("/api/v1/partnerships/{id}")),
        ("PATCH", format!("/api/v1/partnerships/{id}/accept")),
        ("PATCH", format!("/api/v1/partnerships/{id}/decline")),
    ] {
        for role in ["owner", "staff"] {
            let body = path.ends_with("/accept").then_some(ACCEPT_V1);
            let r = net.call(method, &path, "biz-c", role, body).await;
            let expected =
                if method == "PATCH" && role == "staff" { (403, "OWNER_ONLY") } else { (404, "PARTNERSHIP_NOT_FOUND") };
            assert_eq!((r.status, r.code()), expected, "{method} {path} as {role}");
        }
    }
    assert!(net.call("GET", "/api/v1/partnerships", "biz-c", "owner", None).await.json["partnerships"]
        .as_array()
        .unwrap()
        .is_empty());
    assert_eq!(
        net.call("GET", "/api/v1/partnerships/nope", "biz-a", "owner", None).await.code(),
        "PARTNERSHIP_NOT_FOUND"
    );
    // Refusals: self, unknown, unavailable, staff, bad terms.
    assert_eq!(net.invite("biz-a", "biz-a").await.code(), "INVALID_PARTNER");
    // An absurd id is a 400, not a DynamoDB key-size error.
    assert_eq!(net.invite("biz-a", &"x".repeat(5000)).await.code(), "INVALID_PARTNER");
    assert_eq!(net.invite("biz-a", "biz a").await.code(), "INVALID_PARTNER");
    assert_eq!(net.invite("biz-a", "biz-zzz").await.code(), "BUSINESS_NOT_FOUND");
    assert_eq!(net.invite("biz-a", "biz-closed").await.code(), "PARTNER_NOT_AVAILABLE");
    let body = json!({ "partnerBusinessId": "biz-c", "type": "REFERRAL_ONLY", "revenueSharingTerms": { "type": "HYBRID", "basePercentage": 3, "settlementFrequency": "MONTHLY" } })
        .to_string();
    assert_eq!(net.call("POST", "/api/v1/partnerships", "biz-a", "owner", Some(&body)).await.code(), "INVALID_TERMS");
    assert_eq!(net.call("POST", "/api/v1/partnerships", "biz-a", "staff", Some(&body)).await.code(), "OWNER_ONLY");
    assert_eq!(net.call("GET", "/api/v1/partnerships?role=boss", "biz-a", "owner", None).await.code(), "INVALID_QUERY");
}

#[tokio::test]
async fn every_change_reaches_the_bus_through_the_outbox_even_when_its_writer_dies() {
    let net = Net::start().await;
    let names = [
        "partner.partnership.created",
        "partner.partnership.accepted",
        "partner.partnership.activated",
        "partner.partnership.terminated",
    ];
    let sink = net.env.bus_sink("network-events", &names).await;
    // A writer that cannot publish after its commit, as if it died there.
    let mut settings = (*net.env.app.settings).clone();
    settings.event_bus_name = Some("no-such-bus".into());
    let mut dying = net.env.app.clone();
    dying.settings = std::sync::Arc::new(settings);
    let request = serde_json::from_value(json!({ "partnerBusinessId": "biz-b", "type": "POINTS_COALITION", "revenueSharingTerms": { "type": "PERCENTAGE", "businessAShare": 5, "businessBShare": 5, "settlementFrequency": "MONTHLY" } })).unwrap();
    let p = shared::partnerships::service::invite(
        &dying,
        &shared::platform::ids::BusinessId::known("biz-a"),
        "user-a",
        request,
    )
    .await
    .unwrap();
    assert!(net.env.drain_events(&sink).await.is_empty(), "nothing published yet");
    // The drain publishes it, once.
    assert_eq!(shared::platform::outbox::drain(&net.env.app).await.unwrap(), 1);
    assert_eq!(shared::platform::outbox::drain(&net.env.app).await.unwrap(), 0);
    let created = net.env.drain_events(&sink).await;
    assert_eq!(created.len(), 1, "{created:?}");
    assert_eq!(
        (created[0].0.as_str(), created[0].1["partnershipId"].as_str()),
        ("partner.partnership.created", Some(p.id.as_str()))
    );
    assert!(created[0].1["eventId"].is_string());
    // A healthy writer publishes at once; the drain then has nothing to do.
    assert_eq!(
        net.call("PATCH", &format!("/api/v1/partnerships/{}/accept", p.id), "biz-b", "owner", Some(ACCEPT_V1))
            .await
            .status,
        200
    );
    assert_eq!(shared::platform::outbox::drain(&net.env.app).await.unwrap(), 0);
    let answered: Vec<String> = net.env.drain_events(&sink).await.into_iter().map(|(name, _)| name).collect();
    assert_eq!(
        answered.iter().collect::<std::collections::BTreeSet<_>>(),
        ["partner.partnership.accepted".to_string(), "partner.partnership.activated".to_string()].iter().collect()
    );
    // A decline announces the end.
    let other = net.invite("biz-a", "biz-c").await.json["id"].as_str().unwrap().to_string();
    net.call("PATCH", &format!("/api/v1/partnerships/{other}/decline"), "biz-c", "owner", None).await;
    let ended = net.env.drain_events(&sink).await;
    let terminated =
        ended.iter().find(|(name, _)| name == "partner.partnership.terminated").expect("terminated published");
    assert_eq!(terminated.1["endReason"], "DECLINED");
}

fn status_body(status: &str, reason: &str) -> serde_json::Value {
    json!({ "status": status, "reason": reason })
}

#[tokio::test]
async fn pause_resume_and_terminate_follow_the_rules_and_keep_the_counts() {
    let net = Net::start().await;
    let sink = net
        .env
        .bus_sink(
            "lifecycle-events",
            &["partner.partnership.paused", "partner.partnership.activated", "partner.partnership.terminated"],
        )
        .await;
    let id = net.active("biz-a", "biz-b").await;
    let status = format!("/api/v1/partnerships/{id}/status");
    assert_eq!(net.profile("biz-a").await["partnershipCount"], 1);
    assert_eq!(net.profile("biz-b").await["partnershipCount"], 1);
    net.env.drain_events(&sink).await;

    assert_eq!(
        net.call("PATCH", &status, "biz-a", "staff", Some(&status_body("PAUSED", "x").to_string())).await.code(),
        "OWNER_ONLY"
    );
    assert_eq!(net.json("PATCH", &status, "biz-a", status_body("PAUSED", "  ")).await.code(), "INVALID_REASON");
    assert_eq!(net.json("PATCH", &status, "biz-a", status_body("SLEEPING", "x")).await.code(), "INVALID_STATUS");
    assert_eq!(
        net.json("PATCH", &status, "biz-a", status_body("ACTIVE", "already")).await.code(),
        "INVALID_TRANSITION"
    );
    let paused = net.json("PATCH", &status, "biz-a", status_body("PAUSED", "Renovation until March")).await;
    assert_eq!(
        (paused.status, paused.json["status"].as_str(), paused.json["pausedBy"].as_str()),
        (200, Some("PAUSED"), Some("biz-a")),
        "{}",
        paused.json
    );
    assert_eq!(paused.json["statusReason"], "Renovation until March");
    assert!(paused.json["pausedAt"].is_string());
    // Only the business that paused resumes; the other may end it.
    assert_eq!(
        net.json("PATCH", &status, "biz-b", status_body("ACTIVE", "we are ready")).await.code(),
        "PAUSED_BY_PARTNER"
    );
    let resumed = net.json("PATCH", &status, "biz-a", status_body("ACTIVE", "Reopened")).await;
    assert_eq!((resumed.json["status"].as_str(), resumed.json["pausedBy"].is_null()), (Some("ACTIVE"), true));
    let listed = net.call("GET", "/api/v1/partnerships?status=ACTIVE", "biz-b", "staff", None).await;
    assert_eq!(listed.json["partnerships"].as_array().unwrap().len(), 1, "party items follow the status");

    let ended = net.json("PATCH", &status, "biz-b", status_body("TERMINATED", "Underperforming")).await;
    assert_eq!(
        (ended.json["status"].as_str(), ended.json["endReason"].as_str()),
        (Some("TERMINATED"), Some("TERMINATED"))
    );
    assert!(ended.json["terminatedAt"].is_string());
    // Terminated is final; the pair is free again; the counts drop.
    assert_eq!(net.json("PATCH", &status, "biz-a", status_body("ACTIVE", "please")).await.code(), "INVALID_TRANSITION");
    assert_eq!(
        net.json(
            "PUT",
            &format!("/api/v1/partnerships/{id}"),
            "biz-a",
            json!({ "config": { "maxRedemptionPerCustomer": 3 } })
        )
        .await
        .code(),
        "PARTNERSHIP_TERMINATED"
    );
    assert_eq!(net.profile("biz-a").await["partnershipCount"], 0);
    assert_eq!(net.profile("biz-b").await["partnershipCount"], 0);
    assert_eq!(net.invite("biz-b", "biz-a").await.status, 201, "a new invitation may follow a termination");

    let names: Vec<(String, Option<String>)> = net
        .env
        .drain_events(&sink)
        .await
        .into_iter()
        .map(|(n, d)| (n, d["reason"].as_str().map(String::from)))
        .collect();
    for expected in [
        ("partner.partnership.paused", "Renovation until March"),
        ("partner.partnership.activated", "Reopened"),
        ("partner.partnership.terminated", "Underperforming"),
    ] {
        assert!(names.contains(&(expected.0.to_string(), Some(expected.1.to_string()))), "{expected:?} in {names:?}");
    }
    let audit = items_with_pk_prefix(&net.env.app, &format!("AUDIT#PARTNERSHIP#{id}")).await;
    let actions: Vec<&str> = audit.iter().map(|a| a["action"].as_s().unwrap().as_str()).collect();
    for action in ["partnership.paused", "partnership.resumed", "partnership.terminated"] {
        assert!(actions.contains(&action), "{action} audited: {actions:?}");
    }

    // An inviter withdraws its own pending invitation; its invitee declines instead.
    let pending = net.invite("biz-a", "biz-c").await.json["id"].as_str().unwrap().to_string();
    let path = format!("/api/v1/partnerships/{pending}/status");
    assert_eq!(net.json("PATCH", &path, "biz-c", status_body("TERMINATED", "no")).await.code(), "INVALID_TRANSITION");
    assert_eq!(net.json("PATCH", &path, "biz-a", status_body("PAUSED", "wait")).await.code(), "INVALID_TRANSITION");
    assert_eq!(
        net.json("PATCH", &path, "biz-a", status_body("TERMINATED", "sent by mistake")).await.json["endReason"],
        "WITHDRAWN"
    );
    assert_eq!(net.profile("biz-c").await["partnershipCount"], 0, "a withdrawn invitation never counted");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_status_changes_apply_once_and_counters_stay_exact() {
    let net = Net::start().await;
    let id = net.active("biz-a", "biz-b").await;
    let path = format!("/api/v1/partnerships/{id}/status");
    // Ten terminations from both sides at once, against pauses.
    let replies = join_all((0..16).map(|i| {
        let (biz, status) =
            [("biz-a", "TERMINATED"), ("biz-b", "TERMINATED"), ("biz-a", "PAUSED"), ("biz-b", "PAUSED")][i % 4];
        let headers = [("authorization", net.bearer(biz, "owner")), ("content-type", "application/json".to_string())];
        let req = unsigned("PATCH", &path, &headers, Some(&status_body(status, "race").to_string()));
        let app = net.env.app.clone();
        tokio::spawn(async move { serve_routed(app, req).await })
    }))
    .await;
    let replies: Vec<Reply> = replies.into_iter().map(Result::unwrap).collect();
    let terminated = replies.iter().filter(|r| r.status == 200 && r.json["status"] == "TERMINATED").count();
    let paused = replies.iter().filter(|r| r.status == 200 && r.json["status"] == "PAUSED").count();
    let all = || format!("{:?}", replies.iter().map(|r| (r.status, r.json.clone())).collect::<Vec<_>>());
    // Each change is conditioned on the revision its writer read: one
    // writer wins each revision, the others are told to read again.
    assert!(terminated <= 1 && paused <= 1 && terminated + paused >= 1, "{}", all());
    for r in replies.iter().filter(|r| r.status != 200) {
        assert!(["PARTNERSHIP_CHANGED", "INVALID_TRANSITION"].contains(&r.code()), "{}", r.json);
    }
    let now = net.call("GET", &format!("/api/v1/partnerships/{id}"), "biz-a", "owner", None).await.json;
    if terminated == 0 {
        // A pause won and every termination had read the revision before
        // it: the partnership is paused and still counted; ending it now
        // applies once.
        assert_eq!(now["status"], "PAUSED", "{}", all());
        assert_eq!(net.profile("biz-a").await["partnershipCount"], 1);
        assert_eq!(count_with_pk_prefix(&net.env.app, "PARTNER_PAIR#").await, 1);
        assert_eq!(
            net.json("PATCH", &path, "biz-b", status_body("TERMINATED", "after the race")).await.json["status"],
            "TERMINATED"
        );
    } else {
        assert_eq!(now["status"], "TERMINATED", "{}", all());
    }
    assert_eq!(net.profile("biz-a").await["partnershipCount"], 0);
    assert_eq!(net.profile("biz-b").await["partnershipCount"], 0);
    assert_eq!(count_with_pk_prefix(&net.env.app, "PARTNER_PAIR#").await, 0, "the pair lock is released once");
}

#[tokio::test]
async fn money_terms_change_only_by_agreement_and_every_version_is_kept() {
    let net = Net::start().await;
    let invited = net.invite("biz-a", "biz-b").await;
    let id = invited.json["id"].as_str().unwrap().to_string();
    let put = format!("/api/v1/partnerships/{id}");
    let terms = |share: &str| json!({ "type": "PERCENTAGE", "businessAShare": share, "businessBShare": share, "settlementFrequency": "MONTHLY" });
    // Pending: the inviter edits in place; the invitee may not.
    assert_eq!(
        net.json("PUT", &put, "biz-b", json!({ "revenueSharingTerms": terms("7") })).await.code(),
        "INVITER_ONLY"
    );
    assert_eq!(net.json("PUT", &put, "biz-a", json!({})).await.code(), "INVALID_UPDATE");
    assert_eq!(
        net.json("PUT", &put, "biz-a", json!({ "config": { "minimumTransaction": 3.001 } })).await.code(),
        "INVALID_CONFIG"
    );
    assert_eq!(
        net.json(
            "PUT",
            &put,
            "biz-a",
            json!({ "config": { "geographicRestrictions": { "lat": 0, "lng": 0, "radiusKm": -1 } } })
        )
        .await
        .code(),
        "INVALID_CONFIG"
    );
    let edited = net.json("PUT", &put, "biz-a", json!({ "revenueSharingTerms": terms("6"), "config": { "minimumTransaction": "3.00", "allowedCategories": ["Coffee"] } })).await;
    assert_eq!((edited.status, edited.json["termsVersion"].as_u64()), (200, Some(2)), "{}", edited.json);
    assert_eq!(edited.json["config"]["minimumTransaction"], json!(3.0));
    assert_eq!(edited.json["config"]["allowedCategories"], json!(["coffee"]));
    let accepted = net
        .call("PATCH", &format!("/api/v1/partnerships/{id}/accept"), "biz-b", "owner", Some(r#"{"termsVersion":2}"#))
        .await;
    assert_eq!(accepted.status, 200, "{}", accepted.json);

    // Active: new terms become a proposal; the version in force stays.
    let proposed = net
        .json(
            "PUT",
            &put,
            "biz-b",
            json!({ "revenueSharingTerms": terms("8"), "config": { "maxRedemptionPerCustomer": 4 } }),
        )
        .await;
    assert_eq!(
        (proposed.json["termsVersion"].as_u64(), proposed.json["revenueSharingTerms"]["businessAShare"].as_f64()),
        (Some(2), Some(6.0)),
        "{}",
        proposed.json
    );
    assert_eq!(
        (proposed.json["termsProposal"]["version"].as_u64(), proposed.json["termsProposal"]["proposedBy"].as_str()),
        (Some(3), Some("biz-b"))
    );
    assert_eq!(proposed.json["config"]["maxRedemptionPerCustomer"], 4, "config changes at once");
    let answer = format!("/api/v1/partnerships/{id}/terms");
    assert_eq!(
        net.json("PATCH", &answer, "biz-b", json!({ "version": 3, "decision": "ACCEPT" })).await.code(),
        "PROPOSER_CANNOT_ACCEPT"
    );
    assert_eq!(
        net.json("PATCH", &answer, "biz-a", json!({ "version": 9, "decision": "ACCEPT" })).await.code(),
        "NO_SUCH_PROPOSAL"
    );
    assert_eq!(
        net.json("PATCH", &answer, "biz-a", json!({ "version": 3, "decision": "MAYBE" })).await.code(),
        "INVALID_DECISION"
    );
    let rejected = net.json("PATCH", &answer, "biz-a", json!({ "version": 3, "decision": "REJECT" })).await;
    assert_eq!((rejected.json["termsProposal"].is_null(), rejected.json["termsVersion"].as_u64()), (true, Some(2)));
    net.json("PUT", &put, "biz-b", json!({ "revenueSharingTerms": terms("7.5") })).await;
    let agreed = net.json("PATCH", &answer, "biz-a", json!({ "version": 3, "decision": "ACCEPT" })).await;
    assert_eq!(
        (agreed.json["termsVersion"].as_u64(), agreed.json["revenueSharingTerms"]["businessBShare"].as_f64()),
        (Some(3), Some(7.5)),
        "{}",
        agreed.json
    );
    assert!(agreed.json["termsProposal"].is_null());
    // Every version stays readable, exactly as agreed.
    for (version, share) in [(1, 500), (2, 600), (3, 750)] {
        let v = shared::partnerships::store::terms_version(&net.env.app, &id, version)
            .await
            .unwrap()
            .expect("version kept");
        let a_share = match v.terms.sharing {
            shared::partnerships::domain::Sharing::Percentage { business_a_share_bps, .. } => {
                Some(business_a_share_bps)
            }
            _ => None,
        };
        assert_eq!(a_share, Some(share), "v{version}");
    }
    assert!(shared::partnerships::store::terms_version(&net.env.app, &id, 4).await.unwrap().is_none());
    let audit = items_with_pk_prefix(&net.env.app, &format!("AUDIT#PARTNERSHIP#{id}")).await;
    let accepted = audit.iter().find(|a| a["action"].as_s().unwrap() == "partnership.terms_accepted").expect("audited");
    let details: serde_json::Value = serde_dynamo::from_attribute_value(accepted["details"].clone()).unwrap();
    assert_eq!(
        (details["before"]["termsVersion"].as_u64(), details["after"]["termsVersion"].as_u64()),
        (Some(2), Some(3)),
        "{details}"
    );
}

#[tokio::test]
async fn templates_fill_an_invitation() {
    let net = Net::start().await;
    let all = net.call("GET", "/api/v1/partnerships/templates", "biz-a", "staff", None).await;
    assert_eq!(all.status, 200, "{}", all.json);
    let cafe = net.call("GET", "/api/v1/partnerships/templates?category=bakery", "biz-a", "staff", None).await;
    let template = &cafe.json["templates"][0];
    assert_eq!(template["id"], "cafe-bakery-coalition");
    assert!(all.json["templates"].as_array().unwrap().len() > cafe.json["templates"].as_array().unwrap().len());
    let invited = net
        .json(
            "POST",
            "/api/v1/partnerships",
            "biz-a",
            json!({ "partnerBusinessId": "biz-b", "templateId": "cafe-bakery-coalition" }),
        )
        .await;
    assert_eq!(invited.status, 201, "{}", invited.json);
    assert_eq!(
        (&invited.json["type"], &invited.json["revenueSharingTerms"], &invited.json["config"]),
        (&template["type"], &template["revenueSharingTerms"], &template["config"])
    );
    // The body's own fields win over the template's.
    let own = net
        .json(
            "POST",
            "/api/v1/partnerships",
            "biz-a",
            json!({ "partnerBusinessId": "biz-c", "templateId": "retail-referral", "type": "CROSS_REDEMPTION" }),
        )
        .await;
    assert_eq!(
        (own.json["type"].as_str(), own.json["revenueSharingTerms"]["fixedFeePerTransaction"].as_f64()),
        (Some("CROSS_REDEMPTION"), Some(2.0))
    );
    assert_eq!(
        net.json(
            "POST",
            "/api/v1/partnerships",
            "biz-b",
            json!({ "partnerBusinessId": "biz-c", "templateId": "nope" })
        )
        .await
        .code(),
        "UNKNOWN_TEMPLATE"
    );
    assert_eq!(
        net.json("POST", "/api/v1/partnerships", "biz-b", json!({ "partnerBusinessId": "biz-c" })).await.code(),
        "INVALID_TERMS"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn reviews_need_a_partnership_and_keep_the_rating_exact_under_races() {
    let net = Net::start().await;
    let review = |rating: serde_json::Value| json!({ "rating": rating, "text": "Smooth redemptions" });
    assert_eq!(
        net.json("POST", "/api/v1/partners/biz-b/reviews", "biz-a", review(json!(5))).await.code(),
        "NOT_PARTNERED"
    );
    // A pending invitation is not a partnership yet.
    let id = net.invite("biz-a", "biz-b").await.json["id"].as_str().unwrap().to_string();
    assert_eq!(
        net.json("POST", "/api/v1/partners/biz-b/reviews", "biz-a", review(json!(5))).await.code(),
        "NOT_PARTNERED"
    );
    net.call("PATCH", &format!("/api/v1/partnerships/{id}/accept"), "biz-b", "owner", Some(ACCEPT_V1)).await;
    net.active("biz-c", "biz-b").await;
    assert_eq!(
        net.json("POST", "/api/v1/partners/biz-b/reviews", "biz-a", review(json!(4.5))).await.code(),
        "INVALID_RATING"
    );
    assert_eq!(
        net.json("POST", "/api/v1/partners/biz-a/reviews", "biz-a", review(json!(4))).await.code(),
        "INVALID_REVIEW"
    );
    assert_eq!(
        net.call("POST", "/api/v1/partners/biz-b/reviews", "biz-a", "staff", Some(&review(json!(4)).to_string()))
            .await
            .code(),
        "OWNER_ONLY"
    );
    assert_eq!(net.json("POST", "/api/v1/partners/biz-b/reviews", "biz-a", review(json!(4))).await.status, 201);
    assert_eq!(
        net.json("POST", "/api/v1/partners/biz-b/reviews", "biz-a", review(json!(2))).await.status,
        200,
        "a second review replaces the first"
    );
    let profile = net.profile("biz-b").await;
    assert_eq!((profile["rating"].as_f64(), profile["reviewCount"].as_u64()), (Some(2.0), Some(1)), "{profile}");
    assert_eq!(profile["recentReviews"][0]["reviewerBusinessId"], "biz-a");

    // Both partners rewrite their reviews at once, many times.
    let replies = join_all((0..24).map(|i| {
        let biz = if i % 2 == 0 { "biz-a" } else { "biz-c" };
        let body = review(json!(1 + i % 5)).to_string();
        let headers = [("authorization", net.bearer(biz, "owner")), ("content-type", "application/json".to_string())];
        let req = unsigned("POST", "/api/v1/partners/biz-b/reviews", &headers, Some(&body));
        let app = net.env.app.clone();
        tokio::spawn(async move { serve_routed(app, req).await })
    }))
    .await;
    for r in replies {
        let r = r.unwrap();
        assert!([200, 201].contains(&r.status), "{}", r.json);
    }
    let stored = items_with_pk_prefix(&net.env.app, "BUSINESS#biz-b").await;
    let ratings: Vec<u64> = stored
        .iter()
        .filter(|i| i["SK"].as_s().unwrap().starts_with("REVIEW#"))
        .map(|i| i["rating"].as_n().unwrap().parse().unwrap())
        .collect();
    let profile_item = stored.iter().find(|i| i["SK"].as_s().unwrap() == "PROFILE").unwrap();
    assert_eq!(ratings.len(), 2);
    assert_eq!(profile_item["reviewCount"].as_n().unwrap(), "2");
    assert_eq!(
        profile_item["ratingSum"].as_n().unwrap().parse::<u64>().unwrap(),
        ratings.iter().sum::<u64>(),
        "the sum is exact"
    );
    // A terminated partnership still lets its former partner review.
    net.json("PATCH", &format!("/api/v1/partnerships/{id}/status"), "biz-a", status_body("TERMINATED", "done")).await;
    assert_eq!(net.json("POST", "/api/v1/partners/biz-b/reviews", "biz-a", review(json!(3))).await.status, 200);
}

/// Every partnership route, for a business that is not a party: 404 for
/// its owner and staff alike (403 OWNER_ONLY first where only owners may
/// call at all, which says nothing about the partnership).
#[tokio::test]
async fn a_third_business_gets_404_on_every_partnership_route() {
    let net = Net::start().await;
    let active = net.active("biz-a", "biz-b").await;
    let pending = net.invite("biz-a", "biz-closed").await.json["id"].as_str().map(String::from);
    assert!(pending.is_none(), "closed businesses take no invitation");
    let routes = |id: &str| {
        vec![
            ("GET", format!("/api/v1/partnerships/{id}"), None, false),
            (
                "PUT",
                format!("/api/v1/partnerships/{id}"),
                Some(json!({ "config": { "maxRedemptionPerCustomer": 2 } })),
                true,
            ),
            (
                "POST",
                format!("/api/v1/partnerships/{id}/terms/simulate"),
                Some(
                    json!({ "revenueSharingTerms": { "type": "FIXED_FEE", "fixedFeePerTransaction": 0.25, "settlementFrequency": "MONTHLY" } }),
                ),
                false,
            ),
            (
                "PUT",
                format!("/api/v1/partnerships/{id}/exposure-limit"),
                Some(json!({ "maxOutstandingCents": 0 })),
                true,
            ),
            ("PUT", format!("/api/v1/partnerships/{id}/anomaly-rules"), Some(json!({ "maxDistanceKm": 1 })), true),
            ("PATCH", format!("/api/v1/partnerships/{id}/accept"), Some(json!({ "termsVersion": 1 })), true),
            ("PATCH", format!("/api/v1/partnerships/{id}/decline"), None, true),
            ("PATCH", format!("/api/v1/partnerships/{id}/status"), Some(status_body("TERMINATED", "mine now")), true),
            (
                "PATCH",
                format!("/api/v1/partnerships/{id}/terms"),
                Some(json!({ "version": 2, "decision": "ACCEPT" })),
                true,
            ),
            (
                "POST",
                format!("/api/v1/partnerships/{id}/transactions"),
                Some(json!({ "type": "EARN", "customerId": "c1", "amount": 10 })),
                false,
            ),
            ("GET", format!("/api/v1/partnerships/{id}/transactions"), None, false),
            ("GET", format!("/api/v1/partnerships/{id}/analytics"), None, false),
            ("POST", format!("/api/v1/partnerships/{id}/settlements/calculate"), Some(json!({})), true),
            ("GET", format!("/api/v1/partnerships/{id}/settlements"), None, false),
            ("GET", format!("/api/v1/partnerships/{id}/settlements/2026-03-01"), None, false),
            ("GET", format!("/api/v1/partnerships/{id}/settlements/2026-03-01/statement"), None, false),
            (
                "POST",
                format!("/api/v1/partnerships/{id}/settlements/2026-03-01/dispute"),
                Some(json!({ "reason": "not mine" })),
                true,
            ),
            (
                "POST",
                format!("/api/v1/partnerships/{id}/settlements/2026-03-01/resolve"),
                Some(json!({ "outcome": "mine", "adjustmentCents": 5 })),
                true,
            ),
            ("POST", format!("/api/v1/partnerships/{id}/settlements/2026-03-01/release"), None, true),
        ]
    };
    for (method, path, body, owner_only) in routes(&active) {
        for role in ["owner", "staff"] {
            let r = net.call(method, &path, "biz-c", role, body.as_ref().map(|b| b.to_string()).as_deref()).await;
            let expected =
                if owner_only && role == "staff" { (403, "OWNER_ONLY") } else { (404, "PARTNERSHIP_NOT_FOUND") };
            assert_eq!((r.status, r.code()), expected, "{method} {path} as {role}: {}", r.json);
        }
    }
    // Nothing changed for the parties, and the outsider's list is empty.
    let seen = net.call("GET", &format!("/api/v1/partnerships/{active}"), "biz-a", "staff", None).await;
    assert_eq!(
        (seen.json["status"].as_str(), seen.json["config"]["maxRedemptionPerCustomer"].is_null()),
        (Some("ACTIVE"), true)
    );
    assert!(net.call("GET", "/api/v1/partnerships", "biz-c", "owner", None).await.json["partnerships"]
        .as_array()
        .unwrap()
        .is_empty());
    // Routes the matrix covers are every partnership route the router serves.
    let covered: std::collections::BTreeSet<String> =
        routes("x").iter().map(|(m, p, _, _)| routed_function(m, p).unwrap()).collect();
    let served: std::collections::BTreeSet<String> = router_table()
        .iter()
        .filter(|(_, route, _)| route.starts_with("/api/v1/partnerships/{id}"))
        .map(|(_, _, f)| f.clone())
        .collect();
    assert_eq!(covered, served);
}

/// What the invitee accepts is the version it read: an inviter who raises
/// its share (or changes the config) after B read the invitation cannot
/// have B accept the new terms unseen, even racing the acceptance.
#[tokio::test]
async fn accepting_names_the_terms_version_read_and_a_later_edit_refuses_it() {
    let net = Net::start().await;
    let id = net.invite("biz-a", "biz-b").await.json["id"].as_str().unwrap().to_string();
    let read = net.call("GET", &format!("/api/v1/partnerships/{id}"), "biz-b", "owner", None).await;
    assert_eq!(read.json["termsVersion"].as_u64(), Some(1));
    let greedy = json!({ "revenueSharingTerms": { "type": "PERCENTAGE", "businessAShare": 5, "businessBShare": 100, "settlementFrequency": "MONTHLY" } });
    let edited = net.json("PUT", &format!("/api/v1/partnerships/{id}"), "biz-a", greedy).await;
    assert_eq!((edited.status, edited.json["termsVersion"].as_u64()), (200, Some(2)), "{}", edited.json);
    let r = net.call("PATCH", &format!("/api/v1/partnerships/{id}/accept"), "biz-b", "owner", Some(ACCEPT_V1)).await;
    assert_eq!((r.status, r.code()), (409, "TERMS_CHANGED"), "{}", r.json);
    assert_eq!(
        net.call("GET", &format!("/api/v1/partnerships/{id}"), "biz-b", "owner", None).await.json["status"],
        "PENDING"
    );
    // No version at all is not an acceptance either.
    assert_eq!(
        net.call("PATCH", &format!("/api/v1/partnerships/{id}/accept"), "biz-b", "owner", None).await.code(),
        "EMPTY_BODY"
    );
    // A config change is a new version too.
    let config = net
        .json(
            "PUT",
            &format!("/api/v1/partnerships/{id}"),
            "biz-a",
            json!({ "config": { "maxRedemptionPerCustomer": 2 } }),
        )
        .await;
    assert_eq!(config.json["termsVersion"].as_u64(), Some(3), "{}", config.json);
    assert_eq!(
        net.call(
            "PATCH",
            &format!("/api/v1/partnerships/{id}/accept"),
            "biz-b",
            "owner",
            Some(r#"{"termsVersion":2}"#)
        )
        .await
        .code(),
        "TERMS_CHANGED"
    );

    // The inviter edits while the invitee accepts what it read: either the
    // acceptance names the version it became, or it is refused.
    let fair = json!({ "revenueSharingTerms": { "type": "PERCENTAGE", "businessAShare": 5, "businessBShare": 5, "settlementFrequency": "MONTHLY" } });
    let (put_path, accept_path) = (format!("/api/v1/partnerships/{id}"), format!("/api/v1/partnerships/{id}/accept"));
    let (edit, accept) = tokio::join!(
        net.json("PUT", &put_path, "biz-a", fair),
        net.call("PATCH", &accept_path, "biz-b", "owner", Some(r#"{"termsVersion":3}"#))
    );
    let now = net.call("GET", &format!("/api/v1/partnerships/{id}"), "biz-b", "owner", None).await.json;
    if accept.status == 200 {
        // The acceptance won: the terms are version 3's (B's 100%), and the
        // edit found the partnership no longer pending-editable in place.
        assert_eq!(
            (
                now["status"].as_str(),
                now["termsVersion"].as_u64(),
                now["revenueSharingTerms"]["businessBShare"].as_f64()
            ),
            (Some("ACTIVE"), Some(3), Some(100.0)),
            "{now}"
        );
        assert!(edit.status != 200 || edit.json["termsProposal"].is_object(), "{}", edit.json);
    } else {
        assert_eq!((accept.status, accept.code()), (409, "TERMS_CHANGED"));
        assert_eq!((now["status"].as_str(), now["termsVersion"].as_u64()), (Some("PENDING"), Some(4)), "{now}");
    }
}
