//! Parsing what a client sends. Every failure is a 4xx with a stable code
//! and a message that says what to fix; nothing here can panic or 500.

use lambda_http::{Request, RequestExt};

use crate::platform::ids::{BusinessId, PartnershipId};
use serde::de::DeserializeOwned;

use crate::platform::error::AppError;

/// Our bodies are small JSON documents; anything larger is a mistake or an
/// attack, refused before parsing.
pub const MAX_BODY_BYTES: usize = 16 * 1024;

pub fn body_bytes(req: &Request) -> &[u8] {
    req.body().as_ref()
}

pub fn parse_json<T: DeserializeOwned>(req: &Request) -> Result<T, AppError> {
    let bytes = body_bytes(req);
    if bytes.len() > MAX_BODY_BYTES {
        return Err(AppError::new(
            crate::platform::error::ErrorKind::TooLarge,
            "BODY_TOO_LARGE",
            format!("request body is {} bytes; the limit is {MAX_BODY_BYTES}", bytes.len()),
        ));
    }
    if let Some(ct) = req.headers().get("content-type").and_then(|v| v.to_str().ok()) {
        if !ct.to_ascii_lowercase().starts_with("application/json") {
            return Err(AppError::new(
                crate::platform::error::ErrorKind::UnsupportedMediaType,
                "UNSUPPORTED_MEDIA_TYPE",
                "content-type must be application/json",
            ));
        }
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(AppError::bad_request("EMPTY_BODY", "a JSON body is required"));
    }
    serde_json::from_slice(bytes).map_err(json_error)
}

/// Maps serde's error to a stable code, keeping its message (which names
/// the field and position) for the human.
pub fn json_error(err: serde_json::Error) -> AppError {
    use serde_json::error::Category;
    let message = err.to_string();
    let code = match err.classify() {
        Category::Data if message.starts_with("unknown field") => "UNKNOWN_FIELD",
        Category::Data if message.starts_with("missing field") => "MISSING_FIELD",
        Category::Data => "INVALID_FIELD",
        Category::Syntax | Category::Eof | Category::Io => "INVALID_JSON",
    };
    AppError::bad_request(code, message)
}

/// A header's value, trimmed, if present, text and not empty.
pub fn header<'a>(req: &'a Request, name: &str) -> Option<&'a str> {
    req.headers().get(name).and_then(|v| v.to_str().ok()).map(str::trim).filter(|v| !v.is_empty())
}

/// A path parameter: API Gateway's, or (when the emulator did not fill
/// them in) the rest of the path after `prefix`, percent-decoded.
pub fn path_param(req: &Request, name: &str, prefix: &str) -> Option<String> {
    let given = req.path_parameters_ref().and_then(|p| p.first(name).map(str::to_string));
    given
        .or_else(|| req.uri().path().strip_prefix(prefix).map(|rest| percent_decode(rest.trim_end_matches('/'))))
        .filter(|v| !v.is_empty() && !v.contains('/'))
}

fn percent_decode(text: &str) -> String {
    let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if let (b'%', Some(Some(hi)), Some(Some(lo))) =
            (bytes[i], bytes.get(i + 1).map(|b| hex(*b)), bytes.get(i + 2).map(|b| hex(*b)))
        {
            out.push(hi << 4 | lo);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A query parameter, if present and not empty.
pub fn query(req: &Request, name: &str) -> Option<String> {
    req.query_string_parameters_ref().and_then(|q| q.first(name).map(str::to_string)).filter(|v| !v.is_empty())
}

pub fn query_i32(req: &Request, name: &str) -> Result<Option<i32>, AppError> {
    query(req, name)
        .map(|v| {
            v.parse().map_err(|_| AppError::bad_request("INVALID_QUERY", format!("{name} must be a whole number")))
        })
        .transpose()
}

/// The `from` / `to` query parameters as a time window (400
/// `INVALID_TIMESTAMP` / `INVALID_WINDOW` when bad or reversed).
pub fn window(req: &Request) -> Result<crate::platform::clock::Window, AppError> {
    crate::platform::clock::Window::parse(query(req, "from").as_deref(), query(req, "to").as_deref())
}

pub fn request_id(req: &Request) -> Option<String> {
    req.lambda_context_ref().map(|c| c.request_id.clone()).filter(|id| !id.is_empty())
}

/// The path and query exactly as the client sent them; what a wallet signs.
pub fn path_and_query(req: &Request) -> String {
    let uri = req.uri();
    match uri.query() {
        Some(q) if !q.is_empty() => format!("{}?{}", uri.path(), q),
        _ => uri.path().to_string(),
    }
}

/// Client ids end up in DynamoDB keys, which have size limits: bound them
/// here so an absurd one is a 400 with `code`, never a DynamoDB error.
pub fn bounded_id<'a>(value: &'a str, field: &str, code: &'static str) -> Result<&'a str, AppError> {
    if value.is_empty() || value.len() > 200 {
        return Err(AppError::bad_request(code, format!("{field} must be 1 to 200 characters")));
    }
    Ok(value)
}

/// The `{id}` of `/api/v1/partnerships/{id}[/...]`.
pub fn partnership_id(req: &Request) -> Result<PartnershipId, AppError> {
    let from_path = || {
        req.uri().path().strip_prefix("/api/v1/partnerships/").and_then(|rest| rest.split('/').next()).map(String::from)
    };
    let id = path_param(req, "id", "/api/v1/partnerships/").or_else(from_path).filter(|i| !i.is_empty());
    let id = id.ok_or_else(|| AppError::bad_request("INVALID_PARTNERSHIP_ID", "the path needs a partnership id"))?;
    PartnershipId::parse(&id)
}

/// The `{id}` of `/api/v1/webhooks/endpoints/{id}[/...]`: `ep_` and
/// letters and digits, so it always fits a key.
pub fn endpoint_id(req: &Request) -> Result<String, AppError> {
    const PREFIX: &str = "/api/v1/webhooks/endpoints/";
    let from_path = || req.uri().path().strip_prefix(PREFIX).and_then(|rest| rest.split('/').next()).map(String::from);
    let id = path_param(req, "id", PREFIX).or_else(from_path).unwrap_or_default();
    let well_formed = id.len() <= 64
        && id
            .strip_prefix("ep_")
            .is_some_and(|rest| !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_alphanumeric()));
    if !well_formed {
        return Err(AppError::bad_request("INVALID_ENDPOINT_ID", "the path needs an endpoint id such as ep_01j..."));
    }
    Ok(id)
}

/// The `{businessId}` of `/api/v1/partners/{businessId}[/...]`.
pub fn business_id(req: &Request) -> Result<BusinessId, AppError> {
    let from_path =
        || req.uri().path().strip_prefix("/api/v1/partners/").and_then(|rest| rest.split('/').next()).map(String::from);
    let id = path_param(req, "businessId", "/api/v1/partners/").or_else(from_path).filter(|i| !i.is_empty());
    let id = id.ok_or_else(|| AppError::bad_request("INVALID_BUSINESS_ID", "the path needs a business id"))?;
    BusinessId::parse(&id)
}

/// The `{periodStart}` of `/api/v1/partnerships/{id}/settlements/{periodStart}[/...]`.
pub fn period_start(req: &Request) -> Result<String, AppError> {
    let given = path_param(req, "periodStart", "\u{0}");
    let from_path = || req.uri().path().split('/').nth(6).map(String::from);
    let period = given.or_else(from_path).filter(|p| !p.is_empty() && p.len() <= 10);
    period.ok_or_else(|| AppError::bad_request("INVALID_PERIOD", "the path needs a period start (YYYY-MM-DD)"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn percent_decoding_never_panics_and_decodes_pairs() {
        assert_eq!(super::percent_decode("biz%2D1"), "biz-1");
        assert_eq!(super::percent_decode("%é%4"), "%é%4");
        assert_eq!(super::percent_decode("%%41"), "%A");
    }
}
