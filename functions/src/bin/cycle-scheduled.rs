//! Lambda entry point (EventBridge schedule); see `functions::handlers::cycle_scheduled`.

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    functions::run_event(functions::handlers::cycle_scheduled::handle).await
}
