//! Refund rules: ids, deadlines, state transitions, the SLA report.

use serde::{Deserialize, Serialize};
use time::{Duration, OffsetDateTime};

use crate::platform::error::AppError;

/// Eliminated seats are refunded within 7 calendar days.
pub const REFUND_SLA: Duration = Duration::days(7);
/// A pending refund this close to its deadline is "at risk".
pub const AT_RISK_WINDOW: Duration = Duration::hours(24);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RefundStatus {
    Pending,
    Completed,
    Failed,
}

impl RefundStatus {
    pub fn as_str(&self) -> &'static str {
        match self {
            RefundStatus::Pending => "PENDING",
            RefundStatus::Completed => "COMPLETED",
            RefundStatus::Failed => "FAILED",
        }
    }
    pub fn parse(text: &str) -> Result<Self, AppError> {
        match text.to_ascii_uppercase().as_str() {
            "PENDING" => Ok(RefundStatus::Pending),
            "COMPLETED" => Ok(RefundStatus::Completed),
            "FAILED" => Ok(RefundStatus::Failed),
            _ => Err(AppError::bad_request("INVALID_STATUS", "status must be PENDING, COMPLETED or FAILED")),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Refund {
    pub refund_id: String,
    pub seat_id: String,
    pub wallet: String,
    pub amount_cents: u64,
    pub status: RefundStatus,
    pub month_key: String,
    pub created_at: String,
    pub refund_deadline_at: String,
    pub attempts: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tx_hash: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure_reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completed_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payout_queued_at: Option<String>,
    /// Moves on with each operator RETRY after a rejection: a payout
    /// provider's idempotency key is `<refundId>-<payoutRound>`, so a retry
    /// is a new payout request while duplicates within a round stay one.
    #[serde(default)]
    pub payout_round: u32,
}

impl Refund {
    /// A new PENDING refund of `amount_cents` to `wallet`, created at `at`
    /// and due `REFUND_SLA` later.
    pub fn pending(
        refund_id: String,
        seat_id: String,
        wallet: String,
        amount_cents: u64,
        month_key: String,
        at: OffsetDateTime,
    ) -> Self {
        Refund {
            refund_id,
            seat_id,
            wallet,
            amount_cents,
            status: RefundStatus::Pending,
            month_key,
            created_at: crate::platform::clock::rfc3339(at),
            refund_deadline_at: crate::platform::clock::rfc3339(deadline(at)),
            attempts: 0,
            tx_hash: None,
            failure_reason: None,
            completed_at: None,
            payout_queued_at: None,
            payout_round: 0,
        }
    }
}

/// One refund per seat and month: retries of the cycle can only ever
/// write the same refund.
pub fn refund_id(month: &str, seat_id: &str) -> String {
    format!("RF-{month}-{seat_id}")
}

pub fn deadline(eliminated_at: OffsetDateTime) -> OffsetDateTime {
    eliminated_at + REFUND_SLA
}

/// What an operator (or the payout worker) asks of a refund.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefundAction {
    Complete { tx_hash: String },
    Fail { reason: String },
    Retry,
}

/// The body of `POST /api/partners/refunds`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct RefundActionRequest {
    pub refund_id: String,
    pub action: String,
    pub tx_hash: Option<String>,
    pub reason: Option<String>,
}

impl RefundActionRequest {
    pub fn validate(self) -> Result<(String, RefundAction), AppError> {
        if self.refund_id.trim().is_empty() || self.refund_id.len() > 200 {
            return Err(AppError::bad_request("INVALID_REFUND_ID", "refundId is required"));
        }
        let text = |v: Option<String>, code: &'static str, what: &str| -> Result<String, AppError> {
            match v.map(|s| s.trim().to_string()) {
                Some(s) if !s.is_empty() && s.len() <= 500 => Ok(s),
                _ => Err(AppError::bad_request(code, format!("{what} is required (at most 500 characters)"))),
            }
        };
        let action = match self.action.to_ascii_uppercase().as_str() {
            "COMPLETE" => RefundAction::Complete { tx_hash: text(self.tx_hash, "MISSING_TX_HASH", "txHash")? },
            "FAILED" | "FAIL" => RefundAction::Fail { reason: text(self.reason, "MISSING_REASON", "reason")? },
            "RETRY" => RefundAction::Retry,
            _ => return Err(AppError::bad_request("INVALID_ACTION", "action must be COMPLETE, FAILED or RETRY")),
        };
        Ok((self.refund_id, action))
    }
}

/// The state machine: PENDING -> COMPLETED | FAILED; FAILED -> PENDING
/// (retry). Everything else is a 409 with its own code.
pub fn next_status(current: RefundStatus, action: &RefundAction) -> Result<RefundStatus, AppError> {
    use RefundAction::*;
    use RefundStatus::*;
    match (current, action) {
        (Pending, Complete { .. }) => Ok(Completed),
        (Pending, Fail { .. }) => Ok(Failed),
        (Failed, Retry) => Ok(Pending),
        (Completed, _) => Err(AppError::conflict("REFUND_ALREADY_COMPLETED", "this refund is already completed")),
        (Failed, Complete { .. }) | (Failed, Fail { .. }) => Err(AppError::conflict(
            "REFUND_FAILED_RETRY_FIRST",
            "this refund has failed; RETRY it before completing or failing it again",
        )),
        (Pending, Retry) => Err(AppError::conflict("REFUND_NOT_FAILED", "only a FAILED refund can be retried")),
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SlaReport {
    pub checked_at: String,
    pub overdue: Vec<Refund>,
    pub at_risk: Vec<Refund>,
}

/// Splits pending refunds into overdue (past the deadline) and at risk
/// (deadline within 24 hours). Deadlines are RFC 3339 UTC.
pub fn sla_report(pending: Vec<Refund>, now: OffsetDateTime) -> SlaReport {
    let fmt = crate::platform::clock::rfc3339;
    let now_s = fmt(now);
    let risk_s = fmt(now + AT_RISK_WINDOW);
    let (overdue, rest): (Vec<_>, Vec<_>) =
        pending.into_iter().filter(|r| r.status == RefundStatus::Pending).partition(|r| r.refund_deadline_at < now_s);
    let at_risk = rest.into_iter().filter(|r| r.refund_deadline_at <= risk_s).collect();
    SlaReport { checked_at: now_s, overdue, at_risk }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    /// A PENDING refund due at `deadline` (whatever its creation says).
    fn refund(deadline: &str) -> Refund {
        let created = datetime!(2026-02-28 00:00 UTC);
        Refund {
            refund_deadline_at: deadline.into(),
            ..Refund::pending(format!("r-{deadline}"), "s".into(), "w".into(), 1, "2026-02".into(), created)
        }
    }

    #[test]
    fn deadline_is_seven_calendar_days() {
        assert_eq!(deadline(datetime!(2026-02-28 23:59:59 UTC)), datetime!(2026-03-07 23:59:59 UTC));
    }

    #[test]
    fn transitions() {
        use RefundStatus::*;
        let done = RefundAction::Complete { tx_hash: "t".into() };
        let fail = RefundAction::Fail { reason: "r".into() };
        assert_eq!(next_status(Pending, &done).unwrap(), Completed);
        assert_eq!(next_status(Pending, &fail).unwrap(), Failed);
        assert_eq!(next_status(Failed, &RefundAction::Retry).unwrap(), Pending);
        assert_eq!(next_status(Completed, &done).unwrap_err().code, "REFUND_ALREADY_COMPLETED");
        assert_eq!(next_status(Completed, &RefundAction::Retry).unwrap_err().code, "REFUND_ALREADY_COMPLETED");
        assert_eq!(next_status(Failed, &done).unwrap_err().code, "REFUND_FAILED_RETRY_FIRST");
        assert_eq!(next_status(Failed, &fail).unwrap_err().code, "REFUND_FAILED_RETRY_FIRST");
        assert_eq!(next_status(Pending, &RefundAction::Retry).unwrap_err().code, "REFUND_NOT_FAILED");
    }

    #[test]
    fn requests_need_their_fields() {
        let req = |json: &str| serde_json::from_str::<RefundActionRequest>(json).unwrap().validate();
        assert_eq!(req(r#"{"refundId":"r","action":"COMPLETE"}"#).unwrap_err().code, "MISSING_TX_HASH");
        assert_eq!(req(r#"{"refundId":"r","action":"COMPLETE","txHash":"  "}"#).unwrap_err().code, "MISSING_TX_HASH");
        assert_eq!(req(r#"{"refundId":"r","action":"FAILED"}"#).unwrap_err().code, "MISSING_REASON");
        assert_eq!(req(r#"{"refundId":"r","action":"EXPLODE"}"#).unwrap_err().code, "INVALID_ACTION");
        assert_eq!(req(r#"{"refundId":"","action":"RETRY"}"#).unwrap_err().code, "INVALID_REFUND_ID");
        assert_eq!(
            req(r#"{"refundId":"r","action":"complete","txHash":"abc"}"#).unwrap().1,
            RefundAction::Complete { tx_hash: "abc".into() }
        );
    }

    #[test]
    fn sla_report_at_exact_instants() {
        let now = datetime!(2026-03-07 12:00 UTC);
        let report = sla_report(
            vec![
                refund("2026-03-07T11:59:59Z"), // overdue by a second
                refund("2026-03-07T12:00:00Z"), // due now: at risk, not overdue
                refund("2026-03-08T12:00:00Z"), // exactly 24h away: at risk
                refund("2026-03-08T12:00:01Z"), // beyond 24h: fine
            ],
            now,
        );
        let ids = |v: &[Refund]| v.iter().map(|r| r.refund_deadline_at.clone()).collect::<Vec<_>>();
        assert_eq!(ids(&report.overdue), ["2026-03-07T11:59:59Z"]);
        assert_eq!(ids(&report.at_risk), ["2026-03-07T12:00:00Z", "2026-03-08T12:00:00Z"]);
    }
}
