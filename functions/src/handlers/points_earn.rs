//! `POST /api/v1/businesses/me/points` (an owner's or staff's JWT, with an
//! `Idempotency-Key`): a purchase at the caller's own business earning
//! points in its own program (201; a retry answers the first, 200).

use shared::http::{jwt, request, response, Body, Request, Response};
use shared::loyalty::{domain::EarnRequest, service};
use shared::partner_transactions::domain::idempotency_key;
use shared::{App, AppError};

pub async fn handle(app: App, req: Request) -> Result<Response<Body>, AppError> {
    let caller = jwt::require_business(&app, &req).await?;
    let key = idempotency_key(request::header(&req, "idempotency-key"), None)?;
    let body: EarnRequest = request::parse_json(&req)?;
    let (earned, first) = service::earn(&app, &caller.business_id, &caller.user_id, &key, body).await?;
    response::json(if first { 201 } else { 200 }, &earned)
}
