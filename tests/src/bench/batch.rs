//! The batch jobs at scale: the monthly cycle over 100 seated partners, as
//! the EventBridge schedule runs it (the `cycle-scheduled` release binary,
//! one invocation), with its wall time, peak memory and DynamoDB cost.

use serde::Serialize;
use serde_json::{json, Value};

use super::cold::start_once;
use super::procs::binary;
use super::scenarios::{app_on, base_env, month, seed_full_program};

#[derive(Debug, Clone, Serialize)]
pub struct BatchResult {
    pub job: String,
    pub scale: String,
    /// The invocation alone (event handed over to response), ms.
    pub wall_ms: f64,
    /// Process start to response, ms.
    pub with_cold_start_ms: f64,
    pub peak_rss_kib: Option<u64>,
    pub ddb_requests: Option<f64>,
    pub ddb_rcu: Option<f64>,
    pub ddb_wcu: Option<f64>,
    pub response: Value,
}

/// The first day of the month after the seeded one: the schedule's firing
/// time that closes it.
fn firing_time() -> String {
    let (y, m) = month().to_string().split_once('-').map(|(y, m)| (y.parse::<i32>().unwrap(), m.parse::<u32>().unwrap())).unwrap();
    let (y, m) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    format!("{y:04}-{m:02}-01T00:05:00Z")
}

pub async fn monthly_cycle(prefix: &str) -> Result<BatchResult, String> {
    let table = format!("{prefix}-cycle");
    let env = base_env(&table);
    let app = app_on(&env).await;
    seed_full_program(&app).await;
    let event = json!({
        "version": "0", "id": "bench", "detail-type": "Scheduled Event", "source": "aws.events",
        "account": "123456789012", "time": firing_time(), "region": "us-east-1", "resources": [], "detail": {}
    });
    let run = start_once("cycle-scheduled", &binary("cycle-scheduled"), &event.to_string(), &env).await?;
    let response: Value = serde_json::from_str(&run.response).unwrap_or(Value::Null);
    if response["status"] != "EXECUTED" {
        return Err(format!("the cycle did not execute: {}", run.response));
    }
    Ok(BatchResult {
        job: "monthly cycle (cycle-scheduled)".into(),
        scale: "100 seats, 10 eliminated".into(),
        wall_ms: run.invocation_ms,
        with_cold_start_ms: run.first_response_ms,
        peak_rss_kib: run.peak_rss_kib,
        ddb_requests: run.ddb.map(|d| d.0),
        ddb_rcu: run.ddb.map(|d| d.1),
        ddb_wcu: run.ddb.map(|d| d.2),
        response,
    })
}
