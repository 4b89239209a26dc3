//! Delivering an event's notifications (the queue worker) and reading and
//! clearing one's own inbox (the API).

use serde::{Deserialize, Serialize};

use super::domain::{self, BusEvent, Kind};
use super::email;
use super::email_store::{self, Claim};
use super::mailer::SesMailer;
use super::preferences::{self, Preferences};
use super::store::{self, Notification};
use crate::businesses::store as businesses;
use crate::members::domain::{normalize_email, Membership, Role};
use crate::members::store as members;
use crate::platform::clock::rfc3339;
use crate::platform::error::AppError;
use crate::App;

/// What one event's delivery did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Delivered {
    /// Notifications new in inboxes.
    pub inbox: usize,
    /// Emails sent by this attempt.
    pub emails: usize,
}

/// Puts the event's notifications in the inbox of every member of each
/// business it concerns and, with a `mailer`, emails those whose
/// preferences ask for it; an event delivered again adds nothing and sends
/// nothing again. One recipient's failed email does not hold back the
/// others': every recipient is tried, then the first failure is returned,
/// so the queue retries the event (the done ones are skipped then).
pub async fn deliver(app: &App, mailer: Option<&SesMailer>, event: &BusEvent) -> Result<Delivered, AppError> {
    let named = domain::named_businesses(event);
    if named.is_empty() {
        return Ok(Delivered::default());
    }
    let profiles = businesses::many(app, &named).await?;
    let names =
        |id: &str| profiles.iter().find(|b| b.business_id == id).map_or_else(|| id.to_string(), |b| b.name.clone());
    let messages = domain::messages(event, &names);
    let (event_id, occurred_at) = (event.event_id()?, event.occurred_at()?);
    let mut done = Delivered::default();
    let mut failed = None;
    for m in messages {
        for member in members::list(app, &m.business_id).await? {
            // A webhook endpoint is an owner's to fix: staff are not told.
            if m.kind.owners_only() && member.role != Role::Owner {
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
            done.inbox += usize::from(store::put_once(app, &note).await?);
            if let Some(mailer) = mailer {
                match email_once(app, mailer, &m, &member, &names(&m.business_id), event_id).await {
                    Ok(sent) => done.emails += usize::from(sent),
                    Err(e) => {
                        tracing::warn!(user_id = %member.user_id, error = %e, "notification email not sent; the event is retried");
                        failed.get_or_insert(e);
                    }
                }
            }
        }
    }
    failed.map_or(Ok(done), Err)
}

/// Emails `m` to `member` if their preferences ask for it and it was not
/// sent before; `Ok(true)` when this call sent it. A claim held by a live
/// attempt fails this one, so the queue retries it after that one ends.
async fn email_once(
    app: &App,
    mailer: &SesMailer,
    m: &domain::Message,
    member: &Membership,
    business_name: &str,
    event_id: &str,
) -> Result<bool, AppError> {
    let Some(settings) = app.settings.email.as_ref() else { return Ok(false) };
    let prefs = email_store::get(app, &member.user_id).await?;
    let Some(address) = prefs.address(member.email.as_deref()) else { return Ok(false) };
    if !prefs.wants_email(member.role, m.kind) {
        return Ok(false);
    }
    match email_store::claim(app, &member.user_id, event_id, app.clock.now().unix_timestamp()).await? {
        Claim::Sent => return Ok(false),
        Claim::Busy => {
            return Err(AppError::unavailable("EMAIL_IN_FLIGHT", "another attempt is sending this email; retry later"))
        }
        Claim::Send => {}
    }
    let token = email_store::unsubscribe_token(app, &member.user_id).await?;
    let mail = email::compose(m, business_name, address, &settings.web_app_url, &token)?;
    let message_id = mailer.send(&mail).await?;
    email_store::sent(app, &member.user_id, event_id, &message_id).await?;
    Ok(true)
}

/// A user's email preferences as the settings screen shows them.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PreferencesView {
    /// Where emails go; `None`: nowhere known yet (sign in with an address
    /// and save).
    pub email: Option<String>,
    /// The kinds emailed now.
    pub email_kinds: Vec<Kind>,
    /// The kinds this user's role may choose from.
    pub choices: Vec<Kind>,
    /// Whether the user chose (else the role's default applies).
    pub chosen: bool,
}

fn view(prefs: &Preferences, role: Role, invited_at: Option<&str>) -> PreferencesView {
    PreferencesView {
        email: prefs.address(invited_at).map(String::from),
        email_kinds: prefs.emailed(role),
        choices: preferences::choices(role),
        chosen: prefs.email_kinds.is_some(),
    }
}

/// The caller's membership: preferences are a business member's (their
/// role, from our data, sets what they may choose).
async fn member(app: &App, user_id: &str) -> Result<Membership, AppError> {
    members::get(app, user_id).await?.ok_or_else(|| {
        AppError::forbidden("NOT_A_BUSINESS_USER", "notification emails are for a business's owners and staff")
    })
}

/// The caller's own preferences.
pub async fn preferences_of(app: &App, user_id: &str) -> Result<PreferencesView, AppError> {
    let m = member(app, user_id).await?;
    Ok(view(&email_store::get(app, user_id).await?, m.role, m.email.as_deref()))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PreferencesRequest {
    pub email_kinds: Vec<Kind>,
}

/// The caller chooses which kinds they are emailed; the address becomes
/// the one their sign-in states now (when it states one).
pub async fn save_preferences(
    app: &App,
    user_id: &str,
    token_email: Option<&str>,
    request: PreferencesRequest,
) -> Result<PreferencesView, AppError> {
    let m = member(app, user_id).await?;
    let kinds = preferences::chosen(m.role, &request.email_kinds)?;
    let email = token_email.and_then(normalize_email);
    email_store::save(app, user_id, &kinds, email.as_deref(), &rfc3339(app.clock.now())).await?;
    preferences_of(app, user_id).await
}

/// What an unsubscribe link did.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Unsubscribed {
    /// The kind turned off; `None`: every email.
    pub kind: Option<Kind>,
    /// The kinds still emailed.
    pub email_kinds: Vec<Kind>,
}

/// Whoever holds a user's unsubscribe token turns off one kind of their
/// emails, or all (a mail client's one-click button, or the page a link
/// opens). Nothing else is reachable with the token.
pub async fn unsubscribe(app: &App, token: &str, kind: Option<&str>) -> Result<Unsubscribed, AppError> {
    let kind = match kind.filter(|k| !k.is_empty()) {
        None => None,
        Some(code) => Some(
            Kind::parse(code)
                .ok_or_else(|| AppError::bad_request("INVALID_KIND", format!("{code:?} is not a notification kind")))?,
        ),
    };
    let unknown = || AppError::not_found("UNSUBSCRIBE_TOKEN_UNKNOWN", "this unsubscribe link is not valid");
    if token.len() != 32 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(unknown());
    }
    let user_id = email_store::user_of_token(app, token).await?.ok_or_else(unknown)?;
    let role = members::get(app, &user_id).await?.map_or(Role::Staff, |m| m.role);
    let remaining = preferences::without(&email_store::get(app, &user_id).await?.emailed(role), kind);
    email_store::save(app, &user_id, &remaining, None, &rfc3339(app.clock.now())).await?;
    Ok(Unsubscribed { kind, email_kinds: remaining })
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
