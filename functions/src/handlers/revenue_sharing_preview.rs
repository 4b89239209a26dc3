//! `POST /api/v1/revenue-sharing/preview` (a business user's JWT): what
//! given terms would charge for sample transactions (the configuration
//! wireframe's "Preview"), by the same engine that records them.

use shared::http::{jwt, request, response, Body, Request, Response};
use shared::partner_transactions::{domain::PreviewRequest, sharing};
use shared::{App, AppError};

pub async fn handle(app: App, req: Request) -> Result<Response<Body>, AppError> {
    jwt::require_business(&app, &req).await?;
    let body: PreviewRequest = request::parse_json(&req)?;
    let (terms, samples) = body.validate()?;
    let (lines, totals) = sharing::preview(&terms, &samples);
    response::ok(&serde_json::json!({ "lines": lines, "totals": totals }))
}
