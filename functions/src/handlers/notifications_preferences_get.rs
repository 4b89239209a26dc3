//! `GET /api/v1/notifications/preferences` (a business's owner or staff):
//! which notifications the caller gets by email, where, and what they may
//! choose from.

use shared::http::{jwt, response, Body, Request, Response};
use shared::notifications::service;
use shared::{App, AppError};

pub async fn handle(app: App, req: Request) -> Result<Response<Body>, AppError> {
    let user = jwt::require_user(&app, &req).await?;
    response::ok(&service::preferences_of(&app, &user.user_id).await?)
}
