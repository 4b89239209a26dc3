//! `GET /api/partners/seats?status=&limit=&cursor=` (admin): seats by join
//! time, with the refill stats.

use serde_json::json;
use shared::http::{auth, request, response, Body, Request, Response};
use shared::program::{service as program, store as program_store};
use shared::seats::{domain::SeatStatus, service};
use shared::{App, AppError};

pub async fn handle(app: App, req: Request) -> Result<Response<Body>, AppError> {
    auth::require_admin(&app, &req).await?;
    let status = request::query(&req, "status").map(|s| SeatStatus::parse(&s)).transpose()?;
    let limit = request::query_i32(&req, "limit")?;
    let cursor = request::query(&req, "cursor");
    let page = service::list(&app, status, limit, cursor.as_deref()).await?;
    let state = program_store::load(&app).await?;
    let config = program::effective(&app, state.config);
    response::ok(&json!({
        "seats": page.seats,
        "nextCursor": page.next_cursor,
        "stats": program::stats_view(state.stats, config.refill_price),
    }))
}
