//! Notification email on DynamoDB Local and moto's SES, read back as the
//! recipients' mail clients would parse it: the spec's example emails each
//! owner, and the staff who opted in, once per event however many workers
//! deliver it at once; a third business gets nothing; preferences are each
//! user's own; unsubscribe links work without signing in and only for
//! their holder; a failed send is retried and sent once.

use integration_tests::mail::{self, Sent};
use integration_tests::network::{percentage, Net};
use integration_tests::*;
use serde_json::{json, Value};
use shared::notifications::mailer::SesMailer;
use shared::settlements::payout::ManualSettlementPayouts;
use shared::settlements::service::{self, RunReport};
use time::macros::datetime;

const EVENTS: &[&str] = &[
    "partner.partnership.created",
    "partner.partnership.accepted",
    "partner.partnership.paused",
    "partner.settlement.calculated",
    "partner.settlement.processed",
];
const WEB: &str = "https://app.example";

/// An app that emails from `notify@<domain>`; the domain is an identity
/// moto's SES accepts when `verified`.
async fn mail_net(domain: &str, verified: bool) -> Net {
    let from = format!("notify@{domain}");
    let net = Net::start_with(&[("EMAIL_FROM", &from), ("WEB_APP_URL", WEB)]).await;
    if verified {
        verify(&net, domain).await;
    }
    net
}

async fn verify(net: &Net, domain: &str) {
    let sdk = shared::platform::aws::sdk_config().await;
    aws_sdk_sesv2::Client::new(&sdk).create_email_identity().email_identity(domain).send().await.unwrap();
    let _ = net;
}

fn tag() -> String {
    ulid::Ulid::new().to_string().to_lowercase()
}

async fn as_bearer(net: &Net, bearer: &str, method: &str, path: &str, body: Option<&Value>) -> Reply {
    let headers = [("authorization", bearer.to_string()), ("content-type", "application/json".to_string())];
    serve_routed(net.env.app.clone(), unsigned(method, path, &headers, body.map(Value::to_string).as_deref())).await
}

/// `biz` registered by `user-<biz>-owner`, whose sign-in states `email`.
async fn register_with_email(net: &Net, biz: &str, email: &str) {
    let now = net.env.now();
    let token = net.issuer.pool_bearer(&net.env.app, &format!("user-{biz}-owner"), &[("email", email)], now).await;
    let body = json!({ "businessId": biz, "name": biz, "category": "cafe", "location": { "lat": 45.5, "lng": -73.57 }, "address": "", "availableForPartnership": true });
    let r = as_bearer(net, &token, "POST", "/api/v1/businesses", Some(&body)).await;
    assert_eq!(r.status, 201, "{}", r.json);
}

/// Every waiting event through the worker with a real SES mailer.
async fn deliver(net: &Net, queue: &str) -> aws_lambda_events::sqs::SqsEvent {
    let event = net.env.drain_sqs_event(queue, true).await;
    deliver_again(net, &event, 0).await;
    event
}

/// `event` through the worker again; asserts `failures` messages failed.
async fn deliver_again(net: &Net, event: &aws_lambda_events::sqs::SqsEvent, failures: usize) {
    let mailer = mailer(net).await;
    let r = functions::handlers::notifications_worker::run(net.env.app.clone(), Some(&mailer), event.clone())
        .await
        .unwrap();
    assert_eq!(r.batch_item_failures.len(), failures, "{:?}", r.batch_item_failures);
}

async fn mailer(net: &Net) -> SesMailer {
    SesMailer::from_settings(&net.env.app.settings, &shared::platform::aws::sdk_config().await).expect("email is on")
}

/// A invites B (`partner.partnership.created`: B's owners are told).
async fn invite_b(net: &Net) {
    let r = net
        .owner(
            "POST",
            "/api/v1/partnerships",
            "biz-a",
            json!({ "partnerBusinessId": "biz-b", "type": "POINTS_COALITION", "revenueSharingTerms": percentage("5", "5") }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.json);
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

/// The path and query of one of our absolute URLs.
fn local_path(url: &str) -> &str {
    url.trim_start_matches('<').trim_end_matches('>').strip_prefix(WEB).unwrap_or_else(|| panic!("{url} is not ours"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_spec_example_emails_each_owner_and_opted_in_staff_once() {
    let t = tag();
    let domain = format!("{t}.mail.test");
    let net = mail_net(&domain, true).await;
    let queue = net.env.bus_sink("emails", EVENTS).await;
    let (owner_a, owner_b, staff_b, owner_c) = (
        format!("a-{t}@a.example"),
        format!("b-{t}@b.example"),
        format!("s-{t}@b.example"),
        format!("c-{t}@c.example"),
    );
    for (biz, email) in [("biz-a", &owner_a), ("biz-b", &owner_b), ("biz-c", &owner_c)] {
        register_with_email(&net, biz, email).await;
    }
    // B's staff member joins at the address they were invited at.
    let invited = net.owner("POST", "/api/v1/businesses/me/members", "biz-b", json!({ "email": staff_b })).await;
    assert_eq!(invited.status, 201, "{}", invited.json);
    let staff_sign_in =
        net.issuer.pool_bearer(&net.env.app, "user-biz-b-staff", &[("email", &staff_b)], net.env.now()).await;
    let joined = as_bearer(
        &net,
        &staff_sign_in,
        "POST",
        "/api/v1/businesses/join",
        Some(&json!({ "code": invited.json["code"] })),
    )
    .await;
    assert_eq!(joined.status, 201, "{}", joined.json);

    // Preferences: staff get nothing until they choose, may not choose an
    // owner's kind, and choose only their own.
    let prefs = "/api/v1/notifications/preferences";
    let staff = net.bearer("biz-b", "staff");
    let r = as_bearer(&net, &staff, "GET", prefs, None).await;
    assert_eq!((r.status, r.json["emailKinds"].clone(), r.json["chosen"].clone()), (200, json!([]), json!(false)));
    assert_eq!(r.json["email"], staff_b.as_str());
    assert!(!r.json["choices"].as_array().unwrap().contains(&json!("WEBHOOK_ENDPOINT_DISABLED")));
    let r = as_bearer(&net, &staff, "PUT", prefs, Some(&json!({ "emailKinds": ["WEBHOOK_ENDPOINT_DISABLED"] }))).await;
    assert_eq!((r.status, r.code()), (400, "KIND_NOT_ALLOWED"));
    let r = as_bearer(
        &net,
        &staff,
        "PUT",
        prefs,
        Some(&json!({ "emailKinds": ["SETTLEMENT_CALCULATED"], "userId": "user-biz-b-owner" })),
    )
    .await;
    assert_eq!(r.status, 400, "another user's preferences cannot be named: {}", r.json);
    let r = as_bearer(&net, &staff, "PUT", prefs, Some(&json!({ "emailKinds": ["SETTLEMENT_CALCULATED"] }))).await;
    assert_eq!((r.status, r.json["emailKinds"].clone()), (200, json!(["SETTLEMENT_CALCULATED"])), "{}", r.json);
    let owner_view = as_bearer(&net, &net.bearer("biz-b", "owner"), "GET", prefs, None).await;
    assert_eq!(owner_view.json["emailKinds"].as_array().unwrap().len(), 15, "the owner's are untouched");
    let customer = net.issuer.customer_bearer("cust-1", net.env.now());
    assert_eq!(as_bearer(&net, &customer, "GET", prefs, None).await.code(), "NOT_A_BUSINESS_USER");

    // The spec's example up to a paid settlement.
    net.program("biz-a", 10).await;
    let id = net.partnership("biz-a", "biz-b", "POINTS_COALITION", percentage("5", "5")).await;
    assert_eq!(net.earn_at_home("biz-a", "cust-1", "10.00", "home-1").await.status, 201);
    let r = net.record(&id, "biz-b", "pos-1", json!({ "type": "REDEEM", "customerId": "cust-1", "points": 100 })).await;
    assert_eq!(r.status, 201, "{}", r.json);
    net.env.clock.set(datetime!(2026-04-01 00:15 UTC));
    let mut report = RunReport::default();
    service::run_due(&net.env.app, &mut report).await.unwrap();
    net.env.clock.set(datetime!(2026-04-08 02:00 UTC));
    service::process_reviewed(&net.env.app, &ManualSettlementPayouts, &mut report).await.unwrap();
    assert_eq!((report.calculated, report.processed), (1, 1), "{report:?}");

    // Four workers deliver the same batch at once; those that find an
    // email being sent fail that message, and the queue's retry sends
    // nothing again.
    let event = net.env.drain_sqs_event(&queue, true).await;
    let mailer = mailer(&net).await;
    let runs = (0..4)
        .map(|_| functions::handlers::notifications_worker::run(net.env.app.clone(), Some(&mailer), event.clone()));
    for r in futures::future::join_all(runs).await {
        r.unwrap();
    }
    deliver_again(&net, &event, 0).await;
    deliver_again(&net, &event, 0).await;

    let paid = ["Invitation accepted", "Settlement calculated", "Settlement paid"];
    assert_eq!(sorted(mail::subjects(&owner_a).await), paid);
    assert_eq!(
        sorted(mail::subjects(&owner_b).await),
        ["New partnership invitation", "Settlement calculated", "Settlement paid"]
    );
    assert_eq!(mail::subjects(&staff_b).await, ["Settlement calculated"]);
    assert!(mail::sent_to(&owner_c).await.is_empty(), "a third business hears nothing of A and B");

    // What B's owner reads.
    let calculated: Sent =
        mail::sent_to(&owner_b).await.into_iter().find(|m| m.subject == "Settlement calculated").unwrap();
    assert!(calculated.from.contains(&format!("notify@{domain}")), "{}", calculated.from);
    assert!(calculated.text.contains("biz-a owes biz-b $0.50"), "{}", calculated.text);
    let link = format!("{WEB}/partnerships/{id}/settlements/2026-03-01");
    assert!(calculated.text.contains(&link) && calculated.html.contains(&link), "{}", calculated.html);
    assert!(calculated.text.contains("as a member of biz-b"));
    assert_eq!(calculated.list_unsubscribe_post, "List-Unsubscribe=One-Click");
    assert!(calculated.list_unsubscribe.ends_with("&kind=SETTLEMENT_CALCULATED>"), "{}", calculated.list_unsubscribe);

    // The mail client's one-click button: no sign-in, that kind only.
    let one_click = local_path(&calculated.list_unsubscribe).to_string();
    let r =
        serve_routed(net.env.app.clone(), unsigned("POST", &one_click, &[], Some("List-Unsubscribe=One-Click"))).await;
    assert_eq!((r.status, r.json["kind"].as_str()), (200, Some("SETTLEMENT_CALCULATED")), "{}", r.json);
    assert_eq!(r.json["emailKinds"].as_array().unwrap().len(), 14);
    let all = one_click.split('&').next().unwrap().to_string();
    let r = serve_routed(net.env.app.clone(), unsigned("POST", &all, &[], None)).await;
    assert_eq!((r.status, r.json["emailKinds"].clone()), (200, json!([])), "{}", r.json);
    assert_eq!(as_bearer(&net, &net.bearer("biz-b", "owner"), "GET", prefs, None).await.json["emailKinds"], json!([]));
    // Bad links.
    let unsubscribe = |q: &str| {
        serve_routed(
            net.env.app.clone(),
            unsigned("POST", &format!("/api/v1/notifications/unsubscribe?{q}"), &[], None),
        )
    };
    assert_eq!(unsubscribe(&format!("token={}", "0".repeat(32))).await.code(), "UNSUBSCRIBE_TOKEN_UNKNOWN");
    assert_eq!(unsubscribe("token=junk").await.code(), "UNSUBSCRIBE_TOKEN_UNKNOWN");
    assert_eq!(unsubscribe("").await.code(), "UNSUBSCRIBE_TOKEN_UNKNOWN");
    let kind_junk = format!("{all}&kind=NOPE");
    let r = serve_routed(net.env.app.clone(), unsigned("POST", &kind_junk, &[], None)).await;
    assert_eq!((r.status, r.code()), (400, "INVALID_KIND"));

    // A pause: A's owner is emailed; B's, unsubscribed from all, is not,
    // though B's inbox still shows it.
    net.env.clock.set(datetime!(2026-04-09 10:00 UTC));
    let status = format!("/api/v1/partnerships/{id}/status");
    let r = net.owner("PATCH", &status, "biz-a", json!({ "status": "PAUSED", "reason": "renovation" })).await;
    assert_eq!(r.status, 200, "{}", r.json);
    deliver(&net, &queue).await;
    assert_eq!(mail::subjects(&owner_a).await.last().map(String::as_str), Some("Partnership paused"));
    assert_eq!(mail::subjects(&owner_b).await.len(), 3);
    let inbox = net.call("GET", "/api/v1/notifications", "biz-b", "owner", None, &[]).await;
    assert_eq!(inbox.json["notifications"][0]["kind"], "PARTNERSHIP_PAUSED");
}

#[tokio::test]
async fn a_failed_send_is_retried_and_the_email_sent_once() {
    let t = tag();
    let domain = format!("{t}.unverified.test");
    let net = mail_net(&domain, false).await;
    let queue = net.env.bus_sink("emails-retry", EVENTS).await;
    let owner_b = format!("b-{t}@b.example");
    register_with_email(&net, "biz-a", &format!("a-{t}@a.example")).await;
    register_with_email(&net, "biz-b", &owner_b).await;
    invite_b(&net).await;

    // SES refuses the unverified sender: the message fails, the inbox
    // keeps its note, nothing is sent.
    let event = net.env.drain_sqs_event(&queue, true).await;
    assert_eq!(event.records.len(), 1);
    deliver_again(&net, &event, 1).await;
    assert!(mail::sent_to(&owner_b).await.is_empty());
    let inbox = net.call("GET", "/api/v1/notifications", "biz-b", "owner", None, &[]).await;
    assert_eq!(inbox.json["unread"], 1);

    // Fixed; a retry within the failed attempt's lease waits for it...
    verify(&net, &domain).await;
    deliver_again(&net, &event, 1).await;
    assert!(mail::sent_to(&owner_b).await.is_empty());
    // ...and the queue's next retry, after it, sends: once.
    net.env.clock.set(T0 + time::Duration::seconds(shared::notifications::email_store::LEASE_SECS + 1));
    deliver_again(&net, &event, 0).await;
    deliver_again(&net, &event, 0).await;
    assert_eq!(mail::subjects(&owner_b).await, ["New partnership invitation"]);
    assert_eq!(inbox.json["unread"], 1);
}

#[tokio::test]
async fn an_address_ses_refuses_holds_back_no_other_recipient() {
    let t = tag();
    let domain = format!("{t}.mail.test");
    let net = mail_net(&domain, true).await;
    let queue = net.env.bus_sink("emails-refused", EVENTS).await;
    let owner_b = format!("b-{t}@b.example");
    register_with_email(&net, "biz-a", &format!("a-{t}@a.example")).await;
    register_with_email(&net, "biz-b", &owner_b).await;
    // B's staff member, invited at an address SES refuses, opted in.
    let odd = format!("odd,{t}@b.example");
    let invited = net.owner("POST", "/api/v1/businesses/me/members", "biz-b", json!({ "email": odd })).await;
    assert_eq!(invited.status, 201, "{}", invited.json);
    let sign_in = net.issuer.pool_bearer(&net.env.app, "user-biz-b-staff", &[("email", &odd)], net.env.now()).await;
    let code = json!({ "code": invited.json["code"] });
    assert_eq!(as_bearer(&net, &sign_in, "POST", "/api/v1/businesses/join", Some(&code)).await.status, 201);
    let staff = net.bearer("biz-b", "staff");
    let prefs = json!({ "emailKinds": ["INVITATION_RECEIVED"] });
    assert_eq!(as_bearer(&net, &staff, "PUT", "/api/v1/notifications/preferences", Some(&prefs)).await.status, 200);

    invite_b(&net).await;
    // The event fails (the queue retries it), but B's owner was emailed
    // and both inboxes hold the invitation.
    let event = net.env.drain_sqs_event(&queue, true).await;
    deliver_again(&net, &event, 1).await;
    assert_eq!(mail::subjects(&owner_b).await, ["New partnership invitation"]);
    for role in ["owner", "staff"] {
        let inbox = net.call("GET", "/api/v1/notifications", "biz-b", role, None, &[]).await;
        assert_eq!(inbox.json["unread"], 1, "{role}: {}", inbox.json);
    }
    // A retry sends the owner nothing again.
    net.env.clock.set(T0 + time::Duration::seconds(shared::notifications::email_store::LEASE_SECS + 1));
    deliver_again(&net, &event, 1).await;
    assert_eq!(mail::subjects(&owner_b).await.len(), 1);
}
