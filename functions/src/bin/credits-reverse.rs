//! Lambda entry point; see `functions::handlers::credits_reverse`.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    functions::run_http(functions::handlers::credits_reverse::handle).await
}
