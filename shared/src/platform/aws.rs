//! AWS SDK configuration, built once per cold start.
//!
//! Endpoints come from the standard SDK environment variables
//! (`AWS_ENDPOINT_URL_DYNAMODB`, `AWS_ENDPOINT_URL_SQS`,
//! `AWS_ENDPOINT_URL_EVENTBRIDGE`), which is how the local stack points the
//! same binaries at DynamoDB Local and moto with no code path of its own.

///
/// Cold start (measured by `make bench`, see docs/benchmarks.md): in Lambda
/// the execution role's credentials and the region are always in the
/// environment, so the default credential and region chains (profile
/// files, SSO, web identity, ECS, IMDS) are not built; and the HTTPS client
/// trusts the roots AWS endpoints chain to instead of parsing the system's
/// ~140 root certificates, which was the largest part of start-up.
/// Elsewhere (tests, tools) the SDK defaults apply.
pub async fn sdk_config() -> aws_config::SdkConfig {
    let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest());
    if std::env::var_os("AWS_LAMBDA_FUNCTION_NAME").is_some() {
        loader = loader.http_client(aws_https_client());
        if std::env::var_os("AWS_ACCESS_KEY_ID").is_some() {
            loader =
                loader.credentials_provider(aws_config::environment::EnvironmentVariableCredentialsProvider::new());
        }
        if let Ok(region) = std::env::var("AWS_REGION") {
            loader = loader.region(aws_config::Region::new(region));
        }
    }
    loader.load().await
}

/// Amazon Root CA 1-4 and the Starfield Services root that cross-signs
/// them: every AWS service endpoint's certificate chains to one of these.
const AWS_ROOTS: &str = include_str!("aws_roots.pem");

/// The SDK's own hyper + rustls (aws-lc) client, trusting `AWS_ROOTS` only.
pub fn aws_https_client() -> aws_smithy_runtime_api::client::http::SharedHttpClient {
    use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode, TlsContext, TrustStore};
    let trust = TrustStore::empty().with_native_roots(false).with_pem_certificate(AWS_ROOTS.as_bytes());
    let context = TlsContext::builder().with_trust_store(trust).build().expect("the bundled AWS roots are valid PEM");
    aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(CryptoMode::AwsLc))
        .tls_context(context)
        .build_https()
}

/// The DynamoDB client, with every request's cost added to the tally of
/// the invocation it runs in (see `ddb_metrics`) and its IAM actions
/// recorded when asked (see `operations`).
pub fn dynamodb(config: &aws_config::SdkConfig) -> aws_sdk_dynamodb::Client {
    let conf = aws_sdk_dynamodb::config::Builder::from(config)
        .interceptor(super::ddb_metrics::DynamoMetricsInterceptor)
        .interceptor(super::operations::OperationsRecorder)
        .build();
    aws_sdk_dynamodb::Client::from_conf(conf)
}

/// The SQS client (operations recorded when asked).
pub fn sqs(config: &aws_config::SdkConfig) -> aws_sdk_sqs::Client {
    aws_sdk_sqs::Client::from_conf(
        aws_sdk_sqs::config::Builder::from(config).interceptor(super::operations::OperationsRecorder).build(),
    )
}

/// The EventBridge client (operations recorded when asked).
pub fn eventbridge(config: &aws_config::SdkConfig) -> aws_sdk_eventbridge::Client {
    aws_sdk_eventbridge::Client::from_conf(
        aws_sdk_eventbridge::config::Builder::from(config).interceptor(super::operations::OperationsRecorder).build(),
    )
}

/// The Secrets Manager client (operations recorded when asked).
pub fn secretsmanager(config: &aws_config::SdkConfig) -> aws_sdk_secretsmanager::Client {
    aws_sdk_secretsmanager::Client::from_conf(
        aws_sdk_secretsmanager::config::Builder::from(config)
            .interceptor(super::operations::OperationsRecorder)
            .build(),
    )
}

/// Amazon Location's Places API (geocoding; operations recorded when asked).
pub fn geo_places(config: &aws_config::SdkConfig) -> aws_sdk_geoplaces::Client {
    aws_sdk_geoplaces::Client::from_conf(
        aws_sdk_geoplaces::config::Builder::from(config).interceptor(super::operations::OperationsRecorder).build(),
    )
}

/// Amazon SES v2 (notification email; operations recorded when asked).
pub fn sesv2(config: &aws_config::SdkConfig) -> aws_sdk_sesv2::Client {
    aws_sdk_sesv2::Client::from_conf(
        aws_sdk_sesv2::config::Builder::from(config).interceptor(super::operations::OperationsRecorder).build(),
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_bundled_aws_roots_build_a_client() {
        assert_eq!(super::AWS_ROOTS.matches("-----BEGIN CERTIFICATE-----").count(), 5);
        // Panics if a certificate does not parse.
        let _ = super::aws_https_client();
    }
}
