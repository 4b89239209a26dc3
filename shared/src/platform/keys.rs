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

/// Uniqueness guard: one active seat per wallet. Holds the wallet's
/// latest seat id and its status (ACTIVE or ELIMINATED).
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

/// A seat's score for a month (the sum of its points); GSI1 lists a
/// month's scores.
pub fn score_sk(month: &str) -> String {
    format!("SCORE#{month}")
}
pub fn scores_gsi1pk(month: &str) -> String {
    format!("SCORES#{month}")
}
/// One immutable points entry of a seat.
pub fn points_sk(month: &str, entry_id: &str) -> String {
    format!("POINTS#{month}#{entry_id}")
}

/// A month's cycle: its run item, its ranking snapshot, its elimination rows.
pub fn cycle_pk(month: &str) -> String {
    format!("CYCLE#{month}")
}
pub const RUN_SK: &str = "RUN";
pub const SNAPSHOT_SK: &str = "SNAPSHOT";
pub fn elimination_sk(seat_id: &str) -> String {
    format!("ELIM#{seat_id}")
}
/// GSI1: executed cycles by month.
pub const CYCLES_GSI1PK: &str = "CYCLES";

pub fn refund_pk(refund_id: &str) -> String {
    format!("REFUND#{refund_id}")
}
pub const REFUND_SK: &str = "REFUND";
/// GSI1: refunds of a status, oldest deadline first.
pub fn refunds_by_status_gsi1pk(status: &str) -> String {
    format!("REFUNDS#{status}")
}

/// A Paddle webhook event, keyed by Paddle's `event_id`.
pub fn webhook_pk(event_id: &str) -> String {
    format!("WEBHOOK#{event_id}")
}
pub const WEBHOOK_SK: &str = "EVENT";
/// GSI1: webhook events by processing status, by receipt time.
pub fn webhooks_by_status_gsi1pk(status: &str) -> String {
    format!("WEBHOOKS#{status}")
}
pub fn membership_pk(customer_id: &str) -> String {
    format!("MEMBERSHIP#{customer_id}")
}
pub const MEMBERSHIP_SK: &str = "MEMBERSHIP";
/// A partner commission and its reversal, keyed by the Paddle transaction.
pub fn commission_pk(transaction_id: &str) -> String {
    format!("COMMISSION#{transaction_id}")
}
/// GSI1: a partner's commissions by time.
pub fn commissions_gsi1pk(wallet: &str) -> String {
    format!("COMMISSIONS#{wallet}")
}
/// A customer's dunning records (one per failed payment event).
pub fn dunning_pk(customer_id: &str) -> String {
    format!("DUNNING#{customer_id}")
}
/// GSI1: dunning records of a status, oldest failure first.
pub fn dunning_by_status_gsi1pk(status: &str) -> String {
    format!("DUNNINGS#{status}")
}

pub fn intent_pk(intent_id: &str) -> String {
    format!("INTENT#{intent_id}")
}
pub const INTENT_SK: &str = "INTENT";
/// GSI1: intents by status, by creation time.
pub fn intents_by_status_gsi1pk(status: &str) -> String {
    format!("INTENTS#{status}")
}
/// "Credited once": one item per transaction signature, ever.
pub fn tx_signature_pk(signature: &str) -> String {
    format!("TXSIG#{signature}")
}
pub const TX_SIGNATURE_SK: &str = "TXSIG";
/// A wallet's ledger partition: `BALANCE`, `ENTRY#<entryId>`, `REVERSED#<entryId>`.
pub fn ledger_pk(wallet: &str) -> String {
    format!("LEDGER#{wallet}")
}
pub const BALANCE_SK: &str = "BALANCE";
pub fn entry_sk(entry_id: &str) -> String {
    format!("ENTRY#{entry_id}")
}
pub fn reversed_sk(entry_id: &str) -> String {
    format!("REVERSED#{entry_id}")
}
/// GSI1: every balance, for reconciliation.
pub const BALANCES_GSI1PK: &str = "BALANCES";
pub const PAYMENTS_GATE_SK: &str = "PAYMENTS_GATE";
