//! `GET /api/settlements/held` (admin): the settlements the anomaly scan
//! (or the high-value review) held, oldest first, paginated, each with its
//! flags and reviewer.

use serde_json::json;
use shared::http::{auth, request, response, Body, Request, Response};
use shared::settlements::service;
use shared::{App, AppError};

pub async fn handle(app: App, req: Request) -> Result<Response<Body>, AppError> {
    auth::require_admin(&app, &req).await?;
    let limit = request::query_i32(&req, "limit")?.unwrap_or(50);
    if !(1..=100).contains(&limit) {
        return Err(AppError::bad_request("INVALID_LIMIT", "limit must be between 1 and 100"));
    }
    let page = service::held(&app, limit, request::query(&req, "cursor").as_deref()).await?;
    response::ok(&json!({ "settlements": page.items, "nextCursor": page.next_cursor }))
}
