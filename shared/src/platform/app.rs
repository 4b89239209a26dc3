//! What a handler needs, built once in a function's `main`.

use std::sync::{Arc, OnceLock};
use std::time::Instant;

use super::clock::{Clock, OffsetClock, SystemClock};
use super::config::{ConfigError, Settings};

#[derive(Clone)]
pub struct App {
    pub settings: Arc<Settings>,
    pub db: aws_sdk_dynamodb::Client,
    pub sqs: aws_sdk_sqs::Client,
    pub events: aws_sdk_eventbridge::Client,
    pub clock: Arc<dyn Clock>,
    /// The Partner Network's token verifier (keys cached per container).
    pub jwt: Option<super::jwt::Verifier>,
    /// The Paddle and cron secrets (from Secrets Manager in AWS).
    pub secrets: Arc<super::secrets::Secrets>,
    /// For outside HTTP services (Solana RPC); built on first use so the
    /// functions that never call out do not pay for it at cold start.
    http: Arc<OnceLock<reqwest::Client>>,
    /// What a warm container remembers between invocations, one value per
    /// type (`memory`): built with the app in `main`, so it lives as long
    /// as the container and is never shared between two apps (two tests).
    memory: Arc<std::sync::Mutex<Memory>>,
}

type Memory = std::collections::HashMap<std::any::TypeId, Arc<dyn std::any::Any + Send + Sync>>;

impl App {
    /// Clients are cheap handles over one shared SDK config; building all
    /// three costs no network round trip.
    pub fn new(settings: Settings, sdk: &aws_config::SdkConfig, clock: Arc<dyn Clock>) -> Self {
        let jwt = settings.jwt.clone().map(super::jwt::Verifier::new);
        let secrets = Arc::new(super::secrets::Secrets::from_settings(&settings));
        Self {
            secrets,
            settings: Arc::new(settings),
            db: super::aws::dynamodb(sdk),
            sqs: super::aws::sqs(sdk),
            events: super::aws::eventbridge(sdk),
            jwt,
            clock,
            http: Arc::default(),
            memory: Arc::default(),
        }
    }

    /// The production wiring: settings from the environment, SDK clients
    /// as `aws::sdk_config` sets them up, the system clock. Logs how long
    /// each start-up step took (one `cold start` line), so a slow init
    /// shows which step to cut.
    pub async fn from_env() -> Result<Self, ConfigError> {
        let started = Instant::now();
        let settings = Settings::from_env()?;
        let settings_done = Instant::now();
        let sdk = super::aws::sdk_config().await;
        let sdk_done = Instant::now();
        let secrets = super::secrets::Secrets::load(&settings, &sdk).await?;
        // The local stack's clock can be moved (`CLOCK_FILE`, refused
        // outside STAGE=local by the settings).
        let clock: Arc<dyn Clock> = match &settings.clock_file {
            Some(file) => Arc::new(OffsetClock::new(file)),
            None => Arc::new(SystemClock),
        };
        let mut app = Self::new(settings, &sdk, clock);
        app.secrets = Arc::new(secrets);
        let done = Instant::now();
        let ms = |a: Instant, b: Instant| (b - a).as_secs_f64() * 1000.0;
        tracing::info!(
            settings_ms = ms(started, settings_done),
            sdk_config_ms = ms(settings_done, sdk_done),
            clients_ms = ms(sdk_done, done),
            "cold start"
        );
        Ok(app)
    }

    pub fn http(&self) -> &reqwest::Client {
        self.http.get_or_init(|| super::outbound::client(std::time::Duration::from_secs(10)))
    }

    /// This app's one `T` (created on first use): a context's warm-container
    /// memory, such as the recording's `partner_transactions::warm::Warm`.
    pub fn memory<T: Default + Send + Sync + 'static>(&self) -> Arc<T> {
        let mut slots = self.memory.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let slot = slots.entry(std::any::TypeId::of::<T>()).or_insert_with(|| Arc::new(T::default()));
        // The slot of `T`'s TypeId holds a `T`: the downcast cannot fail,
        // and a fresh one is harmless if it ever did.
        Arc::clone(slot).downcast::<T>().unwrap_or_default()
    }

    pub fn table(&self) -> &str {
        &self.settings.table_name
    }
}
