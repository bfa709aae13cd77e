//! (ssr) A delivery's words: the text Slack and email get, rendered from the webhook body at
//! send time with the organisation name ("Client:") and the console URL as they are then.

use crate::mail::transport::OutgoingEmail;
use askama::Template;
use serde_json::Value;

/// The message's parts, as plain text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    /// `[Roster] Trigger: …`, the first line and the email's subject.
    pub heading: String,
    pub kind: String,
    pub sentence: String,
    pub trigger: String,
    pub client: String,
    pub console: String,
}

/// "Name <email>", or the name alone.
fn who(person: &Value) -> String {
    let name = person["name"].as_str().unwrap_or_default();
    match person["email"].as_str().filter(|e| !e.is_empty()) {
        Some(email) if name.is_empty() => format!("<{email}>"),
        Some(email) => format!("{name} <{email}>"),
        None if name == crate::recovery::break_glass::OPERATOR => "the command line (roster admin)".into(),
        None if name.is_empty() => "someone".into(),
        None => name.to_string(),
    }
}

pub fn render(body: &Value, client: &str, console: &str) -> Message {
    let kind = body["type"].as_str().unwrap_or_default();
    let target = who(&body["target"]);
    let actor = who(&body["actor"]);
    let role = body["target"]["role"].as_str().unwrap_or("unknown");
    let details = &body["data"]["details"];
    let (title, sentence) = match kind {
        "create_user" => (
            "New user was added to the company account",
            format!("A new user {target} with the role {role} was added to the company account by {actor}."),
        ),
        "change_user_role" => (
            "A user's role was changed",
            format!(
                "The role of {target} was changed from {} to {} by {actor}.",
                details["before"]["role"].as_str().unwrap_or("unknown"),
                details["after"]["role"].as_str().unwrap_or("unknown"),
            ),
        ),
        "disable_user" => (
            "A user was disabled",
            format!("The user {target} with the role {role} was disabled by {actor}."),
        ),
        "delete_user" => (
            "A user was deleted",
            format!("The user {target} with the role {role} was deleted by {actor}."),
        ),
        "disable_two_factor" => (
            "Two-factor authentication was turned off",
            format!("Two-factor authentication of {target} was turned off by {actor}."),
        ),
        "lock_sign_in" => (
            "Sign-in to an account was locked",
            format!(
                "Sign-in to {target} was locked after too many failed attempts, the last from {}.",
                body["actor"]["ip"]
                    .as_str()
                    .filter(|ip| !ip.is_empty())
                    .unwrap_or("an unknown address")
            ),
        ),
        "test" => (
            "Test notification",
            "This is a test notification from Roster. The integration works.".into(),
        ),
        _ => ("Activity", format!("{actor} acted on {target}.")),
    };
    Message {
        heading: format!("[Roster] Trigger: {title}"),
        kind: kind.to_string(),
        sentence,
        trigger: body["trigger"]["name"].as_str().unwrap_or_default().to_string(),
        client: client.to_string(),
        console: console.to_string(),
    }
}

impl Message {
    /// The plain text, as in the issue's example.
    pub fn text(&self) -> String {
        format!(
            "{}\n\nNotification type: {}\n\n{}\nThis notification was triggered by the \"{}\" trigger.\n\nClient: {}\nConsole: {}",
            self.heading, self.kind, self.sentence, self.trigger, self.client, self.console
        )
    }

    /// Slack's `text`: the same words with `&`, `<` and `>` escaped, so a name can never
    /// become a link or a mention.
    pub fn slack_text(&self) -> String {
        slack_escape(&self.text())
    }

    pub fn email(&self, to: &str) -> OutgoingEmail {
        OutgoingEmail {
            to: to.to_string(),
            subject: self.heading.clone(),
            text: TriggerText { m: self }.render().expect("a mail template renders"),
            html: TriggerHtml { m: self }.render().expect("a mail template renders"),
        }
    }
}

pub fn slack_escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

#[derive(Template)]
#[template(path = "mail/trigger.txt")]
struct TriggerText<'a> {
    m: &'a Message,
}

#[derive(Template)]
#[template(path = "mail/trigger.html")]
struct TriggerHtml<'a> {
    m: &'a Message,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn added() -> Value {
        json!({
            "id": "evt_1", "type": "create_user", "occurred_at": 0,
            "actor": { "id": 1, "name": "John Doe", "email": "johndoe@example.com" },
            "target": { "id": 2, "name": "John Smith", "email": "johnsmith@example.com", "role": "Analyst" },
            "data": {}, "trigger": { "id": 1, "name": "Added user" },
        })
    }

    #[test]
    fn the_issues_example_word_for_word() {
        let m = render(&added(), "TestCompany", "https://roster.example.com");
        assert_eq!(
            m.text(),
            "[Roster] Trigger: New user was added to the company account\n\n\
             Notification type: create_user\n\n\
             A new user John Smith <johnsmith@example.com> with the role Analyst was added to the company account by John Doe <johndoe@example.com>.\n\
             This notification was triggered by the \"Added user\" trigger.\n\n\
             Client: TestCompany\n\
             Console: https://roster.example.com"
        );
        let mail = m.email("ops@example.com");
        assert_eq!(mail.text.trim_end(), m.text());
        assert!(mail.html.contains("John Smith &lt;johnsmith@example.com&gt;"));
    }

    #[test]
    fn slack_text_escapes_names() {
        let mut body = added();
        body["target"]["name"] = json!("<!channel> & Co");
        let text = render(&body, "T", "C").slack_text();
        assert!(
            text.contains("A new user &lt;!channel&gt; &amp; Co &lt;johnsmith@example.com&gt;"),
            "{text}"
        );
        assert!(!text.contains('<'));
    }
}
