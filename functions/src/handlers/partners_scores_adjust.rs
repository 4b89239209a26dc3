//! `POST /api/partners/scores` (admin): adds (or with a negative number,
//! removes) performance points for an active seat's month, with a
//! required reason; audited. `entryId` makes a retry count once.

use shared::platform::ids::SeatId;
use serde::Deserialize;
use serde_json::json;
use shared::cycle::{domain::points_adjustment, domain::MonthKey, service};
use shared::http::{auth, request, response, Body, Request, Response};
use shared::{App, AppError};

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Adjustment {
    seat_id: String,
    points: i64,
    reason: String,
    month_key: Option<String>,
    entry_id: Option<String>,
}

pub async fn handle(app: App, req: Request) -> Result<Response<Body>, AppError> {
    let admin = auth::require_admin(&app, &req).await?;
    let a: Adjustment = request::parse_json(&req)?;
    let month = MonthKey::given_or_current(a.month_key.as_deref(), app.clock.now())?;
    let points = points_adjustment(a.points)?;
    let reason = a.reason.trim();
    if reason.is_empty() || reason.len() > 500 {
        return Err(AppError::bad_request("MISSING_REASON", "reason is required (at most 500 characters)"));
    }
    if a.seat_id.is_empty() || a.seat_id.len() > 64 || a.entry_id.as_ref().is_some_and(|e| e.is_empty() || e.len() > 64) {
        return Err(AppError::bad_request("INVALID_FIELD", "seatId and entryId must be 1 to 64 characters"));
    }
    let recorded =
        service::add_points(&app, &admin, &SeatId::known(a.seat_id.as_str()), month, points, "admin_adjustment", reason, a.entry_id, request::request_id(&req)).await?;
    response::json(if recorded { 201 } else { 200 }, &json!({ "recorded": recorded, "duplicate": !recorded, "monthKey": month.to_string() }))
}
