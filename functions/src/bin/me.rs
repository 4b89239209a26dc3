//! Lambda entry point; see `functions::handlers::me`.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    functions::run_http(functions::handlers::me::handle).await
}
