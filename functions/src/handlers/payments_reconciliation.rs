//! `GET /api/payments/reconciliation[?fresh=true]` (admin): the latest
//! report the reconciliation job stored. `fresh=true` (or no report yet)
//! advances a run here for a bounded time: 200 with the report when it
//! finishes, 202 with its progress when it needs another call.

use std::time::Duration;

use shared::http::{auth, request, response, Body, Request, Response};
use shared::payments::reconcile::{self, Progress};
use shared::{App, AppError};

/// Well inside API Gateway's 30 s; the rest is left to the next call.
const BUDGET: Duration = Duration::from_secs(15);

pub async fn handle(app: App, req: Request) -> Result<Response<Body>, AppError> {
    auth::require_admin(&app, &req).await?;
    let fresh = request::query(&req, "fresh").is_some_and(|v| v == "true");
    if !fresh {
        if let Some(report) = reconcile::latest(&app).await? {
            return response::ok(&report);
        }
    }
    match reconcile::advance(&app, BUDGET).await? {
        Progress::Completed { report } => response::ok(&report),
        progress => response::json(202, &progress),
    }
}
