//! Admin authentication through a real handler and DynamoDB Local:
//! signatures, clock window, replay, allow-list, audit of refusals.

use functions::handlers::partners_seats_list;
use integration_tests::*;
use shared::http::serve::dispatch;

const PATH: &str = "/api/partners/seats";

async fn call(env: &TestEnv, req: lambda_http::Request) -> Reply {
    reply(dispatch(env.app.clone(), req, partners_seats_list::handle).await)
}

#[tokio::test]
async fn a_signed_admin_request_passes_once() {
    let env = env().await;
    let first = call(&env, env.admin("GET", PATH, None)).await;
    assert_eq!(first.status, 200, "{}", first.json);
    let replay = call(&env, env.admin("GET", PATH, None)).await;
    assert_eq!((replay.status, replay.code()), (401, "SIGNATURE_REPLAYED"));
}

#[tokio::test]
async fn stale_future_forged_and_unlisted_requests_are_refused_and_audited() {
    let env = env().await;
    let key = admin_key();
    let cases = [
        (signed_by(&key, "x-admin-wallet", "GET", PATH, None, env.now() - 61), 401, "SIGNATURE_EXPIRED"),
        (signed_by(&key, "x-admin-wallet", "GET", PATH, None, env.now() + 61), 401, "SIGNATURE_EXPIRED"),
        (unsigned("GET", PATH, &[("x-admin-wallet", admin_wallet())], None), 401, "SIGNATURE_REQUIRED"),
        (unsigned("GET", PATH, &[], None), 401, "ADMIN_AUTH_REQUIRED"),
        (
            signed_by(&ed25519_dalek::SigningKey::from_bytes(&[9; 32]), "x-admin-wallet", "GET", PATH, None, env.now()),
            403,
            "NOT_ADMIN",
        ),
    ];
    let n = cases.len();
    for (req, status, code) in cases {
        let r = call(&env, req).await;
        assert_eq!((r.status, r.code()), (status, code), "{}", r.json);
    }
    // A signature by another key presented under the admin's wallet.
    let mut forged =
        signed_by(&ed25519_dalek::SigningKey::from_bytes(&[9; 32]), "x-admin-wallet", "GET", PATH, None, env.now());
    forged.headers_mut().insert("x-admin-wallet", admin_wallet().parse().unwrap());
    let r = call(&env, forged).await;
    assert_eq!((r.status, r.code()), (401, "SIGNATURE_INVALID"));

    let denied = items_with_pk_prefix(&env.app, "AUDIT#ROUTE#").await;
    assert_eq!(denied.len(), n + 1);
    assert!(denied.iter().all(|a| a["action"].as_s().unwrap() == "auth.denied"));
}

#[tokio::test]
async fn the_local_bypass_accepts_the_header_alone_but_still_checks_the_list() {
    let env = env_with(&[("ALLOW_UNSIGNED_ADMIN", "true")]).await;
    let ok = call(&env, unsigned("GET", PATH, &[("x-admin-wallet", admin_wallet())], None)).await;
    assert_eq!(ok.status, 200);
    let other = call(&env, unsigned("GET", PATH, &[("x-admin-wallet", wallet(5))], None)).await;
    assert_eq!((other.status, other.code()), (403, "NOT_ADMIN"));
}
