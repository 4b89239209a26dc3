//! Lambda entry point; see `functions::handlers::partners_config_get`.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    functions::run_http(functions::handlers::partners_config_get::handle).await
}
