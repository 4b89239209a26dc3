//! The queues and event bus besides the table, named in one place for the
//! local-stack provisioning tool; `infra/template.yaml` declares the same.

pub struct QueueSpec {
    /// Suffix after `<prefix>-`.
    pub name: &'static str,
    /// Its dead-letter queue's suffix.
    pub dead_letter: &'static str,
    /// Receives before a message moves to the dead-letter queue.
    pub max_receive_count: u32,
    /// Seconds a received message stays invisible: above the consumer
    /// function's timeout, as AWS requires for event source mappings.
    pub visibility_timeout_secs: u32,
}

pub const QUEUES: &[QueueSpec] = &[
    QueueSpec {
        name: "refund-payouts",
        dead_letter: "refund-payouts-dlq",
        max_receive_count: 5,
        visibility_timeout_secs: 180,
    },
    QueueSpec {
        name: "paddle-webhooks",
        dead_letter: "paddle-webhooks-dlq",
        max_receive_count: 5,
        visibility_timeout_secs: 180,
    },
    QueueSpec {
        name: "settlements",
        dead_letter: "settlements-dlq",
        max_receive_count: 5,
        visibility_timeout_secs: 720,
    },
    QueueSpec {
        name: "webhook-deliveries",
        dead_letter: "webhook-deliveries-dlq",
        max_receive_count: 5,
        visibility_timeout_secs: 180,
    },
    QueueSpec {
        name: "notifications",
        dead_letter: "notifications-dlq",
        max_receive_count: 5,
        visibility_timeout_secs: 180,
    },
];

/// A rule on the bus that sends the events it matches to one of `QUEUES`.
pub struct RuleSpec {
    /// Suffix after `<prefix>-`.
    pub name: &'static str,
    /// The EventBridge event pattern (JSON).
    pub pattern: &'static str,
    /// The target queue's suffix.
    pub queue: &'static str,
}

/// Every Partner Network event reaches the notifications worker, which
/// decides who hears of it.
pub const RULES: &[RuleSpec] =
    &[RuleSpec { name: "notifications", pattern: r#"{"source":["partner-network"]}"#, queue: "notifications" }];

/// The custom EventBridge bus's suffix.
pub const EVENT_BUS: &str = "events";
