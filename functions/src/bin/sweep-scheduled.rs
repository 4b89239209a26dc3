//! Lambda entry point (EventBridge schedule); see `functions::handlers::sweep_scheduled`.

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    functions::run_event(functions::handlers::sweep_scheduled::handle).await
}
