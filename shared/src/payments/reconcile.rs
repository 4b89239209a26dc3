//! The reconciliation report: verified intents against credit entries,
//! duplicate signatures, stale intents, late verifications, negative
//! balances, and drift between each balance item and its entries.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use super::domain::{EntryKind, Intent, IntentKind, IntentStatus, LedgerEntry};
use super::store;
use crate::platform::clock::rfc3339;
use crate::platform::error::AppError;
use crate::App;

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Drift {
    pub wallet: String,
    pub balance: i64,
    pub sum_of_entries: i64,
    pub drift: i64,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct LatePayment {
    pub intent_id: String,
    pub wallet: String,
    pub tx_signature: String,
    pub block_time: String,
    pub expires_at: String,
    pub amount_base_units: u64,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    pub generated_at: String,
    pub verified_intents: usize,
    pub expected_credits: u64,
    pub purchase_entries: usize,
    pub applied_credits: i64,
    /// Verified credit intents without a purchase entry.
    pub missing_credits: Vec<String>,
    /// Signatures behind more than one purchase entry.
    pub duplicate_tx_signatures: Vec<String>,
    /// PENDING intents past their expiry.
    pub stale_pending_intents: Vec<String>,
    /// Verified after at least one failed attempt.
    pub failed_then_verified: Vec<String>,
    /// Paid after the intent expired: the money is at the treasury and no
    /// credit was given. Each needs an operator (refund, or credit by hand).
    pub late_payments: Vec<LatePayment>,
    pub negative_balances: Vec<Drift>,
    pub drift: Vec<Drift>,
    pub zero_drift: bool,
    pub verify_gated: bool,
}

/// Pure: builds the report from what the store read.
pub fn build(now: &str, intents: &[Intent], balances: &[(String, i64)], entries: &HashMap<String, Vec<LedgerEntry>>, gated: bool) -> Report {
    use super::domain::IntentStatus::*;
    let verified: Vec<&Intent> = intents.iter().filter(|i| i.status == Verified && i.kind == IntentKind::Credits).collect();
    let purchases: Vec<&LedgerEntry> = entries.values().flatten().filter(|e| e.kind == EntryKind::Purchase).collect();
    let mut by_sig: BTreeMap<&str, usize> = BTreeMap::new();
    for e in &purchases {
        if let Some(sig) = e.tx_signature.as_deref() {
            *by_sig.entry(sig).or_default() += 1;
        }
    }
    let credited: std::collections::HashSet<&str> = purchases.iter().filter_map(|e| e.intent_id.as_deref()).collect();
    let mut drift = Vec::new();
    let mut negative = Vec::new();
    for (wallet, balance) in balances {
        let sum: i64 = entries.get(wallet).map(|v| v.iter().map(|e| e.amount).sum()).unwrap_or(0);
        let row = Drift { wallet: wallet.clone(), balance: *balance, sum_of_entries: sum, drift: balance - sum };
        if *balance < 0 {
            negative.push(row.clone());
        }
        if row.drift != 0 {
            drift.push(row);
        }
    }
    Report {
        generated_at: now.to_string(),
        verified_intents: verified.len(),
        expected_credits: verified.iter().map(|i| i.credits).sum(),
        purchase_entries: purchases.len(),
        applied_credits: purchases.iter().map(|e| e.amount).sum(),
        missing_credits: verified.iter().filter(|i| !credited.contains(i.intent_id.as_str())).map(|i| i.intent_id.clone()).collect(),
        duplicate_tx_signatures: by_sig.into_iter().filter(|(_, n)| *n > 1).map(|(s, _)| s.to_string()).collect(),
        stale_pending_intents: intents.iter().filter(|i| i.status == Pending && i.expires_at.as_str() < now).map(|i| i.intent_id.clone()).collect(),
        failed_then_verified: intents.iter().filter(|i| i.status != Pending && i.failed_verifications > 0).map(|i| i.intent_id.clone()).collect(),
        late_payments: intents
            .iter()
            .filter(|i| i.status == Pending)
            .filter_map(|i| {
                Some(LatePayment {
                    intent_id: i.intent_id.clone(),
                    wallet: i.wallet.clone(),
                    tx_signature: i.late_tx_signature.clone()?,
                    block_time: i.late_block_time.clone().unwrap_or_default(),
                    expires_at: i.expires_at.clone(),
                    amount_base_units: i.amount_base_units,
                })
            })
            .collect(),
        zero_drift: drift.is_empty(),
        negative_balances: negative,
        drift,
        verify_gated: gated,
    }
}

pub async fn run(app: &App) -> Result<Report, AppError> {
    let mut intents = Vec::new();
    for status in [IntentStatus::Pending, IntentStatus::Verified, IntentStatus::PaidRefundDue] {
        intents.extend(store::intents_of_status(app, status).await?);
    }
    let balances = store::all_balances(app).await?;
    let mut entries = HashMap::new();
    for (wallet, _) in &balances {
        entries.insert(wallet.clone(), store::all_entries(app, wallet).await?);
    }
    let gated = store::verify_gated(app).await?.is_some();
    let report = build(&rfc3339(app.clock.now()), &intents, &balances, &entries, gated);
    if report.zero_drift && report.duplicate_tx_signatures.is_empty() && report.missing_credits.is_empty() && report.late_payments.is_empty() {
        tracing::info!(verified = report.verified_intents, "reconciliation: zero drift");
    } else {
        tracing::error!(drift = report.drift.len(), duplicates = report.duplicate_tx_signatures.len(), missing = report.missing_credits.len(), late = report.late_payments.len(), "reconciliation found anomalies");
    }
    Ok(report)
}
