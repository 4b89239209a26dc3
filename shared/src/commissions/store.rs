//! DynamoDB access for commission entries: the owner of their keys.

use super::domain::{CommissionEntry, CommissionKind};
use crate::platform::audit::{self, AuditEntry};
use crate::platform::dynamo::{self, query_page, tx_put, Page, Partition, Tx};
use crate::platform::entity::{Key, Layout};
use crate::platform::error::AppError;
use crate::platform::table::GSI1;
use crate::App;

/// A sale's commission and its reversal, keyed by the Paddle transaction.
fn key(transaction_id: &str, kind: CommissionKind) -> Key {
    Key::new(format!("COMMISSION#{transaction_id}"), kind.as_str())
}

/// GSI1: a partner's commissions by time.
fn of_partner(wallet: &str) -> String {
    format!("COMMISSIONS#{wallet}")
}

fn layout(e: &CommissionEntry) -> Layout {
    Layout::new("COMMISSION", key(&e.transaction_id, e.kind))
        .gsi1(of_partner(&e.partner_wallet), format!("{}#{}#{}", e.occurred_at, e.transaction_id, e.kind.as_str()))
}

/// Writes an entry once per (transaction, kind), with its audit row.
/// `Ok(false)`: it was written before.
pub async fn put(app: &App, entry: &CommissionEntry, audit: &AuditEntry) -> Result<bool, AppError> {
    let tx = Tx::new()
        .with("commission", tx_put(layout(entry).put_new(app.table(), entry)?)?)
        .with(audit::TX_ITEM, audit.transact_put(app.table())?);
    match dynamo::transact(&app.db, tx).await? {
        Ok(()) => Ok(true),
        Err(r) if r.failed("commission") => Ok(false),
        Err(r) => Err(r.unexpected("commission")),
    }
}

pub async fn get(app: &App, transaction_id: &str, kind: CommissionKind) -> Result<Option<CommissionEntry>, AppError> {
    dynamo::get_as(&app.db, app.table(), &key(transaction_id, kind)).await
}

/// A partner's entries, newest first.
pub async fn of_wallet(app: &App, wallet: &str, limit: i32, cursor: Option<&str>) -> Result<Page<CommissionEntry>, AppError> {
    let part = Partition::index(GSI1, of_partner(wallet)).newest_first();
    query_page(&app.db, app.table(), &part, Some(limit), cursor).await
}
