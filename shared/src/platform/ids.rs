//! Identifiers: ULIDs sort by creation time, which keeps audit and seat
//! listings in chronological order without an extra attribute.

pub fn new_id() -> String {
    ulid::Ulid::new().to_string()
}

/// An id that crosses contexts, as its own type: a business id and a
/// partnership id cannot be swapped without the compiler seeing it. Parsed
/// once at the edge (`parse`: 1 to 200 characters, else a 400 with the
/// id's code); an id we made or read back ourselves is `known`. It reads as
/// a `&str` (`Deref`) wherever text is wanted: keys, logs, JSON.
macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident, $field:literal, $code:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// From a request: 1 to 200 characters.
            pub fn parse(value: &str) -> Result<Self, super::error::AppError> {
                if value.is_empty() || value.len() > 200 {
                    return Err(super::error::AppError::bad_request(
                        $code,
                        concat!($field, " must be 1 to 200 characters"),
                    ));
                }
                Ok(Self(value.to_string()))
            }

            /// An id we made or stored ourselves (valid already).
            pub fn known(value: impl Into<String>) -> Self {
                Self(value.into())
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::ops::Deref for $name {
            type Target = str;
            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }
    };
}

id_type!(
    /// A business of the Partner Network (its handle).
    BusinessId,
    "businessId",
    "INVALID_BUSINESS_ID"
);
id_type!(
    /// A partnership between two businesses.
    PartnershipId,
    "id",
    "INVALID_PARTNERSHIP_ID"
);
id_type!(
    /// A customer of the businesses' points programs.
    CustomerId,
    "customerId",
    "INVALID_CUSTOMER_ID"
);
id_type!(
    /// A seat of the Global Partner Program.
    SeatId,
    "seatId",
    "INVALID_SEAT_ID"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_is_parsed_once_bounded_and_reads_as_text() {
        let id = PartnershipId::parse("01J0000000000000000000000A").unwrap();
        assert_eq!((&*id, id.to_string().as_str()), ("01J0000000000000000000000A", "01J0000000000000000000000A"));
        assert_eq!(PartnershipId::parse("").unwrap_err().code, "INVALID_PARTNERSHIP_ID");
        assert_eq!(BusinessId::parse(&"x".repeat(201)).unwrap_err().code, "INVALID_BUSINESS_ID");
        assert_eq!(serde_json::to_value(BusinessId::known("biz-a")).unwrap(), serde_json::json!("biz-a"));
    }
}
