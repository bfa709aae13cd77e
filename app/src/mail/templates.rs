//! (ssr) The emails Roster sends, each as plain text and HTML from one set of templates
//! (app/templates/mail): `<mail>.txt` and `<mail>.html` render the same values. HTML templates
//! escape every value (names are user input); text templates escape nothing.

use super::transport::OutgoingEmail;
use crate::ui::format_utc;
use askama::Template;

/// The invitation: who invites, the role, the link and when it stops working.
pub struct Invitation<'a> {
    pub to: &'a str,
    pub inviter: &'a str,
    pub role: &'a str,
    pub link: &'a str,
    pub expires_at: i64,
    pub first_name: &'a str,
}

struct InvitationValues<'a> {
    greeting: String,
    inviter: &'a str,
    role: &'a str,
    link: &'a str,
    expires: String,
}

#[derive(Template)]
#[template(path = "mail/invitation.txt")]
struct InvitationText<'a> {
    m: &'a InvitationValues<'a>,
}

#[derive(Template)]
#[template(path = "mail/invitation.html")]
struct InvitationHtml<'a> {
    m: &'a InvitationValues<'a>,
}

pub fn invitation(invite: &Invitation<'_>) -> OutgoingEmail {
    let m = InvitationValues {
        greeting: greeting(invite.first_name),
        inviter: invite.inviter,
        role: invite.role,
        link: invite.link,
        expires: format_utc(invite.expires_at),
    };
    OutgoingEmail {
        to: invite.to.to_string(),
        subject: format!("{} invited you to Roster", invite.inviter),
        text: render(InvitationText { m: &m }),
        html: render(InvitationHtml { m: &m }),
    }
}

/// Sent after signup: the account exists and where to sign in.
pub struct AccountReady<'a> {
    pub to: &'a str,
    pub first_name: &'a str,
    pub role: &'a str,
    pub console_url: &'a str,
}

struct AccountReadyValues<'a> {
    greeting: String,
    to: &'a str,
    role: &'a str,
    console_url: &'a str,
}

#[derive(Template)]
#[template(path = "mail/account_ready.txt")]
struct AccountReadyText<'a> {
    m: &'a AccountReadyValues<'a>,
}

#[derive(Template)]
#[template(path = "mail/account_ready.html")]
struct AccountReadyHtml<'a> {
    m: &'a AccountReadyValues<'a>,
}

pub fn account_ready(ready: &AccountReady<'_>) -> OutgoingEmail {
    let m = AccountReadyValues {
        greeting: greeting(ready.first_name),
        to: ready.to,
        role: ready.role,
        console_url: ready.console_url,
    };
    OutgoingEmail {
        to: ready.to.to_string(),
        subject: "Your Roster account is ready".into(),
        text: render(AccountReadyText { m: &m }),
        html: render(AccountReadyHtml { m: &m }),
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

struct MailerChangedValues<'a> {
    actor: &'a str,
    actor_email: &'a str,
    at: String,
    from: &'a str,
    user_agent: &'a str,
    before: &'a str,
    after: &'a str,
}

#[derive(Template)]
#[template(path = "mail/mailer_changed.txt")]
struct MailerChangedText<'a> {
    m: &'a MailerChangedValues<'a>,
}

#[derive(Template)]
#[template(path = "mail/mailer_changed.html")]
struct MailerChangedHtml<'a> {
    m: &'a MailerChangedValues<'a>,
}

pub fn mailer_changed(change: &MailerChanged<'_>) -> OutgoingEmail {
    let m = MailerChangedValues {
        actor: change.actor,
        actor_email: change.actor_email,
        at: format_utc(change.at),
        from: if change.ip.is_empty() {
            "an unknown address"
        } else {
            change.ip
        },
        user_agent: change.user_agent,
        before: change.before,
        after: change.after,
    };
    OutgoingEmail {
        to: change.to.to_string(),
        subject: format!("Roster's email configuration was changed by {}", change.actor),
        text: render(MailerChangedText { m: &m }),
        html: render(MailerChangedHtml { m: &m }),
    }
}

#[derive(Template)]
#[template(path = "mail/test_message.txt")]
struct TestMessageText<'a> {
    mailer: &'a str,
}

#[derive(Template)]
#[template(path = "mail/test_message.html")]
struct TestMessageHtml<'a> {
    mailer: &'a str,
}

/// The message "Send test email" sends.
pub fn test_message(to: &str, mailer: &str) -> OutgoingEmail {
    OutgoingEmail {
        to: to.to_string(),
        subject: "Roster test email".into(),
        text: render(TestMessageText { mailer }),
        html: render(TestMessageHtml { mailer }),
    }
}

pub(super) fn greeting(first_name: &str) -> String {
    if first_name.trim().is_empty() {
        "Hello,".into()
    } else {
        format!("Hello {},", first_name.trim())
    }
}

pub(super) fn render(template: impl Template) -> String {
    // Rendering fails only if a value's `Display` does, and none of these values' can.
    template.render().expect("a mail template renders")
}

/// The HTML escaper of the mail templates (see askama.toml), and of a link put into a stored
/// HTML body at send time: `&amp; &lt; &gt; &quot; &#x27;`. askama's own escaper writes
/// numeric entities (`&#60;`); the mails have always used named ones.
#[derive(Clone, Copy)]
pub struct MailHtml;

impl askama::filters::Escaper for MailHtml {
    fn write_escaped_str<W: std::fmt::Write>(&self, mut dest: W, text: &str) -> std::fmt::Result {
        dest.write_str(&html_escape::encode_quoted_attribute(text))
    }
}

/// One value escaped for HTML, as the templates escape it.
pub fn escape(text: &str) -> String {
    html_escape::encode_quoted_attribute(text).into_owned()
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

    /// What the hand-written `format!` mails rendered before the templates, character for
    /// character, but for the line breaks between the HTML's blocks and `'` as `&#x27;`
    /// (was `&#39;`): the same HTML to a mail client.
    const BEFORE: [[&str; 4]; 5] = [
        [
            "new@example.com",
            "Ada <O'Neil> & \"Co\" invited you to Roster",
            "Hello Grace,\n\nAda <O'Neil> & \"Co\" invited you to Roster as Analyst.\n\nCreate your account here:\n{{roster:link}}\n\nThe link works once and expires on 2026-11-22 21:32 UTC. If it has expired, ask Ada <O'Neil> & \"Co\" for a new invitation.\n\nIf you did not expect this invitation, you can ignore this email.\n",
            "<!DOCTYPE html><html><body style=\"font-family:system-ui,sans-serif;color:#111827;line-height:1.5\"><div style=\"max-width:560px;margin:0 auto;padding:24px\"><p>Hello Grace,</p><p><strong>Ada &lt;O&#x27;Neil&gt; &amp; &quot;Co&quot;</strong> invited you to Roster as <strong>Analyst</strong>.</p><p><a href=\"{{roster:link}}\" style=\"display:inline-block;padding:10px 18px;background:#1d4ed8;color:#ffffff;border-radius:6px;text-decoration:none\">Create your account</a></p><p>Or paste this link into your browser:<br><a href=\"{{roster:link}}\">{{roster:link}}</a></p><p>The link works once and expires on <strong>2026-11-22 21:32 UTC</strong>. If it has expired, ask Ada &lt;O&#x27;Neil&gt; &amp; &quot;Co&quot; for a new invitation.</p><p style=\"color:#6b7280\">If you did not expect this invitation, you can ignore this email.</p></div></body></html>",
        ],
        [
            "bob@example.com",
            "Your Roster account is ready",
            "Hello,\n\nYour Roster account is ready. You can sign in as bob@example.com (Member & <b>) at:\nhttps://r.example.com/x?a=1&b=2\n\nIf you did not create this account, tell your administrator.\n",
            "<!DOCTYPE html><html><body style=\"font-family:system-ui,sans-serif;color:#111827;line-height:1.5\"><div style=\"max-width:560px;margin:0 auto;padding:24px\"><p>Hello,</p><p>Your Roster account is ready. You can sign in as <strong>bob@example.com</strong> (Member &amp; &lt;b&gt;).</p><p><a href=\"https://r.example.com/x?a=1&amp;b=2\" style=\"display:inline-block;padding:10px 18px;background:#1d4ed8;color:#ffffff;border-radius:6px;text-decoration:none\">Open Roster</a></p><p><a href=\"https://r.example.com/x?a=1&amp;b=2\">https://r.example.com/x?a=1&amp;b=2</a></p><p style=\"color:#6b7280\">If you did not create this account, tell your administrator.</p></div></body></html>",
        ],
        [
            "ga@example.com",
            "Roster's email configuration was changed by Eve \"E\" <x>",
            "Hello,\n\nEve \"E\" <x> <eve@example.com> changed Roster's email configuration on 2000-02-29 00:00 UTC, from an unknown address (Mozilla/5.0 (X11; 'quoted')).\n\nEmail went through: SMTP mail.example.com:587 as a&b\nEmail now goes through: Amazon SES <eu-west-1>\n\nInvitation links travel through this mail server. If you did not expect this change, check Settings → Email Configuration and the activity log now.\n",
            "<!DOCTYPE html><html><body style=\"font-family:system-ui,sans-serif;color:#111827;line-height:1.5\"><div style=\"max-width:560px;margin:0 auto;padding:24px\"><p>Hello,</p><p><strong>Eve &quot;E&quot; &lt;x&gt;</strong> &lt;eve@example.com&gt; changed Roster's email configuration on <strong>2000-02-29 00:00 UTC</strong>, from an unknown address (Mozilla/5.0 (X11; &#x27;quoted&#x27;)).</p><p>Email went through: <strong>SMTP mail.example.com:587 as a&amp;b</strong><br>Email now goes through: <strong>Amazon SES &lt;eu-west-1&gt;</strong></p><p>Invitation links travel through this mail server. If you did not expect this change, check Settings → Email Configuration and the activity log now.</p></div></body></html>",
        ],
        [
            "ga@example.com",
            "Roster's email configuration was changed by Eve",
            "Hello,\n\nEve <eve@example.com> changed Roster's email configuration on 1970-01-01 00:00 UTC, from 203.0.113.7 (curl/8).\n\nEmail went through: none\nEmail now goes through: SMTP\n\nInvitation links travel through this mail server. If you did not expect this change, check Settings → Email Configuration and the activity log now.\n",
            "<!DOCTYPE html><html><body style=\"font-family:system-ui,sans-serif;color:#111827;line-height:1.5\"><div style=\"max-width:560px;margin:0 auto;padding:24px\"><p>Hello,</p><p><strong>Eve</strong> &lt;eve@example.com&gt; changed Roster's email configuration on <strong>1970-01-01 00:00 UTC</strong>, from 203.0.113.7 (curl/8).</p><p>Email went through: <strong>none</strong><br>Email now goes through: <strong>SMTP</strong></p><p>Invitation links travel through this mail server. If you did not expect this change, check Settings → Email Configuration and the activity log now.</p></div></body></html>",
        ],
        [
            "t@example.com",
            "Roster test email",
            "This is a test email from Roster, sent through SMTP <a&b> \"q\" 'x'. Email delivery works.\n",
            "<!DOCTYPE html><html><body style=\"font-family:system-ui,sans-serif;color:#111827;line-height:1.5\"><div style=\"max-width:560px;margin:0 auto;padding:24px\"><p>This is a test email from Roster, sent through SMTP &lt;a&amp;b&gt; &quot;q&quot; &#x27;x&#x27;. Email delivery works.</p></div></body></html>",
        ],
    ];

    #[test]
    fn templates_render_what_the_mails_always_said() {
        let emails = [
            invitation(&Invitation {
                to: "new@example.com",
                inviter: "Ada <O'Neil> & \"Co\"",
                role: "Analyst",
                link: crate::mail::outbox::LINK_PLACEHOLDER,
                expires_at: 1_795_383_120,
                first_name: " Grace ",
            }),
            account_ready(&AccountReady {
                to: "bob@example.com",
                first_name: "  ",
                role: "Member & <b>",
                console_url: "https://r.example.com/x?a=1&b=2",
            }),
            mailer_changed(&MailerChanged {
                to: "ga@example.com",
                actor: "Eve \"E\" <x>",
                actor_email: "eve@example.com",
                ip: "",
                user_agent: "Mozilla/5.0 (X11; 'quoted')",
                at: 951_782_400,
                before: "SMTP mail.example.com:587 as a&b",
                after: "Amazon SES <eu-west-1>",
            }),
            mailer_changed(&MailerChanged {
                to: "ga@example.com",
                actor: "Eve",
                actor_email: "eve@example.com",
                ip: "203.0.113.7",
                user_agent: "curl/8",
                at: 0,
                before: "none",
                after: "SMTP",
            }),
            test_message("t@example.com", "SMTP <a&b> \"q\" 'x'"),
        ];
        for (email, [to, subject, text, html]) in emails.iter().zip(BEFORE) {
            assert_eq!(email.to, to);
            assert_eq!(email.subject, subject);
            assert_eq!(email.text, text);
            assert_eq!(email.html.replace('\n', ""), html);
        }
    }

    #[test]
    fn escape_matches_the_templates() {
        assert_eq!(escape("a&b<c>\"d'e"), "a&amp;b&lt;c&gt;&quot;d&#x27;e");
        assert_eq!(escape(crate::mail::outbox::LINK_PLACEHOLDER), "{{roster:link}}");
    }
}
