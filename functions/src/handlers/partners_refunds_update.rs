//! `POST /api/partners/refunds` (admin):
//! `{"refundId","action":"COMPLETE","txHash"}`, `{"refundId","action":"FAILED","reason"}`
//! or `{"refundId","action":"RETRY"}` (queues the payout again).

use serde_json::json;
use shared::http::{auth, request, response, Body, Request, Response};
use shared::refunds::{domain::RefundActionRequest, service};
use shared::{App, AppError};

pub async fn handle(app: App, req: Request) -> Result<Response<Body>, AppError> {
    let admin = auth::require_admin(&app, &req).await?;
    let (refund_id, action) = request::parse_json::<RefundActionRequest>(&req)?.validate()?;
    let refund = service::act(&app, &admin, &refund_id, action, request::request_id(&req)).await?;
    response::ok(&json!({ "refund": refund }))
}
