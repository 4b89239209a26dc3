//! `POST /api/v1/partnerships/{id}/settlements/calculate` (a party's
//! owner), body `{"periodStart": "YYYY-MM-DD"}` or none (the last ended
//! period): a closed period is settled once (the existing settlement comes
//! back after that); the open one is previewed, not stored.

use serde::Deserialize;
use shared::http::{jwt, request, response, Body, Request, Response};
use shared::settlements::service;
use shared::{App, AppError};

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct CalculateRequest {
    period_start: Option<String>,
}

pub async fn handle(app: App, req: Request) -> Result<Response<Body>, AppError> {
    let caller = jwt::require_business(&app, &req).await?;
    caller.require_owner()?;
    let id = request::partnership_id(&req)?;
    let body: CalculateRequest = if request::body_bytes(&req).is_empty() { CalculateRequest::default() } else { request::parse_json(&req)? };
    let view = service::calculate_for(&app, &caller.business_id, &id, body.period_start.as_deref()).await?;
    response::json(if view.outcome == "CREATED" { 201 } else { 200 }, &view)
}
