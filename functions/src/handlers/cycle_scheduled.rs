//! The EventBridge schedule's monthly elimination: executes the month that
//! just ended, through the same service (and the same once-only guarantee)
//! as the HTTP endpoint. A COMPLETED month is a success, so the schedule's
//! retries are harmless; a run still IN_PROGRESS (held by another
//! invocation, or interrupted) is a failure, so the invocation fails and
//! EventBridge retries it until the run is finished.

use serde::Deserialize;
use serde_json::{json, Value};
use shared::cycle::{domain::MonthKey, domain::RunStatus, service};
use shared::{App, AppError};
use time::OffsetDateTime;

#[derive(Deserialize)]
pub struct ScheduledEvent {
    /// When EventBridge fired; the month before it is the one to close.
    pub time: Option<String>,
}

pub async fn handle(app: App, event: ScheduledEvent) -> Result<Value, AppError> {
    let fired = event
        .time
        .as_deref()
        .and_then(|t| OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).ok())
        .unwrap_or_else(|| app.clock.now());
    let month = MonthKey::of(fired).previous();
    match service::execute(&app, month, "scheduler", "monthly-bottom-10", None).await {
        Ok(execution) => {
            tracing::info!(month = %month, eliminated = execution.eliminated.len(), "monthly cycle executed");
            Ok(json!({ "monthKey": month.to_string(), "status": "EXECUTED", "eliminated": execution.eliminated.len() }))
        }
        Err(e) if e.code == "CYCLE_ALREADY_EXECUTED" => match service::run_status(&app, month).await? {
            Some(RunStatus::Completed) => {
                tracing::info!(month = %month, "monthly cycle already executed; nothing to do");
                Ok(json!({ "monthKey": month.to_string(), "status": "ALREADY_EXECUTED" }))
            }
            _ => {
                tracing::error!(month = %month, error = %e, "monthly cycle not finished; failing so the schedule retries");
                Err(AppError::conflict("CYCLE_IN_PROGRESS", format!("the {month} cycle is not finished yet: {}", e.message)))
            }
        },
        Err(e) => Err(e),
    }
}
