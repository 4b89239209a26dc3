//! Business profile use cases. The caller's business is always the one its
//! token names (the handler passes it); nothing here takes it from a body.

use serde::Serialize;
use serde_json::json;

use super::domain::{Business, BusinessRequest, GeoLocation};
use super::store;
use crate::platform::audit::AuditEntry;
use crate::platform::clock::rfc3339;
use crate::platform::error::AppError;
use crate::App;

/// A business as other businesses see it (the spec's partner profile).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PartnerProfile {
    pub business_id: String,
    pub name: String,
    pub category: String,
    pub categories: Vec<String>,
    pub location: GeoLocation,
    pub address: String,
    pub rating: f64,
    pub review_count: u64,
    pub loyal_customer_count: u64,
    pub partnership_count: u64,
    pub available_for_partnership: bool,
    /// Reviews arrive with the directory; none are recorded yet.
    pub recent_reviews: Vec<serde_json::Value>,
}

impl From<Business> for PartnerProfile {
    fn from(b: Business) -> Self {
        PartnerProfile {
            rating: b.rating(),
            business_id: b.business_id,
            name: b.name,
            category: b.category,
            categories: b.categories,
            location: b.location,
            address: b.address,
            review_count: b.review_count,
            loyal_customer_count: b.loyal_customer_count,
            partnership_count: b.partnership_count,
            available_for_partnership: b.available_for_partnership,
            recent_reviews: vec![],
        }
    }
}

/// Registers the caller's business (its owner's call), once.
pub async fn register(app: &App, business_id: &str, owner_user_id: &str, request: BusinessRequest) -> Result<PartnerProfile, AppError> {
    let fields = request.validate()?;
    let now = rfc3339(app.clock.now());
    let business = Business {
        business_id: business_id.to_string(),
        name: fields.name,
        category: fields.category,
        categories: fields.categories,
        location: fields.location,
        address: fields.address,
        available_for_partnership: fields.available_for_partnership,
        rating_sum: 0,
        review_count: 0,
        loyal_customer_count: 0,
        partnership_count: 0,
        owner_user_id: owner_user_id.to_string(),
        created_at: now.clone(),
        updated_at: now.clone(),
    };
    let audit = AuditEntry::new(owner_user_id, "business.registered", &store::subject(business_id), &now, json!({ "name": business.name, "category": business.category }));
    if !store::create(app, &business, &audit).await? {
        return Err(AppError::conflict("BUSINESS_ALREADY_REGISTERED", "this business is registered already; change it with PUT /api/v1/businesses/me"));
    }
    Ok(business.into())
}

/// Changes the caller's business profile (its owner's call).
pub async fn update(app: &App, business_id: &str, user_id: &str, request: BusinessRequest) -> Result<PartnerProfile, AppError> {
    let fields = request.validate()?;
    let now = rfc3339(app.clock.now());
    let before = store::get(app, business_id).await?.ok_or_else(not_registered)?;
    let details = json!({ "before": { "name": before.name, "category": before.category, "availableForPartnership": before.available_for_partnership },
                          "after": { "name": fields.name, "category": fields.category, "availableForPartnership": fields.available_for_partnership } });
    let audit = AuditEntry::new(user_id, "business.updated", &store::subject(business_id), &now, details);
    if !store::update(app, &before, &fields, &now, &audit).await? {
        return Err(not_registered());
    }
    profile(app, business_id).await
}

/// Any business's profile.
pub async fn profile(app: &App, business_id: &str) -> Result<PartnerProfile, AppError> {
    Ok(store::get(app, business_id).await?.ok_or_else(|| AppError::not_found("BUSINESS_NOT_FOUND", format!("no business {business_id}")))?.into())
}

fn not_registered() -> AppError {
    AppError::not_found("BUSINESS_NOT_FOUND", "this business is not registered yet; register it with POST /api/v1/businesses")
}
