//! Reconciliation, off the request path: verified intents against credit
//! entries, duplicate signatures, stale intents, late payments, negative
//! balances, and drift between each balance item and its entries.
//!
//! A run is paged and resumable: a run item holds its phase, its cursor and
//! the report so far, saved after every page, so an invocation that runs
//! out of time (or dies) leaves the next one to continue where it stopped.
//! A finished report is stored as the latest; the HTTP route serves that.
//!
//! Drift is read from a consistent snapshot of each wallet: the balance
//! item, its entries, then the balance item again; entries are immutable and
//! every write moves the balance and its `entryCount` with its entry, so an
//! unchanged balance item means the entries read are exactly the ones it
//! counts. A wallet written to throughout is reported as unsettled, never as
//! false drift.

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::domain::{EntryKind, Intent, IntentKind, IntentStatus, LedgerEntry};
use super::store::{self, BalanceRecord};
use crate::platform::clock::rfc3339;
use crate::platform::error::AppError;
use crate::platform::ids::new_id;
use crate::App;

/// Rows kept per list; the counts stay exact beyond it (`truncated`).
pub const MAX_ROWS: usize = 100;
const INTENT_PAGE: i32 = 100;
const WALLET_PAGE: i32 = 25;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Drift {
    pub wallet: String,
    pub balance: i64,
    pub sum_of_entries: i64,
    pub drift: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct LatePayment {
    pub intent_id: String,
    pub wallet: String,
    pub tx_signature: String,
    pub block_time: String,
    pub expires_at: String,
    pub amount_base_units: u64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    pub run_id: String,
    pub started_at: String,
    /// When the run finished (empty while in progress).
    pub generated_at: String,
    pub verified_intents: usize,
    pub expected_credits: u64,
    pub purchase_entries: usize,
    pub applied_credits: i64,
    pub wallets_checked: usize,
    /// Verified credit intents without their purchase entry.
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
    /// Wallets written to during every read of them (checked next run).
    pub unsettled_wallets: Vec<String>,
    pub zero_drift: bool,
    pub verify_gated: bool,
    /// A list reached `MAX_ROWS` and stopped growing.
    pub truncated: bool,
}

fn push<T>(list: &mut Vec<T>, truncated: &mut bool, row: T) {
    if list.len() < MAX_ROWS {
        list.push(row);
    } else {
        *truncated = true;
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
enum Phase {
    PendingIntents,
    VerifiedIntents,
    RefundDueIntents,
    Wallets,
}

/// A run in progress, as stored between pages.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Run {
    phase: Phase,
    cursor: Option<String>,
    /// Pages done: the run's version, so two invocations never both advance it.
    pages: u64,
    report: Report,
}

/// What an invocation left behind.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase", tag = "status")]
pub enum Progress {
    #[serde(rename = "COMPLETED")]
    Completed { report: Box<Report> },
    #[serde(rename = "IN_PROGRESS")]
    InProgress { run_id: String, pages: u64, phase: String },
}

/// Runs to completion now (the daily job within its time, tests).
pub async fn run(app: &App) -> Result<Report, AppError> {
    loop {
        if let Progress::Completed { report } = advance(app, Duration::from_secs(3600)).await? {
            return Ok(*report);
        }
    }
}

/// Advances the current run (or starts one) for about `budget`, one page
/// at a time, saving after each.
pub async fn advance(app: &App, budget: Duration) -> Result<Progress, AppError> {
    let started = Instant::now();
    let mut run = match store::recon_run::<Run>(app).await? {
        Some(run) => run,
        None => {
            let report = Report { run_id: new_id(), started_at: rfc3339(app.clock.now()), ..Default::default() };
            Run { phase: Phase::PendingIntents, cursor: None, pages: 0, report }
        }
    };
    loop {
        let seen = run.pages;
        let finished = page(app, &mut run).await?;
        run.pages += 1;
        if finished {
            let report = finish(app, run.report).await?;
            if !store::finish_recon(app, &report, seen).await? {
                return Err(AppError::conflict(
                    "RECONCILIATION_BUSY",
                    "another invocation is advancing this reconciliation",
                ));
            }
            log(&report);
            return Ok(Progress::Completed { report: Box::new(report) });
        }
        if !store::save_recon_run(app, &run, seen).await? {
            return Err(AppError::conflict(
                "RECONCILIATION_BUSY",
                "another invocation is advancing this reconciliation",
            ));
        }
        if started.elapsed() >= budget {
            return Ok(Progress::InProgress {
                run_id: run.report.run_id,
                pages: run.pages,
                phase: format!("{:?}", run.phase),
            });
        }
    }
}

/// The latest finished report, if any.
pub async fn latest(app: &App) -> Result<Option<Report>, AppError> {
    store::latest_recon_report(app).await
}

/// One page of the current phase; `Ok(true)` when the whole run is done.
async fn page(app: &App, run: &mut Run) -> Result<bool, AppError> {
    let next = match run.phase {
        Phase::PendingIntents => intents(app, run, IntentStatus::Pending).await?.then_some(Phase::VerifiedIntents),
        Phase::VerifiedIntents => intents(app, run, IntentStatus::Verified).await?.then_some(Phase::RefundDueIntents),
        Phase::RefundDueIntents => intents(app, run, IntentStatus::PaidRefundDue).await?.then_some(Phase::Wallets),
        Phase::Wallets => return wallets(app, run).await,
    };
    if let Some(phase) = next {
        run.phase = phase;
        run.cursor = None;
    }
    Ok(false)
}

/// One page of intents of a status; `Ok(true)` when the status is done.
async fn intents(app: &App, run: &mut Run, status: IntentStatus) -> Result<bool, AppError> {
    let page = store::intents_page(app, status, INTENT_PAGE, run.cursor.as_deref()).await?;
    let now = rfc3339(app.clock.now());
    let r = &mut run.report;
    let mut must_have_entry = Vec::new();
    for i in &page.items {
        match i.status {
            IntentStatus::Pending => {
                if i.expires_at < now {
                    push(&mut r.stale_pending_intents, &mut r.truncated, i.intent_id.clone());
                }
                if let Some(late) = late_payment(i) {
                    push(&mut r.late_payments, &mut r.truncated, late);
                }
            }
            IntentStatus::Verified | IntentStatus::PaidRefundDue => {
                if i.failed_verifications > 0 {
                    push(&mut r.failed_then_verified, &mut r.truncated, i.intent_id.clone());
                }
                if i.status == IntentStatus::Verified && i.kind == IntentKind::Credits {
                    r.verified_intents += 1;
                    r.expected_credits = r.expected_credits.saturating_add(i.credits);
                    let entry = store::purchase_entry_id(i.verified_at.as_deref().unwrap_or_default(), &i.intent_id);
                    must_have_entry.push((i.wallet.clone(), entry, i.intent_id.clone()));
                }
            }
        }
    }
    if !must_have_entry.is_empty() {
        let wanted: Vec<(String, String)> = must_have_entry.iter().map(|(w, e, _)| (w.clone(), e.clone())).collect();
        let existing = store::existing_entries(app, &wanted).await?;
        for (_, entry, intent_id) in must_have_entry {
            if !existing.contains(&entry) {
                push(&mut r.missing_credits, &mut r.truncated, intent_id);
            }
        }
    }
    run.cursor = page.next_cursor;
    Ok(run.cursor.is_none())
}

fn late_payment(i: &Intent) -> Option<LatePayment> {
    Some(LatePayment {
        intent_id: i.intent_id.clone(),
        wallet: i.wallet.clone(),
        tx_signature: i.late_tx_signature.clone()?,
        block_time: i.late_block_time.clone().unwrap_or_default(),
        expires_at: i.expires_at.clone(),
        amount_base_units: i.amount_base_units,
    })
}

/// One page of wallets; `Ok(true)` when every wallet is done.
async fn wallets(app: &App, run: &mut Run) -> Result<bool, AppError> {
    let page = store::balances_page(app, WALLET_PAGE, run.cursor.as_deref()).await?;
    for balance in &page.items {
        match snapshot(app, &balance.wallet).await? {
            Some((record, entries)) => check_wallet(app, &mut run.report, &record, &entries).await?,
            None => {
                let r = &mut run.report;
                push(&mut r.unsettled_wallets, &mut r.truncated, balance.wallet.clone());
            }
        }
    }
    run.cursor = page.next_cursor;
    Ok(run.cursor.is_none())
}

/// The balance and exactly the entries it counts, or `None` if the wallet
/// kept changing while read.
async fn snapshot(app: &App, wallet: &str) -> Result<Option<(BalanceRecord, Vec<LedgerEntry>)>, AppError> {
    for _ in 0..3 {
        let before = store::balance_record(app, wallet).await?;
        let entries = store::all_entries(app, wallet).await?;
        let after = store::balance_record(app, wallet).await?;
        if let (Some(before), Some(after)) = (before, after) {
            if before == after {
                return Ok(Some((after, entries)));
            }
        }
    }
    Ok(None)
}

async fn check_wallet(
    app: &App,
    r: &mut Report,
    balance: &BalanceRecord,
    entries: &[LedgerEntry],
) -> Result<(), AppError> {
    r.wallets_checked += 1;
    let purchases: Vec<&LedgerEntry> = entries.iter().filter(|e| e.kind == EntryKind::Purchase).collect();
    r.purchase_entries += purchases.len();
    r.applied_credits = r.applied_credits.saturating_add(purchases.iter().map(|e| e.amount).sum::<i64>());
    // A signature twice in this wallet, or owned by another intent than the
    // entry's (so credited elsewhere too), is a duplicate.
    let mut by_signature: BTreeMap<&str, usize> = BTreeMap::new();
    for e in &purchases {
        if let Some(sig) = e.tx_signature.as_deref() {
            *by_signature.entry(sig).or_default() += 1;
        }
    }
    let signatures: Vec<String> = by_signature.keys().map(|s| s.to_string()).collect();
    let owners: HashMap<String, String> =
        if signatures.is_empty() { HashMap::new() } else { store::signature_owners(app, &signatures).await? };
    for (sig, count) in &by_signature {
        let foreign = purchases.iter().any(|e| {
            e.tx_signature.as_deref() == Some(*sig)
                && owners.get(*sig).is_some_and(|o| Some(o.as_str()) != e.intent_id.as_deref())
        });
        if *count > 1 || foreign {
            push(&mut r.duplicate_tx_signatures, &mut r.truncated, sig.to_string());
        }
    }
    let sum = entries.iter().map(|e| e.amount).fold(0i64, i64::saturating_add);
    let row = Drift {
        wallet: balance.wallet.clone(),
        balance: balance.balance,
        sum_of_entries: sum,
        drift: balance.balance.saturating_sub(sum),
    };
    if balance.balance < 0 {
        push(&mut r.negative_balances, &mut r.truncated, row.clone());
    }
    if row.drift != 0 {
        push(&mut r.drift, &mut r.truncated, row);
    }
    Ok(())
}

async fn finish(app: &App, mut report: Report) -> Result<Report, AppError> {
    report.generated_at = rfc3339(app.clock.now());
    report.zero_drift = report.drift.is_empty();
    crate::platform::metrics::gauge(crate::platform::metrics::names::RECONCILIATION_DRIFT, report.drift.len() as f64);
    report.verify_gated = store::verify_gated(app).await?.is_some();
    Ok(report)
}

fn log(report: &Report) {
    let clean = report.zero_drift
        && report.duplicate_tx_signatures.is_empty()
        && report.missing_credits.is_empty()
        && report.late_payments.is_empty();
    if clean {
        tracing::info!(
            verified = report.verified_intents,
            wallets = report.wallets_checked,
            "reconciliation: zero drift"
        );
    } else {
        tracing::error!(
            drift = report.drift.len(),
            duplicates = report.duplicate_tx_signatures.len(),
            missing = report.missing_credits.len(),
            late = report.late_payments.len(),
            "reconciliation found anomalies"
        );
    }
}
