//! `GET /api/v1/partnerships/{id}` (a business user's JWT): one of the
//! caller's partnerships; anyone else's is a 404.

use shared::http::{jwt, request, response, Body, Request, Response};
use shared::partnerships::service;
use shared::{App, AppError};

pub async fn handle(app: App, req: Request) -> Result<Response<Body>, AppError> {
    let caller = jwt::require_business(&app, &req).await?;
    let id = partnership_id(&req)?;
    response::ok(&service::get(&app, &caller.business_id, &id).await?)
}

/// The `{id}` of `/api/v1/partnerships/{id}[/...]`.
pub fn partnership_id(req: &Request) -> Result<String, AppError> {
    let from_path = || req.uri().path().strip_prefix("/api/v1/partnerships/").and_then(|rest| rest.split('/').next()).map(String::from);
    let id = request::path_param(req, "id", "/api/v1/partnerships/").or_else(from_path).filter(|i| !i.is_empty());
    let id = id.ok_or_else(|| AppError::bad_request("INVALID_PARTNERSHIP_ID", "the path needs a partnership id"))?;
    request::bounded_id(&id, "id", "INVALID_PARTNERSHIP_ID")?;
    Ok(id)
}
