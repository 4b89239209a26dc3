//! Seat-derived privileges, decided from the seat's status alone. Callers
//! read the seat on every request (strongly consistent, no cache, see
//! `seats::store::latest_seat`), so an elimination revokes them at once.

use serde::Serialize;

use super::domain::SeatStatus;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Privileges {
    /// V5-equivalent benefit scope.
    pub v5_equivalent: bool,
    pub partner_console: bool,
}

/// Pure: an ACTIVE seat grants everything; anything else nothing.
pub fn privileges_for(status: Option<SeatStatus>) -> Privileges {
    let active = status == Some(SeatStatus::Active);
    Privileges { v5_equivalent: active, partner_console: active }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_an_active_seat_grants_privileges() {
        assert_eq!(privileges_for(Some(SeatStatus::Active)), Privileges { v5_equivalent: true, partner_console: true });
        assert_eq!(
            privileges_for(Some(SeatStatus::Eliminated)),
            Privileges { v5_equivalent: false, partner_console: false }
        );
        assert_eq!(privileges_for(None), Privileges { v5_equivalent: false, partner_console: false });
    }
}
