//! `POST /api/v1/businesses/me/members` (owner): invites someone by email
//! to the caller's business; the one-time code is in the answer, once.

use shared::http::{jwt, request, response, Body, Request, Response};
use shared::members::{domain::InviteRequest, service};
use shared::{App, AppError};

pub async fn handle(app: App, req: Request) -> Result<Response<Body>, AppError> {
    let caller = jwt::require_business(&app, &req).await?;
    caller.require_owner()?;
    let body: InviteRequest = request::parse_json(&req)?;
    response::json(201, &service::invite(&app, &caller.business_id, &caller.user_id, body).await?)
}
