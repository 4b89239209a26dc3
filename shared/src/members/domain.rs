//! Who belongs to which business, free of I/O.
//!
//! A user (the token's `sub`) is a member of at most one business, as its
//! `owner` or as `staff`. Membership is our data: the identity provider
//! proves who the user is, and the business and role in a token come from
//! here (the pre token generation trigger copies them in), never from an
//! attribute the user can write.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::platform::error::AppError;

/// What a member may do at its business.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Creates, accepts, declines, changes and terminates partnerships;
    /// invites and removes members.
    Owner,
    /// Reads, and records transactions at the point of sale.
    Staff,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Staff => "staff",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        match text {
            "owner" => Some(Role::Owner),
            "staff" => Some(Role::Staff),
            _ => None,
        }
    }
}

/// A user's membership of a business.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Membership {
    pub user_id: String,
    pub business_id: String,
    pub role: Role,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    pub joined_at: String,
}

/// A user id (a token's `sub`): 1 to 128 printable ASCII characters
/// without spaces, so it always fits a key. Cognito's are UUIDs; the local
/// issuer accepts user names.
pub fn is_user_id(text: &str) -> bool {
    !text.is_empty() && text.len() <= 128 && text.bytes().all(|c| c.is_ascii_graphic() && c != b'#')
}

/// How long an invitation code may be redeemed.
pub const INVITATION_TTL_SECS: i64 = 7 * 24 * 3600;

/// An owner's invitation to join its business: redeemable once, before it
/// expires, by whoever holds the code. Only the code's hash is stored, so
/// the table never holds a usable code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MemberInvitation {
    pub code_hash: String,
    pub business_id: String,
    pub role: Role,
    pub email: String,
    pub invited_by: String,
    pub created_at: String,
    pub expires_at: String,
    /// Unix seconds of `expires_at`: what the redemption's condition compares.
    pub expires_at_unix: i64,
}

/// The body of `POST /api/v1/businesses/me/members`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct InviteRequest {
    pub email: String,
    /// `staff` unless the owner invites a co-owner.
    #[serde(default)]
    pub role: Option<Role>,
}

impl InviteRequest {
    /// The email, trimmed and lower-cased, and the role.
    pub fn validate(self) -> Result<(String, Role), AppError> {
        let email = normalize_email(&self.email).ok_or_else(|| {
            AppError::bad_request(
                "INVALID_EMAIL",
                "email must be an address like name@example.com (at most 254 characters)",
            )
        })?;
        Ok((email, self.role.unwrap_or(Role::Staff)))
    }
}

/// An email address as we compare them: trimmed, lower-cased, one `@`
/// with text on both sides and a dot in the domain.
pub fn normalize_email(text: &str) -> Option<String> {
    let email = text.trim().to_ascii_lowercase();
    let (local, domain) = email.split_once('@')?;
    let ok = email.len() <= 254
        && !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@')
        && email.bytes().all(|c| c.is_ascii_graphic());
    ok.then_some(email)
}

/// The body of `POST /api/v1/businesses/join`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct JoinRequest {
    pub code: String,
}

/// How many random bytes an invitation code carries (128 bits).
pub const CODE_BYTES: usize = 16;

/// An invitation code from random bytes: lowercase hex, in groups of four
/// so a person can read it out.
pub fn code_from(bytes: &[u8; CODE_BYTES]) -> String {
    let hex = hex::encode(bytes);
    hex.as_bytes().chunks(4).map(|c| String::from_utf8_lossy(c).into_owned()).collect::<Vec<_>>().join("-")
}

/// The stored form of a code as a person may type it (any case, with or
/// without the dashes and spaces): `None` if it cannot be one of ours.
pub fn code_hash(typed: &str) -> Option<String> {
    let compact: String = typed.chars().filter(|c| !matches!(c, '-' | ' ')).collect::<String>().to_ascii_lowercase();
    if compact.len() != CODE_BYTES * 2 || !compact.bytes().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    Some(hex::encode(Sha256::digest(compact.as_bytes())))
}

/// Whether a token's email lets its user redeem an invitation sent to
/// `invited`: a token that states an email must state that one; a token
/// without one (an issuer that shares none) relies on the code alone.
pub fn email_may_redeem(token_email: Option<&str>, invited: &str) -> bool {
    token_email.is_none_or(|e| normalize_email(e).as_deref() == Some(invited))
}

/// The claims a token carries about its user's business, as the pre
/// token generation trigger sets them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MembershipClaims {
    /// `businessId`: the member's business, none for a user without one.
    pub business_id: Option<String>,
    /// `role`: `owner` or `staff` for a member; `customer` for any other
    /// signed-in user (every person may collect points in the network).
    pub role: &'static str,
    /// Claims removed from the token: `businessId` when there is none, and
    /// any user-writable attribute that looks like ours.
    pub suppress: Vec<&'static str>,
}

/// Claim names the API reads.
pub const BUSINESS_ID_CLAIM: &str = "businessId";
pub const ROLE_CLAIM: &str = "role";
/// The role of a signed-in user who belongs to no business.
pub const CUSTOMER_ROLE: &str = "customer";
/// Attributes a pool may once have let users write; never in a token.
pub const USER_WRITABLE_LOOKALIKES: [&str; 2] = ["custom:businessId", "custom:role"];

pub fn claims_for(membership: Option<&Membership>) -> MembershipClaims {
    let mut suppress = USER_WRITABLE_LOOKALIKES.to_vec();
    match membership {
        Some(m) => MembershipClaims { business_id: Some(m.business_id.clone()), role: m.role.as_str(), suppress },
        None => {
            suppress.push(BUSINESS_ID_CLAIM);
            MembershipClaims { business_id: None, role: CUSTOMER_ROLE, suppress }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_reads_back_to_its_hash_however_it_is_typed() {
        let code = code_from(&[0xab; CODE_BYTES]);
        assert_eq!(code.len(), 32 + 7);
        let hash = code_hash(&code).unwrap();
        assert_eq!(code_hash(&code.to_uppercase()), Some(hash.clone()));
        assert_eq!(code_hash(&code.replace('-', " ")), Some(hash.clone()));
        assert_eq!(code_hash(&code.replace('-', "")), Some(hash));
        assert_ne!(code_hash(&code_from(&[0xac; CODE_BYTES])), code_hash(&code));
    }

    #[test]
    fn what_is_not_a_code_has_no_hash() {
        for typed in ["", "abc", &"g".repeat(32), &"a".repeat(33), "../../etc"] {
            assert_eq!(code_hash(typed), None, "{typed}");
        }
    }

    #[test]
    fn emails_are_compared_normalized() {
        assert_eq!(normalize_email("  Ana@Example.COM "), Some("ana@example.com".into()));
        for bad in ["", "ana", "@example.com", "ana@", "ana@example", "ana@.com", "a b@example.com", "a@b@c.com"] {
            assert_eq!(normalize_email(bad), None, "{bad}");
        }
        assert!(email_may_redeem(None, "ana@example.com"));
        assert!(email_may_redeem(Some("ANA@example.com"), "ana@example.com"));
        assert!(!email_may_redeem(Some("eve@example.com"), "ana@example.com"));
        assert!(!email_may_redeem(Some("not an email"), "ana@example.com"));
    }

    #[test]
    fn claims_come_from_the_membership_and_lookalikes_are_always_removed() {
        let m = Membership {
            user_id: "u".into(),
            business_id: "biz".into(),
            role: Role::Staff,
            email: None,
            joined_at: "t".into(),
        };
        let with = claims_for(Some(&m));
        assert_eq!((with.business_id.as_deref(), with.role), (Some("biz"), "staff"));
        assert!(with.suppress.contains(&"custom:businessId") && with.suppress.contains(&"custom:role"));
        assert!(!with.suppress.contains(&"businessId"));
        let without = claims_for(None);
        assert_eq!((without.business_id, without.role), (None, "customer"));
        for claim in ["businessId", "custom:businessId", "custom:role"] {
            assert!(without.suppress.contains(&claim), "{claim}");
        }
    }

    #[test]
    fn user_ids_fit_a_key() {
        assert!(is_user_id("3f1c-uuid"));
        assert!(is_user_id("ana@example.com"));
        for bad in ["", "a b", "a#b", &"x".repeat(129)] {
            assert!(!is_user_id(bad), "{bad}");
        }
    }

    #[test]
    fn an_invitation_is_for_staff_unless_it_says_owner() {
        let r: InviteRequest = serde_json::from_str(r#"{"email":"Ana@Example.com"}"#).unwrap();
        assert_eq!(r.validate().unwrap(), ("ana@example.com".into(), Role::Staff));
        let r: InviteRequest = serde_json::from_str(r#"{"email":"b@example.com","role":"owner"}"#).unwrap();
        assert_eq!(r.validate().unwrap().1, Role::Owner);
        assert!(serde_json::from_str::<InviteRequest>(r#"{"email":"b@example.com","role":"admin"}"#).is_err());
    }
}
