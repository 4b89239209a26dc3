//! `POST /api/v1/partnerships/{id}/transactions` (a party's owner or staff:
//! the point of sale), with an `Idempotency-Key` header or a
//! `posTransactionId`: records an EARN, REDEEM, REFERRAL or REVERSAL (201;
//! a retried or late-synced one answers the first recording, 200).

use shared::http::{jwt, request, response, Body, Request, Response};
use shared::partner_transactions::{domain::RecordRequest, service};
use shared::{App, AppError};

pub async fn handle(app: App, req: Request) -> Result<Response<Body>, AppError> {
    let caller = jwt::require_business(&app, &req).await?;
    let id = request::partnership_id(&req)?;
    let body: RecordRequest = request::parse_json(&req)?;
    let key = request::header(&req, "idempotency-key");
    let (tx, first) = service::record(&app, &caller.business_id, &caller.user_id, caller.role, &id, key, body).await?;
    response::json(if first { 201 } else { 200 }, &tx)
}
