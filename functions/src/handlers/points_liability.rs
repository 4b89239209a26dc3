//! `GET /api/v1/businesses/me/points-liability` (the business's owner or
//! staff): what the caller's outstanding points are worth, where they can
//! be spent, how they moved each month (expiry's breakage included) and
//! the reconciliation's latest check.

use shared::http::{jwt, response, Body, Request, Response};
use shared::loyalty::service;
use shared::{App, AppError};

pub async fn handle(app: App, req: Request) -> Result<Response<Body>, AppError> {
    let caller = jwt::require_business(&app, &req).await?;
    response::ok(&service::liability_view(&app, &caller.business_id).await?)
}
