//! `GET /api/webhooks/events?status=received|processed|error&from=&to=`
//! (admin): events by status, newest first, optionally received within
//! `[from, to)` (RFC 3339); `?eventId=` returns one event with its audit trail.

use shared::http::{auth, request, response, Body, Request, Response};
use shared::webhooks::domain::WebhookStatus;
use shared::webhooks::service;
use shared::{App, AppError};

pub async fn handle(app: App, req: Request) -> Result<Response<Body>, AppError> {
    auth::require_admin(&app, &req).await?;
    if let Some(event_id) = request::query(&req, "eventId") {
        request::bounded_id(&event_id, "eventId", "INVALID_QUERY")?;
        return response::ok(&service::event_with_trail(&app, &event_id).await?);
    }
    let status = request::query(&req, "status").map(|s| WebhookStatus::parse(&s)).transpose()?.unwrap_or(WebhookStatus::Error);
    let window = request::window(&req)?;
    let limit = request::query_i32(&req, "limit")?;
    response::ok(&service::list(&app, status, &window, limit, request::query(&req, "cursor").as_deref()).await?)
}
