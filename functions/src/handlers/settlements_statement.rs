//! `GET /api/v1/partnerships/{id}/settlements/{periodStart}/statement
//! ?format=csv|json&cursor=` (a party's user): the statement an accountant
//! imports: the totals and terms versions, then every line, 5,000 lines a
//! page (`x-next-cursor` names the next page of a CSV).

use shared::http::{jwt, request, response, Body, Request, Response};
use shared::settlements::{domain, service};
use shared::{App, AppError};

/// Lines a statement page carries.
const PAGE: i32 = 5_000;

pub async fn handle(app: App, req: Request) -> Result<Response<Body>, AppError> {
    let caller = jwt::require_business(&app, &req).await?;
    let id = request::partnership_id(&req)?;
    let period = request::period_start(&req)?;
    let cursor = request::query(&req, "cursor");
    let page = service::get(&app, &caller.business_id, &id, &period, PAGE, cursor.as_deref()).await?;
    match request::query(&req, "format").as_deref().unwrap_or("csv") {
        "json" => response::ok(&page),
        "csv" => {
            let mut csv = if cursor.is_none() { domain::csv_head(&page.settlement) } else { String::new() };
            for line in &page.lines {
                csv.push_str(&domain::csv_line(line));
                csv.push('\n');
            }
            let file = format!("attachment; filename=\"settlement-{}-{}.csv\"", page.settlement.partnership_id, page.settlement.period_start);
            let mut builder = Response::builder().status(200).header("content-type", "text/csv; charset=utf-8").header("content-disposition", file);
            if let Some(next) = &page.next_cursor {
                builder = builder.header("x-next-cursor", next);
            }
            builder.body(Body::Text(csv)).map_err(AppError::internal)
        }
        _ => Err(AppError::bad_request("INVALID_FORMAT", "format must be csv or json")),
    }
}
