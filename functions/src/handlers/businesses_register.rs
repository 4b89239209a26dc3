//! `POST /api/v1/businesses` (a business owner's JWT): registers the
//! business the token names, once.

use shared::businesses::{domain::BusinessRequest, service};
use shared::http::{jwt, request, response, Body, Request, Response};
use shared::{App, AppError};

pub async fn handle(app: App, req: Request) -> Result<Response<Body>, AppError> {
    let caller = jwt::require_business(&app, &req).await?;
    caller.require_owner()?;
    let body: BusinessRequest = request::parse_json(&req)?;
    response::json(201, &service::register(&app, &caller.business_id, &caller.user_id, body).await?)
}
