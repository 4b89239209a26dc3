//! Who calls a Partner Network route: a bearer JWT verified against the
//! issuer's keys (`platform::jwt`). The tenant is always the token's
//! `businessId` claim, never a path or body value.

use super::request::header;
use super::Request;
use crate::businesses::domain::is_business_id;
use crate::platform::error::AppError;
use crate::platform::ids::{BusinessId, CustomerId};
use crate::platform::rate_limit;
use crate::App;

/// A business's user, as its token says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BusinessCaller {
    pub user_id: String,
    pub business_id: BusinessId,
    pub role: BusinessRole,
}

/// A member's role (the memberships context's).
pub use crate::members::domain::Role as BusinessRole;

impl BusinessCaller {
    /// 403 unless the caller is its business's owner.
    pub fn require_owner(&self) -> Result<(), AppError> {
        match self.role {
            BusinessRole::Owner => Ok(()),
            BusinessRole::Staff => {
                Err(AppError::forbidden("OWNER_ONLY", "only the business's owner may do this; staff may read"))
            }
        }
    }
}

/// The bearer token's verified claims, and the time they were checked at.
async fn verified(app: &App, req: &Request) -> Result<(crate::platform::jwt::Claims, i64), AppError> {
    let verifier = app.jwt.as_ref().ok_or_else(|| {
        AppError::unavailable("JWT_NOT_CONFIGURED", "JWT_ISSUER, JWT_AUDIENCE and JWT_JWKS_URL are not set")
    })?;
    let token = header(req, "authorization")
        .and_then(|h| h.strip_prefix("Bearer ").or_else(|| h.strip_prefix("bearer ")))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| AppError::unauthorized("TOKEN_MISSING", "Authorization: Bearer <JWT> is required"))?;
    let now = app.clock.now().unix_timestamp();
    Ok((verifier.verify(app.http(), token, now).await?, now))
}

/// Partner operations a business may make per minute.
pub const REQUESTS_PER_MINUTE: u32 = 100;

/// Verifies the bearer token of a business user (owner or staff) and
/// counts the request against the business's rate limit.
pub async fn require_business(app: &App, req: &Request) -> Result<BusinessCaller, AppError> {
    let (claims, now) = verified(app, req).await?;
    let role = match claims.role.as_deref() {
        Some("owner") => BusinessRole::Owner,
        Some("staff") => BusinessRole::Staff,
        _ => return Err(AppError::forbidden("NOT_A_BUSINESS_USER", "this route is for a business's owner or staff")),
    };
    let business_id = claims
        .business_id
        .filter(|b| is_business_id(b))
        .ok_or_else(|| AppError::forbidden("NOT_A_BUSINESS_USER", "the token carries no valid businessId claim"))?;
    rate_limit::take(app, &format!("BUSINESS#{business_id}"), REQUESTS_PER_MINUTE, 60, now).await?;
    Ok(BusinessCaller { user_id: claims.sub, business_id: BusinessId::known(business_id), role })
}

/// A signed-in user of the business side who may or may not belong to a
/// business yet: registering one and redeeming an invitation start here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedInUser {
    pub user_id: String,
    pub email: Option<String>,
    /// The business the token names, if any.
    pub business_id: Option<String>,
}

/// Verifies any user's bearer token (a customer's too: a person who
/// collects points may open a business) and counts the request against the
/// user's own rate limit.
pub async fn require_user(app: &App, req: &Request) -> Result<SignedInUser, AppError> {
    let (claims, now) = verified(app, req).await?;
    if !crate::members::domain::is_user_id(&claims.sub) {
        return Err(AppError::forbidden("INVALID_SUBJECT", "the token's sub cannot name a user"));
    }
    rate_limit::take(app, &format!("USER#{}", claims.sub), REQUESTS_PER_MINUTE, 60, now).await?;
    Ok(SignedInUser { user_id: claims.sub, email: claims.email, business_id: claims.business_id })
}

/// A customer, as its token says (`role: customer`, `sub` = its
/// network-wide customer id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerCaller {
    pub customer_id: CustomerId,
}

/// Verifies the bearer token of a customer and counts the request against
/// the customer's own rate limit.
pub async fn require_customer(app: &App, req: &Request) -> Result<CustomerCaller, AppError> {
    let (claims, now) = verified(app, req).await?;
    if claims.role.as_deref() != Some("customer") || !crate::loyalty::domain::is_customer_id(&claims.sub) {
        return Err(AppError::forbidden(
            "NOT_A_CUSTOMER",
            "this route is for a customer's token (role customer, sub = customer id)",
        ));
    }
    rate_limit::take(app, &format!("CUSTOMER#{}", claims.sub), REQUESTS_PER_MINUTE, 60, now).await?;
    Ok(CustomerCaller { customer_id: CustomerId::known(claims.sub) })
}
