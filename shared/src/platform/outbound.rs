//! The one way this code builds an HTTP client for an outside service
//! (Solana RPC, the payout provider): rustls, a whole-request timeout, our
//! user agent. Each port takes such a client and its base URL.

use std::time::Duration;

pub fn client(timeout: Duration) -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(timeout)
        .user_agent(concat!("partner-program/", env!("CARGO_PKG_VERSION")))
        .build()
        .expect("an HTTP client with a timeout and a user agent always builds")
}
