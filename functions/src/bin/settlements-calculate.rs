//! Lambda entry point; see `functions::handlers::settlements_calculate`.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    functions::run_http(functions::handlers::settlements_calculate::handle).await
}
