//! `POST /api/v1/notifications/unsubscribe?token=&kind=` (no sign-in: the
//! token from an email is the authority): turns off one kind of the token
//! owner's emails, or all of them without `kind`. Mail clients' one-click
//! button posts here (RFC 8058); the web app's unsubscribe page too. A
//! POST, never a GET, so link scanners unsubscribe nobody.

use shared::http::{request, response, Body, Request, Response};
use shared::notifications::service;
use shared::{App, AppError};

pub async fn handle(app: App, req: Request) -> Result<Response<Body>, AppError> {
    let token = request::query(&req, "token").unwrap_or_default();
    let kind = request::query(&req, "kind");
    response::ok(&service::unsubscribe(&app, &token, kind.as_deref()).await?)
}
