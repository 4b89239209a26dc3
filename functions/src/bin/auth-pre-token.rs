//! Lambda entry point (Cognito pre token generation, V2); see `functions::handlers::auth_pre_token`.

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    functions::run_event(functions::handlers::auth_pre_token::handle).await
}
