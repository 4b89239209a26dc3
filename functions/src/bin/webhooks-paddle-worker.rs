//! Lambda entry point (SQS); see `functions::handlers::webhooks_paddle_worker`.

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    functions::run_event(functions::handlers::webhooks_paddle_worker::handle).await
}
