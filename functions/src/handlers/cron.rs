//! `GET /api/cron/{job}` with `Authorization: Bearer $CRON_SECRET`: runs a
//! scheduled job by hand, through the same code the EventBridge schedules
//! invoke. The secret is compared in constant time; there is no bypass,
//! not even locally.

use serde_json::json;
use shared::http::{auth, response, Body, Request, Response};
use shared::{App, AppError};

pub async fn handle(app: App, req: Request) -> Result<Response<Body>, AppError> {
    auth::require_cron(&app, &req).await?;
    let job = req.uri().path().trim_start_matches("/api/cron/").to_string();
    let now = app.clock.now();
    let result = match job.as_str() {
        "monthly-elimination" => {
            let event = super::cycle_scheduled::ScheduledEvent { time: Some(shared::platform::clock::rfc3339(now)) };
            super::cycle_scheduled::handle(app, event).await?
        }
        "refund-sla-audit" => super::refund_sla_audit::handle(app, json!({})).await?,
        "reconciliation" => super::payments_reconciliation_scheduled::advance_for(app, std::time::Duration::from_secs(20)).await?,
        "dunning" => super::dunning_scheduled::handle(app, json!({})).await?,
        "sweep" => super::sweep_scheduled::handle(app, json!({})).await?,
        "outbox" => super::outbox_drain::handle(app, json!({})).await?,
        "settlements" => {
            let provider = shared::settlements::payout::ConfiguredSettlementPayouts::from_settings(&app.settings);
            super::settlement_scheduled::run(app, &provider, json!({})).await?
        }
        _ => return Err(AppError::not_found("UNKNOWN_CRON_JOB", format!("no cron job {job:?}"))),
    };
    response::ok(&json!({ "job": job, "result": result }))
}
