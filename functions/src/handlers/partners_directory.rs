//! `GET /api/v1/partners/directory?lat=&lng=&radiusKm=|radiusMi=&category=
//! &minRating=&q=&availableForPartnership=&sort=distance|rating&limit=&cursor=`
//! (a business user's JWT): partners near a point, nearest first, never the
//! caller's own business.

use shared::businesses::directory::{self, DirectoryQuery};
use shared::http::{jwt, request, response, Body, Request, Response};
use shared::{App, AppError};

pub async fn handle(app: App, req: Request) -> Result<Response<Body>, AppError> {
    let caller = jwt::require_business(&app, &req).await?;
    let q = |name: &str| request::query(&req, name);
    let query = DirectoryQuery::parse(
        q("lat").as_deref(),
        q("lng").as_deref(),
        q("radiusKm").as_deref(),
        q("radiusMi").as_deref(),
        q("category").as_deref(),
        q("minRating").as_deref(),
        q("q").as_deref(),
        q("availableForPartnership").as_deref(),
        q("sort").as_deref(),
        q("limit").as_deref(),
        q("cursor").as_deref(),
    )?;
    response::ok(&directory::search(&app, &caller.business_id, &query).await?)
}
