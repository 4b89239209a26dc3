//! Lambda entry point; see `functions::handlers::health`.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    functions::run_http(functions::handlers::health::handle).await
}
