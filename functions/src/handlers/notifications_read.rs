//! `POST /api/v1/notifications/read` (any signed-in user), body
//! `{"ids": [...]}` or `{"all": true}`: marks the caller's own
//! notifications read; answers the inbox's first page.

use shared::http::{jwt, request, response, Body, Request, Response};
use shared::notifications::service::{self, ReadRequest};
use shared::{App, AppError};

pub async fn handle(app: App, req: Request) -> Result<Response<Body>, AppError> {
    let user = jwt::require_user(&app, &req).await?;
    let body: ReadRequest = request::parse_json(&req)?;
    response::ok(&service::read(&app, &user.user_id, body).await?)
}
