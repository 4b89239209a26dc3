//! `GET /api/v1/partners/directory`: partners near a point. The covering
//! cells (see `geo`) are queried at once, then filtered by distance and the
//! caller's criteria, sorted, and paged. No Scan: at most the profiles of
//! the covered cells are read.

use crate::platform::ids::BusinessId;
use base64::Engine;
use serde::Serialize;

use super::domain::{Business, GeoLocation};
use super::geo::{self, haversine_km, MAX_RADIUS_KM};
use super::store;
use crate::platform::error::AppError;
use crate::App;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortBy {
    Distance,
    Rating,
}

/// A validated search.
#[derive(Debug, Clone)]
pub struct DirectoryQuery {
    pub center: GeoLocation,
    pub radius_km: f64,
    pub category: Option<String>,
    /// In tenths (a rating of 4.5 is 45), compared exactly.
    pub min_rating_tenths: Option<u64>,
    pub name_contains: Option<String>,
    pub available_for_partnership: Option<bool>,
    pub sort: SortBy,
    pub limit: usize,
    pub offset: usize,
}

pub const MAX_LIMIT: usize = 50;

impl DirectoryQuery {
    /// Reads the query string's values (already split), checking each.
    #[allow(clippy::too_many_arguments)]
    pub fn parse(
        lat: Option<&str>,
        lng: Option<&str>,
        radius_km: Option<&str>,
        radius_mi: Option<&str>,
        category: Option<&str>,
        min_rating: Option<&str>,
        name: Option<&str>,
        available: Option<&str>,
        sort: Option<&str>,
        limit: Option<&str>,
        cursor: Option<&str>,
    ) -> Result<Self, AppError> {
        let number = |v: &str| v.parse::<f64>().ok().filter(|f| f.is_finite());
        let (Some(lat), Some(lng)) = (lat.and_then(number), lng.and_then(number)) else {
            return Err(AppError::bad_request("INVALID_LOCATION", "lat and lng are required, as decimal degrees"));
        };
        let center = GeoLocation { lat, lng }.validate()?;
        let radius_km = match (radius_km, radius_mi) {
            (Some(_), Some(_)) => {
                return Err(AppError::bad_request("INVALID_RADIUS", "give radiusKm or radiusMi, not both"))
            }
            (Some(km), None) => number(km),
            (None, Some(mi)) => number(mi).map(|mi| mi * 1.609_344),
            (None, None) => Some(10.0),
        }
        .filter(|r| *r > 0.0 && *r <= MAX_RADIUS_KM)
        .ok_or_else(|| {
            AppError::bad_request(
                "INVALID_RADIUS",
                format!("the radius must be above 0 and at most {MAX_RADIUS_KM} km (62.1 mi)"),
            )
        })?;
        let min_rating_tenths = min_rating
            .map(|r| number(r).filter(|r| (0.0..=5.0).contains(r)).map(|r| (r * 10.0).round() as u64))
            .map(|r| r.ok_or_else(|| AppError::bad_request("INVALID_QUERY", "minRating must be between 0 and 5")))
            .transpose()?;
        let available_for_partnership = match available {
            None => None,
            Some("true") => Some(true),
            Some("false") => Some(false),
            Some(_) => {
                return Err(AppError::bad_request("INVALID_QUERY", "availableForPartnership must be true or false"))
            }
        };
        let sort = match sort {
            None | Some("distance") => SortBy::Distance,
            Some("rating") => SortBy::Rating,
            Some(_) => return Err(AppError::bad_request("INVALID_QUERY", "sort must be distance or rating")),
        };
        let limit = match limit {
            None => 20,
            Some(l) => l.parse::<usize>().ok().filter(|l| (1..=MAX_LIMIT).contains(l)).ok_or_else(|| {
                AppError::bad_request("INVALID_LIMIT", format!("limit must be between 1 and {MAX_LIMIT}"))
            })?,
        };
        let offset = cursor.map(decode_cursor).transpose()?.unwrap_or(0);
        let category = category.map(|c| c.trim().to_ascii_lowercase()).filter(|c| !c.is_empty());
        let name_contains = name.map(|n| n.trim().to_lowercase()).filter(|n| !n.is_empty() && n.chars().count() <= 100);
        Ok(DirectoryQuery {
            center,
            radius_km,
            category,
            min_rating_tenths,
            name_contains,
            available_for_partnership,
            sort,
            limit,
            offset,
        })
    }
}

fn decode_cursor(cursor: &str) -> Result<usize, AppError> {
    let bad = || AppError::bad_request("INVALID_CURSOR", "cursor is not one this API returned");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(cursor).map_err(|_| bad())?;
    let text = String::from_utf8(bytes).map_err(|_| bad())?;
    text.strip_prefix("offset:").and_then(|n| n.parse().ok()).filter(|n| *n <= 100_000).ok_or_else(bad)
}

fn encode_cursor(offset: usize) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("offset:{offset}"))
}

/// One row: the spec's `PartnerDirectory` fields and the distance.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DirectoryEntry {
    pub business_id: String,
    pub name: String,
    pub category: String,
    pub location: GeoLocation,
    pub rating: f64,
    pub review_count: u64,
    pub loyal_customer_count: u64,
    pub partnership_count: u64,
    pub available_for_partnership: bool,
    pub distance_km: f64,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DirectoryPage {
    pub partners: Vec<DirectoryEntry>,
    pub next_cursor: Option<String>,
    pub radius_km: f64,
}

fn rating_tenths(b: &Business) -> u64 {
    (b.rating() * 10.0).round() as u64
}

fn matches(q: &DirectoryQuery, b: &Business) -> bool {
    q.category.as_ref().is_none_or(|c| b.categories.contains(c) || &b.category == c)
        && q.min_rating_tenths.is_none_or(|min| rating_tenths(b) >= min)
        && q.available_for_partnership.is_none_or(|a| b.available_for_partnership == a)
        && q.name_contains.as_ref().is_none_or(|n| b.name.to_lowercase().contains(n.as_str()))
}

/// Partners within the radius, never the caller itself.
pub async fn search(app: &App, caller_business_id: &BusinessId, q: &DirectoryQuery) -> Result<DirectoryPage, AppError> {
    let ranges = geo::covering_ranges(q.center.lat, q.center.lng, q.radius_km);
    let found = futures::future::try_join_all(ranges.iter().map(|range| store::in_range(app, range))).await?;
    let mut rows: Vec<DirectoryEntry> = found
        .into_iter()
        .flatten()
        .filter(|b| *caller_business_id != *b.business_id && matches(q, b))
        .filter_map(|b| {
            let d = haversine_km(q.center.lat, q.center.lng, b.location.lat, b.location.lng);
            (d <= q.radius_km).then(|| DirectoryEntry {
                rating: b.rating(),
                distance_km: (d * 1000.0).round() / 1000.0,
                business_id: b.business_id,
                name: b.name,
                category: b.category,
                location: b.location,
                review_count: b.review_count,
                loyal_customer_count: b.loyal_customer_count,
                partnership_count: b.partnership_count,
                available_for_partnership: b.available_for_partnership,
            })
        })
        .collect();
    let by_distance = |a: &DirectoryEntry, b: &DirectoryEntry| {
        a.distance_km.total_cmp(&b.distance_km).then_with(|| a.business_id.cmp(&b.business_id))
    };
    match q.sort {
        SortBy::Distance => rows.sort_by(by_distance),
        SortBy::Rating => rows.sort_by(|a, b| b.rating.total_cmp(&a.rating).then_with(|| by_distance(a, b))),
    }
    let total = rows.len();
    let partners: Vec<DirectoryEntry> = rows.into_iter().skip(q.offset).take(q.limit).collect();
    let next = q.offset + partners.len();
    Ok(DirectoryPage { next_cursor: (next < total).then(|| encode_cursor(next)), partners, radius_km: q.radius_km })
}
