//! Who calls the Partner Network: bearer JWTs verified against the issuer's
//! JWKS (every bad token a 401 with its own code), the tenant from the
//! claims only, owners vs staff, 100 requests a minute per business, and
//! the business profiles those routes serve.

use functions::handlers::{businesses_register, businesses_update, partners_profile};
use futures::future::join_all;
use integration_tests::tokens::{self, SigningKey};
use integration_tests::*;
use serde_json::{json, Value};
use shared::http::serve::dispatch;

fn profile_body(name: &str) -> String {
    json!({ "name": name, "category": "cafe", "categories": ["bakery"], "location": { "lat": 45.5017, "lng": -73.5673 }, "address": "1 Main St", "availableForPartnership": true }).to_string()
}

fn with_token(method: &str, path: &str, bearer: &str, body: Option<&str>) -> lambda_http::Request {
    let headers = [("authorization", bearer.to_string()), ("content-type", "application/json".to_string())];
    unsigned(method, path, &headers, body)
}

async fn call(env: &TestEnv, method: &str, path: &str, bearer: &str, body: Option<&str>) -> (Reply, Option<String>) {
    let req = with_token(method, path, bearer, body);
    let resp = match (method, path) {
        ("POST", "/api/v1/businesses") => dispatch(env.app.clone(), req, businesses_register::handle).await,
        ("PUT", "/api/v1/businesses/me") => dispatch(env.app.clone(), req, businesses_update::handle).await,
        _ => dispatch(env.app.clone(), req, partners_profile::handle).await,
    };
    let retry_after = resp.headers().get("retry-after").and_then(|v| v.to_str().ok()).map(String::from);
    (reply(resp), retry_after)
}

#[tokio::test]
async fn owners_register_and_change_their_own_business_and_anyone_reads_profiles() {
    let issuer = Issuer::start().await;
    let env = env_trusting(&issuer).await;
    let owner_a = issuer.bearer("biz-a", "owner", env.now());
    let staff_a = issuer.bearer("biz-a", "staff", env.now());
    let owner_b = issuer.bearer("biz-b", "owner", env.now());
    // The user who will own biz-a, signed in before it has a business.
    let founder_a = issuer.user_bearer("user-biz-a-owner", env.now());
    let with_id = |id: &str, name: &str| {
        let mut body: Value = serde_json::from_str(&profile_body(name)).unwrap();
        body["businessId"] = id.into();
        body.to_string()
    };

    let (r, _) = call(&env, "PUT", "/api/v1/businesses/me", &owner_a, Some(&profile_body("Cafe A"))).await;
    assert_eq!((r.status, r.code()), (404, "BUSINESS_NOT_FOUND"), "not registered yet");
    // A token that names a business already cannot register another.
    let (r, _) = call(&env, "POST", "/api/v1/businesses", &staff_a, Some(&profile_body("Cafe A"))).await;
    assert_eq!((r.status, r.code()), (409, "ALREADY_A_MEMBER"));
    let (r, _) = call(&env, "POST", "/api/v1/businesses", &founder_a, Some(&with_id("biz-a", "Cafe A"))).await;
    assert_eq!(r.status, 201, "{}", r.json);
    assert_eq!(
        (r.json["businessId"].as_str(), r.json["rating"].as_f64(), r.json["partnershipCount"].as_u64()),
        (Some("biz-a"), Some(0.0), Some(0))
    );
    // The same user again, with its old token: it is a member now (the table says so).
    let (r, _) = call(&env, "POST", "/api/v1/businesses", &founder_a, Some(&with_id("biz-a2", "Cafe A again"))).await;
    assert_eq!((r.status, r.code()), (409, "ALREADY_A_MEMBER"));
    // Another user cannot take the id.
    let (r, _) = call(
        &env,
        "POST",
        "/api/v1/businesses",
        &issuer.user_bearer("someone", env.now()),
        Some(&with_id("biz-a", "Copycat")),
    )
    .await;
    assert_eq!((r.status, r.code()), (409, "BUSINESS_ID_TAKEN"));
    // The tenant is the token's: a body cannot name another business.
    let sneaky = with_id("biz-b", "x");
    assert_eq!(
        call(&env, "PUT", "/api/v1/businesses/me", &owner_a, Some(&sneaky)).await.0.code(),
        "BUSINESS_ID_IMMUTABLE"
    );

    let (r, _) = call(&env, "PUT", "/api/v1/businesses/me", &owner_a, Some(&profile_body("Cafe A+"))).await;
    assert_eq!((r.status, r.json["name"].as_str()), (200, Some("Cafe A+")));
    assert_eq!(
        call(&env, "PUT", "/api/v1/businesses/me", &staff_a, Some(&profile_body("x"))).await.0.code(),
        "OWNER_ONLY"
    );
    // Another business reads the profile; an unknown one is a 404.
    let (r, _) = call(&env, "GET", "/api/v1/partners/biz-a", &owner_b, None).await;
    assert_eq!(
        (r.status, r.json["name"].as_str(), r.json["categories"].clone()),
        (200, Some("Cafe A+"), json!(["cafe", "bakery"]))
    );
    assert_eq!(call(&env, "GET", "/api/v1/partners/biz-zzz", &staff_a, None).await.0.code(), "BUSINESS_NOT_FOUND");
    let bad = json!({ "name": "x", "category": "cafe", "location": { "lat": 95.0, "lng": 0.0 }, "address": "", "availableForPartnership": true }).to_string();
    assert_eq!(call(&env, "PUT", "/api/v1/businesses/me", &owner_a, Some(&bad)).await.0.code(), "INVALID_LOCATION");
    let audit = items_with_pk_prefix(&env.app, "AUDIT#BUSINESS#biz-a").await;
    let actions: Vec<&str> = audit.iter().map(|a| a["action"].as_s().unwrap().as_str()).collect();
    assert_eq!(
        (
            actions.iter().filter(|a| **a == "business.registered").count(),
            actions.iter().filter(|a| **a == "business.updated").count()
        ),
        (1, 1)
    );
}

#[tokio::test]
async fn every_bad_token_is_a_401_with_its_own_code() {
    let issuer = Issuer::start().await;
    let env = env_trusting(&issuer).await;
    let now = env.now();
    let claims = tokens::business_claims(&issuer.url, "biz-a", "owner", now);
    let with = |patch: Value| {
        let mut c = claims.clone();
        for (k, v) in patch.as_object().unwrap() {
            if v.is_null() {
                c.as_object_mut().unwrap().remove(k);
            } else {
                c[k] = v.clone();
            }
        }
        c
    };
    let stranger = SigningKey::generate("stranger");
    let impostor = SigningKey::generate("test-key-1"); // our kid, another key
    let public_key = issuer.key.jwk().to_string();
    let bearers: Vec<(&str, String)> = vec![
        ("no header", String::new()),
        ("not a JWT", "Bearer abc.def".into()),
        ("expired", format!("Bearer {}", issuer.key.sign(&with(json!({ "exp": now - 60 }))))),
        ("wrong audience", format!("Bearer {}", issuer.key.sign(&with(json!({ "aud": "someone-else" }))))),
        ("wrong issuer", format!("Bearer {}", issuer.key.sign(&with(json!({ "iss": "https://evil.example" }))))),
        ("alg none", format!("Bearer {}", tokens::forged(&json!({ "alg": "none", "typ": "JWT" }), &claims, b""))),
        ("HS256 with the public key", {
            use jsonwebtoken::{Algorithm, EncodingKey, Header};
            let mut header = Header::new(Algorithm::HS256);
            header.kid = Some("test-key-1".into());
            format!(
                "Bearer {}",
                jsonwebtoken::encode(&header, &claims, &EncodingKey::from_secret(public_key.as_bytes())).unwrap()
            )
        }),
        ("unknown kid", format!("Bearer {}", stranger.sign(&claims))),
        ("our kid, another key", format!("Bearer {}", impostor.sign(&claims))),
        ("no exp", format!("Bearer {}", issuer.key.sign(&with(json!({ "exp": null }))))),
        ("no businessId", format!("Bearer {}", issuer.key.sign(&with(json!({ "businessId": null }))))),
        ("a customer", format!("Bearer {}", issuer.key.sign(&with(json!({ "role": "customer" }))))),
    ];
    let cases: Vec<(&str, String, u16, &str)> = bearers
        .into_iter()
        .zip([
            (401, "TOKEN_MISSING"),
            (401, "TOKEN_MALFORMED"),
            (401, "TOKEN_EXPIRED"),
            (401, "TOKEN_WRONG_AUDIENCE"),
            (401, "TOKEN_WRONG_ISSUER"),
            (401, "TOKEN_ALGORITHM_REFUSED"),
            (401, "TOKEN_ALGORITHM_REFUSED"),
            (401, "TOKEN_UNKNOWN_KEY"),
            (401, "TOKEN_INVALID_SIGNATURE"),
            (401, "TOKEN_MALFORMED"),
            (403, "NOT_A_BUSINESS_USER"),
            (403, "NOT_A_BUSINESS_USER"),
        ])
        .map(|((name, bearer), (status, code))| (name, bearer, status, code))
        .collect();
    for (name, bearer, status, code) in cases {
        let headers: Vec<(&str, String)> = if bearer.is_empty() { vec![] } else { vec![("authorization", bearer)] };
        let r = reply(
            dispatch(
                env.app.clone(),
                unsigned("GET", "/api/v1/partners/biz-a", &headers, None),
                partners_profile::handle,
            )
            .await,
        );
        assert_eq!((r.status, r.code()), (status, code), "{name}: {}", r.json);
    }
    // Without an issuer configured, the routes are unavailable, not open.
    let closed = env_with(&[]).await;
    let r = reply(
        dispatch(
            closed.app.clone(),
            with_token("GET", "/api/v1/partners/biz-a", &issuer.bearer("biz-a", "owner", now), None),
            partners_profile::handle,
        )
        .await,
    );
    assert_eq!((r.status, r.code()), (503, "JWT_NOT_CONFIGURED"));
}

#[tokio::test]
async fn a_rotated_key_is_fetched_when_a_token_names_it() {
    let issuer = Issuer::start().await;
    let env = env_trusting(&issuer).await;
    let ok = |bearer: String| {
        let app = env.app.clone();
        async move {
            reply(
                dispatch(app, with_token("GET", "/api/v1/partners/nobody", &bearer, None), partners_profile::handle)
                    .await,
            )
        }
    };
    assert_eq!(
        ok(issuer.bearer("biz-a", "owner", env.now())).await.code(),
        "BUSINESS_NOT_FOUND",
        "keys fetched, token accepted"
    );
    let next = SigningKey::generate("test-key-2");
    issuer.rotate_to(&next);
    let rotated = format!("Bearer {}", next.sign(&tokens::business_claims(&issuer.url, "biz-a", "owner", env.now())));
    env.clock.advance(time::Duration::seconds(11));
    assert_eq!(ok(rotated).await.code(), "BUSINESS_NOT_FOUND", "the new kid refreshed the cached keys");
}

/// While the issuer's JWKS endpoint fails, tokens naming unknown keys do
/// not each call out: one attempt per 10 s, failed or not.
#[tokio::test]
async fn a_failing_issuer_is_asked_once_per_ten_seconds_whatever_the_kids() {
    let issuer = Issuer::start().await;
    let hits = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counted = hits.clone();
    let down = stub_http::start(std::sync::Arc::new(move |_head: &str, _body: &[u8]| {
        counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        (500, "{}".to_string())
    }))
    .await;
    let jwks = format!("{down}/jwks.json");
    let env = env_with(&[
        ("JWT_ISSUER", issuer.url.as_str()),
        ("JWT_AUDIENCE", tokens::LOCAL_AUDIENCE),
        ("JWT_JWKS_URL", jwks.as_str()),
    ])
    .await;
    let call = |kid: String| {
        let app = env.app.clone();
        let token = format!(
            "Bearer {}",
            SigningKey::generate(&kid).sign(&tokens::business_claims(&issuer.url, "biz-a", "owner", env.now()))
        );
        async move {
            reply(
                dispatch(app, with_token("GET", "/api/v1/partners/nobody", &token, None), partners_profile::handle)
                    .await,
            )
        }
    };
    for i in 0..20 {
        let r = call(format!("junk-{i}")).await;
        assert_eq!((r.status, r.code()), (503, "JWKS_UNAVAILABLE"), "{}", r.json);
    }
    assert_eq!(hits.load(std::sync::atomic::Ordering::SeqCst), 1);
    env.clock.advance(time::Duration::seconds(11));
    for i in 0..5 {
        call(format!("later-{i}")).await;
    }
    assert_eq!(hits.load(std::sync::atomic::Ordering::SeqCst), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_business_gets_exactly_100_requests_a_minute() {
    let issuer = Issuer::start().await;
    let env = env_trusting(&issuer).await;
    let bearer = issuer.bearer("biz-r", "staff", env.now());
    let replies = join_all((0..150).map(|_| {
        let (app, bearer) = (env.app.clone(), bearer.clone());
        tokio::spawn(async move {
            let resp =
                dispatch(app, with_token("GET", "/api/v1/partners/nobody", &bearer, None), partners_profile::handle)
                    .await;
            let retry = resp.headers().get("retry-after").and_then(|v| v.to_str().ok()).map(String::from);
            (reply(resp), retry)
        })
    }))
    .await;
    let served = replies.iter().filter(|r| r.as_ref().unwrap().0.status == 404).count();
    let limited: Vec<_> = replies.iter().map(|r| r.as_ref().unwrap()).filter(|(r, _)| r.status == 429).collect();
    assert_eq!((served, limited.len()), (100, 50));
    assert!(limited.iter().all(|(r, retry)| r.code() == "RATE_LIMITED"
        && retry.as_deref().is_some_and(|s| s.parse::<u64>().is_ok_and(|n| (1..=60).contains(&n)))));
    // Another business has its own budget; the next window opens for this one.
    assert_eq!(
        call(&env, "GET", "/api/v1/partners/nobody", &issuer.bearer("biz-other", "staff", env.now()), None)
            .await
            .0
            .status,
        404
    );
    env.clock.advance(time::Duration::seconds(60));
    let (r, _) = call(&env, "GET", "/api/v1/partners/nobody", &bearer, None).await;
    assert_eq!(r.status, 404, "the next window opens");
}
