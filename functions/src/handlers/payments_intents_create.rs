//! `POST /api/payments/intents` (wallet-signed, `x-wallet`):
//! `{"kind":"CREDITS","credits":N}` or `{"kind":"SEAT"}` creates a PENDING
//! purchase intent: amount due, mint, treasury, reference, expiry.

use shared::http::{auth, request, response, Body, Request, Response};
use shared::payments::{domain::CreateIntentRequest, service};
use shared::{App, AppError};

pub async fn handle(app: App, req: Request) -> Result<Response<Body>, AppError> {
    let wallet = auth::require_wallet(&app, &req).await?;
    let body: CreateIntentRequest = request::parse_json(&req)?;
    let intent = service::create_intent(&app, &wallet, body).await?;
    response::json(201, &serde_json::json!({ "intent": intent }))
}
