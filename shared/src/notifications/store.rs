//! DynamoDB access for the inbox: one item per (user, event) under the
//! user's partition, `NOTIFICATION#<occurredAt>#<eventId>` (newest first by
//! a reversed query), created once (`attribute_not_exists`), and the
//! user's unread count beside them, moved in the same transaction as the
//! item it counts, so it can never drift from the items.

use aws_sdk_dynamodb::types::Put;
use serde::{Deserialize, Serialize};

use super::domain::Kind;
use crate::platform::dynamo::{self, n, query_page, s, tx_put, tx_update, Page, Partition, Tx};
use crate::platform::entity::{Key, Layout, NOT_EXISTS};
use crate::platform::error::AppError;
use crate::App;

const PREFIX: &str = "NOTIFICATION#";
const TX_ITEM: &str = "notification";
const TX_COUNT: &str = "notification.unread";

fn partition(user_id: &str) -> String {
    format!("USER#{user_id}")
}

fn key(user_id: &str, id: &str) -> Key {
    Key::new(partition(user_id), format!("{PREFIX}{id}"))
}

fn unread_key(user_id: &str) -> Key {
    Key::new(partition(user_id), "NOTIFICATIONS#UNREAD")
}

/// One notification in a user's inbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Notification {
    /// `<occurredAt>#<eventId>`: ordered by time, the same for every
    /// delivery of one event.
    pub id: String,
    pub user_id: String,
    pub business_id: String,
    pub event_id: String,
    pub kind: Kind,
    pub title: String,
    pub body: String,
    pub link: String,
    pub created_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_at: Option<String>,
}

impl Notification {
    pub fn id_for(occurred_at: &str, event_id: &str) -> String {
        format!("{occurred_at}#{event_id}")
    }
}

/// Stores `n` unless this user already has it; `Ok(false)`: it was there
/// (the event came again).
pub async fn put_once(app: &App, note: &Notification) -> Result<bool, AppError> {
    let t = app.table();
    let item = Layout::new("NOTIFICATION", key(&note.user_id, &note.id)).item(note)?;
    let put = Put::builder().table_name(t).set_item(Some(item)).condition_expression(NOT_EXISTS);
    let count = unread_key(&note.user_id)
        .update(t)
        .update_expression("ADD unread :one SET entity = :entity")
        .expression_attribute_values(":one", n(1))
        .expression_attribute_values(":entity", s("NOTIFICATION_COUNT"));
    let tx = Tx::new().with(TX_ITEM, tx_put(put)?).with(TX_COUNT, tx_update(count)?);
    match dynamo::transact(&app.db, tx).await? {
        Ok(()) => Ok(true),
        Err(r) if r.failed(TX_ITEM) => Ok(false),
        Err(r) => Err(r.unexpected("notification")),
    }
}

/// Marks one notification read; `Ok(false)`: it is not there or was read
/// already (nothing counted twice).
pub async fn mark_read(app: &App, user_id: &str, id: &str, now: &str) -> Result<bool, AppError> {
    let t = app.table();
    let read = key(user_id, id)
        .update(t)
        .update_expression("SET readAt = :now")
        .condition_expression("attribute_exists(PK) AND attribute_not_exists(readAt)")
        .expression_attribute_values(":now", s(now));
    let count = unread_key(user_id)
        .update(t)
        .update_expression("ADD unread :minus")
        .condition_expression("unread > :zero")
        .expression_attribute_values(":minus", n(-1))
        .expression_attribute_values(":zero", n(0));
    let tx = Tx::new().with(TX_ITEM, tx_update(read)?).with(TX_COUNT, tx_update(count)?);
    match dynamo::transact(&app.db, tx).await? {
        Ok(()) => Ok(true),
        Err(r) if r.failed(TX_ITEM) => Ok(false),
        Err(r) => Err(r.unexpected("notification read")),
    }
}

/// A page of a user's inbox, newest first.
pub async fn page(app: &App, user_id: &str, limit: i32, cursor: Option<&str>) -> Result<Page<Notification>, AppError> {
    let pk = partition(user_id);
    query_page(&app.db, app.table(), &Partition::table(pk).begins_with(PREFIX).newest_first(), Some(limit), cursor)
        .await
}

/// The user's unread count.
pub async fn unread(app: &App, user_id: &str) -> Result<u64, AppError> {
    #[derive(Deserialize)]
    struct Count {
        #[serde(default)]
        unread: u64,
    }
    Ok(dynamo::get_as::<Count>(&app.db, app.table(), &unread_key(user_id)).await?.map_or(0, |c| c.unread))
}
