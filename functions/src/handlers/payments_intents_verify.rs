//! `POST /api/payments/intents/verify` (wallet-signed): `{"intentId","signature"}`.
//! Checks the finalized transaction on chain and credits it once.

use serde::Deserialize;
use shared::http::{auth, request, response, Body, Request, Response};
use shared::payments::domain::parse_signature;
use shared::payments::service;
use shared::payments::solana::JsonRpcClient;
use shared::{App, AppError};

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct VerifyRequest {
    intent_id: String,
    signature: String,
}

pub async fn handle(app: App, req: Request) -> Result<Response<Body>, AppError> {
    let wallet = auth::require_wallet(&app, &req).await?;
    let body: VerifyRequest = request::parse_json(&req)?;
    let signature = parse_signature(&body.signature)?;
    let intent_id = request::bounded_id(&body.intent_id, "intentId", "INVALID_INTENT_ID")?;
    let url = app
        .settings
        .payments
        .solana_rpc_url
        .clone()
        .ok_or_else(|| AppError::unavailable("PAYMENTS_NOT_CONFIGURED", "SOLANA_RPC_URL is not set"))?;
    let rpc = JsonRpcClient::new(app.http().clone(), &url);
    response::ok(&service::verify(&app, &rpc, &wallet, intent_id, &signature).await?)
}
