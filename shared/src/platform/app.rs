//! What a handler needs, built once in a function's `main`.

use std::sync::Arc;

use super::clock::{Clock, SystemClock};
use super::config::{ConfigError, Settings};

#[derive(Clone)]
pub struct App {
    pub settings: Arc<Settings>,
    pub db: aws_sdk_dynamodb::Client,
    pub clock: Arc<dyn Clock>,
}

impl App {
    pub fn new(settings: Settings, db: aws_sdk_dynamodb::Client, clock: Arc<dyn Clock>) -> Self {
        Self { settings: Arc::new(settings), db, clock }
    }

    /// The production wiring: settings from the environment, SDK clients
    /// from the default credential chain, the system clock.
    pub async fn from_env() -> Result<Self, ConfigError> {
        let settings = Settings::from_env()?;
        let sdk = super::aws::sdk_config().await;
        Ok(Self::new(settings, super::aws::dynamodb(&sdk), Arc::new(SystemClock)))
    }

    pub fn table(&self) -> &str {
        &self.settings.table_name
    }
}
