//! DynamoDB access for partnerships: the owner of the partnership item, its
//! terms history, its two party items (each business's list of its
//! partnerships) and the open-pair lock (one open partnership per unordered
//! pair of businesses).
//!
//! Every change after the invitation is one `save`: the whole item, written
//! only if its `revision` is still the one read, so two concurrent changes
//! (accept against decline, pause against terminate, two term proposals)
//! never both apply.

use aws_sdk_dynamodb::types::{Delete, Put, TransactWriteItem};
use serde::{Deserialize, Serialize};

use super::domain::{Partnership, PartnershipStatus, PartnershipType, Terms};
use crate::platform::audit::{self, AuditEntry};
use crate::platform::dynamo::{self, n, query_page, s, tx_put, tx_update, Page, Partition, Tx};
use crate::platform::entity::{Key, Layout, NOT_EXISTS};
use crate::platform::error::AppError;
use crate::platform::outbox::OutboxEvent;
use crate::App;

fn key(id: &str) -> Key {
    Key::new(format!("PARTNERSHIP#{id}"), "PARTNERSHIP")
}

/// The audit subject of a partnership.
pub fn subject(id: &str) -> String {
    key(id).pk
}

/// One version of a partnership's terms, kept for as long as the
/// partnership: what a transaction recording `termsVersion` was charged by.
fn terms_key(id: &str, version: u32) -> Key {
    Key::new(format!("PARTNERSHIP#{id}"), format!("TERMS#{version:06}"))
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TermsVersion {
    pub partnership_id: String,
    pub version: u32,
    pub terms: Terms,
    pub recorded_at: String,
}

/// A business's partnerships, newest invitation first.
fn party_partition(business_id: &str) -> String {
    format!("PARTY#{business_id}")
}

fn party_key(business_id: &str, p: &Partnership) -> Key {
    Key::new(party_partition(business_id), format!("{}#{}", p.invited_at, p.partnership_id))
}

/// The open-pair lock: the pair in a fixed order, so A-B and B-A collide.
fn pair_key(a: &str, b: &str) -> Key {
    let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
    Key::new(format!("PARTNER_PAIR#{lo}#{hi}"), "OPEN")
}

/// A business's view of one of its partnerships (the party item).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PartyRow {
    pub partnership_id: String,
    /// INVITER or INVITEE.
    pub role: String,
    pub partner_business_id: String,
    #[serde(rename = "type")]
    pub kind: PartnershipType,
    pub status: PartnershipStatus,
    pub invited_at: String,
    /// When it went live (items written before this field get it at their
    /// partnership's next status change).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub activated_at: Option<String>,
}

fn party_rows(p: &Partnership) -> [(String, PartyRow); 2] {
    let row = |role: &str, me: &str, partner: &str| {
        (
            me.to_string(),
            PartyRow {
                partnership_id: p.partnership_id.clone(),
                role: role.into(),
                partner_business_id: partner.into(),
                kind: p.kind,
                status: p.status,
                invited_at: p.invited_at.clone(),
                activated_at: p.activated_at.clone(),
            },
        )
    };
    [row("INVITER", &p.business_a_id, &p.business_b_id), row("INVITEE", &p.business_b_id, &p.business_a_id)]
}

fn terms_put(app: &App, p: &Partnership) -> Result<TransactWriteItem, AppError> {
    let version = TermsVersion {
        partnership_id: p.partnership_id.clone(),
        version: p.terms_version,
        terms: p.terms.clone(),
        recorded_at: p.updated_at.clone(),
    };
    tx_put(
        Layout::new("PARTNERSHIP_TERMS", terms_key(&p.partnership_id, p.terms_version))
            .put_new(app.table(), &version)?,
    )
}

/// Names of an invitation's items, for the caller's refusals.
pub const TX_PAIR: &str = "partnership.pair";
pub const TX_INVITEE: &str = "partnership.invitee_available";

/// Writes a new PENDING partnership, its first terms, its party items and
/// the pair lock, if the pair has no open partnership and the invitee is
/// registered and available; `invitee_check` is that condition (from
/// `businesses::store`).
pub async fn invite(
    app: &App,
    p: &Partnership,
    invitee_check: TransactWriteItem,
    audit: &AuditEntry,
    event: &OutboxEvent,
) -> Result<Result<(), dynamo::Refused>, AppError> {
    let t = app.table();
    let pair = Put::builder()
        .table_name(t)
        .set_item(Some(Layout::new("PARTNER_PAIR_LOCK", pair_key(&p.business_a_id, &p.business_b_id)).key_attrs()))
        .item("partnershipId", s(&p.partnership_id))
        .condition_expression(NOT_EXISTS);
    let mut tx = Tx::new()
        .with("partnership", tx_put(Layout::new("PARTNERSHIP", key(&p.partnership_id)).put_new(t, p)?)?)
        .with("partnership.terms", terms_put(app, p)?)
        .with(TX_PAIR, tx_put(pair)?)
        .with(TX_INVITEE, invitee_check)
        .with(audit::TX_ITEM, audit.transact_put(t)?)
        .with("outbox.created", event.transact_put(app)?);
    for (i, (business, row)) in party_rows(p).iter().enumerate() {
        let put = Layout::new("PARTNERSHIP_PARTY", party_key(business, p)).put_new(t, row)?;
        tx.add(["party.a", "party.b"][i], tx_put(put)?);
    }
    dynamo::transact(&app.db, tx).await
}

/// The effects of one change, besides the partnership item itself.
pub struct Effects<'a> {
    pub audit: &'a AuditEntry,
    pub events: &'a [OutboxEvent],
    /// Other contexts' items that change with it (profile counters), named.
    pub extra: Vec<(&'static str, TransactWriteItem)>,
}

/// Writes `after` over `before` in one transaction, if nobody changed it
/// since `before` was read: the party items follow its status, a new terms
/// version is kept, and an end releases the pair lock. `Ok(false)`: it
/// changed meanwhile (the caller reads it again and decides anew).
pub async fn save(
    app: &App,
    before: &Partnership,
    after: &Partnership,
    effects: Effects<'_>,
) -> Result<bool, AppError> {
    let t = app.table();
    let mut after = after.clone();
    after.revision = before.revision + 1;
    let mut put = Put::builder()
        .table_name(t)
        .set_item(Some(Layout::new("PARTNERSHIP", key(&after.partnership_id)).item(&after)?))
        .expression_attribute_values(":seen", n(before.revision));
    // Items written before revisions existed have none: revision 0.
    put = put.condition_expression(if before.revision == 0 {
        "attribute_not_exists(revision) OR revision = :seen"
    } else {
        "revision = :seen"
    });
    let mut tx = Tx::new().with("partnership", tx_put(put)?).with(audit::TX_ITEM, effects.audit.transact_put(t)?);
    if after.status != before.status {
        for (i, (business, _)) in party_rows(&after).iter().enumerate() {
            // The list and the dashboard show how long it has been live; a
            // party item written before it carried the date gets it here.
            let mut party = party_key(business, &after)
                .update(t)
                .update_expression(match after.activated_at {
                    Some(_) => "SET #status = :to, activatedAt = :activated",
                    None => "SET #status = :to",
                })
                .expression_attribute_names("#status", "status")
                .expression_attribute_values(":to", s(after.status.as_str()));
            if let Some(at) = after.activated_at.as_deref() {
                party = party.expression_attribute_values(":activated", s(at));
            }
            tx.add(["party.a", "party.b"][i], tx_update(party)?);
        }
    }
    if after.terms_version != before.terms_version {
        tx.add("partnership.terms", terms_put(app, &after)?);
    }
    if before.is_open() && !after.is_open() {
        let release = Delete::builder()
            .table_name(t)
            .set_key(Some(pair_key(&after.business_a_id, &after.business_b_id).attrs()))
            .condition_expression("partnershipId = :id")
            .expression_attribute_values(":id", s(&after.partnership_id))
            .build()?;
        tx.add("partnership.pair_release", TransactWriteItem::builder().delete(release).build());
    }
    for (i, event) in effects.events.iter().enumerate() {
        tx.add(["outbox.0", "outbox.1", "outbox.2"][i.min(2)], event.transact_put(app)?);
    }
    for (name, item) in effects.extra {
        tx.add(name, item);
    }
    match dynamo::transact(&app.db, tx).await? {
        Ok(()) => Ok(true),
        Err(r) if r.failed("partnership") => Ok(false),
        Err(r) => Err(r.unexpected("partnership change")),
    }
}

pub async fn get(app: &App, id: &str) -> Result<Option<Partnership>, AppError> {
    dynamo::get_as(&app.db, app.table(), &key(id)).await
}

/// The partnerships of `ids` that exist, in no order (BatchGetItem).
pub async fn many(app: &App, ids: &[String]) -> Result<Vec<Partnership>, AppError> {
    let keys: Vec<Key> = ids.iter().map(|id| key(id)).collect();
    let items = dynamo::batch_get(&app.db, app.table(), &keys).await?;
    Ok(items.into_iter().map(serde_dynamo::from_item).collect::<Result<_, _>>()?)
}

/// A business's partnerships (every status), newest invitation first, at
/// most `max` of them: what a dashboard or a month's balances cover.
pub async fn all_of_business(app: &App, business_id: &str, max: usize) -> Result<Vec<PartyRow>, AppError> {
    let mut rows = Vec::new();
    let mut cursor = None;
    while rows.len() < max {
        let page = of_business(app, business_id, 100, cursor.as_deref()).await?;
        rows.extend(page.items);
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    rows.truncate(max);
    Ok(rows)
}

/// One version of a partnership's terms.
pub async fn terms_version(app: &App, id: &str, version: u32) -> Result<Option<TermsVersion>, AppError> {
    dynamo::get_as(&app.db, app.table(), &terms_key(id, version)).await
}

/// A page of a business's partnerships, newest invitation first.
pub async fn of_business(
    app: &App,
    business_id: &str,
    limit: i32,
    cursor: Option<&str>,
) -> Result<Page<PartyRow>, AppError> {
    query_page(
        &app.db,
        app.table(),
        &Partition::table(party_partition(business_id)).newest_first(),
        Some(limit),
        cursor,
    )
    .await
}
