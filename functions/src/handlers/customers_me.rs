//! `GET /api/v1/customers/me` (a customer's JWT): the caller's balance in
//! every program and the rewards it can redeem across the network.

use shared::http::{jwt, response, Body, Request, Response};
use shared::loyalty::service;
use shared::{App, AppError};

pub async fn handle(app: App, req: Request) -> Result<Response<Body>, AppError> {
    let caller = jwt::require_customer(&app, &req).await?;
    response::ok(&service::customer_view(&app, &caller.customer_id).await?)
}
