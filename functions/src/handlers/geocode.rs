//! `GET /api/v1/geocode?address=` (any signed-in user: onboarding comes
//! before the business exists): the candidate points for an address, best
//! first, from Amazon Location. The owner picks one or places the point by
//! hand; nothing is stored here.

use serde_json::json;
use shared::businesses::geocoding::{self, AmazonLocation, Geocoder};
use shared::http::{jwt, request, response, Body, Request, Response};
use shared::{App, AppError};

/// The function's entry: the Amazon Location client, built once per cold start.
pub async fn handle(app: App, req: Request) -> Result<Response<Body>, AppError> {
    static GEOCODER: tokio::sync::OnceCell<AmazonLocation> = tokio::sync::OnceCell::const_new();
    if !app.settings.geocoding {
        jwt::require_user(&app, &req).await?;
        return Err(AppError::unavailable(
            "GEOCODING_UNAVAILABLE",
            "address lookup is not set up here (GEOCODING); place the point by hand",
        ));
    }
    let geocoder =
        GEOCODER.get_or_init(|| async { AmazonLocation::from_sdk(&shared::platform::aws::sdk_config().await) }).await;
    run(app, geocoder, req).await
}

/// One lookup through `geocoder`.
pub async fn run(app: App, geocoder: &impl Geocoder, req: Request) -> Result<Response<Body>, AppError> {
    jwt::require_user(&app, &req).await?;
    let address = geocoding::address(request::query(&req, "address").as_deref())?;
    response::ok(&json!({ "places": geocoder.geocode(&address).await? }))
}
