//! The credits ledger: balances, admin adjustments and reversals, the
//! verify kill switch. Entries are immutable; a balance item is updated in
//! the same transaction as each entry.

use serde::Serialize;
use serde_json::json;

use super::domain::{EntryKind, LedgerEntry};
use super::store;
use crate::platform::audit::{self, AuditEntry};
use crate::platform::clock::rfc3339;
use crate::platform::dynamo::{self, Refused, Tx};
use crate::platform::error::AppError;
use crate::platform::ids::new_id;
use crate::App;

// Names of the ledger write's items.
const TX_ENTRY: &str = "ledger.entry";
const TX_BALANCE: &str = "ledger.balance";
const TX_MARKER: &str = "ledger.reversal_marker";

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
    let (balance, page) =
        tokio::try_join!(store::balance(app, wallet), store::entries_page(app, wallet, Some(limit), cursor))?;
    Ok(LedgerView { wallet: wallet.to_string(), balance, entries: page.items, next_cursor: page.next_cursor })
}

fn note_required(note: &str) -> Result<String, AppError> {
    let note = note.trim();
    if note.is_empty() || note.len() > 500 {
        return Err(AppError::bad_request("MISSING_NOTE", "an audit note is required (at most 500 characters)"));
    }
    Ok(note.to_string())
}

/// The entry and the balance move together, with `extra` items and the audit row.
async fn write(
    app: &App,
    entry: &LedgerEntry,
    allow_negative: bool,
    mut tx: Tx,
    audit: &AuditEntry,
) -> Result<Option<Refused>, AppError> {
    tx.add(TX_ENTRY, store::entry_item(app, entry)?)
        .add(TX_BALANCE, store::balance_item(app, &entry.wallet, entry.amount, allow_negative)?)
        .add(audit::TX_ITEM, audit.transact_put(app.table())?);
    Ok(dynamo::transact(&app.db, tx).await?.err())
}

pub async fn adjust(
    app: &App,
    actor: &str,
    wallet: &str,
    amount: i64,
    note: &str,
    allow_negative: bool,
) -> Result<LedgerEntry, AppError> {
    let amount = super::domain::adjustment_amount(amount)?;
    let note = note_required(note)?;
    let at = rfc3339(app.clock.now());
    let entry = LedgerEntry {
        entry_id: format!("{at}#{}", new_id()),
        wallet: wallet.to_string(),
        kind: EntryKind::Adjustment,
        amount,
        at: at.clone(),
        actor: actor.to_string(),
        intent_id: None,
        tx_signature: None,
        reverses: None,
        note: Some(note.clone()),
    };
    let audit = AuditEntry::new(
        actor,
        "credits.adjusted",
        &store::ledger_subject(wallet),
        &at,
        json!({ "entryId": entry.entry_id, "amount": amount, "note": note, "allowNegative": allow_negative }),
    );
    match write(app, &entry, allow_negative, Tx::new(), &audit).await? {
        None => Ok(entry),
        Some(r) if r.failed(TX_BALANCE) => Err(AppError::new(
            crate::platform::error::ErrorKind::NotAllowed,
            "INSUFFICIENT_BALANCE",
            "the balance would go negative; set allowNegative to do so explicitly",
        )),
        Some(r) => Err(r.unexpected("adjustment")),
    }
}

pub async fn reverse(
    app: &App,
    actor: &str,
    wallet: &str,
    entry_id: &str,
    note: &str,
    allow_negative: bool,
) -> Result<LedgerEntry, AppError> {
    let note = note_required(note)?;
    let original = store::get_entry(app, wallet, entry_id)
        .await?
        .ok_or_else(|| AppError::not_found("ENTRY_NOT_FOUND", format!("no entry {entry_id} for this wallet")))?;
    if original.kind == EntryKind::Reversal {
        return Err(AppError::conflict(
            "CANNOT_REVERSE_REVERSAL",
            "a reversal cannot itself be reversed; adjust instead",
        ));
    }
    let at = rfc3339(app.clock.now());
    let entry = LedgerEntry {
        entry_id: format!("{at}#{}", new_id()),
        wallet: wallet.to_string(),
        kind: EntryKind::Reversal,
        // Entries are bounded on the way in, so this cannot overflow; checked anyway.
        amount: original.amount.checked_neg().ok_or_else(|| AppError::internal("entry amount cannot be negated"))?,
        at: at.clone(),
        actor: actor.to_string(),
        intent_id: original.intent_id.clone(),
        tx_signature: None,
        reverses: Some(entry_id.to_string()),
        note: Some(note.clone()),
    };
    let audit = AuditEntry::new(
        actor,
        "credits.reversed",
        &store::ledger_subject(wallet),
        &at,
        json!({ "entryId": entry.entry_id, "reverses": entry_id, "amount": entry.amount, "note": note }),
    );
    let marker = Tx::new().with(TX_MARKER, store::reversal_marker_item(app, wallet, entry_id, &entry.entry_id)?);
    match write(app, &entry, allow_negative, marker, &audit).await? {
        None => {
            crate::platform::metrics::count(
                crate::platform::metrics::names::CREDITS_REVERSED,
                entry.amount.unsigned_abs(),
            );
            Ok(entry)
        }
        Some(r) if r.failed(TX_MARKER) => {
            Err(AppError::conflict("ENTRY_ALREADY_REVERSED", "this entry was already reversed"))
        }
        Some(r) if r.failed(TX_BALANCE) => Err(AppError::new(
            crate::platform::error::ErrorKind::NotAllowed,
            "INSUFFICIENT_BALANCE",
            "the reversal would make the balance negative; set allowNegative to do so explicitly",
        )),
        Some(r) => Err(r.unexpected("reversal")),
    }
}

pub async fn set_gate(app: &App, actor: &str, gated: bool, note: &str) -> Result<(), AppError> {
    let note = note_required(note)?;
    let at = rfc3339(app.clock.now());
    let audit = AuditEntry::new(
        actor,
        if gated { "payments.verify_gated" } else { "payments.verify_ungated" },
        store::GATE_SUBJECT,
        &at,
        json!({ "note": note }),
    );
    let tx = Tx::new()
        .with("payments.gate", store::gate_item(app, gated, &note, actor, &at)?)
        .with(audit::TX_ITEM, audit.transact_put(app.table())?);
    dynamo::transact(&app.db, tx).await?.map_err(|r| r.unexpected("gate"))
}
