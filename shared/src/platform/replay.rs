//! The replay guard of signed requests: a signature is accepted once. Its
//! first use is recorded with a conditional put; TTL removes the record once
//! the timestamp check alone refuses the signature.

use super::dynamo::{self, n};
use super::entity::{Key, Layout};
use super::error::AppError;
use super::table::TTL;
use crate::App;

fn key(signature: &str) -> Key {
    Key::new(format!("SIGUSED#{signature}"), "SIG")
}

/// Records the first use of `signature`. `Ok(false)`: it was used before.
pub async fn burn(app: &App, signature: &str, now: i64) -> Result<bool, AppError> {
    // Kept a little longer than the window: after that the timestamp check
    // alone refuses it.
    let expires = now + 2 * app.settings.signature_window_secs + 60;
    let mut item = Layout::new("USED_SIGNATURE", key(signature)).key_attrs();
    item.insert(TTL.into(), n(expires));
    let result = app
        .db
        .put_item()
        .table_name(app.table())
        .set_item(Some(item))
        .condition_expression(super::entity::NOT_EXISTS)
        .send()
        .await;
    dynamo::applied(result)
}
