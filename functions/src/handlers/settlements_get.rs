//! `GET /api/v1/partnerships/{id}/settlements/{periodStart}?limit=&cursor=`
//! (a party's user): one settlement and a page of its lines.

use shared::http::{jwt, request, response, Body, Request, Response};
use shared::settlements::service;
use shared::{App, AppError};

pub async fn handle(app: App, req: Request) -> Result<Response<Body>, AppError> {
    let caller = jwt::require_business(&app, &req).await?;
    let id = super::partnerships_get::partnership_id(&req)?;
    let period = period_start(&req)?;
    let (limit, cursor) = (request::query_i32(&req, "limit")?.unwrap_or(100), request::query(&req, "cursor"));
    response::ok(&service::get(&app, &caller.business_id, &id, &period, limit, cursor.as_deref()).await?)
}

/// The `{periodStart}` of `/api/v1/partnerships/{id}/settlements/{periodStart}[/...]`.
pub fn period_start(req: &Request) -> Result<String, AppError> {
    let given = request::path_param(req, "periodStart", "\u{0}");
    let from_path = || req.uri().path().split('/').nth(6).map(String::from);
    let period = given.or_else(from_path).filter(|p| !p.is_empty() && p.len() <= 10);
    period.ok_or_else(|| AppError::bad_request("INVALID_PERIOD", "the path needs a period start (YYYY-MM-DD)"))
}
