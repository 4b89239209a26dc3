//! DynamoDB access for partnerships: the owner of the partnership item, its
//! two party items (each business's list of its partnerships) and the
//! open-pair lock (one open partnership per unordered pair of businesses).

use aws_sdk_dynamodb::types::{Delete, Put, TransactWriteItem};
use serde::{Deserialize, Serialize};

use super::domain::{Partnership, PartnershipStatus, PartnershipType};
use crate::platform::audit::{self, AuditEntry};
use crate::platform::dynamo::{self, query_page, s, tx_put, tx_update, Page, Partition, Tx};
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
}

fn party_rows(p: &Partnership) -> [(String, PartyRow); 2] {
    let row = |role: &str, me: &str, partner: &str| {
        (me.to_string(), PartyRow { partnership_id: p.partnership_id.clone(), role: role.into(), partner_business_id: partner.into(), kind: p.kind, status: p.status, invited_at: p.invited_at.clone() })
    };
    [row("INVITER", &p.business_a_id, &p.business_b_id), row("INVITEE", &p.business_b_id, &p.business_a_id)]
}

/// Names of an invitation's items, for the caller's refusals.
pub const TX_PAIR: &str = "partnership.pair";
pub const TX_INVITEE: &str = "partnership.invitee_available";

/// Writes a new PENDING partnership, its party items and the pair lock, if
/// the pair has no open partnership and the invitee is registered and
/// available; `invitee_check` is that condition (from `businesses::store`).
pub async fn invite(app: &App, p: &Partnership, invitee_check: TransactWriteItem, audit: &AuditEntry, event: &OutboxEvent) -> Result<Result<(), dynamo::Refused>, AppError> {
    let t = app.table();
    let pair = Put::builder()
        .table_name(t)
        .set_item(Some(Layout::new("PARTNER_PAIR_LOCK", pair_key(&p.business_a_id, &p.business_b_id)).key_attrs()))
        .item("partnershipId", s(&p.partnership_id))
        .condition_expression(NOT_EXISTS);
    let mut tx = Tx::new()
        .with("partnership", tx_put(Layout::new("PARTNERSHIP", key(&p.partnership_id)).put_new(t, p)?)?)
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

/// Moves a PENDING partnership to `to` (ACTIVE or TERMINATED), only by its
/// invitee, with `set` the timestamps to record, its party items, and (when
/// it ends) the pair lock released. `Ok(false)`: it was no longer PENDING.
pub async fn answer(app: &App, p: &Partnership, invitee: &str, to: PartnershipStatus, set: &[(&str, &str)], audit: &AuditEntry, events: &[OutboxEvent]) -> Result<bool, AppError> {
    let t = app.table();
    let mut expr = String::from("SET #status = :to, updatedAt = :now");
    let mut update = key(&p.partnership_id)
        .update(t)
        .condition_expression("#status = :pending AND businessBId = :invitee")
        .expression_attribute_names("#status", "status")
        .expression_attribute_values(":to", s(to.as_str()))
        .expression_attribute_values(":pending", s(PartnershipStatus::Pending.as_str()))
        .expression_attribute_values(":invitee", s(invitee))
        .expression_attribute_values(":now", s(&p.updated_at));
    for (i, (name, value)) in set.iter().enumerate() {
        expr.push_str(&format!(", {name} = :v{i}"));
        update = update.expression_attribute_values(format!(":v{i}"), s(*value));
    }
    let mut tx = Tx::new().with("partnership", tx_update(update.update_expression(expr))?).with(audit::TX_ITEM, audit.transact_put(t)?);
    for (i, (business, _)) in party_rows(p).iter().enumerate() {
        let party = party_key(business, p)
            .update(t)
            .update_expression("SET #status = :to")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":to", s(to.as_str()));
        tx.add(["party.a", "party.b"][i], tx_update(party)?);
    }
    for (i, event) in events.iter().enumerate() {
        tx.add(["outbox.0", "outbox.1", "outbox.2"][i.min(2)], event.transact_put(app)?);
    }
    if to == PartnershipStatus::Terminated {
        let release = Delete::builder()
            .table_name(t)
            .set_key(Some(pair_key(&p.business_a_id, &p.business_b_id).attrs()))
            .condition_expression("partnershipId = :id")
            .expression_attribute_values(":id", s(&p.partnership_id))
            .build()?;
        tx.add("partnership.pair_release", TransactWriteItem::builder().delete(release).build());
    }
    match dynamo::transact(&app.db, tx).await? {
        Ok(()) => Ok(true),
        Err(r) if r.failed("partnership") => Ok(false),
        Err(r) => Err(r.unexpected("partnership answer")),
    }
}

pub async fn get(app: &App, id: &str) -> Result<Option<Partnership>, AppError> {
    dynamo::get_as(&app.db, app.table(), &key(id)).await
}

/// A page of a business's partnerships, newest invitation first.
pub async fn of_business(app: &App, business_id: &str, limit: i32, cursor: Option<&str>) -> Result<Page<PartyRow>, AppError> {
    query_page(&app.db, app.table(), &Partition::table(party_partition(business_id)).newest_first(), Some(limit), cursor).await
}
