//! Sending an email through Amazon SES v2: the raw MIME message (so our
//! unsubscribe headers reach the recipient's mail client as written), from
//! the verified sender, under the configuration set that records bounces
//! and complaints. Locally moto's SES answers.

use aws_sdk_sesv2::primitives::Blob;
use aws_sdk_sesv2::types::{Destination, EmailContent, RawMessage};

use super::email::{self, Email};
use crate::platform::error::AppError;

pub struct SesMailer {
    client: aws_sdk_sesv2::Client,
    from_name: String,
    from_address: String,
    configuration_set: Option<String>,
}

impl SesMailer {
    pub fn new(
        client: aws_sdk_sesv2::Client,
        from_name: impl Into<String>,
        from_address: impl Into<String>,
        configuration_set: Option<String>,
    ) -> Self {
        Self { client, from_name: from_name.into(), from_address: from_address.into(), configuration_set }
    }

    /// The mailer the settings describe (`EMAIL_FROM`, `EMAIL_FROM_NAME`,
    /// `SES_CONFIGURATION_SET`); `None` where email is off.
    pub fn from_settings(settings: &crate::platform::config::Settings, sdk: &aws_config::SdkConfig) -> Option<Self> {
        let email = settings.email.as_ref()?;
        Some(Self::new(
            crate::platform::aws::sesv2(sdk),
            email.from_name.clone(),
            email.from_address.clone(),
            email.configuration_set.clone(),
        ))
    }

    /// Sends one email; the provider's message id.
    pub async fn send(&self, email: &Email) -> Result<String, AppError> {
        let raw = email::mime(email, &self.from_name, &self.from_address)?;
        let content = EmailContent::builder()
            .raw(RawMessage::builder().data(Blob::new(raw)).build().map_err(AppError::internal)?);
        let sent = self
            .client
            .send_email()
            .from_email_address(&self.from_address)
            .destination(Destination::builder().to_addresses(&email.to).build())
            .content(content.build())
            .set_configuration_set_name(self.configuration_set.clone())
            .send()
            .await
            .map_err(|e| {
                AppError::internal(format!("SES SendEmail: {}", aws_sdk_sesv2::error::DisplayErrorContext(e)))
            })?;
        Ok(sent.message_id.unwrap_or_default())
    }
}
