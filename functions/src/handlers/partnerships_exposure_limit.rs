//! `PUT /api/v1/partnerships/{id}/exposure-limit` (a party's owner's JWT),
//! body `{"maxOutstandingCents": 50000}` or `null`: the most the partner
//! may owe the caller unsettled. A recording that would pass it is refused
//! (422 `EXPOSURE_LIMIT_REACHED`) until a settlement is processed.

use shared::http::{jwt, request, response, Body, Request, Response};
use shared::partnerships::{exposure::LimitRequest, service};
use shared::{App, AppError};

pub async fn handle(app: App, req: Request) -> Result<Response<Body>, AppError> {
    let caller = jwt::require_business(&app, &req).await?;
    caller.require_owner()?;
    let id = request::partnership_id(&req)?;
    let body: LimitRequest = request::parse_json(&req)?;
    response::ok(&service::set_exposure_limit(&app, &caller.business_id, &caller.user_id, &id, body).await?)
}
