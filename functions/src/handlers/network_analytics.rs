//! `GET /api/v1/network/analytics` (a business user's JWT): the dashboard
//! overview: live partnerships, shared customers, net revenue shared this
//! month, and a row per partner.

use shared::http::{jwt, response, Body, Request, Response};
use shared::partner_transactions::analytics;
use shared::{App, AppError};

pub async fn handle(app: App, req: Request) -> Result<Response<Body>, AppError> {
    let caller = jwt::require_business(&app, &req).await?;
    response::ok(&analytics::network(&app, &caller.business_id).await?)
}
