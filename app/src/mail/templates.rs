//! (ssr) The emails Roster sends, each as plain text and HTML. Every value put into HTML is
//! escaped: names are user input.

use super::transport::OutgoingEmail;
use crate::ui::format_utc;

/// The invitation: who invites, the role, the link and when it stops working.
pub struct Invitation<'a> {
    pub to: &'a str,
    pub inviter: &'a str,
    pub role: &'a str,
    pub link: &'a str,
    pub expires_at: i64,
    pub first_name: &'a str,
}

pub fn invitation(invite: &Invitation<'_>) -> OutgoingEmail {
    let greeting = greeting(invite.first_name);
    let expires = format_utc(invite.expires_at);
    let text = format!(
        "{greeting}\n\n{inviter} invited you to Roster as {role}.\n\n\
         Create your account here:\n{link}\n\n\
         The link works once and expires on {expires}. If it has expired, ask {inviter} for a new invitation.\n\n\
         If you did not expect this invitation, you can ignore this email.\n",
        inviter = invite.inviter,
        role = invite.role,
        link = invite.link,
    );
    let html = layout(&format!(
        "<p>{greeting}</p>\
         <p><strong>{inviter}</strong> invited you to Roster as <strong>{role}</strong>.</p>\
         <p><a href=\"{link}\" style=\"{BUTTON}\">Create your account</a></p>\
         <p>Or paste this link into your browser:<br><a href=\"{link}\">{link}</a></p>\
         <p>The link works once and expires on <strong>{expires}</strong>. If it has expired, ask {inviter} \
         for a new invitation.</p>\
         <p style=\"color:#6b7280\">If you did not expect this invitation, you can ignore this email.</p>",
        greeting = escape(&greeting),
        inviter = escape(invite.inviter),
        role = escape(invite.role),
        link = escape(invite.link),
    ));
    OutgoingEmail {
        to: invite.to.to_string(),
        subject: format!("{} invited you to Roster", invite.inviter),
        text,
        html,
    }
}

/// Sent after signup: the account exists and where to sign in.
pub struct AccountReady<'a> {
    pub to: &'a str,
    pub first_name: &'a str,
    pub role: &'a str,
    pub console_url: &'a str,
}

pub fn account_ready(ready: &AccountReady<'_>) -> OutgoingEmail {
    let greeting = greeting(ready.first_name);
    let text = format!(
        "{greeting}\n\nYour Roster account is ready. You can sign in as {to} ({role}) at:\n{url}\n\n\
         If you did not create this account, tell your administrator.\n",
        to = ready.to,
        role = ready.role,
        url = ready.console_url,
    );
    let html = layout(&format!(
        "<p>{greeting}</p><p>Your Roster account is ready. You can sign in as <strong>{to}</strong> ({role}).</p>\
         <p><a href=\"{url}\" style=\"{BUTTON}\">Open Roster</a></p><p><a href=\"{url}\">{url}</a></p>\
         <p style=\"color:#6b7280\">If you did not create this account, tell your administrator.</p>",
        greeting = escape(&greeting),
        to = escape(ready.to),
        role = escape(ready.role),
        url = escape(ready.console_url),
    ));
    OutgoingEmail {
        to: ready.to.to_string(),
        subject: "Your Roster account is ready".into(),
        text,
        html,
    }
}

/// To every Global Administrator when the email configuration changes, sent through the
/// configuration as it was before: whoever redirected the mail cannot also swallow this.
pub struct MailerChanged<'a> {
    pub to: &'a str,
    pub actor: &'a str,
    pub actor_email: &'a str,
    pub ip: &'a str,
    pub user_agent: &'a str,
    pub at: i64,
    pub before: &'a str,
    pub after: &'a str,
}

pub fn mailer_changed(change: &MailerChanged<'_>) -> OutgoingEmail {
    let at = format_utc(change.at);
    let from = if change.ip.is_empty() {
        "an unknown address"
    } else {
        change.ip
    };
    let text = format!(
        "Hello,\n\n{actor} <{email}> changed Roster's email configuration on {at}, from {from} ({agent}).\n\n\
         Email went through: {before}\nEmail now goes through: {after}\n\n\
         Invitation links travel through this mail server. If you did not expect this change, \
         check Settings → Email Configuration and the activity log now.\n",
        actor = change.actor,
        email = change.actor_email,
        agent = change.user_agent,
        before = change.before,
        after = change.after,
    );
    let html = layout(&format!(
        "<p>Hello,</p><p><strong>{actor}</strong> &lt;{email}&gt; changed Roster's email configuration on \
         <strong>{at}</strong>, from {from} ({agent}).</p>\
         <p>Email went through: <strong>{before}</strong><br>Email now goes through: <strong>{after}</strong></p>\
         <p>Invitation links travel through this mail server. If you did not expect this change, check \
         Settings → Email Configuration and the activity log now.</p>",
        actor = escape(change.actor),
        email = escape(change.actor_email),
        from = escape(from),
        agent = escape(change.user_agent),
        before = escape(change.before),
        after = escape(change.after),
    ));
    OutgoingEmail {
        to: change.to.to_string(),
        subject: format!("Roster's email configuration was changed by {}", change.actor),
        text,
        html,
    }
}

/// The message "Send test email" sends.
pub fn test_message(to: &str, mailer: &str) -> OutgoingEmail {
    OutgoingEmail {
        to: to.to_string(),
        subject: "Roster test email".into(),
        text: format!("This is a test email from Roster, sent through {mailer}. Email delivery works.\n"),
        html: layout(&format!(
            "<p>This is a test email from Roster, sent through {}. Email delivery works.</p>",
            escape(mailer)
        )),
    }
}

const BUTTON: &str =
    "display:inline-block;padding:10px 18px;background:#1d4ed8;color:#ffffff;border-radius:6px;text-decoration:none";

fn greeting(first_name: &str) -> String {
    if first_name.trim().is_empty() {
        "Hello,".into()
    } else {
        format!("Hello {},", first_name.trim())
    }
}

fn layout(body: &str) -> String {
    format!(
        "<!DOCTYPE html><html><body style=\"font-family:system-ui,sans-serif;color:#111827;line-height:1.5\">\
         <div style=\"max-width:560px;margin:0 auto;padding:24px\">{body}</div></body></html>"
    )
}

pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invitation_carries_inviter_role_link_and_exact_expiry_and_escapes_html() {
        let email = invitation(&Invitation {
            to: "new@example.com",
            inviter: "Ada <script>",
            role: "Analyst",
            link: "https://roster.example.com/invite/abc",
            expires_at: 1_795_383_120,
            first_name: "Grace",
        });
        assert_eq!(email.subject, "Ada <script> invited you to Roster");
        for part in [&email.text, &email.html] {
            assert!(part.contains("Analyst"));
            assert!(part.contains("https://roster.example.com/invite/abc"));
            assert!(part.contains("2026-11-22 21:32 UTC"));
            assert!(part.contains("Hello Grace,"));
        }
        assert!(email.text.contains("Ada <script>"));
        assert!(email.html.contains("Ada &lt;script&gt;") && !email.html.contains("<script>"));
    }
}
