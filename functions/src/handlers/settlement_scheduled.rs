//! The settlement run (EventBridge, daily, and `GET /api/cron/settlements`):
//! every ended period with transactions and no settlement is fanned out
//! (one SQS job each) or calculated inline; then every PENDING settlement
//! whose 7-day review is over is paid and processed. A run that dies is
//! repeated by the next one: nothing it did is lost or done twice. Fails
//! loudly when any settlement failed, so the schedule's retries and the
//! failure alarm see it.

use serde_json::Value;
use shared::settlements::payout::{ConfiguredSettlementPayouts, SettlementPayouts};
use shared::settlements::service::{self, RunReport};
use shared::{App, AppError};

/// The function's entry: the configured payout provider, built once per
/// cold start from the settings the runtime loaded.
pub async fn handle(app: App, event: Value) -> Result<Value, AppError> {
    static PROVIDER: std::sync::OnceLock<ConfiguredSettlementPayouts> = std::sync::OnceLock::new();
    let provider = PROVIDER.get_or_init(|| ConfiguredSettlementPayouts::from_settings(&app.settings));
    run(app, provider, event).await
}

/// One run, paying through `provider`.
pub async fn run(app: App, provider: &impl SettlementPayouts, _event: Value) -> Result<Value, AppError> {
    let mut report = RunReport::default();
    service::run_due(&app, &mut report).await?;
    service::process_reviewed(&app, provider, &mut report).await?;
    tracing::info!(due = report.due, queued = report.queued, calculated = report.calculated, processed = report.processed, payment_failures = report.payment_failures, "settlement run");
    if !report.failures.is_empty() {
        tracing::error!(failures = ?report.failures, "settlement run had failures");
        return Err(AppError::unavailable("SETTLEMENT_RUN_INCOMPLETE", format!("{} settlement(s) failed: {}", report.failures.len(), report.failures.join("; "))));
    }
    serde_json::to_value(&report).map_err(AppError::internal)
}
