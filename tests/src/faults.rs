//! A fault-injecting HTTP proxy for the test harness, in front of DynamoDB
//! Local or moto (no such proxy ships in our registries, so it is ours).
//!
//! It forwards each request to its upstream, except for a chosen share,
//! which it fails in one of the ways the real services fail:
//! - a throttle, answered without forwarding, in the service's own error
//!   shape (DynamoDB `ProvisionedThroughputExceededException`, SQS and
//!   EventBridge `ThrottlingException`);
//! - an internal error (HTTP 500, DynamoDB `InternalServerError`, SQS
//!   `InternalError`, EventBridge `InternalException`), without forwarding;
//! - a connection reset *after* forwarding: the upstream applied the
//!   request, the client never hears so (the nastiest case for
//!   idempotency).
//!
//! The choice is a seeded random stream, so a failing run can be replayed.
//! Every request goes upstream on a connection of its own (`Connection:
//! close`), and the client's connection closes after each answer: simple
//! relaying, and all a test needs.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Which service's error shapes to answer with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    DynamoDb,
    Sqs,
    EventBridge,
}

#[derive(Debug, Default)]
pub struct Counters {
    pub forwarded: AtomicU64,
    pub throttled: AtomicU64,
    pub internal_errors: AtomicU64,
    pub resets_after_forwarding: AtomicU64,
}

impl Counters {
    pub fn faults(&self) -> u64 {
        self.throttled.load(Ordering::Relaxed)
            + self.internal_errors.load(Ordering::Relaxed)
            + self.resets_after_forwarding.load(Ordering::Relaxed)
    }
}

pub struct FaultProxy {
    /// `http://127.0.0.1:<port>`, the endpoint to give the SDK client.
    pub url: String,
    pub counters: Arc<Counters>,
    /// Fault share in parts per 1000; change it at any time (0 heals).
    per_mille: Arc<AtomicU64>,
}

impl FaultProxy {
    /// Starts a proxy to `upstream` (`http://host:port`) failing `per_mille`
    /// out of every 1000 requests, chosen by a stream seeded with `seed`.
    pub async fn start(upstream: &str, flavor: Flavor, per_mille: u64, seed: u64) -> FaultProxy {
        let upstream = upstream.trim_start_matches("http://").trim_end_matches('/').to_string();
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind the fault proxy");
        let url = format!("http://{}", listener.local_addr().unwrap());
        let counters = Arc::new(Counters::default());
        let share = Arc::new(AtomicU64::new(per_mille));
        let rng = Arc::new(AtomicU64::new(seed | 1));
        let (c, s) = (counters.clone(), share.clone());
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let (upstream, c, s, rng) = (upstream.clone(), c.clone(), s.clone(), rng.clone());
                tokio::spawn(async move {
                    let _ = serve(client, &upstream, flavor, &c, &s, &rng).await;
                });
            }
        });
        FaultProxy { url, counters, per_mille: share }
    }

    pub fn set_share(&self, per_mille: u64) {
        self.per_mille.store(per_mille, Ordering::Relaxed);
    }
}

/// xorshift64*: a new value from the shared stream.
fn next(rng: &AtomicU64) -> u64 {
    let mut x = rng.load(Ordering::Relaxed);
    loop {
        let mut y = x;
        y ^= y >> 12;
        y ^= y << 25;
        y ^= y >> 27;
        match rng.compare_exchange_weak(x, y, Ordering::Relaxed, Ordering::Relaxed) {
            Ok(_) => return y.wrapping_mul(0x2545_F491_4F6C_DD1D),
            Err(current) => x = current,
        }
    }
}

enum Fault {
    None,
    Throttle,
    Internal,
    ResetAfterForwarding,
}

async fn serve(
    mut client: TcpStream,
    upstream: &str,
    flavor: Flavor,
    c: &Counters,
    share: &AtomicU64,
    rng: &AtomicU64,
) -> std::io::Result<()> {
    // Keep-alive from the SDK: serve requests until the client goes away.
    loop {
        let Some(request) = read_request(&mut client).await? else { return Ok(()) };
        let roll = next(rng) % 1000;
        let fault = match share.load(Ordering::Relaxed) {
            s if roll >= s => Fault::None,
            s if roll < s / 3 => Fault::Throttle,
            s if roll < 2 * s / 3 => Fault::Internal,
            _ => Fault::ResetAfterForwarding,
        };
        match fault {
            Fault::Throttle => {
                c.throttled.fetch_add(1, Ordering::Relaxed);
                let (status, body) = throttle(flavor);
                client.write_all(&response(status, body)).await?;
            }
            Fault::Internal => {
                c.internal_errors.fetch_add(1, Ordering::Relaxed);
                client.write_all(&response(500, internal(flavor))).await?;
            }
            Fault::ResetAfterForwarding => {
                c.resets_after_forwarding.fetch_add(1, Ordering::Relaxed);
                let _ = forward(upstream, &request).await;
                // Abort the connection: a reset (RST), not a clean close.
                #[allow(deprecated)]
                let _ = client.set_linger(Some(std::time::Duration::ZERO));
                return Ok(());
            }
            Fault::None => {
                c.forwarded.fetch_add(1, Ordering::Relaxed);
                let answer = forward(upstream, &request).await?;
                // Passed on as the upstream sent it, `connection: close`
                // included: the client opens a new connection next time.
                client.write_all(&answer).await?;
                client.shutdown().await?;
                return Ok(());
            }
        }
    }
}

fn throttle(flavor: Flavor) -> (u16, &'static str) {
    match flavor {
        Flavor::DynamoDb => (
            400,
            r#"{"__type":"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException","message":"The level of configured provisioned throughput for the table was exceeded. Consider increasing your provisioning level with the UpdateTable API."}"#,
        ),
        Flavor::Sqs => (400, r#"{"__type":"com.amazonaws.sqs#ThrottlingException","message":"Rate exceeded"}"#),
        Flavor::EventBridge => (400, r#"{"__type":"ThrottlingException","message":"Rate exceeded"}"#),
    }
}

fn internal(flavor: Flavor) -> &'static str {
    match flavor {
        Flavor::DynamoDb => {
            r#"{"__type":"com.amazonaws.dynamodb.v20120810#InternalServerError","message":"Internal server error"}"#
        }
        Flavor::Sqs => {
            r#"{"__type":"com.amazonaws.sqs#InternalError","message":"We encountered an internal error. Please try again."}"#
        }
        Flavor::EventBridge => r#"{"__type":"InternalException","message":"Internal service error"}"#,
    }
}

fn response(status: u16, body: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 {status} Error\r\ncontent-type: application/x-amz-json-1.0\r\nx-amzn-requestid: fault-proxy\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// One request (head and `content-length` body), or `None` at end of stream.
async fn read_request(sock: &mut TcpStream) -> std::io::Result<Option<Vec<u8>>> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let (head_end, length) = loop {
        let n = sock.read(&mut chunk).await?;
        if n == 0 {
            return Ok(None);
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(pos) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break (pos + 4, content_length(&buf[..pos]));
        }
    };
    while buf.len() < head_end + length {
        let n = sock.read(&mut chunk).await?;
        if n == 0 {
            return Ok(None);
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    Ok(Some(buf))
}

fn content_length(head: &[u8]) -> usize {
    String::from_utf8_lossy(head)
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.trim().eq_ignore_ascii_case("content-length").then(|| value.trim().parse().unwrap_or(0))
        })
        .unwrap_or(0)
}

/// Sends `request` upstream on a connection of its own and returns the
/// whole answer (read to the end, since we ask the upstream to close).
async fn forward(upstream: &str, request: &[u8]) -> std::io::Result<Vec<u8>> {
    let pos = request.windows(4).position(|w| w == b"\r\n\r\n").unwrap_or(request.len());
    let head = String::from_utf8_lossy(&request[..pos]);
    let mut rewritten = String::new();
    for (i, line) in head.split("\r\n").enumerate() {
        let name = line.split(':').next().unwrap_or("").trim().to_ascii_lowercase();
        if i > 0 && (name == "connection" || name == "keep-alive") {
            continue;
        }
        rewritten.push_str(line);
        rewritten.push_str("\r\n");
    }
    rewritten.push_str("connection: close\r\n\r\n");
    let mut up = TcpStream::connect(upstream).await?;
    up.write_all(rewritten.as_bytes()).await?;
    up.write_all(&request[(pos + 4).min(request.len())..]).await?;
    let mut answer = Vec::new();
    up.read_to_end(&mut answer).await?;
    Ok(answer)
}
