//! The scheduled reconciliation (EventBridge, daily): advances the run page
//! by page within the function's time, storing the report when done. A run
//! not finished in time fails the invocation, so Lambda's async retries
//! resume it where it stopped (never reported as done before it is).

use std::time::Duration;

use serde_json::{json, Value};
use shared::payments::reconcile::{self, Progress};
use shared::{App, AppError};

/// Below the function's 120 s timeout, with room to save the last page.
const BUDGET: Duration = Duration::from_secs(100);

pub async fn handle(app: App, _event: Value) -> Result<Value, AppError> {
    advance_for(app, BUDGET).await
}

/// The job with a time budget of its own (the cron route answers within
/// API Gateway's 30 s).
pub async fn advance_for(app: App, budget: Duration) -> Result<Value, AppError> {
    match reconcile::advance(&app, budget).await? {
        Progress::Completed { report: r } => Ok(json!({
            "status": "COMPLETED",
            "zeroDrift": r.zero_drift,
            "drift": r.drift.len(),
            "duplicateTxSignatures": r.duplicate_tx_signatures.len(),
            "missingCredits": r.missing_credits.len(),
            "stalePendingIntents": r.stale_pending_intents.len(),
            "negativeBalances": r.negative_balances.len(),
            "latePayments": r.late_payments.len(),
            "walletsChecked": r.wallets_checked,
        })),
        Progress::InProgress { run_id, pages, phase } => Err(AppError::conflict(
            "RECONCILIATION_IN_PROGRESS",
            format!("run {run_id} stopped after {pages} pages in {phase}; the retry resumes it"),
        )),
    }
}
