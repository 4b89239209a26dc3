//! Partnership use cases. The caller's business is always its token's;
//! a business that is not a party to a partnership sees a 404 for it, so
//! existence never leaks.

use serde::Serialize;
use serde_json::json;

use super::domain::{InviteRequest, Partnership, PartnershipStatus, PartnershipType};
use super::store::{self, PartyRow};
use crate::businesses::domain::is_business_id;
use crate::businesses::store as businesses;
use crate::platform::audit::AuditEntry;
use crate::platform::clock::rfc3339;
use crate::platform::error::AppError;
use crate::platform::ids::new_id;
use crate::platform::outbox::{self, OutboxEvent};
use crate::App;

/// A partnership as its parties read it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PartnershipView {
    pub id: String,
    pub business_a_id: String,
    pub business_b_id: String,
    #[serde(rename = "type")]
    pub kind: PartnershipType,
    pub status: PartnershipStatus,
    pub revenue_sharing_terms: serde_json::Value,
    pub terms_version: u32,
    pub invited_at: String,
    pub accepted_at: Option<String>,
    pub activated_at: Option<String>,
    pub terminated_at: Option<String>,
    pub end_reason: Option<String>,
    pub created_by: String,
    pub updated_at: String,
}

impl From<Partnership> for PartnershipView {
    fn from(p: Partnership) -> Self {
        PartnershipView {
            revenue_sharing_terms: p.terms.view(),
            id: p.partnership_id,
            business_a_id: p.business_a_id,
            business_b_id: p.business_b_id,
            kind: p.kind,
            status: p.status,
            terms_version: p.terms_version,
            invited_at: p.invited_at,
            accepted_at: p.accepted_at,
            activated_at: p.activated_at,
            terminated_at: p.terminated_at,
            end_reason: p.end_reason,
            created_by: p.created_by,
            updated_at: p.updated_at,
        }
    }
}

/// What a `partner.partnership.*` event says.
fn event_detail(p: &Partnership, status: PartnershipStatus, end_reason: Option<&str>) -> serde_json::Value {
    json!({ "partnershipId": p.partnership_id, "businessAId": p.business_a_id, "businessBId": p.business_b_id, "type": p.kind, "status": status, "endReason": end_reason })
}

fn not_found(id: &str) -> AppError {
    AppError::not_found("PARTNERSHIP_NOT_FOUND", format!("no partnership {id} of yours"))
}

/// Invites `request.partner_business_id` (the caller's owner's call).
pub async fn invite(app: &App, business_id: &str, user_id: &str, request: InviteRequest) -> Result<PartnershipView, AppError> {
    let partner = request.partner_business_id.trim().to_string();
    if !is_business_id(&partner) {
        return Err(AppError::bad_request("INVALID_PARTNER", "partnerBusinessId must be 1 to 64 of A-Z, a-z, 0-9, - and _"));
    }
    if partner == business_id {
        return Err(AppError::bad_request("INVALID_PARTNER", "a business cannot partner with itself"));
    }
    let terms = request.revenue_sharing_terms.validate()?;
    // Read only to word a refusal; the transaction decides.
    if businesses::get(app, business_id).await?.is_none() {
        return Err(AppError::conflict("BUSINESS_NOT_REGISTERED", "register your business first (POST /api/v1/businesses)"));
    }
    match businesses::get(app, &partner).await? {
        None => return Err(AppError::not_found("BUSINESS_NOT_FOUND", format!("no business {partner}"))),
        Some(b) if !b.available_for_partnership => return Err(AppError::conflict("PARTNER_NOT_AVAILABLE", "that business does not take partnerships now")),
        Some(_) => {}
    }
    let now = rfc3339(app.clock.now());
    let p = Partnership {
        partnership_id: new_id(),
        business_a_id: business_id.to_string(),
        business_b_id: partner.clone(),
        kind: request.kind,
        status: PartnershipStatus::Pending,
        terms,
        terms_version: 1,
        invited_at: now.clone(),
        accepted_at: None,
        activated_at: None,
        terminated_at: None,
        end_reason: None,
        created_by: user_id.to_string(),
        updated_at: now.clone(),
    };
    let audit = AuditEntry::new(user_id, "partnership.created", &store::subject(&p.partnership_id), &now, json!({ "before": null, "after": { "status": "PENDING", "businessAId": p.business_a_id, "businessBId": p.business_b_id, "type": p.kind } }));
    let event = OutboxEvent::new(app, "partner.partnership.created", event_detail(&p, PartnershipStatus::Pending, None));
    match store::invite(app, &p, businesses::available_condition(app, &partner)?, &audit, &event).await? {
        Ok(()) => {
            outbox::publish_now(app, std::slice::from_ref(&event)).await;
            Ok(p.into())
        }
        Err(r) if r.failed(store::TX_PAIR) => Err(AppError::conflict("PARTNERSHIP_EXISTS", "these two businesses already have an open partnership or invitation")),
        Err(r) if r.failed(store::TX_INVITEE) => Err(AppError::conflict("PARTNER_NOT_AVAILABLE", "that business does not take partnerships now")),
        Err(r) => Err(r.unexpected("partnership invitation")),
    }
}

/// One partnership, for its parties only.
pub async fn get(app: &App, business_id: &str, id: &str) -> Result<PartnershipView, AppError> {
    Ok(mine(app, business_id, id).await?.into())
}

async fn mine(app: &App, business_id: &str, id: &str) -> Result<Partnership, AppError> {
    store::get(app, id).await?.filter(|p| p.is_party(business_id)).ok_or_else(|| not_found(id))
}

/// Accepts (`accept`) or declines an invitation: its invitee's owner only.
/// Accepting activates it; declining ends it (TERMINATED, `endReason:
/// DECLINED`) and frees the pair for a later invitation.
pub async fn answer(app: &App, business_id: &str, user_id: &str, id: &str, accept: bool) -> Result<PartnershipView, AppError> {
    let mut p = mine(app, business_id, id).await?;
    if p.business_b_id != business_id {
        return Err(AppError::forbidden("INVITEE_ONLY", "only the invited business accepts or declines"));
    }
    if p.status != PartnershipStatus::Pending {
        return Err(AppError::conflict("PARTNERSHIP_NOT_PENDING", format!("the partnership is {}", p.status.as_str())));
    }
    let now = rfc3339(app.clock.now());
    p.updated_at = now.clone();
    let (to, action, set): (_, _, Vec<(&str, &str)>) = if accept {
        (PartnershipStatus::Active, "partnership.accepted", vec![("acceptedAt", now.as_str()), ("activatedAt", now.as_str())])
    } else {
        (PartnershipStatus::Terminated, "partnership.declined", vec![("terminatedAt", now.as_str()), ("endReason", "DECLINED")])
    };
    let audit = AuditEntry::new(user_id, action, &store::subject(id), &now, json!({ "before": { "status": "PENDING" }, "after": { "status": to.as_str() } }));
    let events: Vec<OutboxEvent> = if accept {
        ["partner.partnership.accepted", "partner.partnership.activated"].iter().map(|name| OutboxEvent::new(app, name, event_detail(&p, to, None))).collect()
    } else {
        vec![OutboxEvent::new(app, "partner.partnership.terminated", event_detail(&p, to, Some("DECLINED")))]
    };
    if !store::answer(app, &p, business_id, to, &set, &audit, &events).await? {
        return Err(AppError::conflict("PARTNERSHIP_NOT_PENDING", "the partnership changed meanwhile; read it again"));
    }
    outbox::publish_now(app, &events).await;
    Ok(mine(app, business_id, id).await?.into())
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PartnershipList {
    pub partnerships: Vec<PartyRow>,
    pub next_cursor: Option<String>,
}

/// The caller's partnerships, newest first, optionally of one status or
/// role (filters apply to each page, so a page may hold fewer rows).
pub async fn list(app: &App, business_id: &str, status: Option<PartnershipStatus>, role: Option<&str>, limit: Option<i32>, cursor: Option<&str>) -> Result<PartnershipList, AppError> {
    let limit = limit.unwrap_or(50);
    if !(1..=100).contains(&limit) {
        return Err(AppError::bad_request("INVALID_LIMIT", "limit must be between 1 and 100"));
    }
    let role = match role.map(str::to_ascii_uppercase).as_deref() {
        None => None,
        Some(r @ ("INVITER" | "INVITEE")) => Some(r.to_string()),
        Some(_) => return Err(AppError::bad_request("INVALID_QUERY", "role must be inviter or invitee")),
    };
    let page = store::of_business(app, business_id, limit, cursor).await?;
    let partnerships = page.items.into_iter().filter(|r| status.is_none_or(|s| r.status == s) && role.as_ref().is_none_or(|x| &r.role == x)).collect();
    Ok(PartnershipList { partnerships, next_cursor: page.next_cursor })
}
