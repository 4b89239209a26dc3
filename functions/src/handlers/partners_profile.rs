//! `GET /api/v1/partners/{businessId}` (a business user's JWT): a
//! business's partner profile, as the directory shows it.

use shared::businesses::service;
use shared::http::{jwt, request, response, Body, Request, Response};
use shared::{App, AppError};

pub async fn handle(app: App, req: Request) -> Result<Response<Body>, AppError> {
    jwt::require_business(&app, &req).await?;
    response::ok(&service::profile(&app, &business_id(&req)?).await?)
}

/// The `{businessId}` of `/api/v1/partners/{businessId}[/...]`.
pub fn business_id(req: &Request) -> Result<String, AppError> {
    let from_path = || req.uri().path().strip_prefix("/api/v1/partners/").and_then(|rest| rest.split('/').next()).map(String::from);
    let id = request::path_param(req, "businessId", "/api/v1/partners/").or_else(from_path).filter(|i| !i.is_empty());
    let id = id.ok_or_else(|| AppError::bad_request("INVALID_BUSINESS_ID", "the path needs a business id"))?;
    request::bounded_id(&id, "businessId", "INVALID_BUSINESS_ID")?;
    Ok(id)
}
