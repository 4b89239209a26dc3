//! `GET /api/partners/refunds/sla` (admin): the refund SLA report, the same
//! one the daily audit logs and publishes.

use shared::http::{auth, response, Body, Request, Response};
use shared::refunds::service;
use shared::{App, AppError};

pub async fn handle(app: App, req: Request) -> Result<Response<Body>, AppError> {
    auth::require_admin(&app, &req).await?;
    response::ok(&service::sla_audit(&app, false).await?)
}
