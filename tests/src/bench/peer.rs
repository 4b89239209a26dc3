//! The peer, measured beside us: the config read as a Node.js 20 handler
//! with the AWS SDK for JavaScript v3 (`scripts/bench/node-peer`, installed
//! from the npm registry by `scripts/bench.sh`), started and invoked the
//! same way as our `partners-config-get`: the one-shot Runtime API for cold
//! starts, a series of warm invocations on one process for latency, both
//! against the same DynamoDB Local table.

use std::path::Path;
use std::time::Duration;

use serde::Serialize;

use super::cold;
use super::procs::{binary, Function};
use super::runtime_api::OneShot;
use super::stats::Summary;

#[derive(Debug, Clone, Serialize)]
pub struct PeerResult {
    pub operation: String,
    pub ours: String,
    pub peer: String,
    pub ours_first_response_ms: f64,
    pub peer_first_response_ms: f64,
    /// Peer / ours: how many times faster ours answers its first request.
    pub cold_ratio: f64,
    pub ours_warm_ms: Summary,
    pub peer_warm_ms: Summary,
    pub warm_p50_ratio: f64,
    pub ours_peak_rss_kib: Option<u64>,
    pub peer_peak_rss_kib: Option<u64>,
}

/// Warm invocations measured on one process (after a first, cold one).
const WARM: usize = 200;

async fn warm(name: &str, program: &Path, event: &str, env: &[(String, String)]) -> Result<Summary, String> {
    let events = vec![event.to_string(); WARM + 1];
    let api = OneShot::start_series(events).await.map_err(|e| e.to_string())?;
    let f = Function::spawn(name, program, &format!("http://{}", api.addr), env).map_err(|e| format!("{name}: {e}"))?;
    let latencies = tokio::time::timeout(Duration::from_secs(120), api.latencies(WARM + 1))
        .await
        .map_err(|_| format!("{name}: the series did not finish"))?;
    f.stop().await;
    Ok(Summary::of(&latencies[1..]))
}

pub async fn config_read(env: &[(String, String)]) -> Result<PeerResult, String> {
    let bootstrap = crate::repo_root().join("scripts/bench/node-peer/bootstrap");
    if !crate::repo_root().join("scripts/bench/node-peer/node_modules/@aws-sdk/client-dynamodb").exists() {
        return Err(
            "the Node.js peer is not installed (scripts/bench.sh runs npm ci in scripts/bench/node-peer)".into()
        );
    }
    let (file, event) = cold::sample_event("partners-config-get")?;
    let ours = cold::measure("partners-config-get", &binary("partners-config-get"), &file, &event, env).await?;
    let peer = cold::measure("node-peer-config-read", &bootstrap, &file, &event, env).await?;
    if peer.status != 200 {
        return Err(format!("the peer answered {}", peer.status));
    }
    let ours_warm = warm("partners-config-get", &binary("partners-config-get"), &event, env).await?;
    let peer_warm = warm("node-peer-config-read", &bootstrap, &event, env).await?;
    Ok(PeerResult {
        operation: "config read (1 Query of the program partition)".into(),
        ours: "partners-config-get (Rust, release)".into(),
        peer: "Node.js 20 + AWS SDK for JavaScript v3".into(),
        cold_ratio: peer.first_response_ms / ours.first_response_ms,
        warm_p50_ratio: peer_warm.p50 / ours_warm.p50,
        ours_first_response_ms: ours.first_response_ms,
        peer_first_response_ms: peer.first_response_ms,
        ours_warm_ms: ours_warm,
        peer_warm_ms: peer_warm,
        ours_peak_rss_kib: ours.peak_rss_kib,
        peer_peak_rss_kib: peer.peak_rss_kib,
    })
}
