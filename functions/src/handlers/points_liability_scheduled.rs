//! The points liability reconciliation (EventBridge, daily): each program's
//! counters against its holders' balances. Drift is reported per program
//! and as the `PointsLiabilityDrift` metric, which alarms. A run cut short
//! fails the invocation; the async retry skips the programs checked today.

use std::time::{Duration, Instant};

use serde_json::{json, Value};
use shared::loyalty::reconcile;
use shared::{App, AppError};

/// Below the function's 120 s timeout.
const BUDGET: Duration = Duration::from_secs(100);

pub async fn handle(app: App, _event: Value) -> Result<Value, AppError> {
    let run = reconcile::run(&app, Instant::now() + BUDGET).await?;
    if !run.finished {
        return Err(AppError::conflict(
            "LIABILITY_CHECK_IN_PROGRESS",
            format!("stopped after {} programs; the retry continues", run.programs_checked),
        ));
    }
    Ok(json!({
        "programsChecked": run.programs_checked,
        "drifted": run.drifted,
        "unsettled": run.unsettled,
    }))
}
