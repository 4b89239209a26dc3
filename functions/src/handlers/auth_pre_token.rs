//! The Cognito user pool's pre token generation trigger (V2 event): puts
//! the user's `businessId` and `role` into its ID and access tokens from
//! our memberships, and removes any user-writable look-alike, so what a
//! token says about the tenant is never what the user wrote.

use aws_lambda_events::event::cognito::{
    ClaimsAndScopeOverrideDetailsV2, CognitoAccessTokenGenerationV2, CognitoEventUserPoolsPreTokenGenV2, CognitoIdTokenGenerationV2,
};
use serde_json::Value;
use shared::members::{domain, service};
use shared::{App, AppError};

pub async fn handle(app: App, mut event: CognitoEventUserPoolsPreTokenGenV2) -> Result<CognitoEventUserPoolsPreTokenGenV2, AppError> {
    // `sub` is Cognito's immutable user id; no other attribute is trusted.
    let sub = event.request.user_attributes.get("sub").cloned().unwrap_or_default();
    let claims = service::token_claims(&app, &sub).await?;
    let mut add = std::collections::HashMap::from([(domain::ROLE_CLAIM.to_string(), Value::from(claims.role))]);
    if let Some(business) = claims.business_id {
        add.insert(domain::BUSINESS_ID_CLAIM.to_string(), Value::from(business));
    }
    let suppress: Vec<String> = claims.suppress.iter().map(|c| c.to_string()).collect();
    let mut id = CognitoIdTokenGenerationV2::default();
    id.claims_to_add_or_override = add.clone();
    id.claims_to_suppress = suppress.clone();
    let mut access = CognitoAccessTokenGenerationV2::default();
    access.claims_to_add_or_override = add;
    access.claims_to_suppress = suppress;
    let mut details = ClaimsAndScopeOverrideDetailsV2::default();
    details.id_token_generation = Some(id);
    details.access_token_generation = Some(access);
    event.response.claims_and_scope_override_details = Some(details);
    Ok(event)
}
