//! Secrets at run time: in AWS the Paddle webhook secret (current and
//! previous, during a rotation) and the cron secret are read from Secrets
//! Manager at cold start by the functions that need them, named by
//! `PADDLE_WEBHOOK_SECRET_ID` and `CRON_SECRET_ID` (names, not values:
//! nothing secret sits in the function's configuration). They are kept for
//! the container's life and read again when a signature fails to verify
//! (a rotation happened), at most every `REFRESH_EVERY`. Locally the
//! plaintext settings (`PADDLE_WEBHOOK_SECRET_KEY`, `CRON_SECRET`) still
//! work.

use std::sync::{Mutex, RwLock};
use std::time::{Duration, Instant};

use super::config::{ConfigError, Settings};

/// The least time between two reads after failed signatures, so forged
/// requests cannot turn into a stream of Secrets Manager calls.
pub const REFRESH_EVERY: Duration = Duration::from_secs(30);

struct Source {
    client: aws_sdk_secretsmanager::Client,
    paddle_id: Option<String>,
    cron_id: Option<String>,
}

pub struct Secrets {
    paddle: RwLock<Vec<String>>,
    cron: RwLock<Option<String>>,
    source: Option<Source>,
    last_read: Mutex<Option<Instant>>,
    refresh_every: Duration,
}

/// A Paddle secret as stored: `{"current": "...", "previous": "..."}` (an
/// empty or missing `previous` outside a rotation), or a plain string.
fn paddle_values(text: &str) -> Vec<String> {
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(serde_json::Value::Object(map)) => ["current", "previous"]
            .iter()
            .filter_map(|k| map.get(*k).and_then(|v| v.as_str()))
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect(),
        _ => vec![text.trim().to_string()].into_iter().filter(|s| !s.is_empty()).collect(),
    }
}

async fn read(client: &aws_sdk_secretsmanager::Client, id: &str) -> Result<String, String> {
    let out = client
        .get_secret_value()
        .secret_id(id)
        .send()
        .await
        .map_err(|e| format!("{id}: {}", aws_sdk_secretsmanager::error::DisplayErrorContext(e)))?;
    out.secret_string.ok_or_else(|| format!("{id} has no string value"))
}

impl Secrets {
    /// The plaintext settings only (local runs, tests).
    pub fn from_settings(settings: &Settings) -> Secrets {
        Secrets {
            paddle: RwLock::new(settings.paddle_secrets.clone()),
            cron: RwLock::new(settings.cron_secret.clone()),
            source: None,
            last_read: Mutex::new(None),
            refresh_every: REFRESH_EVERY,
        }
    }

    /// At cold start: the plaintext settings, replaced by Secrets Manager's
    /// values where an id is set. A secret that cannot be read stops the
    /// function before it serves anything.
    pub async fn load(settings: &Settings, sdk: &aws_config::SdkConfig) -> Result<Secrets, ConfigError> {
        let mut secrets = Secrets::from_settings(settings);
        if settings.paddle_secret_id.is_none() && settings.cron_secret_id.is_none() {
            return Ok(secrets);
        }
        secrets.source = Some(Source {
            client: super::aws::secretsmanager(sdk),
            paddle_id: settings.paddle_secret_id.clone(),
            cron_id: settings.cron_secret_id.clone(),
        });
        secrets.read_all().await.map_err(ConfigError)?;
        Ok(secrets)
    }

    async fn read_all(&self) -> Result<(), String> {
        let Some(source) = &self.source else { return Ok(()) };
        if let Some(id) = &source.paddle_id {
            let values = paddle_values(&read(&source.client, id).await?);
            *self.paddle.write().unwrap_or_else(|p| p.into_inner()) = values;
        }
        if let Some(id) = &source.cron_id {
            let value = read(&source.client, id).await?.trim().to_string();
            *self.cron.write().unwrap_or_else(|p| p.into_inner()) = Some(value).filter(|v| !v.is_empty());
        }
        *self.last_read.lock().unwrap_or_else(|p| p.into_inner()) = Some(Instant::now());
        Ok(())
    }

    /// With another least time between reads (tests rotate within seconds).
    pub fn with_refresh_every(mut self, every: Duration) -> Secrets {
        self.refresh_every = every;
        self
    }

    /// The Paddle webhook secrets to try, current first.
    pub fn paddle(&self) -> Vec<String> {
        self.paddle.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    pub fn cron(&self) -> Option<String> {
        self.cron.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// After a signature failed to verify: reads the secrets again if they
    /// come from Secrets Manager and were not read in the last
    /// `REFRESH_EVERY`. `true`: they were read (try again).
    pub async fn refresh(&self) -> bool {
        if self.source.is_none() {
            return false;
        }
        let due = self
            .last_read
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .is_none_or(|at| at.elapsed() >= self.refresh_every);
        if !due {
            return false;
        }
        match self.read_all().await {
            Ok(()) => true,
            Err(e) => {
                tracing::error!(error = %e, "secrets could not be read again");
                false
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_paddle_secret_is_current_then_previous() {
        assert_eq!(super::paddle_values(r#"{"current":"a","previous":"b"}"#), ["a", "b"]);
        assert_eq!(super::paddle_values(r#"{"current":"a","previous":""}"#), ["a"]);
        assert_eq!(super::paddle_values("pdl_plain"), ["pdl_plain"]);
    }
}
