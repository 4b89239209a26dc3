//! Lambda entry point (SQS); see `functions::handlers::refund_payout_worker`.

use std::sync::{Arc, OnceLock};

use shared::refunds::payout::ConfiguredPayouts;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    // Built once per cold start, from the settings the runtime loaded.
    let provider: Arc<OnceLock<ConfiguredPayouts>> = Arc::default();
    functions::run_event(move |app: shared::App, event| {
        let provider = provider.clone();
        async move {
            let provider = provider.get_or_init(|| ConfiguredPayouts::from_settings(&app.settings));
            functions::handlers::refund_payout_worker::handle(app, provider, event).await
        }
    })
    .await
}
