//! The route table: every Lambda function, by handler module and kind
//! (`http`: API Gateway; `event`: a schedule, a queue, a Cognito trigger).
//! From it come the handler modules, the list `FUNCTIONS`, the tests'
//! dispatch by name, and (by `make routes`) the one-line `src/bin/` of each
//! function and the `cargo lambda watch` router, whose paths are read from
//! `infra/template.yaml`. `tests/tests/it/routes.rs` proves they all agree.
//!
//! To add a function: write `handlers/<module>.rs`, add a line here,
//! declare it in the template, add `events/<function>.json` and (for an
//! API route) the OpenAPI path, then run `make routes`.

/// How a function is invoked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// An API Gateway HTTP route (`lambda_http`).
    Http,
    /// Any other event (`lambda_runtime`).
    Event,
}

macro_rules! kind {
    (http) => {
        Kind::Http
    };
    (event) => {
        Kind::Event
    };
}

/// Declares each handler module and the table built from the list.
macro_rules! routes {
    ($($kind:ident $module:ident,)*) => {
        $(pub mod $module;)*

        /// Every function: (handler module, kind). Its binary and Lambda
        /// are named like the module with `-` for `_`.
        pub const FUNCTIONS: &[(&str, Kind)] = &[$((stringify!($module), kind!($kind)),)*];

        /// Serves `req` with the HTTP function of handler module `module`, as
        /// its binary would (`None`: no such HTTP function). For tests.
        pub async fn dispatch_http(module: &str, app: shared::App, req: shared::http::Request) -> Option<shared::http::Response<shared::http::Body>> {
            $(routes!(@arm $kind $module, module, app, req);)*
            None
        }
    };
    (@arm http $module:ident, $name:ident, $app:ident, $req:ident) => {
        if $name == stringify!($module) {
            return Some(shared::http::serve::dispatch($app, $req, $module::handle).await);
        }
    };
    (@arm event $module:ident, $name:ident, $app:ident, $req:ident) => {};
}

routes! {
    http  audit_log,
    event auth_pre_token,
    http  businesses_register,
    http  businesses_update,
    http  credits_adjust,
    http  credits_get,
    http  credits_reverse,
    http  cron,
    http  customers_me,
    event cycle_scheduled,
    event dunning_scheduled,
    http  geocode,
    http  health,
    http  me,
    http  members_invite,
    http  members_join,
    http  members_list,
    http  members_remove,
    http  network_analytics,
    http  network_settlements,
    http  notifications_list,
    http  notifications_preferences_get,
    http  notifications_preferences_put,
    http  notifications_read,
    http  notifications_unsubscribe,
    event notifications_worker,
    event outbox_drain,
    http  partners_commissions,
    http  partners_config_get,
    http  partners_config_update,
    http  partners_console,
    http  partners_cycle_eliminate,
    http  partners_cycle_preview,
    http  partners_directory,
    http  partners_me,
    http  partners_profile,
    http  partners_rankings,
    http  partners_refunds_list,
    http  partners_refunds_sla,
    http  partners_refunds_update,
    http  partners_review,
    http  partners_scores_adjust,
    http  partners_seats_allocate,
    http  partners_seats_list,
    http  partnerships_accept,
    http  partnerships_anomaly_rules,
    http  partnerships_analytics,
    http  partnerships_decline,
    http  partnerships_exposure_limit,
    http  partnerships_get,
    http  partnerships_invite,
    http  partnerships_list,
    http  partnerships_status,
    http  partnerships_templates,
    http  partnerships_terms,
    http  partnerships_terms_simulate,
    http  partnerships_transactions_list,
    http  partnerships_transactions_record,
    http  partnerships_update,
    http  payments_gate,
    http  payments_intents_create,
    http  payments_intents_verify,
    http  payments_reconciliation,
    event payments_reconciliation_scheduled,
    event points_expiry_scheduled,
    event points_liability_scheduled,
    http  points_earn,
    http  points_liability,
    http  points_program_update,
    event refund_payout_worker,
    event refund_sla_audit,
    http  revenue_sharing_preview,
    http  rewards_create,
    event settlement_scheduled,
    event settlement_worker,
    http  settlements_calculate,
    http  settlements_dispute,
    http  settlements_get,
    http  settlements_held,
    http  settlements_list,
    http  settlements_release,
    http  settlements_resolve,
    http  settlements_statement,
    event sweep_scheduled,
    http  webhooks_events,
    http  webhook_endpoints_create,
    http  webhook_endpoints_delete,
    http  webhook_endpoints_deliveries,
    http  webhook_endpoints_list,
    http  webhook_endpoints_ping,
    http  webhook_endpoints_redeliver,
    http  webhook_endpoints_rotate,
    http  webhook_endpoints_update,
    http  webhooks_paddle,
    event webhooks_paddle_worker,
    event webhooks_delivery_worker,
    event webhooks_retry_scheduled,
}
