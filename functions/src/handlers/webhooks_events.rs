//! `GET /api/webhooks/events?status=received|processed|error` (admin): events
//! by status, newest first; `?eventId=` returns one event with its audit trail.

use serde_json::json;
use shared::http::{auth, request, response, Body, Request, Response};
use shared::platform::audit::{self, AuditFilter};
use shared::platform::dynamo::{query_page, Partition};
use shared::platform::keys;
use shared::platform::table::GSI1;
use shared::webhooks::store::{self, StoredEvent};
use shared::{App, AppError};

pub async fn handle(app: App, req: Request) -> Result<Response<Body>, AppError> {
    auth::require_admin(&app, &req).await?;
    if let Some(event_id) = request::query(&req, "eventId") {
        request::bounded_id(&event_id, "eventId", "INVALID_QUERY")?;
        let event = store::get_event(&app, &event_id)
            .await?
            .ok_or_else(|| AppError::not_found("WEBHOOK_EVENT_NOT_FOUND", format!("no webhook event {event_id}")))?;
        let trail = audit::query(&app, AuditFilter::Subject(&format!("WEBHOOK#{event_id}")), 100, None).await?;
        return response::ok(&json!({ "event": event, "audit": trail.items }));
    }
    let status = request::query(&req, "status").unwrap_or_else(|| "error".into()).to_ascii_lowercase();
    if !["received", "processed", "error"].contains(&status.as_str()) {
        return Err(AppError::bad_request("INVALID_STATUS", "status must be received, processed or error"));
    }
    let limit = request::query_i32(&req, "limit")?.unwrap_or(50);
    if !(1..=100).contains(&limit) {
        return Err(AppError::bad_request("INVALID_LIMIT", "limit must be between 1 and 100"));
    }
    let events = Partition::index(GSI1, keys::webhooks_by_status_gsi1pk(&status)).newest_first();
    let page = query_page::<StoredEvent>(&app.db, app.table(), &events, Some(limit), request::query(&req, "cursor").as_deref()).await?;
    response::ok(&json!({ "status": status, "events": page.items, "nextCursor": page.next_cursor }))
}
