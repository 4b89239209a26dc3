//! Lambda entry point; see `functions::handlers::payments_intents_create`.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    functions::run_http(functions::handlers::payments_intents_create::handle).await
}
