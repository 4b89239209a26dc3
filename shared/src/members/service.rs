//! Membership use cases: who the caller is, owners inviting and removing
//! members, a user joining with a code, and the claims a token carries.
//! The caller's business is always its own membership's (the handler
//! passes what the verified token says, which the trigger took from here).

use crate::platform::ids::BusinessId;
use serde::Serialize;
use serde_json::json;

use super::domain::{self, claims_for, InviteRequest, MemberInvitation, Membership, MembershipClaims, Role};
use super::store::{self, RedeemOutcome, RemoveOutcome};
use crate::platform::audit::AuditEntry;
use crate::platform::clock::rfc3339;
use crate::platform::error::AppError;
use crate::App;

/// A created invitation, with the code shown to the owner this once.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CreatedInvitation {
    pub code: String,
    pub email: String,
    pub role: Role,
    pub expires_at: String,
}

/// An invitation as listed (never its code).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InvitationView {
    pub email: String,
    pub role: Role,
    pub invited_by: String,
    pub created_at: String,
    pub expires_at: String,
    pub expired: bool,
}

/// `GET /api/v1/businesses/me/members`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Roster {
    pub members: Vec<Membership>,
    pub invitations: Vec<InvitationView>,
}

fn random_code() -> Result<String, AppError> {
    let mut bytes = [0u8; domain::CODE_BYTES];
    aws_lc_rs::rand::fill(&mut bytes).map_err(|_| AppError::internal("the system's random source failed"))?;
    Ok(domain::code_from(&bytes))
}

/// The caller's membership, from the table (never from the token).
pub async fn me(app: &App, user_id: &str) -> Result<Option<Membership>, AppError> {
    store::get(app, user_id).await
}

/// What the pre token generation trigger puts into `user_id`'s tokens.
pub async fn token_claims(app: &App, user_id: &str) -> Result<MembershipClaims, AppError> {
    if !domain::is_user_id(user_id) {
        return Ok(claims_for(None));
    }
    Ok(claims_for(store::get(app, user_id).await?.as_ref()))
}

/// An owner invites `request.email` to its business; the code is
/// returned once, for the owner to pass on.
pub async fn invite(
    app: &App,
    business_id: &BusinessId,
    owner_user_id: &str,
    request: InviteRequest,
) -> Result<CreatedInvitation, AppError> {
    let (email, role) = request.validate()?;
    let now = app.clock.now();
    let expires = now + time::Duration::seconds(domain::INVITATION_TTL_SECS);
    let code = random_code()?;
    let code_hash = domain::code_hash(&code).ok_or_else(|| AppError::internal("a generated code did not read back"))?;
    let invitation = MemberInvitation {
        code_hash,
        business_id: business_id.to_string(),
        role,
        email: email.clone(),
        invited_by: owner_user_id.to_string(),
        created_at: rfc3339(now),
        expires_at: rfc3339(expires),
        expires_at_unix: expires.unix_timestamp(),
    };
    let audit = AuditEntry::new(
        owner_user_id,
        "business.member_invited",
        &store::subject(business_id),
        &invitation.created_at,
        json!({ "email": email, "role": role }),
    );
    store::create_invitation(app, &invitation, &audit).await?;
    Ok(CreatedInvitation { code, email, role, expires_at: invitation.expires_at })
}

/// The members and pending invitations of a business.
pub async fn roster(app: &App, business_id: &BusinessId) -> Result<Roster, AppError> {
    let (members, invitations) = tokio::try_join!(store::list(app, business_id), store::invitations(app, business_id))?;
    let now = app.clock.now().unix_timestamp();
    let invitations = invitations
        .into_iter()
        .map(|i| InvitationView {
            expired: i.expires_at_unix <= now,
            email: i.email,
            role: i.role,
            invited_by: i.invited_by,
            created_at: i.created_at,
            expires_at: i.expires_at,
        })
        .collect();
    Ok(Roster { members, invitations })
}

/// A signed-in user redeems an invitation code and becomes a member of
/// the inviting business. `token_email`: the email the token states, if
/// any (it must be the invited one).
pub async fn join(app: &App, user_id: &str, token_email: Option<&str>, code: &str) -> Result<Membership, AppError> {
    let unknown = || AppError::not_found("INVITATION_NOT_FOUND", "this invitation code is unknown or was used already");
    let hash = domain::code_hash(code).ok_or_else(|| {
        AppError::bad_request(
            "INVALID_INVITATION_CODE",
            "an invitation code is 32 hexadecimal digits (dashes and spaces allowed)",
        )
    })?;
    let invitation = store::invitation(app, &hash).await?.ok_or_else(unknown)?;
    if !domain::email_may_redeem(token_email, &invitation.email) {
        return Err(AppError::forbidden(
            "INVITATION_FOR_ANOTHER_EMAIL",
            "this invitation was sent to another email address than your sign-in's",
        ));
    }
    let now = app.clock.now();
    let member = Membership {
        user_id: user_id.to_string(),
        business_id: invitation.business_id.clone(),
        role: invitation.role,
        email: Some(invitation.email.clone()),
        joined_at: rfc3339(now),
    };
    let audit = AuditEntry::new(
        user_id,
        "business.member_joined",
        &store::subject(&member.business_id),
        &member.joined_at,
        json!({ "userId": user_id, "role": member.role, "email": invitation.email }),
    );
    match store::redeem(app, &invitation, &member, now.unix_timestamp(), &audit).await? {
        RedeemOutcome::Joined => Ok(member),
        RedeemOutcome::Unknown => Err(unknown()),
        RedeemOutcome::Expired => Err(AppError::new(
            crate::platform::error::ErrorKind::Gone,
            "INVITATION_EXPIRED",
            format!("this invitation expired at {}; ask the owner for a new one", invitation.expires_at),
        )),
        RedeemOutcome::AlreadyMember => Err(already_member()),
    }
}

/// An owner removes a member (itself included, unless it is the last owner).
pub async fn remove(
    app: &App,
    business_id: &BusinessId,
    owner_user_id: &str,
    member_user_id: &str,
) -> Result<(), AppError> {
    let not_member =
        || AppError::not_found("MEMBER_NOT_FOUND", format!("{member_user_id} is not a member of this business"));
    let member =
        store::get(app, member_user_id).await?.filter(|m| *business_id == *m.business_id).ok_or_else(not_member)?;
    let now = rfc3339(app.clock.now());
    let audit = AuditEntry::new(
        owner_user_id,
        "business.member_removed",
        &store::subject(business_id),
        &now,
        json!({ "userId": member_user_id, "role": member.role }),
    );
    match store::remove(app, &member, &audit).await? {
        RemoveOutcome::Removed => Ok(()),
        RemoveOutcome::NotAMember => Err(not_member()),
        RemoveOutcome::LastOwner => Err(AppError::conflict(
            "LAST_OWNER",
            "a business keeps at least one owner: invite another owner before removing this one",
        )),
    }
}

pub fn already_member() -> AppError {
    AppError::conflict(
        "ALREADY_A_MEMBER",
        "you belong to a business already; a user is a member of one business (sign in again if you just joined)",
    )
}
