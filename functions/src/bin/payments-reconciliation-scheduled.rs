//! Lambda entry point (EventBridge schedule); see `functions::handlers::payments_reconciliation_scheduled`.

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    functions::run_event(functions::handlers::payments_reconciliation_scheduled::handle).await
}
