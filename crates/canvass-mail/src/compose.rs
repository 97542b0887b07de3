//! The one owner-mail composer: every message an owner receives, and every link URL in it,
//! built here from the Fluent messages of canvass-i18n in the owner's language. Callers choose
//! an [`OwnerMail`] and send what [`Composer::compose`] returns.

use canvass_i18n::{Messages, MessagesError};
use canvass_model::{Language, PublicUrl};

use crate::Outgoing;

/// A page an owner's link opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OwnerLink<'a> {
    /// `/confirm/{token}`: confirms a new registration (double opt-in).
    Confirm(&'a str),
    /// `/manage/{token}`: opens the manage page once.
    Manage(&'a str),
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
        };
        let mut all = vec![("department", self.department.as_str())];
        all.extend(args);
        message(&self.messages, language, prefix, &all)
    }
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
        ];
        for language in [Language::En, Language::Es] {
            for mail in mails {
                let m = c.compose(language, mail);
                assert!(!m.subject.contains("mail-"), "{m:?}");
                assert!(m.text.ends_with('\n'), "{m:?}");
                assert!(m.text.contains("Demo City Police Department"), "{m:?}");
                match mail {
                    OwnerMail::OptOutReceipt { date } => assert!(m.text.contains(date)),
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
}
