//! Delivering an event's notifications (the queue worker) and reading and
//! clearing one's own inbox (the API).

use serde::{Deserialize, Serialize};

use super::domain::{self, BusEvent};
use super::store::{self, Notification};
use crate::businesses::store as businesses;
use crate::members::store as members;
use crate::platform::clock::rfc3339;
use crate::platform::error::AppError;
use crate::App;

/// Puts the event's notifications in the inbox of every member of each
/// business it concerns; an event delivered again adds nothing. Returns how
/// many were new.
pub async fn deliver(app: &App, event: &BusEvent) -> Result<usize, AppError> {
    let named = domain::named_businesses(event);
    if named.is_empty() {
        return Ok(0);
    }
    let profiles = businesses::many(app, &named).await?;
    let names =
        |id: &str| profiles.iter().find(|b| b.business_id == id).map_or_else(|| id.to_string(), |b| b.name.clone());
    let messages = domain::messages(event, &names);
    if messages.is_empty() {
        return Ok(0);
    }
    let (event_id, occurred_at) = (event.event_id()?, event.occurred_at()?);
    let mut added = 0;
    for m in messages {
        for member in members::list(app, &m.business_id).await? {
            // A webhook endpoint is an owner's to fix: staff are not told.
            let owners_only = m.kind == domain::Kind::WebhookEndpointDisabled;
            if owners_only && member.role != crate::members::domain::Role::Owner {
                continue;
            }
            let note = Notification {
                id: Notification::id_for(occurred_at, event_id),
                user_id: member.user_id.clone(),
                business_id: m.business_id.clone(),
                event_id: event_id.into(),
                kind: m.kind,
                title: m.title.clone(),
                body: m.body.clone(),
                link: m.link.clone(),
                created_at: occurred_at.into(),
                read_at: None,
            };
            added += usize::from(store::put_once(app, &note).await?);
        }
    }
    Ok(added)
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Inbox {
    pub notifications: Vec<Notification>,
    pub unread: u64,
    pub next_cursor: Option<String>,
}

/// A page of the caller's own inbox, newest first, with its unread count.
pub async fn inbox(app: &App, user_id: &str, limit: i32, cursor: Option<&str>) -> Result<Inbox, AppError> {
    if !(1..=100).contains(&limit) {
        return Err(AppError::bad_request("INVALID_LIMIT", "limit must be between 1 and 100"));
    }
    let page = store::page(app, user_id, limit, cursor).await?;
    Ok(Inbox { unread: store::unread(app, user_id).await?, notifications: page.items, next_cursor: page.next_cursor })
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ReadRequest {
    /// The notifications read; or `all`.
    #[serde(default)]
    pub ids: Vec<String>,
    #[serde(default)]
    pub all: bool,
}

/// Notifications "mark all read" clears at most, newest first.
const ALL_AT_MOST: usize = 500;

/// Marks the caller's notifications read: the named ones, or all of them
/// (the newest 500). Unknown or already read ids change nothing.
pub async fn read(app: &App, user_id: &str, request: ReadRequest) -> Result<Inbox, AppError> {
    let now = rfc3339(app.clock.now());
    let ids = match (request.all, request.ids.len()) {
        (true, 0) => {
            let mut ids = Vec::new();
            let mut cursor = None;
            while ids.len() < ALL_AT_MOST {
                let page = store::page(app, user_id, 100, cursor.as_deref()).await?;
                ids.extend(page.items.into_iter().filter(|n| n.read_at.is_none()).map(|n| n.id));
                match page.next_cursor {
                    Some(c) => cursor = Some(c),
                    None => break,
                }
            }
            ids
        }
        (false, 1..=100) => request.ids,
        _ => return Err(AppError::bad_request("INVALID_FIELD", "send 1 to 100 ids, or all: true")),
    };
    for id in &ids {
        store::mark_read(app, user_id, id, &now).await?;
    }
    inbox(app, user_id, 20, None).await
}
