//! `GET /api/audit?subject=...` or `?action=...`, optionally `&from=&to=`
//! (admin): the audit log, newest first, paginated, within `[from, to)`.

use serde_json::json;
use shared::http::{auth, request, response, Body, Request, Response};
use shared::platform::audit::{self, AuditFilter};
use shared::{App, AppError};

pub async fn handle(app: App, req: Request) -> Result<Response<Body>, AppError> {
    auth::require_admin(&app, &req).await?;
    let (subject, action) = (request::query(&req, "subject"), request::query(&req, "action"));
    for value in subject.iter().chain(action.iter()) {
        request::bounded_id(value, "subject/action", "INVALID_QUERY")?;
    }
    let filter = match (&subject, &action) {
        (Some(s), None) => AuditFilter::Subject(s),
        (None, Some(a)) => AuditFilter::Action(a),
        _ => return Err(AppError::bad_request("INVALID_QUERY", "give exactly one of subject or action")),
    };
    let window = request::window(&req)?;
    let limit = request::query_i32(&req, "limit")?.unwrap_or(50);
    if !(1..=100).contains(&limit) {
        return Err(AppError::bad_request("INVALID_LIMIT", "limit must be between 1 and 100"));
    }
    let page = audit::query(&app, filter, &window, limit, request::query(&req, "cursor").as_deref()).await?;
    response::ok(&json!({ "entries": page.items, "nextCursor": page.next_cursor }))
}
