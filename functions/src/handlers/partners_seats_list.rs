//! `GET /api/partners/seats?status=&limit=&cursor=` (admin): seats by join
//! time, with the refill stats.

use serde::Serialize;
use shared::http::{auth, request, response, Body, Request, Response};
use shared::program::service::{self as program, StatsView};
use shared::program::store as program_store;
use shared::seats::domain::{Seat, SeatStatus};
use shared::seats::service;
use shared::{App, AppError};

pub async fn handle(app: App, req: Request) -> Result<Response<Body>, AppError> {
    auth::require_admin(&app, &req).await?;
    let status = request::query(&req, "status").map(|s| SeatStatus::parse(&s)).transpose()?;
    let limit = request::query_i32(&req, "limit")?;
    let cursor = request::query(&req, "cursor");
    let page = service::list(&app, status, limit, cursor.as_deref()).await?;
    let state = program_store::load(&app).await?;
    let config = program::effective(&app, state.config);
    response::ok(&SeatList {
        seats: page.items,
        next_cursor: page.next_cursor,
        stats: program::stats_view(state.stats, config.refill_price),
    })
}

// A typed body, not `json!`: the price is an exact decimal literal that a
// `serde_json::Value` would turn into a float.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SeatList {
    seats: Vec<Seat>,
    next_cursor: Option<String>,
    stats: StatsView,
}
