//! Business profile use cases. The caller's business is always the one its
//! token names (the handler passes it); nothing here takes it from a body.

use crate::platform::ids::BusinessId;
use serde::Serialize;
use serde_json::json;

use super::domain::{is_business_id, Business, BusinessRequest, GeoLocation, Review, ReviewRequest};
use super::store;
use crate::members::{
    self,
    domain::{Membership, Role},
};
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
    /// The latest reviews, newest first (at most `RECENT_REVIEWS`).
    pub recent_reviews: Vec<ReviewView>,
}

/// How many reviews a profile shows.
pub const RECENT_REVIEWS: i32 = 5;

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReviewView {
    pub reviewer_business_id: String,
    pub rating: u8,
    pub text: String,
    pub created_at: String,
    pub updated_at: String,
}

impl From<Review> for ReviewView {
    fn from(r: Review) -> Self {
        ReviewView {
            reviewer_business_id: r.reviewer_business_id,
            rating: r.rating,
            text: r.text,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
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

/// A signed-in user without a business registers one and becomes its
/// owner, in one transaction with the profile: racing registrations by the
/// same user make one business (the membership's condition), and a taken
/// id is refused (the profile's).
///
/// `owner_email`: the address the founder's sign-in states, kept on the
/// membership as where their notification emails go.
pub async fn register(
    app: &App,
    owner_user_id: &str,
    owner_email: Option<&str>,
    request: BusinessRequest,
) -> Result<PartnerProfile, AppError> {
    let business_id =
        request.wanted_id()?.unwrap_or_else(|| format!("b-{}", crate::platform::ids::new_id().to_ascii_lowercase()));
    let fields = request.validate()?;
    let now = rfc3339(app.clock.now());
    let business = Business {
        business_id: business_id.clone(),
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
        stripe_account_id: fields.stripe_account_id,
        created_at: now.clone(),
        updated_at: now.clone(),
    };
    let founder = Membership {
        user_id: owner_user_id.to_string(),
        business_id: business_id.clone(),
        role: Role::Owner,
        email: owner_email.and_then(crate::members::domain::normalize_email),
        joined_at: now.clone(),
    };
    let audit = AuditEntry::new(
        owner_user_id,
        "business.registered",
        &store::subject(&business_id),
        &now,
        json!({ "name": business.name, "category": business.category }),
    );
    match store::create(app, &business, members::store::founder_items(app, &founder)?, &audit).await? {
        store::Created::Registered => Ok(business.into()),
        store::Created::FounderIsMember => Err(members::service::already_member()),
        store::Created::IdTaken => Err(AppError::conflict(
            "BUSINESS_ID_TAKEN",
            format!("the business id {business_id} is taken; choose another or leave businessId out"),
        )),
    }
}

/// Changes the caller's business profile (its owner's call).
pub async fn update(
    app: &App,
    business_id: &BusinessId,
    user_id: &str,
    request: BusinessRequest,
) -> Result<PartnerProfile, AppError> {
    if request.wanted_id()?.is_some_and(|id| *business_id != *id) {
        return Err(AppError::bad_request("BUSINESS_ID_IMMUTABLE", "a business's id is fixed at registration"));
    }
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

/// Any business's profile, with its latest reviews.
pub async fn profile(app: &App, business_id: &BusinessId) -> Result<PartnerProfile, AppError> {
    let business = store::get(app, business_id)
        .await?
        .ok_or_else(|| AppError::not_found("BUSINESS_NOT_FOUND", format!("no business {business_id}")))?;
    let mut profile = PartnerProfile::from(business);
    profile.recent_reviews =
        store::recent_reviews(app, business_id, RECENT_REVIEWS).await?.into_iter().map(ReviewView::from).collect();
    Ok(profile)
}

/// How often a review is tried again after losing a race with another
/// write of the same review.
const MAX_REVIEW_ATTEMPTS: u32 = 20;

/// The caller's business rates `business_id`, which it has or had a
/// partnership with; a second review replaces the first. `true`: it was
/// the first. The profile's rating and count change in the same write.
pub async fn review(
    app: &App,
    reviewer: &str,
    user_id: &str,
    business_id: &BusinessId,
    request: ReviewRequest,
) -> Result<(ReviewView, bool), AppError> {
    let (rating, text) = request.validate()?;
    if !is_business_id(business_id) {
        return Err(AppError::bad_request("INVALID_BUSINESS_ID", "a business id is 1 to 64 of A-Z, a-z, 0-9, - and _"));
    }
    if business_id == reviewer {
        return Err(AppError::bad_request("INVALID_REVIEW", "a business cannot review itself"));
    }
    // A concurrent review by the same business can move the stored rating
    // between the read and the write; the write's condition notices, and
    // the next attempt starts from the new one.
    for attempt in 1..=MAX_REVIEW_ATTEMPTS {
        if attempt > 1 {
            tokio::time::sleep(crate::platform::dynamo::backoff(attempt)).await;
        }
        let previous = store::review(app, business_id, reviewer).await?;
        let now = rfc3339(app.clock.now());
        let review = Review {
            business_id: business_id.to_string(),
            reviewer_business_id: reviewer.to_string(),
            rating,
            text: text.clone(),
            reviewed_by: user_id.to_string(),
            created_at: previous.as_ref().map_or_else(|| now.clone(), |p| p.created_at.clone()),
            updated_at: now.clone(),
        };
        let details = json!({ "reviewer": reviewer, "before": previous.as_ref().map(|p| p.rating), "after": rating });
        let audit = AuditEntry::new(user_id, "business.reviewed", &store::review_subject(business_id), &now, details);
        match store::save_review(app, &review, previous.as_ref().map(|p| p.rating), &audit).await? {
            Ok(()) => return Ok((review.into(), previous.is_none())),
            Err(r) if r.failed(store::TX_PARTNERED) => {
                return Err(AppError::forbidden(
                    "NOT_PARTNERED",
                    "only a business that has or had a partnership with this one may review it",
                ));
            }
            Err(r) if r.failed(store::TX_REVIEW) => continue,
            Err(r) if r.failed("review.profile") => {
                return Err(AppError::not_found("BUSINESS_NOT_FOUND", format!("no business {business_id}")))
            }
            Err(r) => return Err(r.unexpected("review")),
        }
    }
    Err(AppError::conflict("REVIEW_CONTENDED", "your business's review changed repeatedly meanwhile; send it again"))
}

fn not_registered() -> AppError {
    AppError::not_found(
        "BUSINESS_NOT_FOUND",
        "this business is not registered yet; register it with POST /api/v1/businesses",
    )
}
