//! Lambda entry point; see `functions::handlers::payments_intents_verify`.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    functions::run_http(functions::handlers::payments_intents_verify::handle).await
}
