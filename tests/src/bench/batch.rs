//! The batch jobs at scale: the monthly cycle over 100 seated partners, as
//! the EventBridge schedule runs it (the `cycle-scheduled` release binary,
//! one invocation), with its wall time, peak memory and DynamoDB cost.

use serde::Serialize;
use serde_json::{json, Value};
use shared::platform::ids::{BusinessId, PartnershipId};

use super::cold::start_once;
use super::procs::binary;
use super::scenarios::{app_on, base_env, month, seed_full_program};

#[derive(Debug, Clone, Serialize)]
pub struct BatchResult {
    pub job: String,
    /// The function measured.
    pub function: String,
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
    let (y, m) = month()
        .to_string()
        .split_once('-')
        .map(|(y, m)| (y.parse::<i32>().unwrap(), m.parse::<u32>().unwrap()))
        .unwrap();
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
        function: "cycle-scheduled".into(),
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

/// A settlement over `n` transactions of one partnership's last month, as
/// the queue worker runs it (the `settlement-worker` release binary, one
/// SQS job): counting every line page by page against the counters.
pub async fn settlement(prefix: &str, n: usize) -> Result<BatchResult, String> {
    use shared::businesses::{domain::BusinessRequest, service as businesses};
    use shared::partner_transactions::domain::{PartnerTransaction, TxType};
    use shared::partnerships::{domain::InviteRequest, periods::Period, service as partnerships};
    use shared::platform::clock::{Clock, SystemClock};
    let table = format!("{prefix}-settle-{n}");
    let env = base_env(&table);
    let app = app_on(&env).await;
    for biz in ["settle-a", "settle-b"] {
        let profile: BusinessRequest = serde_json::from_value(json!({ "businessId": biz, "name": biz, "category": "cafe", "location": { "lat": 45.5, "lng": -73.57 }, "address": "", "availableForPartnership": true })).unwrap();
        businesses::register(&app, &format!("owner-{biz}"), None, profile).await.map_err(|e| e.to_string())?;
    }
    let invite: InviteRequest =
        serde_json::from_value(json!({ "partnerBusinessId": "settle-b", "templateId": "cafe-bakery-coalition" }))
            .unwrap();
    let p =
        partnerships::invite(&app, &BusinessId::known("settle-a"), "bench", invite).await.map_err(|e| e.to_string())?;
    partnerships::answer(
        &app,
        &BusinessId::known("settle-b"),
        "bench",
        &PartnershipId::known(p.id.clone()),
        partnerships::Answer::Accept { terms_version: p.terms_version },
    )
    .await
    .map_err(|e| e.to_string())?;
    // Last month: ended, so the worker settles it.
    let now = SystemClock.now();
    let open =
        Period::of(shared::partnerships::domain::SettlementFrequency::Monthly, now).ok_or("no period holds now")?;
    let period = Period::of(
        shared::partnerships::domain::SettlementFrequency::Monthly,
        open.start_instant() - time::Duration::seconds(1),
    )
    .ok_or("no period before now")?;
    let txs: Vec<PartnerTransaction> = (0..n)
        .map(|i| {
            let net: i64 = if i % 3 == 0 { -25 } else { 50 };
            let (payer, payee) = if net > 0 { ("settle-a", "settle-b") } else { ("settle-b", "settle-a") };
            serde_json::from_value(json!({
                "id": format!("{:026}", i), "partnershipId": p.id, "transactionType": TxType::Redeem, "customerId": format!("c{}", i % 997),
                "recordedByBusinessId": payee, "originBusinessId": payer, "redeemingBusinessId": payee, "programBusinessId": payer, "programVersion": 1,
                "amount": 1000, "pointsRedeemed": 100, "revenueSharingAmount": net.abs(), "payerBusinessId": payer, "payeeBusinessId": payee,
                "netAToB": net, "termsVersion": 1, "timestamp": format!("{}T12:00:00Z", period.start), "recordedAt": format!("{}T12:00:00Z", period.start),
                "periodStart": period.key(), "idempotencyKey": format!("bench-{i}"), "recordedBy": "bench"
            }))
            .unwrap()
        })
        .collect();
    shared::partner_transactions::store::bulk_load(&app, &p.id, &period.key(), &period.end.to_string(), &txs)
        .await
        .map_err(|e| e.to_string())?;
    let body = json!({ "partnershipId": p.id, "periodStart": period.key() }).to_string();
    let event = json!({ "Records": [{ "messageId": "bench-1", "receiptHandle": "r", "body": body, "attributes": {}, "messageAttributes": {}, "md5OfBody": "", "eventSource": "aws:sqs", "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:bench-settlements", "awsRegion": "us-east-1" }] });
    let run = start_once("settlement-worker", &binary("settlement-worker"), &event.to_string(), &env).await?;
    let response: Value = serde_json::from_str(&run.response).unwrap_or(Value::Null);
    let settled = shared::settlements::store::get(&app, &p.id, &period.key())
        .await
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("no settlement made: {}", run.response))?;
    let expected = txs.iter().map(|t| t.net_a_to_b).sum::<i64>();
    if settled.net_settlement != expected || settled.total_transactions != n as u64 || !settled.reconciliation.clean() {
        return Err(format!("settlement does not add up: {settled:?}"));
    }
    Ok(BatchResult {
        job: "settlement (settlement-worker)".into(),
        function: "settlement-worker".into(),
        // The lines are counted, so requests grow with them: 1 Query per
        // 1,000, plus 5 (settlement, partnership, close, counters, write).
        scale: format!("{n} transactions in one period (minimum {} requests)", 5 + n.div_ceil(1_000)),
        wall_ms: run.invocation_ms,
        with_cold_start_ms: run.first_response_ms,
        peak_rss_kib: run.peak_rss_kib,
        ddb_requests: run.ddb.map(|d| d.0),
        ddb_rcu: run.ddb.map(|d| d.1),
        ddb_wcu: run.ddb.map(|d| d.2),
        response,
    })
}
