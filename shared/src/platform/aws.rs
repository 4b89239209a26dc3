//! AWS SDK configuration, built once per cold start.
//!
//! Endpoints come from the standard SDK environment variables
//! (`AWS_ENDPOINT_URL_DYNAMODB`, `AWS_ENDPOINT_URL_SQS`,
//! `AWS_ENDPOINT_URL_EVENTBRIDGE`), which is how the local stack points the
//! same binaries at DynamoDB Local and moto with no code path of its own.

///
/// In Lambda the execution role's credentials and the region are always in
/// the environment. Saying so skips building the default credential and
/// region chains (profile files, SSO, web identity, ECS, IMDS and their
/// clients), which `make bench` measured at about half of a cold start's
/// SDK set-up. Elsewhere (tests, tools) the default chains apply.
pub async fn sdk_config() -> aws_config::SdkConfig {
    let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest());
    let in_lambda = std::env::var_os("AWS_LAMBDA_FUNCTION_NAME").is_some();
    if in_lambda && std::env::var_os("AWS_ACCESS_KEY_ID").is_some() {
        loader = loader.credentials_provider(aws_config::environment::EnvironmentVariableCredentialsProvider::new());
    }
    if let (true, Ok(region)) = (in_lambda, std::env::var("AWS_REGION")) {
        loader = loader.region(aws_config::Region::new(region));
    }
    loader.load().await
}

/// The DynamoDB client, with every request's cost added to the tally of
/// the invocation it runs in (see `ddb_metrics`).
pub fn dynamodb(config: &aws_config::SdkConfig) -> aws_sdk_dynamodb::Client {
    let conf = aws_sdk_dynamodb::config::Builder::from(config)
        .interceptor(super::ddb_metrics::DynamoMetricsInterceptor)
        .build();
    aws_sdk_dynamodb::Client::from_conf(conf)
}
