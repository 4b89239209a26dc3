//! Warm latency under concurrent load: `cargo lambda watch` serves the API
//! (its router, its Runtime API), the release binaries run as its function
//! instances, and Debian's `wrk` sends each scenario's request pool.
//!
//! Every request the functions serve logs its own latency and DynamoDB
//! time, which splits what the handler spends from what DynamoDB Local does.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use serde::Serialize;
use serde_json::Value;
use tokio::process::{Child, Command};

use super::procs::{binary, Function};
use super::scenarios::{HttpRequest, Scenario};
use super::stats::Summary;

/// Instances per function: one per core, as Lambda would scale out.
pub const INSTANCES: usize = 2;
/// wrk connections (requests in flight).
pub const CONNECTIONS: usize = 4;
const THREADS: usize = 2;
/// Unique requests after the measured ones, for what each connection sends
/// between the last measured response and wrk's stop.
pub const SPARE: usize = CONNECTIONS;

#[derive(Debug, Clone, Serialize)]
pub struct LoadResult {
    pub scenario: String,
    pub function: String,
    pub route: String,
    pub state: String,
    pub requests: u64,
    pub errors: u64,
    pub non_2xx: u64,
    pub rps: f64,
    /// End to end, as wrk saw it (through `cargo lambda watch`), ms.
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
    /// From the functions' request lines: the handler's own time
    /// (latency minus DynamoDB time) and DynamoDB Local's time, ms.
    pub handler_ms: Summary,
    pub dynamodb_ms: Summary,
    /// Per request (median over the run).
    pub ddb_requests: f64,
    pub ddb_rcu: f64,
    pub ddb_wcu: f64,
    pub statuses: Vec<(u16, usize)>,
}

/// `cargo lambda watch` with only its APIs: no build, functions are ours.
pub struct Watch {
    child: Child,
    pub port: u16,
}

impl Watch {
    pub async fn start(port: u16) -> std::io::Result<Self> {
        let root = crate::repo_root();
        let child = Command::new(root.join(".venv/bin/cargo-lambda"))
            .args([
                "lambda",
                "watch",
                "--only-lambda-apis",
                "--ignore-changes",
                "-A",
                "127.0.0.1",
                "-P",
                &port.to_string(),
            ])
            .current_dir(&root)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()?;
        for _ in 0..300 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
                return Ok(Self { child, port });
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Err(std::io::Error::other("cargo lambda watch did not open its port"))
    }

    pub async fn stop(mut self) {
        let _ = self.child.kill().await;
    }
}

/// The pool as a Lua table for `scripts/bench/pool.lua`. Long brackets
/// keep JSON bodies and headers verbatim.
fn lua_pool(requests: &[HttpRequest]) -> String {
    let quote = |s: &str| format!("[==[{s}]==]");
    let mut out = String::from("return {\n");
    for r in requests {
        let headers: Vec<String> = r.headers.iter().map(|(k, v)| format!("[ {} ] = {}", quote(k), quote(v))).collect();
        out.push_str(&format!(
            "{{method={},path={},headers={{{}}},body={}}},\n",
            quote(r.method),
            quote(&r.path),
            headers.join(","),
            r.body.as_deref().map(quote).unwrap_or_else(|| "nil".into())
        ));
    }
    out.push_str("}\n");
    out
}

async fn send(client: &reqwest::Client, base: &str, r: &HttpRequest) -> Option<u16> {
    let method = reqwest::Method::from_bytes(r.method.as_bytes()).ok()?;
    let mut req = client.request(method, format!("{base}{}", r.path));
    for (k, v) in &r.headers {
        req = req.header(k, v);
    }
    if let Some(b) = &r.body {
        req = req.body(b.clone());
    }
    Some(req.send().await.ok()?.status().as_u16())
}

pub async fn run(watch: &Watch, scenario: &Scenario, work: &Path) -> Result<LoadResult, String> {
    let base = format!("http://127.0.0.1:{}", watch.port);
    let runtime_api = format!("http://127.0.0.1:{}/.rt/{}", watch.port, scenario.function);
    let mut instances = Vec::new();
    for _ in 0..INSTANCES {
        let f = Function::spawn(scenario.function, &binary(scenario.function), &runtime_api, &scenario.env)
            .map_err(|e| e.to_string())?;
        instances.push(f);
    }
    for f in &instances {
        if !f.wait_logged("cold start", 1).await {
            return Err(format!("{} did not start", scenario.function));
        }
    }
    let client = reqwest::Client::new();
    for r in &scenario.warmup {
        let status = send(&client, &base, r).await;
        if !matches!(status, Some(200..=299)) {
            return Err(format!("{}: warm-up request answered {status:?}", scenario.name));
        }
    }
    // Each instance's warm-up lines, left out of the handler statistics.
    let warm_lines: Vec<usize> = instances.iter().map(|f| f.logged("request").len()).collect();

    let pool_file = work.join(format!("pool-{}.lua", scenario.function));
    std::fs::write(&pool_file, lua_pool(&scenario.measured)).map_err(|e| e.to_string())?;
    let count = scenario.measured.len() - SPARE;
    let wrk = Command::new("wrk")
        .args(["-t", &THREADS.to_string(), "-c", &CONNECTIONS.to_string(), "-d", "120s", "--timeout", "10s", "-s"])
        .arg(script())
        .arg(&base)
        .env("BENCH_POOL", &pool_file)
        .env("BENCH_COUNT", count.to_string())
        .env("BENCH_THREADS", THREADS.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("wrk: {e} (is Debian's wrk installed?)"))?;
    // wrk runs for its whole -d even when every thread has stopped; once
    // the functions have served the pool, SIGINT makes it report at once.
    let served = |instances: &[Function]| {
        instances.iter().zip(&warm_lines).map(|(f, w)| f.logged("request").len() - w).sum::<usize>()
    };
    for _ in 0..24_000 {
        if served(&instances) >= count {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    if let Some(pid) = wrk.id() {
        let _ = Command::new("kill").args(["-INT", &pid.to_string()]).status().await;
    }
    let out = wrk.wait_with_output().await.map_err(|e| format!("wrk: {e}"))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let wrk: Value = stdout
        .lines()
        .find_map(|l| l.strip_prefix("BENCH_RESULT "))
        .and_then(|j| serde_json::from_str(j).ok())
        .ok_or_else(|| format!("wrk printed no result: {stdout} {}", String::from_utf8_lossy(&out.stderr)))?;

    // Let the last request lines reach us, then stop the instances.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut lines = Vec::new();
    for (f, skip) in instances.into_iter().zip(warm_lines) {
        let served =
            f.stop().await.into_iter().filter(|l| l["fields"]["message"] == "request").map(|l| l["fields"].clone());
        lines.extend(served.skip(skip));
    }
    Ok(summarize(scenario, &wrk, &lines))
}

fn script() -> PathBuf {
    crate::repo_root().join("scripts/bench/pool.lua")
}

fn summarize(scenario: &Scenario, wrk: &Value, lines: &[Value]) -> LoadResult {
    let f = |l: &Value, k: &str| l[k].as_f64().unwrap_or(0.0);
    let handler: Vec<f64> = lines.iter().map(|l| (f(l, "latency_ms") - f(l, "ddb_ms")).max(0.0)).collect();
    let ddb: Vec<f64> = lines.iter().map(|l| f(l, "ddb_ms")).collect();
    let mut statuses = std::collections::BTreeMap::<u16, usize>::new();
    for l in lines {
        *statuses.entry(l["status"].as_u64().unwrap_or(0) as u16).or_default() += 1;
    }
    let median = |k: &str| super::stats::median(&lines.iter().map(|l| f(l, k)).collect::<Vec<_>>());
    let us = |k: &str| wrk[k].as_f64().unwrap_or(0.0) / 1000.0;
    let errors = ["connect", "read", "write", "timeout"].iter().map(|k| wrk["errors"][k].as_u64().unwrap_or(0)).sum();
    LoadResult {
        scenario: scenario.name.into(),
        function: scenario.function.into(),
        route: scenario.route.into(),
        state: scenario.state.into(),
        requests: wrk["requests"].as_u64().unwrap_or(0),
        errors,
        non_2xx: wrk["errors"]["status"].as_u64().unwrap_or(0),
        rps: wrk["requests"].as_f64().unwrap_or(0.0) / (wrk["duration_us"].as_f64().unwrap_or(1.0) / 1e6),
        p50_ms: us("p50_us"),
        p95_ms: us("p95_us"),
        p99_ms: us("p99_us"),
        handler_ms: Summary::of(&handler),
        dynamodb_ms: Summary::of(&ddb),
        ddb_requests: median("ddb_requests"),
        ddb_rcu: median("ddb_rcu"),
        ddb_wcu: median("ddb_wcu"),
        statuses: statuses.into_iter().collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lua_pool_keeps_headers_and_bodies_verbatim() {
        let req = HttpRequest {
            method: "POST",
            path: "/api/x?a=1".into(),
            headers: vec![("paddle-signature".into(), "ts=1;h1=ab\"c".into())],
            body: Some(r#"{"k":["]"]}"#.into()),
        };
        let lua = lua_pool(&[req]);
        // `[[` would open a Lua long string: keys need the spaces.
        assert!(lua.contains(r#"[ [==[paddle-signature]==] ] = [==[ts=1;h1=ab"c]==]"#), "{lua}");
        assert!(lua.contains(r#"body=[==[{"k":["]"]}]==]"#), "{lua}");
        assert!(!lua.contains("[[=="));
        let get = HttpRequest { method: "GET", path: "/".into(), headers: vec![], body: None };
        assert!(lua_pool(&[get]).contains("body=nil"));
    }
}
