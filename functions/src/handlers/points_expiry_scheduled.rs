//! Points expiry (EventBridge, daily): in each program with an expiry,
//! balances without activity for that long expire, audited, their worth
//! reported as breakage. A run cut short fails the invocation; the async
//! retry finds only what is left (an expired balance leaves the index).

use std::time::{Duration, Instant};

use serde_json::{json, Value};
use shared::loyalty::expiry;
use shared::{App, AppError};

/// Below the function's 120 s timeout.
const BUDGET: Duration = Duration::from_secs(100);

pub async fn handle(app: App, _event: Value) -> Result<Value, AppError> {
    let run = expiry::run(&app, Instant::now() + BUDGET).await?;
    if !run.finished {
        return Err(AppError::conflict(
            "EXPIRY_IN_PROGRESS",
            format!("stopped after expiring {} balances; the retry continues", run.expired_balances),
        ));
    }
    Ok(json!(run))
}
