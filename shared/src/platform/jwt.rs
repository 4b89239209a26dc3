//! Bearer JWTs from the identity provider (a Cognito user pool by default,
//! any OIDC issuer): verified in the function against the issuer's JWKS.
//!
//! - Only RS256 and ES256, as the header says and the key agrees (no
//!   `none`, no HMAC with a public key as the secret).
//! - `exp`, `iss` and `aud` are required; `exp` and `nbf` are checked against
//!   the injected clock (so tests and the cycle's instants agree), with a
//!   small leeway for clock skew.
//! - Keys are fetched once per container and cached; a token signed with an
//!   unknown `kid` refreshes them (a rotation), at most one attempt every
//!   10 s, failed or not, so a flood of junk `kid`s cannot hammer the
//!   issuer, even while it is down.
//!
//! Every refusal is a 401 with its own stable code.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;

use super::error::AppError;

/// Where tokens come from (`JWT_ISSUER`, `JWT_AUDIENCE`, `JWT_JWKS_URL`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JwtSettings {
    pub issuer: String,
    pub audience: String,
    pub jwks_url: String,
}

/// Clock skew tolerated on `exp` and `nbf`, in seconds.
pub const LEEWAY_SECS: i64 = 30;
/// A refresh of the keys is asked for at most this often (seconds).
const REFRESH_EVERY_SECS: i64 = 10;

/// What a verified token says.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Claims {
    pub sub: String,
    /// `businessId` and `role` as the issuer put them from our memberships
    /// (the pre token generation trigger). Never read from a `custom:`
    /// attribute: a user can write those.
    #[serde(default)]
    pub business_id: Option<String>,
    #[serde(default)]
    pub role: Option<String>,
    /// The user's email, where the issuer states one (an invitation code
    /// is redeemed only by the invited address).
    #[serde(default)]
    pub email: Option<String>,
    pub exp: i64,
    #[serde(default)]
    pub nbf: Option<i64>,
}

struct Keys {
    by_kid: HashMap<String, (Algorithm, DecodingKey)>,
    /// Unix time of the last fetch attempt, successful or not: attempts
    /// are what is limited, so an issuer that fails is not hammered either.
    attempted: Option<i64>,
    /// Whether that attempt failed (a token with an unknown `kid` is then
    /// a 503 until the next attempt may be made, not a call out).
    failed: bool,
}

/// The keys of one issuer, cached for the container's life.
#[derive(Clone)]
pub struct Verifier {
    settings: JwtSettings,
    keys: Arc<RwLock<Keys>>,
    /// One refresh at a time: concurrent requests with a new `kid` wait for
    /// the fetch in flight instead of being refused by its attempt limit.
    refreshing: Arc<tokio::sync::Mutex<()>>,
}

/// The `alg` of a token's header, read without trusting anything else.
fn raw_alg(token: &str) -> Option<String> {
    use base64::Engine;
    let header = token.split('.').next()?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(header.trim_end_matches('=')).ok()?;
    let value: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    value.get("alg")?.as_str().map(String::from)
}

fn refused(code: &'static str, message: &str) -> AppError {
    AppError::unauthorized(code, message.to_string())
}

impl Verifier {
    pub fn new(settings: JwtSettings) -> Self {
        Self {
            settings,
            keys: Arc::new(RwLock::new(Keys { by_kid: HashMap::new(), attempted: None, failed: false })),
            refreshing: Arc::default(),
        }
    }

    pub fn settings(&self) -> &JwtSettings {
        &self.settings
    }

    /// Verifies `token` at unix time `now`, fetching keys with `client`.
    pub async fn verify(&self, client: &reqwest::Client, token: &str, now: i64) -> Result<Claims, AppError> {
        // The algorithm is read first, from the raw header: `none` (which
        // the parser does not even know) must be refused as what it is.
        if !matches!(raw_alg(token).as_deref(), Some("RS256" | "ES256")) {
            return Err(if raw_alg(token).is_some() {
                refused("TOKEN_ALGORITHM_REFUSED", "only RS256 and ES256 tokens are accepted")
            } else {
                refused("TOKEN_MALFORMED", "the bearer token is not a JWT")
            });
        }
        let header = jsonwebtoken::decode_header(token)
            .map_err(|_| refused("TOKEN_MALFORMED", "the bearer token is not a JWT"))?;
        if !matches!(header.alg, Algorithm::RS256 | Algorithm::ES256) {
            return Err(refused("TOKEN_ALGORITHM_REFUSED", "only RS256 and ES256 tokens are accepted"));
        }
        let kid = header.kid.ok_or_else(|| refused("TOKEN_UNKNOWN_KEY", "the token names no signing key (kid)"))?;
        let (alg, key) = match self.key(&kid) {
            Some(found) => found,
            None => {
                self.refresh(client, now, &kid).await?;
                self.key(&kid)
                    .ok_or_else(|| refused("TOKEN_UNKNOWN_KEY", "the token's signing key is not the issuer's"))?
            }
        };
        if alg != header.alg {
            return Err(refused("TOKEN_ALGORITHM_REFUSED", "the token's algorithm is not its key's"));
        }
        let mut validation = Validation::new(alg);
        validation.set_issuer(&[&self.settings.issuer]);
        validation.set_audience(&[&self.settings.audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud"]);
        // Time is ours to check, against the injected clock.
        validation.validate_exp = false;
        validation.validate_nbf = false;
        let data = jsonwebtoken::decode::<Claims>(token, &key, &validation).map_err(|e| {
            use jsonwebtoken::errors::ErrorKind::*;
            match e.kind() {
                InvalidIssuer => refused("TOKEN_WRONG_ISSUER", "the token was issued by another issuer"),
                InvalidAudience => refused("TOKEN_WRONG_AUDIENCE", "the token is for another audience"),
                InvalidSignature => refused("TOKEN_INVALID_SIGNATURE", "the token's signature does not verify"),
                InvalidAlgorithm => refused("TOKEN_ALGORITHM_REFUSED", "the token's algorithm is not its key's"),
                MissingRequiredClaim(_) => refused("TOKEN_MALFORMED", "the token lacks exp, iss or aud"),
                _ => refused("TOKEN_MALFORMED", "the token cannot be read"),
            }
        })?;
        let claims = data.claims;
        if now.saturating_sub(LEEWAY_SECS) >= claims.exp {
            return Err(refused("TOKEN_EXPIRED", "the token has expired; sign in again"));
        }
        if claims.nbf.is_some_and(|nbf| now.saturating_add(LEEWAY_SECS) < nbf) {
            return Err(refused("TOKEN_NOT_YET_VALID", "the token is not valid yet"));
        }
        Ok(claims)
    }

    #[allow(clippy::type_complexity)]
    fn key(&self, kid: &str) -> Option<(Algorithm, DecodingKey)> {
        self.keys.read().ok()?.by_kid.get(kid).cloned()
    }

    /// Fetches the issuer's keys again, unless that was tried a moment ago
    /// (so a flood of junk `kid`s cannot hammer the issuer, up or down).
    async fn refresh(&self, client: &reqwest::Client, now: i64, kid: &str) -> Result<(), AppError> {
        let unavailable = |e: String| {
            AppError::unavailable("JWKS_UNAVAILABLE", format!("the issuer's keys could not be fetched: {e}"))
        };
        let _one_at_a_time = self.refreshing.lock().await;
        if self.key(kid).is_some() {
            return Ok(()); // fetched by the request we waited for
        }
        {
            let mut keys = self.keys.write().map_err(|_| AppError::internal("jwks lock poisoned"))?;
            if keys.attempted.is_some_and(|t| now.saturating_sub(t) < REFRESH_EVERY_SECS) {
                return if keys.failed {
                    Err(unavailable("the last attempt failed moments ago".into()))
                } else {
                    Ok(())
                };
            }
            keys.attempted = Some(now);
        }
        let started = std::time::Instant::now();
        let fetched: Result<JwkSet, String> = async {
            client
                .get(&self.settings.jwks_url)
                .send()
                .await
                .and_then(reqwest::Response::error_for_status)
                .map_err(|e| e.to_string())?
                .json()
                .await
                .map_err(|e| e.to_string())
        }
        .await;
        // One line per fetch, so a cold start's key fetch can be told apart
        // from the rest of its first request (`make bench` reports it).
        let fetch_ms = started.elapsed().as_secs_f64() * 1000.0;
        tracing::info!(fetch_ms, ok = fetched.is_ok(), "jwks fetch");
        let set = match fetched {
            Ok(set) => set,
            Err(e) => {
                if let Ok(mut keys) = self.keys.write() {
                    keys.failed = true;
                }
                return Err(unavailable(e));
            }
        };
        let mut by_kid = HashMap::new();
        for jwk in &set.keys {
            let Some(kid) = jwk.common.key_id.clone() else { continue };
            let alg = match &jwk.algorithm {
                jsonwebtoken::jwk::AlgorithmParameters::RSA(_) => Algorithm::RS256,
                jsonwebtoken::jwk::AlgorithmParameters::EllipticCurve(ec)
                    if ec.curve == jsonwebtoken::jwk::EllipticCurve::P256 =>
                {
                    Algorithm::ES256
                }
                _ => continue, // HMAC, other curves: never accepted
            };
            if let Ok(key) = DecodingKey::from_jwk(jwk) {
                by_kid.insert(kid, (alg, key));
            }
        }
        *self.keys.write().map_err(|_| AppError::internal("jwks lock poisoned"))? =
            Keys { by_kid, attempted: Some(now), failed: false };
        Ok(())
    }
}
