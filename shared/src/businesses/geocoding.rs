//! An address to a point on the map, for onboarding (the owner can always
//! place the point by hand instead). A port with one real client: Amazon
//! Location's Places API (`Geocode`), called through the AWS SDK, so it is
//! signed and retried like every other AWS call and shows in the
//! operations-vs-policy check. Tests point it at a local server answering
//! in the API's documented format.

use serde::Serialize;

use super::domain::GeoLocation;
use crate::platform::error::AppError;

/// What an address may be: something a person typed, not a document.
pub const MAX_ADDRESS_CHARS: usize = 300;
/// Candidates offered to the owner, best first.
pub const MAX_PLACES: i32 = 5;

/// One candidate for an address.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Place {
    /// How the service writes the address it found.
    pub label: String,
    pub location: GeoLocation,
}

/// The address as typed, trimmed, or INVALID_ADDRESS.
pub fn address(text: Option<&str>) -> Result<String, AppError> {
    let text = text.map(str::trim).unwrap_or_default();
    if text.chars().count() < 3 || text.chars().count() > MAX_ADDRESS_CHARS || text.chars().any(char::is_control) {
        return Err(AppError::bad_request(
            "INVALID_ADDRESS",
            format!("address must be 3 to {MAX_ADDRESS_CHARS} characters, without control characters"),
        ));
    }
    Ok(text.to_string())
}

#[allow(async_fn_in_trait)]
pub trait Geocoder {
    /// Candidates for `address`, best first; empty when nothing matches.
    async fn geocode(&self, address: &str) -> Result<Vec<Place>, AppError>;
}

/// Amazon Location Service, Places API v2.
pub struct AmazonLocation {
    client: aws_sdk_geoplaces::Client,
}

impl AmazonLocation {
    pub fn new(client: aws_sdk_geoplaces::Client) -> Self {
        Self { client }
    }

    /// A client over the function's SDK config (its endpoint overridable by
    /// `AWS_ENDPOINT_URL_GEO_PLACES`, as every AWS client's is).
    pub fn from_sdk(sdk: &aws_config::SdkConfig) -> Self {
        Self::new(crate::platform::aws::geo_places(sdk))
    }
}

impl Geocoder for AmazonLocation {
    async fn geocode(&self, address: &str) -> Result<Vec<Place>, AppError> {
        let answer =
            self.client.geocode().query_text(address).max_results(MAX_PLACES).language("en").send().await.map_err(
                |e| {
                    tracing::warn!(error = %aws_sdk_geoplaces::error::DisplayErrorContext(&e), "geocode failed");
                    AppError::unavailable(
                        "GEOCODING_FAILED",
                        "the address lookup failed; try again or place the point by hand",
                    )
                },
            )?;
        Ok(answer
            .result_items()
            .iter()
            .filter_map(|item| place(item.title(), item.address().and_then(|a| a.label()), item.position()))
            .collect())
    }
}

/// A result item as a place: the service's position is `[longitude,
/// latitude]`; an item without a valid one is left out.
fn place(title: &str, label: Option<&str>, position: &[f64]) -> Option<Place> {
    let [lng, lat] = position else { return None };
    let location = GeoLocation { lat: *lat, lng: *lng }.validate().ok()?;
    Some(Place { label: label.unwrap_or(title).to_string(), location })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_longitude_first_and_checked() {
        let p = place("t", Some("1 Main St, Montreal"), &[-73.56, 45.5]).unwrap();
        assert_eq!((p.location.lat, p.location.lng, p.label.as_str()), (45.5, -73.56, "1 Main St, Montreal"));
        assert_eq!(place("Title only", None, &[1.0, 2.0]).unwrap().label, "Title only");
        assert!(place("t", None, &[]).is_none());
        assert!(place("t", None, &[200.0, 1.0]).is_none());
        assert!(place("t", None, &[1.0, f64::NAN]).is_none());
    }

    #[test]
    fn an_address_is_a_short_line_of_text() {
        assert_eq!(address(Some("  1 Main St ")).unwrap(), "1 Main St");
        for bad in [None, Some(""), Some("ab"), Some("a\nb c"), Some(&*"x".repeat(301))] {
            assert_eq!(address(bad).unwrap_err().code, "INVALID_ADDRESS", "{bad:?}");
        }
    }
}
