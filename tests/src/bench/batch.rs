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

/// `a` and `b` registered and partnered (the cafe-bakery template, accepted).
async fn partnered(
    app: &shared::App,
    a: &str,
    b: &str,
) -> Result<shared::partnerships::service::PartnershipView, String> {
    use shared::businesses::{domain::BusinessRequest, service as businesses};
    use shared::partnerships::{domain::InviteRequest, service as partnerships};
    for biz in [a, b] {
        let profile: BusinessRequest = serde_json::from_value(json!({ "businessId": biz, "name": biz, "category": "cafe", "location": { "lat": 45.5, "lng": -73.57 }, "address": "", "availableForPartnership": true })).unwrap();
        businesses::register(app, &format!("owner-{biz}"), None, profile).await.map_err(|e| e.to_string())?;
    }
    let invite: InviteRequest =
        serde_json::from_value(json!({ "partnerBusinessId": b, "templateId": "cafe-bakery-coalition" })).unwrap();
    let p = partnerships::invite(app, &BusinessId::known(a), "bench", invite).await.map_err(|e| e.to_string())?;
    partnerships::answer(
        app,
        &BusinessId::known(b),
        "bench",
        &PartnershipId::known(p.id.clone()),
        partnerships::Answer::Accept { terms_version: p.terms_version },
    )
    .await
    .map_err(|e| e.to_string())?;
    Ok(p)
}

/// A settlement over `n` transactions of one partnership's last month, as
/// the queue worker runs it (the `settlement-worker` release binary, one
/// SQS job): counting every line page by page against the counters.
pub async fn settlement(prefix: &str, n: usize) -> Result<BatchResult, String> {
    use shared::partner_transactions::domain::{PartnerTransaction, TxType};
    use shared::partnerships::periods::Period;
    use shared::platform::clock::{Clock, SystemClock};
    let table = format!("{prefix}-settle-{n}");
    let env = base_env(&table);
    let app = app_on(&env).await;
    let p = partnered(&app, "settle-a", "settle-b").await?;
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

/// The webhook delivery worker's throughput on one warm instance: `n`
/// deliveries of one business's events, in batches of 5 (the template's
/// `BatchSize`), each POSTed, signed, to a receiver on loopback that
/// answers 204 at once; each delivery's record read and written. The
/// scale column carries the events per second.
pub async fn webhook_deliveries(prefix: &str, n: usize) -> Result<BatchResult, String> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    use shared::business_webhooks::{deliveries, domain::EndpointRequest, service as webhooks};
    use shared::notifications::domain::BusEvent;

    use super::procs::Function;
    use super::runtime_api::OneShot;

    const BATCH: usize = 5;
    let table = format!("{prefix}-hooks");
    let sdk = shared::platform::aws::sdk_config().await;
    let queue = crate::create_test_queue(&sdk, &format!("{table}-deliveries")).await;
    let mut env = base_env(&table);
    env.extend([
        ("STAGE".to_string(), "local".to_string()),
        ("WEBHOOKS_ALLOW_LOCAL_RECEIVERS".to_string(), "true".to_string()),
        ("WEBHOOK_DELIVERY_QUEUE_URL".to_string(), queue.main.clone()),
    ]);
    let app = app_on(&env).await;
    let received = Arc::new(AtomicUsize::new(0));
    let counter = received.clone();
    let receiver = crate::stub_http::start(Arc::new(move |_head: &str, _body: &[u8]| {
        counter.fetch_add(1, Ordering::SeqCst);
        (204, String::new())
    }))
    .await;
    let request: EndpointRequest = serde_json::from_value(json!({ "url": format!("{receiver}/hook") })).unwrap();
    webhooks::create(&app, &BusinessId::known("hook-a"), "bench", request).await.map_err(|e| e.to_string())?;
    let now = shared::platform::clock::rfc3339(time::OffsetDateTime::now_utc());
    for i in 0..n {
        let event: BusEvent = serde_json::from_value(json!({
            "detail-type": "partner.partnership.paused",
            "detail": { "eventId": format!("bench-{i:06}"), "occurredAt": now, "version": 1, "partnershipId": "p-bench",
                        "businessAId": "hook-a", "businessBId": "hook-b", "status": "PAUSED", "reason": "bench" }
        }))
        .unwrap();
        deliveries::fan_out(&app, &event).await.map_err(|e| e.to_string())?;
    }
    // The jobs fan-out queued, as SQS hands them to the worker.
    let mut jobs = Vec::new();
    loop {
        let out = app
            .sqs
            .receive_message()
            .queue_url(&queue.main)
            .max_number_of_messages(10)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        let messages = out.messages.unwrap_or_default();
        if messages.is_empty() {
            break;
        }
        for m in messages {
            jobs.push(m.body.unwrap_or_default());
            let handle = m.receipt_handle.unwrap_or_default();
            app.sqs
                .delete_message()
                .queue_url(&queue.main)
                .receipt_handle(handle)
                .send()
                .await
                .map_err(|e| e.to_string())?;
        }
    }
    if jobs.len() != n {
        return Err(format!("{} delivery jobs queued for {n} events", jobs.len()));
    }
    let events: Vec<String> = jobs
        .chunks(BATCH)
        .enumerate()
        .map(|(b, chunk)| {
            let records: Vec<Value> = chunk
                .iter()
                .enumerate()
                .map(|(i, body)| json!({ "messageId": format!("bench-{b}-{i}"), "receiptHandle": "r", "body": body, "attributes": {}, "messageAttributes": {}, "md5OfBody": "", "eventSource": "aws:sqs", "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:bench-webhook-deliveries", "awsRegion": "us-east-1" }))
                .collect();
            json!({ "Records": records }).to_string()
        })
        .collect();
    let batches = events.len();
    let api = OneShot::start_series(events).await.map_err(|e| e.to_string())?;
    let name = "webhooks-delivery-worker";
    let t0 = Instant::now();
    let f = Function::spawn(name, &binary(name), &format!("http://{}", api.addr), &env)
        .map_err(|e| format!("{name}: {e}"))?;
    let latencies = tokio::time::timeout(Duration::from_secs(300), api.latencies(batches))
        .await
        .map_err(|_| format!("{name}: the deliveries did not finish in 300 s"))?;
    let with_cold_start_ms = t0.elapsed().as_secs_f64() * 1000.0;
    let peak_rss_kib = f.peak_rss_kib();
    let lines = f.stop().await;
    let delivered = received.load(Ordering::SeqCst);
    if delivered != n {
        return Err(format!("the receiver got {delivered} of {n} deliveries"));
    }
    let invocations: Vec<&Value> = lines.iter().filter(|l| l["fields"]["message"] == "invocation").collect();
    let sum = |k: &str| invocations.iter().map(|l| l["fields"][k].as_f64().unwrap_or(0.0)).sum::<f64>();
    // The first batch pays for the cold start; throughput is the warm ones.
    let warm: f64 = latencies[1..].iter().sum();
    let per_second = (n - BATCH) as f64 / (warm / 1000.0);
    Ok(BatchResult {
        job: "webhook deliveries (webhooks-delivery-worker)".into(),
        function: name.into(),
        scale: format!(
            "{n} deliveries to a loopback receiver, batches of {BATCH}, one instance: {per_second:.0} events/s warm (first batch, cold: {:.1} ms)",
            latencies[0]
        ),
        wall_ms: latencies.iter().sum(),
        with_cold_start_ms,
        peak_rss_kib,
        ddb_requests: Some(sum("ddb_requests")),
        ddb_rcu: Some(sum("ddb_rcu")),
        ddb_wcu: Some(sum("ddb_wcu")),
        response: json!({ "delivered": delivered, "batches": batches, "eventsPerSecondWarm": per_second }),
    })
}

/// What-if terms over a year of history: `months` ended monthly periods of
/// `per_month` transactions each (an ordinary month's mix), re-rated under
/// other terms by the `partnerships-terms-simulate` release binary, one
/// cold invocation answering the HTTP request (a party's token).
pub async fn what_if(prefix: &str, months: u32, per_month: u64) -> Result<BatchResult, String> {
    use crate::history::{self, Pair};
    use shared::partnerships::domain::SettlementFrequency;
    use shared::partnerships::periods::Period;
    use shared::platform::clock::{Clock, SystemClock};

    let table = format!("{prefix}-whatif");
    let issuer = crate::Issuer::start().await;
    let mut env = base_env(&table);
    env.extend(issuer.settings().into_iter().map(|(k, v)| (k.to_string(), v)));
    let app = app_on(&env).await;
    let p = partnered(&app, "whatif-a", "whatif-b").await?;
    // The `months` monthly periods before the open one.
    let mut period = Period::of(SettlementFrequency::Monthly, SystemClock.now()).ok_or("no period holds now")?;
    let pair = Pair { partnership_id: &p.id, a: "whatif-a", b: "whatif-b" };
    for m in 0..months {
        period = Period::of(SettlementFrequency::Monthly, period.start_instant() - time::Duration::seconds(1))
            .ok_or("no period before")?;
        let lines = history::normal_month(&pair, period.start, per_month, 1_000, u64::from(m) + 1);
        history::seed(&app, &lines).await;
    }
    let body = json!({
        "revenueSharingTerms": { "type": "HYBRID", "basePercentage": 4, "bonusThreshold": 1000, "bonusPercentage": 6, "settlementFrequency": "MONTHLY" },
        "periods": months,
    })
    .to_string();
    let bearer = issuer.bearer("whatif-a", "staff", SystemClock.now().unix_timestamp());
    let event = crate::api_event_json(
        "POST",
        &format!("/api/v1/partnerships/{}/terms/simulate", p.id),
        &[("authorization", bearer), ("content-type", "application/json".into())],
        Some(&body),
    );
    let name = "partnerships-terms-simulate";
    let run = start_once(name, &binary(name), &event.to_string(), &env).await?;
    let reply: Value = serde_json::from_str(&run.response).unwrap_or(Value::Null);
    let answer: Value = reply["body"].as_str().and_then(|b| serde_json::from_str(b).ok()).unwrap_or(Value::Null);
    let periods = answer["periods"].as_array().map(Vec::len).unwrap_or(0);
    if periods != months as usize {
        return Err(format!("the simulation did not answer {months} periods: {}", run.response));
    }
    let lines: u64 = answer["periods"]
        .as_array()
        .map(|ps| ps.iter().map(|p| p["transactions"].as_u64().unwrap_or(0)).sum())
        .unwrap_or(0);
    Ok(BatchResult {
        job: "what-if terms (partnerships-terms-simulate)".into(),
        function: name.into(),
        // Lines are read 500 a page: 1 Query per 500, plus the
        // partnership, the periods' counters and their settlements.
        scale: format!(
            "{months} months x {per_month} transactions = {lines} lines re-rated (minimum {} requests)",
            3 + (u64::from(months) * per_month).div_ceil(500)
        ),
        wall_ms: run.invocation_ms,
        with_cold_start_ms: run.first_response_ms,
        peak_rss_kib: run.peak_rss_kib,
        ddb_requests: run.ddb.map(|d| d.0),
        ddb_rcu: run.ddb.map(|d| d.1),
        ddb_wcu: run.ddb.map(|d| d.2),
        response: json!({ "periods": periods, "transactions": answer["transactions"], "differenceToYouCents": answer["differenceToYouCents"] }),
    })
}
