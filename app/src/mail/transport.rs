//! (ssr) Sending one message through the configured service: a pooled SMTP connection (lettre)
//! or AWS SES v2. Errors come back as the remote server's own words.

use super::config::{MailerConfig, SesConfig, SmtpConfig, Transport};
use super::SmtpSecurity;
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::transport::smtp::PoolConfig;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::ExposeSecret;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Each SMTP command, and an SES call as a whole, gives up after this long.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(15);
/// A whole send (connect, TLS, auth, data) never takes longer than this.
pub const SEND_TIMEOUT: Duration = Duration::from_secs(30);

/// One email, ready to go.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutgoingEmail {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// A connected (or connectable) mail service.
#[derive(Clone)]
pub enum Mailer {
    Smtp {
        transport: AsyncSmtpTransport<Tokio1Executor>,
        from: Mailbox,
    },
    Ses {
        client: aws_sdk_sesv2::Client,
        from: Mailbox,
    },
}

impl Mailer {
    pub fn new(config: &MailerConfig) -> Result<Mailer, String> {
        let name = (!config.sender.name.is_empty()).then(|| config.sender.name.clone());
        let address = config
            .sender
            .address
            .as_str()
            .parse()
            .map_err(|e| format!("sender address: {e}"))?;
        let from = Mailbox::new(name, address);
        Ok(match &config.transport {
            Transport::Smtp(smtp) => Mailer::Smtp {
                transport: smtp_transport(smtp)?,
                from,
            },
            Transport::Ses(ses) => Mailer::Ses {
                client: ses_client(ses),
                from,
            },
        })
    }

    /// Sends one email. The error is what the server (or the network) said.
    pub async fn send(&self, email: &OutgoingEmail) -> Result<(), String> {
        self.send_as(email, None).await
    }

    /// [`Mailer::send`] with this `Message-ID` (`<…@…>`) instead of a fresh one.
    pub async fn send_as(&self, email: &OutgoingEmail, message_id: Option<&str>) -> Result<(), String> {
        match tokio::time::timeout(SEND_TIMEOUT, self.send_inner(email, message_id)).await {
            Ok(result) => result,
            Err(_) => Err(format!(
                "no answer from the mail service within {} seconds",
                SEND_TIMEOUT.as_secs()
            )),
        }
    }

    /// The domain of the sender address, for the right-hand side of message ids.
    pub fn sender_domain(&self) -> String {
        self.from().email.domain().to_string()
    }

    fn from(&self) -> &Mailbox {
        match self {
            Mailer::Smtp { from, .. } | Mailer::Ses { from, .. } => from,
        }
    }

    async fn send_inner(&self, email: &OutgoingEmail, message_id: Option<&str>) -> Result<(), String> {
        let message = build_message(self.from().clone(), email, message_id)?;
        match self {
            Mailer::Smtp { transport, .. } => transport.send(message).await.map(|_| ()).map_err(smtp_error_text),
            Mailer::Ses { client, from } => {
                use aws_sdk_sesv2::primitives::Blob;
                use aws_sdk_sesv2::types::{Destination, EmailContent, RawMessage};
                let raw = RawMessage::builder()
                    .data(Blob::new(message.formatted()))
                    .build()
                    .map_err(|e| e.to_string())?;
                client
                    .send_email()
                    .from_email_address(from.email.to_string())
                    .destination(Destination::builder().to_addresses(email.to.clone()).build())
                    .content(EmailContent::builder().raw(raw).build())
                    .send()
                    .await
                    .map(|_| ())
                    .map_err(ses_error_text)
            }
        }
    }
}

fn build_message(from: Mailbox, email: &OutgoingEmail, message_id: Option<&str>) -> Result<Message, String> {
    let to: Mailbox = email.to.parse().map_err(|e| format!("recipient address: {e}"))?;
    Message::builder()
        .message_id(message_id.map(str::to_string))
        .from(from)
        .to(to)
        .subject(email.subject.clone())
        .multipart(MultiPart::alternative_plain_html(
            email.text.clone(),
            email.html.clone(),
        ))
        .map_err(|e| e.to_string())
}

fn smtp_transport(smtp: &SmtpConfig) -> Result<AsyncSmtpTransport<Tokio1Executor>, String> {
    let tls = || TlsParameters::new(smtp.host.clone()).map_err(|e| format!("TLS setup: {e}"));
    let tls = match smtp.security {
        SmtpSecurity::ImplicitTls => Tls::Wrapper(tls()?),
        SmtpSecurity::StartTls => Tls::Required(tls()?),
        SmtpSecurity::None => Tls::None,
    };
    let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(smtp.host.clone())
        .port(smtp.port)
        .tls(tls)
        .timeout(Some(COMMAND_TIMEOUT))
        // A batch of invitations shares a few connections instead of opening one per email.
        .pool_config(PoolConfig::new().max_size(4).idle_timeout(Duration::from_secs(60)));
    if !smtp.username.is_empty() {
        builder = builder.credentials(Credentials::new(
            smtp.username.clone(),
            smtp.password.expose_secret().to_string(),
        ));
    }
    Ok(builder.build())
}

fn ses_client(ses: &SesConfig) -> aws_sdk_sesv2::Client {
    use aws_sdk_sesv2::config::{BehaviorVersion, Credentials, Region};
    let credentials = Credentials::new(
        ses.access_key.clone(),
        ses.secret_key.expose_secret().to_string(),
        None,
        None,
        "roster",
    );
    let timeouts = aws_sdk_sesv2::config::timeout::TimeoutConfig::builder()
        .operation_timeout(COMMAND_TIMEOUT)
        .connect_timeout(Duration::from_secs(10))
        .build();
    let mut config = aws_sdk_sesv2::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(ses.region.clone()))
        .credentials_provider(credentials)
        .timeout_config(timeouts);
    if let Some(endpoint) = &ses.endpoint_url {
        config = config.endpoint_url(endpoint);
    }
    aws_sdk_sesv2::Client::from_conf(config.build())
}

/// lettre's error with its sources: "Connection refused", "invalid credentials (535 …)", TLS
/// failures. The chain holds the useful part.
fn smtp_error_text(error: lettre::transport::smtp::Error) -> String {
    error_chain(&error)
}

fn ses_error_text<E, R>(error: aws_sdk_sesv2::error::SdkError<E, R>) -> String
where
    E: std::error::Error + aws_sdk_sesv2::error::ProvideErrorMetadata + 'static,
    R: std::fmt::Debug,
{
    use aws_sdk_sesv2::error::SdkError;
    match &error {
        SdkError::ServiceError(service) => {
            let err = service.err();
            match (err.code(), err.message()) {
                (Some(code), Some(message)) => format!("{code}: {message}"),
                _ => error_chain(err),
            }
        }
        _ => error_chain(&error),
    }
}

fn error_chain(error: &dyn std::error::Error) -> String {
    let mut parts = vec![error.to_string()];
    let mut source = error.source();
    while let Some(inner) = source {
        let text = inner.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = inner.source();
    }
    parts.join(": ")
}

/// The mailer built from the saved configuration, rebuilt only when the configuration changes,
/// so the SMTP pool survives between worker rounds.
#[derive(Clone, Default)]
pub struct MailerCache {
    inner: Arc<Mutex<Option<(String, Mailer)>>>,
}

impl MailerCache {
    /// The mailer for the saved configuration identified by `version` (any text that changes
    /// whenever the configuration does), building it if needed.
    pub fn get_or_build(
        &self,
        version: &str,
        config: impl FnOnce() -> Result<MailerConfig, String>,
    ) -> Result<Mailer, String> {
        let mut slot = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((cached, mailer)) = slot.as_ref() {
            if cached == version {
                return Ok(mailer.clone());
            }
        }
        let mailer = Mailer::new(&config()?)?;
        *slot = Some((version.to_string(), mailer.clone()));
        Ok(mailer)
    }
}

impl std::fmt::Debug for MailerCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MailerCache")
    }
}
