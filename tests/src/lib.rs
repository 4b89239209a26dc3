//! Test harness for the integration tests: a fresh table per test on
//! DynamoDB Local (reached through `AWS_ENDPOINT_URL_DYNAMODB`, as the
//! functions reach it), signed admin requests, and API Gateway v2 events.
//!
//! `make test` starts DynamoDB Local and moto and sets the endpoints; run
//! outside it, these tests fail fast with a message saying so.

use std::collections::HashMap;
use std::sync::Arc;

use ed25519_dalek::{Signer, SigningKey};
use lambda_http::{Body, Request, Response};
use serde_json::{json, Value};
use shared::http::auth::signing_message;
use shared::platform::clock::FixedClock;
use shared::platform::config::Settings;
use shared::platform::{aws, table};
use shared::App;

/// A fixed instant for tests that sign requests or check timestamps.
pub const T0: time::OffsetDateTime = time::macros::datetime!(2026-03-10 12:00 UTC);

/// The Paddle destination secret and cron token the test apps use (the
/// same ones the local stack and the sample events use).
pub const PADDLE_SECRET: &str = "pdl_ntfset_local_secret";
pub const CRON_SECRET: &str = "local-cron-secret";

pub fn admin_key() -> SigningKey {
    SigningKey::from_bytes(&[42u8; 32])
}

pub fn wallet_of(key: &SigningKey) -> String {
    bs58::encode(key.verifying_key().to_bytes()).into_string()
}

pub fn admin_wallet() -> String {
    wallet_of(&admin_key())
}

/// A distinct, valid wallet address for index `i`.
pub fn wallet(i: u32) -> String {
    let mut seed = [7u8; 32];
    seed[..4].copy_from_slice(&i.to_be_bytes());
    wallet_of(&SigningKey::from_bytes(&seed))
}

pub struct TestEnv {
    pub app: App,
    pub clock: FixedClock,
}

pub struct TestQueues {
    pub main: String,
    pub dead_letter: String,
}

/// A queue with a dead-letter queue after 3 receives, on moto.
pub async fn create_test_queue(sdk: &aws_config::SdkConfig, name: &str) -> TestQueues {
    create_test_queue_with(sdk, name, 3).await
}

/// A queue with a dead-letter queue after `max_receives` receives, on moto.
pub async fn create_test_queue_with(sdk: &aws_config::SdkConfig, name: &str, max_receives: u32) -> TestQueues {
    use aws_sdk_sqs::types::QueueAttributeName as A;
    let sqs = aws_sdk_sqs::Client::new(sdk);
    let dlq =
        sqs.create_queue().queue_name(format!("{name}-dlq")).send().await.expect("moto reachable").queue_url.unwrap();
    let arn = sqs
        .get_queue_attributes()
        .queue_url(&dlq)
        .attribute_names(A::QueueArn)
        .send()
        .await
        .unwrap()
        .attributes
        .unwrap()[&A::QueueArn]
        .clone();
    let main = sqs
        .create_queue()
        .queue_name(name)
        .attributes(
            A::RedrivePolicy,
            serde_json::json!({"deadLetterTargetArn": arn, "maxReceiveCount": max_receives}).to_string(),
        )
        .send()
        .await
        .unwrap()
        .queue_url
        .unwrap();
    TestQueues { main, dead_letter: dlq }
}

/// A fresh table and an `App` over it. `overrides` set extra settings.
pub async fn env_with(overrides: &[(&str, &str)]) -> TestEnv {
    // Internal errors answer a bare 500 and log the cause: show the log in
    // a failing test's output (errors only; passing tests show nothing).
    let _ = tracing_subscriber::fmt()
        .with_test_writer()
        .with_max_level(tracing_subscriber::filter::LevelFilter::ERROR)
        .try_init();
    assert!(
        std::env::var("AWS_ENDPOINT_URL_DYNAMODB").is_ok(),
        "AWS_ENDPOINT_URL_DYNAMODB is not set: run the tests with `make test`, which starts DynamoDB Local"
    );
    let table_name = format!("test-{}", ulid::Ulid::new().to_string().to_lowercase());
    let sdk = aws::sdk_config().await;
    let queues = create_test_queue(&sdk, &table_name).await;
    let bus = format!("{table_name}-bus");
    aws_sdk_eventbridge::Client::new(&sdk).create_event_bus().name(&bus).send().await.expect("create test bus on moto");
    let webhook_queues = create_test_queue(&sdk, &format!("{table_name}-webhooks")).await;
    let mut vars: HashMap<String, String> = HashMap::from([
        ("PADDLE_WEBHOOK_QUEUE_URL".into(), webhook_queues.main.clone()),
        ("PADDLE_WEBHOOK_SECRET_KEY".into(), PADDLE_SECRET.into()),
        ("CRON_SECRET".into(), CRON_SECRET.into()),
        // Tests that verify payments start their own RPC node and override this.
        ("SOLANA_RPC_URL".into(), "http://127.0.0.1:1".into()),
        ("TOKEN_MINT".into(), "4zMMC9srt5Ri5X14GAgXhaHii3GnPAEERYPJgZJDncDU".into()),
        ("TREASURY_WALLET".into(), "9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM".into()),
        ("REFUND_PAYOUT_QUEUE_URL".into(), queues.main.clone()),
        ("EVENT_BUS_NAME".into(), bus),
        ("TABLE_NAME".into(), table_name.clone()),
        ("STAGE".into(), "local".into()),
        ("ADMIN_WALLETS".into(), admin_wallet()),
    ]);
    for (k, v) in overrides {
        vars.insert(k.to_string(), v.to_string());
    }
    let settings = Settings::from_lookup(|k| vars.get(k).cloned()).expect("test settings are valid");
    let db = aws::dynamodb(&sdk);
    table::ensure_table(&db, &table_name).await.expect("create test table on DynamoDB Local");
    let clock = FixedClock::at(T0);
    TestEnv { app: App::new(settings, &sdk, Arc::new(clock.clone())), clock }
}

pub async fn env() -> TestEnv {
    env_with(&[]).await
}

/// A test's token issuer: a fresh ES256 key whose JWKS is served on
/// loopback, and an app whose settings trust it.
pub struct Issuer {
    pub key: tokens::SigningKey,
    pub url: String,
    /// What the JWKS endpoint serves; `rotate_to` changes it.
    jwks: Arc<std::sync::Mutex<String>>,
}

impl Issuer {
    pub async fn start() -> Issuer {
        let key = tokens::SigningKey::generate("test-key-1");
        let jwks = Arc::new(std::sync::Mutex::new(key.jwks().to_string()));
        let served = jwks.clone();
        let url =
            stub_http::start(Arc::new(move |_head: &str, _body: &[u8]| (200, served.lock().unwrap().clone()))).await;
        Issuer { key, url, jwks }
    }

    /// Publishes `next` beside the current key, as an issuer rotating does.
    pub fn rotate_to(&self, next: &tokens::SigningKey) {
        *self.jwks.lock().unwrap() = json!({ "keys": [self.key.jwk(), next.jwk()] }).to_string();
    }

    /// The JWT settings of an app that trusts this issuer.
    pub fn settings(&self) -> Vec<(&'static str, String)> {
        vec![
            ("JWT_ISSUER", self.url.clone()),
            ("JWT_AUDIENCE", tokens::LOCAL_AUDIENCE.into()),
            ("JWT_JWKS_URL", format!("{}/jwks.json", self.url)),
        ]
    }

    /// A customer's bearer header value, valid at `now`.
    pub fn customer_bearer(&self, customer_id: &str, now: i64) -> String {
        format!("Bearer {}", self.key.sign(&tokens::customer_claims(&self.url, customer_id, now)))
    }

    /// A business user's bearer header value, valid at `now`.
    pub fn bearer(&self, business_id: &str, role: &str, now: i64) -> String {
        format!("Bearer {}", self.key.sign(&tokens::business_claims(&self.url, business_id, role, now)))
    }

    /// A signed-in user without a business (what the trigger makes of a
    /// user with no membership: `role: customer`, no `businessId`).
    pub fn user_bearer(&self, sub: &str, now: i64) -> String {
        format!("Bearer {}", self.key.sign(&tokens::customer_claims(&self.url, sub, now)))
    }

    /// A token as the Cognito user pool mints it for `sub`: the ID token's
    /// standard claims plus every attribute the user has, custom ones
    /// included (`attributes`, which a user may have written itself),
    /// then the overrides the pre token generation trigger answers with,
    /// from the table.
    pub async fn pool_bearer(&self, app: &App, sub: &str, attributes: &[(&str, &str)], now: i64) -> String {
        let claims = tokens::pool_claims(app, &self.url, sub, attributes, now).await;
        format!("Bearer {}", self.key.sign(&claims))
    }
}

/// `POST /api/v1/businesses` by the user whose later business tokens are
/// `issuer.bearer(biz, "owner")` (`user-<biz>-owner`), signed in without
/// a business yet; `body` names `biz` as its `businessId`.
pub async fn register_as(app: &App, issuer: &Issuer, biz: &str, body: &Value) -> Reply {
    let sub = format!("user-{biz}-owner");
    let headers = [
        ("authorization", issuer.user_bearer(&sub, app.clock.now().unix_timestamp())),
        ("content-type", "application/json".to_string()),
    ];
    serve_routed(app.clone(), unsigned("POST", "/api/v1/businesses", &headers, Some(&body.to_string()))).await
}

/// An env whose app trusts `issuer`'s tokens.
pub async fn env_trusting(issuer: &Issuer) -> TestEnv {
    let settings = issuer.settings();
    let pairs: Vec<(&str, &str)> = settings.iter().map(|(k, v)| (*k, v.as_str())).collect();
    env_with(&pairs).await
}

/// An API Gateway HTTP API (v2) event, as API Gateway and
/// `cargo lambda watch` send it, parsed the way a function parses it.
pub fn api_event_json(method: &str, path_and_query: &str, headers: &[(&str, String)], body: Option<&str>) -> Value {
    let (path, query) = path_and_query.split_once('?').unwrap_or((path_and_query, ""));
    let mut query_params = serde_json::Map::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        query_params.insert(k.to_string(), Value::String(v.to_string()));
    }
    let header_map: serde_json::Map<String, Value> =
        headers.iter().map(|(k, v)| (k.to_string(), Value::String(v.clone()))).collect();
    json!({
        "version": "2.0",
        "routeKey": format!("{method} {path}"),
        "rawPath": path,
        "rawQueryString": query,
        "headers": header_map,
        "queryStringParameters": query_params,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "local",
            "domainName": "localhost",
            "domainPrefix": "localhost",
            "http": { "method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1", "userAgent": "test" },
            "requestId": "test-request",
            "routeKey": format!("{method} {path}"),
            "stage": "$default",
            "time": "10/Mar/2026:12:00:00 +0000",
            "timeEpoch": 1773144000000u64
        },
        "body": body,
        "isBase64Encoded": false
    })
}

pub fn request_from_event(event: &Value) -> Request {
    lambda_http::request::from_str(&event.to_string()).expect("a valid API Gateway v2 event")
}

pub fn unsigned(method: &str, path: &str, headers: &[(&str, String)], body: Option<&str>) -> Request {
    request_from_event(&api_event_json(method, path, headers, body))
}

/// A request signed by `key` at `timestamp` (unix seconds), with
/// `wallet_header` naming the signer.
pub fn signed_by(
    key: &SigningKey,
    wallet_header: &str,
    method: &str,
    path: &str,
    body: Option<&str>,
    timestamp: i64,
) -> Request {
    unsigned(method, path, &signed_headers(key, wallet_header, method, path, body, timestamp), body)
}

/// The headers of a request signed by `key` at `timestamp`.
pub fn signed_headers<'a>(
    key: &SigningKey,
    wallet_header: &'a str,
    method: &str,
    path: &str,
    body: Option<&str>,
    timestamp: i64,
) -> Vec<(&'a str, String)> {
    let message = signing_message(method, path, timestamp, body.unwrap_or("").as_bytes());
    let signature = bs58::encode(key.sign(message.as_bytes()).to_bytes()).into_string();
    let mut headers = vec![
        (wallet_header, wallet_of(key)),
        ("x-wallet-timestamp", timestamp.to_string()),
        ("x-wallet-signature", signature),
    ];
    if body.is_some() {
        headers.push(("content-type", "application/json".into()));
    }
    headers
}

impl TestEnv {
    /// The test clock's now, in unix seconds.
    pub fn now(&self) -> i64 {
        use shared::platform::clock::Clock;
        self.clock.now().unix_timestamp()
    }

    pub fn now_instant(&self) -> time::OffsetDateTime {
        use shared::platform::clock::Clock;
        self.clock.now()
    }

    /// An admin request signed now (by the test clock).
    pub fn admin(&self, method: &str, path: &str, body: Option<&str>) -> Request {
        signed_by(&admin_key(), "x-admin-wallet", method, path, body, self.now())
    }

    /// The same app (table, queues, bus, clock) with its DynamoDB, SQS and
    /// EventBridge requests going through fault proxies that fail
    /// `per_mille` of them (see `faults`). The SDK keeps its standard retry
    /// mode, with short backoffs so a test does not sleep for long, in retry
    /// partitions of its own: the SDK keeps one retry quota per partition
    /// name for the whole process, and the faults would otherwise drain the
    /// quota every other test's clients draw on, turning their rare
    /// transient errors (a pooled connection closed by the server) into
    /// failures.
    pub async fn faulty_app(&self, per_mille: u64, seed: u64) -> (App, [faults::FaultProxy; 2]) {
        use faults::{FaultProxy, Flavor};
        let ddb = std::env::var("AWS_ENDPOINT_URL_DYNAMODB").expect("run under make test");
        let moto = std::env::var("AWS_ENDPOINT_URL_SQS").expect("run under make test");
        let db_proxy = FaultProxy::start(&ddb, Flavor::DynamoDb, per_mille, seed).await;
        let moto_proxy = FaultProxy::start(&moto, Flavor::Sqs, per_mille, seed.wrapping_mul(31).wrapping_add(7)).await;
        let sdk = aws::sdk_config().await;
        let retry = aws_config::retry::RetryConfig::standard()
            .with_max_attempts(3)
            .with_initial_backoff(std::time::Duration::from_millis(5))
            .with_max_backoff(std::time::Duration::from_millis(50));
        let partition = |service: &str| {
            aws_sdk_dynamodb::config::retry::RetryPartition::new(format!(
                "faulty-{service}-{seed}-{}",
                self.app.table()
            ))
        };
        let mut app = self.app.clone();
        app.db = aws_sdk_dynamodb::Client::from_conf(
            aws_sdk_dynamodb::config::Builder::from(&sdk)
                .endpoint_url(&db_proxy.url)
                .retry_config(retry.clone())
                .retry_partition(partition("dynamodb"))
                .build(),
        );
        app.sqs = aws_sdk_sqs::Client::from_conf(
            aws_sdk_sqs::config::Builder::from(&sdk)
                .endpoint_url(&moto_proxy.url)
                .retry_config(retry.clone())
                .retry_partition(partition("sqs"))
                .build(),
        );
        app.events = aws_sdk_eventbridge::Client::from_conf(
            aws_sdk_eventbridge::config::Builder::from(&sdk)
                .endpoint_url(&moto_proxy.url)
                .retry_config(retry)
                .retry_partition(partition("eventbridge"))
                .build(),
        );
        (app, [db_proxy, moto_proxy])
    }

    /// Routes the bus's events of `detail_types` to a fresh queue (as a
    /// subscriber's rule would); returns the queue's URL.
    pub async fn bus_sink(&self, name: &str, detail_types: &[&str]) -> String {
        use aws_sdk_sqs::types::QueueAttributeName as A;
        let sdk = shared::platform::aws::sdk_config().await;
        let sink = create_test_queue(&sdk, &format!("{}-{name}", self.app.table())).await;
        let attrs = self
            .app
            .sqs
            .get_queue_attributes()
            .queue_url(&sink.main)
            .attribute_names(A::QueueArn)
            .send()
            .await
            .unwrap();
        let arn = attrs.attributes.unwrap()[&A::QueueArn].clone();
        let bus = self.app.settings.event_bus_name.clone().unwrap();
        let pattern = json!({ "detail-type": detail_types }).to_string();
        self.app.events.put_rule().name(name).event_bus_name(&bus).event_pattern(pattern).send().await.unwrap();
        let target = aws_sdk_eventbridge::types::Target::builder().id("q").arn(arn).build().unwrap();
        self.app.events.put_targets().rule(name).event_bus_name(&bus).targets(target).send().await.unwrap();
        sink.main
    }

    /// Receives and deletes every message waiting on `queue`: `(message
    /// id, body)` pairs.
    pub async fn drain_messages(&self, queue: &str) -> Vec<(String, String)> {
        let mut drained = Vec::new();
        loop {
            let out = self.app.sqs.receive_message().queue_url(queue).max_number_of_messages(10).send().await.unwrap();
            let messages = out.messages.unwrap_or_default();
            if messages.is_empty() {
                return drained;
            }
            for m in messages {
                drained.push((m.message_id.unwrap_or_default(), m.body.unwrap_or_default()));
                let handle = m.receipt_handle.unwrap();
                self.app.sqs.delete_message().queue_url(queue).receipt_handle(handle).send().await.unwrap();
            }
        }
    }

    /// Receives and deletes every event waiting in a `bus_sink` queue, as
    /// `(detail-type, detail)` pairs, each checked against the AsyncAPI
    /// contract.
    pub async fn drain_events(&self, queue: &str) -> Vec<(String, Value)> {
        let mut events = Vec::new();
        for (_, body) in self.drain_messages(queue).await {
            let event: Value = serde_json::from_str(&body).unwrap();
            crate::contract::check(&event);
            events.push((event["detail-type"].as_str().unwrap_or("").to_string(), event["detail"].clone()));
        }
        events
    }

    /// Receives and deletes every message waiting on `queue`, as the SQS
    /// event a queue worker is invoked with. `check`: each body is a bus
    /// event, checked against the AsyncAPI contract.
    pub async fn drain_sqs_event(&self, queue: &str, check: bool) -> aws_lambda_events::sqs::SqsEvent {
        let mut records = Vec::new();
        for (id, body) in self.drain_messages(queue).await {
            if check {
                crate::contract::check(&serde_json::from_str(&body).unwrap());
            }
            records.push(json!({ "messageId": id, "body": body }));
        }
        serde_json::from_value(json!({ "Records": records })).unwrap()
    }
}

pub struct Reply {
    pub status: u16,
    pub json: Value,
}

impl Reply {
    pub fn code(&self) -> &str {
        self.json["error"]["code"].as_str().unwrap_or("")
    }
}

pub fn reply(resp: Response<Body>) -> Reply {
    let status = resp.status().as_u16();
    let json = match resp.body() {
        Body::Text(t) => serde_json::from_str(t).expect("JSON body"),
        Body::Binary(b) => serde_json::from_slice(b).expect("JSON body"),
        Body::Empty => Value::Null,
        _ => Value::Null,
    };
    Reply { status, json }
}

/// Every item of the test table with the given partition key prefix,
/// read with a Scan: fine in a test, never on a request path.
pub async fn items_with_pk_prefix(
    app: &App,
    prefix: &str,
) -> Vec<HashMap<String, aws_sdk_dynamodb::types::AttributeValue>> {
    let mut out = Vec::new();
    let mut start = None;
    loop {
        let page = app
            .db
            .scan()
            .table_name(app.table())
            .filter_expression("begins_with(PK, :p)")
            .expression_attribute_values(":p", aws_sdk_dynamodb::types::AttributeValue::S(prefix.into()))
            .consistent_read(true)
            .set_exclusive_start_key(start)
            .send()
            .await
            .expect("scan test table");
        out.extend(page.items().iter().cloned());
        start = page.last_evaluated_key().cloned();
        if start.is_none() {
            return out;
        }
    }
}

pub async fn count_with_pk_prefix(app: &App, prefix: &str) -> usize {
    items_with_pk_prefix(app, prefix).await.len()
}

/// Runs the HTTP function called `name` on `req`, as its binary would.
/// `None` if no such HTTP function exists; keep in step with `functions`.
pub async fn dispatch_by_name(name: &str, app: App, req: Request) -> Option<Response<Body>> {
    // As that function: the AWS operations it performs are recorded under
    // its name for the operation-vs-policy check (`iam`).
    shared::platform::operations::in_function(name, dispatch_named(name, app, req)).await
}

async fn dispatch_named(name: &str, app: App, req: Request) -> Option<Response<Body>> {
    functions::handlers::dispatch_http(&name.replace('-', "_"), app, req).await
}

/// The repository root (the workspace), for tests that read its files.
pub mod bench;
pub mod cli;
pub mod contract;
pub mod faults;
pub mod history;
pub mod iam;
pub mod layering;
pub mod mail;
pub mod network;
pub mod routes;
pub mod tokens;

/// The function the router table (`[workspace.metadata.lambda.watch.router]`
/// in the root `Cargo.toml`, what `make dev` serves) sends `method path` to;
/// a literal segment wins over a `{param}` one, as in API Gateway.
pub fn routed_function(method: &str, path: &str) -> Option<String> {
    let path = path.split('?').next().unwrap_or("");
    let segments: Vec<&str> = path.split('/').collect();
    router_table()
        .iter()
        .filter(|(m, route, _)| {
            m == method && {
                let r: Vec<&str> = route.split('/').collect();
                r.len() == segments.len()
                    && r.iter().zip(&segments).all(|(r, p)| r == p || (r.starts_with('{') && !p.is_empty()))
            }
        })
        // Fewest parameters first: the most specific route.
        .min_by_key(|(_, route, _)| route.matches('{').count())
        .map(|(_, _, f)| f.clone())
}

/// The router table: (method, route, function).
pub fn router_table() -> &'static [(String, String, String)] {
    static ROUTES: std::sync::OnceLock<Vec<(String, String, String)>> = std::sync::OnceLock::new();
    ROUTES.get_or_init(|| {
        let cargo: toml::Value =
            toml::from_str(&std::fs::read_to_string(repo_root().join("Cargo.toml")).expect("root Cargo.toml"))
                .expect("valid TOML");
        let router = cargo["workspace"]["metadata"]["lambda"]["watch"]["router"].as_table().expect("router table");
        let mut out = Vec::new();
        for (route, entries) in router {
            for e in entries.as_array().expect("a list of methods") {
                out.push((
                    e["method"].as_str().unwrap().to_uppercase(),
                    route.clone(),
                    e["function"].as_str().unwrap().to_string(),
                ));
            }
        }
        out
    })
}

/// Serves `req` as `make dev` would: the routed function's handler.
pub async fn serve_routed(app: App, req: Request) -> Reply {
    let (method, path) = (req.method().as_str().to_string(), req.uri().path().to_string());
    let function = routed_function(&method, &path).unwrap_or_else(|| panic!("no route for {method} {path}"));
    reply(dispatch_by_name(&function, app, req).await.unwrap_or_else(|| panic!("{function} is not an HTTP function")))
}

pub fn repo_root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ has a parent").to_path_buf()
}

/// The SAM template, parsed.
pub fn template() -> serde_yaml::Value {
    let text = std::fs::read_to_string(repo_root().join("infra/template.yaml")).expect("read infra/template.yaml");
    serde_yaml::from_str(&text).expect("template.yaml parses")
}

/// A minimal HTTP/1.1 server on loopback for outside services we cannot
/// reach here; `handler` maps (request head, body) to (status, JSON body).
pub mod stub_http {
    use std::sync::Arc;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    pub type Handler = Arc<dyn Fn(&str, &[u8]) -> (u16, String) + Send + Sync>;
    /// A handler that also names headers of its answer.
    pub type HandlerWithHeaders = Arc<dyn Fn(&str, &[u8]) -> (u16, Vec<(String, String)>, String) + Send + Sync>;

    pub async fn start(handler: Handler) -> String {
        start_with_headers(Arc::new(move |head: &str, body: &[u8]| {
            let (status, json) = handler(head, body);
            (status, Vec::new(), json)
        }))
        .await
    }

    pub async fn start_with_headers(handler: HandlerWithHeaders) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move {
            while let Ok((mut sock, _)) = listener.accept().await {
                let handler = handler.clone();
                tokio::spawn(async move {
                    let mut buf = Vec::new();
                    let mut chunk = [0u8; 4096];
                    let (head_end, content_length) = loop {
                        let n = sock.read(&mut chunk).await.unwrap_or(0);
                        if n == 0 {
                            return;
                        }
                        buf.extend_from_slice(&chunk[..n]);
                        if let Some(pos) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                            let head = String::from_utf8_lossy(&buf[..pos]).to_lowercase();
                            let len = head
                                .lines()
                                .find_map(|l| {
                                    l.strip_prefix("content-length:").map(|v| v.trim().parse::<usize>().unwrap_or(0))
                                })
                                .unwrap_or(0);
                            break (pos + 4, len);
                        }
                    };
                    while buf.len() < head_end + content_length {
                        let n = sock.read(&mut chunk).await.unwrap_or(0);
                        if n == 0 {
                            break;
                        }
                        buf.extend_from_slice(&chunk[..n]);
                    }
                    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
                    let (status, headers, body) = handler(&head, &buf[head_end..]);
                    let extra: String = headers.iter().map(|(k, v)| format!("{k}: {v}\r\n")).collect();
                    let resp = format!(
                        "HTTP/1.1 {status} Status\r\ncontent-type: application/json\r\n{extra}content-length: {}\r\nconnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = sock.write_all(resp.as_bytes()).await;
                });
            }
        });
        url
    }

    /// A header's value, by case-insensitive name.
    pub fn header(head: &str, name: &str) -> Option<String> {
        head.lines().find_map(|l| {
            let (n, v) = l.split_once(':')?;
            n.eq_ignore_ascii_case(name).then(|| v.trim().to_string())
        })
    }
}

pub mod payout_server {
    //! A payout service answering in the documented format (see
    //! `shared::refunds::payout`): one payout per `Idempotency-Key`,
    //! `failures_left` 503s first. It honours `Idempotency-Key` as real
    //! ones do: the first final answer for a key is replayed for every
    //! later request with that key.
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex};

    #[derive(Default)]
    pub struct State {
        pub calls: u32,
        /// Paid payouts: key -> tx hash.
        pub payouts: HashMap<String, String>,
        /// Transient failures (503) still to answer.
        pub failures_left: u32,
        /// Final rejections still to answer (each one stored under its key).
        pub rejections_left: u32,
        /// Every key seen, in order.
        pub keys: Vec<String>,
        answers: HashMap<String, String>,
    }

    pub async fn start(failures: u32) -> (String, Arc<Mutex<State>>) {
        let state = Arc::new(Mutex::new(State { failures_left: failures, ..Default::default() }));
        let shared = state.clone();
        let url = super::stub_http::start(Arc::new(move |head: &str, _body: &[u8]| {
            let key = super::stub_http::header(head, "idempotency-key").unwrap_or_default();
            let mut s = shared.lock().unwrap();
            s.calls += 1;
            if !head.starts_with("POST /v1/payouts ") || key.is_empty() {
                return (400, r#"{"error":"bad request"}"#.to_string());
            }
            s.keys.push(key.clone());
            if let Some(answer) = s.answers.get(&key) {
                return (200, answer.clone());
            }
            if s.failures_left > 0 {
                s.failures_left -= 1;
                return (503, r#"{"error":"unavailable"}"#.to_string());
            }
            let answer = if s.rejections_left > 0 {
                s.rejections_left -= 1;
                serde_json::json!({ "id": format!("po_{key}"), "status": "rejected", "reason": "destination wallet closed" })
            } else {
                let n = s.payouts.len();
                let tx = s.payouts.entry(key.clone()).or_insert_with(|| format!("tx{n}for{}", key.len())).clone();
                serde_json::json!({ "id": format!("po_{key}"), "status": "paid", "txHash": tx })
            };
            s.answers.insert(key, answer.to_string());
            (200, answer.to_string())
        }))
        .await;
        (url, state)
    }
}

/// A Solana JSON-RPC node answering `getTransaction` in the real
/// `jsonParsed` format from a map of signature -> result (`null` when
/// unknown); counts calls.
pub mod solana_rpc {
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex};

    use serde_json::{json, Value};

    #[derive(Default)]
    pub struct Node {
        pub transactions: HashMap<String, Value>,
        pub calls: u32,
        pub down: bool,
    }

    pub async fn start() -> (String, Arc<Mutex<Node>>) {
        let node = Arc::new(Mutex::new(Node::default()));
        let shared = node.clone();
        let url = super::stub_http::start(Arc::new(move |_head: &str, body: &[u8]| {
            let req: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
            let mut n = shared.lock().unwrap();
            n.calls += 1;
            if n.down {
                return (503, "{}".into());
            }
            if req["method"] != "getTransaction" || req["params"][1]["encoding"] != "jsonParsed" || req["params"][1]["commitment"] != "finalized" {
                return (200, json!({ "jsonrpc": "2.0", "id": req["id"], "error": { "code": -32602, "message": "Invalid params" } }).to_string());
            }
            let sig = req["params"][0].as_str().unwrap_or_default();
            let result = n.transactions.get(sig).cloned().unwrap_or(Value::Null);
            (200, json!({ "jsonrpc": "2.0", "id": req["id"], "result": result }).to_string())
        }))
        .await;
        (url, node)
    }

    /// A finalized SPL `transferChecked` of `amount` of `mint` from `payer`
    /// to `treasury`, carrying `reference`, as `getTransaction` returns it.
    pub fn transfer(payer: &str, treasury: &str, mint: &str, reference: &str, amount: u64, failed: bool) -> Value {
        json!({
            "blockTime": 1773143990,
            "slot": 312_000_123,
            "version": 0,
            "meta": {
                "computeUnitsConsumed": 6200,
                "err": if failed { json!({ "InstructionError": [0, { "Custom": 1 }] }) } else { Value::Null },
                "fee": 5000,
                "innerInstructions": [],
                "logMessages": ["Program TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA invoke [1]"],
                "preBalances": [1_000_000_000u64, 2_039_280, 2_039_280, 0],
                "postBalances": [999_995_000u64, 2_039_280, 2_039_280, 0],
                "preTokenBalances": [
                    { "accountIndex": 1, "mint": mint, "owner": payer, "programId": "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA", "uiTokenAmount": { "amount": "10000000000", "decimals": 6, "uiAmount": 10000.0, "uiAmountString": "10000" } },
                    { "accountIndex": 2, "mint": mint, "owner": treasury, "programId": "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA", "uiTokenAmount": { "amount": "5000000", "decimals": 6, "uiAmount": 5.0, "uiAmountString": "5" } }
                ],
                "postTokenBalances": [
                    { "accountIndex": 1, "mint": mint, "owner": payer, "programId": "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA", "uiTokenAmount": { "amount": (10_000_000_000u64 - if failed { 0 } else { amount }).to_string(), "decimals": 6 } },
                    { "accountIndex": 2, "mint": mint, "owner": treasury, "programId": "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA", "uiTokenAmount": { "amount": (5_000_000 + if failed { 0 } else { amount }).to_string(), "decimals": 6 } }
                ],
                "rewards": [],
                "status": if failed { json!({ "Err": { "InstructionError": [0, { "Custom": 1 }] } }) } else { json!({ "Ok": null }) }
            },
            "transaction": {
                "signatures": ["sig"],
                "message": {
                    "accountKeys": [
                        { "pubkey": payer, "signer": true, "source": "transaction", "writable": true },
                        { "pubkey": "7UX2i7SucgLMQcfZ75s3VXmZZY4YRUyJN9X1RgfMoDUi", "signer": false, "source": "transaction", "writable": true },
                        { "pubkey": "3emsAVdmGKERbHjmGfQ6oZ1e35dkf5iYcS6U4CPKFVaa", "signer": false, "source": "transaction", "writable": true },
                        { "pubkey": reference, "signer": false, "source": "transaction", "writable": false },
                        { "pubkey": mint, "signer": false, "source": "transaction", "writable": false },
                        { "pubkey": "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA", "signer": false, "source": "transaction", "writable": false }
                    ],
                    "instructions": [{
                        "program": "spl-token",
                        "programId": "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA",
                        "parsed": { "type": "transferChecked", "info": {
                            "authority": payer,
                            "destination": "3emsAVdmGKERbHjmGfQ6oZ1e35dkf5iYcS6U4CPKFVaa",
                            "mint": mint,
                            "source": "7UX2i7SucgLMQcfZ75s3VXmZZY4YRUyJN9X1RgfMoDUi",
                            "tokenAmount": { "amount": amount.to_string(), "decimals": 6, "uiAmount": amount as f64 / 1e6, "uiAmountString": (amount as f64 / 1e6).to_string() }
                        } },
                        "stackHeight": null
                    }],
                    "recentBlockhash": "EkSnNWid2cvwEVnVx9aBqawnmiCNiDgp3gUdkDPTKN1N"
                }
            }
        })
    }
}
