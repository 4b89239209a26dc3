//! Every key of the single table is built here, so the layout in
//! `docs/data-model.md` has one source in code.

/// The one global partner program. A constant partition keeps config and
/// counters readable with a single Query.
pub const PROGRAM_PK: &str = "PROGRAM#global";
pub const CONFIG_SK: &str = "CONFIG";
pub const STATS_SK: &str = "STATS";

pub fn seat_pk(seat_id: &str) -> String {
    format!("SEAT#{seat_id}")
}
pub const SEAT_SK: &str = "SEAT";

/// Uniqueness guard: one active seat per wallet.
pub fn wallet_pk(wallet: &str) -> String {
    format!("WALLET#{wallet}")
}
pub const WALLET_ACTIVE_SEAT_SK: &str = "ACTIVE_SEAT";

/// GSI1: every seat of the program, by join time.
pub const SEATS_GSI1PK: &str = "SEATS";
/// GSI2: seats by status, by join time.
pub fn seats_by_status_gsi2pk(status: &str) -> String {
    format!("SEATS#{status}")
}
pub fn seat_order_sk(joined_at: &str, seat_id: &str) -> String {
    format!("{joined_at}#{seat_id}")
}

pub fn audit_pk(subject: &str) -> String {
    format!("AUDIT#{subject}")
}
pub fn audit_action_gsi1pk(action: &str) -> String {
    format!("AUDITACTION#{action}")
}

/// Replay guard for signed requests: a signature is accepted once.
pub fn used_signature_pk(signature: &str) -> String {
    format!("SIGUSED#{signature}")
}
