//! Paying a processed settlement, behind a port like the refunds' one.
//!
//! - `manual` (the default): nothing is sent; settlements are paid through
//!   external accounting, as the spec's out-of-scope list says. The
//!   settlement records `provider: manual`.
//! - `stripe`: a Stripe Connect transfer to the payee's connected account
//!   (its profile's `stripeAccountId`): `POST {base}/v1/transfers`, form
//!   encoded `amount`, `currency=usd`, `destination`, `transfer_group`,
//!   `metadata[settlement_id]`, with `Authorization: Bearer <secret key>`
//!   and `Idempotency-Key: settlement-<id>`: a job delivered twice makes one
//!   transfer (Stripe answers the first again). Stripe answers a transfer
//!   object (`{"id":"tr_…","object":"transfer",…}`) or
//!   `{"error":{"type","code","message"}}`; 5xx, 429 and network errors are
//!   retried later with the same key, other 4xx are final until fixed.

use std::time::Duration;

use serde::Deserialize;

use super::domain::Settlement;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransferOutcome {
    /// Paid; the provider's reference.
    Paid { reference: String },
    /// Left to external accounting.
    External,
    /// Refused (bad account, insufficient platform balance): try again once
    /// fixed; the settlement stays unprocessed.
    Refused { reason: String },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("settlement payout provider unavailable: {0}")]
pub struct TransientTransferError(pub String);

#[allow(async_fn_in_trait)]
pub trait SettlementPayouts {
    /// The provider's name, kept with the payment.
    fn name(&self) -> &'static str;
    /// Pays `amount_cents` of `settlement` to `destination` (the payee's
    /// account at the provider, if it has one).
    async fn transfer(
        &self,
        settlement: &Settlement,
        amount_cents: u64,
        destination: Option<&str>,
    ) -> Result<TransferOutcome, TransientTransferError>;
    /// A transfer already made for `settlement` (a payout resumed after a
    /// crash, possibly after the provider forgot its idempotency key).
    async fn find(&self, settlement: &Settlement) -> Result<Option<String>, TransientTransferError>;
}

pub struct ManualSettlementPayouts;

impl SettlementPayouts for ManualSettlementPayouts {
    fn name(&self) -> &'static str {
        "manual"
    }

    async fn transfer(
        &self,
        _settlement: &Settlement,
        _amount_cents: u64,
        _destination: Option<&str>,
    ) -> Result<TransferOutcome, TransientTransferError> {
        Ok(TransferOutcome::External)
    }

    async fn find(&self, _settlement: &Settlement) -> Result<Option<String>, TransientTransferError> {
        Ok(None)
    }
}

pub struct StripeConnectPayouts {
    client: reqwest::Client,
    base_url: String,
    secret_key: String,
}

#[derive(Deserialize)]
struct StripeTransfer {
    id: String,
}

#[derive(Deserialize)]
struct StripeList {
    data: Vec<StripeTransfer>,
}

#[derive(Deserialize)]
struct StripeError {
    error: StripeErrorBody,
}

#[derive(Deserialize)]
struct StripeErrorBody {
    #[serde(default)]
    message: String,
    #[serde(default)]
    code: Option<String>,
}

/// The key Stripe dedupes a settlement's transfer by.
pub fn idempotency_key(settlement: &Settlement) -> String {
    format!("settlement-{}", settlement.id)
}

impl StripeConnectPayouts {
    pub fn new(base_url: &str, secret_key: &str) -> Self {
        Self {
            client: crate::platform::outbound::client(Duration::from_secs(20)),
            base_url: base_url.trim_end_matches('/').to_string(),
            secret_key: secret_key.to_string(),
        }
    }
}

impl SettlementPayouts for StripeConnectPayouts {
    fn name(&self) -> &'static str {
        "stripe"
    }

    async fn transfer(
        &self,
        settlement: &Settlement,
        amount_cents: u64,
        destination: Option<&str>,
    ) -> Result<TransferOutcome, TransientTransferError> {
        let Some(destination) = destination else {
            return Ok(TransferOutcome::Refused { reason: "the payee has no stripeAccountId on its profile".into() });
        };
        let form = [
            ("amount", amount_cents.to_string()),
            ("currency", "usd".to_string()),
            ("destination", destination.to_string()),
            ("transfer_group", format!("settlement-{}", settlement.id)),
            ("metadata[settlement_id]", settlement.id.clone()),
            ("metadata[partnership_id]", settlement.partnership_id.clone()),
            ("metadata[period_start]", settlement.period_start.clone()),
        ];
        let resp = self
            .client
            .post(format!("{}/v1/transfers", self.base_url))
            .bearer_auth(&self.secret_key)
            .header("Idempotency-Key", idempotency_key(settlement))
            .form(&form)
            .send()
            .await
            .map_err(|e| TransientTransferError(e.to_string()))?;
        let status = resp.status();
        if status.is_server_error() || status.as_u16() == 429 || status.as_u16() == 409 {
            return Err(TransientTransferError(format!("HTTP {status}")));
        }
        let text = resp.text().await.map_err(|e| TransientTransferError(e.to_string()))?;
        if status.is_client_error() {
            let reason = serde_json::from_str::<StripeError>(&text)
                .map(|e| format!("{} ({})", e.error.message, e.error.code.unwrap_or_default()))
                .unwrap_or_else(|_| format!("HTTP {status}"));
            return Ok(TransferOutcome::Refused { reason });
        }
        let transfer: StripeTransfer =
            serde_json::from_str(&text).map_err(|e| TransientTransferError(format!("unreadable answer: {e}")))?;
        Ok(TransferOutcome::Paid { reference: transfer.id })
    }

    /// `GET /v1/transfers?transfer_group=settlement-<id>`: Stripe keeps an
    /// idempotency key for 24 hours; the transfer group, for good.
    async fn find(&self, settlement: &Settlement) -> Result<Option<String>, TransientTransferError> {
        let resp = self
            .client
            // The group is `settlement-<ULID>`: URL-safe as it is.
            .get(format!("{}/v1/transfers?transfer_group={}&limit=1", self.base_url, idempotency_key(settlement)))
            .bearer_auth(&self.secret_key)
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .map_err(|e| TransientTransferError(e.to_string()))?;
        let list: StripeList =
            resp.json().await.map_err(|e| TransientTransferError(format!("unreadable answer: {e}")))?;
        Ok(list.data.into_iter().next().map(|t| t.id))
    }
}

/// The provider `SETTLEMENT_PAYOUT_PROVIDER` chooses.
pub enum ConfiguredSettlementPayouts {
    Manual(ManualSettlementPayouts),
    Stripe(StripeConnectPayouts),
}

impl ConfiguredSettlementPayouts {
    pub fn from_settings(settings: &crate::platform::config::Settings) -> Self {
        match (settings.settlement_payout_provider.as_str(), &settings.stripe_secret_key) {
            ("stripe", Some(key)) => {
                ConfiguredSettlementPayouts::Stripe(StripeConnectPayouts::new(&settings.stripe_api_base, key))
            }
            _ => ConfiguredSettlementPayouts::Manual(ManualSettlementPayouts),
        }
    }
}

impl SettlementPayouts for ConfiguredSettlementPayouts {
    fn name(&self) -> &'static str {
        match self {
            ConfiguredSettlementPayouts::Manual(p) => p.name(),
            ConfiguredSettlementPayouts::Stripe(p) => p.name(),
        }
    }

    async fn transfer(
        &self,
        settlement: &Settlement,
        amount_cents: u64,
        destination: Option<&str>,
    ) -> Result<TransferOutcome, TransientTransferError> {
        match self {
            ConfiguredSettlementPayouts::Manual(p) => p.transfer(settlement, amount_cents, destination).await,
            ConfiguredSettlementPayouts::Stripe(p) => p.transfer(settlement, amount_cents, destination).await,
        }
    }

    async fn find(&self, settlement: &Settlement) -> Result<Option<String>, TransientTransferError> {
        match self {
            ConfiguredSettlementPayouts::Manual(p) => p.find(settlement).await,
            ConfiguredSettlementPayouts::Stripe(p) => p.find(settlement).await,
        }
    }
}
