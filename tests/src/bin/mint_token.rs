//! `mint-token`: the local token issuer of `make dev` (and the smoke test).
//!
//!   mint-token init                      create the ES256 key and jwks.json (once)
//!   mint-token --sub USER [--email E] [--api URL] [--ttl SECS]
//!                                        a signed-in user's token as the user
//!                                        pool mints it: the claims the pre
//!                                        token generation trigger answers,
//!                                        from the table (the trigger function
//!                                        invoked through `make dev`'s emulator
//!                                        at URL, default $BASE_URL or
//!                                        http://127.0.0.1:9000)
//!   mint-token --business ID --role owner|staff [--sub USER] [--ttl SECS]
//!                                        a token that says so without asking
//!                                        the table (for curl against seeded
//!                                        businesses; the issuer's key is the
//!                                        operator's alone)
//!   mint-token --customer ID [--ttl SECS] print a customer's bearer token
//!
//! The key lives in `$JWT_LOCAL_DIR` (default `.local/jwt`), whose
//! `jwks.json` the local stack serves as `$JWT_JWKS_URL`. Tokens name
//! `$JWT_ISSUER` and the local audience. Never used in AWS: there the
//! issuer is Cognito or another OIDC provider.

use integration_tests::tokens::{business_claims, customer_claims, SigningKey};

const KID: &str = "local-dev-1";

/// Asks the pre token generation function, as the user pool does, what
/// `sub`'s token carries; returns the claims with its answer applied.
use shared::platform::clock::Clock;

fn pool_claims(api: &str, issuer: &str, sub: &str, email: Option<&str>, now: i64) -> Result<serde_json::Value, String> {
    let mut attributes = serde_json::json!({ "sub": sub });
    if let Some(e) = email {
        attributes["email"] = e.into();
    }
    let event = serde_json::json!({
        "version": "2", "triggerSource": "TokenGeneration_Authentication", "region": "us-east-1", "userPoolId": "local", "userName": sub,
        "callerContext": { "awsSdkVersion": "mint-token", "clientId": integration_tests::tokens::LOCAL_AUDIENCE },
        "request": { "userAttributes": attributes, "groupConfiguration": null, "scopes": ["openid"] },
        "response": { "claimsAndScopeOverrideDetails": null }
    });
    let url = format!("{}/2015-03-31/functions/auth-pre-token/invocations", api.trim_end_matches('/'));
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| e.to_string())?;
    let answer: serde_json::Value = runtime.block_on(async {
        let resp = reqwest::Client::new()
            .post(&url)
            .json(&event)
            .send()
            .await
            .map_err(|e| format!("{url}: {e} (is make dev running?)"))?;
        let status = resp.status();
        let body = resp.text().await.map_err(|e| e.to_string())?;
        if !status.is_success() {
            return Err(format!("{url}: {status} {body}"));
        }
        serde_json::from_str(&body).map_err(|e| format!("{url}: {e}: {body}"))
    })?;
    let id = &answer["response"]["claimsAndScopeOverrideDetails"]["idTokenGeneration"];
    let mut claims = serde_json::json!({ "iss": issuer, "aud": integration_tests::tokens::LOCAL_AUDIENCE, "sub": sub, "iat": now, "exp": now + 3600 });
    if let Some(e) = email {
        claims["email"] = e.into();
    }
    for name in id["claimsToSuppress"].as_array().into_iter().flatten().filter_map(|n| n.as_str()) {
        claims.as_object_mut().map(|c| c.remove(name));
    }
    for (k, v) in id["claimsToAddOrOverride"].as_object().into_iter().flatten() {
        claims[k] = v.clone();
    }
    Ok(claims)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let dir = std::path::PathBuf::from(std::env::var("JWT_LOCAL_DIR").unwrap_or_else(|_| ".local/jwt".into()));
    let key_path = dir.join("key.pk8");
    if args.first().map(String::as_str) == Some("init") {
        std::fs::create_dir_all(&dir).expect("create the key folder");
        let key = match std::fs::read(&key_path) {
            Ok(bytes) => SigningKey::from_pkcs8(KID, bytes),
            Err(_) => {
                let key = SigningKey::generate(KID);
                std::fs::write(&key_path, key.pkcs8()).expect("write the key");
                key
            }
        };
        std::fs::write(dir.join("jwks.json"), key.jwks().to_string()).expect("write jwks.json");
        eprintln!("local JWKS in {}", dir.display());
        return;
    }
    let flag = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned();
    let customer = flag("--customer");
    let (business, role, sub) = (flag("--business"), flag("--role"), flag("--sub"));
    let pool_user = customer.is_none() && business.is_none() && role.is_none() && sub.is_some();
    if customer.is_none() && !pool_user && (business.is_none() || role.is_none()) {
        eprintln!("usage: mint-token init | mint-token --sub USER [--email E] [--api URL] | mint-token --business ID --role owner|staff [--sub USER] [--ttl SECS] | mint-token --customer ID [--ttl SECS]");
        std::process::exit(2);
    }
    let bytes = std::fs::read(&key_path).unwrap_or_else(|_| {
        eprintln!("no key in {}: run `mint-token init` (make dev does)", dir.display());
        std::process::exit(2);
    });
    let key = SigningKey::from_pkcs8(KID, bytes);
    let issuer = std::env::var("JWT_ISSUER").unwrap_or_else(|_| "http://127.0.0.1:9010".into());
    // The stack's clock: moved by `make clock` on the local stack (CLOCK_FILE).
    let now = match std::env::var("CLOCK_FILE") {
        Ok(file) if !file.is_empty() => shared::platform::clock::OffsetClock::new(file).now(),
        _ => time::OffsetDateTime::now_utc(),
    }
    .unix_timestamp();
    let mut claims = match (&customer, &business, &role, &sub) {
        (Some(c), _, _, _) => customer_claims(&issuer, c, now),
        (None, Some(b), Some(r), _) => business_claims(&issuer, b, r, now),
        (None, None, None, Some(user)) => {
            let api = flag("--api")
                .or_else(|| std::env::var("BASE_URL").ok())
                .unwrap_or_else(|| "http://127.0.0.1:9000".into());
            pool_claims(&api, &issuer, user, flag("--email").as_deref(), now).unwrap_or_else(|e| {
                eprintln!("mint-token: {e}");
                std::process::exit(1);
            })
        }
        _ => {
            eprintln!("mint-token: give --sub alone, --business with --role, or --customer");
            std::process::exit(2);
        }
    };
    if let (false, Some(sub)) = (pool_user, flag("--sub")) {
        claims["sub"] = sub.into();
    }
    if let Some(ttl) = flag("--ttl").and_then(|t| t.parse::<i64>().ok()) {
        claims["exp"] = (now + ttl).into();
    }
    println!("{}", key.sign(&claims));
}
