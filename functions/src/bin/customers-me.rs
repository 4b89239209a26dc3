//! Lambda entry point; see `functions::handlers::customers_me`.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    functions::run_http(functions::handlers::customers_me::handle).await
}
