//! Partnership use cases. The caller's business is always its token's;
//! a business that is not a party to a partnership sees a 404 for it, so
//! existence never leaks.

use serde::Serialize;
use serde_json::json;

use super::domain::{
    status_move, InviteRequest, Partnership, PartnershipStatus, PartnershipType, StatusRequest, TermsAnswer,
    TermsProposal, UpdateRequest,
};
use super::store::{self, PartyRow};
use super::templates;
use crate::businesses::domain::is_business_id;
use crate::businesses::store as businesses;
use crate::platform::audit::AuditEntry;
use crate::platform::clock::rfc3339;
use crate::platform::error::AppError;
use crate::platform::ids::new_id;
use crate::platform::ids::{BusinessId, PartnershipId};
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
    pub config: serde_json::Value,
    pub revenue_sharing_terms: serde_json::Value,
    pub terms_version: u32,
    pub terms_proposal: Option<serde_json::Value>,
    pub invited_at: String,
    pub accepted_at: Option<String>,
    pub activated_at: Option<String>,
    pub paused_at: Option<String>,
    pub paused_by: Option<String>,
    pub terminated_at: Option<String>,
    pub end_reason: Option<String>,
    pub status_reason: Option<String>,
    /// The most each party may owe the other unsettled.
    pub exposure_limits: super::exposure::ExposureLimits,
    /// Each party's anomaly thresholds, and those in force (the stricter).
    pub anomaly_rules: super::anomaly_rules::AnomalyRules,
    pub anomaly_thresholds: super::anomaly_rules::Thresholds,
    pub created_by: String,
    pub updated_at: String,
}

impl From<Partnership> for PartnershipView {
    fn from(p: Partnership) -> Self {
        PartnershipView {
            config: p.config.view(),
            revenue_sharing_terms: p.terms.view(),
            terms_proposal: p
                .terms_proposal
                .map(|t| json!({ "version": t.version, "revenueSharingTerms": t.terms.view(), "proposedBy": t.proposed_by, "proposedAt": t.proposed_at })),
            exposure_limits: p.exposure_limits,
            anomaly_rules: p.anomaly_rules,
            anomaly_thresholds: p.anomaly_rules.effective(),
            id: p.partnership_id,
            business_a_id: p.business_a_id,
            business_b_id: p.business_b_id,
            kind: p.kind,
            status: p.status,
            terms_version: p.terms_version,
            invited_at: p.invited_at,
            accepted_at: p.accepted_at,
            activated_at: p.activated_at,
            paused_at: p.paused_at,
            paused_by: p.paused_by,
            terminated_at: p.terminated_at,
            end_reason: p.end_reason,
            status_reason: p.status_reason,
            created_by: p.created_by,
            updated_at: p.updated_at,
        }
    }
}

/// What a `partner.partnership.*` event says.
/// An event's detail: the partnership as it is now and `change`, the
/// audited action that made it so (an acceptance and a resumption both
/// activate; a decline, a withdrawal and a termination all terminate).
fn event_detail(p: &Partnership, change: &str, actor: &str) -> serde_json::Value {
    let proposal = p.terms_proposal.as_ref().map(|t| json!({ "version": t.version, "proposedBy": t.proposed_by }));
    json!({ "change": change, "actorBusinessId": actor, "termsProposal": proposal, "partnershipId": p.partnership_id, "businessAId": p.business_a_id, "businessBId": p.business_b_id, "type": p.kind, "status": p.status, "termsVersion": p.terms_version, "endReason": p.end_reason, "reason": p.status_reason })
}

/// What the audit keeps of a partnership, before and after a change.
fn audit_state(p: &Partnership) -> serde_json::Value {
    json!({ "status": p.status, "termsVersion": p.terms_version, "revenueSharingTerms": p.terms.view(), "config": p.config.view(), "termsProposal": p.terms_proposal.as_ref().map(|t| t.version), "reason": p.status_reason, "exposureLimits": p.exposure_limits })
}

fn not_found(id: &str) -> AppError {
    AppError::not_found("PARTNERSHIP_NOT_FOUND", format!("no partnership {id} of yours"))
}

fn terms_changed(read: u32, current: u32) -> AppError {
    AppError::conflict(
        "TERMS_CHANGED",
        format!("you accepted terms version {read}, but the invitation is at version {current} now; read it again"),
    )
}

fn changed_meanwhile() -> AppError {
    AppError::conflict("PARTNERSHIP_CHANGED", "the partnership changed meanwhile; read it again")
}

/// Invites `request.partner_business_id` (the caller's owner's call).
pub async fn invite(
    app: &App,
    business_id: &BusinessId,
    user_id: &str,
    request: InviteRequest,
) -> Result<PartnershipView, AppError> {
    let (partner, chosen) = request.resolve()?;
    let partner = partner.trim().to_string();
    if !is_business_id(&partner) {
        return Err(AppError::bad_request(
            "INVALID_PARTNER",
            "partnerBusinessId must be 1 to 64 of A-Z, a-z, 0-9, - and _",
        ));
    }
    if *business_id == *partner {
        return Err(AppError::bad_request("INVALID_PARTNER", "a business cannot partner with itself"));
    }
    // Read only to word a refusal; the transaction decides.
    if businesses::get(app, business_id).await?.is_none() {
        return Err(AppError::conflict(
            "BUSINESS_NOT_REGISTERED",
            "register your business first (POST /api/v1/businesses)",
        ));
    }
    match businesses::get(app, &partner).await? {
        None => return Err(AppError::not_found("BUSINESS_NOT_FOUND", format!("no business {partner}"))),
        Some(b) if !b.available_for_partnership => {
            return Err(AppError::conflict("PARTNER_NOT_AVAILABLE", "that business does not take partnerships now"))
        }
        Some(_) => {}
    }
    let now = rfc3339(app.clock.now());
    let p = Partnership {
        partnership_id: new_id(),
        business_a_id: business_id.to_string(),
        business_b_id: partner.clone(),
        kind: chosen.kind,
        status: PartnershipStatus::Pending,
        config: chosen.config,
        terms: chosen.terms,
        terms_version: 1,
        settlement_schedule: vec![],
        status_history: vec![],
        terms_history: vec![],
        terms_proposal: None,
        invited_at: now.clone(),
        accepted_at: None,
        activated_at: None,
        paused_at: None,
        paused_by: None,
        terminated_at: None,
        end_reason: None,
        status_reason: None,
        exposure_limits: Default::default(),
        anomaly_rules: Default::default(),
        created_by: user_id.to_string(),
        updated_at: now.clone(),
        revision: 0,
    };
    let audit = AuditEntry::new(
        user_id,
        "partnership.created",
        &store::subject(&p.partnership_id),
        &now,
        json!({ "before": null, "after": audit_state(&p) }),
    );
    let event =
        OutboxEvent::new(app, "partner.partnership.created", event_detail(&p, "partnership.created", business_id));
    match store::invite(app, &p, businesses::available_condition(app, &partner)?, &audit, &event).await? {
        Ok(()) => {
            outbox::publish_now(app, std::slice::from_ref(&event)).await;
            Ok(p.into())
        }
        Err(r) if r.failed(store::TX_PAIR) => Err(AppError::conflict(
            "PARTNERSHIP_EXISTS",
            "these two businesses already have an open partnership or invitation",
        )),
        Err(r) if r.failed(store::TX_INVITEE) => {
            Err(AppError::conflict("PARTNER_NOT_AVAILABLE", "that business does not take partnerships now"))
        }
        Err(r) => Err(r.unexpected("partnership invitation")),
    }
}

/// One partnership, for its parties only.
pub async fn get(app: &App, business_id: &BusinessId, id: &PartnershipId) -> Result<PartnershipView, AppError> {
    Ok(mine(app, business_id, id).await?.into())
}

/// The partnership, if the caller's business is a party to it; for
/// anyone else it does not exist.
pub async fn mine(app: &App, business_id: &BusinessId, id: &PartnershipId) -> Result<Partnership, AppError> {
    store::get(app, id).await?.filter(|p| p.is_party(business_id)).ok_or_else(|| not_found(id))
}

/// One change: `after` replaces `before` with its audit, events and the
/// profile counters it moves (a partnership that goes live counts for both
/// businesses and marks them as having partnered; one that ends stops
/// counting). `Ok(false)`: it changed meanwhile.
async fn commit(
    app: &App,
    (actor, user_id): (&str, &str),
    action: &str,
    before: &Partnership,
    after: &Partnership,
    events: &[&str],
) -> Result<bool, AppError> {
    let audit = AuditEntry::new(
        user_id,
        action,
        &store::subject(&after.partnership_id),
        &after.updated_at,
        json!({ "before": audit_state(before), "after": audit_state(after) }),
    );
    let events: Vec<OutboxEvent> =
        events.iter().map(|name| OutboxEvent::new(app, name, event_detail(after, action, actor))).collect();
    let mut extra = Vec::new();
    let (a, b) = (after.business_a_id.as_str(), after.business_b_id.as_str());
    if !before.is_live() && after.is_live() {
        let [mark_a, mark_b] = businesses::partnered_marks(app, a, b, &after.updated_at)?;
        extra.extend([("business.partnered.a", mark_a), ("business.partnered.b", mark_b)]);
        extra.extend([
            ("business.count.a", businesses::count_partnership(app, a, 1)?),
            ("business.count.b", businesses::count_partnership(app, b, 1)?),
        ]);
    } else if before.is_live() && !after.is_live() {
        extra.extend([
            ("business.count.a", businesses::count_partnership(app, a, -1)?),
            ("business.count.b", businesses::count_partnership(app, b, -1)?),
        ]);
    }
    if !store::save(app, before, after, store::Effects { audit: &audit, events: &events, extra }).await? {
        return Ok(false);
    }
    outbox::publish_now(app, &events).await;
    Ok(true)
}

/// An invitee's answer to an invitation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// Accepts the terms version the invitee read (`termsVersion`): if
    /// the inviter changed the invitation since, nothing is accepted.
    Accept {
        terms_version: u32,
    },
    Decline,
}

/// Accepts or declines an invitation: its invitee's owner only.
/// Accepting activates it; declining ends it (TERMINATED, `endReason:
/// DECLINED`) and frees the pair for a later invitation.
pub async fn answer(
    app: &App,
    business_id: &BusinessId,
    user_id: &str,
    id: &PartnershipId,
    answer: Answer,
) -> Result<PartnershipView, AppError> {
    let before = mine(app, business_id, id).await?;
    if before.business_b_id != business_id.as_str() {
        return Err(AppError::forbidden("INVITEE_ONLY", "only the invited business accepts or declines"));
    }
    if before.status != PartnershipStatus::Pending {
        return Err(AppError::conflict(
            "PARTNERSHIP_NOT_PENDING",
            format!("the partnership is {}", before.status.as_str()),
        ));
    }
    let accept = match answer {
        // The commit below is conditioned on the revision read here, so a
        // change made after this check still refuses the acceptance.
        Answer::Accept { terms_version } if terms_version != before.terms_version => {
            return Err(terms_changed(terms_version, before.terms_version));
        }
        Answer::Accept { .. } => true,
        Answer::Decline => false,
    };
    let now = rfc3339(app.clock.now());
    let mut after = Partnership { updated_at: now.clone(), ..before.clone() };
    let (action, events): (_, &[&str]) = if accept {
        (after.accepted_at, after.activated_at) = (Some(now.clone()), Some(now.clone()));
        after.moved_to(PartnershipStatus::Active, &now);
        after.terms_from(after.terms_version, &now);
        ("partnership.accepted", &["partner.partnership.accepted", "partner.partnership.activated"])
    } else {
        (after.terminated_at, after.end_reason) = (Some(now.clone()), Some("DECLINED".into()));
        after.moved_to(PartnershipStatus::Terminated, &now);
        ("partnership.declined", &["partner.partnership.terminated"])
    };
    if !commit(app, (business_id, user_id), action, &before, &after, events).await? {
        // Whatever changed (an edit, a withdrawal), what the invitee read is
        // no longer what would be accepted.
        return Err(match answer {
            Answer::Accept { terms_version } => {
                terms_changed(terms_version, mine(app, business_id, id).await?.terms_version)
            }
            Answer::Decline => {
                AppError::conflict("PARTNERSHIP_NOT_PENDING", "the partnership changed meanwhile; read it again")
            }
        });
    }
    Ok(after.into())
}

/// Pauses, resumes or terminates (either party's owner; see
/// `domain::status_move` for who may do what).
pub async fn change_status(
    app: &App,
    business_id: &BusinessId,
    user_id: &str,
    id: &PartnershipId,
    request: StatusRequest,
) -> Result<PartnershipView, AppError> {
    let before = mine(app, business_id, id).await?;
    let step = status_move(&before, business_id, &request)?;
    let now = rfc3339(app.clock.now());
    let mut after = Partnership {
        status_reason: Some(request.reason.trim().to_string()),
        updated_at: now.clone(),
        ..before.clone()
    };
    after.moved_to(step.to, &now);
    match step.to {
        PartnershipStatus::Paused => (after.paused_at, after.paused_by) = (Some(now), Some(business_id.to_string())),
        PartnershipStatus::Active => (after.paused_at, after.paused_by) = (None, None),
        _ => {
            (after.terminated_at, after.end_reason) = (Some(now), step.end_reason.map(String::from));
            // An open proposal dies with the partnership.
            after.terms_proposal = None;
        }
    }
    if !commit(app, (business_id, user_id), step.action, &before, &after, &[step.event]).await? {
        return Err(changed_meanwhile());
    }
    Ok(after.into())
}

/// Changes the config and/or the terms (either party's owner). While the
/// invitation is PENDING only its inviter edits it, in place (the invitee
/// accepts what it reads). Once accepted, the config changes at once but
/// new terms become a proposal the other party answers: money terms never
/// change unilaterally.
pub async fn update(
    app: &App,
    business_id: &BusinessId,
    user_id: &str,
    id: &PartnershipId,
    request: UpdateRequest,
) -> Result<PartnershipView, AppError> {
    if request.config.is_none() && request.revenue_sharing_terms.is_none() {
        return Err(AppError::bad_request("INVALID_UPDATE", "send config, revenueSharingTerms or both"));
    }
    let config = request.config.map(|c| c.validate()).transpose()?;
    let terms = request.revenue_sharing_terms.map(|t| t.validate()).transpose()?;
    let before = mine(app, business_id, id).await?;
    let now = rfc3339(app.clock.now());
    let mut after = Partnership { updated_at: now.clone(), ..before.clone() };
    if let Some(config) = config {
        after.config = config;
    }
    match before.status {
        PartnershipStatus::Terminated => {
            return Err(AppError::conflict("PARTNERSHIP_TERMINATED", "a terminated partnership does not change"))
        }
        PartnershipStatus::Pending if before.business_a_id != business_id.as_str() => {
            return Err(AppError::forbidden(
                "INVITER_ONLY",
                "the invitee accepts or declines a pending invitation; only its inviter edits it",
            ));
        }
        PartnershipStatus::Pending => {
            if let Some(terms) = terms {
                after.terms = terms;
            }
            // The invitee accepts a version: any change to what it agrees
            // to (terms or config) is a new one.
            if after.terms != before.terms || after.config != before.config {
                after.terms_version = before.terms_version.saturating_add(1);
            }
        }
        PartnershipStatus::Active | PartnershipStatus::Paused => {
            if let Some(terms) = terms.filter(|t| *t != before.terms) {
                // A newer proposal replaces an unanswered one.
                after.terms_proposal = Some(TermsProposal {
                    version: before.terms_version + 1,
                    terms,
                    proposed_by: business_id.to_string(),
                    proposed_at: now,
                });
            }
        }
    }
    if after == (Partnership { updated_at: before.updated_at.clone(), ..before.clone() }) {
        return Ok(before.into());
    }
    let action = if after.terms_proposal != before.terms_proposal {
        "partnership.terms_proposed"
    } else {
        "partnership.updated"
    };
    let events: &[&str] =
        if action == "partnership.terms_proposed" { &["partner.partnership.terms_proposed"] } else { &[] };
    if !commit(app, (business_id, user_id), action, &before, &after, events).await? {
        return Err(changed_meanwhile());
    }
    Ok(after.into())
}

/// A party sets the most its partner may owe it unsettled. Only the side
/// that protects the caller: the partner's limit on what the caller may
/// owe is the partner's, so no payer can lift its own.
pub async fn set_exposure_limit(
    app: &App,
    business_id: &BusinessId,
    user_id: &str,
    id: &PartnershipId,
    request: super::exposure::LimitRequest,
) -> Result<PartnershipView, AppError> {
    let before = mine(app, business_id, id).await?;
    if before.status == PartnershipStatus::Terminated {
        return Err(AppError::conflict("PARTNERSHIP_TERMINATED", "a terminated partnership does not change"));
    }
    let creditor_is_a = before.business_a_id == business_id.as_str();
    let limits = before.exposure_limits.with_limit(creditor_is_a, request.max_outstanding_cents)?;
    if limits == before.exposure_limits {
        return Ok(before.into());
    }
    let after = Partnership { exposure_limits: limits, updated_at: rfc3339(app.clock.now()), ..before.clone() };
    if !commit(app, (business_id, user_id), "partnership.exposure_limit_set", &before, &after, &[]).await? {
        return Err(changed_meanwhile());
    }
    Ok(after.into())
}

/// A party's owner sets its own anomaly thresholds (all of them: an unset
/// rule is the default). The scan uses the stricter party's, so this can
/// only tighten what the partner set, never loosen it.
pub async fn set_anomaly_rules(
    app: &App,
    business_id: &BusinessId,
    user_id: &str,
    id: &PartnershipId,
    settings: super::anomaly_rules::RuleSettings,
) -> Result<PartnershipView, AppError> {
    let before = mine(app, business_id, id).await?;
    if before.status == PartnershipStatus::Terminated {
        return Err(AppError::conflict("PARTNERSHIP_TERMINATED", "a terminated partnership does not change"));
    }
    let caller_is_a = before.business_a_id == business_id.as_str();
    let rules = before.anomaly_rules.with_side(caller_is_a, settings)?;
    if rules == before.anomaly_rules {
        return Ok(before.into());
    }
    let after = Partnership { anomaly_rules: rules, updated_at: rfc3339(app.clock.now()), ..before.clone() };
    if !commit(app, (business_id, user_id), "partnership.anomaly_rules_set", &before, &after, &[]).await? {
        return Err(changed_meanwhile());
    }
    Ok(after.into())
}

/// Accepts or rejects the open terms proposal `version`: the other party
/// accepts or rejects it; its proposer may only withdraw it (REJECT).
/// Accepted terms take effect at once as the new `termsVersion`.
pub async fn answer_terms(
    app: &App,
    business_id: &BusinessId,
    user_id: &str,
    id: &PartnershipId,
    request: TermsAnswer,
) -> Result<PartnershipView, AppError> {
    let accept = request.accept()?;
    let before = mine(app, business_id, id).await?;
    let proposal = before.terms_proposal.clone().filter(|p| p.version == request.version).ok_or_else(|| {
        AppError::conflict(
            "NO_SUCH_PROPOSAL",
            format!("no open terms proposal {} on this partnership", request.version),
        )
    })?;
    if accept && proposal.proposed_by == business_id.as_str() {
        return Err(AppError::forbidden(
            "PROPOSER_CANNOT_ACCEPT",
            "the other business accepts your proposal; you may withdraw it with REJECT",
        ));
    }
    let now = app.clock.now();
    let mut after = Partnership { terms_proposal: None, updated_at: rfc3339(now), ..before.clone() };
    if accept {
        // A new frequency starts when the open period ends: that period
        // keeps the frequency it was opened with.
        if proposal.terms.settlement_frequency != before.terms.settlement_frequency {
            let schedule = before
                .schedule()
                .changed_to(proposal.terms.settlement_frequency, now)
                .ok_or_else(|| AppError::internal("no period holds now"))?;
            after.settlement_schedule = schedule.stored();
        }
        after.terms_from(proposal.version, &after.updated_at.clone());
        (after.terms, after.terms_version) = (proposal.terms, proposal.version);
    }
    let action = if accept { "partnership.terms_accepted" } else { "partnership.terms_rejected" };
    if !commit(app, (business_id, user_id), action, &before, &after, &["partner.partnership.terms_answered"]).await? {
        return Err(changed_meanwhile());
    }
    Ok(after.into())
}

/// The industry templates, optionally for one business category.
pub fn templates(category: Option<&str>) -> serde_json::Value {
    json!({ "templates": templates::for_category(category).iter().map(|t| t.view()).collect::<Vec<_>>() })
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PartnershipList {
    pub partnerships: Vec<PartyRow>,
    pub next_cursor: Option<String>,
}

/// The caller's partnerships, newest first, optionally of one status or
/// role (filters apply to each page, so a page may hold fewer rows).
pub async fn list(
    app: &App,
    business_id: &BusinessId,
    status: Option<PartnershipStatus>,
    role: Option<&str>,
    limit: Option<i32>,
    cursor: Option<&str>,
) -> Result<PartnershipList, AppError> {
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
    let partnerships = page
        .items
        .into_iter()
        .filter(|r| status.is_none_or(|s| r.status == s) && role.as_ref().is_none_or(|x| &r.role == x))
        .collect();
    Ok(PartnershipList { partnerships, next_cursor: page.next_cursor })
}
