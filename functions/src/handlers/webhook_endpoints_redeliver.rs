//! `POST /api/v1/webhooks/endpoints/{id}/redeliver` (an owner),
//! `{"deliveryId"}`: a delivery that succeeded or failed is sent again now
//! (same `webhook-id`), its log kept.

use serde::Deserialize;
use shared::business_webhooks::deliveries;
use shared::http::{jwt, request, Body, Request, Response};
use shared::{App, AppError};

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Redeliver {
    delivery_id: String,
}

pub async fn handle(app: App, req: Request) -> Result<Response<Body>, AppError> {
    let caller = jwt::require_business(&app, &req).await?;
    caller.require_owner()?;
    let id = request::endpoint_id(&req)?;
    let body: Redeliver = request::parse_json(&req)?;
    if body.delivery_id.is_empty() || body.delivery_id.len() > 200 {
        return Err(AppError::bad_request("INVALID_FIELD", "deliveryId is 1 to 200 characters"));
    }
    deliveries::redeliver(&app, &caller.business_id, &id, &body.delivery_id).await?;
    Response::builder().status(202).body(Body::Empty).map_err(AppError::internal)
}
