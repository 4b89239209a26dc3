//! `GET /api/partners/cycle/eliminate?monthKey=` (admin): the preview for a
//! month (default: the current one) and the history of cycles.

use serde_json::json;
use shared::cycle::{domain::MonthKey, service};
use shared::http::{auth, request, response, Body, Request, Response};
use shared::{App, AppError};

pub async fn handle(app: App, req: Request) -> Result<Response<Body>, AppError> {
    auth::require_admin(&app, &req).await?;
    let month = MonthKey::given_or_current(request::query(&req, "monthKey").as_deref(), app.clock.now())?;
    let (preview, history) = tokio::try_join!(service::preview(&app, month), service::history(&app))?;
    response::ok(&json!({ "monthKey": month.to_string(), "preview": preview, "history": history }))
}
