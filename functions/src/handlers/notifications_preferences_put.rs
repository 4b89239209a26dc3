//! `PUT /api/v1/notifications/preferences` (a business's owner or staff),
//! body `{"emailKinds": [...]}`: the caller's own choice of emails; the
//! address becomes the one their sign-in states. Nobody sets another
//! user's: the user is the token's.

use shared::http::{jwt, request, response, Body, Request, Response};
use shared::notifications::service::{self, PreferencesRequest};
use shared::{App, AppError};

pub async fn handle(app: App, req: Request) -> Result<Response<Body>, AppError> {
    let user = jwt::require_user(&app, &req).await?;
    let body: PreferencesRequest = request::parse_json(&req)?;
    response::ok(&service::save_preferences(&app, &user.user_id, user.email.as_deref(), body).await?)
}
