//! Outgoing e-mail.
//!
//! With an SMTP URL, mail goes to that relay; without one (the embedded default) every message
//! is written as an `.eml` file into an outbox folder, where an operator or a test can read it.
//! Every owner message is built by [`compose`] from canvass-i18n's English and Spanish texts;
//! each owner gets their own language.

pub mod compose;

use std::path::{Path, PathBuf};

use lettre::message::{Mailbox, header::ContentType};
use lettre::{AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

pub use compose::{Composer, OwnerLink, OwnerMail, footage_window, test_message};

/// Errors of configuring or sending mail. Messages never include a recipient's address.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// The SMTP URL is not usable.
    #[error(
        "invalid SMTP URL (want smtp://host:port, smtp://host:port?tls=required or smtps://host): {0}"
    )]
    BadSmtpUrl(String),
    /// A sender or recipient address is malformed.
    #[error("invalid {role} address: {reason}")]
    BadAddress {
        /// `sender` or `recipient`.
        role: &'static str,
        /// Why.
        reason: String,
    },
    /// The outbox folder cannot be used.
    #[error("mail outbox {}: {source}", path.display())]
    Outbox {
        /// The folder.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// Building the message failed.
    #[error("cannot build message: {0}")]
    Build(String),
    /// The relay or the file system refused the message.
    #[error("sending failed: {0}")]
    Send(String),
}

/// A message ready to address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    /// Subject line.
    pub subject: String,
    /// Plain-text body.
    pub text: String,
}

enum Transport {
    Outbox(AsyncFileTransport<Tokio1Executor>),
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
}

/// Sends mail through SMTP or into the outbox folder.
pub struct Mailer {
    from: Mailbox,
    transport: Transport,
    description: String,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer")
            .field("transport", &self.description)
            .finish_non_exhaustive()
    }
}

impl Mailer {
    /// Mail to the SMTP relay at `smtp_url`, or into `outbox` when there is none.
    pub fn new(from: &str, smtp_url: Option<&str>, outbox: &Path) -> Result<Self, MailError> {
        let from: Mailbox =
            from.parse()
                .map_err(|e: lettre::address::AddressError| MailError::BadAddress {
                    role: "sender",
                    reason: e.to_string(),
                })?;
        let (transport, description) = match smtp_url {
            Some(url) => {
                let smtp = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|e| MailError::BadSmtpUrl(e.to_string()))?
                    .build();
                (Transport::Smtp(smtp), "smtp".to_owned())
            }
            None => {
                std::fs::create_dir_all(outbox).map_err(|source| MailError::Outbox {
                    path: outbox.to_path_buf(),
                    source,
                })?;
                (
                    Transport::Outbox(AsyncFileTransport::<Tokio1Executor>::new(outbox)),
                    format!("outbox {}", outbox.display()),
                )
            }
        };
        Ok(Mailer {
            from,
            transport,
            description,
        })
    }

    /// Where mail goes, for logs ("smtp" or "outbox PATH").
    pub fn describe(&self) -> &str {
        &self.description
    }

    /// Sends `message` to `to`.
    pub async fn send(&self, to: &str, message: &Outgoing) -> Result<(), MailError> {
        let to: Mailbox =
            to.parse()
                .map_err(|e: lettre::address::AddressError| MailError::BadAddress {
                    role: "recipient",
                    reason: e.to_string(),
                })?;
        let email = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(&message.subject)
            .header(ContentType::TEXT_PLAIN)
            .body(message.text.clone())
            .map_err(|e| MailError::Build(e.to_string()))?;
        match &self.transport {
            Transport::Outbox(outbox) => outbox
                .send(email)
                .await
                .map(drop)
                .map_err(|e| MailError::Send(e.to_string())),
            Transport::Smtp(smtp) => smtp
                .send(email)
                .await
                .map(drop)
                .map_err(|e| MailError::Send(e.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use canvass_model::Language;

    #[tokio::test]
    async fn outbox_receives_eml_files() {
        let dir = tempfile::tempdir().unwrap();
        let outbox = dir.path().join("outbox");
        let mailer = Mailer::new("Canvass <canvass@example.org>", None, &outbox).unwrap();
        mailer
            .send("ana@example.org", &test_message(Language::Es).unwrap())
            .await
            .unwrap();
        let files: Vec<_> = std::fs::read_dir(&outbox).unwrap().collect();
        assert_eq!(files.len(), 1);
        let text = std::fs::read_to_string(files[0].as_ref().unwrap().path()).unwrap();
        assert!(text.contains("To: ana@example.org"), "{text}");
        assert!(
            mailer
                .send("not an address", &test_message(Language::En).unwrap())
                .await
                .is_err()
        );
        assert_eq!(
            std::fs::read_dir(&outbox).unwrap().count(),
            1,
            "nothing written for a bad address"
        );
    }

    #[test]
    fn bad_configuration() {
        let dir = tempfile::tempdir().unwrap();
        assert!(Mailer::new("no at sign", None, dir.path()).is_err());
        assert!(Mailer::new("a@b.org", Some("http://relay"), dir.path()).is_err());
    }
}
