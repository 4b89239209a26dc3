//! Lambda entry point (EventBridge schedule); see `functions::handlers::refund_sla_audit`.

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    functions::run_event(functions::handlers::refund_sla_audit::handle).await
}
