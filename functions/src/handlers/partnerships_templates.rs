//! `GET /api/v1/partnerships/templates[?category=cafe]` (a business user's
//! JWT): industry templates an invitation may start from (`templateId`).

use shared::http::{jwt, request, response, Body, Request, Response};
use shared::partnerships::service;
use shared::{App, AppError};

pub async fn handle(app: App, req: Request) -> Result<Response<Body>, AppError> {
    jwt::require_business(&app, &req).await?;
    response::ok(&service::templates(request::query(&req, "category").as_deref()))
}
