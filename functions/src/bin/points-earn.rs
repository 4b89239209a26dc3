//! Lambda entry point; see `functions::handlers::points_earn`.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    functions::run_http(functions::handlers::points_earn::handle).await
}
