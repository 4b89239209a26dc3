//! Exposure limits: the most one party may owe the other unsettled. Each
//! limit is set by the party it protects (the one owed), never by the one
//! who owes. What is open is one running net per partnership (A owes B
//! when positive): every recording adds its share, every processed
//! settlement takes its net back out. A recording that would carry the
//! payer past its limit is refused by a condition on that running net, so
//! racing recordings stop at the limit exactly. Free of I/O.

use serde::{Deserialize, Serialize};

use crate::platform::error::AppError;

/// A partnership's limits, in cents; `None`: no limit.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExposureLimits {
    /// The most A may owe B (B's to set).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub a_owes_b_max_cents: Option<u64>,
    /// The most B may owe A (A's to set).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub b_owes_a_max_cents: Option<u64>,
}

/// The body of `PUT /api/v1/partnerships/{id}/exposure-limit`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct LimitRequest {
    /// The most the partner may owe the caller unsettled, in cents; null
    /// for no limit. Required, so a forgotten field never lifts a limit.
    #[serde(deserialize_with = "present")]
    pub max_outstanding_cents: Option<u64>,
}

fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    Option::<u64>::deserialize(d)
}

/// The highest limit one may set: $10,000,000.
pub const MAX_LIMIT_CENTS: u64 = 1_000_000_000;

/// What the running net (A owes B) must be before a recording adds its
/// share, for the payer to stay within its limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bound {
    AtMost(i64),
    AtLeast(i64),
}

fn signed(cents: u64) -> i64 {
    i64::try_from(cents).unwrap_or(i64::MAX)
}

impl ExposureLimits {
    /// The condition a recording moving the net by `delta` (A owes B more
    /// when positive) needs; `None` when it may always be written (no
    /// limit on that side, or it lowers what is owed).
    pub fn bound(&self, delta: i64) -> Option<Bound> {
        match delta {
            d if d > 0 => self.a_owes_b_max_cents.map(|max| Bound::AtMost(signed(max).saturating_sub(d))),
            d if d < 0 => {
                self.b_owes_a_max_cents.map(|max| Bound::AtLeast(signed(max).saturating_neg().saturating_sub(d)))
            }
            _ => None,
        }
    }

    /// Sets the limit protecting `creditor_is_a`'s side: A sets what B may
    /// owe it, B what A may owe it.
    pub fn with_limit(self, creditor_is_a: bool, max: Option<u64>) -> Result<Self, AppError> {
        if max.is_some_and(|m| m > MAX_LIMIT_CENTS) {
            return Err(AppError::bad_request(
                "INVALID_EXPOSURE_LIMIT",
                format!("maxOutstandingCents is at most {MAX_LIMIT_CENTS} ($10,000,000), or null for no limit"),
            ));
        }
        Ok(if creditor_is_a {
            ExposureLimits { b_owes_a_max_cents: max, ..self }
        } else {
            ExposureLimits { a_owes_b_max_cents: max, ..self }
        })
    }
}

/// A party's view of the open amount and both limits.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Exposure {
    /// Unsettled: positive when the partner owes the caller, negative when
    /// the caller owes the partner (cents).
    pub open_net_cents: i64,
    /// The caller's limit on what the partner may owe it.
    pub partner_may_owe_you_max_cents: Option<u64>,
    /// How much more the partner may come to owe the caller.
    pub partner_headroom_cents: Option<i64>,
    /// The partner's limit on what the caller may owe it.
    pub you_may_owe_partner_max_cents: Option<u64>,
    /// How much more the caller may come to owe the partner.
    pub your_headroom_cents: Option<i64>,
}

/// The exposure as party A (`caller_is_a`) or B sees it, from the running
/// net (A owes B when positive).
pub fn view(limits: &ExposureLimits, open_net_a_to_b: i64, caller_is_a: bool) -> Exposure {
    // Owed to the caller: by B when the caller is A (a negative net).
    let owed_to_me = if caller_is_a { open_net_a_to_b.saturating_neg() } else { open_net_a_to_b };
    let (theirs, mine) = if caller_is_a {
        (limits.b_owes_a_max_cents, limits.a_owes_b_max_cents)
    } else {
        (limits.a_owes_b_max_cents, limits.b_owes_a_max_cents)
    };
    let headroom = |max: u64, owed: i64| signed(max).saturating_sub(owed).max(0);
    Exposure {
        open_net_cents: owed_to_me,
        partner_may_owe_you_max_cents: theirs,
        partner_headroom_cents: theirs.map(|m| headroom(m, owed_to_me)),
        you_may_owe_partner_max_cents: mine,
        your_headroom_cents: mine.map(|m| headroom(m, owed_to_me.saturating_neg())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn allowed(bound: Option<Bound>, net: i64) -> bool {
        match bound {
            None => true,
            Some(Bound::AtMost(x)) => net <= x,
            Some(Bound::AtLeast(x)) => net >= x,
        }
    }

    #[test]
    fn each_side_is_set_by_the_party_owed() {
        let l = ExposureLimits::default().with_limit(true, Some(500)).unwrap();
        assert_eq!(l, ExposureLimits { a_owes_b_max_cents: None, b_owes_a_max_cents: Some(500) });
        let l = l.with_limit(false, Some(700)).unwrap().with_limit(true, None).unwrap();
        assert_eq!(l, ExposureLimits { a_owes_b_max_cents: Some(700), b_owes_a_max_cents: None });
        assert_eq!(
            ExposureLimits::default().with_limit(true, Some(MAX_LIMIT_CENTS + 1)).unwrap_err().code,
            "INVALID_EXPOSURE_LIMIT"
        );
    }

    #[test]
    fn the_views_mirror_each_other() {
        let l = ExposureLimits { a_owes_b_max_cents: Some(1000), b_owes_a_max_cents: Some(300) };
        let a = view(&l, 400, true);
        let b = view(&l, 400, false);
        assert_eq!((a.open_net_cents, b.open_net_cents), (-400, 400));
        assert_eq!((a.your_headroom_cents, b.partner_headroom_cents), (Some(600), Some(600)));
        assert_eq!((a.partner_headroom_cents, b.your_headroom_cents), (Some(700), Some(700)));
        assert_eq!(view(&l, 1200, true).your_headroom_cents, Some(0), "never negative");
        assert_eq!(view(&ExposureLimits::default(), 5, true).your_headroom_cents, None);
    }

    proptest! {
        /// A recording the bound allows never carries the payer past its
        /// limit, and one it refuses would have: the condition is exact.
        #[test]
        fn the_bound_is_exactly_the_limit(
            a_max in proptest::option::of(0u64..10_000),
            b_max in proptest::option::of(0u64..10_000),
            net in -20_000i64..20_000,
            delta in -5_000i64..5_000,
        ) {
            let l = ExposureLimits { a_owes_b_max_cents: a_max, b_owes_a_max_cents: b_max };
            let after = net + delta;
            let within = match (delta.signum(), a_max, b_max) {
                (1, Some(m), _) => after <= m as i64,
                (-1, _, Some(m)) => -after <= m as i64,
                _ => true,
            };
            prop_assert_eq!(allowed(l.bound(delta), net), within);
        }
    }
}
