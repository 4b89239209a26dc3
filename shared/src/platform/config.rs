//! Settings read once per cold start from the environment.
//!
//! A function refuses to start on a dangerous combination (a local-only
//! bypass in production), so a misconfigured deploy fails loudly at init
//! instead of serving unauthenticated admin calls.

use std::collections::BTreeSet;
use std::env;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stage {
    Local,
    Dev,
    Staging,
    Production,
}

impl Stage {
    fn parse(s: &str) -> Result<Self, ConfigError> {
        match s.to_ascii_lowercase().as_str() {
            "local" => Ok(Stage::Local),
            "dev" => Ok(Stage::Dev),
            "staging" => Ok(Stage::Staging),
            "prod" | "production" => Ok(Stage::Production),
            other => Err(ConfigError(format!("STAGE must be local, dev, staging or prod, not {other:?}"))),
        }
    }
    pub fn is_production(&self) -> bool {
        *self == Stage::Production
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("configuration error: {0}")]
pub struct ConfigError(pub String);

#[derive(Debug, Clone)]
pub struct Settings {
    pub stage: Stage,
    pub table_name: String,
    /// Base58 wallet addresses allowed to call admin endpoints.
    pub admin_wallets: BTreeSet<String>,
    /// Local-only: accept `x-admin-wallet` without a signature so the
    /// runbook's curl lines work under `make dev`. Refused in production.
    pub allow_unsigned_admin: bool,
    /// Local only: any past month may be executed (so the runbook's example
    /// month works verbatim under `make dev`).
    pub cycle_allow_past_months: bool,
    /// Local only (`WEBHOOKS_ALLOW_LOCAL_RECEIVERS`): business webhooks may
    /// be delivered over http to loopback, where the tests' receivers
    /// listen. Private, link-local and metadata addresses stay refused.
    pub webhooks_allow_local_receivers: bool,
    /// Local only (`CLOCK_FILE`): the stack's clock runs this file's offset
    /// (whole seconds) ahead of the system's, so a month can end on
    /// `make dev` (`make clock AT=...`; the browser tests settle a month).
    pub clock_file: Option<std::path::PathBuf>,
    /// How long an invocation owns a cycle run (`CYCLE_LEASE_SECS`, default
    /// 120): longer than the cycle function's timeout, so a live invocation
    /// is never overtaken.
    pub cycle_lease_secs: i64,
    /// How far a signed request's timestamp may be from our clock.
    pub signature_window_secs: i64,
    /// Refill price used until an operator sets one.
    pub default_refill_price_cents: u64,
    pub version: String,
    /// Where refund payout jobs go (SQS queue URL).
    pub refund_payout_queue_url: Option<String>,
    /// The EventBridge bus for domain events (overdue refunds, ...).
    pub event_bus_name: Option<String>,
    /// `manual` (an operator completes refunds) or `http`.
    pub payout_provider: String,
    /// Base URL of the payout service when `payout_provider` is `http`.
    pub payout_service_url: Option<String>,
    /// Paddle destination secrets: the current one and, during rotation,
    /// the previous one. Never logged.
    pub paddle_secrets: Vec<String>,
    /// How far `ts` in `Paddle-Signature` may be from our clock (seconds).
    pub paddle_tolerance_secs: i64,
    /// The Partner Network's token issuer; `None` until all three
    /// `JWT_ISSUER`, `JWT_AUDIENCE` and `JWT_JWKS_URL` are set.
    pub jwt: Option<super::jwt::JwtSettings>,
    /// Address lookup through Amazon Location (`GEOCODING=amazon-location`,
    /// as deployed); off by default, as on the local stack, where owners
    /// place the point by hand.
    pub geocoding: bool,
    /// Local-only: accept webhooks without a valid signature.
    pub paddle_bypass_signature: bool,
    pub paddle_webhook_queue_url: Option<String>,
    /// Partner commission on a completed transaction, in basis points.
    pub commission_bps: u64,
    /// How processed settlements are paid: `manual` (external accounting,
    /// the default) or `stripe` (Stripe Connect transfers).
    pub settlement_payout_provider: String,
    /// Stripe's secret key when `settlement_payout_provider` is `stripe`.
    /// Never logged.
    pub stripe_secret_key: Option<String>,
    /// Stripe's API base (a local server in tests).
    pub stripe_api_base: String,
    /// Where settlement calculations fan out to (SQS queue URL); without
    /// one the scheduled run calculates inline.
    pub settlement_queue_url: Option<String>,
    /// Where webhook deliveries wait for the delivery worker (SQS queue URL).
    pub webhook_delivery_queue_url: Option<String>,
    /// Notification email (`EMAIL_FROM` and friends); off without a sender.
    pub email: Option<EmailSettings>,
    /// Secrets Manager ids of the Paddle webhook secret and the cron secret:
    /// in AWS the functions that need them read them at cold start
    /// (`platform::secrets`); the plaintext settings are for local runs.
    pub paddle_secret_id: Option<String>,
    pub cron_secret_id: Option<String>,
    /// Bearer token for `GET /api/cron/{job}`. Never logged.
    pub cron_secret: Option<String>,
    pub payments: PaymentSettings,
}

/// Where notification emails come from and where their links lead.
#[derive(Debug, Clone)]
pub struct EmailSettings {
    /// The verified SES sender address (`EMAIL_FROM`).
    pub from_address: String,
    /// The sender's display name (`EMAIL_FROM_NAME`, default "Partner Network").
    pub from_name: String,
    /// The SES configuration set (`SES_CONFIGURATION_SET`): bounce and
    /// complaint events, sending metrics.
    pub configuration_set: Option<String>,
    /// The web app's origin, which serves the API under `/api` too
    /// (`WEB_APP_URL`): the emails' links.
    pub web_app_url: String,
}

fn email_settings(get: &impl Fn(&str) -> Option<String>) -> Result<Option<EmailSettings>, ConfigError> {
    let Some(from_address) = get("EMAIL_FROM").filter(|s| !s.trim().is_empty()) else {
        return Ok(None);
    };
    // The platform layer checks the shape only (no domain import).
    let looks_like_address = from_address.trim().split_once('@').is_some_and(|(local, domain)| {
        !local.is_empty() && domain.contains('.') && !domain.contains('@') && !domain.ends_with('.')
    });
    if !looks_like_address {
        return Err(ConfigError(format!("EMAIL_FROM must be an email address, not {from_address:?}")));
    }
    let web_app_url =
        get("WEB_APP_URL").filter(|u| u.starts_with("https://") || u.starts_with("http://")).ok_or_else(|| {
            ConfigError("WEB_APP_URL (http(s)://...) is required with EMAIL_FROM: the emails link to it".into())
        })?;
    Ok(Some(EmailSettings {
        from_address: from_address.trim().to_string(),
        from_name: get("EMAIL_FROM_NAME").filter(|s| !s.trim().is_empty()).unwrap_or_else(|| "Partner Network".into()),
        configuration_set: get("SES_CONFIGURATION_SET").filter(|s| !s.is_empty()),
        web_app_url: web_app_url.trim_end_matches('/').to_string(),
    }))
}

/// What purchase intents are paid in and where they are verified.
#[derive(Debug, Clone)]
pub struct PaymentSettings {
    pub solana_rpc_url: Option<String>,
    /// The SPL token mint accepted (base58).
    pub token_mint: Option<String>,
    /// The wallet that must receive the tokens (base58 owner).
    pub treasury_wallet: Option<String>,
    /// Token base units charged per credit.
    pub credit_price_base_units: u64,
    /// Token base units per USD cent (10000 for a 6-decimal stablecoin).
    pub base_units_per_cent: u64,
    pub intent_ttl_secs: i64,
}

impl Settings {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|k| env::var(k).ok())
    }

    /// Reads settings through `get`, so tests can pass a map instead of
    /// mutating the process environment.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        // No default: a function deployed without STAGE must not quietly
        // become "local", where the signature bypasses are allowed.
        let stage = Stage::parse(
            &get("STAGE").ok_or_else(|| ConfigError("STAGE is required: local, dev, staging or prod".into()))?,
        )?;
        let table_name = get("TABLE_NAME")
            .filter(|s| !s.trim().is_empty())
            .ok_or_else(|| ConfigError("TABLE_NAME is required".into()))?;
        let admin_wallets: BTreeSet<String> = get("ADMIN_WALLETS")
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect();
        let allow_unsigned_admin = parse_bool(get("ALLOW_UNSIGNED_ADMIN").as_deref(), "ALLOW_UNSIGNED_ADMIN")?;
        if allow_unsigned_admin && stage != Stage::Local {
            return Err(ConfigError(
                "ALLOW_UNSIGNED_ADMIN is a local-only setting: it needs STAGE=local, and must not be set in production"
                    .into(),
            ));
        }
        let cycle_allow_past_months = parse_bool(get("CYCLE_ALLOW_PAST_MONTHS").as_deref(), "CYCLE_ALLOW_PAST_MONTHS")?;
        if cycle_allow_past_months && stage != Stage::Local {
            return Err(ConfigError("CYCLE_ALLOW_PAST_MONTHS is a local-only setting: it needs STAGE=local".into()));
        }
        let webhooks_allow_local_receivers =
            parse_bool(get("WEBHOOKS_ALLOW_LOCAL_RECEIVERS").as_deref(), "WEBHOOKS_ALLOW_LOCAL_RECEIVERS")?;
        if webhooks_allow_local_receivers && stage != Stage::Local {
            return Err(ConfigError(
                "WEBHOOKS_ALLOW_LOCAL_RECEIVERS is a local-only setting: it needs STAGE=local".into(),
            ));
        }
        let clock_file = get("CLOCK_FILE").filter(|s| !s.trim().is_empty()).map(std::path::PathBuf::from);
        if clock_file.is_some() && stage != Stage::Local {
            return Err(ConfigError("CLOCK_FILE is a local-only setting: it needs STAGE=local".into()));
        }
        let cycle_lease_secs = parse_num(get("CYCLE_LEASE_SECS"), 120, "CYCLE_LEASE_SECS")?;
        if !(1..=3600).contains(&cycle_lease_secs) {
            return Err(ConfigError("CYCLE_LEASE_SECS must be between 1 and 3600".into()));
        }
        let signature_window_secs = parse_num(get("SIGNATURE_WINDOW_SECS"), 60, "SIGNATURE_WINDOW_SECS")?;
        if !(1..=600).contains(&signature_window_secs) {
            return Err(ConfigError("SIGNATURE_WINDOW_SECS must be between 1 and 600".into()));
        }
        let default_refill_price_cents =
            parse_num(get("DEFAULT_REFILL_PRICE_CENTS"), 100_000, "DEFAULT_REFILL_PRICE_CENTS")?;
        let payout_provider = get("PAYOUT_PROVIDER").unwrap_or_else(|| "manual".into()).to_ascii_lowercase();
        let payout_service_url = get("PAYOUT_SERVICE_URL").filter(|s| !s.is_empty());
        match (payout_provider.as_str(), &payout_service_url) {
            ("manual", _) | ("http", Some(_)) => {}
            ("http", None) => return Err(ConfigError("PAYOUT_PROVIDER=http needs PAYOUT_SERVICE_URL".into())),
            (other, _) => return Err(ConfigError(format!("PAYOUT_PROVIDER must be manual or http, not {other:?}"))),
        }
        let paddle_bypass_signature = parse_bool(
            get("PADDLE_WEBHOOK_BYPASS_SIGNATURE_IN_DEV").as_deref(),
            "PADDLE_WEBHOOK_BYPASS_SIGNATURE_IN_DEV",
        )?;
        if paddle_bypass_signature && stage != Stage::Local {
            return Err(ConfigError("PADDLE_WEBHOOK_BYPASS_SIGNATURE_IN_DEV is a local-only setting: it needs STAGE=local, and must not be set in production".into()));
        }
        let settlement_payout_provider =
            get("SETTLEMENT_PAYOUT_PROVIDER").unwrap_or_else(|| "manual".into()).to_ascii_lowercase();
        let stripe_secret_key = get("STRIPE_SECRET_KEY").filter(|s| !s.is_empty());
        match (settlement_payout_provider.as_str(), &stripe_secret_key) {
            ("manual", _) | ("stripe", Some(_)) => {}
            ("stripe", None) => {
                return Err(ConfigError("SETTLEMENT_PAYOUT_PROVIDER=stripe needs STRIPE_SECRET_KEY".into()))
            }
            (other, _) => {
                return Err(ConfigError(format!("SETTLEMENT_PAYOUT_PROVIDER must be manual or stripe, not {other:?}")))
            }
        }
        let commission_bps = parse_num(get("COMMISSION_BPS"), 1_000u64, "COMMISSION_BPS")?;
        if commission_bps > 10_000 {
            return Err(ConfigError("COMMISSION_BPS must be at most 10000 (100%)".into()));
        }
        let paddle_secrets = ["PADDLE_WEBHOOK_SECRET_KEY", "PADDLE_WEBHOOK_SECRET_KEY_PREVIOUS"]
            .iter()
            .filter_map(|k| get(k).filter(|s| !s.is_empty()))
            .collect();
        Ok(Settings {
            stage,
            table_name,
            admin_wallets,
            allow_unsigned_admin,
            cycle_allow_past_months,
            clock_file,
            webhooks_allow_local_receivers,
            cycle_lease_secs,
            signature_window_secs,
            default_refill_price_cents,
            version: get("APP_VERSION").unwrap_or_else(|| env!("CARGO_PKG_VERSION").to_string()),
            refund_payout_queue_url: get("REFUND_PAYOUT_QUEUE_URL").filter(|s| !s.is_empty()),
            event_bus_name: get("EVENT_BUS_NAME").filter(|s| !s.is_empty()),
            payout_provider,
            payout_service_url,
            paddle_secrets,
            paddle_tolerance_secs: parse_num(get("PADDLE_WEBHOOK_TOLERANCE_SECS"), 5, "PADDLE_WEBHOOK_TOLERANCE_SECS")?,
            jwt: jwt_settings(&get)?,
            geocoding: match get("GEOCODING").as_deref().unwrap_or("off") {
                "amazon-location" => true,
                "off" | "" => false,
                other => return Err(ConfigError(format!("GEOCODING must be amazon-location or off, not {other:?}"))),
            },
            paddle_bypass_signature,
            paddle_webhook_queue_url: get("PADDLE_WEBHOOK_QUEUE_URL").filter(|s| !s.is_empty()),
            commission_bps,
            settlement_payout_provider,
            stripe_secret_key,
            stripe_api_base: get("STRIPE_API_BASE")
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| "https://api.stripe.com".into()),
            settlement_queue_url: get("SETTLEMENT_QUEUE_URL").filter(|s| !s.is_empty()),
            webhook_delivery_queue_url: get("WEBHOOK_DELIVERY_QUEUE_URL").filter(|s| !s.is_empty()),
            email: email_settings(&get)?,
            cron_secret: get("CRON_SECRET").filter(|s| !s.is_empty()),
            paddle_secret_id: get("PADDLE_WEBHOOK_SECRET_ID").filter(|s| !s.is_empty()),
            cron_secret_id: get("CRON_SECRET_ID").filter(|s| !s.is_empty()),
            payments: PaymentSettings {
                solana_rpc_url: get("SOLANA_RPC_URL").filter(|s| !s.is_empty()),
                token_mint: get("TOKEN_MINT").filter(|s| !s.is_empty()),
                treasury_wallet: get("TREASURY_WALLET").filter(|s| !s.is_empty()),
                credit_price_base_units: parse_num(get("CREDIT_PRICE_BASE_UNITS"), 10_000, "CREDIT_PRICE_BASE_UNITS")?,
                base_units_per_cent: parse_num(get("TOKEN_BASE_UNITS_PER_CENT"), 10_000, "TOKEN_BASE_UNITS_PER_CENT")?,
                intent_ttl_secs: parse_num(get("INTENT_TTL_SECS"), 1_800, "INTENT_TTL_SECS")?,
            },
        })
    }

    /// Settings that are optional for start-up but that the health check
    /// reports as missing.
    pub fn missing_recommended(&self) -> Vec<&'static str> {
        let mut missing = Vec::new();
        if self.admin_wallets.is_empty() {
            missing.push("ADMIN_WALLETS");
        }
        if self.refund_payout_queue_url.is_none() {
            missing.push("REFUND_PAYOUT_QUEUE_URL");
        }
        if self.event_bus_name.is_none() {
            missing.push("EVENT_BUS_NAME");
        }
        if self.paddle_secrets.is_empty() && self.paddle_secret_id.is_none() {
            missing.push("PADDLE_WEBHOOK_SECRET_KEY");
        }
        if self.paddle_webhook_queue_url.is_none() {
            missing.push("PADDLE_WEBHOOK_QUEUE_URL");
        }
        if self.cron_secret.is_none() && self.cron_secret_id.is_none() {
            missing.push("CRON_SECRET");
        }
        if self.payments.solana_rpc_url.is_none() {
            missing.push("SOLANA_RPC_URL");
        }
        if self.payments.token_mint.is_none() {
            missing.push("TOKEN_MINT");
        }
        if self.payments.treasury_wallet.is_none() {
            missing.push("TREASURY_WALLET");
        }
        missing
    }
}

fn parse_bool(v: Option<&str>, name: &str) -> Result<bool, ConfigError> {
    match v.map(|s| s.trim().to_ascii_lowercase()).as_deref() {
        None | Some("") | Some("false") | Some("0") | Some("no") => Ok(false),
        Some("true") | Some("1") | Some("yes") => Ok(true),
        Some(other) => Err(ConfigError(format!("{name} must be true or false, not {other:?}"))),
    }
}

fn parse_num<T: std::str::FromStr>(v: Option<String>, default: T, name: &str) -> Result<T, ConfigError> {
    match v {
        None => Ok(default),
        Some(s) if s.trim().is_empty() => Ok(default),
        Some(s) => s.trim().parse().map_err(|_| ConfigError(format!("{name} must be a whole number, not {s:?}"))),
    }
}

/// All three JWT settings, or none (then the network's routes answer 503).
fn jwt_settings(get: &impl Fn(&str) -> Option<String>) -> Result<Option<super::jwt::JwtSettings>, ConfigError> {
    let [issuer, audience, jwks_url] =
        ["JWT_ISSUER", "JWT_AUDIENCE", "JWT_JWKS_URL"].map(|k| get(k).filter(|v| !v.trim().is_empty()));
    match (issuer, audience, jwks_url) {
        (Some(issuer), Some(audience), Some(jwks_url)) => {
            Ok(Some(super::jwt::JwtSettings { issuer, audience, jwks_url }))
        }
        (None, None, None) => Ok(None),
        _ => Err(ConfigError("JWT_ISSUER, JWT_AUDIENCE and JWT_JWKS_URL go together: set all three or none".into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    /// Settings from `pairs`, at `STAGE=local` unless they say otherwise.
    fn settings(pairs: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        let mut map: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        map.entry("STAGE".into()).or_insert_with(|| "local".into());
        Settings::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn the_stage_is_required_and_the_bypasses_need_it_to_be_local() {
        let bare = |pairs: &[(&str, &str)]| {
            let map: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
            Settings::from_lookup(|k| map.get(k).cloned())
        };
        assert!(bare(&[("TABLE_NAME", "t")]).unwrap_err().0.contains("STAGE is required"));
        assert!(bare(&[("TABLE_NAME", "t"), ("ALLOW_UNSIGNED_ADMIN", "true")]).is_err(), "no stage never means local");
        for stage in ["dev", "staging", "prod"] {
            assert!(
                settings(&[("TABLE_NAME", "t"), ("STAGE", stage), ("ALLOW_UNSIGNED_ADMIN", "true")]).is_err(),
                "{stage}"
            );
            assert!(
                settings(&[("TABLE_NAME", "t"), ("STAGE", stage), ("PADDLE_WEBHOOK_BYPASS_SIGNATURE_IN_DEV", "true")])
                    .is_err(),
                "{stage}"
            );
            assert!(
                settings(&[("TABLE_NAME", "t"), ("STAGE", stage), ("CLOCK_FILE", "/tmp/clock")])
                    .unwrap_err()
                    .0
                    .contains("CLOCK_FILE is a local-only setting"),
                "{stage}"
            );
            assert!(
                settings(&[("TABLE_NAME", "t"), ("STAGE", stage), ("WEBHOOKS_ALLOW_LOCAL_RECEIVERS", "true")]).is_err(),
                "{stage}"
            );
            assert!(settings(&[("TABLE_NAME", "t"), ("STAGE", stage)]).is_ok(), "{stage}");
        }
        assert!(settings(&[("TABLE_NAME", "t"), ("CLOCK_FILE", "/tmp/clock")]).unwrap().clock_file.is_some());
        assert!(
            settings(&[("TABLE_NAME", "t"), ("PADDLE_WEBHOOK_BYPASS_SIGNATURE_IN_DEV", "true")])
                .unwrap()
                .paddle_bypass_signature
        );
    }

    #[test]
    fn unsigned_admin_is_refused_in_production() {
        let err = settings(&[("TABLE_NAME", "t"), ("STAGE", "prod"), ("ALLOW_UNSIGNED_ADMIN", "true")]).unwrap_err();
        assert!(err.0.contains("ALLOW_UNSIGNED_ADMIN"));
        assert!(
            settings(&[("TABLE_NAME", "t"), ("STAGE", "local"), ("ALLOW_UNSIGNED_ADMIN", "true")])
                .unwrap()
                .allow_unsigned_admin
        );
    }

    #[test]
    fn webhook_bypass_is_refused_in_production() {
        let err =
            settings(&[("TABLE_NAME", "t"), ("STAGE", "prod"), ("PADDLE_WEBHOOK_BYPASS_SIGNATURE_IN_DEV", "true")])
                .unwrap_err();
        assert!(err.0.contains("PADDLE_WEBHOOK_BYPASS_SIGNATURE_IN_DEV"));
        let s = settings(&[
            ("TABLE_NAME", "t"),
            ("PADDLE_WEBHOOK_SECRET_KEY", "new"),
            ("PADDLE_WEBHOOK_SECRET_KEY_PREVIOUS", "old"),
        ])
        .unwrap();
        assert_eq!(s.paddle_secrets, ["new", "old"]);
        assert_eq!(s.paddle_tolerance_secs, 5);
        assert!(settings(&[("TABLE_NAME", "t"), ("COMMISSION_BPS", "10001")]).is_err());
    }

    #[test]
    fn admin_wallets_are_trimmed_and_table_is_required() {
        let s = settings(&[("TABLE_NAME", "t"), ("ADMIN_WALLETS", " a, b ,,")]).unwrap();
        assert_eq!(s.admin_wallets.iter().cloned().collect::<Vec<_>>(), vec!["a", "b"]);
        assert!(settings(&[]).is_err());
        assert!(settings(&[("TABLE_NAME", "t"), ("STAGE", "moon")]).is_err());
        assert!(settings(&[("TABLE_NAME", "t"), ("ALLOW_UNSIGNED_ADMIN", "maybe")]).is_err());
    }
}
