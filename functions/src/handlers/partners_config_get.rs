//! `GET /api/partners/config`: seat cap, refill price and seat stats.
//! Public: applicants need the price; nothing here is secret.

use shared::http::{response, Body, Request, Response};
use shared::program::service;
use shared::{App, AppError};

pub async fn handle(app: App, _req: Request) -> Result<Response<Body>, AppError> {
    response::ok(&service::get_config(&app).await?)
}
