//! The emails moto's SES was given, read back from moto's model data
//! (`/moto-api/data.json`, `ses.RawMessage`) and parsed as MIME, so a test
//! checks what a recipient's mail client would show. moto keeps every
//! test's mail in one list: filter by recipient.

use mail_parser::MessageParser;
use serde_json::Value;

/// One sent email as its recipient would read it.
#[derive(Debug, Clone)]
pub struct Sent {
    pub to: Vec<String>,
    pub from: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    pub list_unsubscribe: String,
    pub list_unsubscribe_post: String,
}

fn moto_base() -> String {
    std::env::var("AWS_ENDPOINT_URL_SESV2")
        .or_else(|_| std::env::var("AWS_ENDPOINT_URL_SQS"))
        .expect("moto's endpoint is set (make test sets AWS_ENDPOINT_URL_SESV2)")
}

fn header(message: &mail_parser::Message<'_>, name: &str) -> String {
    message.header_raw(name).map(|v| v.trim().to_string()).unwrap_or_default()
}

/// Every email sent to `address` so far, oldest first.
pub async fn sent_to(address: &str) -> Vec<Sent> {
    let url = format!("{}/moto-api/data.json", moto_base().trim_end_matches('/'));
    // moto builds this page from dictionaries other requests are writing
    // to; under load it now and then answers an error page instead.
    let mut data = Value::Null;
    for attempt in 1..=10 {
        match reqwest::get(&url).await.expect("moto answers").json::<Value>().await {
            Ok(d) => {
                data = d;
                break;
            }
            Err(e) if attempt == 10 => panic!("moto's data is not JSON after 10 reads: {e}"),
            Err(_) => tokio::time::sleep(std::time::Duration::from_millis(200)).await,
        }
    }
    let raw = data["ses"]["RawMessage"].as_array().cloned().unwrap_or_default();
    raw.iter()
        .filter(|m| m["destinations"].as_array().is_some_and(|d| d.iter().any(|x| x.as_str() == Some(address))))
        .map(|m| {
            let bytes = m["raw_data"].as_str().expect("raw_data").as_bytes().to_vec();
            let parsed = MessageParser::default().parse(&bytes).expect("a MIME message");
            Sent {
                to: m["destinations"].as_array().unwrap().iter().map(|x| x.as_str().unwrap().to_string()).collect(),
                from: header(&parsed, "From"),
                subject: parsed.subject().unwrap_or_default().to_string(),
                text: parsed.body_text(0).map(|t| t.to_string()).unwrap_or_default(),
                html: parsed.body_html(0).map(|t| t.to_string()).unwrap_or_default(),
                list_unsubscribe: header(&parsed, "List-Unsubscribe"),
                list_unsubscribe_post: header(&parsed, "List-Unsubscribe-Post"),
            }
        })
        .collect()
}

/// The subjects of every email sent to `address`, oldest first.
pub async fn subjects(address: &str) -> Vec<String> {
    sent_to(address).await.into_iter().map(|m| m.subject).collect()
}
