//! Lambda entry point; see `functions::handlers::rewards_create`.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    functions::run_http(functions::handlers::rewards_create::handle).await
}
