//! `GET /api/v1/partners/{businessId}` (a business user's JWT): a
//! business's partner profile, as the directory shows it.

use shared::businesses::service;
use shared::http::{jwt, request, response, Body, Request, Response};
use shared::{App, AppError};

pub async fn handle(app: App, req: Request) -> Result<Response<Body>, AppError> {
    jwt::require_business(&app, &req).await?;
    let id = request::path_param(&req, "businessId", "/api/v1/partners/")
        .ok_or_else(|| AppError::bad_request("INVALID_BUSINESS_ID", "the path needs a business id"))?;
    request::bounded_id(&id, "businessId", "INVALID_BUSINESS_ID")?;
    response::ok(&service::profile(&app, &id).await?)
}
