//! `POST /api/webhooks/paddle`: Paddle Billing webhooks. Verified over the
//! raw body, recorded once by `event_id`, queued, answered at once.

use serde_json::json;
use shared::http::{request, response, Body, Request, Response};
use shared::webhooks::service::{self, Delivery, Ingested};
use shared::{App, AppError};

pub async fn handle(app: App, req: Request) -> Result<Response<Body>, AppError> {
    let raw = request::body_bytes(&req);
    if raw.len() > 256 * 1024 {
        return Err(AppError::new(shared::platform::error::ErrorKind::TooLarge, "BODY_TOO_LARGE", "webhook bodies are limited to 256 KiB"));
    }
    // Verbatim (not trimmed): the signature check reports what was sent.
    let signature = req.headers().get("paddle-signature").and_then(|v| v.to_str().ok());
    let delivery = Delivery { raw, signature, request_id: request::request_id(&req) };
    let duplicate = service::ingest(&app, delivery).await? == Ingested::Duplicate;
    response::ok(&json!({ "received": true, "duplicate": duplicate }))
}
