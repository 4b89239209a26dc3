//! Paying refunds out, behind a trait so the worker does not care who pays.
//!
//! - `manual`: nothing is sent; an operator pays and marks the refund
//!   COMPLETE with its tx hash (the runbook's path).
//! - `http`: a payout service. Contract (see docs/decisions.md):
//!   `POST {base}/v1/payouts` with `Idempotency-Key: <refundId>-<round>` and
//!   `{"reference","wallet","amountCents","currency":"USD"}`; it answers
//!   200/201 `{"id","status":"paid"|"pending"|"rejected","txHash","reason"}`.
//!   The same key always yields the same payout, so a job processed twice
//!   pays once. The round moves on only with an operator's RETRY after a
//!   final rejection (which a provider would otherwise replay forever); the
//!   refund's state machine keeps it to one payout. 5xx and network errors
//!   are retried with the same key; other 4xx are final.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::domain::Refund;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PayoutOutcome {
    /// Paid on chain; complete the refund with this hash.
    Paid { tx_hash: String },
    /// Accepted, not yet paid: try again later.
    Pending,
    /// Refused for good; the refund fails with this reason.
    Rejected { reason: String },
    /// Nothing to do here: an operator pays by hand.
    Manual,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("payout provider unavailable: {0}")]
pub struct TransientPayoutError(pub String);

#[allow(async_fn_in_trait)]
pub trait PayoutProvider {
    async fn pay(&self, refund: &Refund) -> Result<PayoutOutcome, TransientPayoutError>;
}

pub struct ManualPayouts;

impl PayoutProvider for ManualPayouts {
    async fn pay(&self, _refund: &Refund) -> Result<PayoutOutcome, TransientPayoutError> {
        Ok(PayoutOutcome::Manual)
    }
}

pub struct HttpPayouts {
    client: reqwest::Client,
    base_url: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PayoutRequest<'a> {
    reference: &'a str,
    wallet: &'a str,
    amount_cents: u64,
    currency: &'static str,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PayoutResponse {
    status: String,
    tx_hash: Option<String>,
    reason: Option<String>,
}

impl HttpPayouts {
    pub fn new(base_url: &str) -> Self {
        let client = crate::platform::outbound::client(Duration::from_secs(20));
        Self { client, base_url: base_url.trim_end_matches('/').to_string() }
    }
}

impl PayoutProvider for HttpPayouts {
    async fn pay(&self, refund: &Refund) -> Result<PayoutOutcome, TransientPayoutError> {
        let resp = self
            .client
            .post(format!("{}/v1/payouts", self.base_url))
            .header("Idempotency-Key", idempotency_key(refund))
            .json(&PayoutRequest {
                reference: &refund.refund_id,
                wallet: &refund.wallet,
                amount_cents: refund.amount_cents,
                currency: "USD",
            })
            .send()
            .await
            .map_err(|e| TransientPayoutError(e.to_string()))?;
        let status = resp.status();
        if status.is_server_error() || status.as_u16() == 429 || status.as_u16() == 409 {
            // 409: the same key is being processed right now.
            return Err(TransientPayoutError(format!("HTTP {status}")));
        }
        if status.is_client_error() {
            let body = resp.text().await.unwrap_or_default();
            return Ok(PayoutOutcome::Rejected {
                reason: format!(
                    "payout service refused (HTTP {status}): {}",
                    body.chars().take(200).collect::<String>()
                ),
            });
        }
        let body: PayoutResponse =
            resp.json().await.map_err(|e| TransientPayoutError(format!("unreadable answer: {e}")))?;
        Ok(match (body.status.as_str(), body.tx_hash) {
            ("paid", Some(tx)) if !tx.is_empty() => PayoutOutcome::Paid { tx_hash: tx },
            ("paid", _) => return Err(TransientPayoutError("paid without a txHash".into())),
            ("rejected", _) => PayoutOutcome::Rejected { reason: body.reason.unwrap_or_else(|| "rejected".into()) },
            _ => PayoutOutcome::Pending,
        })
    }
}

/// One key per payout round of a refund.
pub fn idempotency_key(refund: &Refund) -> String {
    format!("{}-{}", refund.refund_id, refund.payout_round)
}

/// The provider chosen by `PAYOUT_PROVIDER`.
pub enum ConfiguredPayouts {
    Manual(ManualPayouts),
    Http(HttpPayouts),
}

impl ConfiguredPayouts {
    pub fn from_settings(settings: &crate::platform::config::Settings) -> Self {
        match settings.payout_service_url.as_deref() {
            Some(url) if settings.payout_provider == "http" => ConfiguredPayouts::Http(HttpPayouts::new(url)),
            _ => ConfiguredPayouts::Manual(ManualPayouts),
        }
    }
}

impl PayoutProvider for ConfiguredPayouts {
    async fn pay(&self, refund: &Refund) -> Result<PayoutOutcome, TransientPayoutError> {
        match self {
            ConfiguredPayouts::Manual(p) => p.pay(refund).await,
            ConfiguredPayouts::Http(p) => p.pay(refund).await,
        }
    }
}
