//! A business's webhook endpoint: where its events go, which ones, and the
//! secrets its deliveries are signed with (Standard Webhooks). Free of I/O.

use serde::{Deserialize, Serialize};

use crate::platform::error::AppError;

/// Endpoints a business may have.
pub const MAX_ENDPOINTS: u32 = 10;

/// How long a rotated-out secret still signs (both are sent meanwhile).
pub const ROTATION_GRACE_SECS: i64 = 24 * 3600;

/// The events a business may subscribe to: those of its own partnerships
/// and settlements (docs/api/asyncapi.yaml), and `*` for all of them.
pub const EVENT_TYPES: &[&str] = &[
    "partner.partnership.created",
    "partner.partnership.accepted",
    "partner.partnership.activated",
    "partner.partnership.paused",
    "partner.partnership.terminated",
    "partner.partnership.terms_proposed",
    "partner.partnership.terms_answered",
    "partner.transaction.recorded",
    "partner.settlement.calculated",
    "partner.settlement.disputed",
    "partner.settlement.resolved",
    "partner.settlement.processed",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum EndpointStatus {
    Enabled,
    /// By its owner, or after failing for days (`disabled_reason`).
    Disabled,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PreviousSecret {
    pub secret: String,
    /// It stops signing then.
    pub expires_at: String,
}

/// As stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Endpoint {
    pub endpoint_id: String,
    pub business_id: String,
    pub url: String,
    #[serde(default)]
    pub description: String,
    /// Subscribed event names, or `["*"]`.
    pub event_types: Vec<String>,
    pub status: EndpointStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disabled_reason: Option<String>,
    /// `whsec_<base64>`: what deliveries are signed with.
    pub secret: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_secret: Option<PreviousSecret>,
    pub created_at: String,
    pub updated_at: String,
    #[serde(default)]
    pub revision: u64,
}

impl Endpoint {
    /// Whether it wants `event_type`.
    pub fn wants(&self, event_type: &str) -> bool {
        self.status == EndpointStatus::Enabled && self.event_types.iter().any(|t| t == "*" || t == event_type)
    }

    pub fn view(&self) -> EndpointView {
        EndpointView {
            endpoint_id: self.endpoint_id.clone(),
            url: self.url.clone(),
            description: self.description.clone(),
            event_types: self.event_types.clone(),
            status: self.status,
            disabled_reason: self.disabled_reason.clone(),
            previous_secret_expires_at: self.previous_secret.as_ref().map(|p| p.expires_at.clone()),
            created_at: self.created_at.clone(),
            updated_at: self.updated_at.clone(),
        }
    }
}

/// What the API shows of an endpoint: never its secrets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EndpointView {
    pub endpoint_id: String,
    pub url: String,
    pub description: String,
    pub event_types: Vec<String>,
    pub status: EndpointStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disabled_reason: Option<String>,
    /// While a rotated-out secret still signs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous_secret_expires_at: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct EndpointRequest {
    pub url: Option<String>,
    pub event_types: Option<Vec<String>>,
    pub description: Option<String>,
    /// PATCH only: turn it off or on again.
    pub enabled: Option<bool>,
}

/// Event types as given: known names or `*`, each once, 1 to 20 of them.
pub fn event_types(given: &[String]) -> Result<Vec<String>, AppError> {
    let bad = |why: String| AppError::bad_request("INVALID_EVENT_TYPES", why);
    if given.is_empty() || given.len() > 20 {
        return Err(bad("eventTypes lists 1 to 20 event names, or \"*\"".into()));
    }
    let mut out: Vec<String> = Vec::new();
    for t in given {
        let t = t.trim();
        if t != "*" && !EVENT_TYPES.contains(&t) {
            return Err(bad(format!("{t:?} is not an event a business receives; see docs/api/asyncapi.yaml")));
        }
        if !out.iter().any(|o| o == t) {
            out.push(t.to_string());
        }
    }
    Ok(out)
}

/// A description: at most 500 characters, trimmed.
pub fn description(given: &str) -> Result<String, AppError> {
    let d = given.trim();
    if d.chars().count() > 500 {
        return Err(AppError::bad_request("INVALID_DESCRIPTION", "description is at most 500 characters"));
    }
    Ok(d.to_string())
}

/// A Standard Webhooks secret from 24 random bytes.
pub fn secret_from(bytes: &[u8; 24]) -> String {
    use base64::Engine;
    format!("whsec_{}", base64::engine::general_purpose::STANDARD.encode(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_types_are_known_names_or_everything_each_once() {
        let ok = event_types(&["partner.settlement.processed".into(), "*".into(), "*".into()]).unwrap();
        assert_eq!(ok, ["partner.settlement.processed", "*"]);
        assert_eq!(event_types(&[]).unwrap_err().code, "INVALID_EVENT_TYPES");
        assert_eq!(event_types(&["RefundOverdue".into()]).unwrap_err().code, "INVALID_EVENT_TYPES");
    }

    #[test]
    fn an_endpoint_wants_what_it_subscribed_to_while_enabled() {
        let mut e = Endpoint {
            endpoint_id: "ep".into(),
            business_id: "b".into(),
            url: "https://x.example/".into(),
            description: String::new(),
            event_types: vec!["partner.settlement.processed".into()],
            status: EndpointStatus::Enabled,
            disabled_reason: None,
            secret: secret_from(&[7; 24]),
            previous_secret: None,
            created_at: String::new(),
            updated_at: String::new(),
            revision: 0,
        };
        assert!(e.wants("partner.settlement.processed") && !e.wants("partner.transaction.recorded"));
        e.event_types = vec!["*".into()];
        assert!(e.wants("partner.transaction.recorded"));
        e.status = EndpointStatus::Disabled;
        assert!(!e.wants("partner.transaction.recorded"));
        assert!(e.secret.starts_with("whsec_") && e.secret.len() == 6 + 32);
        assert!(!serde_json::to_string(&e.view()).unwrap().contains("whsec_"), "the view never shows a secret");
    }
}
