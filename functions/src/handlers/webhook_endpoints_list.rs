//! `GET /api/v1/webhooks/endpoints` (an owner): the business's endpoints,
//! never their secrets.

use shared::business_webhooks::service;
use shared::http::{jwt, response, Body, Request, Response};
use shared::{App, AppError};

pub async fn handle(app: App, req: Request) -> Result<Response<Body>, AppError> {
    let caller = jwt::require_business(&app, &req).await?;
    caller.require_owner()?;
    response::ok(&service::list(&app, &caller.business_id).await?)
}
