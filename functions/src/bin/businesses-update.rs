//! Lambda entry point; see `functions::handlers::businesses_update`.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    functions::run_http(functions::handlers::businesses_update::handle).await
}
