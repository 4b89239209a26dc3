//! DynamoDB access for the email channel: the one owner of its keys.
//!
//! - `USER#<sub>` / `NOTIFY_PREFS`: a user's email preferences and
//!   unsubscribe token (`preferences::Preferences`).
//! - `UNSUBSCRIBE#<token>` / `UNSUBSCRIBE`: which user a token belongs to,
//!   written in the same transaction as the token on the preferences.
//! - `USER#<sub>` / `EMAIL#<eventId>`: one event's email to one user,
//!   claimed before it is sent and marked sent after, so however often the
//!   event arrives the user gets it once. A claim whose sender died is
//!   taken over after `LEASE_SECS`.

use aws_sdk_dynamodb::types::Put;
use serde::Deserialize;

use super::domain::Kind;
use super::preferences::Preferences;
use crate::platform::dynamo::{self, n, s, tx_put, tx_update, Tx};
use crate::platform::entity::{Key, Layout, NOT_EXISTS};
use crate::platform::error::AppError;
use crate::App;

fn prefs_key(user_id: &str) -> Key {
    Key::new(format!("USER#{user_id}"), "NOTIFY_PREFS")
}

fn token_key(token: &str) -> Key {
    Key::new(format!("UNSUBSCRIBE#{token}"), "UNSUBSCRIBE")
}

fn email_key(user_id: &str, event_id: &str) -> Key {
    Key::new(format!("USER#{user_id}"), format!("EMAIL#{event_id}"))
}

/// How long a claimed email is another sender's before it may be taken
/// over: longer than the worker's timeout, shorter than the queue's
/// visibility timeout, so the retry of a died attempt finds it free.
pub const LEASE_SECS: i64 = 120;
/// How long the sent marks are kept (the bus retries for a day at most).
const KEEP_SECS: i64 = 30 * 24 * 3600;

const TX_PREFS: &str = "prefs";
const TX_TOKEN: &str = "unsubscribe";

/// A user's preferences (the defaults where none are stored), read
/// strongly: an unsubscribe shows at once.
pub async fn get(app: &App, user_id: &str) -> Result<Preferences, AppError> {
    Ok(dynamo::get_as::<Preferences>(&app.db, app.table(), &prefs_key(user_id)).await?.unwrap_or_default())
}

/// Saves the kinds emailed and, when given, the address.
pub async fn save(app: &App, user_id: &str, kinds: &[Kind], email: Option<&str>, now: &str) -> Result<(), AppError> {
    let kinds = serde_dynamo::to_attribute_value(kinds).map_err(AppError::internal)?;
    let mut set = "SET emailKinds = :kinds, updatedAt = :now, entity = :entity".to_string();
    if email.is_some() {
        set.push_str(", email = :email");
    }
    let mut update = app
        .db
        .update_item()
        .table_name(app.table())
        .set_key(Some(prefs_key(user_id).attrs()))
        .update_expression(set)
        .expression_attribute_values(":kinds", kinds)
        .expression_attribute_values(":now", s(now))
        .expression_attribute_values(":entity", s("NOTIFY_PREFS"));
    if let Some(e) = email {
        update = update.expression_attribute_values(":email", s(e));
    }
    update.send().await?;
    Ok(())
}

/// The user's unsubscribe token, made on first need. Two workers making
/// one at once keep the first (the condition on the preferences).
pub async fn unsubscribe_token(app: &App, user_id: &str) -> Result<String, AppError> {
    if let Some(token) = get(app, user_id).await?.unsubscribe_token {
        return Ok(token);
    }
    let mut bytes = [0u8; 16];
    aws_lc_rs::rand::fill(&mut bytes).map_err(|_| AppError::internal("the system's random source failed"))?;
    let token = hex::encode(bytes);
    let t = app.table();
    let prefs = prefs_key(user_id)
        .update(t)
        .update_expression("SET unsubscribeToken = :token, entity = :entity")
        .condition_expression("attribute_not_exists(unsubscribeToken)")
        .expression_attribute_values(":token", s(&token))
        .expression_attribute_values(":entity", s("NOTIFY_PREFS"));
    let owner = Put::builder()
        .table_name(t)
        .set_item(Some(Layout::new("UNSUBSCRIBE", token_key(&token)).key_attrs()))
        .item("userId", s(user_id))
        .condition_expression(NOT_EXISTS);
    let tx = Tx::new().with(TX_PREFS, tx_update(prefs)?).with(TX_TOKEN, tx_put(owner)?);
    match dynamo::transact(&app.db, tx).await? {
        Ok(()) => Ok(token),
        Err(r) if r.failed(TX_PREFS) => {
            get(app, user_id).await?.unsubscribe_token.ok_or_else(|| AppError::internal("unsubscribe token vanished"))
        }
        Err(r) => Err(r.unexpected("unsubscribe token")),
    }
}

/// The user a token belongs to.
pub async fn user_of_token(app: &App, token: &str) -> Result<Option<String>, AppError> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Owner {
        user_id: String,
    }
    Ok(dynamo::get_as::<Owner>(&app.db, app.table(), &token_key(token)).await?.map(|o| o.user_id))
}

/// Whether this attempt may send one event's email to one user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// Ours to send (new, or taken over from a sender that died).
    Send,
    /// Sent already: nothing to do.
    Sent,
    /// Another attempt is sending it right now.
    Busy,
}

/// Claims the (event, user) email for `LEASE_SECS` from `now`.
pub async fn claim(app: &App, user_id: &str, event_id: &str, now: i64) -> Result<Claim, AppError> {
    let key = email_key(user_id, event_id);
    let result = app
        .db
        .update_item()
        .table_name(app.table())
        .set_key(Some(key.attrs()))
        .update_expression("SET #status = :sending, claimedAt = :now, entity = :entity, #ttl = :expires")
        .condition_expression("attribute_not_exists(PK) OR (#status = :sending AND claimedAt < :stale)")
        .expression_attribute_names("#status", "status")
        .expression_attribute_names("#ttl", crate::platform::table::TTL)
        .expression_attribute_values(":sending", s("SENDING"))
        .expression_attribute_values(":now", n(now))
        .expression_attribute_values(":stale", n(now.saturating_sub(LEASE_SECS)))
        .expression_attribute_values(":entity", s("EMAIL_SENT"))
        .expression_attribute_values(":expires", n(now.saturating_add(KEEP_SECS)))
        .send()
        .await;
    if dynamo::applied(result)? {
        return Ok(Claim::Send);
    }
    #[derive(Deserialize)]
    struct Mark {
        status: String,
    }
    let mark = dynamo::get_as::<Mark>(&app.db, app.table(), &key).await?;
    Ok(if mark.is_some_and(|m| m.status == "SENT") { Claim::Sent } else { Claim::Busy })
}

/// Marks a claimed email sent, with the provider's message id.
pub async fn sent(app: &App, user_id: &str, event_id: &str, message_id: &str) -> Result<(), AppError> {
    app.db
        .update_item()
        .table_name(app.table())
        .set_key(Some(email_key(user_id, event_id).attrs()))
        .update_expression("SET #status = :sent, messageId = :id")
        .expression_attribute_names("#status", "status")
        .expression_attribute_values(":sent", s("SENT"))
        .expression_attribute_values(":id", s(message_id))
        .send()
        .await?;
    Ok(())
}
