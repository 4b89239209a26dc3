//! One module per function, named like its binary.

pub mod audit_log;
pub mod cron;
pub mod cycle_scheduled;
pub mod health;
pub mod partners_config_get;
pub mod partners_commissions;
pub mod partners_config_update;
pub mod partners_console;
pub mod partners_cycle_eliminate;
pub mod partners_cycle_preview;
pub mod partners_me;
pub mod partners_rankings;
pub mod partners_refunds_list;
pub mod partners_refunds_sla;
pub mod partners_refunds_update;
pub mod partners_scores_adjust;
pub mod partners_seats_allocate;
pub mod partners_seats_list;
pub mod refund_payout_worker;
pub mod refund_sla_audit;
pub mod webhooks_events;
pub mod webhooks_paddle;
pub mod webhooks_paddle_worker;
