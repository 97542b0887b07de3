//! Outgoing e-mail.
//!
//! With an SMTP URL, mail goes to that relay; without one (the embedded default) every message
//! is written as an `.eml` file into an outbox folder, where an operator or a test can read it.
//! Every owner message is built by [`compose`] from canvass-i18n's English and Spanish texts;
//! each owner gets their own language.

pub mod compose;
pub mod outbox;
pub mod sender;

use std::path::{Path, PathBuf};

use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
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
    /// The outbox table could not be used.
    #[error(transparent)]
    Db(#[from] canvass_db::DbError),
}

/// A message ready to address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    /// Subject line.
    pub subject: String,
    /// Plain-text body.
    pub text: String,
}

/// Why a message was not accepted, in words without personal data (an SMTP server's reply
/// often repeats the recipient's address; those words are replaced).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendFailure {
    /// Worth trying again later: a 4xx reply, a dropped or refused connection, a timeout, the
    /// relay's own configuration (authentication) or a full disk for the outbox folder.
    #[error("{0}")]
    Transient(String),
    /// The recipient was refused for good (a 5xx reply to this message): retrying cannot
    /// help, the owner's entry needs a person to look at it.
    #[error("{0}")]
    Permanent(String),
}

/// Extra headers of an owner message from the outbox.
#[derive(Debug, Clone, Copy)]
pub struct Headers<'a> {
    /// The left part of the Message-ID, the same at every attempt.
    pub message_id: &'a str,
    /// The one-click opt-out URL (List-Unsubscribe with List-Unsubscribe-Post, RFC 8058).
    pub unsubscribe: Option<&'a str>,
}

enum Transport {
    Outbox(AsyncFileTransport<Tokio1Executor>),
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
}

/// Sends mail through SMTP or into the outbox folder.
pub struct Mailer {
    from: Mailbox,
    reply_to: Option<Mailbox>,
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

fn mailbox(role: &'static str, text: &str) -> Result<Mailbox, MailError> {
    text.parse()
        .map_err(|e: lettre::address::AddressError| MailError::BadAddress {
            role,
            reason: e.to_string(),
        })
}

impl Mailer {
    /// Mail to the SMTP relay at `smtp_url`, or into `outbox` when there is none.
    ///
    /// lettre's URL gives STARTTLS (`?tls=required`, or opportunistic without), implicit TLS
    /// (`smtps://`), authentication (`user:password@`) and, with its `pool` feature, a pool of
    /// reused connections.
    pub fn new(from: &str, smtp_url: Option<&str>, outbox: &Path) -> Result<Self, MailError> {
        let from = mailbox("sender", from)?;
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
            reply_to: None,
            transport,
            description,
        })
    }

    /// Replies go to `reply_to` (the department's address) instead of the sender.
    pub fn with_reply_to(mut self, reply_to: Option<&str>) -> Result<Self, MailError> {
        self.reply_to = reply_to.map(|r| mailbox("reply-to", r)).transpose()?;
        Ok(self)
    }

    /// Where mail goes, for logs ("smtp" or "outbox PATH").
    pub fn describe(&self) -> &str {
        &self.description
    }

    /// Sends `message` to `to` (`canvass mail test`).
    pub async fn send(&self, to: &str, message: &Outgoing) -> Result<(), MailError> {
        let email = self.build(to, message, None)?;
        self.transmit(email)
            .await
            .map_err(|e| MailError::Send(e.to_string()))
    }

    /// Sends an owner message from the outbox: text and HTML parts, its Message-ID, the
    /// one-click opt-out. `Err` only once the relay (or the folder) did not take it.
    pub async fn deliver(
        &self,
        to: &str,
        message: &Outgoing,
        headers: Headers<'_>,
    ) -> Result<(), SendFailure> {
        let email = self
            .build(to, message, Some(headers))
            // The address was checked when the owner gave it; one that lettre refuses can
            // never be sent.
            .map_err(|e| SendFailure::Permanent(without_addresses(&e.to_string())))?;
        self.transmit(email).await
    }

    fn build(
        &self,
        to: &str,
        message: &Outgoing,
        headers: Option<Headers<'_>>,
    ) -> Result<Message, MailError> {
        let to = mailbox("recipient", to)?;
        let mut builder = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(&message.subject)
            .date_now();
        if let Some(reply_to) = &self.reply_to {
            builder = builder.reply_to(reply_to.clone());
        }
        let build_error = |e: lettre::error::Error| MailError::Build(e.to_string());
        let Some(headers) = headers else {
            return builder
                .header(ContentType::TEXT_PLAIN)
                .body(message.text.clone())
                .map_err(build_error);
        };
        let domain = self.from.email.domain();
        builder = builder.message_id(Some(format!("<{}@{domain}>", headers.message_id)));
        if let Some(url) = headers.unsubscribe {
            builder = builder
                .raw_header(HeaderValue::new(LIST_UNSUBSCRIBE, format!("<{url}>")))
                .raw_header(HeaderValue::new(
                    LIST_UNSUBSCRIBE_POST,
                    "List-Unsubscribe=One-Click".to_owned(),
                ));
        }
        builder
            .multipart(MultiPart::alternative_plain_html(
                message.text.clone(),
                compose::html(&message.text),
            ))
            .map_err(build_error)
    }

    async fn transmit(&self, email: Message) -> Result<(), SendFailure> {
        match &self.transport {
            Transport::Outbox(outbox) => outbox
                .send(email)
                .await
                .map(drop)
                .map_err(|e| SendFailure::Transient(without_addresses(&e.to_string()))),
            Transport::Smtp(smtp) => smtp.send(email).await.map(drop).map_err(classify),
        }
    }
}

const LIST_UNSUBSCRIBE: HeaderName = HeaderName::new_from_ascii_str("List-Unsubscribe");
const LIST_UNSUBSCRIBE_POST: HeaderName = HeaderName::new_from_ascii_str("List-Unsubscribe-Post");

/// A 5xx reply refuses the message for good, except the replies about the relay's own
/// settings (530, 534, 535, 538: authentication), which no owner can cause and a corrected
/// configuration fixes: those are retried like a 4xx, and so is everything that is not a
/// reply at all (connection refused or dropped, timeouts, TLS).
fn classify(e: lettre::transport::smtp::Error) -> SendFailure {
    let text = without_addresses(&e.to_string());
    let code = e.status().map(|c| c.to_string());
    let relay_setting = matches!(code.as_deref(), Some("530" | "534" | "535" | "538"));
    if e.is_permanent() && !relay_setting {
        SendFailure::Permanent(text)
    } else {
        SendFailure::Transient(text)
    }
}

/// `text` with every word that looks like an e-mail address replaced, so that a relay's reply
/// can be logged and stored.
pub fn without_addresses(text: &str) -> String {
    text.split(' ')
        .map(|word| {
            if word.contains('@') {
                "<address>"
            } else {
                word
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
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

    #[tokio::test]
    async fn owner_messages_have_both_parts_and_the_list_headers() {
        let dir = tempfile::tempdir().unwrap();
        let mailer = Mailer::new("Canvass <canvass@cpd.example>", None, dir.path())
            .unwrap()
            .with_reply_to(Some("Desk <desk@cpd.example>"))
            .unwrap();
        let message = Outgoing {
            subject: "Hello".into(),
            text: "Hi <Ana>\n\nhttps://x.example/confirm/t?lang=en\n".into(),
        };
        let headers = Headers {
            message_id: "0d9c8a2e-1111-2222-3333-444455556666",
            unsubscribe: Some("https://x.example/optout/u?lang=en"),
        };
        mailer
            .deliver("ana@example.org", &message, headers)
            .await
            .unwrap();
        let file = std::fs::read_dir(dir.path())
            .unwrap()
            .next()
            .unwrap()
            .unwrap();
        let eml = std::fs::read_to_string(file.path()).unwrap();
        for want in [
            "Message-ID: <0d9c8a2e-1111-2222-3333-444455556666@cpd.example>",
            "List-Unsubscribe: <https://x.example/optout/u?lang=en>",
            "List-Unsubscribe-Post: List-Unsubscribe=One-Click",
            "Reply-To: Desk <desk@cpd.example>",
            "Content-Type: multipart/alternative",
            "Content-Type: text/plain",
            "Content-Type: text/html",
            "Date: ",
        ] {
            assert!(eml.contains(want), "{want}: {eml}");
        }
        let refused = mailer.deliver("not an address", &message, headers).await;
        assert!(
            matches!(&refused, Err(SendFailure::Permanent(e)) if e.starts_with("invalid recipient address")),
            "{refused:?}"
        );
    }

    #[test]
    fn relay_replies_lose_their_addresses() {
        assert_eq!(
            without_addresses("550 5.1.1 <ana@example.org>: Recipient address rejected"),
            "550 5.1.1 <address> Recipient address rejected"
        );
    }

    #[test]
    fn bad_configuration() {
        let dir = tempfile::tempdir().unwrap();
        assert!(Mailer::new("no at sign", None, dir.path()).is_err());
        assert!(Mailer::new("a@b.org", Some("http://relay"), dir.path()).is_err());
    }
}
