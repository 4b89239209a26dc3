//! `GET /api/partners/seats?status=&limit=&cursor=` (admin): seats by join
//! time, with the refill stats.

use shared::http::{auth, request, response, Body, Request, Response};
use shared::seats::domain::SeatStatus;
use shared::seats::service;
use shared::{App, AppError};

pub async fn handle(app: App, req: Request) -> Result<Response<Body>, AppError> {
    auth::require_admin(&app, &req).await?;
    let status = request::query(&req, "status").map(|s| SeatStatus::parse(&s)).transpose()?;
    let limit = request::query_i32(&req, "limit")?;
    let cursor = request::query(&req, "cursor");
    response::ok(&service::list(&app, status, limit, cursor.as_deref()).await?)
}
