//! Lambda entry point (EventBridge schedule); see `functions::handlers::outbox_drain`.

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    functions::run_event(functions::handlers::outbox_drain::handle).await
}
