//! The credits ledger: balances, admin adjustments and reversals, the
//! verify kill switch. Entries are immutable; a balance item is updated in
//! the same transaction as each entry.

use serde::Serialize;
use serde_json::json;

use super::store::{self, LedgerEntry};
use crate::platform::audit::AuditEntry;
use crate::platform::clock::rfc3339;
use crate::platform::dynamo::{self, s};
use crate::platform::error::AppError;
use crate::platform::ids::new_id;
use crate::platform::keys;
use crate::App;

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LedgerView {
    pub wallet: String,
    pub balance: i64,
    pub entries: Vec<LedgerEntry>,
    pub next_cursor: Option<String>,
}

pub async fn view(app: &App, wallet: &str, limit: Option<i32>, cursor: Option<&str>) -> Result<LedgerView, AppError> {
    let limit = limit.unwrap_or(50);
    if !(1..=100).contains(&limit) {
        return Err(AppError::bad_request("INVALID_LIMIT", "limit must be between 1 and 100"));
    }
    let (balance, page) = tokio::try_join!(store::balance(app, wallet), store::entries_page(app, wallet, Some(limit), cursor))?;
    Ok(LedgerView { wallet: wallet.to_string(), balance, entries: page.items, next_cursor: page.next_cursor })
}

fn note_required(note: &str) -> Result<String, AppError> {
    let note = note.trim();
    if note.is_empty() || note.len() > 500 {
        return Err(AppError::bad_request("MISSING_NOTE", "an audit note is required (at most 500 characters)"));
    }
    Ok(note.to_string())
}

async fn write(app: &App, entry: &LedgerEntry, allow_negative: bool, extra: Vec<aws_sdk_dynamodb::types::TransactWriteItem>, audit: &AuditEntry) -> Result<Option<dynamo::Cancelled>, AppError> {
    let mut items = vec![store::entry_item(app, entry)?, store::balance_item(app, &entry.wallet, entry.amount, allow_negative)?];
    items.extend(extra);
    items.push(audit.transact_put(app.table())?);
    Ok(dynamo::transact(&app.db, items).await?.err())
}

pub async fn adjust(app: &App, actor: &str, wallet: &str, amount: i64, note: &str, allow_negative: bool) -> Result<LedgerEntry, AppError> {
    if amount == 0 || amount.abs() > 1_000_000_000 {
        return Err(AppError::bad_request("INVALID_AMOUNT", "amount must be non-zero and within ±1000000000"));
    }
    let note = note_required(note)?;
    let at = rfc3339(app.clock.now());
    let entry = LedgerEntry {
        entry_id: format!("{at}#{}", new_id()),
        wallet: wallet.to_string(),
        kind: "ADJUSTMENT".into(),
        amount,
        at: at.clone(),
        actor: actor.to_string(),
        intent_id: None,
        tx_signature: None,
        reverses: None,
        note: Some(note.clone()),
    };
    let audit = AuditEntry::new(actor, "credits.adjusted", &format!("LEDGER#{wallet}"), &at, json!({ "entryId": entry.entry_id, "amount": amount, "note": note, "allowNegative": allow_negative }));
    match write(app, &entry, allow_negative, vec![], &audit).await? {
        None => Ok(entry),
        Some(c) if c.condition_failed(1) => Err(AppError::new(422, "INSUFFICIENT_BALANCE", "the balance would go negative; set allowNegative to do so explicitly")),
        Some(c) => Err(AppError::internal(format!("adjustment cancelled: {c:?}"))),
    }
}

pub async fn reverse(app: &App, actor: &str, wallet: &str, entry_id: &str, note: &str, allow_negative: bool) -> Result<LedgerEntry, AppError> {
    let note = note_required(note)?;
    let original = store::get_entry(app, wallet, entry_id).await?.ok_or_else(|| AppError::not_found("ENTRY_NOT_FOUND", format!("no entry {entry_id} for this wallet")))?;
    if original.kind == "REVERSAL" {
        return Err(AppError::conflict("CANNOT_REVERSE_REVERSAL", "a reversal cannot itself be reversed; adjust instead"));
    }
    let at = rfc3339(app.clock.now());
    let entry = LedgerEntry {
        entry_id: format!("{at}#{}", new_id()),
        wallet: wallet.to_string(),
        kind: "REVERSAL".into(),
        amount: -original.amount,
        at: at.clone(),
        actor: actor.to_string(),
        intent_id: original.intent_id.clone(),
        tx_signature: None,
        reverses: Some(entry_id.to_string()),
        note: Some(note.clone()),
    };
    // The marker makes "reversed once" a condition, not a read.
    let marker = aws_sdk_dynamodb::types::Put::builder()
        .table_name(app.table())
        .item("PK", s(keys::ledger_pk(wallet)))
        .item("SK", s(keys::reversed_sk(entry_id)))
        .item("entity", s("REVERSAL_MARKER"))
        .item("reversalEntryId", s(&entry.entry_id))
        .condition_expression("attribute_not_exists(PK)")
        .build()
        .map_err(AppError::internal)?;
    let audit = AuditEntry::new(actor, "credits.reversed", &format!("LEDGER#{wallet}"), &at, json!({ "entryId": entry.entry_id, "reverses": entry_id, "amount": entry.amount, "note": note }));
    let extra = vec![aws_sdk_dynamodb::types::TransactWriteItem::builder().put(marker).build()];
    match write(app, &entry, allow_negative, extra, &audit).await? {
        None => Ok(entry),
        Some(c) if c.condition_failed(2) => Err(AppError::conflict("ENTRY_ALREADY_REVERSED", "this entry was already reversed")),
        Some(c) if c.condition_failed(1) => Err(AppError::new(422, "INSUFFICIENT_BALANCE", "the reversal would make the balance negative; set allowNegative to do so explicitly")),
        Some(c) => Err(AppError::internal(format!("reversal cancelled: {c:?}"))),
    }
}

pub async fn set_gate(app: &App, actor: &str, gated: bool, note: &str) -> Result<(), AppError> {
    let note = note_required(note)?;
    let at = rfc3339(app.clock.now());
    let audit = AuditEntry::new(actor, if gated { "payments.verify_gated" } else { "payments.verify_ungated" }, "PROGRAM#global", &at, json!({ "note": note }));
    let items = vec![store::gate_item(app, gated, &note, actor, &at)?, audit.transact_put(app.table())?];
    dynamo::transact(&app.db, items).await?.map_err(|c| AppError::internal(format!("gate cancelled: {c:?}")))
}
