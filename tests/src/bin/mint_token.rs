//! `mint-token`: the local token issuer of `make dev` (and the smoke test).
//!
//!   mint-token init                      create the ES256 key and jwks.json (once)
//!   mint-token --business ID --role owner|staff [--sub USER] [--ttl SECS]
//!                                        print a bearer token for that user
//!   mint-token --customer ID [--ttl SECS] print a customer's bearer token
//!
//! The key lives in `$JWT_LOCAL_DIR` (default `.local/jwt`), whose
//! `jwks.json` the local stack serves as `$JWT_JWKS_URL`. Tokens name
//! `$JWT_ISSUER` and the local audience. Never used in AWS: there the
//! issuer is Cognito or another OIDC provider.

use integration_tests::tokens::{business_claims, customer_claims, SigningKey};

const KID: &str = "local-dev-1";

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
    let (business, role) = (flag("--business"), flag("--role"));
    if customer.is_none() && (business.is_none() || role.is_none()) {
        eprintln!("usage: mint-token init | mint-token --business ID --role owner|staff [--sub USER] [--ttl SECS] | mint-token --customer ID [--ttl SECS]");
        std::process::exit(2);
    }
    let bytes = std::fs::read(&key_path).unwrap_or_else(|_| {
        eprintln!("no key in {}: run `mint-token init` (make dev does)", dir.display());
        std::process::exit(2);
    });
    let key = SigningKey::from_pkcs8(KID, bytes);
    let issuer = std::env::var("JWT_ISSUER").unwrap_or_else(|_| "http://127.0.0.1:9010".into());
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let mut claims = match (&customer, &business, &role) {
        (Some(c), _, _) => customer_claims(&issuer, c, now),
        (None, Some(b), Some(r)) => business_claims(&issuer, b, r, now),
        _ => unreachable!("checked above"),
    };
    if let Some(sub) = flag("--sub") {
        claims["sub"] = sub.into();
    }
    if let Some(ttl) = flag("--ttl").and_then(|t| t.parse::<i64>().ok()) {
        claims["exp"] = (now + ttl).into();
    }
    println!("{}", key.sign(&claims));
}
