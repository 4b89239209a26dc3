//! `GET /api/v1/partnerships/{id}/transactions?type=&customerId=&period=
//! &limit=&cursor=` (a party's user): the partnership's transactions,
//! newest first.

use shared::http::{jwt, request, response, Body, Request, Response};
use shared::partner_transactions::{domain::TxType, service};
use shared::{App, AppError};

pub async fn handle(app: App, req: Request) -> Result<Response<Body>, AppError> {
    let caller = jwt::require_business(&app, &req).await?;
    let id = request::partnership_id(&req)?;
    let kind = request::query(&req, "type").map(|t| TxType::parse(&t)).transpose()?;
    let (customer, period) = (request::query(&req, "customerId"), request::query(&req, "period"));
    let (limit, cursor) = (request::query_i32(&req, "limit")?, request::query(&req, "cursor"));
    response::ok(&service::list(&app, &caller.business_id, &id, kind, customer.as_deref(), period.as_deref(), limit, cursor.as_deref()).await?)
}
