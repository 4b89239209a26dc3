//! Lambda entry point (SQS); see `functions::handlers::refund_payout_worker`.

use std::sync::Arc;

use shared::refunds::payout::ConfiguredPayouts;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    let provider: Arc<std::sync::OnceLock<ConfiguredPayouts>> = Arc::default();
    functions::run_event(move |app: shared::App, event| {
        let provider = provider.clone();
        async move {
            // Built once, from the settings the runtime loaded.
            let provider = provider.get_or_init(|| ConfiguredPayouts::from_settings(&app.settings));
            functions::handlers::refund_payout_worker::handle(app, provider, event).await
        }
    })
    .await
}
