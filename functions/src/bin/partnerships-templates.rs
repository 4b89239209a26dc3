//! Lambda entry point; see `functions::handlers::partnerships_templates`.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    functions::run_http(functions::handlers::partnerships_templates::handle).await
}
