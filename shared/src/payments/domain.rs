//! Purchase intents and the on-chain checks, free of I/O.
//!
//! A transaction (Solana `getTransaction`, `jsonParsed`) pays an intent when
//! it succeeded, the intent's wallet signed it, it carries the intent's
//! reference key (Solana Pay style), and the treasury's balance of the
//! configured mint grew by at least the amount due.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::platform::error::AppError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum IntentKind {
    Credits,
    Seat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum IntentStatus {
    Pending,
    Verified,
    /// Paid, but the seat it bought was no longer available: refund due.
    PaidRefundDue,
}

impl IntentStatus {
    pub fn as_str(&self) -> &'static str {
        match self {
            IntentStatus::Pending => "PENDING",
            IntentStatus::Verified => "VERIFIED",
            IntentStatus::PaidRefundDue => "PAID_REFUND_DUE",
        }
    }
}

/// The largest credit adjustment an admin may make at once, either way.
pub const MAX_ADJUSTMENT: u64 = 1_000_000_000;

/// An admin adjustment's amount: non-zero and within ±`MAX_ADJUSTMENT`
/// (checked on the magnitude, so `i64::MIN` cannot slip through).
pub fn adjustment_amount(amount: i64) -> Result<i64, AppError> {
    if amount == 0 || amount.unsigned_abs() > MAX_ADJUSTMENT {
        return Err(AppError::bad_request("INVALID_AMOUNT", "amount must be non-zero and within ±1000000000"));
    }
    Ok(amount)
}

/// What a ledger entry records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum EntryKind {
    /// Credits bought with a verified on-chain payment.
    Purchase,
    /// An admin's correction.
    Adjustment,
    /// Undoes one earlier entry (once).
    Reversal,
}

/// One immutable entry of a wallet's credits ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LedgerEntry {
    /// `<at>#<id>`: sorts in time order within the wallet.
    pub entry_id: String,
    pub wallet: String,
    pub kind: EntryKind,
    /// Signed credits.
    pub amount: i64,
    pub at: String,
    pub actor: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intent_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tx_signature: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reverses: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Intent {
    pub intent_id: String,
    pub wallet: String,
    pub kind: IntentKind,
    /// Credits bought (0 for a seat).
    pub credits: u64,
    /// Seat price in cents (0 for credits).
    pub seat_price_cents: u64,
    pub amount_base_units: u64,
    pub mint: String,
    pub treasury: String,
    /// A fresh public key the transfer must include as an account.
    pub reference: String,
    pub status: IntentStatus,
    pub created_at: String,
    pub expires_at: String,
    #[serde(default)]
    pub failed_verifications: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tx_signature: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verified_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seat_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refund_id: Option<String>,
    /// Why a paid seat was refunded instead (`SEAT_CAP_REACHED`,
    /// `WALLET_ALREADY_HAS_SEAT`, `REFILL_FROZEN`): a repeated verify answers the same.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refund_code: Option<String>,
    /// A transaction that paid this intent after it expired (block time
    /// past `expiresAt`): shown by reconciliation for an operator to settle.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub late_tx_signature: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub late_block_time: Option<String>,
}

/// The body of `POST /api/payments/intents`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CreateIntentRequest {
    pub kind: IntentKind,
    pub credits: Option<u64>,
}

pub const MAX_CREDITS_PER_INTENT: u64 = 1_000_000;

/// Base units due: credits × price, or the seat price in cents × units per cent.
pub fn amount_due(
    kind: IntentKind,
    credits: Option<u64>,
    credit_price: u64,
    seat_price_cents: u64,
    units_per_cent: u64,
) -> Result<(u64, u64), AppError> {
    match kind {
        IntentKind::Credits => {
            let credits = credits
                .ok_or_else(|| AppError::bad_request("MISSING_FIELD", "credits is required for a CREDITS intent"))?;
            if credits == 0 || credits > MAX_CREDITS_PER_INTENT {
                return Err(AppError::bad_request(
                    "INVALID_CREDITS",
                    format!("credits must be between 1 and {MAX_CREDITS_PER_INTENT}"),
                ));
            }
            let amount = credits
                .checked_mul(credit_price)
                .ok_or_else(|| AppError::bad_request("INVALID_CREDITS", "amount overflows"))?;
            Ok((credits, amount))
        }
        IntentKind::Seat => {
            if credits.is_some() {
                return Err(AppError::bad_request("INVALID_FIELD", "a SEAT intent takes no credits"));
            }
            let amount = seat_price_cents
                .checked_mul(units_per_cent)
                .ok_or_else(|| AppError::internal("seat amount overflows"))?;
            Ok((0, amount))
        }
    }
}

/// Why a transaction does not pay an intent. Each has its own code; the
/// `retryable` ones leave the intent PENDING for another signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TxProblem {
    NotFound,
    Failed,
    WrongSender,
    MissingReference,
    WrongMint,
    AmountTooSmall { paid: u64, due: u64 },
    Malformed(String),
}

impl TxProblem {
    pub fn to_error(&self) -> AppError {
        match self {
            TxProblem::NotFound => AppError::new(
                crate::platform::error::ErrorKind::NotAllowed,
                "TX_NOT_FOUND",
                "no finalized transaction with this signature (yet); retry once it is finalized",
            ),
            TxProblem::Failed => AppError::new(
                crate::platform::error::ErrorKind::NotAllowed,
                "TX_FAILED",
                "the transaction failed on chain",
            ),
            TxProblem::WrongSender => AppError::new(
                crate::platform::error::ErrorKind::NotAllowed,
                "TX_WRONG_SENDER",
                "the transaction was not signed by the intent's wallet",
            ),
            TxProblem::MissingReference => AppError::new(
                crate::platform::error::ErrorKind::NotAllowed,
                "TX_MISSING_REFERENCE",
                "the transaction does not carry the intent's reference",
            ),
            TxProblem::WrongMint => AppError::new(
                crate::platform::error::ErrorKind::NotAllowed,
                "TX_WRONG_MINT",
                "the transaction does not pay the configured token to the treasury",
            ),
            TxProblem::AmountTooSmall { paid, due } => AppError::new(
                crate::platform::error::ErrorKind::NotAllowed,
                "TX_AMOUNT_TOO_SMALL",
                format!("paid {paid} base units; {due} are due"),
            ),
            TxProblem::Malformed(m) => AppError::new(
                crate::platform::error::ErrorKind::BadUpstream,
                "RPC_BAD_RESPONSE",
                format!("unreadable transaction: {m}"),
            ),
        }
    }
}

fn key_of(v: &Value) -> Option<&str> {
    // jsonParsed account keys are objects; legacy ones plain strings.
    v.get("pubkey").and_then(Value::as_str).or_else(|| v.as_str())
}

/// Sum of `owner`'s balances of `mint` in a `pre`/`postTokenBalances` list.
fn balance(list: &Value, owner: &str, mint: &str) -> Result<u128, TxProblem> {
    let mut total = 0u128;
    for b in list.as_array().into_iter().flatten() {
        if b.get("owner").and_then(Value::as_str) == Some(owner) && b.get("mint").and_then(Value::as_str) == Some(mint)
        {
            let amount = b
                .pointer("/uiTokenAmount/amount")
                .and_then(Value::as_str)
                .and_then(|a| a.parse::<u128>().ok())
                .ok_or_else(|| TxProblem::Malformed("token balance without amount".into()))?;
            total += amount;
        }
    }
    Ok(total)
}

/// A `getTransaction` result's `blockTime` (unix seconds), when the node
/// has one.
pub fn block_time(result: &Value) -> Option<i64> {
    result.get("blockTime").and_then(Value::as_i64)
}

/// Checks a `getTransaction` result against an intent. `result` is the
/// JSON-RPC `result` (null when the transaction is unknown).
pub fn check_payment(result: &Value, intent: &Intent) -> Result<u64, TxProblem> {
    if result.is_null() {
        return Err(TxProblem::NotFound);
    }
    let meta = result.get("meta").ok_or_else(|| TxProblem::Malformed("no meta".into()))?;
    if !meta.get("err").map(Value::is_null).unwrap_or(true) {
        return Err(TxProblem::Failed);
    }
    let keys = result
        .pointer("/transaction/message/accountKeys")
        .and_then(Value::as_array)
        .ok_or_else(|| TxProblem::Malformed("no accountKeys (request jsonParsed encoding)".into()))?;
    let signed_by_wallet = keys
        .iter()
        .any(|k| key_of(k) == Some(intent.wallet.as_str()) && k.get("signer").and_then(Value::as_bool) == Some(true));
    if !signed_by_wallet {
        return Err(TxProblem::WrongSender);
    }
    if !keys.iter().any(|k| key_of(k) == Some(intent.reference.as_str())) {
        return Err(TxProblem::MissingReference);
    }
    let (pre, post) =
        (meta.get("preTokenBalances").unwrap_or(&Value::Null), meta.get("postTokenBalances").unwrap_or(&Value::Null));
    let received =
        balance(post, &intent.treasury, &intent.mint)?.saturating_sub(balance(pre, &intent.treasury, &intent.mint)?);
    if received == 0 {
        // Nothing of our mint reached the treasury: another token (or none).
        return Err(TxProblem::WrongMint);
    }
    let received = u64::try_from(received).unwrap_or(u64::MAX);
    if received < intent.amount_base_units {
        return Err(TxProblem::AmountTooSmall { paid: received, due: intent.amount_base_units });
    }
    Ok(received)
}

/// A base58 Solana signature: 64 bytes.
pub fn parse_signature(text: &str) -> Result<String, AppError> {
    let bad = || AppError::bad_request("INVALID_SIGNATURE", "signature must be a base58 Solana transaction signature");
    if text.len() > 100 {
        return Err(bad());
    }
    match bs58::decode(text).into_vec() {
        Ok(bytes) if bytes.len() == 64 => Ok(text.to_string()),
        _ => Err(bad()),
    }
}

#[cfg(test)]
pub mod tests {
    use super::*;
    use serde_json::json;

    pub fn intent() -> Intent {
        Intent {
            intent_id: "i1".into(),
            wallet: "Buyer".into(),
            kind: IntentKind::Credits,
            credits: 10,
            seat_price_cents: 0,
            amount_base_units: 100_000,
            mint: "Mint".into(),
            treasury: "Treasury".into(),
            reference: "Ref".into(),
            status: IntentStatus::Pending,
            created_at: "t".into(),
            expires_at: "t".into(),
            failed_verifications: 0,
            last_error: None,
            tx_signature: None,
            verified_at: None,
            seat_id: None,
            refund_id: None,
            refund_code: None,
            late_tx_signature: None,
            late_block_time: None,
        }
    }

    pub fn tx(signer: &str, reference: &str, mint: &str, pre: u64, post: u64, err: Value) -> Value {
        json!({
            "slot": 1, "blockTime": 1,
            "meta": {
                "err": err,
                "preTokenBalances": [{ "accountIndex": 2, "mint": mint, "owner": "Treasury", "uiTokenAmount": { "amount": pre.to_string(), "decimals": 6 } }],
                "postTokenBalances": [{ "accountIndex": 2, "mint": mint, "owner": "Treasury", "uiTokenAmount": { "amount": post.to_string(), "decimals": 6 } }]
            },
            "transaction": { "signatures": ["s"], "message": { "accountKeys": [
                { "pubkey": signer, "signer": true, "writable": true },
                { "pubkey": "SourceAta", "signer": false, "writable": true },
                { "pubkey": "TreasuryAta", "signer": false, "writable": true },
                { "pubkey": reference, "signer": false, "writable": false }
            ] } }
        })
    }

    #[test]
    fn a_matching_transfer_pays() {
        assert_eq!(check_payment(&tx("Buyer", "Ref", "Mint", 5, 100_005, Value::Null), &intent()), Ok(100_000));
        assert_eq!(check_payment(&tx("Buyer", "Ref", "Mint", 0, 150_000, Value::Null), &intent()), Ok(150_000));
    }

    #[test]
    fn every_mismatch_has_its_own_problem() {
        let i = intent();
        assert_eq!(check_payment(&Value::Null, &i), Err(TxProblem::NotFound));
        assert_eq!(
            check_payment(&tx("Buyer", "Ref", "Mint", 0, 100_000, json!({"InstructionError":[0,{"Custom":1}]})), &i),
            Err(TxProblem::Failed)
        );
        assert_eq!(
            check_payment(&tx("Other", "Ref", "Mint", 0, 100_000, Value::Null), &i),
            Err(TxProblem::WrongSender)
        );
        assert_eq!(
            check_payment(&tx("Buyer", "Nope", "Mint", 0, 100_000, Value::Null), &i),
            Err(TxProblem::MissingReference)
        );
        assert_eq!(
            check_payment(&tx("Buyer", "Ref", "OtherMint", 0, 100_000, Value::Null), &i),
            Err(TxProblem::WrongMint)
        );
        assert_eq!(
            check_payment(&tx("Buyer", "Ref", "Mint", 0, 99_999, Value::Null), &i),
            Err(TxProblem::AmountTooSmall { paid: 99_999, due: 100_000 })
        );
        assert!(matches!(check_payment(&json!({"meta": {"err": null}}), &i), Err(TxProblem::Malformed(_))));
    }

    #[test]
    fn amounts_due() {
        assert_eq!(amount_due(IntentKind::Credits, Some(3), 10_000, 0, 0).unwrap(), (3, 30_000));
        assert_eq!(amount_due(IntentKind::Seat, None, 10_000, 150_000, 10_000).unwrap(), (0, 1_500_000_000));
        assert_eq!(amount_due(IntentKind::Credits, Some(0), 1, 0, 0).unwrap_err().code, "INVALID_CREDITS");
        assert_eq!(amount_due(IntentKind::Credits, None, 1, 0, 0).unwrap_err().code, "MISSING_FIELD");
        assert_eq!(amount_due(IntentKind::Seat, Some(1), 1, 1, 1).unwrap_err().code, "INVALID_FIELD");
    }

    #[test]
    fn signatures_are_64_byte_base58() {
        assert!(parse_signature(&bs58::encode([1u8; 64]).into_string()).is_ok());
        assert_eq!(parse_signature("abc").unwrap_err().code, "INVALID_SIGNATURE");
        assert_eq!(parse_signature("0OIl").unwrap_err().code, "INVALID_SIGNATURE");
    }

    proptest::proptest! {
        #[test]
        fn adjustment_amounts_are_bounded_over_the_whole_i64_range(amount in proptest::prelude::any::<i64>()) {
            let ok = adjustment_amount(amount).is_ok();
            let expected = amount != 0 && (amount as i128).abs() <= MAX_ADJUSTMENT as i128;
            proptest::prop_assert_eq!(ok, expected);
        }
    }

    #[test]
    fn extreme_adjustments_are_refused() {
        for bad in [i64::MIN, i64::MIN + 1, i64::MAX, -1_000_000_001, 1_000_000_001, 0] {
            assert_eq!(adjustment_amount(bad).unwrap_err().code, "INVALID_AMOUNT", "{bad}");
        }
        assert_eq!(adjustment_amount(-1_000_000_000).unwrap(), -1_000_000_000);
    }
}
