//! Lambda entry point; see `functions::handlers::settlements_dispute`.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    functions::run_http(functions::handlers::settlements_dispute::handle).await
}
