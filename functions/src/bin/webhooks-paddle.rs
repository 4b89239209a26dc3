//! Lambda entry point; see `functions::handlers::webhooks_paddle`.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    functions::run_http(functions::handlers::webhooks_paddle::handle).await
}
