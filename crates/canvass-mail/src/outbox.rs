//! Queueing owner mail: what a request handler or the bulk import does instead of sending.
//!
//! [`queue`] composes the message now, in the owner's language, with a fresh one-click opt-out
//! link, and stores it sealed in the outbox table in the caller's transaction; the
//! [`crate::sender`] sends it later. Composing now rather than at send time is what makes this
//! work at all: the link tokens in a message exist in plain form only at this moment (only
//! their hashes are stored), and an opt-out receipt's address is deleted with the contact in
//! the same transaction.

use canvass_db::outbox::{self, Letter, MailKind};
use canvass_db::registrations::{self, TokenPurpose};
use canvass_model::Language;
use canvass_model::contact_seal::ContactKey;
use serde::{Deserialize, Serialize};
use tokio_postgres::GenericClient;

use crate::compose::{Composer, OwnerLink, OwnerMail};
use crate::{MailError, Outgoing};

/// What the outbox row holds, sealed: everything the sender needs to send it again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Envelope {
    /// The owner's address.
    pub to: String,
    /// Subject.
    pub subject: String,
    /// Plain text (the HTML part is made from it).
    pub text: String,
    /// The one-click opt-out link, for List-Unsubscribe.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unsubscribe: Option<String>,
}

impl Envelope {
    /// Reads a sealed envelope back.
    pub fn parse(text: &str) -> Result<Self, MailError> {
        serde_json::from_str(text).map_err(|e| MailError::Build(format!("outbox envelope: {e}")))
    }

    /// The message part.
    pub fn message(&self) -> Outgoing {
        Outgoing {
            subject: self.subject.clone(),
            text: self.text.clone(),
        }
    }
}

/// Why a message is sent; with the registration and the kind, what makes it unique.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// The one confirmation or welcome of a new registration.
    Registration,
    /// The receipt of the opt-out.
    OptOut,
    /// A link the owner asked for, or the "already registered" answer to the form: one per
    /// owner per [`MANAGE_WINDOW_SECS`] window, so that a double click, a reload or a bot
    /// sending the form again queues nothing more (the first message's link still works).
    OnRequest(chrono::DateTime<chrono::Utc>),
    /// A footage request.
    FootageRequest(i64),
}

/// The window of [`Purpose::OnRequest`].
pub const MANAGE_WINDOW_SECS: i64 = 600;

impl Purpose {
    fn text(self) -> String {
        match self {
            Purpose::Registration => "registration".to_owned(),
            Purpose::OptOut => "opt-out".to_owned(),
            Purpose::OnRequest(at) => {
                format!("manage:{}", at.timestamp().div_euclid(MANAGE_WINDOW_SECS))
            }
            Purpose::FootageRequest(id) => format!("footage-request:{id}"),
        }
    }
}

fn kind(mail: &OwnerMail<'_>) -> MailKind {
    match mail {
        OwnerMail::Confirmation { .. } => MailKind::Confirmation,
        OwnerMail::Welcome { .. } => MailKind::Welcome,
        OwnerMail::AlreadyRegistered { .. } => MailKind::AlreadyRegistered,
        OwnerMail::ManageLink { .. } => MailKind::ManageLink,
        OwnerMail::OptOutReceipt { .. } => MailKind::OptOutReceipt,
        OwnerMail::PreservationRequest { .. } => MailKind::PreservationRequest,
        OwnerMail::FootageRequest { .. } => MailKind::FootageRequest,
    }
}

/// One owner message to queue.
#[derive(Debug, Clone, Copy)]
pub struct ToQueue<'a> {
    /// The owner's registration.
    pub registration_id: i64,
    /// Their address.
    pub to: &'a str,
    /// Their language.
    pub language: Language,
    /// The message.
    pub mail: OwnerMail<'a>,
    /// Why.
    pub purpose: Purpose,
}

/// Queues one owner message in the caller's transaction, sealed under `key`; `false` when the
/// same message was queued already. Every message but the opt-out receipt carries a new
/// one-click opt-out link.
pub async fn queue(
    client: &impl GenericClient,
    composer: &Composer,
    key: &ContactKey,
    item: ToQueue<'_>,
) -> Result<bool, MailError> {
    let unsubscribe = match item.mail {
        OwnerMail::OptOutReceipt { .. } => None,
        _ => {
            let token = registrations::issue(
                client,
                item.registration_id,
                TokenPurpose::OptOut,
                registrations::OPT_OUT_TTL,
            )
            .await?;
            Some(composer.link(OwnerLink::OptOut(&token), item.language))
        }
    };
    let message = composer.compose(item.language, item.mail);
    let envelope = Envelope {
        to: item.to.to_owned(),
        subject: message.subject,
        text: message.text,
        unsubscribe,
    };
    let envelope = serde_json::to_string(&envelope)
        .map_err(|e| MailError::Build(format!("outbox envelope: {e}")))?;
    let purpose = item.purpose.text();
    let footage_request = match item.purpose {
        Purpose::FootageRequest(id) => Some(id),
        _ => None,
    };
    let letter = Letter {
        registration_id: item.registration_id,
        kind: kind(&item.mail),
        purpose: &purpose,
        footage_request,
        envelope: &envelope,
    };
    Ok(outbox::queue(client, key, &letter).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purposes_are_stable_names() {
        let at = chrono::DateTime::from_timestamp(1_800_000_000, 0).unwrap_or_default();
        assert_eq!(Purpose::Registration.text(), "registration");
        assert_eq!(Purpose::FootageRequest(12).text(), "footage-request:12");
        let same_window = at + chrono::Duration::seconds(1);
        assert_eq!(
            Purpose::OnRequest(at).text(),
            Purpose::OnRequest(same_window).text()
        );
    }

    #[test]
    fn envelopes_round_trip() {
        let e = Envelope {
            to: "ana@example.org".into(),
            subject: "s".into(),
            text: "t\n".into(),
            unsubscribe: None,
        };
        let text = serde_json::to_string(&e).unwrap_or_default();
        assert_eq!(Envelope::parse(&text).ok(), Some(e));
        assert!(Envelope::parse("{").is_err());
    }
}
