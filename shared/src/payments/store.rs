//! DynamoDB access for intents, transaction signatures, the ledger and the
//! verify gate.

use aws_sdk_dynamodb::types::{Put, TransactWriteItem, Update};
use serde::{Deserialize, Serialize};

use super::domain::{Intent, IntentStatus};
use crate::platform::dynamo::{n, query_all, query_page, s, Item, Page, Partition};
use crate::platform::error::AppError;
use crate::platform::keys;
use crate::App;

pub fn intent_item(intent: &Intent) -> Result<Item, AppError> {
    let mut item: Item = serde_dynamo::to_item(intent)?;
    item.insert("PK".into(), s(keys::intent_pk(&intent.intent_id)));
    item.insert("SK".into(), s(keys::INTENT_SK));
    item.insert("GSI1PK".into(), s(keys::intents_by_status_gsi1pk(intent.status.as_str())));
    item.insert("GSI1SK".into(), s(format!("{}#{}", intent.created_at, intent.intent_id)));
    item.insert("entity".into(), s("PURCHASE_INTENT"));
    Ok(item)
}

pub async fn create_intent(app: &App, intent: &Intent) -> Result<(), AppError> {
    app.db
        .put_item()
        .table_name(app.table())
        .set_item(Some(intent_item(intent)?))
        .condition_expression("attribute_not_exists(PK)")
        .send()
        .await?;
    Ok(())
}

pub async fn get_intent(app: &App, intent_id: &str) -> Result<Option<Intent>, AppError> {
    crate::platform::dynamo::get_as(&app.db, app.table(), keys::intent_pk(intent_id), keys::INTENT_SK).await
}

/// The intent a signature was used for, if any.
pub async fn signature_owner(app: &App, signature: &str) -> Result<Option<String>, AppError> {
    let out = app
        .db
        .get_item()
        .table_name(app.table())
        .key("PK", s(keys::tx_signature_pk(signature)))
        .key("SK", s(keys::TX_SIGNATURE_SK))
        .consistent_read(true)
        .send()
        .await?;
    Ok(out.item.and_then(|i| i.get("intentId").and_then(|v| v.as_s().ok()).cloned()))
}

pub async fn record_failed_verification(app: &App, intent_id: &str, error: &str) -> Result<(), AppError> {
    let result = app
        .db
        .update_item()
        .table_name(app.table())
        .key("PK", s(keys::intent_pk(intent_id)))
        .key("SK", s(keys::INTENT_SK))
        .update_expression("SET failedVerifications = if_not_exists(failedVerifications, :zero) + :one, lastError = :e")
        .condition_expression("#status = :pending")
        .expression_attribute_names("#status", "status")
        .expression_attribute_values(":zero", n(0))
        .expression_attribute_values(":one", n(1))
        .expression_attribute_values(":e", s(error))
        .expression_attribute_values(":pending", s("PENDING"))
        .send()
        .await;
    // Refused only when the intent was settled meanwhile: nothing to count.
    crate::platform::dynamo::applied(result).map(|_| ())
}

/// PENDING -> `to` for the intent, only if still PENDING.
pub fn settle_intent_item(app: &App, intent: &Intent, to: IntentStatus, signature: &str, at: &str, extra: &[(&str, &str)]) -> Result<TransactWriteItem, AppError> {
    let mut expr = "SET #status = :to, GSI1PK = :g, txSignature = :sig, verifiedAt = :at".to_string();
    let mut update = Update::builder()
        .table_name(app.table())
        .key("PK", s(keys::intent_pk(&intent.intent_id)))
        .key("SK", s(keys::INTENT_SK))
        .condition_expression("#status = :pending")
        .expression_attribute_names("#status", "status")
        .expression_attribute_values(":to", s(to.as_str()))
        .expression_attribute_values(":g", s(keys::intents_by_status_gsi1pk(to.as_str())))
        .expression_attribute_values(":sig", s(signature))
        .expression_attribute_values(":at", s(at))
        .expression_attribute_values(":pending", s("PENDING"));
    for (i, (name, value)) in extra.iter().enumerate() {
        expr.push_str(&format!(", {name} = :x{i}"));
        update = update.expression_attribute_values(format!(":x{i}"), s(*value));
    }
    Ok(TransactWriteItem::builder().update(update.update_expression(expr).build().map_err(AppError::internal)?).build())
}

/// The once-per-signature item.
pub fn signature_item(app: &App, signature: &str, intent_id: &str, wallet: &str, at: &str) -> Result<TransactWriteItem, AppError> {
    let put = Put::builder()
        .table_name(app.table())
        .item("PK", s(keys::tx_signature_pk(signature)))
        .item("SK", s(keys::TX_SIGNATURE_SK))
        .item("entity", s("TX_SIGNATURE"))
        .item("intentId", s(intent_id))
        .item("wallet", s(wallet))
        .item("at", s(at))
        .condition_expression("attribute_not_exists(PK)")
        .build()
        .map_err(AppError::internal)?;
    Ok(TransactWriteItem::builder().put(put).build())
}

// ---- ledger ----

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LedgerEntry {
    /// `<at>#<id>`: sorts in time order within the wallet.
    pub entry_id: String,
    pub wallet: String,
    /// PURCHASE | ADJUSTMENT | REVERSAL
    pub kind: String,
    /// Signed credits.
    pub amount: i64,
    pub at: String,
    pub actor: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intent_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tx_signature: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reverses: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// An immutable entry: put once, never updated or deleted.
pub fn entry_item(app: &App, entry: &LedgerEntry) -> Result<TransactWriteItem, AppError> {
    let mut item: Item = serde_dynamo::to_item(entry)?;
    item.insert("PK".into(), s(keys::ledger_pk(&entry.wallet)));
    item.insert("SK".into(), s(keys::entry_sk(&entry.entry_id)));
    item.insert("entity".into(), s("LEDGER_ENTRY"));
    let put = Put::builder().table_name(app.table()).set_item(Some(item)).condition_expression("attribute_not_exists(PK)").build().map_err(AppError::internal)?;
    Ok(TransactWriteItem::builder().put(put).build())
}

/// Adds `amount` to the wallet's balance. A debit needs the balance to
/// cover it unless `allow_negative` (an explicit admin decision).
pub fn balance_item(app: &App, wallet: &str, amount: i64, allow_negative: bool) -> Result<TransactWriteItem, AppError> {
    let mut update = Update::builder()
        .table_name(app.table())
        .key("PK", s(keys::ledger_pk(wallet)))
        .key("SK", s(keys::BALANCE_SK))
        .update_expression("ADD balance :amt, entryCount :one SET GSI1PK = :g, GSI1SK = :w, wallet = :w, entity = :e")
        .expression_attribute_values(":amt", n(amount))
        .expression_attribute_values(":one", n(1))
        .expression_attribute_values(":g", s(keys::BALANCES_GSI1PK))
        .expression_attribute_values(":w", s(wallet))
        .expression_attribute_values(":e", s("BALANCE"));
    if amount < 0 && !allow_negative {
        update = update.condition_expression("balance >= :need").expression_attribute_values(":need", n(-amount));
    }
    Ok(TransactWriteItem::builder().update(update.build().map_err(AppError::internal)?).build())
}

pub async fn balance(app: &App, wallet: &str) -> Result<i64, AppError> {
    let out = app
        .db
        .get_item()
        .table_name(app.table())
        .key("PK", s(keys::ledger_pk(wallet)))
        .key("SK", s(keys::BALANCE_SK))
        .consistent_read(true)
        .send()
        .await?;
    Ok(out.item.and_then(|i| i.get("balance").and_then(|v| v.as_n().ok()).and_then(|v| v.parse().ok())).unwrap_or(0))
}

pub async fn get_entry(app: &App, wallet: &str, entry_id: &str) -> Result<Option<LedgerEntry>, AppError> {
    crate::platform::dynamo::get_as(&app.db, app.table(), keys::ledger_pk(wallet), &keys::entry_sk(entry_id)).await
}

/// A page of entries, newest first.
pub async fn entries_page(app: &App, wallet: &str, limit: Option<i32>, cursor: Option<&str>) -> Result<Page<LedgerEntry>, AppError> {
    query_page(&app.db, app.table(), &entries(wallet).newest_first(), limit, cursor).await
}

pub async fn all_entries(app: &App, wallet: &str) -> Result<Vec<LedgerEntry>, AppError> {
    let items = query_all(&app.db, app.table(), &entries(wallet)).await?;
    Ok(items.into_iter().map(serde_dynamo::from_item).collect::<Result<_, _>>()?)
}

fn entries(wallet: &str) -> Partition<'static> {
    Partition::table(keys::ledger_pk(wallet)).begins_with("ENTRY#")
}

// ---- the verify gate (kill switch) ----

pub async fn verify_gated(app: &App) -> Result<Option<String>, AppError> {
    let out = app
        .db
        .get_item()
        .table_name(app.table())
        .key("PK", s(keys::PROGRAM_PK))
        .key("SK", s(keys::PAYMENTS_GATE_SK))
        .consistent_read(true)
        .send()
        .await?;
    let item = out.item.unwrap_or_default();
    let gated = item.get("verifyGated").and_then(|v| v.as_bool().ok()).copied().unwrap_or(false);
    Ok(gated.then(|| item.get("note").and_then(|v| v.as_s().ok()).cloned().unwrap_or_default()))
}

pub fn gate_item(app: &App, gated: bool, note: &str, actor: &str, at: &str) -> Result<TransactWriteItem, AppError> {
    let put = Put::builder()
        .table_name(app.table())
        .item("PK", s(keys::PROGRAM_PK))
        .item("SK", s(keys::PAYMENTS_GATE_SK))
        .item("entity", s("PAYMENTS_GATE"))
        .item("verifyGated", aws_sdk_dynamodb::types::AttributeValue::Bool(gated))
        .item("note", s(note))
        .item("updatedBy", s(actor))
        .item("updatedAt", s(at))
        .build()
        .map_err(AppError::internal)?;
    Ok(TransactWriteItem::builder().put(put).build())
}
