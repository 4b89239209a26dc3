//! Seeds the dashboard `make bench` measures (issue 25: "the dashboard with
//! 50 partnerships and 10,000 transactions behind it"): a business owned by
//! `--owner`, `--partners` partner businesses each in an ACTIVE partnership
//! with it (half invited by it, half inviting it), and `--transactions`
//! recorded through the recording service itself, so the counters the
//! dashboard reads are the ones real recordings keep. Partners record EARNs
//! (a purchase at the partner, in this business's program) for 1,000
//! customers. Idempotent per run id: re-running records nothing twice.
//!
//! Usage: seed-dashboard --owner USER --business ID [--partners 50]
//! [--transactions 10000], against the stack in the environment as
//! `make dev` sets it (TABLE_NAME, AWS_ENDPOINT_URL_*, STAGE=local).

use futures::stream::{self, StreamExt};
use serde_json::json;
use shared::businesses::{domain::BusinessRequest, service as businesses};
use shared::loyalty::{domain::ProgramRequest, service as loyalty};
use shared::members::domain::Role;
use shared::partner_transactions::{domain::RecordRequest, service as transactions};
use shared::partnerships::{domain::InviteRequest, service as partnerships};
use shared::platform::ids::{BusinessId, PartnershipId};
use shared::App;

fn flag(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1).cloned())
}

async fn business(app: &App, owner: &str, id: &str, name: &str, lat: f64, lng: f64) -> Result<(), String> {
    let profile: BusinessRequest = serde_json::from_value(json!({ "businessId": id, "name": name, "category": "cafe", "location": { "lat": lat, "lng": lng }, "address": "", "availableForPartnership": true })).map_err(|e| e.to_string())?;
    match businesses::register(app, owner, None, profile).await {
        Ok(_) => {}
        Err(e) if e.code == "BUSINESS_ID_TAKEN" || e.code == "ALREADY_A_MEMBER" => {}
        Err(e) => return Err(format!("register {id}: {e}")),
    }
    let program =
        ProgramRequest { points_per_dollar: 10, redemption_cents: 1000, redemption_points: 100, expiry_months: None };
    loyalty::set_program(app, &BusinessId::known(id), owner, program)
        .await
        .map_err(|e| format!("program of {id}: {e}"))?;
    Ok(())
}

/// `inviter` invites `invitee` with the cafe-bakery template, accepted.
async fn partnered(app: &App, inviter: &str, invitee: &str) -> Result<String, String> {
    let invite: InviteRequest =
        serde_json::from_value(json!({ "partnerBusinessId": invitee, "templateId": "cafe-bakery-coalition" }))
            .map_err(|e| e.to_string())?;
    let p = partnerships::invite(app, &BusinessId::known(inviter), "seed", invite)
        .await
        .map_err(|e| format!("invite: {e}"))?;
    let accept = partnerships::Answer::Accept { terms_version: p.terms_version };
    partnerships::answer(app, &BusinessId::known(invitee), "seed", &PartnershipId::known(p.id.as_str()), accept)
        .await
        .map_err(|e| format!("accept: {e}"))?;
    Ok(p.id)
}

#[tokio::main]
async fn main() -> Result<(), String> {
    let owner = flag("--owner").ok_or("--owner USER is required")?;
    let me = flag("--business").ok_or("--business ID is required")?;
    let partners: usize = flag("--partners").map_or(Ok(50), |v| v.parse()).map_err(|_| "--partners is a number")?;
    let total: usize =
        flag("--transactions").map_or(Ok(10_000), |v| v.parse()).map_err(|_| "--transactions is a number")?;
    let app = App::from_env().await.map_err(|e| e.to_string())?;
    let started = std::time::Instant::now();
    business(&app, &owner, &me, "Dashboard Bench Cafe", 45.5, -73.57).await?;
    let mut links = Vec::new();
    for i in 0..partners {
        let id = format!("{me}-p{i:02}");
        business(&app, &format!("{owner}-p{i}"), &id, &format!("Partner {i:02}"), 45.5 + i as f64 * 0.001, -73.57)
            .await?;
        let pid = if i % 2 == 0 { partnered(&app, &me, &id).await? } else { partnered(&app, &id, &me).await? };
        links.push((pid, id));
    }
    eprintln!("{} partnerships in {:.1} s", links.len(), started.elapsed().as_secs_f64());
    let started = std::time::Instant::now();
    let jobs = (0..total).map(|n| {
        let (pid, recorder) = links[n % links.len()].clone();
        (n, pid, recorder)
    });
    let failures: Vec<String> = stream::iter(jobs)
        .map(|(n, pid, recorder)| {
            let app = app.clone();
            let me = me.clone();
            async move {
                let body = json!({ "type": "EARN", "customerId": format!("{me}-c{:04}", n % 1000), "amount": format!("{}.{:02}", 5 + n % 20, n % 100) });
                let request: RecordRequest = serde_json::from_value(body).map_err(|e| e.to_string())?;
                let key = format!("seed-{me}-{n}");
                transactions::record(&app, &BusinessId::known(recorder.as_str()), "seed", Role::Staff, &PartnershipId::known(pid.as_str()), Some(&key), request)
                    .await
                    .map(|_| ())
                    .map_err(|e| format!("transaction {n}: {e}"))
            }
        })
        .buffer_unordered(16)
        .filter_map(|r| async move { r.err() })
        .collect()
        .await;
    if let Some(first) = failures.first() {
        return Err(format!("{} of {total} recordings failed; the first: {first}", failures.len()));
    }
    eprintln!("{total} transactions in {:.1} s", started.elapsed().as_secs_f64());
    Ok(())
}
