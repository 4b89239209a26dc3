//! DynamoDB access for memberships, their invitations and each business's
//! owner count: the one owner of their keys.
//!
//! - `USER#<sub>` / `MEMBERSHIP`: a user's one membership (the condition
//!   that makes a user belong to at most one business); GSI1
//!   `BUSINESS#<id>#MEMBERS` / `MEMBER#<sub>` lists a business's members.
//! - `BUSINESS#<id>` / `ROSTER`: how many owners the business has, so the
//!   last one can never be removed (a condition, not a count read first).
//! - `MEMBER_INVITE#<sha256(code)>` / `INVITE`: an unredeemed invitation,
//!   deleted by its redemption (single use), with a TTL past its expiry;
//!   GSI1 `BUSINESS#<id>#MEMBER_INVITES` / `<createdAt>#<hash>` lists them.

use aws_sdk_dynamodb::types::{Delete, TransactWriteItem};

use super::domain::{MemberInvitation, Membership, Role};
use crate::platform::audit::{self, AuditEntry};
use crate::platform::dynamo::{self, n, s, tx_put, tx_update, Partition, Tx};
use crate::platform::entity::{Key, Layout, NOT_EXISTS};
use crate::platform::error::AppError;
use crate::platform::table::GSI1;
use crate::App;

fn membership_key(user_id: &str) -> Key {
    Key::new(format!("USER#{user_id}"), "MEMBERSHIP")
}

fn members_of(business_id: &str) -> String {
    format!("BUSINESS#{business_id}#MEMBERS")
}

fn membership_layout(m: &Membership) -> Layout {
    Layout::new("MEMBERSHIP", membership_key(&m.user_id))
        .gsi1(members_of(&m.business_id), format!("MEMBER#{}", m.user_id))
}

fn roster_key(business_id: &str) -> Key {
    Key::new(format!("BUSINESS#{business_id}"), "ROSTER")
}

fn invite_key(code_hash: &str) -> Key {
    Key::new(format!("MEMBER_INVITE#{code_hash}"), "INVITE")
}

fn invites_of(business_id: &str) -> String {
    format!("BUSINESS#{business_id}#MEMBER_INVITES")
}

fn invite_layout(i: &MemberInvitation) -> Layout {
    Layout::new("MEMBER_INVITE", invite_key(&i.code_hash))
        .gsi1(invites_of(&i.business_id), format!("{}#{}", i.created_at, i.code_hash))
}

/// The audit subject of a business's membership changes.
pub fn subject(business_id: &str) -> String {
    roster_key(business_id).pk + "#MEMBERS"
}

/// Transaction item names.
pub const TX_MEMBERSHIP: &str = "membership";
pub const TX_ROSTER: &str = "roster";
const TX_INVITE: &str = "invite";

/// The items a business's registration writes beside its profile: the
/// founder's owner membership (refused if the user belongs to a business
/// already) and the roster counting one owner.
pub fn founder_items(app: &App, founder: &Membership) -> Result<[(&'static str, TransactWriteItem); 2], AppError> {
    let membership = tx_put(membership_layout(founder).put_new(app.table(), founder)?)?;
    let roster = tx_put(
        aws_sdk_dynamodb::types::Put::builder()
            .table_name(app.table())
            .set_item(Some(Layout::new("ROSTER", roster_key(&founder.business_id)).key_attrs()))
            .item("owners", n(1))
            .condition_expression(NOT_EXISTS),
    )?;
    Ok([(TX_MEMBERSHIP, membership), (TX_ROSTER, roster)])
}

/// A user's membership, read strongly (a removal must show at once).
pub async fn get(app: &App, user_id: &str) -> Result<Option<Membership>, AppError> {
    let item = app
        .db
        .get_item()
        .table_name(app.table())
        .set_key(Some(membership_key(user_id).attrs()))
        .consistent_read(true)
        .send()
        .await?
        .item;
    Ok(item.map(serde_dynamo::from_item).transpose()?)
}

/// A business's members (GSI1, one Query, paged through).
pub async fn list(app: &App, business_id: &str) -> Result<Vec<Membership>, AppError> {
    let items = dynamo::query_all(&app.db, app.table(), &Partition::index(GSI1, members_of(business_id))).await?;
    Ok(items.into_iter().map(serde_dynamo::from_item).collect::<Result<_, _>>()?)
}

/// A business's invitations not yet redeemed (expired ones included until
/// their TTL removes them; the caller tells them apart).
pub async fn invitations(app: &App, business_id: &str) -> Result<Vec<MemberInvitation>, AppError> {
    let items = dynamo::query_all(&app.db, app.table(), &Partition::index(GSI1, invites_of(business_id))).await?;
    Ok(items.into_iter().map(serde_dynamo::from_item).collect::<Result<_, _>>()?)
}

/// Seconds an invitation is kept past its expiry before TTL deletes it,
/// so a late redemption is told "expired", not "unknown".
const KEEP_EXPIRED_SECS: i64 = 30 * 24 * 3600;

/// Stores a new invitation, if the inviting business still has its roster.
pub async fn create_invitation(app: &App, invitation: &MemberInvitation, audit: &AuditEntry) -> Result<(), AppError> {
    let put = invite_layout(invitation)
        .put_new(app.table(), invitation)?
        .item("ttl", n(invitation.expires_at_unix.saturating_add(KEEP_EXPIRED_SECS)));
    let roster = roster_key(&invitation.business_id).check(app.table()).condition_expression("attribute_exists(PK)");
    let tx = Tx::new()
        .with(TX_INVITE, tx_put(put)?)
        .with(TX_ROSTER, dynamo::tx_check(roster)?)
        .with(audit::TX_ITEM, audit.transact_put(app.table())?);
    match dynamo::transact(&app.db, tx).await? {
        Ok(()) => Ok(()),
        Err(r) if r.failed(TX_ROSTER) => {
            Err(AppError::not_found("BUSINESS_NOT_FOUND", "this business is not registered"))
        }
        Err(r) => Err(r.unexpected("member invitation")),
    }
}

/// What a redemption did.
#[derive(Debug, PartialEq, Eq)]
pub enum RedeemOutcome {
    Joined,
    /// No such code, or it was redeemed already.
    Unknown,
    Expired,
    /// The user belongs to a business already.
    AlreadyMember,
}

/// The invitation behind a code hash, if it was not redeemed yet.
pub async fn invitation(app: &App, code_hash: &str) -> Result<Option<MemberInvitation>, AppError> {
    dynamo::get_as(&app.db, app.table(), &invite_key(code_hash)).await
}

/// Redeems `invitation` for `member`, in one transaction: the invitation
/// is deleted only while unexpired (single use), the membership created
/// only if the user has none, an owner counted on the roster.
pub async fn redeem(
    app: &App,
    invitation: &MemberInvitation,
    member: &Membership,
    now_unix: i64,
    audit: &AuditEntry,
) -> Result<RedeemOutcome, AppError> {
    let delete = Delete::builder()
        .table_name(app.table())
        .set_key(Some(invite_key(&invitation.code_hash).attrs()))
        .condition_expression("attribute_exists(PK) AND expiresAtUnix > :now")
        .expression_attribute_values(":now", n(now_unix))
        .build()?;
    let mut tx = Tx::new()
        .with(TX_INVITE, TransactWriteItem::builder().delete(delete).build())
        .with(TX_MEMBERSHIP, tx_put(membership_layout(member).put_new(app.table(), member)?)?)
        .with(audit::TX_ITEM, audit.transact_put(app.table())?);
    if member.role == Role::Owner {
        let roster = roster_key(&member.business_id)
            .update(app.table())
            .update_expression("ADD owners :one")
            .condition_expression("attribute_exists(PK)")
            .expression_attribute_values(":one", n(1));
        tx.add(TX_ROSTER, tx_update(roster)?);
    }
    match dynamo::transact(&app.db, tx).await? {
        Ok(()) => Ok(RedeemOutcome::Joined),
        Err(r) if r.failed(TX_MEMBERSHIP) => Ok(RedeemOutcome::AlreadyMember),
        Err(r) if r.failed(TX_INVITE) => match self::invitation(app, &invitation.code_hash).await? {
            Some(_) => Ok(RedeemOutcome::Expired),
            None => Ok(RedeemOutcome::Unknown),
        },
        Err(r) if r.failed(TX_ROSTER) => Ok(RedeemOutcome::Unknown),
        Err(r) => Err(r.unexpected("member invitation redemption")),
    }
}

/// What a removal did.
#[derive(Debug, PartialEq, Eq)]
pub enum RemoveOutcome {
    Removed,
    /// The user is not a member of this business (any more).
    NotAMember,
    /// It is the business's last owner.
    LastOwner,
}

/// Removes `member` from its business: the membership is deleted only if
/// it is still that business's, and an owner only while another remains.
pub async fn remove(app: &App, member: &Membership, audit: &AuditEntry) -> Result<RemoveOutcome, AppError> {
    let delete = Delete::builder()
        .table_name(app.table())
        .set_key(Some(membership_key(&member.user_id).attrs()))
        .condition_expression("businessId = :business AND #role = :role")
        .expression_attribute_names("#role", "role")
        .expression_attribute_values(":business", s(&member.business_id))
        .expression_attribute_values(":role", s(member.role.as_str()))
        .build()?;
    let mut tx = Tx::new()
        .with(TX_MEMBERSHIP, TransactWriteItem::builder().delete(delete).build())
        .with(audit::TX_ITEM, audit.transact_put(app.table())?);
    if member.role == Role::Owner {
        let roster = roster_key(&member.business_id)
            .update(app.table())
            .update_expression("SET owners = owners - :one")
            .condition_expression("owners > :one")
            .expression_attribute_values(":one", n(1));
        tx.add(TX_ROSTER, tx_update(roster)?);
    }
    match dynamo::transact(&app.db, tx).await? {
        Ok(()) => Ok(RemoveOutcome::Removed),
        Err(r) if r.failed(TX_MEMBERSHIP) => Ok(RemoveOutcome::NotAMember),
        Err(r) if r.failed(TX_ROSTER) => Ok(RemoveOutcome::LastOwner),
        Err(r) => Err(r.unexpected("member removal")),
    }
}

/// The `owners` count of a business's roster (tests and operators).
pub async fn owner_count(app: &App, business_id: &str) -> Result<Option<u64>, AppError> {
    let item = dynamo::get_item(&app.db, app.table(), &roster_key(business_id)).await?;
    item.map(|i| dynamo::get_u64(&i, "owners")).transpose().map(Option::flatten)
}
