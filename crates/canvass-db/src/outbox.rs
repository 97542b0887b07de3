//! The mail outbox: one row per owner message, unique per (registration, purpose, kind).
//!
//! Whoever causes a message inserts it with [`queue`] in the transaction of what caused it; a
//! sender takes one due row at a time with [`claim`] (`FOR UPDATE SKIP LOCKED`, so senders in
//! several processes never take the same row), sends it, and settles the claim in the same
//! transaction ([`Claim::sent`], [`Claim::retry`], [`Claim::refused`]). A process that dies
//! between the SMTP server's acceptance and the commit releases the row with its connection,
//! and the next sender sends that one message again, with the same Message-ID.
//!
//! The message itself (recipient, subject, text, links) is sealed with the contact key ring,
//! bound to the registration, and erased once the row is settled.

use std::time::Duration;

use canvass_model::contact_seal::{ContactField, ContactKey};
use tokio_postgres::{Client, GenericClient, Transaction};

use crate::DbError;
use crate::registrations::ContactOpener;

/// Longest `last_error` and review reason kept (the column checks).
pub const MAX_ERROR: usize = 300;

/// What an owner message is (the `kind` column).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailKind {
    /// Confirm a registration from the public form.
    Confirmation,
    /// Confirm an entry the department imported.
    Welcome,
    /// The form was sent again for a registered address: a manage link.
    AlreadyRegistered,
    /// A manage link the owner asked for.
    ManageLink,
    /// What an opt-out deleted.
    OptOutReceipt,
    /// Preserve a recording.
    PreservationRequest,
    /// Hand a recording over.
    FootageRequest,
}

impl MailKind {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            MailKind::Confirmation => "confirmation",
            MailKind::Welcome => "welcome",
            MailKind::AlreadyRegistered => "already_registered",
            MailKind::ManageLink => "manage_link",
            MailKind::OptOutReceipt => "opt_out_receipt",
            MailKind::PreservationRequest => "preservation_request",
            MailKind::FootageRequest => "footage_request",
        }
    }
}

/// One message to queue.
#[derive(Debug, Clone, Copy)]
pub struct Letter<'a> {
    /// The owner's registration.
    pub registration_id: i64,
    /// What it is.
    pub kind: MailKind,
    /// Why it is sent; with the registration and the kind, what makes it unique.
    pub purpose: &'a str,
    /// The footage request it belongs to, whose owner row records the outcome.
    pub footage_request: Option<i64>,
    /// The composed message as the sender reads it back (sealed here).
    pub envelope: &'a str,
}

const QUEUE: &str = "INSERT INTO mail_outbox
        (registration_id, purpose, kind, footage_request_id, key_id, sealed)
    VALUES ($1, $2, $3, $4, $5, $6)
    ON CONFLICT (registration_id, purpose, kind) DO NOTHING";
const CANCEL_PENDING: &str = "UPDATE mail_outbox
    SET state = 'cancelled', key_id = NULL, sealed = NULL
    WHERE registration_id = $1 AND state = 'pending'";
const CLAIM: &str = "SELECT o.id, o.registration_id, o.kind, o.key_id, o.sealed,
        o.message_id::text, o.attempts, r.mail_review_since IS NOT NULL, o.footage_request_id
    FROM mail_outbox o JOIN registrations r ON r.id = o.registration_id
    WHERE o.state = 'pending' AND o.next_attempt_at <= now()
    ORDER BY o.next_attempt_at, o.id
    LIMIT 1
    FOR UPDATE OF o SKIP LOCKED";
const SENT: &str = "UPDATE mail_outbox
    SET state = 'sent', sent_at = now(), attempts = attempts + 1, key_id = NULL, sealed = NULL,
        last_error = NULL
    WHERE id = $1";
const FOOTAGE_SENT: &str = "UPDATE footage_request_owners SET sent_at = now(), failure = NULL
    WHERE request_id = $1 AND registration_id = $2";
const RETRY: &str = "UPDATE mail_outbox
    SET attempts = attempts + 1, next_attempt_at = now() + make_interval(secs => $2),
        last_error = $3
    WHERE id = $1";
const REFUSED: &str = "UPDATE mail_outbox
    SET state = 'failed', attempts = attempts + $3, key_id = NULL, sealed = NULL, last_error = $2
    WHERE id = $1";
const FOOTAGE_FAILED: &str = "UPDATE footage_request_owners SET failure = $3
    WHERE request_id = $1 AND registration_id = $2";
const MARK_FOR_REVIEW: &str = "UPDATE registrations
    SET mail_review_since = COALESCE(mail_review_since, now()), mail_review_reason = $2
    WHERE id = $1";
const BACKLOG: &str = "SELECT count(*) FROM mail_outbox WHERE state = 'pending'";
const COUNTS: &str = "SELECT state, kind, count(*) FROM mail_outbox GROUP BY state, kind
    ORDER BY state, kind";
const UNDER_REVIEW: &str = "SELECT id, mail_review_since, coalesce(mail_review_reason, '')
    FROM registrations WHERE mail_review_since IS NOT NULL ORDER BY mail_review_since, id";
const NEXT_DUE: &str = "SELECT min(next_attempt_at) FROM mail_outbox WHERE state = 'pending'";

/// Queues `letter`, sealed under `key`; `false` when that message was already queued (a retry,
/// a double click). Call it in the transaction of what caused the message.
pub async fn queue(
    client: &impl GenericClient,
    key: &ContactKey,
    letter: &Letter<'_>,
) -> Result<bool, DbError> {
    let sealed = key.seal(letter.registration_id, ContactField::Mail, letter.envelope);
    let inserted = client
        .execute(
            QUEUE,
            &[
                &letter.registration_id,
                &letter.purpose,
                &letter.kind.as_str(),
                &letter.footage_request,
                &key.id(),
                &sealed,
            ],
        )
        .await
        .map_err(DbError::pg("queue a mail"))?;
    Ok(inserted == 1)
}

/// Cancels every message still waiting for `registration` and erases their seals (an opt-out
/// deletes the owner's personal data at once, these copies too). Returns how many.
pub async fn cancel_pending(
    client: &impl GenericClient,
    registration: i64,
) -> Result<u64, DbError> {
    client
        .execute(CANCEL_PENDING, &[&registration])
        .await
        .map_err(DbError::pg("cancel waiting mail"))
}

/// A message taken for sending, locked until its claim is settled or its connection closes.
#[derive(Debug)]
pub struct ClaimedMail {
    /// The outbox row.
    pub id: i64,
    /// The owner's registration.
    pub registration_id: i64,
    /// What it is (the stored name).
    pub kind: String,
    /// The composed message, opened; an error when the key ring cannot open it.
    pub envelope: Result<String, String>,
    /// The Message-ID's left part, the same at every attempt.
    pub message_id: String,
    /// Attempts made before this one.
    pub attempts: i32,
    /// The owner's address was refused before: mail nothing more until an administrator
    /// has looked.
    pub under_review: bool,
    footage_request: Option<i64>,
}

/// A claimed message and the transaction that holds its row.
pub struct Claim<'a> {
    tx: Transaction<'a>,
    /// The message.
    pub mail: ClaimedMail,
}

impl std::fmt::Debug for Claim<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Claim")
            .field("mail", &self.mail)
            .finish_non_exhaustive()
    }
}

/// Takes the next due message, if any, opening it with `keys`.
pub async fn claim<'a>(
    client: &'a mut Client,
    keys: &(impl ContactOpener + ?Sized),
) -> Result<Option<Claim<'a>>, DbError> {
    let tx = client
        .transaction()
        .await
        .map_err(DbError::pg("begin a mail claim"))?;
    let Some(row) = tx
        .query_opt(CLAIM, &[])
        .await
        .map_err(DbError::pg("claim a mail"))?
    else {
        tx.rollback()
            .await
            .map_err(DbError::pg("end a mail claim"))?;
        return Ok(None);
    };
    let registration_id: i64 = row.get(1);
    let key_id: String = row.get(3);
    let sealed: Vec<u8> = row.get(4);
    let envelope = keys
        .open_field(&key_id, registration_id, ContactField::Mail, &sealed)
        .map_err(|e| e.to_string());
    let mail = ClaimedMail {
        id: row.get(0),
        registration_id,
        kind: row.get(2),
        envelope,
        message_id: row.get(5),
        attempts: row.get(6),
        under_review: row.get(7),
        footage_request: row.get(8),
    };
    Ok(Some(Claim { tx, mail }))
}

/// `text` cut to the columns' bound, on a character boundary.
fn bounded(text: &str) -> String {
    text.chars().take(MAX_ERROR).collect()
}

impl Claim<'_> {
    /// The SMTP server accepted it: recorded as sent, the seal erased.
    pub async fn sent(self) -> Result<(), DbError> {
        let m = &self.mail;
        self.tx
            .execute(SENT, &[&m.id])
            .await
            .map_err(DbError::pg("record a sent mail"))?;
        if let Some(request) = m.footage_request {
            self.tx
                .execute(FOOTAGE_SENT, &[&request, &m.registration_id])
                .await
                .map_err(DbError::pg("record a sent footage request"))?;
        }
        self.tx
            .commit()
            .await
            .map_err(DbError::pg("commit a sent mail"))
    }

    /// A transient failure: try again after `delay`. `error` must hold no personal data.
    pub async fn retry(self, delay: Duration, error: &str) -> Result<(), DbError> {
        self.tx
            .execute(
                RETRY,
                &[&self.mail.id, &delay.as_secs_f64(), &bounded(error)],
            )
            .await
            .map_err(DbError::pg("record a mail to retry"))?;
        self.tx
            .commit()
            .await
            .map_err(DbError::pg("commit a mail to retry"))
    }

    /// Never to be sent: `error` says why (no personal data). With `review`, the owner's
    /// registration is marked for an administrator's review and mailed nothing more;
    /// `attempted` says whether a send was tried. A footage request's owner row gets
    /// `footage_failure`.
    pub async fn refused(
        self,
        error: &str,
        review: bool,
        attempted: bool,
        footage_failure: &str,
    ) -> Result<(), DbError> {
        let m = &self.mail;
        let error = bounded(error);
        self.tx
            .execute(REFUSED, &[&m.id, &error, &i32::from(attempted)])
            .await
            .map_err(DbError::pg("record a refused mail"))?;
        if review {
            self.tx
                .execute(MARK_FOR_REVIEW, &[&m.registration_id, &error])
                .await
                .map_err(DbError::pg("mark a registration for review"))?;
        }
        if let Some(request) = m.footage_request {
            self.tx
                .execute(
                    FOOTAGE_FAILED,
                    &[&request, &m.registration_id, &bounded(footage_failure)],
                )
                .await
                .map_err(DbError::pg("record a failed footage request"))?;
        }
        self.tx
            .commit()
            .await
            .map_err(DbError::pg("commit a refused mail"))
    }
}

/// Messages waiting to be sent (due now or later).
pub async fn backlog(client: &impl GenericClient) -> Result<i64, DbError> {
    Ok(client
        .query_one(BACKLOG, &[])
        .await
        .map_err(DbError::pg("count waiting mail"))?
        .get(0))
}

/// When the earliest waiting message is due, if any waits.
pub async fn next_due(
    client: &impl GenericClient,
) -> Result<Option<chrono::DateTime<chrono::Utc>>, DbError> {
    Ok(client
        .query_one(NEXT_DUE, &[])
        .await
        .map_err(DbError::pg("read the next due mail"))?
        .get(0))
}

/// Messages by state and kind: `(state, kind, count)`.
pub async fn counts(client: &impl GenericClient) -> Result<Vec<(String, String, i64)>, DbError> {
    let rows = client
        .query(COUNTS, &[])
        .await
        .map_err(DbError::pg("count mail by state"))?;
    Ok(rows
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect())
}

/// A registration whose address was refused: `(id, since, reason)`.
pub type UnderReview = (i64, chrono::DateTime<chrono::Utc>, String);

/// Registrations marked for review after a permanent refusal, oldest first.
pub async fn under_review(client: &impl GenericClient) -> Result<Vec<UnderReview>, DbError> {
    let rows = client
        .query(UNDER_REVIEW, &[])
        .await
        .map_err(DbError::pg("list registrations under review"))?;
    Ok(rows
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect())
}
