//! Lambda entry point; see `functions::handlers::partners_review`.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    functions::run_http(functions::handlers::partners_review::handle).await
}
