//! A notification as an email: the subject, the plain-text and HTML bodies
//! (from `shared/templates/notification.{txt,html}`; the HTML one escapes
//! every value) and the one-click unsubscribe headers of RFC 8058, put
//! together as one MIME message. Free of I/O.

use askama::Template;
use mail_builder::headers::raw::Raw;
use mail_builder::headers::url::URL;
use mail_builder::MessageBuilder;

use super::domain::{Kind, Message};
use crate::platform::error::AppError;

#[derive(Template)]
#[template(path = "notification.txt")]
struct TextBody<'a> {
    fields: &'a Fields,
}

#[derive(Template)]
#[template(path = "notification.html")]
struct HtmlBody<'a> {
    fields: &'a Fields,
}

/// What both bodies show.
struct Fields {
    title: String,
    body: String,
    business_name: String,
    open_url: String,
    unsubscribe_kind_url: String,
    unsubscribe_all_url: String,
    preferences_url: String,
}

// The templates name the fields directly.
impl std::ops::Deref for TextBody<'_> {
    type Target = Fields;
    fn deref(&self) -> &Fields {
        self.fields
    }
}

impl std::ops::Deref for HtmlBody<'_> {
    type Target = Fields;
    fn deref(&self) -> &Fields {
        self.fields
    }
}

/// One email, ready to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// Where a mail client's "unsubscribe" button posts (one kind).
    pub one_click_url: String,
}

/// `web_app_url`: the web app's origin, which also serves the API under
/// `/api` (CloudFront in AWS, the dev server locally).
pub fn compose(
    message: &Message,
    business_name: &str,
    to: &str,
    web_app_url: &str,
    unsubscribe_token: &str,
) -> Result<Email, AppError> {
    let web = web_app_url.trim_end_matches('/');
    let kind = Kind::code(message.kind);
    let fields = Fields {
        title: message.title.clone(),
        body: message.body.clone(),
        business_name: business_name.to_string(),
        open_url: format!("{web}{}", message.link),
        unsubscribe_kind_url: format!("{web}/unsubscribe?token={unsubscribe_token}&kind={kind}"),
        unsubscribe_all_url: format!("{web}/unsubscribe?token={unsubscribe_token}"),
        preferences_url: format!("{web}/notifications/settings"),
    };
    let render = |r: Result<String, askama::Error>| r.map_err(AppError::internal);
    Ok(Email {
        to: to.to_string(),
        subject: message.title.clone(),
        text: render(TextBody { fields: &fields }.render())?,
        html: render(HtmlBody { fields: &fields }.render())?,
        one_click_url: format!("{web}/api/v1/notifications/unsubscribe?token={unsubscribe_token}&kind={kind}"),
    })
}

/// The email as a multipart/alternative MIME message from `from`.
pub fn mime(email: &Email, from_name: &str, from_address: &str) -> Result<Vec<u8>, AppError> {
    MessageBuilder::new()
        .from((from_name, from_address))
        .to(email.to.as_str())
        .subject(email.subject.as_str())
        .header("List-Unsubscribe", URL::new(email.one_click_url.as_str()))
        .header("List-Unsubscribe-Post", Raw::new("List-Unsubscribe=One-Click"))
        .text_body(email.text.as_str())
        .html_body(email.html.as_str())
        .write_to_vec()
        .map_err(AppError::internal)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message() -> Message {
        Message {
            business_id: "b".into(),
            kind: Kind::SettlementProcessed,
            title: "Settlement paid".into(),
            body: "Cafe <A> & Co paid Book Shop $0.50.".into(),
            link: "/partnerships/p1/settlements/2026-12-01".into(),
        }
    }

    #[test]
    fn both_bodies_carry_the_message_its_link_and_the_unsubscribe_links() {
        let e = compose(&message(), "Book Shop", "ana@example.com", "https://app.example/", "tok").unwrap();
        assert_eq!(e.subject, "Settlement paid");
        assert!(e.text.contains("Cafe <A> & Co paid Book Shop $0.50."), "{}", e.text);
        assert!(e.text.contains("Open it: https://app.example/partnerships/p1/settlements/2026-12-01"));
        assert!(e.text.contains("https://app.example/unsubscribe?token=tok&kind=SETTLEMENT_PROCESSED"));
        assert!(e.text.contains("Stop all Partner Network emails: https://app.example/unsubscribe?token=tok\n"));
        assert!(e.text.contains("as a member of Book Shop"));
        // The HTML body escapes what businesses typed.
        assert!(
            e.html.contains("Cafe &#60;A&#62; &#38; Co paid") || e.html.contains("Cafe &lt;A&gt; &amp; Co paid"),
            "{}",
            e.html
        );
        assert!(!e.html.contains("<A>"));
        assert_eq!(
            e.one_click_url,
            "https://app.example/api/v1/notifications/unsubscribe?token=tok&kind=SETTLEMENT_PROCESSED"
        );
    }

    #[test]
    fn the_mime_message_has_both_parts_and_the_one_click_headers() {
        let e = compose(&message(), "Book Shop", "ana@example.com", "https://app.example", "tok").unwrap();
        let raw = String::from_utf8(mime(&e, "Partner Network", "notify@partner.example").unwrap()).unwrap();
        assert!(raw.contains("From: \"Partner Network\" <notify@partner.example>"), "{raw}");
        assert!(raw.contains("To: <ana@example.com>") || raw.contains("To: ana@example.com"), "{raw}");
        assert!(raw.contains("List-Unsubscribe: <https://app.example/api/v1/notifications/unsubscribe?token=tok&kind=SETTLEMENT_PROCESSED>"), "{raw}");
        assert!(raw.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"));
        assert!(raw.contains("multipart/alternative"));
        assert!(raw.contains("text/plain") && raw.contains("text/html"));
    }
}
