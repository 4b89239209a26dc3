//! `GET /api/v1/partnerships?status=&role=inviter|invitee&limit=&cursor=`
//! (a business user's JWT): the caller's partnerships, newest first.

use shared::http::{jwt, request, response, Body, Request, Response};
use shared::partnerships::{domain::PartnershipStatus, service};
use shared::{App, AppError};

pub async fn handle(app: App, req: Request) -> Result<Response<Body>, AppError> {
    let caller = jwt::require_business(&app, &req).await?;
    let status = request::query(&req, "status").map(|s| PartnershipStatus::parse(&s)).transpose()?;
    let role = request::query(&req, "role");
    let limit = request::query_i32(&req, "limit")?;
    let cursor = request::query(&req, "cursor");
    response::ok(&service::list(&app, &caller.business_id, status, role.as_deref(), limit, cursor.as_deref()).await?)
}
