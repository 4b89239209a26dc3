//! An owner's endpoints: create (the secret shown once), list, change,
//! delete, rotate the secret (the old one still signs for a day). Every
//! address is checked (`address`) before it is saved.

use serde::Serialize;
use serde_json::json;

use super::address::{self, LocalReceivers};
use super::domain::{self, Endpoint, EndpointRequest, EndpointStatus, EndpointView, PreviousSecret, MAX_ENDPOINTS};
use super::store;
use crate::platform::audit::AuditEntry;
use crate::platform::clock::rfc3339;
use crate::platform::error::AppError;
use crate::platform::ids::BusinessId;
use crate::App;

/// An endpoint as created or rotated: the secret, shown this once.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WithSecret {
    #[serde(flatten)]
    pub endpoint: EndpointView,
    pub secret: String,
}

fn local(app: &App) -> LocalReceivers {
    if app.settings.webhooks_allow_local_receivers {
        LocalReceivers::Allowed
    } else {
        LocalReceivers::Refused
    }
}

fn new_secret() -> Result<String, AppError> {
    let mut bytes = [0u8; 24];
    aws_lc_rs::rand::fill(&mut bytes).map_err(|_| AppError::internal("the system's random source failed"))?;
    Ok(domain::secret_from(&bytes))
}

fn not_found(id: &str) -> AppError {
    AppError::not_found("WEBHOOK_ENDPOINT_NOT_FOUND", format!("no webhook endpoint {id} of yours"))
}

fn changed() -> AppError {
    AppError::conflict("WEBHOOK_ENDPOINT_CHANGED", "the endpoint changed meanwhile; read it again")
}

/// A checked, normalized address.
async fn checked_url(app: &App, text: &str) -> Result<String, AppError> {
    Ok(address::check_and_resolve(text, local(app)).await?.0.url.to_string())
}

pub async fn create(
    app: &App,
    business_id: &BusinessId,
    user_id: &str,
    req: EndpointRequest,
) -> Result<WithSecret, AppError> {
    if req.enabled.is_some() {
        return Err(AppError::bad_request("UNKNOWN_FIELD", "enabled is for changing an endpoint"));
    }
    let url = req.url.as_deref().ok_or_else(|| AppError::bad_request("MISSING_FIELD", "url is required"))?;
    let url = checked_url(app, url).await?;
    let event_types = domain::event_types(req.event_types.as_deref().unwrap_or(&["*".to_string()]))?;
    let now = rfc3339(app.clock.now());
    let endpoint = Endpoint {
        endpoint_id: format!("ep_{}", crate::platform::ids::new_id().to_ascii_lowercase()),
        business_id: business_id.to_string(),
        url,
        description: domain::description(req.description.as_deref().unwrap_or(""))?,
        event_types,
        status: EndpointStatus::Enabled,
        disabled_reason: None,
        secret: new_secret()?,
        previous_secret: None,
        created_at: now.clone(),
        updated_at: now.clone(),
        revision: 0,
    };
    let entry = AuditEntry::new(
        user_id,
        "webhook_endpoint.created",
        &store::subject(business_id, &endpoint.endpoint_id),
        &now,
        json!({ "after": endpoint.view() }),
    );
    match store::create(app, &endpoint, &entry).await? {
        Ok(()) => Ok(WithSecret { endpoint: endpoint.view(), secret: endpoint.secret }),
        Err(r) if r.failed(store::TX_COUNT) => Err(AppError::conflict(
            "WEBHOOK_ENDPOINT_LIMIT",
            format!("a business has at most {MAX_ENDPOINTS} webhook endpoints; delete one first"),
        )),
        Err(r) => Err(r.unexpected("webhook endpoint creation")),
    }
}

pub async fn list(app: &App, business_id: &BusinessId) -> Result<serde_json::Value, AppError> {
    let endpoints: Vec<EndpointView> = store::of_business(app, business_id).await?.iter().map(Endpoint::view).collect();
    Ok(json!({ "endpoints": endpoints }))
}

async fn mine(app: &App, business_id: &BusinessId, id: &str) -> Result<Endpoint, AppError> {
    store::get(app, business_id, id).await?.ok_or_else(|| not_found(id))
}

pub async fn update(
    app: &App,
    business_id: &BusinessId,
    user_id: &str,
    id: &str,
    req: EndpointRequest,
) -> Result<EndpointView, AppError> {
    if req.url.is_none() && req.event_types.is_none() && req.description.is_none() && req.enabled.is_none() {
        return Err(AppError::bad_request("EMPTY_BODY", "send url, eventTypes, description or enabled"));
    }
    let before = mine(app, business_id, id).await?;
    let mut after = before.clone();
    if let Some(url) = &req.url {
        after.url = checked_url(app, url).await?;
    }
    if let Some(types) = &req.event_types {
        after.event_types = domain::event_types(types)?;
    }
    if let Some(d) = &req.description {
        after.description = domain::description(d)?;
    }
    match req.enabled {
        Some(true) => (after.status, after.disabled_reason) = (EndpointStatus::Enabled, None),
        Some(false) => (after.status, after.disabled_reason) = (EndpointStatus::Disabled, Some("by its owner".into())),
        None => {}
    }
    after.updated_at = rfc3339(app.clock.now());
    let entry = AuditEntry::new(
        user_id,
        "webhook_endpoint.updated",
        &store::subject(business_id, id),
        &after.updated_at,
        json!({ "before": before.view(), "after": after.view() }),
    );
    if !store::save(app, &before, &after, &entry, None).await? {
        return Err(changed());
    }
    Ok(after.view())
}

pub async fn delete(app: &App, business_id: &BusinessId, user_id: &str, id: &str) -> Result<(), AppError> {
    let before = mine(app, business_id, id).await?;
    let now = rfc3339(app.clock.now());
    let entry = AuditEntry::new(
        user_id,
        "webhook_endpoint.deleted",
        &store::subject(business_id, id),
        &now,
        json!({ "before": before.view() }),
    );
    if !store::delete(app, &before, &entry).await? {
        return Err(changed());
    }
    Ok(())
}

/// A new secret, shown once; the one it replaces still signs for
/// `ROTATION_GRACE_SECS` (deliveries carry both signatures meanwhile).
pub async fn rotate(app: &App, business_id: &BusinessId, user_id: &str, id: &str) -> Result<WithSecret, AppError> {
    let before = mine(app, business_id, id).await?;
    let now = app.clock.now();
    let mut after = before.clone();
    after.previous_secret = Some(PreviousSecret {
        secret: before.secret.clone(),
        expires_at: rfc3339(now + time::Duration::seconds(domain::ROTATION_GRACE_SECS)),
    });
    after.secret = new_secret()?;
    after.updated_at = rfc3339(now);
    let entry = AuditEntry::new(
        user_id,
        "webhook_endpoint.secret_rotated",
        &store::subject(business_id, id),
        &after.updated_at,
        json!({ "previousSecretExpiresAt": after.previous_secret.as_ref().map(|p| &p.expires_at) }),
    );
    if !store::save(app, &before, &after, &entry, None).await? {
        return Err(changed());
    }
    Ok(WithSecret { endpoint: after.view(), secret: after.secret })
}
