//! `GET /api/v1/partnerships/{id}/settlements/{periodStart}?limit=&cursor=`
//! (a party's user): one settlement and a page of its lines.

use shared::http::{jwt, request, response, Body, Request, Response};
use shared::settlements::service;
use shared::{App, AppError};

pub async fn handle(app: App, req: Request) -> Result<Response<Body>, AppError> {
    let caller = jwt::require_business(&app, &req).await?;
    let id = request::partnership_id(&req)?;
    let period = request::period_start(&req)?;
    let (limit, cursor) = (request::query_i32(&req, "limit")?.unwrap_or(100), request::query(&req, "cursor"));
    response::ok(&service::get(&app, &caller.business_id, &id, &period, limit, cursor.as_deref()).await?)
}
