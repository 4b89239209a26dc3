//! `GET /api/partners/rankings?monthKey=YYYY-MM&source=LIVE|SNAPSHOT`
//! (admin): LIVE from current scores, SNAPSHOT as frozen by the cycle.

use serde::Serialize;
use shared::cycle::domain::{MonthKey, RankedRow};
use shared::cycle::service;
use shared::http::{auth, request, response, Body, Request, Response};
use shared::{App, AppError};

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rankings {
    month_key: String,
    source: &'static str,
    taken_at: Option<String>,
    rows: Vec<RankedRow>,
}

pub async fn handle(app: App, req: Request) -> Result<Response<Body>, AppError> {
    auth::require_admin(&app, &req).await?;
    let month = MonthKey::given_or_current(request::query(&req, "monthKey").as_deref(), app.clock.now())?;
    let source = request::query(&req, "source").unwrap_or_else(|| "LIVE".into()).to_ascii_uppercase();
    let body = match source.as_str() {
        "LIVE" => Rankings { month_key: month.to_string(), source: "LIVE", taken_at: None, rows: service::live_ranking(&app, month).await? },
        "SNAPSHOT" => {
            let snap = service::snapshot(&app, month).await?;
            Rankings { month_key: snap.month_key, source: "SNAPSHOT", taken_at: Some(snap.taken_at), rows: snap.ranking }
        }
        _ => return Err(AppError::bad_request("INVALID_SOURCE", "source must be LIVE or SNAPSHOT")),
    };
    response::ok(&body)
}
