//! DynamoDB access for payments: the owner of the intent, the
//! transaction-signature guard, the ledger (entries, balance, reversal
//! markers) and the verify gate.

use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem};
use serde::Deserialize;

use super::domain::{Intent, IntentStatus, LedgerEntry};
use crate::platform::dynamo::{self, n, query_all, query_page, s, tx_put, tx_update, Page, Partition};
use crate::platform::entity::{Key, Layout, NOT_EXISTS};
use crate::platform::error::AppError;
use crate::platform::table::GSI1;
use crate::program::store::PROGRAM_PK;
use crate::App;

// ---- keys: every payments entity's, here ----

fn intent_key(intent_id: &str) -> Key {
    Key::new(format!("INTENT#{intent_id}"), "INTENT")
}

/// The audit subject of an intent.
pub fn intent_subject(intent_id: &str) -> String {
    intent_key(intent_id).pk
}

/// GSI1: intents by status, by creation time.
fn intents_by_status(status: IntentStatus) -> String {
    format!("INTENTS#{}", status.as_str())
}

fn intent_layout(intent: &Intent) -> Layout {
    Layout::new("PURCHASE_INTENT", intent_key(&intent.intent_id))
        .gsi1(intents_by_status(intent.status), format!("{}#{}", intent.created_at, intent.intent_id))
}

/// "Credited once": one item per transaction signature, ever.
fn signature_key(signature: &str) -> Key {
    Key::new(format!("TXSIG#{signature}"), "TXSIG")
}

/// A wallet's ledger partition: `BALANCE`, `ENTRY#<entryId>`, `REVERSED#<entryId>`.
fn ledger_partition(wallet: &str) -> String {
    format!("LEDGER#{wallet}")
}

/// The audit subject of a wallet's ledger.
pub fn ledger_subject(wallet: &str) -> String {
    ledger_partition(wallet)
}

fn balance_key(wallet: &str) -> Key {
    Key::new(ledger_partition(wallet), "BALANCE")
}

const ENTRY_PREFIX: &str = "ENTRY#";

fn entry_key(wallet: &str, entry_id: &str) -> Key {
    Key::new(ledger_partition(wallet), format!("{ENTRY_PREFIX}{entry_id}"))
}

fn reversal_marker_key(wallet: &str, entry_id: &str) -> Key {
    Key::new(ledger_partition(wallet), format!("REVERSED#{entry_id}"))
}

/// GSI1: every balance, for reconciliation.
const ALL_BALANCES: &str = "BALANCES";

fn gate_key() -> Key {
    Key::new(PROGRAM_PK, "PAYMENTS_GATE")
}

/// The audit subject of gate changes: the program's.
pub const GATE_SUBJECT: &str = crate::program::store::SUBJECT;

// ---- intents ----

pub async fn create_intent(app: &App, intent: &Intent) -> Result<(), AppError> {
    app.db
        .put_item()
        .table_name(app.table())
        .set_item(Some(intent_layout(intent).item(intent)?))
        .condition_expression(NOT_EXISTS)
        .send()
        .await?;
    Ok(())
}

pub async fn get_intent(app: &App, intent_id: &str) -> Result<Option<Intent>, AppError> {
    dynamo::get_as(&app.db, app.table(), &intent_key(intent_id)).await
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SignatureUse {
    intent_id: String,
}

/// The intent a signature was used for, if any.
pub async fn signature_owner(app: &App, signature: &str) -> Result<Option<String>, AppError> {
    let used: Option<SignatureUse> = dynamo::get_as(&app.db, app.table(), &signature_key(signature)).await?;
    Ok(used.map(|u| u.intent_id))
}

pub async fn record_failed_verification(app: &App, intent_id: &str, error: &str) -> Result<(), AppError> {
    let result = app
        .db
        .update_item()
        .table_name(app.table())
        .set_key(Some(intent_key(intent_id).attrs()))
        .update_expression("SET failedVerifications = if_not_exists(failedVerifications, :zero) + :one, lastError = :e")
        .condition_expression("#status = :pending")
        .expression_attribute_names("#status", "status")
        .expression_attribute_values(":zero", n(0))
        .expression_attribute_values(":one", n(1))
        .expression_attribute_values(":e", s(error))
        .expression_attribute_values(":pending", s(IntentStatus::Pending.as_str()))
        .send()
        .await;
    // Refused only when the intent was settled meanwhile: nothing to count.
    dynamo::applied(result).map(|_| ())
}

/// Records a payment that arrived after its intent expired (the intent
/// stays PENDING, so its expiry shows too).
pub async fn record_late_payment(
    app: &App,
    intent_id: &str,
    signature: &str,
    block_time: &str,
) -> Result<(), AppError> {
    let result = app
        .db
        .update_item()
        .table_name(app.table())
        .set_key(Some(intent_key(intent_id).attrs()))
        .update_expression("SET lateTxSignature = :sig, lateBlockTime = :bt")
        .condition_expression("#status = :pending")
        .expression_attribute_names("#status", "status")
        .expression_attribute_values(":sig", s(signature))
        .expression_attribute_values(":bt", s(block_time))
        .expression_attribute_values(":pending", s(IntentStatus::Pending.as_str()))
        .send()
        .await;
    dynamo::applied(result).map(|_| ())
}

/// PENDING -> `to` for the intent, only if still PENDING.
pub fn settle_intent_item(
    app: &App,
    intent: &Intent,
    to: IntentStatus,
    signature: &str,
    at: &str,
    extra: &[(&str, &str)],
) -> Result<TransactWriteItem, AppError> {
    let mut expr = "SET #status = :to, GSI1PK = :g, txSignature = :sig, verifiedAt = :at".to_string();
    let mut update = intent_key(&intent.intent_id)
        .update(app.table())
        .condition_expression("#status = :pending")
        .expression_attribute_names("#status", "status")
        .expression_attribute_values(":to", s(to.as_str()))
        .expression_attribute_values(":g", s(intents_by_status(to)))
        .expression_attribute_values(":sig", s(signature))
        .expression_attribute_values(":at", s(at))
        .expression_attribute_values(":pending", s(IntentStatus::Pending.as_str()));
    for (i, (name, value)) in extra.iter().enumerate() {
        expr.push_str(&format!(", {name} = :x{i}"));
        update = update.expression_attribute_values(format!(":x{i}"), s(*value));
    }
    tx_update(update.update_expression(expr))
}

/// The once-per-signature item.
pub fn signature_item(
    app: &App,
    signature: &str,
    intent_id: &str,
    wallet: &str,
    at: &str,
) -> Result<TransactWriteItem, AppError> {
    tx_put(
        Put::builder()
            .table_name(app.table())
            .set_item(Some(Layout::new("TX_SIGNATURE", signature_key(signature)).key_attrs()))
            .item("signature", s(signature))
            .item("intentId", s(intent_id))
            .item("wallet", s(wallet))
            .item("at", s(at))
            .condition_expression(NOT_EXISTS),
    )
}

// ---- ledger ----

/// An immutable entry: put once, never updated or deleted.
pub fn entry_item(app: &App, entry: &LedgerEntry) -> Result<TransactWriteItem, AppError> {
    let layout = Layout::new("LEDGER_ENTRY", entry_key(&entry.wallet, &entry.entry_id));
    tx_put(layout.put_new(app.table(), entry)?)
}

/// The marker that makes "reversed once" a condition, not a read.
pub fn reversal_marker_item(
    app: &App,
    wallet: &str,
    entry_id: &str,
    reversal_entry_id: &str,
) -> Result<TransactWriteItem, AppError> {
    tx_put(
        Put::builder()
            .table_name(app.table())
            .set_item(Some(Layout::new("REVERSAL_MARKER", reversal_marker_key(wallet, entry_id)).key_attrs()))
            .item("reversalEntryId", s(reversal_entry_id))
            .condition_expression(NOT_EXISTS),
    )
}

/// Adds `amount` to the wallet's balance. A debit needs the balance to
/// cover it unless `allow_negative` (an explicit admin decision).
pub fn balance_item(app: &App, wallet: &str, amount: i64, allow_negative: bool) -> Result<TransactWriteItem, AppError> {
    let mut update = balance_key(wallet)
        .update(app.table())
        .update_expression("ADD balance :amt, entryCount :one SET GSI1PK = :g, GSI1SK = :w, wallet = :w, entity = :e")
        .expression_attribute_values(":amt", n(amount))
        .expression_attribute_values(":one", n(1))
        .expression_attribute_values(":g", s(ALL_BALANCES))
        .expression_attribute_values(":w", s(wallet))
        .expression_attribute_values(":e", s("BALANCE"));
    if amount < 0 && !allow_negative {
        update = update
            .condition_expression("balance >= :need")
            .expression_attribute_values(":need", n(amount.unsigned_abs()));
    }
    tx_update(update)
}

/// A wallet's balance item: the balance and how many entries made it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BalanceRecord {
    #[serde(default)]
    pub wallet: String,
    #[serde(default)]
    pub balance: i64,
    #[serde(default)]
    pub entry_count: u64,
}

pub async fn balance(app: &App, wallet: &str) -> Result<i64, AppError> {
    Ok(balance_record(app, wallet).await?.map(|b| b.balance).unwrap_or(0))
}

pub async fn balance_record(app: &App, wallet: &str) -> Result<Option<BalanceRecord>, AppError> {
    dynamo::get_as(&app.db, app.table(), &balance_key(wallet)).await
}

/// A page of every wallet's balance (the reconciliation job).
pub async fn balances_page(app: &App, limit: i32, cursor: Option<&str>) -> Result<Page<BalanceRecord>, AppError> {
    query_page(&app.db, app.table(), &Partition::index(GSI1, ALL_BALANCES), Some(limit), cursor).await
}

/// A page of intents of a status (the reconciliation job).
pub async fn intents_page(
    app: &App,
    status: IntentStatus,
    limit: i32,
    cursor: Option<&str>,
) -> Result<Page<Intent>, AppError> {
    query_page(&app.db, app.table(), &Partition::index(GSI1, intents_by_status(status)), Some(limit), cursor).await
}

/// The purchase entry a verified credit intent must have.
pub fn purchase_entry_id(verified_at: &str, intent_id: &str) -> String {
    format!("{verified_at}#intent-{intent_id}")
}

/// Which of `(wallet, entry id)` exist, by entry id (BatchGetItem, 100 keys a request).
pub async fn existing_entries(
    app: &App,
    wanted: &[(String, String)],
) -> Result<std::collections::HashSet<String>, AppError> {
    let keys = wanted.iter().map(|(wallet, id)| entry_key(wallet, id)).collect::<Vec<_>>();
    let found = dynamo::batch_get(&app.db, app.table(), &keys).await?;
    Ok(found
        .into_iter()
        .filter_map(|item| serde_dynamo::from_item::<_, LedgerEntry>(item).ok())
        .map(|e| e.entry_id)
        .collect())
}

/// The intent each signature paid, for those that paid one (BatchGetItem).
pub async fn signature_owners(
    app: &App,
    signatures: &[String],
) -> Result<std::collections::HashMap<String, String>, AppError> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Owner {
        intent_id: String,
        #[serde(default)]
        signature: String,
    }
    let keys = signatures.iter().map(|s| signature_key(s)).collect::<Vec<_>>();
    let found = dynamo::batch_get(&app.db, app.table(), &keys).await?;
    let mut owners = std::collections::HashMap::new();
    for item in found {
        let pk = item.get(crate::platform::table::PK).and_then(|v| v.as_s().ok()).cloned().unwrap_or_default();
        let owner: Owner = serde_dynamo::from_item(item)?;
        let signature =
            if owner.signature.is_empty() { pk.trim_start_matches("TXSIG#").to_string() } else { owner.signature };
        owners.insert(signature, owner.intent_id);
    }
    Ok(owners)
}

// ---- reconciliation runs and reports ----

fn recon_run_key() -> Key {
    Key::new("RECONCILIATION", "RUN")
}

fn recon_report_key() -> Key {
    Key::new("RECONCILIATION", "LATEST")
}

/// The run in progress, if any.
pub async fn recon_run<T: serde::de::DeserializeOwned>(app: &App) -> Result<Option<T>, AppError> {
    dynamo::get_as(&app.db, app.table(), &recon_run_key()).await
}

/// Saves a run's progress if no other invocation advanced it since
/// (`pages` is its version). `Ok(false)`: someone else did.
pub async fn save_recon_run<T: serde::Serialize>(app: &App, run: &T, pages: u64) -> Result<bool, AppError> {
    let item = Layout::new("RECONCILIATION_RUN", recon_run_key()).item(run)?;
    let result = app
        .db
        .put_item()
        .table_name(app.table())
        .set_item(Some(item))
        .condition_expression("attribute_not_exists(PK) OR pages = :seen")
        .expression_attribute_values(":seen", n(pages))
        .send()
        .await;
    dynamo::applied(result)
}

/// Stores a finished report as the latest and ends its run, atomically.
pub async fn finish_recon<T: serde::Serialize>(app: &App, report: &T, pages: u64) -> Result<bool, AppError> {
    let t = app.table();
    let latest = Put::builder()
        .table_name(t)
        .set_item(Some(Layout::new("RECONCILIATION_REPORT", recon_report_key()).item(report)?));
    let end = aws_sdk_dynamodb::types::Delete::builder()
        .table_name(t)
        .set_key(Some(recon_run_key().attrs()))
        .condition_expression("attribute_not_exists(PK) OR pages = :seen")
        .expression_attribute_values(":seen", n(pages))
        .build()?;
    let tx = dynamo::Tx::new()
        .with("reconciliation.report", tx_put(latest)?)
        .with("reconciliation.run", TransactWriteItem::builder().delete(end).build());
    match dynamo::transact(&app.db, tx).await? {
        Ok(()) => Ok(true),
        Err(r) if r.failed("reconciliation.run") => Ok(false),
        Err(r) => Err(r.unexpected("reconciliation finish")),
    }
}

pub async fn latest_recon_report<T: serde::de::DeserializeOwned>(app: &App) -> Result<Option<T>, AppError> {
    dynamo::get_as(&app.db, app.table(), &recon_report_key()).await
}

pub async fn get_entry(app: &App, wallet: &str, entry_id: &str) -> Result<Option<LedgerEntry>, AppError> {
    dynamo::get_as(&app.db, app.table(), &entry_key(wallet, entry_id)).await
}

/// A page of entries, newest first.
pub async fn entries_page(
    app: &App,
    wallet: &str,
    limit: Option<i32>,
    cursor: Option<&str>,
) -> Result<Page<LedgerEntry>, AppError> {
    query_page(&app.db, app.table(), &entries(wallet).newest_first(), limit, cursor).await
}

pub async fn all_entries(app: &App, wallet: &str) -> Result<Vec<LedgerEntry>, AppError> {
    let items = query_all(&app.db, app.table(), &entries(wallet)).await?;
    Ok(items.into_iter().map(serde_dynamo::from_item).collect::<Result<_, _>>()?)
}

fn entries(wallet: &str) -> Partition<'static> {
    Partition::table(ledger_partition(wallet)).begins_with(ENTRY_PREFIX)
}

// ---- the verify gate (kill switch) ----

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Gate {
    #[serde(default)]
    verify_gated: bool,
    #[serde(default)]
    note: String,
}

/// The operator's note while verification is gated; `None` while open.
pub async fn verify_gated(app: &App) -> Result<Option<String>, AppError> {
    let gate: Option<Gate> = dynamo::get_as(&app.db, app.table(), &gate_key()).await?;
    Ok(gate.filter(|g| g.verify_gated).map(|g| g.note))
}

pub fn gate_item(app: &App, gated: bool, note: &str, actor: &str, at: &str) -> Result<TransactWriteItem, AppError> {
    tx_put(
        Put::builder()
            .table_name(app.table())
            .set_item(Some(Layout::new("PAYMENTS_GATE", gate_key()).key_attrs()))
            .item("verifyGated", AttributeValue::Bool(gated))
            .item("note", s(note))
            .item("updatedBy", s(actor))
            .item("updatedAt", s(at)),
    )
}
