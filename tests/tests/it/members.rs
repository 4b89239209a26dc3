//! Who belongs to which business, on DynamoDB Local: the tenant and role
//! in a token come from our memberships (the pre token generation trigger,
//! run on the V2 event as Cognito runs it), never from an attribute the user
//! wrote; onboarding makes one business per user however many registrations
//! race; invitation codes are single-use and expire; a removed member's
//! next token has no business; the last owner stays.

use futures::future::join_all;
use integration_tests::network::Net;
use integration_tests::tokens;
use integration_tests::*;
use serde_json::{json, Value};

fn profile(id: &str) -> Value {
    json!({ "businessId": id, "name": format!("Cafe {id}"), "category": "cafe", "location": { "lat": 45.5, "lng": -73.57 }, "address": "1 Main St", "availableForPartnership": true })
}

async fn as_bearer(net: &Net, bearer: &str, method: &str, path: &str, body: Option<&Value>) -> Reply {
    let headers = [("authorization", bearer.to_string()), ("content-type", "application/json".to_string())];
    serve_routed(net.env.app.clone(), unsigned(method, path, &headers, body.map(Value::to_string).as_deref())).await
}

/// The token the pool would mint for `sub` now (trigger included).
async fn pool_token(net: &Net, sub: &str, attributes: &[(&str, &str)]) -> String {
    net.issuer.pool_bearer(&net.env.app, sub, attributes, net.env.now()).await
}

fn claims_of(bearer: &str) -> Value {
    use base64::Engine;
    let payload = bearer.trim_start_matches("Bearer ").split('.').nth(1).unwrap();
    serde_json::from_slice(&base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

#[tokio::test]
async fn the_tokens_tenant_comes_from_the_table_whatever_the_user_wrote() {
    let net = Net::start().await;
    net.register("biz-a").await;
    net.register("biz-b").await;
    // A user with no business who wrote itself owner of biz-b (the
    // attack the custom attributes allowed): the trigger removes it.
    let forger = pool_token(
        &net,
        "mallory",
        &[("custom:businessId", "biz-b"), ("custom:role", "owner"), ("email", "m@example.com")],
    )
    .await;
    let claims = claims_of(&forger);
    assert_eq!((claims.get("businessId"), claims["role"].as_str()), (None, Some("customer")), "{claims}");
    assert!(claims.get("custom:businessId").is_none() && claims.get("custom:role").is_none(), "{claims}");
    let r = as_bearer(&net, &forger, "PUT", "/api/v1/businesses/me", Some(&profile("biz-b"))).await;
    assert_eq!((r.status, r.code()), (403, "NOT_A_BUSINESS_USER"));

    // A token minted without the trigger, carrying only the custom
    // attributes: the API reads no `custom:` claim.
    let old_style = json!({ "iss": net.issuer.url, "aud": tokens::LOCAL_AUDIENCE, "sub": "mallory", "custom:businessId": "biz-b", "custom:role": "owner", "exp": net.env.now() + 600 });
    let old_style = format!("Bearer {}", net.issuer.key.sign(&old_style));
    let r = as_bearer(
        &net,
        &old_style,
        "PATCH",
        "/api/v1/partnerships/any/status",
        Some(&json!({ "status": "TERMINATED", "reason": "x" })),
    )
    .await;
    assert_eq!((r.status, r.code()), (403, "NOT_A_BUSINESS_USER"));

    // biz-a's owner who wrote itself into biz-b: its token still says biz-a.
    let owner_a =
        pool_token(&net, "user-biz-a-owner", &[("custom:businessId", "biz-b"), ("custom:role", "owner")]).await;
    let claims = claims_of(&owner_a);
    assert_eq!((claims["businessId"].as_str(), claims["role"].as_str()), (Some("biz-a"), Some("owner")), "{claims}");
    let me = as_bearer(&net, &owner_a, "GET", "/api/v1/me", None).await;
    assert_eq!(
        (me.status, me.json["membership"]["businessId"].as_str(), me.json["tokenCurrent"].as_bool()),
        (200, Some("biz-a"), Some(true)),
        "{}",
        me.json
    );
}

#[tokio::test]
async fn racing_registrations_by_one_user_make_one_business_and_the_next_token_carries_it() {
    let net = Net::start().await;
    let before = pool_token(&net, "founder", &[]).await;
    assert_eq!(as_bearer(&net, &before, "GET", "/api/v1/me", None).await.json["membership"], Value::Null);
    let attempts = (0..8).map(|i| {
        let before = before.clone();
        let net = &net;
        async move { as_bearer(net, &before, "POST", "/api/v1/businesses", Some(&profile(&format!("race-{i}")))).await }
    });
    let replies = join_all(attempts).await;
    let won: Vec<&Reply> = replies.iter().filter(|r| r.status == 201).collect();
    assert_eq!(won.len(), 1, "{:?}", replies.iter().map(|r| (r.status, r.code().to_string())).collect::<Vec<_>>());
    assert!(replies.iter().filter(|r| r.status != 201).all(|r| (r.status, r.code()) == (409, "ALREADY_A_MEMBER")));
    let business = won[0].json["businessId"].as_str().unwrap().to_string();
    assert_eq!(count_with_pk_prefix(&net.env.app, "BUSINESS#race-").await, 2, "one profile and one roster");
    assert_eq!(shared::members::store::owner_count(&net.env.app, &business).await.unwrap(), Some(1));

    // The next token carries the business; owner routes open.
    let after = pool_token(&net, "founder", &[]).await;
    assert_eq!(
        (claims_of(&after)["businessId"].as_str(), claims_of(&after)["role"].as_str()),
        (Some(business.as_str()), Some("owner"))
    );
    let r = as_bearer(
        &net,
        &after,
        "PUT",
        "/api/v1/businesses/me/points-program",
        Some(&json!({ "pointsPerDollar": 10, "redemptionCents": 1000, "redemptionPoints": 100 })),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.json);
    // Without a businessId, an id is made up.
    let r = as_bearer(&net, &pool_token(&net, "second", &[]).await, "POST", "/api/v1/businesses", Some(&json!({ "name": "No id", "category": "cafe", "location": { "lat": 1.0, "lng": 2.0 }, "address": "", "availableForPartnership": true }))).await;
    assert_eq!(r.status, 201, "{}", r.json);
    assert!(r.json["businessId"].as_str().unwrap().starts_with("b-"));
}

#[tokio::test]
async fn an_invitation_code_is_redeemed_once_by_the_invited_email_before_it_expires() {
    let net = Net::start().await;
    net.register("biz-a").await;
    let owner = net.bearer("biz-a", "owner");
    let staff_token = net.bearer("biz-a", "staff");
    // Only an owner invites.
    let r = as_bearer(
        &net,
        &staff_token,
        "POST",
        "/api/v1/businesses/me/members",
        Some(&json!({ "email": "sam@example.com" })),
    )
    .await;
    assert_eq!((r.status, r.code()), (403, "OWNER_ONLY"));
    let r = as_bearer(&net, &owner, "POST", "/api/v1/businesses/me/members", Some(&json!({ "email": "not-an-email" })))
        .await;
    assert_eq!((r.status, r.code()), (400, "INVALID_EMAIL"));
    let invited =
        as_bearer(&net, &owner, "POST", "/api/v1/businesses/me/members", Some(&json!({ "email": "Sam@Example.com" })))
            .await;
    assert_eq!((invited.status, invited.json["role"].as_str()), (201, Some("staff")), "{}", invited.json);
    let code = invited.json["code"].as_str().unwrap().to_string();
    // The table never holds the code itself.
    let stored = items_with_pk_prefix(&net.env.app, "MEMBER_INVITE#").await;
    assert_eq!(stored.len(), 1);
    assert!(!format!("{stored:?}").contains(&code.replace('-', "")) && !format!("{stored:?}").contains(&code));

    // Another address cannot redeem it; junk is a 400.
    let eve = pool_token(&net, "eve", &[("email", "eve@example.com")]).await;
    assert_eq!(
        as_bearer(&net, &eve, "POST", "/api/v1/businesses/join", Some(&json!({ "code": code }))).await.code(),
        "INVITATION_FOR_ANOTHER_EMAIL"
    );
    assert_eq!(
        as_bearer(&net, &eve, "POST", "/api/v1/businesses/join", Some(&json!({ "code": "nope" }))).await.code(),
        "INVALID_INVITATION_CODE"
    );

    // Eight sign-ins of the invited address race for the code: one joins.
    let racers: Vec<String> = join_all((0..8).map(|i| {
        let net = &net;
        async move { pool_token(net, &format!("sam-{i}"), &[("email", "sam@example.com")]).await }
    }))
    .await;
    let body = json!({ "code": code.to_uppercase() });
    let replies =
        join_all(racers.iter().map(|t| as_bearer(&net, t, "POST", "/api/v1/businesses/join", Some(&body)))).await;
    let joined: Vec<usize> = (0..8).filter(|i| replies[*i].status == 201).collect();
    assert_eq!(joined.len(), 1, "{:?}", replies.iter().map(|r| (r.status, r.code().to_string())).collect::<Vec<_>>());
    assert!(replies.iter().filter(|r| r.status != 201).all(|r| (r.status, r.code()) == (404, "INVITATION_NOT_FOUND")));
    let sam = format!("sam-{}", joined[0]);
    let sam_token = pool_token(&net, &sam, &[("email", "sam@example.com")]).await;
    assert_eq!(
        (claims_of(&sam_token)["businessId"].as_str(), claims_of(&sam_token)["role"].as_str()),
        (Some("biz-a"), Some("staff"))
    );
    // Staff read the roster and cannot use owner routes.
    let roster = as_bearer(&net, &sam_token, "GET", "/api/v1/businesses/me/members", None).await;
    assert_eq!(roster.json["members"].as_array().unwrap().len(), 2, "{}", roster.json);
    assert_eq!(
        as_bearer(&net, &sam_token, "DELETE", "/api/v1/businesses/me/members/user-biz-a-owner", None).await.code(),
        "OWNER_ONLY"
    );
    // A member cannot join a second business.
    let again =
        as_bearer(&net, &owner, "POST", "/api/v1/businesses/me/members", Some(&json!({ "email": "sam@example.com" })))
            .await;
    let r = as_bearer(
        &net,
        &net.issuer.user_bearer(&sam, net.env.now()),
        "POST",
        "/api/v1/businesses/join",
        Some(&json!({ "code": again.json["code"] })),
    )
    .await;
    assert_eq!((r.status, r.code()), (409, "ALREADY_A_MEMBER"));

    // A code past its expiry is refused, and stays unredeemed.
    let late =
        as_bearer(&net, &owner, "POST", "/api/v1/businesses/me/members", Some(&json!({ "email": "late@example.com" })))
            .await;
    net.env.clock.advance(time::Duration::days(7) + time::Duration::seconds(1));
    let latecomer = pool_token(&net, "late", &[("email", "late@example.com")]).await;
    let r = as_bearer(&net, &latecomer, "POST", "/api/v1/businesses/join", Some(&json!({ "code": late.json["code"] })))
        .await;
    assert_eq!((r.status, r.code()), (410, "INVITATION_EXPIRED"));
    assert_eq!(claims_of(&pool_token(&net, "late", &[]).await).get("businessId"), None);
    let roster = as_bearer(&net, &net.bearer("biz-a", "owner"), "GET", "/api/v1/businesses/me/members", None).await;
    let expired: Vec<bool> =
        roster.json["invitations"].as_array().unwrap().iter().map(|i| i["expired"].as_bool().unwrap()).collect();
    assert_eq!(expired, vec![true, true], "the two unredeemed invitations, both past their week: {}", roster.json);
}

#[tokio::test]
async fn a_removed_member_loses_the_business_at_its_next_token_and_the_last_owner_stays() {
    let net = Net::start().await;
    net.register("biz-a").await;
    net.register("biz-c").await;
    let owner = net.bearer("biz-a", "owner");
    let join = |email: &'static str, role: &'static str, sub: &'static str| {
        let net = &net;
        let owner = owner.clone();
        async move {
            let code = as_bearer(
                net,
                &owner,
                "POST",
                "/api/v1/businesses/me/members",
                Some(&json!({ "email": email, "role": role })),
            )
            .await
            .json["code"]
                .clone();
            let r = as_bearer(
                net,
                &net.issuer.user_bearer(sub, net.env.now()),
                "POST",
                "/api/v1/businesses/join",
                Some(&json!({ "code": code })),
            )
            .await;
            assert_eq!(r.status, 201, "{}", r.json);
        }
    };
    join("staff@example.com", "staff", "staffer").await;
    join("co@example.com", "owner", "co-owner").await;
    assert_eq!(shared::members::store::owner_count(&net.env.app, "biz-a").await.unwrap(), Some(2));

    // Another business's owner cannot remove biz-a's staff.
    let r =
        as_bearer(&net, &net.bearer("biz-c", "owner"), "DELETE", "/api/v1/businesses/me/members/staffer", None).await;
    assert_eq!((r.status, r.code()), (404, "MEMBER_NOT_FOUND"));
    let staff_before = pool_token(&net, "staffer", &[]).await;
    assert_eq!(as_bearer(&net, &staff_before, "GET", "/api/v1/businesses/me/members", None).await.status, 200);
    let r = as_bearer(&net, &owner, "DELETE", "/api/v1/businesses/me/members/staffer", None).await;
    assert_eq!(r.status, 204, "{}", r.json);
    let staff_after = pool_token(&net, "staffer", &[("custom:businessId", "biz-a"), ("custom:role", "staff")]).await;
    assert_eq!(claims_of(&staff_after).get("businessId"), None);
    assert_eq!(
        as_bearer(&net, &staff_after, "GET", "/api/v1/businesses/me/members", None).await.code(),
        "NOT_A_BUSINESS_USER"
    );
    assert_eq!(
        as_bearer(&net, &owner, "DELETE", "/api/v1/businesses/me/members/staffer", None).await.code(),
        "MEMBER_NOT_FOUND"
    );

    // The two owners remove each other at once: one remains.
    let co = pool_token(&net, "co-owner", &[]).await;
    let (a, b) = tokio::join!(
        as_bearer(&net, &owner, "DELETE", "/api/v1/businesses/me/members/co-owner", None),
        as_bearer(&net, &co, "DELETE", "/api/v1/businesses/me/members/user-biz-a-owner", None)
    );
    let mut outcomes = vec![(a.status, a.code().to_string()), (b.status, b.code().to_string())];
    outcomes.sort();
    assert_eq!(outcomes, vec![(204, String::new()), (409, "LAST_OWNER".to_string())]);
    assert_eq!(shared::members::store::owner_count(&net.env.app, "biz-a").await.unwrap(), Some(1));
    // The last owner cannot remove itself.
    let remaining = if a.status == 204 { "user-biz-a-owner" } else { "co-owner" };
    let token = pool_token(&net, remaining, &[]).await;
    let r = as_bearer(&net, &token, "DELETE", &format!("/api/v1/businesses/me/members/{remaining}"), None).await;
    assert_eq!((r.status, r.code()), (409, "LAST_OWNER"));
    let audit = items_with_pk_prefix(&net.env.app, "AUDIT#BUSINESS#biz-a#MEMBERS").await;
    let removed = audit.iter().filter(|a| a["action"].as_s().unwrap() == "business.member_removed").count();
    assert_eq!(removed, 2);
}
