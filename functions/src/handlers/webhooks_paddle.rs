//! `POST /api/webhooks/paddle`: Paddle Billing webhooks. Verified over the
//! raw body, recorded once by `event_id`, queued, answered at once.

use serde_json::json;
use shared::http::{response, Body, Request, Response};
use shared::webhooks::service::{self, Ingested};
use shared::{App, AppError};

pub async fn handle(app: App, req: Request) -> Result<Response<Body>, AppError> {
    if req.body().as_ref().len() > 256 * 1024 {
        return Err(AppError::new(413, "BODY_TOO_LARGE", "webhook bodies are limited to 256 KiB"));
    }
    let duplicate = service::ingest(&app, &req).await? == Ingested::Duplicate;
    response::ok(&json!({ "received": true, "duplicate": duplicate }))
}
