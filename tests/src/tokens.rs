//! A local token issuer: an ES256 key, its JWKS, and tokens signed with it.
//! The tests start one per test (served on loopback); `make dev` keeps one
//! in `.local/jwt/` and `mint-token` signs with it (see the README).

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{EcdsaKeyPair, KeyPair, ECDSA_P256_SHA256_FIXED_SIGNING};
use base64::Engine;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{json, Value};

pub const LOCAL_AUDIENCE: &str = "partner-network-local";

pub struct SigningKey {
    pub kid: String,
    pkcs8: Vec<u8>,
}

impl SigningKey {
    pub fn generate(kid: &str) -> Self {
        let doc = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &SystemRandom::new())
            .expect("generate a P-256 key");
        Self { kid: kid.to_string(), pkcs8: doc.as_ref().to_vec() }
    }

    pub fn from_pkcs8(kid: &str, pkcs8: Vec<u8>) -> Self {
        Self { kid: kid.to_string(), pkcs8 }
    }

    pub fn pkcs8(&self) -> &[u8] {
        &self.pkcs8
    }

    /// The public half as a JWK (`kty: EC`, `crv: P-256`).
    pub fn jwk(&self) -> Value {
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &self.pkcs8).expect("our own key");
        let point = pair.public_key().as_ref(); // 0x04 || x || y
        let b64 = |b: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b);
        json!({ "kty": "EC", "crv": "P-256", "x": b64(&point[1..33]), "y": b64(&point[33..65]), "kid": self.kid, "alg": "ES256", "use": "sig" })
    }

    pub fn jwks(&self) -> Value {
        json!({ "keys": [self.jwk()] })
    }

    /// A token with exactly these claims, signed ES256 under our `kid`.
    pub fn sign(&self, claims: &Value) -> String {
        let mut header = Header::new(Algorithm::ES256);
        header.kid = Some(self.kid.clone());
        jsonwebtoken::encode(&header, claims, &EncodingKey::from_ec_der(&self.pkcs8)).expect("sign a token")
    }
}

/// The claims of a business user's token, valid for an hour from `now`.
pub fn business_claims(issuer: &str, business_id: &str, role: &str, now: i64) -> Value {
    json!({
        "iss": issuer,
        "aud": LOCAL_AUDIENCE,
        "sub": format!("user-{business_id}-{role}"),
        "businessId": business_id,
        "role": role,
        "iat": now,
        "exp": now + 3600,
    })
}

/// The ID token claims the Cognito user pool mints for `sub`, after the
/// pre token generation trigger (run here as Lambda would run it, on the
/// V2 event, against `app`'s table) has answered: the user's attributes
/// (`custom:*` ones included, as a pool that has them puts them in) with
/// the trigger's suppressions and overrides applied.
pub async fn pool_claims(app: &shared::App, issuer: &str, sub: &str, attributes: &[(&str, &str)], now: i64) -> Value {
    use aws_lambda_events::event::cognito::CognitoEventUserPoolsPreTokenGenV2;
    let mut user_attributes: serde_json::Map<String, Value> =
        attributes.iter().map(|(k, v)| (k.to_string(), Value::from(*v))).collect();
    user_attributes.insert("sub".into(), sub.into());
    let event: CognitoEventUserPoolsPreTokenGenV2 = serde_json::from_value(json!({
        "version": "2", "triggerSource": "TokenGeneration_RefreshTokens", "region": "us-east-1", "userPoolId": "us-east-1_test", "userName": sub,
        "callerContext": { "awsSdkVersion": "test", "clientId": LOCAL_AUDIENCE },
        "request": { "userAttributes": user_attributes, "groupConfiguration": null, "scopes": ["openid"] },
        "response": { "claimsAndScopeOverrideDetails": null }
    }))
    .expect("a V2 event");
    let answered = functions::handlers::auth_pre_token::handle(app.clone(), event).await.expect("the trigger answers");
    let id = answered
        .response
        .claims_and_scope_override_details
        .and_then(|d| d.id_token_generation)
        .expect("ID token overrides");
    let mut claims = json!({ "iss": issuer, "aud": LOCAL_AUDIENCE, "iat": now, "exp": now + 3600 });
    for (k, v) in user_attributes {
        claims[k] = v;
    }
    for name in &id.claims_to_suppress {
        claims.as_object_mut().expect("an object").remove(name);
    }
    for (k, v) in id.claims_to_add_or_override {
        claims[k] = v;
    }
    claims
}

/// A customer's claims: `sub` is its network-wide id.
pub fn customer_claims(issuer: &str, customer_id: &str, now: i64) -> Value {
    json!({ "iss": issuer, "aud": LOCAL_AUDIENCE, "sub": customer_id, "role": "customer", "iat": now, "exp": now + 3600 })
}

/// A token without a verifiable signature: `header` and `claims` as given,
/// then `signature` (for the refusals: `alg: none`, HS256, junk).
pub fn forged(header: &Value, claims: &Value, signature: &[u8]) -> String {
    let b64 = |b: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b);
    format!("{}.{}.{}", b64(header.to_string().as_bytes()), b64(claims.to_string().as_bytes()), b64(signature))
}
