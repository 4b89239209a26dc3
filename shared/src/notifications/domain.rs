//! Which event tells whom what: pure rules from a bus event to the messages
//! each concerned business's people get. Free of I/O: the names of the
//! businesses come in through `names`.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::platform::error::AppError;

/// An event as the bus delivers it through the queue (the EventBridge
/// envelope; our fields are in `detail`).
#[derive(Debug, Clone, Deserialize)]
pub struct BusEvent {
    #[serde(rename = "detail-type")]
    pub detail_type: String,
    pub detail: Value,
}

impl BusEvent {
    /// The event's own id (the outbox's `eventId`), stable across
    /// deliveries.
    pub fn event_id(&self) -> Result<&str, AppError> {
        self.text("eventId").ok_or_else(|| AppError::bad_request("INVALID_EVENT", "the event has no eventId"))
    }

    /// When it happened (the outbox's `occurredAt`).
    pub fn occurred_at(&self) -> Result<&str, AppError> {
        self.text("occurredAt").ok_or_else(|| AppError::bad_request("INVALID_EVENT", "the event has no occurredAt"))
    }

    fn text(&self, field: &str) -> Option<&str> {
        self.detail.get(field).and_then(Value::as_str).filter(|s| !s.is_empty())
    }
}

/// What a notification is about; the preferences and the web app key on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Kind {
    InvitationReceived,
    InvitationAccepted,
    InvitationDeclined,
    InvitationWithdrawn,
    PartnershipPaused,
    PartnershipResumed,
    PartnershipTerminated,
    TermsProposed,
    TermsAccepted,
    TermsRejected,
    SettlementCalculated,
    SettlementDisputed,
    SettlementResolved,
    SettlementProcessed,
    WebhookEndpointDisabled,
}

impl Kind {
    /// Every kind, in the order the preferences screen lists them.
    pub const ALL: [Kind; 15] = [
        Kind::InvitationReceived,
        Kind::InvitationAccepted,
        Kind::InvitationDeclined,
        Kind::InvitationWithdrawn,
        Kind::TermsProposed,
        Kind::TermsAccepted,
        Kind::TermsRejected,
        Kind::PartnershipPaused,
        Kind::PartnershipResumed,
        Kind::PartnershipTerminated,
        Kind::SettlementCalculated,
        Kind::SettlementDisputed,
        Kind::SettlementResolved,
        Kind::SettlementProcessed,
        Kind::WebhookEndpointDisabled,
    ];

    /// Told to owners only: a webhook endpoint is theirs to fix.
    pub fn owners_only(self) -> bool {
        self == Kind::WebhookEndpointDisabled
    }

    /// The name in a URL or a body (`SETTLEMENT_CALCULATED`).
    pub fn code(self) -> String {
        serde_json::to_value(self).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default()
    }

    pub fn parse(code: &str) -> Option<Kind> {
        serde_json::from_value(Value::String(code.to_string())).ok()
    }
}

/// One business's message about one event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// The business whose people are told.
    pub business_id: String,
    pub kind: Kind,
    pub title: String,
    pub body: String,
    /// Where in the web app it leads.
    pub link: String,
}

fn field<'a>(detail: &'a Value, name: &str) -> &'a str {
    detail.get(name).and_then(Value::as_str).unwrap_or("")
}

fn cents(detail: &Value, name: &str) -> i64 {
    detail.get(name).and_then(Value::as_i64).unwrap_or(0)
}

/// "$1,234.05" from cents (never negative here).
pub fn dollars(cents: i64) -> String {
    let c = cents.unsigned_abs();
    let whole = (c / 100).to_string();
    let mut grouped = String::new();
    for (i, ch) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    format!("${grouped}.{:02}", c % 100)
}

/// The businesses an event names (to look their names up).
pub fn named_businesses(event: &BusEvent) -> Vec<String> {
    ["businessAId", "businessBId", "businessId"]
        .iter()
        .map(|f| field(&event.detail, f).to_string())
        .filter(|b| !b.is_empty())
        .collect()
}

/// The messages an event produces: none for most (a recorded transaction
/// tells nobody), one per concerned business otherwise. `change` (the
/// partnership's audited action) tells an acceptance from a resumption and
/// a decline from a withdrawal or a termination.
pub fn messages(event: &BusEvent, names: &dyn Fn(&str) -> String) -> Vec<Message> {
    let d = &event.detail;
    if event.detail_type == "partner.webhook.endpoint_disabled" {
        let business = field(d, "businessId");
        if business.is_empty() {
            return Vec::new();
        }
        return vec![Message {
            business_id: business.into(),
            kind: Kind::WebhookEndpointDisabled,
            title: "Webhook endpoint disabled".into(),
            body: format!(
                "Deliveries to {} failed for days ({}), so it was disabled. Fix the receiver, then enable it again.",
                field(d, "url"),
                field(d, "reason")
            ),
            link: "/webhooks".into(),
        }];
    }
    let (a, b) = (field(d, "businessAId"), field(d, "businessBId"));
    if a.is_empty() || b.is_empty() {
        return Vec::new();
    }
    let partnership = field(d, "partnershipId");
    let to_partnership = format!("/partnerships/{partnership}");
    let other = |me: &str| if me == a { b } else { a };
    let reason = match field(d, "reason") {
        "" => String::new(),
        r => format!(" Reason: {r}"),
    };
    let one = |to: &str, kind, title: &str, body: String, link: &str| Message {
        business_id: to.into(),
        kind,
        title: title.into(),
        body,
        link: link.into(),
    };
    let both = |kind, title: &str, body: &dyn Fn(&str) -> String, link: &str| {
        [a, b].iter().map(|me| one(me, kind, title, body(me), link)).collect::<Vec<_>>()
    };
    let change = field(d, "change");
    match event.detail_type.as_str() {
        "partner.partnership.created" => vec![one(
            b,
            Kind::InvitationReceived,
            "New partnership invitation",
            format!("{} invited you to partner. Review the terms and accept or decline.", names(a)),
            &to_partnership,
        )],
        "partner.partnership.accepted" => vec![one(
            a,
            Kind::InvitationAccepted,
            "Invitation accepted",
            format!("{} accepted your invitation: the partnership is active.", names(b)),
            &to_partnership,
        )],
        "partner.partnership.activated" if change == "partnership.resumed" => both(
            Kind::PartnershipResumed,
            "Partnership resumed",
            &|me| format!("Your partnership with {} is active again.", names(other(me))),
            &to_partnership,
        ),
        "partner.partnership.paused" => both(
            Kind::PartnershipPaused,
            "Partnership paused",
            &|me| format!("Your partnership with {} is paused.{reason}", names(other(me))),
            &to_partnership,
        ),
        "partner.partnership.terminated" => match change {
            "partnership.declined" => vec![one(
                a,
                Kind::InvitationDeclined,
                "Invitation declined",
                format!("{} declined your invitation.", names(b)),
                &to_partnership,
            )],
            "partnership.withdrawn" => vec![one(
                b,
                Kind::InvitationWithdrawn,
                "Invitation withdrawn",
                format!("{} withdrew its invitation.", names(a)),
                &to_partnership,
            )],
            _ => both(
                Kind::PartnershipTerminated,
                "Partnership ended",
                &|me| format!("Your partnership with {} has ended.{reason}", names(other(me))),
                &to_partnership,
            ),
        },
        "partner.partnership.terms_proposed" => {
            let actor = field(d, "actorBusinessId");
            let version = d.pointer("/termsProposal/version").and_then(Value::as_u64).unwrap_or(0);
            vec![one(
                other(actor),
                Kind::TermsProposed,
                "New terms proposed",
                format!("{} proposed new terms (version {version}). Review them, then accept or reject.", names(actor)),
                &to_partnership,
            )]
        }
        "partner.partnership.terms_answered" => {
            let actor = field(d, "actorBusinessId");
            let (kind, title, body) = if change == "partnership.terms_accepted" {
                let version = d.get("termsVersion").and_then(Value::as_u64).unwrap_or(0);
                (
                    Kind::TermsAccepted,
                    "Terms accepted",
                    format!("{} accepted the proposed terms: version {version} is in force.", names(actor)),
                )
            } else {
                (
                    Kind::TermsRejected,
                    "Terms not accepted",
                    format!(
                        "{} closed the terms proposal without accepting it; the terms in force are unchanged.",
                        names(actor)
                    ),
                )
            };
            vec![one(other(actor), kind, title, body, &to_partnership)]
        }
        "partner.settlement.disputed" => {
            let period = field(d, "periodStart");
            let by = d.pointer("/dispute/businessId").and_then(Value::as_str).unwrap_or("");
            let why = d.pointer("/dispute/reason").and_then(Value::as_str).unwrap_or("");
            vec![one(
                other(by),
                Kind::SettlementDisputed,
                "Settlement disputed",
                format!("{} disputed the settlement of the period from {period}: \u{201c}{why}\u{201d} It is not paid until you both agree on an outcome.", names(by)),
                &format!("{to_partnership}/settlements/{period}"),
            )]
        }
        "partner.settlement.resolved" => {
            let period = field(d, "periodStart");
            let adjustment = d.pointer("/resolution/adjustmentCents").and_then(Value::as_i64).unwrap_or(0);
            let outcome = match adjustment {
                0 => "no adjustment".to_string(),
                n if n > 0 => format!("{} owes {} more, carried into the open period", names(a), dollars(n)),
                n => format!("{} owes {} more, carried into the open period", names(b), dollars(n.saturating_neg())),
            };
            both(
                Kind::SettlementResolved,
                "Dispute resolved",
                &|_| format!("The dispute over the settlement of the period from {period} is resolved: {outcome}."),
                &format!("{to_partnership}/settlements/{period}"),
            )
        }
        "partner.settlement.calculated" => {
            let (period, net) = (field(d, "periodStart"), cents(d, "netSettlement"));
            let owes = owe_sentence(&names(a), &names(b), net);
            let until = field(d, "reviewEndsAt");
            let reviewer = d.get("hold").and_then(|h| h.get("reviewerBusinessId")).and_then(|r| r.as_str());
            both(
                Kind::SettlementCalculated,
                if reviewer.is_some() { "Settlement held for review" } else { "Settlement calculated" },
                &|me| {
                    match reviewer {
                    Some(r) if r == me => format!(
                        "Settlement of the period from {period}: {owes}. It was held: unusual activity was flagged. Review it, then release it for payment or dispute it."
                    ),
                    Some(r) => format!(
                        "Settlement of the period from {period}: {owes}. It was held: unusual activity was flagged, and it is paid once {} releases it.",
                        names(r)
                    ),
                    None => format!(
                        "Settlement of the period from {period}: {owes}. You can review or dispute it until {until}."
                    ),
                }
                },
                &format!("{to_partnership}/settlements/{period}"),
            )
        }
        "partner.settlement.processed" => {
            let (period, net) = (field(d, "periodStart"), cents(d, "netSettlement"));
            let paid = match net {
                0 => "nothing was owed either way".to_string(),
                n if n > 0 => format!("{} paid {} {}", names(a), names(b), dollars(n)),
                n => format!("{} paid {} {}", names(b), names(a), dollars(n.saturating_neg())),
            };
            both(
                Kind::SettlementProcessed,
                "Settlement paid",
                &|_| format!("Settlement of the period from {period} is processed: {paid}."),
                &format!("{to_partnership}/settlements/{period}"),
            )
        }
        _ => Vec::new(),
    }
}

/// "A owes B $0.50" (positive: A pays B).
fn owe_sentence(a: &str, b: &str, net: i64) -> String {
    match net {
        0 => "nothing is owed either way".into(),
        n if n > 0 => format!("{a} owes {b} {}", dollars(n)),
        n => format!("{b} owes {a} {}", dollars(n.saturating_neg())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn event(detail_type: &str, detail: Value) -> BusEvent {
        BusEvent { detail_type: detail_type.into(), detail }
    }

    fn names(id: &str) -> String {
        format!("Name of {id}")
    }

    fn pair(extra: Value) -> Value {
        let mut d = json!({ "eventId": "e1", "occurredAt": "2026-12-01T10:00:00Z", "partnershipId": "p1", "businessAId": "a", "businessBId": "b" });
        d.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        d
    }

    #[test]
    fn an_invitation_tells_the_invitee_and_its_answer_the_inviter() {
        let m = messages(&event("partner.partnership.created", pair(json!({}))), &names);
        assert_eq!(m.len(), 1);
        assert_eq!(
            (m[0].business_id.as_str(), m[0].kind, m[0].link.as_str()),
            ("b", Kind::InvitationReceived, "/partnerships/p1")
        );
        assert_eq!(m[0].body, "Name of a invited you to partner. Review the terms and accept or decline.");
        let m =
            messages(&event("partner.partnership.accepted", pair(json!({ "change": "partnership.accepted" }))), &names);
        assert_eq!((m.len(), m[0].business_id.as_str(), m[0].kind), (1, "a", Kind::InvitationAccepted));
        // The activation that comes with an acceptance tells nobody again.
        assert!(messages(
            &event("partner.partnership.activated", pair(json!({ "change": "partnership.accepted" }))),
            &names
        )
        .is_empty());
        let m = messages(
            &event("partner.partnership.terminated", pair(json!({ "change": "partnership.declined" }))),
            &names,
        );
        assert_eq!((m.len(), m[0].business_id.as_str(), m[0].kind), (1, "a", Kind::InvitationDeclined));
        let m = messages(
            &event("partner.partnership.terminated", pair(json!({ "change": "partnership.withdrawn" }))),
            &names,
        );
        assert_eq!((m.len(), m[0].business_id.as_str(), m[0].kind), (1, "b", Kind::InvitationWithdrawn));
    }

    #[test]
    fn status_changes_tell_both_parties_each_naming_the_other() {
        let m = messages(&event("partner.partnership.paused", pair(json!({ "reason": "renovation" }))), &names);
        let bodies: Vec<_> = m.iter().map(|x| (x.business_id.as_str(), x.body.as_str())).collect();
        assert_eq!(
            bodies,
            [
                ("a", "Your partnership with Name of b is paused. Reason: renovation"),
                ("b", "Your partnership with Name of a is paused. Reason: renovation")
            ]
        );
        let m =
            messages(&event("partner.partnership.activated", pair(json!({ "change": "partnership.resumed" }))), &names);
        assert_eq!(m.iter().map(|x| x.kind).collect::<Vec<_>>(), [Kind::PartnershipResumed; 2]);
        let m = messages(
            &event("partner.partnership.terminated", pair(json!({ "change": "partnership.terminated" }))),
            &names,
        );
        assert_eq!(m.len(), 2);
    }

    #[test]
    fn settlements_say_who_owes_whom_and_until_when() {
        let d =
            pair(json!({ "periodStart": "2026-12-01", "netSettlement": 50, "reviewEndsAt": "2027-01-08T01:00:00Z" }));
        let m = messages(&event("partner.settlement.calculated", d.clone()), &names);
        assert_eq!(m.len(), 2);
        assert_eq!(m[0].body, "Settlement of the period from 2026-12-01: Name of a owes Name of b $0.50. You can review or dispute it until 2027-01-08T01:00:00Z.");
        assert_eq!(m[1].link, "/partnerships/p1/settlements/2026-12-01");
        let mut held = d.clone();
        held["hold"] = json!({ "reasons": ["RAPID_REDEMPTIONS"], "reviewerBusinessId": "a" });
        let m = messages(&event("partner.settlement.calculated", held), &names);
        assert_eq!(
            (m[0].title.as_str(), m[1].title.as_str()),
            ("Settlement held for review", "Settlement held for review")
        );
        assert!(m[0].body.ends_with("Review it, then release it for payment or dispute it."), "{}", m[0].body);
        assert!(m[1].body.ends_with("it is paid once Name of a releases it."), "{}", m[1].body);
        let m = messages(
            &event(
                "partner.settlement.processed",
                pair(json!({ "periodStart": "2026-12-01", "netSettlement": -123456 })),
            ),
            &names,
        );
        assert_eq!(
            m[0].body,
            "Settlement of the period from 2026-12-01 is processed: Name of b paid Name of a $1,234.56."
        );
    }

    #[test]
    fn terms_and_disputes_tell_the_other_party() {
        let d = pair(json!({ "actorBusinessId": "a", "termsProposal": { "version": 2, "proposedBy": "a" } }));
        let m = messages(&event("partner.partnership.terms_proposed", d), &names);
        assert_eq!((m.len(), m[0].business_id.as_str(), m[0].kind), (1, "b", Kind::TermsProposed));
        assert_eq!(m[0].body, "Name of a proposed new terms (version 2). Review them, then accept or reject.");
        let d = pair(json!({ "actorBusinessId": "b", "change": "partnership.terms_accepted", "termsVersion": 2 }));
        let m = messages(&event("partner.partnership.terms_answered", d), &names);
        assert_eq!((m[0].business_id.as_str(), m[0].kind), ("a", Kind::TermsAccepted));
        let d = pair(json!({ "actorBusinessId": "b", "change": "partnership.terms_rejected" }));
        assert_eq!(messages(&event("partner.partnership.terms_answered", d), &names)[0].kind, Kind::TermsRejected);
        let d = pair(json!({ "periodStart": "2026-12-01", "dispute": { "businessId": "b", "reason": "wrong share" } }));
        let m = messages(&event("partner.settlement.disputed", d), &names);
        assert_eq!((m.len(), m[0].business_id.as_str()), (1, "a"));
        assert!(m[0].body.starts_with(
            "Name of b disputed the settlement of the period from 2026-12-01: \u{201c}wrong share\u{201d}"
        ));
        let d = pair(json!({ "periodStart": "2026-12-01", "resolution": { "adjustmentCents": -25 } }));
        let m = messages(&event("partner.settlement.resolved", d), &names);
        assert_eq!(m.len(), 2);
        assert!(
            m[0].body.ends_with("resolved: Name of b owes $0.25 more, carried into the open period."),
            "{}",
            m[0].body
        );
    }

    #[test]
    fn a_disabled_endpoint_tells_its_business() {
        let d = json!({ "eventId": "e", "occurredAt": "t", "endpointId": "ep_1", "businessId": "b", "url": "https://x.example/", "reason": "every delivery failed since 2026-03-10T12:00:00Z" });
        let m = messages(&event("partner.webhook.endpoint_disabled", d), &names);
        assert_eq!(
            (m.len(), m[0].business_id.as_str(), m[0].kind, m[0].link.as_str()),
            (1, "b", Kind::WebhookEndpointDisabled, "/webhooks")
        );
        assert!(m[0].body.starts_with("Deliveries to https://x.example/ failed for days"));
    }

    #[test]
    fn other_events_and_malformed_ones_tell_nobody() {
        assert!(messages(&event("partner.transaction.recorded", pair(json!({}))), &names).is_empty());
        assert!(messages(&event("partner.partnership.created", json!({ "eventId": "e" })), &names).is_empty());
        assert!(event("x", json!({})).event_id().is_err());
    }

    #[test]
    fn every_kind_is_listed_once_and_parses_back_from_its_code() {
        let mut codes: Vec<String> = Kind::ALL.iter().map(|k| k.code()).collect();
        assert!(Kind::ALL.iter().all(|k| Kind::parse(&k.code()) == Some(*k)));
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), Kind::ALL.len());
        assert_eq!(Kind::parse("SETTLEMENT_CALCULATED"), Some(Kind::SettlementCalculated));
        assert_eq!(Kind::parse("settlement_calculated"), None);
    }

    #[test]
    fn dollars_group_thousands() {
        assert_eq!(dollars(5), "$0.05");
        assert_eq!(dollars(123_456_789), "$1,234,567.89");
    }
}
