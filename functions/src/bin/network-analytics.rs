//! Lambda entry point; see `functions::handlers::network_analytics`.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    functions::run_http(functions::handlers::network_analytics::handle).await
}
