//! `PUT /api/v1/businesses/me` (a business owner's JWT): changes the
//! profile of the business the token names.

use shared::businesses::{domain::BusinessRequest, service};
use shared::http::{jwt, request, response, Body, Request, Response};
use shared::{App, AppError};

pub async fn handle(app: App, req: Request) -> Result<Response<Body>, AppError> {
    let caller = jwt::require_business(&app, &req).await?;
    caller.require_owner()?;
    let body: BusinessRequest = request::parse_json(&req)?;
    response::ok(&service::update(&app, &caller.business_id, &caller.user_id, body).await?)
}
