//! US dollars as integer cents. The API shows and accepts decimals, parsed
//! exactly from their text: no float ever touches an amount.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct UsdCents(pub u64);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("amount must be a non-negative decimal with at most 2 fraction digits, like 1500 or 1500.50")]
    Malformed,
    #[error("amount is too large")]
    TooLarge,
}

impl UsdCents {
    /// Parses `"1500"`, `"1500.5"`, `"1500.50"` exactly. Refuses signs,
    /// exponents, more than two fraction digits and anything above `u64`.
    pub fn parse(text: &str) -> Result<Self, MoneyError> {
        let (whole, frac) = match text.split_once('.') {
            Some((w, f)) => (w, f),
            None => (text, ""),
        };
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(whole) || (text.contains('.') && !digits(frac)) || frac.len() > 2 {
            return Err(MoneyError::Malformed);
        }
        let whole: u64 = whole.parse().map_err(|_| MoneyError::TooLarge)?;
        let mut cents: u64 = if frac.is_empty() { 0 } else { frac.parse().map_err(|_| MoneyError::Malformed)? };
        if frac.len() == 1 {
            cents *= 10;
        }
        whole.checked_mul(100).and_then(|c| c.checked_add(cents)).map(UsdCents).ok_or(MoneyError::TooLarge)
    }
}

impl fmt::Display for UsdCents {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:02}", self.0 / 100, self.0 % 100)
    }
}

/// A JSON number written with exactly two decimals (`1500.00`), built from
/// its text so it never passes through a float.
pub fn json_usd(amount: UsdCents) -> Box<serde_json::value::RawValue> {
    serde_json::value::RawValue::from_string(amount.to_string()).expect("a decimal is valid JSON")
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_exact_decimals() {
        assert_eq!(UsdCents::parse("1500"), Ok(UsdCents(150_000)));
        assert_eq!(UsdCents::parse("1500.5"), Ok(UsdCents(150_050)));
        assert_eq!(UsdCents::parse("0.07"), Ok(UsdCents(7)));
        assert_eq!(UsdCents::parse("0"), Ok(UsdCents(0)));
    }

    #[test]
    fn refuses_everything_else() {
        for bad in ["", "-1", "+1", "1e3", "1.005", ".5", "5.", "1,000", " 1", "NaN", "0x10", "１"] {
            assert_eq!(UsdCents::parse(bad), Err(MoneyError::Malformed), "{bad:?}");
        }
        assert_eq!(UsdCents::parse("99999999999999999999"), Err(MoneyError::TooLarge));
        assert_eq!(UsdCents::parse("184467440737095516.16"), Err(MoneyError::TooLarge));
    }

    proptest! {
        #[test]
        fn display_and_parse_round_trip(cents in 0u64..=u64::MAX / 100) {
            let a = UsdCents(cents);
            prop_assert_eq!(UsdCents::parse(&a.to_string()), Ok(a));
        }
    }
}
