//! `PUT /api/v1/businesses/me/points-program` (an owner's JWT): sets the
//! caller's points program (points per dollar; cents per N points when
//! redeemed), a new version each time.

use shared::http::{jwt, request, response, Body, Request, Response};
use shared::loyalty::{domain::ProgramRequest, service};
use shared::{App, AppError};

pub async fn handle(app: App, req: Request) -> Result<Response<Body>, AppError> {
    let caller = jwt::require_business(&app, &req).await?;
    caller.require_owner()?;
    let body: ProgramRequest = request::parse_json(&req)?;
    response::ok(&service::set_program(&app, &caller.business_id, &caller.user_id, body).await?)
}
