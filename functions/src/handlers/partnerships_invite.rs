//! `POST /api/v1/partnerships` (a business owner's JWT): invites another
//! business. At most one open partnership per pair of businesses.

use shared::http::{jwt, request, response, Body, Request, Response};
use shared::partnerships::{domain::InviteRequest, service};
use shared::{App, AppError};

pub async fn handle(app: App, req: Request) -> Result<Response<Body>, AppError> {
    let caller = jwt::require_business(&app, &req).await?;
    caller.require_owner()?;
    let body: InviteRequest = request::parse_json(&req)?;
    response::json(201, &service::invite(&app, &caller.business_id, &caller.user_id, body).await?)
}
