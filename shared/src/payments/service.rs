//! Purchase intents: create, verify against the chain, credit once.

use serde::Serialize;
use serde_json::json;

use super::domain::{
    amount_due, block_time, check_payment, CreateIntentRequest, EntryKind, Intent, IntentKind, IntentStatus,
    LedgerEntry,
};
use super::solana::TransactionSource;
use super::store;
use crate::cycle::domain::MonthKey;
use crate::platform::audit::{self, AuditEntry};
use crate::platform::clock::rfc3339;
use crate::platform::dynamo::{self, Refused, Tx};
use crate::platform::error::AppError;
use crate::platform::ids::new_id;
use crate::program::service::{self as program, effective};
use crate::program::store as program_store;
use crate::refunds::domain::Refund;
use crate::refunds::{service as refunds, store as refund_store};
use crate::seats::domain::{Seat, SeatStatus, Wallet};
use crate::seats::store::{self as seats, allocation_refusal, AllocateOutcome};
use crate::App;

// Names of the items every verify transaction starts with.
const TX_INTENT: &str = "intent";
const TX_SIGNATURE: &str = "tx_signature";

/// The two items every verify writes first: the intent settles (only from
/// PENDING) and the signature is used (only once).
fn settle(
    app: &App,
    intent: &Intent,
    to: IntentStatus,
    signature: &str,
    at: &str,
    extra: &[(&str, &str)],
) -> Result<Tx, AppError> {
    Ok(Tx::new()
        .with(TX_INTENT, store::settle_intent_item(app, intent, to, signature, at, extra)?)
        .with(TX_SIGNATURE, store::signature_item(app, signature, &intent.intent_id, &intent.wallet, at)?))
}

fn configured(v: &Option<String>, name: &str) -> Result<String, AppError> {
    v.clone().ok_or_else(|| AppError::unavailable("PAYMENTS_NOT_CONFIGURED", format!("{name} is not set")))
}

pub async fn create_intent(app: &App, wallet: &Wallet, req: CreateIntentRequest) -> Result<Intent, AppError> {
    let p = &app.settings.payments;
    let (mint, treasury) =
        (configured(&p.token_mint, "TOKEN_MINT")?, configured(&p.treasury_wallet, "TREASURY_WALLET")?);
    let seat_price_cents = match req.kind {
        IntentKind::Seat => {
            let config = effective(app, program_store::load(app).await?.config);
            if let Some(freeze) = &config.freeze {
                return Err(program::refill_frozen(freeze));
            }
            config.refill_price.0
        }
        IntentKind::Credits => 0,
    };
    let (credits, amount) =
        amount_due(req.kind, req.credits, p.credit_price_base_units, seat_price_cents, p.base_units_per_cent)?;
    let now = app.clock.now();
    // A fresh, unguessable reference key for this payment (32 random bytes).
    let reference =
        bs58::encode(sha2_of(&[new_id().as_bytes(), new_id().as_bytes(), wallet.as_str().as_bytes()])).into_string();
    let intent = Intent {
        intent_id: new_id(),
        wallet: wallet.as_str().to_string(),
        kind: req.kind,
        credits,
        seat_price_cents,
        amount_base_units: amount,
        mint,
        treasury,
        reference,
        status: IntentStatus::Pending,
        created_at: rfc3339(now),
        expires_at: rfc3339(now + time::Duration::seconds(p.intent_ttl_secs)),
        failed_verifications: 0,
        last_error: None,
        tx_signature: None,
        verified_at: None,
        seat_id: None,
        refund_id: None,
        refund_code: None,
        late_tx_signature: None,
        late_block_time: None,
    };
    store::create_intent(app, &intent).await?;
    Ok(intent)
}

fn sha2_of(parts: &[&[u8]]) -> [u8; 32] {
    use sha2::Digest;
    let mut h = sha2::Sha256::new();
    for p in parts {
        h.update(p);
    }
    h.finalize().into()
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Verification {
    pub intent_id: String,
    pub status: IntentStatus,
    pub tx_signature: String,
    pub credited: u64,
    pub seat_id: Option<String>,
}

fn verification(intent: &Intent) -> Verification {
    Verification {
        intent_id: intent.intent_id.clone(),
        status: intent.status,
        tx_signature: intent.tx_signature.clone().unwrap_or_default(),
        credited: if intent.status == IntentStatus::Verified { intent.credits } else { 0 },
        seat_id: intent.seat_id.clone(),
    }
}

/// The answer for an intent that is already settled: the same result for
/// the same signature, a refusal for another.
fn settled(intent: &Intent, signature: &str) -> Result<Verification, AppError> {
    if intent.tx_signature.as_deref() != Some(signature) {
        return Err(AppError::conflict("INTENT_ALREADY_VERIFIED", "this intent was paid by another transaction"));
    }
    match intent.status {
        IntentStatus::PaidRefundDue => {
            // The same answer as the first verify gave (older intents carry no code: the cap).
            let code = match intent.refund_code.as_deref() {
                Some("REFILL_FROZEN") => "REFILL_FROZEN",
                Some("WALLET_ALREADY_HAS_SEAT") => "WALLET_ALREADY_HAS_SEAT",
                _ => "SEAT_CAP_REACHED",
            };
            Err(AppError::conflict(
                code,
                format!(
                    "payment recorded but no seat was allocated; refund {} is queued",
                    intent.refund_id.clone().unwrap_or_default()
                ),
            ))
        }
        _ => Ok(verification(intent)),
    }
}

pub async fn verify(
    app: &App,
    source: &impl TransactionSource,
    caller: &Wallet,
    intent_id: &str,
    signature: &str,
) -> Result<Verification, AppError> {
    if let Some(note) = store::verify_gated(app).await? {
        return Err(AppError::unavailable(
            "VERIFY_GATED",
            format!("payment verification is paused by an operator: {note}"),
        ));
    }
    let intent = store::get_intent(app, intent_id)
        .await?
        .ok_or_else(|| AppError::not_found("INTENT_NOT_FOUND", format!("no intent {intent_id}")))?;
    if intent.wallet != caller.as_str() {
        return Err(AppError::forbidden("INTENT_NOT_YOURS", "this intent belongs to another wallet"));
    }
    if intent.status != IntentStatus::Pending {
        return settled(&intent, signature);
    }
    let now = app.clock.now();
    // Past its expiry by our clock, an intent may still have been paid in
    // time: the transaction's block time decides, so it is fetched anyway.
    let expired = rfc3339(now) > intent.expires_at;
    let expired_error = || {
        AppError::new(
            crate::platform::error::ErrorKind::NotAllowed,
            "INTENT_EXPIRED",
            format!("the intent expired at {}; create a new one", intent.expires_at),
        )
    };
    if let Some(owner) = store::signature_owner(app, signature).await? {
        if owner != intent.intent_id {
            return Err(AppError::conflict("TX_ALREADY_USED", "this transaction already paid another intent"));
        }
    }
    let tx =
        source.get_transaction(signature).await.map_err(|e| AppError::unavailable("RPC_UNAVAILABLE", e.to_string()))?;
    if let Err(problem) = check_payment(&tx, &intent) {
        if expired {
            return Err(expired_error());
        }
        let err = problem.to_error();
        store::record_failed_verification(app, &intent.intent_id, err.code).await?;
        return Err(err);
    }
    match paid_in_time(&tx, &intent, expired) {
        Ok(true) => {}
        Ok(false) | Err(_) => {
            // Paid, but after the intent expired: the money is at the
            // treasury, so it is recorded for reconciliation (an operator
            // refunds or credits it by hand), never silently dropped.
            let paid_at = block_time(&tx).map(|t| t.to_string()).unwrap_or_else(|| "unknown".into());
            store::record_late_payment(app, &intent.intent_id, signature, &paid_at).await?;
            return Err(AppError::new(crate::platform::error::ErrorKind::NotAllowed,
                "INTENT_EXPIRED",
                format!("paid at block time {paid_at}, after the intent expired at {}; recorded for reconciliation, contact support", intent.expires_at),
            ));
        }
    }
    let at = rfc3339(now);
    match intent.kind {
        IntentKind::Credits => credit(app, &intent, signature, &at).await,
        IntentKind::Seat => seat(app, &intent, signature, &at).await,
    }
}

/// Whether the transaction was made before the intent expired: its block
/// time (unix seconds) against `expiresAt`. Without a block time (the node
/// did not record one), our clock's verdict stands.
fn paid_in_time(tx: &serde_json::Value, intent: &Intent, expired_by_clock: bool) -> Result<bool, AppError> {
    let Some(paid) = block_time(tx) else { return Ok(!expired_by_clock) };
    let expires = time::OffsetDateTime::parse(&intent.expires_at, &time::format_description::well_known::Rfc3339)
        .map_err(|_| AppError::internal(format!("intent {} has an unreadable expiresAt", intent.intent_id)))?;
    Ok(paid <= expires.unix_timestamp())
}

async fn credit(app: &App, intent: &Intent, signature: &str, at: &str) -> Result<Verification, AppError> {
    let entry = LedgerEntry {
        entry_id: format!("{at}#intent-{}", intent.intent_id),
        wallet: intent.wallet.clone(),
        kind: EntryKind::Purchase,
        amount: intent.credits as i64,
        at: at.to_string(),
        actor: intent.wallet.clone(),
        intent_id: Some(intent.intent_id.clone()),
        tx_signature: Some(signature.to_string()),
        reverses: None,
        note: None,
    };
    let audit = AuditEntry::new(
        &intent.wallet,
        "payment.verified",
        &store::intent_subject(&intent.intent_id),
        at,
        json!({ "txSignature": signature, "credits": intent.credits }),
    );
    let tx = settle(app, intent, IntentStatus::Verified, signature, at, &[])?
        .with("ledger.entry", store::entry_item(app, &entry)?)
        .with("ledger.balance", store::balance_item(app, &intent.wallet, entry.amount, true)?)
        .with(audit::TX_ITEM, audit.transact_put(app.table())?);
    match dynamo::transact(&app.db, tx).await? {
        Ok(()) => {
            let mut done = intent.clone();
            done.status = IntentStatus::Verified;
            done.tx_signature = Some(signature.to_string());
            crate::platform::metrics::count(crate::platform::metrics::names::CREDITS_GRANTED, done.credits);
            Ok(verification(&done))
        }
        Err(c) => lost_race(app, intent, signature, &c).await,
    }
}

/// Another verify won: answer from what it stored.
async fn lost_race(app: &App, intent: &Intent, signature: &str, refused: &Refused) -> Result<Verification, AppError> {
    if refused.failed(TX_INTENT) {
        let current =
            store::get_intent(app, &intent.intent_id).await?.ok_or_else(|| AppError::internal("intent vanished"))?;
        return settled(&current, signature);
    }
    if refused.failed(TX_SIGNATURE) {
        return Err(AppError::conflict("TX_ALREADY_USED", "this transaction already paid another intent"));
    }
    Err(refused.unexpected("verify"))
}

async fn seat(app: &App, intent: &Intent, signature: &str, at: &str) -> Result<Verification, AppError> {
    let seat = Seat {
        seat_id: new_id(),
        wallet: intent.wallet.clone(),
        status: SeatStatus::Active,
        price_paid_cents: intent.seat_price_cents,
        joined_at: at.to_string(),
        allocated_by: format!("payment:{}", intent.intent_id),
        eliminated_at: None,
        eliminated_month: None,
    };
    let audit = AuditEntry::new(
        &intent.wallet,
        "seat.allocated",
        &seats::subject(&seat.seat_id),
        at,
        json!({ "intentId": intent.intent_id, "txSignature": signature, "pricePaidCents": seat.price_paid_cents }),
    );
    let mut tx = settle(app, intent, IntentStatus::Verified, signature, at, &[("seatId", &seat.seat_id)])?;
    // No config version to hold: the price was agreed when the intent was
    // created. The freeze still applies.
    seats::add_allocation(&mut tx, app, &seat, None)?;
    tx.add(audit::TX_ITEM, audit.transact_put(app.table())?);
    let refused = match dynamo::transact(&app.db, tx).await? {
        Ok(()) => {
            let mut done = intent.clone();
            done.status = IntentStatus::Verified;
            done.tx_signature = Some(signature.to_string());
            done.seat_id = Some(seat.seat_id);
            return Ok(verification(&done));
        }
        Err(r) => r,
    };
    let refusal = match allocation_refusal(&refused) {
        Some(r) if !refused.failed(TX_INTENT) && !refused.failed(TX_SIGNATURE) => r,
        _ => return lost_race(app, intent, signature, &refused).await,
    };
    // Paid, but no seat: record the payment and queue its refund.
    refund_unfulfilled(app, intent, signature, at, refusal).await
}

async fn refund_unfulfilled(
    app: &App,
    intent: &Intent,
    signature: &str,
    at: &str,
    refusal: AllocateOutcome,
) -> Result<Verification, AppError> {
    let now = app.clock.now();
    let refund = Refund::pending(
        format!("RF-intent-{}", intent.intent_id),
        format!("intent:{}", intent.intent_id),
        intent.wallet.clone(),
        intent.seat_price_cents,
        MonthKey::of(now).to_string(),
        now,
    );
    let (code, reason) = match refusal {
        AllocateOutcome::WalletHasSeat => ("WALLET_ALREADY_HAS_SEAT", "wallet already holds a seat"),
        // Without a version to hold, the config check fails only on a freeze.
        AllocateOutcome::ConfigRefused => ("REFILL_FROZEN", "refill is frozen"),
        _ => ("SEAT_CAP_REACHED", "seat cap reached"),
    };
    let audit = AuditEntry::new(
        &intent.wallet,
        "payment.refund_due",
        &store::intent_subject(&intent.intent_id),
        at,
        json!({ "txSignature": signature, "refundId": refund.refund_id, "reason": reason }),
    );
    let tx = settle(
        app,
        intent,
        IntentStatus::PaidRefundDue,
        signature,
        at,
        &[("refundId", &refund.refund_id), ("refundCode", code)],
    )?
    .with("refund", refund_store::insert_item(app, &refund)?)
    .with("program.counters", program_store::counters_change(app, 0, 1)?)
    .with(audit::TX_ITEM, audit.transact_put(app.table())?);
    if let Err(r) = dynamo::transact(&app.db, tx).await? {
        return lost_race(app, intent, signature, &r).await;
    }
    refunds::enqueue_payout(app, &refund.refund_id).await?;
    Err(AppError::conflict(
        code,
        format!("payment recorded but no seat was allocated ({reason}); refund {} is queued", refund.refund_id),
    ))
}
