//! The dunning run: every OPEN record is either resolved (the membership
//! moved on after the failure) or announced with a `DunningNoticeDue`
//! event and marked NOTIFIED.
//!
//! The events go out before the records close, so a run that dies halfway
//! sends a notice again rather than never: a notice's consumer dedupes on
//! `dunningId`, as it must for EventBridge's at-least-once delivery anyway.

use serde::Serialize;
use serde_json::json;

use super::domain::{decide, Decision, DunningRecord, DunningStatus, MembershipState};
use super::store;
use crate::memberships::service as memberships;
use crate::platform::audit::AuditEntry;
use crate::platform::bus;
use crate::platform::clock::rfc3339;
use crate::platform::error::AppError;
use crate::App;

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DunningRun {
    pub checked_at: String,
    /// Records a notice went out for in this run.
    pub notified: Vec<DunningRecord>,
    /// Records closed without a notice in this run.
    pub resolved: Vec<DunningRecord>,
}

/// Opens a record for a failed payment, once per event.
pub async fn open(app: &App, record: &DunningRecord) -> Result<String, AppError> {
    store::open(app, record).await?;
    Ok(format!("dunning opened for {}", record.customer_id))
}

pub async fn run(app: &App, actor: &str) -> Result<DunningRun, AppError> {
    let now = rfc3339(app.clock.now());
    let mut notify = Vec::new();
    let mut resolved = Vec::new();
    for record in store::all(app, DunningStatus::Open).await? {
        let membership = memberships::get(app, &record.customer_id).await?;
        let state = membership.as_ref().map(|m| MembershipState { status: &m.status, last_event_at: &m.last_event_at });
        match decide(&record.occurred_at, state) {
            Decision::Notify => notify.push(record),
            Decision::Resolve(why) => {
                if close(app, actor, &record, DunningStatus::Resolved, why, &now).await? {
                    resolved.push(record);
                }
            }
        }
    }

    let details: Vec<_> = notify
        .iter()
        .map(|r| json!({ "dunningId": r.event_id, "customerId": r.customer_id, "transactionId": r.transaction_id, "failedAt": r.occurred_at }))
        .collect();
    bus::publish(app, "partner-program.billing", "DunningNoticeDue", &details).await?;
    let mut notified = Vec::new();
    for record in notify {
        tracing::warn!(customer_id = %record.customer_id, transaction_id = %record.transaction_id, "payment failed: dunning notice due");
        if close(app, actor, &record, DunningStatus::Notified, "DunningNoticeDue published", &now).await? {
            notified.push(record);
        }
    }
    Ok(DunningRun { checked_at: now, notified, resolved })
}

async fn close(
    app: &App,
    actor: &str,
    record: &DunningRecord,
    to: DunningStatus,
    why: &str,
    now: &str,
) -> Result<bool, AppError> {
    let action = match to {
        DunningStatus::Notified => "dunning.notified",
        _ => "dunning.resolved",
    };
    let audit = AuditEntry::new(
        actor,
        action,
        &store::subject(&record.customer_id),
        now,
        json!({ "transactionId": record.transaction_id, "eventId": record.event_id, "resolution": why }),
    );
    store::close(app, record, to, why, now, &audit).await
}
