//! `POST /api/v1/partnerships/{id}/settlements/{periodStart}/dispute` (a
//! party's owner, during the 7-day review): `{"reason", "lines"?}`.

use shared::http::{jwt, request, response, Body, Request, Response};
use shared::settlements::{domain::DisputeRequest, service};
use shared::{App, AppError};

pub async fn handle(app: App, req: Request) -> Result<Response<Body>, AppError> {
    let caller = jwt::require_business(&app, &req).await?;
    caller.require_owner()?;
    let id = request::partnership_id(&req)?;
    let period = request::period_start(&req)?;
    let body: DisputeRequest = request::parse_json(&req)?;
    response::ok(&service::dispute(&app, &caller.business_id, &caller.user_id, &id, &period, body).await?)
}
