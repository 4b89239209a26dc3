//! Cold starts: each release binary is started fresh against a one-shot
//! Runtime API with its sample event from `events/`, `RUNS` times; the
//! medians are reported beside the `lambda_http` hello-world floor's.

use std::path::Path;
use std::time::{Duration, Instant};

use serde::Serialize;
use serde_json::Value;

use super::procs::Function;
use super::runtime_api::OneShot;
use super::stats::median;

pub const RUNS: usize = 10;

/// One start: what the process did and when.
#[derive(Debug, Clone, Default)]
pub struct Start {
    /// Process start to the first `next` poll (runtime init done), ms.
    pub init_ms: f64,
    /// Process start to the first response posted, ms.
    pub first_response_ms: f64,
    /// The `cold start` line's phases, ms (absent for the floor).
    pub phases: Option<(f64, f64, f64)>,
    /// The `request`/`invocation` line: DynamoDB requests, RCU, WCU, ms.
    pub ddb: Option<(f64, f64, f64, f64)>,
    /// HTTP status (API functions) or `ok` as 200/500 (event functions).
    pub status: u16,
    /// The issuer's key fetch (`jwks fetch` line), ms, for a function
    /// whose first request carried a token.
    pub jwks_fetch_ms: Option<f64>,
    pub peak_rss_kib: Option<u64>,
    /// Runtime init done to response posted, ms.
    pub invocation_ms: f64,
    pub response: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ColdStart {
    pub function: String,
    pub event: String,
    pub runs: usize,
    pub init_ms: f64,
    pub first_response_ms: f64,
    /// First response less the time spent waiting on DynamoDB Local (which
    /// is far slower than DynamoDB and absent from the floor), ms.
    pub own_ms: f64,
    /// `own_ms` / the floor's first response.
    pub ratio_to_floor: f64,
    pub settings_ms: Option<f64>,
    pub sdk_config_ms: Option<f64>,
    pub clients_ms: Option<f64>,
    /// Fetching the token issuer's keys, within the first response, ms.
    pub jwks_fetch_ms: Option<f64>,
    pub status: u16,
    pub ddb_requests: Option<f64>,
    pub ddb_rcu: Option<f64>,
    pub ddb_wcu: Option<f64>,
    pub peak_rss_kib: Option<u64>,
}

/// Starts `binary` once and serves it `event`.
pub async fn start_once(name: &str, binary: &Path, event: &str, env: &[(String, String)]) -> Result<Start, String> {
    let api = OneShot::start(event.to_string()).await.map_err(|e| e.to_string())?;
    let t0 = Instant::now();
    let f = Function::spawn(name, binary, &format!("http://{}", api.addr), env).map_err(|e| format!("{name}: {e}"))?;
    let served = tokio::time::timeout(Duration::from_secs(30), api.served())
        .await
        .map_err(|_| format!("{name}: no response in 30 s"))?;
    let peak_rss_kib = f.peak_rss_kib();
    // The request line is printed right after the response is posted.
    for _ in 0..200 {
        if !f.logged("request").is_empty() || !f.logged("invocation").is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let lines = f.stop().await;
    let ms = |t: Option<Instant>| t.map(|t| (t - t0).as_secs_f64() * 1000.0).unwrap_or(f64::NAN);
    let field = |l: &Value, k: &str| l["fields"][k].as_f64().unwrap_or(0.0);
    let phases = lines
        .iter()
        .find(|l| l["fields"]["message"] == "cold start")
        .map(|l| (field(l, "settings_ms"), field(l, "sdk_config_ms"), field(l, "clients_ms")));
    let ddb = lines
        .iter()
        .find(|l| l["fields"]["message"] == "request" || l["fields"]["message"] == "invocation")
        .map(|l| (field(l, "ddb_requests"), field(l, "ddb_rcu"), field(l, "ddb_wcu"), field(l, "ddb_ms")));
    let jwks_fetch_ms = lines.iter().find(|l| l["fields"]["message"] == "jwks fetch").map(|l| field(l, "fetch_ms"));
    let status = serde_json::from_str::<Value>(&served.body)
        .ok()
        .and_then(|b| b["statusCode"].as_u64())
        .map(|s| s as u16)
        .unwrap_or(if served.ok { 200 } else { 500 });
    Ok(Start {
        init_ms: ms(served.first_poll),
        first_response_ms: ms(served.responded),
        phases,
        ddb,
        status,
        jwks_fetch_ms,
        peak_rss_kib,
        invocation_ms: ms(served.responded) - ms(served.first_poll),
        response: served.body,
    })
}

pub async fn measure(
    name: &str,
    binary: &Path,
    event_file: &str,
    event: &str,
    env: &[(String, String)],
) -> Result<ColdStart, String> {
    let mut starts = Vec::new();
    for _ in 0..RUNS {
        starts.push(start_once(name, binary, event, env).await?);
    }
    let med = |f: &dyn Fn(&Start) -> Option<f64>| {
        let v: Vec<f64> = starts.iter().filter_map(f).collect();
        (!v.is_empty()).then(|| median(&v))
    };
    let first = &starts[0];
    Ok(ColdStart {
        function: name.to_string(),
        event: event_file.to_string(),
        runs: RUNS,
        init_ms: med(&|s| Some(s.init_ms)).unwrap_or(f64::NAN),
        first_response_ms: med(&|s| Some(s.first_response_ms)).unwrap_or(f64::NAN),
        own_ms: med(&|s| Some(s.first_response_ms - s.ddb.map(|d| d.3).unwrap_or(0.0))).unwrap_or(f64::NAN),
        ratio_to_floor: f64::NAN,
        settings_ms: med(&|s| s.phases.map(|p| p.0)),
        sdk_config_ms: med(&|s| s.phases.map(|p| p.1)),
        clients_ms: med(&|s| s.phases.map(|p| p.2)),
        jwks_fetch_ms: med(&|s| s.jwks_fetch_ms),
        // The first start meets the state the event was written for; later
        // ones may meet its effects (a seat already taken, say).
        status: first.status,
        ddb_requests: first.ddb.map(|d| d.0),
        ddb_rcu: first.ddb.map(|d| d.1),
        ddb_wcu: first.ddb.map(|d| d.2),
        peak_rss_kib: starts.iter().filter_map(|s| s.peak_rss_kib).max(),
    })
}

/// `event` with each Partner Network token (a JWT bearer) replaced by one
/// `issuer` signs now for the same business and role, so a cold start
/// fetches the issuer's keys and verifies it as in AWS.
pub fn with_fresh_token(event: &str, issuer: &crate::Issuer) -> String {
    let Ok(mut v) = serde_json::from_str::<Value>(event) else { return event.to_string() };
    let Some(auth) = v["headers"]["authorization"].as_str().filter(|a| a.starts_with("Bearer eyJ")) else {
        return event.to_string();
    };
    let claims = auth
        .split('.')
        .nth(1)
        .and_then(|p| base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, p).ok())
        .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
        .unwrap_or_default();
    let business = claims["businessId"].as_str().unwrap_or("biz-a");
    let role = claims["role"].as_str().unwrap_or("owner");
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    v["headers"]["authorization"] = Value::String(issuer.bearer(business, role, now));
    v.to_string()
}

/// The sample event for `function`: `events/<function>.json`.
pub fn sample_event(function: &str) -> Result<(String, String), String> {
    let file = format!("events/{function}.json");
    let text = std::fs::read_to_string(crate::repo_root().join(&file)).map_err(|e| format!("{file}: {e}"))?;
    Ok((file, text))
}

/// One start with every log line kept, each prefixed with the ms since the
/// process started.
pub async fn trace_once(
    name: &str,
    binary: &Path,
    event: &str,
    env: &[(String, String)],
) -> Result<Vec<String>, String> {
    let api = OneShot::start(event.to_string()).await.map_err(|e| e.to_string())?;
    let t0 = time::OffsetDateTime::now_utc();
    let f = Function::spawn(name, binary, &format!("http://{}", api.addr), env).map_err(|e| format!("{name}: {e}"))?;
    tokio::time::timeout(Duration::from_secs(30), api.served())
        .await
        .map_err(|_| format!("{name}: no response in 30 s"))?;
    tokio::time::sleep(Duration::from_millis(100)).await;
    let since = |l: &Value| {
        let at = l["timestamp"]
            .as_str()
            .and_then(|t| time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).ok());
        at.map(|at| (at - t0).as_seconds_f64() * 1000.0).unwrap_or(f64::NAN)
    };
    Ok(f.stop().await.iter().map(|l| format!("{:8.3} ms {}", since(l), l)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(event: &str) -> (String, Value) {
        let v: Value = serde_json::from_str(event).unwrap();
        let auth = v["headers"]["authorization"].as_str().unwrap().to_string();
        let part = |n: usize| {
            let raw = auth.trim_start_matches("Bearer ").split('.').nth(n).unwrap().to_string();
            let bytes = base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, raw).unwrap();
            serde_json::from_slice::<Value>(&bytes).unwrap()
        };
        (part(0)["kid"].as_str().unwrap().to_string(), part(1))
    }

    /// A sample's placeholder token becomes one the bench's issuer signed,
    /// for the same business and role; other samples are left alone.
    #[tokio::test]
    async fn a_samples_token_is_signed_again_by_the_benchs_issuer() {
        let issuer = crate::Issuer::start().await;
        let (_, sample) = sample_event("partnerships-get").unwrap();
        let (kid_before, before) = claims(&sample);
        let (kid_after, after) = claims(&with_fresh_token(&sample, &issuer));
        assert_eq!(kid_before, "sample-key");
        assert_ne!(kid_after, kid_before, "signed by the issuer's key");
        assert_eq!((&after["businessId"], &after["role"]), (&before["businessId"], &before["role"]));
        assert!(after["exp"].as_i64() > Some(time::OffsetDateTime::now_utc().unix_timestamp()), "not expired");
        let (_, health) = sample_event("health").unwrap();
        assert_eq!(with_fresh_token(&health, &issuer), health);
    }
}
