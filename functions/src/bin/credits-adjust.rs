//! Lambda entry point; see `functions::handlers::credits_adjust`.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    functions::run_http(functions::handlers::credits_adjust::handle).await
}
