//! Structured JSON logs, one subscriber per process. `RUST_LOG` filters.

pub fn init() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // Lambda adds its own timestamp to each line; the JSON keeps ours for
    // local runs. `try_init` so tests that call it twice do not panic.
    let _ =
        tracing_subscriber::fmt().json().with_env_filter(filter).with_current_span(false).with_target(false).try_init();
}
