//! `POST /api/partners/cycle/eliminate` (admin) with
//! `{"monthKey","dryRun","reason"}`: a dry run returns the candidates and
//! writes nothing; an execution runs the month's cycle once.

use serde::Deserialize;
use serde_json::json;
use shared::cycle::{domain::MonthKey, service};
use shared::http::{auth, request, response, Body, Request, Response};
use shared::{App, AppError};

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct CycleRequest {
    month_key: String,
    /// Absent means a dry run: executing must be asked for explicitly.
    dry_run: Option<bool>,
    reason: Option<String>,
    /// Executes a month before the one that just ended (audited; needs a reason).
    past_month_override: Option<bool>,
}

pub async fn handle(app: App, req: Request) -> Result<Response<Body>, AppError> {
    let admin = auth::require_admin(&app, &req).await?;
    let body: CycleRequest = request::parse_json(&req)?;
    let month = MonthKey::parse_not_future(&body.month_key, app.clock.now())?;
    if body.dry_run.unwrap_or(true) {
        let preview = service::preview(&app, month).await?;
        return response::ok(&json!({ "dryRun": true, "monthKey": month.to_string(), "preview": preview, "candidates": preview.candidates, "candidateCount": preview.candidate_count }));
    }
    let past_month_override = body.past_month_override.unwrap_or(false);
    let given = body.reason.map(|r| r.trim().to_string()).filter(|r| !r.is_empty());
    if past_month_override && given.is_none() {
        return Err(AppError::bad_request("MISSING_REASON", "pastMonthOverride needs a reason (it is audited)"));
    }
    let reason = given.unwrap_or_else(|| "manual".into());
    if reason.len() > 200 {
        return Err(AppError::bad_request("INVALID_REASON", "reason must be at most 200 characters"));
    }
    let execution = service::execute_requested(&app, month, &admin, &reason, past_month_override, request::request_id(&req)).await?;
    response::ok(&json!({ "dryRun": false, "execution": execution, "eliminatedCount": execution.eliminated.len() }))
}
