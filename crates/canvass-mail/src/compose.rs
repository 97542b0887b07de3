//! The one owner-mail composer: every message an owner receives, and every link URL in it,
//! built here from the Fluent messages of canvass-i18n in the owner's language. Callers choose
//! an [`OwnerMail`] and send what [`Composer::compose`] returns.

use canvass_i18n::{Messages, MessagesError};
use canvass_model::{Language, PublicUrl};
use chrono::{DateTime, FixedOffset};

use crate::Outgoing;

/// A page an owner's link opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OwnerLink<'a> {
    /// `/confirm/{token}`: confirms a new registration (double opt-in).
    Confirm(&'a str),
    /// `/manage/{token}`: opens the manage page once.
    Manage(&'a str),
    /// `/optout/{token}`: the one-click opt-out of a mail's List-Unsubscribe header; a GET
    /// shows a button, only a POST acts.
    OptOut(&'a str),
}

/// Every message sent to an owner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OwnerMail<'a> {
    /// After the public form: confirm the registration.
    Confirmation {
        /// The owner's name.
        name: &'a str,
        /// Confirmation link token.
        token: &'a str,
    },
    /// After a bulk import: the department moved the owner's entry; confirm it.
    Welcome {
        /// The owner's name.
        name: &'a str,
        /// Confirmation link token.
        token: &'a str,
    },
    /// The form was sent again for an address already registered: a manage link instead.
    AlreadyRegistered {
        /// Manage link token.
        token: &'a str,
    },
    /// The manage link the owner asked for.
    ManageLink {
        /// Manage link token.
        token: &'a str,
    },
    /// The owner opted out: what was deleted, and when (`YYYY-MM-DD`).
    OptOutReceipt {
        /// The day.
        date: &'a str,
    },
    /// Save the recording of `window` now; an officer will follow up. No case details: the
    /// owner is not a party to the case.
    PreservationRequest {
        /// The owner's name.
        name: &'a str,
        /// The recording asked for, as [`footage_window`] writes it.
        window: &'a str,
        /// The department's public phone number, for questions.
        phone: &'a str,
    },
    /// Hand over the recording of `window` for case `case`, by calling `officer`.
    FootageRequest {
        /// The owner's name.
        name: &'a str,
        /// The recording asked for, as [`footage_window`] writes it.
        window: &'a str,
        /// The case number.
        case: &'a str,
        /// The officer to call.
        officer: &'a str,
        /// Their callback number.
        callback: &'a str,
    },
}

/// A recording's time window as owner mails write it, in the offset the officer gave (the
/// incident's local time): `2026-12-01 14:00–16:00 (UTC-08:00)`, the date repeated when the
/// window crosses midnight.
pub fn footage_window(start: DateTime<FixedOffset>, end: DateTime<FixedOffset>) -> String {
    let end = end.with_timezone(start.offset());
    let offset = start.format("%:z").to_string();
    let zone = if offset == "+00:00" {
        "UTC".to_owned()
    } else {
        format!("UTC{offset}")
    };
    if start.date_naive() == end.date_naive() {
        format!(
            "{}–{} ({zone})",
            start.format("%Y-%m-%d %H:%M"),
            end.format("%H:%M")
        )
    } else {
        format!(
            "{} – {} ({zone})",
            start.format("%Y-%m-%d %H:%M"),
            end.format("%Y-%m-%d %H:%M")
        )
    }
}

/// Builds owner messages for one department and public site.
pub struct Composer {
    messages: Messages,
    department: String,
    public_url: PublicUrl,
}

impl std::fmt::Debug for Composer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Composer")
            .field("department", &self.department)
            .field("public_url", &self.public_url)
            .finish_non_exhaustive()
    }
}

impl Composer {
    /// Messages signed by `department`, with links under `public_url`.
    pub fn new(department: &str, public_url: PublicUrl) -> Result<Self, MessagesError> {
        Ok(Composer {
            messages: Messages::load()?,
            department: department.to_owned(),
            public_url,
        })
    }

    /// The absolute URL of `link`, opening its page in `language`.
    pub fn link(&self, link: OwnerLink<'_>, language: Language) -> String {
        let (page, token) = match link {
            OwnerLink::Confirm(token) => ("confirm", token),
            OwnerLink::Manage(token) => ("manage", token),
            OwnerLink::OptOut(token) => ("optout", token),
        };
        format!(
            "{}/{page}/{token}?lang={}",
            self.public_url,
            language.as_str()
        )
    }

    /// `mail` in `language`.
    pub fn compose(&self, language: Language, mail: OwnerMail<'_>) -> Outgoing {
        let link;
        let (prefix, args): (&str, Vec<(&str, &str)>) = match mail {
            OwnerMail::Confirmation { name, token } => {
                link = self.link(OwnerLink::Confirm(token), language);
                ("mail-confirm", vec![("name", name), ("link", &link)])
            }
            OwnerMail::Welcome { name, token } => {
                link = self.link(OwnerLink::Confirm(token), language);
                ("mail-welcome", vec![("name", name), ("link", &link)])
            }
            OwnerMail::AlreadyRegistered { token } => {
                link = self.link(OwnerLink::Manage(token), language);
                ("mail-already", vec![("link", &link)])
            }
            OwnerMail::ManageLink { token } => {
                link = self.link(OwnerLink::Manage(token), language);
                ("mail-manage", vec![("link", &link)])
            }
            OwnerMail::OptOutReceipt { date } => ("mail-optout", vec![("date", date)]),
            OwnerMail::PreservationRequest {
                name,
                window,
                phone,
            } => (
                "mail-preserve",
                vec![("name", name), ("window", window), ("phone", phone)],
            ),
            OwnerMail::FootageRequest {
                name,
                window,
                case,
                officer,
                callback,
            } => (
                "mail-footage",
                vec![
                    ("name", name),
                    ("window", window),
                    ("case", case),
                    ("officer", officer),
                    ("callback", callback),
                ],
            ),
        };
        let mut all = vec![("department", self.department.as_str())];
        all.extend(args);
        message(&self.messages, language, prefix, &all)
    }
}

/// The HTML part of a message: its text, escaped, paragraph by paragraph, with each link
/// (every link is a line of its own in the texts) made clickable. Built from the text so that
/// the two parts can never say different things.
pub fn html(text: &str) -> String {
    let mut out = String::from(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head>\
         <body style=\"font-family:sans-serif;line-height:1.4\">",
    );
    for paragraph in text.split("\n\n").filter(|p| !p.trim().is_empty()) {
        out.push_str("<p>");
        let lines: Vec<String> = paragraph
            .lines()
            .map(|line| {
                let trimmed = line.trim();
                if (trimmed.starts_with("https://") || trimmed.starts_with("http://"))
                    && !trimmed.contains(char::is_whitespace)
                {
                    let url = escape(trimmed);
                    format!("<a href=\"{url}\">{url}</a>")
                } else {
                    escape(line)
                }
            })
            .collect();
        out.push_str(&lines.join("<br>\n"));
        out.push_str("</p>\n");
    }
    out.push_str("</body></html>\n");
    out
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The message `canvass mail test` sends, to check the mail settings end to end.
pub fn test_message(language: Language) -> Result<Outgoing, MessagesError> {
    Ok(message(&Messages::load()?, language, "mail-test", &[]))
}

/// Subject `{prefix}-subject` and body `{prefix}-body`, the body ending in a line break.
fn message(
    messages: &Messages,
    language: Language,
    prefix: &str,
    args: &[(&str, &str)],
) -> Outgoing {
    Outgoing {
        subject: messages.format(language, &format!("{prefix}-subject"), args),
        text: messages.format(language, &format!("{prefix}-body"), args) + "\n",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn composer() -> Composer {
        let url = PublicUrl::parse("https://cameras.example.gov/").unwrap();
        Composer::new("Demo City Police Department", url).unwrap()
    }

    #[test]
    fn links_have_one_format() {
        let c = composer();
        assert_eq!(
            c.link(OwnerLink::Confirm("abc"), Language::Es),
            "https://cameras.example.gov/confirm/abc?lang=es"
        );
        assert_eq!(
            c.link(OwnerLink::Manage("xyz"), Language::En),
            "https://cameras.example.gov/manage/xyz?lang=en"
        );
    }

    #[test]
    fn every_owner_mail_in_both_languages() {
        let c = composer();
        let mails = [
            OwnerMail::Confirmation {
                name: "Ana",
                token: "t1",
            },
            OwnerMail::Welcome {
                name: "Ana",
                token: "t2",
            },
            OwnerMail::AlreadyRegistered { token: "t3" },
            OwnerMail::ManageLink { token: "t4" },
            OwnerMail::OptOutReceipt { date: "2026-05-01" },
            OwnerMail::PreservationRequest {
                name: "Ana",
                window: "2026-12-01 14:00–16:00 (UTC-08:00)",
                phone: "(925) 555-0100",
            },
            OwnerMail::FootageRequest {
                name: "Ana",
                window: "2026-12-01 14:00–16:00 (UTC-08:00)",
                case: "26-000123",
                officer: "Ofc. R. Diaz",
                callback: "(925) 555-0142",
            },
        ];
        for language in [Language::En, Language::Es] {
            for mail in mails {
                let m = c.compose(language, mail);
                assert!(!m.subject.contains("mail-"), "{m:?}");
                assert!(m.text.ends_with('\n'), "{m:?}");
                assert!(m.text.contains("Demo City Police Department"), "{m:?}");
                match mail {
                    OwnerMail::OptOutReceipt { date } => assert!(m.text.contains(date)),
                    OwnerMail::PreservationRequest { window, phone, .. } => {
                        assert!(m.text.contains(window) && m.subject.contains(window));
                        assert!(m.text.contains(phone), "{m:?}");
                        assert!(
                            !m.text.contains("26-000123"),
                            "no case in a preservation request"
                        );
                    }
                    OwnerMail::FootageRequest {
                        window,
                        case,
                        officer,
                        callback,
                        ..
                    } => {
                        assert!(m.subject.contains(case), "{m:?}");
                        for part in [window, case, officer, callback] {
                            assert!(m.text.contains(part), "{part}: {m:?}");
                        }
                    }
                    _ => assert!(
                        m.text.contains(&format!("?lang={}", language.as_str())),
                        "{m:?}"
                    ),
                }
            }
        }
        let welcome = c.compose(
            Language::En,
            OwnerMail::Welcome {
                name: "Ana",
                token: "t2",
            },
        );
        assert!(welcome.text.contains("Hello Ana"), "{welcome:?}");
        assert!(
            welcome
                .text
                .contains("https://cameras.example.gov/confirm/t2?lang=en")
        );
    }

    #[test]
    fn html_part_escapes_and_links() {
        let page = html("Hello <Ana> & co\n\nOpen:\nhttps://x.example/confirm/t?lang=en\n");
        assert!(page.contains("Hello &lt;Ana&gt; &amp; co"), "{page}");
        assert!(
            page.contains("<a href=\"https://x.example/confirm/t?lang=en\">"),
            "{page}"
        );
        assert_eq!(page.matches("<p>").count(), 2, "{page}");
    }

    #[test]
    fn test_messages() {
        assert_eq!(
            test_message(Language::Es).unwrap().subject,
            "Mensaje de prueba de Canvass"
        );
        assert_eq!(
            test_message(Language::En).unwrap().subject,
            "Canvass test message"
        );
    }

    #[test]
    fn windows_read_in_the_officers_offset() {
        let at = |t: &str| DateTime::parse_from_rfc3339(t).unwrap();
        assert_eq!(
            footage_window(at("2026-12-01T14:00:00-08:00"), at("2026-12-02T00:00:00Z")),
            "2026-12-01 14:00–16:00 (UTC-08:00)"
        );
        assert_eq!(
            footage_window(at("2026-12-01T23:30:00Z"), at("2026-12-02T01:00:00Z")),
            "2026-12-01 23:30 – 2026-12-02 01:00 (UTC)"
        );
    }
}
