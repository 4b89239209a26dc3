//! Lambda entry point (EventBridge schedule); see `functions::handlers::settlement_scheduled`.

use std::sync::{Arc, OnceLock};

use shared::settlements::payout::ConfiguredSettlementPayouts;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    // Built once per cold start, from the settings the runtime loaded.
    let provider: Arc<OnceLock<ConfiguredSettlementPayouts>> = Arc::default();
    functions::run_event(move |app: shared::App, event| {
        let provider = provider.clone();
        async move {
            let provider = provider.get_or_init(|| ConfiguredSettlementPayouts::from_settings(&app.settings));
            functions::handlers::settlement_scheduled::handle(app, provider, event).await
        }
    })
    .await
}
