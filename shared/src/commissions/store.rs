//! DynamoDB access for commissions: the owner of the credit, reversal and
//! parked-adjustment items of a sale (`COMMISSION#<transaction>`).

use super::domain::{Adjustment, CommissionEntry};
use crate::platform::audit::{self, AuditEntry};
use crate::platform::dynamo::{self, n, query_all, query_page, tx_put, tx_update, Page, Partition, Tx};
use crate::platform::entity::{Key, Layout};
use crate::platform::error::AppError;
use crate::platform::table::GSI1;
use crate::App;

/// A sale's partition: its credit, one reversal per adjustment, and the
/// adjustments that arrived before the sale.
fn partition(transaction_id: &str) -> String {
    format!("COMMISSION#{transaction_id}")
}

fn credit_key(transaction_id: &str) -> Key {
    Key::new(partition(transaction_id), "CREDIT")
}

fn reversal_key(transaction_id: &str, adjustment_id: &str) -> Key {
    Key::new(partition(transaction_id), format!("REVERSAL#{adjustment_id}"))
}

const PARKED_PREFIX: &str = "PARKED_ADJUSTMENT#";

fn parked_key(a: &Adjustment) -> Key {
    Key::new(partition(&a.transaction_id), format!("{PARKED_PREFIX}{}", a.adjustment_id))
}

/// GSI1: a partner's credits and reversals by time.
fn of_partner(wallet: &str) -> String {
    format!("COMMISSIONS#{wallet}")
}

fn entry_layout(e: &CommissionEntry, key: Key) -> Layout {
    let order = format!("{}#{}#{}", e.occurred_at, e.transaction_id, key.sk);
    Layout::new("COMMISSION", key).gsi1(of_partner(&e.partner_wallet), order)
}

/// Writes a sale's credit once, with its audit row. `Ok(false)`: it was
/// written before.
pub async fn put_credit(app: &App, credit: &CommissionEntry, audit: &AuditEntry) -> Result<bool, AppError> {
    let layout = entry_layout(credit, credit_key(&credit.transaction_id));
    let tx = Tx::new()
        .with("commission.credit", tx_put(layout.put_new(app.table(), credit)?)?)
        .with(audit::TX_ITEM, audit.transact_put(app.table())?);
    match dynamo::transact(&app.db, tx).await? {
        Ok(()) => Ok(true),
        Err(r) if r.failed("commission.credit") => Ok(false),
        Err(r) => Err(r.unexpected("commission credit")),
    }
}

pub async fn get_credit(app: &App, transaction_id: &str) -> Result<Option<CommissionEntry>, AppError> {
    dynamo::get_as(&app.db, app.table(), &credit_key(transaction_id)).await
}

pub async fn get_reversal(
    app: &App,
    transaction_id: &str,
    adjustment_id: &str,
) -> Result<Option<CommissionEntry>, AppError> {
    dynamo::get_as(&app.db, app.table(), &reversal_key(transaction_id, adjustment_id)).await
}

#[derive(Debug, PartialEq, Eq)]
pub enum ReverseOutcome {
    Applied,
    /// This adjustment's reversal exists already.
    AlreadyApplied,
    /// Another adjustment of the sale was applied since `credit` was read.
    CreditChanged,
}

/// Writes one adjustment's reversal and moves the credit's refunded and
/// reversed totals, atomically, only if the credit is as it was read (its
/// `refundedMinor` is the optimistic version: every applied refund moves it).
pub async fn reverse(
    app: &App,
    credit: &CommissionEntry,
    reversal: &CommissionEntry,
    refunded_minor: u64,
    audit: &AuditEntry,
) -> Result<ReverseOutcome, AppError> {
    let adjustment_id =
        reversal.adjustment_id.as_deref().ok_or_else(|| AppError::internal("a reversal without its adjustment"))?;
    let t = app.table();
    let reversed = reversal.amount_minor.unsigned_abs();
    let totals = credit_key(&credit.transaction_id)
        .update(t)
        .update_expression("SET refundedMinor = :refunded, reversedMinor = :reversed")
        .condition_expression("attribute_not_exists(refundedMinor) OR refundedMinor = :seen")
        .expression_attribute_values(":refunded", n(credit.refunded_minor.saturating_add(refunded_minor)))
        .expression_attribute_values(":reversed", n(credit.reversed_minor.saturating_add(reversed)))
        .expression_attribute_values(":seen", n(credit.refunded_minor));
    let layout = entry_layout(reversal, reversal_key(&credit.transaction_id, adjustment_id));
    let tx = Tx::new()
        .with("commission.reversal", tx_put(layout.put_new(t, reversal)?)?)
        .with("commission.credit_totals", tx_update(totals)?)
        .with(audit::TX_ITEM, audit.transact_put(t)?);
    Ok(match dynamo::transact(&app.db, tx).await? {
        Ok(()) => ReverseOutcome::Applied,
        Err(r) if r.failed("commission.reversal") => ReverseOutcome::AlreadyApplied,
        Err(r) if r.failed("commission.credit_totals") => ReverseOutcome::CreditChanged,
        Err(r) => return Err(r.unexpected("commission reversal")),
    })
}

/// Keeps an adjustment whose sale has not arrived yet (an SQS retry can
/// deliver the sale later). Writing it again changes nothing.
pub async fn park(app: &App, adjustment: &Adjustment) -> Result<(), AppError> {
    let item = Layout::new("PARKED_ADJUSTMENT", parked_key(adjustment)).item(adjustment)?;
    app.db.put_item().table_name(app.table()).set_item(Some(item)).send().await?;
    Ok(())
}

/// The adjustments parked for a sale.
pub async fn parked(app: &App, transaction_id: &str) -> Result<Vec<Adjustment>, AppError> {
    let part = Partition::table(partition(transaction_id)).begins_with(PARKED_PREFIX);
    let items = query_all(&app.db, app.table(), &part).await?;
    Ok(items.into_iter().map(serde_dynamo::from_item).collect::<Result<_, _>>()?)
}

/// A partner's entries, newest first.
pub async fn of_wallet(
    app: &App,
    wallet: &str,
    limit: i32,
    cursor: Option<&str>,
) -> Result<Page<CommissionEntry>, AppError> {
    let part = Partition::index(GSI1, of_partner(wallet)).newest_first();
    query_page(&app.db, app.table(), &part, Some(limit), cursor).await
}
