//! `POST /api/v1/partners/{businessId}/reviews` (an owner's JWT): rates a
//! business the caller's business has or had a partnership with, 1 to 5
//! with a text; a second review replaces the first (201 then 200).

use shared::businesses::{domain::ReviewRequest, service};
use shared::http::{jwt, request, response, Body, Request, Response};
use shared::{App, AppError};

pub async fn handle(app: App, req: Request) -> Result<Response<Body>, AppError> {
    let caller = jwt::require_business(&app, &req).await?;
    caller.require_owner()?;
    let id = request::business_id(&req)?;
    let body: ReviewRequest = request::parse_json(&req)?;
    let (review, first) = service::review(&app, &caller.business_id, &caller.user_id, &id, body).await?;
    response::json(if first { 201 } else { 200 }, &review)
}
