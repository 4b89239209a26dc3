//! The audit log: one immutable row per state change an operator may need
//! to explain later. Rows are written in the same transaction as the change
//! they describe, so a change without its audit row cannot exist.

use aws_sdk_dynamodb::types::{Put, TransactWriteItem};
use serde::Serialize;

use super::clock::Window;
use super::dynamo::{query_page, Page, Partition};
use super::entity::{Key, Layout};
use super::error::AppError;
use super::ids::new_id;

/// A subject's trail: `AUDIT#<subject>`, newest last by `<at>#<id>`.
fn partition(subject: &str) -> String {
    format!("AUDIT#{subject}")
}

/// GSI1: every row of an action, spread over `ACTION_SHARDS` partitions
/// (the webhook actions are written once per delivery: at 10x our target
/// load one partition per action would near DynamoDB's per-partition write
/// limit; see docs/data-model.md).
const ACTION_SHARDS: u32 = 8;

fn by_action(action: &str) -> String {
    format!("AUDITACTION#{action}")
}

/// The name of an audit row in a transaction.
pub const TX_ITEM: &str = "audit";

#[derive(Debug, Clone, Serialize)]
pub struct AuditEntry {
    #[serde(skip)]
    layout: Layout,
    pub id: String,
    pub actor: String,
    pub action: String,
    pub subject: String,
    pub at: String,
    #[serde(rename = "requestId", skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    pub details: serde_json::Value,
}

impl AuditEntry {
    pub fn new(actor: &str, action: &str, subject: &str, at: &str, details: serde_json::Value) -> Self {
        let id = new_id();
        let order = format!("{at}#{id}");
        Self {
            layout: Layout::new("AUDIT", Key::new(partition(subject), order.clone()))
                .gsi1(super::dynamo::shard_key(&by_action(action), &id, ACTION_SHARDS), order),
            id,
            actor: actor.to_string(),
            action: action.to_string(),
            subject: subject.to_string(),
            at: at.to_string(),
            request_id: None,
            details,
        }
    }

    pub fn with_request_id(mut self, request_id: Option<String>) -> Self {
        self.request_id = request_id;
        self
    }

    pub fn transact_put(&self, table: &str) -> Result<TransactWriteItem, AppError> {
        let put = Put::builder().table_name(table).set_item(Some(self.layout.item(self)?)).build()?;
        Ok(TransactWriteItem::builder().put(put).build())
    }

    /// For audit rows that stand alone (a refused request changes nothing
    /// else, so there is no transaction to join).
    pub async fn write(&self, db: &aws_sdk_dynamodb::Client, table: &str) -> Result<(), AppError> {
        db.put_item().table_name(table).set_item(Some(self.layout.item(self)?)).send().await?;
        Ok(())
    }
}

/// An audit row as read back.
#[derive(Debug, Clone, Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditRow {
    pub id: String,
    pub actor: String,
    pub action: String,
    pub subject: String,
    pub at: String,
    #[serde(default)]
    pub request_id: Option<String>,
    pub details: serde_json::Value,
}

pub enum AuditFilter<'a> {
    Subject(&'a str),
    Action(&'a str),
}

/// Newest first: by subject from the table, by action from GSI1, within
/// `window` (a range on the `<at>#<id>` sort keys of both).
pub async fn query(
    app: &crate::App,
    filter: AuditFilter<'_>,
    window: &Window,
    limit: i32,
    cursor: Option<&str>,
) -> Result<Page<AuditRow>, AppError> {
    let range = (window.from.clone(), window.to.clone());
    match filter {
        AuditFilter::Subject(subject) => {
            let part = Partition::table(partition(subject)).sort_key_range(range.0, range.1).newest_first();
            query_page(&app.db, app.table(), &part, Some(limit), cursor).await
        }
        AuditFilter::Action(action) => {
            super::dynamo::query_sharded_page(
                &app.db,
                app.table(),
                crate::platform::table::GSI1,
                &by_action(action),
                ACTION_SHARDS,
                range,
                true,
                limit,
                cursor,
            )
            .await
        }
    }
}
