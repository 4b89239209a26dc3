//! Lambda entry point (EventBridge schedule); see `functions::handlers::dunning_scheduled`.

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    functions::run_event(functions::handlers::dunning_scheduled::handle).await
}
