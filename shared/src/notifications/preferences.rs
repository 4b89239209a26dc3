//! Who gets which notification by email: each user's own choice, with a
//! default by role until they make one. Owners are emailed every kind;
//! staff nothing until they opt in. Free of I/O.

use serde::{Deserialize, Serialize};

use super::domain::Kind;
use crate::members::domain::Role;
use crate::platform::error::AppError;

/// One user's email preferences as stored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Preferences {
    /// The kinds emailed; `None` until the user chooses (the role's
    /// default then applies).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_kinds: Option<Vec<Kind>>,
    /// Where the email goes: the address the user's sign-in stated when
    /// they last saved their preferences (the identity provider verified
    /// it; nobody types it in).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// The capability in every email's unsubscribe links: whoever holds it
    /// may turn this user's emails off, and nothing else.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unsubscribe_token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<String>,
}

/// The kinds a role may be told of at all.
pub fn choices(role: Role) -> Vec<Kind> {
    Kind::ALL.into_iter().filter(|k| role == Role::Owner || !k.owners_only()).collect()
}

impl Preferences {
    /// The kinds this user is emailed, in `Kind::ALL` order.
    pub fn emailed(&self, role: Role) -> Vec<Kind> {
        let allowed = choices(role);
        match &self.email_kinds {
            Some(kinds) => allowed.into_iter().filter(|k| kinds.contains(k)).collect(),
            None if role == Role::Owner => allowed,
            None => Vec::new(),
        }
    }

    pub fn wants_email(&self, role: Role, kind: Kind) -> bool {
        self.emailed(role).contains(&kind)
    }

    /// Where to send: the sign-in's address saved here, else the one the
    /// member was invited at.
    pub fn address<'a>(&'a self, invited_at: Option<&'a str>) -> Option<&'a str> {
        self.email.as_deref().or(invited_at)
    }
}

/// What an unsubscribe link turns off: one kind, or every email.
pub fn without(current: &[Kind], kind: Option<Kind>) -> Vec<Kind> {
    match kind {
        Some(k) => current.iter().copied().filter(|c| *c != k).collect(),
        None => Vec::new(),
    }
}

/// A user's choice as sent: every kind known, allowed for the role, once.
pub fn chosen(role: Role, kinds: &[Kind]) -> Result<Vec<Kind>, AppError> {
    let allowed = choices(role);
    if let Some(k) = kinds.iter().find(|k| !allowed.contains(k)) {
        return Err(AppError::bad_request("KIND_NOT_ALLOWED", format!("{} is told to owners only", k.code())));
    }
    Ok(allowed.into_iter().filter(|k| kinds.contains(k)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owners_get_everything_and_staff_nothing_until_they_choose() {
        let none = Preferences::default();
        assert_eq!(none.emailed(Role::Owner), Kind::ALL.to_vec());
        assert!(none.emailed(Role::Staff).is_empty());
        let chose = Preferences { email_kinds: Some(vec![Kind::SettlementProcessed]), ..Default::default() };
        assert!(chose.wants_email(Role::Staff, Kind::SettlementProcessed));
        assert!(!chose.wants_email(Role::Owner, Kind::InvitationReceived));
    }

    #[test]
    fn staff_are_never_emailed_an_owners_only_kind() {
        let p = Preferences { email_kinds: Some(Kind::ALL.to_vec()), ..Default::default() };
        assert!(!p.wants_email(Role::Staff, Kind::WebhookEndpointDisabled));
        assert!(p.wants_email(Role::Owner, Kind::WebhookEndpointDisabled));
        assert_eq!(chosen(Role::Staff, &[Kind::WebhookEndpointDisabled]).unwrap_err().code, "KIND_NOT_ALLOWED");
    }

    #[test]
    fn a_choice_is_kept_in_order_once() {
        let c = chosen(Role::Owner, &[Kind::SettlementProcessed, Kind::InvitationReceived, Kind::SettlementProcessed]);
        assert_eq!(c.unwrap(), [Kind::InvitationReceived, Kind::SettlementProcessed]);
    }

    #[test]
    fn unsubscribing_drops_one_kind_or_all() {
        let now = [Kind::InvitationReceived, Kind::SettlementProcessed];
        assert_eq!(without(&now, Some(Kind::InvitationReceived)), [Kind::SettlementProcessed]);
        assert!(without(&now, None).is_empty());
    }

    #[test]
    fn the_saved_sign_in_address_wins_over_the_invited_one() {
        let p = Preferences { email: Some("me@x.example".into()), ..Default::default() };
        assert_eq!(p.address(Some("old@x.example")), Some("me@x.example"));
        assert_eq!(Preferences::default().address(Some("old@x.example")), Some("old@x.example"));
        assert_eq!(Preferences::default().address(None), None);
    }
}
