//! (ssr) Security notices to one account's owner: something changed in how they sign in (2FA
//! turned on or off, new recovery codes, a recovery code used, the password changed, a
//! password-reset link). One template serves them all: what happened, when, from where, what
//! to do if it was not them, and an optional link.

use super::templates::{greeting, render};
use super::transport::OutgoingEmail;
use crate::ui::format_utc;
use askama::Template;

pub struct SecurityNotice<'a> {
    pub to: &'a str,
    pub first_name: &'a str,
    pub subject: &'a str,
    /// One sentence: what happened.
    pub what: &'a str,
    pub at: i64,
    pub ip: &'a str,
    pub user_agent: &'a str,
    pub link_label: &'a str,
    /// Empty for none.
    pub link: &'a str,
    pub advice: &'a str,
}

impl<'a> SecurityNotice<'a> {
    /// A notice about something done by the request `meta` describes, with no link and the
    /// usual advice ([`IF_NOT_YOU`]); set `link`, `link_label` or `advice` with `..` to change them.
    pub fn from_request(
        to: &'a str,
        first_name: &'a str,
        subject: &'a str,
        what: &'a str,
        at: i64,
        meta: &'a crate::context::RequestMeta,
    ) -> Self {
        SecurityNotice {
            to,
            first_name,
            subject,
            what,
            at,
            ip: &meta.ip,
            user_agent: &meta.user_agent,
            link_label: "",
            link: "",
            advice: IF_NOT_YOU,
        }
    }
}

/// What to do when a change to the account was not its owner's doing.
pub const IF_NOT_YOU: &str =
    "If this was not you, reset your password now and tell an administrator: someone may have your password.";

struct Values<'a> {
    greeting: String,
    what: &'a str,
    at: String,
    ip: &'a str,
    user_agent: &'a str,
    link_label: &'a str,
    link: &'a str,
    advice: &'a str,
}

#[derive(Template)]
#[template(path = "mail/security_notice.txt")]
struct Text<'a> {
    m: &'a Values<'a>,
}

#[derive(Template)]
#[template(path = "mail/security_notice.html")]
struct Html<'a> {
    m: &'a Values<'a>,
}

pub fn security_notice(notice: &SecurityNotice<'_>) -> OutgoingEmail {
    let ip = if notice.ip.is_empty() {
        "an unknown address"
    } else {
        notice.ip
    };
    let user_agent = if notice.user_agent.is_empty() {
        "unknown browser"
    } else {
        notice.user_agent
    };
    let m = Values {
        greeting: greeting(notice.first_name),
        what: notice.what,
        at: format_utc(notice.at),
        ip,
        user_agent,
        link_label: notice.link_label,
        link: notice.link,
        advice: notice.advice,
    };
    OutgoingEmail {
        to: notice.to.to_string(),
        subject: notice.subject.to_string(),
        text: render(Text { m: &m }),
        html: render(Html { m: &m }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_notice_says_what_when_and_from_where_and_escapes_html() {
        let mail = security_notice(&SecurityNotice {
            to: "ada@example.com",
            first_name: "Ada <b>",
            subject: "Two-factor authentication was turned on",
            what: "Two-factor authentication was turned on for your Roster account.",
            at: 1_795_383_120,
            ip: "203.0.113.9",
            user_agent: "Firefox",
            link_label: "",
            link: "",
            advice: IF_NOT_YOU,
        });
        assert!(mail.text.contains("Hello Ada <b>,"));
        assert!(mail.text.contains("When: 2026-11-22 21:32 UTC"));
        assert!(mail.text.contains("From: 203.0.113.9 (Firefox)"));
        assert!(!mail.text.contains("http"));
        assert!(mail.html.contains("Hello Ada &lt;b&gt;,"));
        assert!(mail.text.ends_with(&format!("{IF_NOT_YOU}\n")));
    }
}
