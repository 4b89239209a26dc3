//! Business profile rules, free of I/O.

use serde::{Deserialize, Serialize};

use crate::platform::error::AppError;

/// A business id (the token's `businessId`, a partner named in a body):
/// 1 to 64 of A-Z, a-z, 0-9, `-` and `_`, so it always fits a key.
pub fn is_business_id(text: &str) -> bool {
    !text.is_empty() && text.len() <= 64 && text.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct GeoLocation {
    pub lat: f64,
    pub lng: f64,
}

impl GeoLocation {
    /// Finite, within ±90 / ±180.
    pub fn validate(self) -> Result<Self, AppError> {
        let ok = self.lat.is_finite()
            && self.lng.is_finite()
            && (-90.0..=90.0).contains(&self.lat)
            && (-180.0..=180.0).contains(&self.lng);
        if ok {
            Ok(self)
        } else {
            Err(AppError::bad_request("INVALID_LOCATION", "location needs lat in [-90, 90] and lng in [-180, 180]"))
        }
    }
}

/// A business as stored and shown to other businesses.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Business {
    pub business_id: String,
    pub name: String,
    pub category: String,
    #[serde(default)]
    pub categories: Vec<String>,
    pub location: GeoLocation,
    pub address: String,
    pub available_for_partnership: bool,
    /// Sum of review ratings (1-5 each) and how many: `rating` is derived.
    #[serde(default)]
    pub rating_sum: u64,
    #[serde(default)]
    pub review_count: u64,
    #[serde(default)]
    pub loyal_customer_count: u64,
    #[serde(default)]
    pub partnership_count: u64,
    pub owner_user_id: String,
    /// Where Stripe Connect pays this business its settlements (never shown
    /// to other businesses).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stripe_account_id: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

impl Business {
    /// The average rating, to one decimal, 0 without reviews.
    pub fn rating(&self) -> f64 {
        if self.review_count == 0 {
            return 0.0;
        }
        // Tenths, rounded half up, from integers: no float drift in the sum.
        let tenths = (self.rating_sum * 20 + self.review_count) / (self.review_count * 2);
        tenths as f64 / 10.0
    }
}

/// The body of `POST /api/v1/businesses` and `PUT /api/v1/businesses/me`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct BusinessRequest {
    pub name: String,
    pub category: String,
    #[serde(default)]
    pub categories: Vec<String>,
    pub location: GeoLocation,
    pub address: String,
    pub available_for_partnership: bool,
    #[serde(default)]
    pub stripe_account_id: Option<String>,
    /// At registration, the id the registrant wants (a handle, unique,
    /// fixed for good); one is made up when absent. A profile update may
    /// repeat the business's own id, never another.
    #[serde(default)]
    pub business_id: Option<String>,
}

/// A validated profile: what the caller may set.
#[derive(Debug, Clone, PartialEq)]
pub struct ProfileFields {
    pub name: String,
    pub category: String,
    pub categories: Vec<String>,
    pub location: GeoLocation,
    pub address: String,
    pub available_for_partnership: bool,
    pub stripe_account_id: Option<String>,
}

fn category(text: &str) -> Result<String, AppError> {
    let c = text.trim().to_ascii_lowercase();
    let ok = !c.is_empty()
        && c.len() <= 40
        && c.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
    if ok {
        Ok(c)
    } else {
        Err(AppError::bad_request("INVALID_CATEGORY", "a category is 1 to 40 of a-z, 0-9, _ and -"))
    }
}

impl BusinessRequest {
    /// The wanted business id, checked, if the body names one.
    pub fn wanted_id(&self) -> Result<Option<String>, AppError> {
        match self.business_id.as_deref().map(str::trim) {
            None => Ok(None),
            Some(id) if is_business_id(id) => Ok(Some(id.to_string())),
            Some(_) => {
                Err(AppError::bad_request("INVALID_BUSINESS_ID", "a business id is 1 to 64 of A-Z, a-z, 0-9, - and _"))
            }
        }
    }

    pub fn validate(self) -> Result<ProfileFields, AppError> {
        let name = self.name.trim().to_string();
        if name.is_empty() || name.chars().count() > 120 {
            return Err(AppError::bad_request("INVALID_NAME", "name must be 1 to 120 characters"));
        }
        let address = self.address.trim().to_string();
        if address.chars().count() > 300 {
            return Err(AppError::bad_request("INVALID_ADDRESS", "address must be at most 300 characters"));
        }
        if self.categories.len() > 10 {
            return Err(AppError::bad_request("INVALID_CATEGORY", "at most 10 categories"));
        }
        let main = category(&self.category)?;
        let mut categories = vec![main.clone()];
        for c in &self.categories {
            let c = category(c)?;
            if !categories.contains(&c) {
                categories.push(c);
            }
        }
        let stripe_account_id = self.stripe_account_id.map(|a| a.trim().to_string()).filter(|a| !a.is_empty());
        if stripe_account_id.as_deref().is_some_and(|a| {
            !(a.starts_with("acct_") && a.len() <= 64 && a.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'))
        }) {
            return Err(AppError::bad_request(
                "INVALID_STRIPE_ACCOUNT",
                "stripeAccountId is a Stripe connected account id (acct_…)",
            ));
        }
        Ok(ProfileFields {
            name,
            category: main,
            categories,
            location: self.location.validate()?,
            address,
            available_for_partnership: self.available_for_partnership,
            stripe_account_id,
        })
    }
}

/// One business's review of another it has partnered with; a second review
/// by the same business replaces its first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Review {
    pub business_id: String,
    pub reviewer_business_id: String,
    pub rating: u8,
    pub text: String,
    pub reviewed_by: String,
    pub created_at: String,
    pub updated_at: String,
}

/// The body of `POST /api/v1/partners/{businessId}/reviews`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReviewRequest {
    pub rating: serde_json::Number,
    #[serde(default)]
    pub text: String,
}

impl ReviewRequest {
    /// A whole rating from 1 to 5 and at most 2000 characters of text.
    pub fn validate(self) -> Result<(u8, String), AppError> {
        let rating = self
            .rating
            .as_u64()
            .filter(|r| (1..=5).contains(r))
            .ok_or_else(|| AppError::bad_request("INVALID_RATING", "rating must be a whole number from 1 to 5"))?;
        let text = self.text.trim().to_string();
        if text.chars().count() > 2000 {
            return Err(AppError::bad_request("INVALID_REVIEW", "text must be at most 2000 characters"));
        }
        Ok((rating as u8, text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(json: serde_json::Value) -> Result<ProfileFields, AppError> {
        serde_json::from_value::<BusinessRequest>(json)
            .map_err(|e| AppError::bad_request("INVALID_JSON", e.to_string()))?
            .validate()
    }

    #[test]
    fn profiles_are_validated() {
        let ok = serde_json::json!({ "name": " Cafe A ", "category": "Cafe", "categories": ["bakery", "cafe"], "location": { "lat": 45.5, "lng": -73.6 }, "address": "1 Main St", "availableForPartnership": true });
        let p = req(ok.clone()).unwrap();
        assert_eq!(
            (p.name.as_str(), p.category.as_str(), p.categories.clone()),
            ("Cafe A", "cafe", vec!["cafe".to_string(), "bakery".to_string()])
        );
        for (field, value, code) in [
            ("name", serde_json::json!(""), "INVALID_NAME"),
            ("category", serde_json::json!("caf é"), "INVALID_CATEGORY"),
            ("location", serde_json::json!({ "lat": 91.0, "lng": 0.0 }), "INVALID_LOCATION"),
            ("location", serde_json::json!({ "lat": 0.0, "lng": -180.5 }), "INVALID_LOCATION"),
            ("address", serde_json::json!("x".repeat(301)), "INVALID_ADDRESS"),
        ] {
            let mut bad = ok.clone();
            bad[field] = value;
            assert_eq!(req(bad).unwrap_err().code, code, "{field}");
        }
    }

    #[test]
    fn ratings_are_whole_stars() {
        let rating = |v: serde_json::Value| {
            serde_json::from_value::<ReviewRequest>(serde_json::json!({ "rating": v, "text": " ok " }))
                .unwrap()
                .validate()
        };
        assert_eq!(rating(serde_json::json!(5)).unwrap(), (5, "ok".to_string()));
        for bad in [serde_json::json!(0), serde_json::json!(6), serde_json::json!(4.5), serde_json::json!(-1)] {
            assert_eq!(rating(bad.clone()).unwrap_err().code, "INVALID_RATING", "{bad}");
        }
    }

    #[test]
    fn the_rating_is_the_mean_to_a_tenth_from_integers() {
        let mut b = Business {
            business_id: "b".into(),
            name: "n".into(),
            category: "c".into(),
            categories: vec![],
            location: GeoLocation { lat: 0.0, lng: 0.0 },
            address: String::new(),
            available_for_partnership: true,
            rating_sum: 0,
            review_count: 0,
            loyal_customer_count: 0,
            partnership_count: 0,
            owner_user_id: "u".into(),
            stripe_account_id: None,
            created_at: String::new(),
            updated_at: String::new(),
        };
        assert_eq!(b.rating(), 0.0);
        (b.rating_sum, b.review_count) = (14, 3); // 4.666…
        assert_eq!(b.rating(), 4.7);
        (b.rating_sum, b.review_count) = (9, 2); // 4.5
        assert_eq!(b.rating(), 4.5);
    }
}
