//! Real network peers for the email tests: an SMTP server (aiosmtpd, scripts/mail_sink.py) and
//! AWS SES v2 (moto), run as child processes from the venv that scripts/setup.sh makes.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

fn python() -> PathBuf {
    let python = repo_root().join(".tools/python/bin/python");
    assert!(
        python.exists(),
        "the test peers are missing: run scripts/setup.sh --for-tests (it installs aiosmtpd and moto into .tools/python)"
    );
    python
}

/// A port nothing listens on right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn wait_until_listening(port: u16, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_err() {
        assert!(
            Instant::now() < deadline,
            "{what} did not start listening on port {port}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn stop(child: &mut Option<Child>) {
    if let Some(mut child) = child.take() {
        let _ = child.kill();
        let _ = child.wait();
    }
}

/// One received email, decoded.
#[derive(Clone, Debug)]
pub struct ReceivedEmail {
    pub to: String,
    pub from: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    pub message_id: String,
}

impl ReceivedEmail {
    pub fn parse(raw: &[u8]) -> ReceivedEmail {
        let message = mail_parser::MessageParser::default()
            .parse(raw)
            .expect("a parseable email");
        let address = |a: Option<&mail_parser::Address>| {
            a.and_then(|a| a.first())
                .and_then(|a| a.address())
                .unwrap_or_default()
                .to_string()
        };
        ReceivedEmail {
            to: address(message.to()),
            from: address(message.from()),
            subject: message.subject().unwrap_or_default().to_string(),
            text: message.body_text(0).unwrap_or_default().to_string(),
            html: message.body_html(0).unwrap_or_default().to_string(),
            message_id: message.message_id().unwrap_or_default().to_string(),
        }
    }

    /// The first link into Roster's invite page.
    pub fn invite_link(&self) -> String {
        let start = self.text.find("http").expect("a link in the email");
        self.text[start..].split_whitespace().next().unwrap().to_string()
    }
}

/// aiosmtpd on a port of its own; can be stopped and started again on the same port.
pub struct MailSink {
    pub port: u16,
    pub dir: PathBuf,
    child: Option<Child>,
}

impl MailSink {
    pub async fn start() -> MailSink {
        let dir = std::env::temp_dir().join(format!("roster_mail_{}", free_port()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let mut sink = MailSink {
            port: free_port(),
            dir,
            child: None,
        };
        sink.resume().await;
        sink
    }

    /// The server goes away: connections are refused until [`MailSink::resume`].
    pub fn stop(&mut self) {
        stop(&mut self.child);
    }

    pub async fn resume(&mut self) {
        let script = repo_root().join("scripts/mail_sink.py");
        let child = Command::new(python())
            .arg(script)
            .arg(self.port.to_string())
            .arg(&self.dir)
            .stdout(Stdio::null())
            .spawn()
            .expect("start the mail sink");
        self.child = Some(child);
        wait_until_listening(self.port, "the mail sink").await;
    }

    pub fn messages(&self) -> Vec<ReceivedEmail> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(&self.dir)
            .unwrap()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "eml"))
            .collect();
        files.sort();
        files
            .iter()
            .map(|f| ReceivedEmail::parse(&std::fs::read(f).unwrap()))
            .collect()
    }

    /// Waits until at least `n` messages arrived (fails after 60 s) and returns them all.
    pub async fn wait_for(&self, n: usize) -> Vec<ReceivedEmail> {
        wait_for_messages(n, || self.messages()).await
    }

    /// Waits until a message to `to` with `subject` arrived (fails after 60 s) and returns it.
    /// Other mail may arrive before or after it in any order.
    pub async fn wait_for_subject(&self, to: &str, subject: &str) -> ReceivedEmail {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let messages = self.messages();
            if let Some(found) = messages.iter().find(|m| m.to == to && m.subject == subject) {
                return found.clone();
            }
            assert!(
                Instant::now() < deadline,
                "no email to {to} with subject {subject:?}; got {:?}",
                messages.iter().map(|m| &m.subject).collect::<Vec<_>>()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Form fields that configure Roster to send through this server.
    pub fn settings_form(&self) -> Vec<(&'static str, String)> {
        vec![
            ("kind", "smtp".into()),
            ("host", "127.0.0.1".into()),
            ("port", self.port.to_string()),
            ("security", "none".into()),
            ("sender_address", "roster@example.com".into()),
            ("sender_name", "Roster".into()),
        ]
    }
}

impl Drop for MailSink {
    fn drop(&mut self) {
        stop(&mut self.child);
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

async fn wait_for_messages(n: usize, read: impl Fn() -> Vec<ReceivedEmail>) -> Vec<ReceivedEmail> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let messages = read();
        if messages.len() >= n {
            return messages;
        }
        assert!(
            Instant::now() < deadline,
            "expected {n} emails, got {}: {:?}",
            messages.len(),
            messages.iter().map(|m| &m.subject).collect::<Vec<_>>()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// moto's SES v2, with the sender identity verified as real SES requires.
pub struct MotoSes {
    pub port: u16,
    child: Option<Child>,
}

pub const SES_SENDER: &str = "roster@example.com";
pub const SES_ACCESS_KEY: &str = "AKIAIOSFODNN7EXAMPLE";
pub const SES_SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

impl MotoSes {
    pub async fn start() -> MotoSes {
        let port = free_port();
        let child = Command::new(python())
            .args(["-m", "moto.server", "-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start moto");
        let moto = MotoSes {
            port,
            child: Some(child),
        };
        wait_until_listening(port, "moto").await;
        moto.client()
            .create_email_identity()
            .email_identity(SES_SENDER)
            .send()
            .await
            .expect("verify the sender identity in moto");
        moto
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn client(&self) -> aws_sdk_sesv2::Client {
        use aws_sdk_sesv2::config::{BehaviorVersion, Credentials, Region};
        let config = aws_sdk_sesv2::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("eu-west-1"))
            .credentials_provider(Credentials::new(SES_ACCESS_KEY, SES_SECRET, None, None, "test"))
            .endpoint_url(self.endpoint())
            .build();
        aws_sdk_sesv2::Client::from_conf(config)
    }

    pub fn settings_form(&self) -> Vec<(&'static str, String)> {
        vec![
            ("kind", "aws_ses".into()),
            ("sender_address", SES_SENDER.into()),
            ("aws_region", "eu-west-1".into()),
            ("aws_access_key", SES_ACCESS_KEY.into()),
            ("secret", SES_SECRET.into()),
            ("endpoint_url", self.endpoint()),
        ]
    }

    /// The raw messages moto accepted, decoded.
    pub async fn messages(&self) -> Vec<ReceivedEmail> {
        let body = http_get(self.port, "/moto-api/data.json").await;
        let data: serde_json::Value = serde_json::from_str(&body).expect("moto state is JSON");
        data["ses"]["RawMessage"]
            .as_array()
            .map(|list| {
                list.iter()
                    .filter_map(|m| m["raw_data"].as_str())
                    .map(|raw| ReceivedEmail::parse(raw.as_bytes()))
                    .collect()
            })
            .unwrap_or_default()
    }

    pub async fn wait_for(&self, n: usize) -> Vec<ReceivedEmail> {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let messages = self.messages().await;
            if messages.len() >= n {
                return messages;
            }
            assert!(
                Instant::now() < deadline,
                "expected {n} SES messages, got {}",
                messages.len()
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

impl Drop for MotoSes {
    fn drop(&mut self) {
        stop(&mut self.child);
    }
}

/// A minimal HTTP/1.0 GET over loopback.
async fn http_get(port: u16, path: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    stream
        .write_all(format!("GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").as_bytes())
        .await
        .unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.unwrap();
    let response = String::from_utf8_lossy(&response).into_owned();
    response
        .split_once("\r\n\r\n")
        .map(|(_, body)| body.to_string())
        .unwrap_or_default()
}
