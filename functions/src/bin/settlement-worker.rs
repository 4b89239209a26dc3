//! Lambda entry point (SQS); see `functions::handlers::settlement_worker`.

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    functions::run_event(functions::handlers::settlement_worker::handle).await
}
