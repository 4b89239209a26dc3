//! `GET /api/partners/refunds?status=PENDING&limit=&cursor=` (admin): the
//! refund queue, oldest deadline first.

use serde_json::json;
use shared::http::{auth, request, response, Body, Request, Response};
use shared::platform::clock::rfc3339;
use shared::refunds::{domain::RefundStatus, service};
use shared::{App, AppError};

pub async fn handle(app: App, req: Request) -> Result<Response<Body>, AppError> {
    auth::require_admin(&app, &req).await?;
    let status = RefundStatus::parse(&request::query(&req, "status").unwrap_or_else(|| "PENDING".into()))?;
    let page = service::list(&app, status, request::query_i32(&req, "limit")?, request::query(&req, "cursor").as_deref()).await?;
    let now = rfc3339(app.clock.now());
    let refunds: Vec<_> = page
        .items
        .into_iter()
        .map(|r| {
            let overdue = r.status == RefundStatus::Pending && r.refund_deadline_at < now;
            let mut v = serde_json::to_value(&r).unwrap_or_default();
            v["overdue"] = json!(overdue);
            v
        })
        .collect();
    response::ok(&json!({ "status": status, "refunds": refunds, "nextCursor": page.next_cursor }))
}
