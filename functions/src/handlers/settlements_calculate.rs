//! `POST /api/v1/partnerships/{id}/settlements/calculate` (a party's
//! owner), body `{"periodStart": "YYYY-MM-DD"}`, `{"openPeriod": true}` or
//! none (the last ended period): a closed period is settled once (the
//! existing settlement comes back after that); the open one is previewed,
//! not stored.

use serde::Deserialize;
use shared::http::{jwt, request, response, Body, Request, Response};
use shared::settlements::service::{self, Which};
use shared::{App, AppError};

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct CalculateRequest {
    period_start: Option<String>,
    /// The period open now (a preview), whatever its start.
    #[serde(default)]
    open_period: bool,
}

pub async fn handle(app: App, req: Request) -> Result<Response<Body>, AppError> {
    let caller = jwt::require_business(&app, &req).await?;
    caller.require_owner()?;
    let id = request::partnership_id(&req)?;
    let body: CalculateRequest = if request::body_bytes(&req).is_empty() { CalculateRequest::default() } else { request::parse_json(&req)? };
    let which = match (&body.period_start, body.open_period) {
        (Some(_), true) => {
            return Err(AppError::bad_request("INVALID_FIELD", "name a periodStart or ask for the openPeriod, not both"))
        }
        (Some(start), false) => Which::Named(start),
        (None, true) => Which::Open,
        (None, false) => Which::LastEnded,
    };
    let view = service::calculate_for(&app, &caller.business_id, &id, which).await?;
    response::json(if view.outcome == "CREATED" { 201 } else { 200 }, &view)
}
