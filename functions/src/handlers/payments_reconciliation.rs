//! `GET /api/payments/reconciliation` (admin): the reconciliation report.

use shared::http::{auth, response, Body, Request, Response};
use shared::payments::reconcile;
use shared::{App, AppError};

pub async fn handle(app: App, req: Request) -> Result<Response<Body>, AppError> {
    auth::require_admin(&app, &req).await?;
    response::ok(&reconcile::run(&app).await?)
}
