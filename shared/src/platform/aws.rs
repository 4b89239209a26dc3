//! AWS SDK configuration, built once per cold start.
//!
//! Endpoints come from the standard SDK environment variables
//! (`AWS_ENDPOINT_URL_DYNAMODB`, `AWS_ENDPOINT_URL_SQS`,
//! `AWS_ENDPOINT_URL_EVENTBRIDGE`), which is how the local stack points the
//! same binaries at DynamoDB Local and moto with no code path of its own.

pub async fn sdk_config() -> aws_config::SdkConfig {
    aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await
}

/// The DynamoDB client, with every request's cost added to the tally of
/// the invocation it runs in (see `ddb_metrics`).
pub fn dynamodb(config: &aws_config::SdkConfig) -> aws_sdk_dynamodb::Client {
    let conf = aws_sdk_dynamodb::config::Builder::from(config)
        .interceptor(super::ddb_metrics::DynamoMetricsInterceptor)
        .build();
    aws_sdk_dynamodb::Client::from_conf(conf)
}
