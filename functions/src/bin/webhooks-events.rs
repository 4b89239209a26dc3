//! Lambda entry point; see `functions::handlers::webhooks_events`.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    functions::run_http(functions::handlers::webhooks_events::handle).await
}
