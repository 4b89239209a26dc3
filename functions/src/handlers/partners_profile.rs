//! `GET /api/v1/partners/{businessId}` (a business user's JWT): a
//! business's partner profile, as the directory shows it.

use shared::businesses::service;
use shared::http::{jwt, request, response, Body, Request, Response};
use shared::{App, AppError};

pub async fn handle(app: App, req: Request) -> Result<Response<Body>, AppError> {
    jwt::require_business(&app, &req).await?;
    response::ok(&service::profile(&app, &request::business_id(&req)?).await?)
}
