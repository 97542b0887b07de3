//! The outbox sender: what the worker of `canvass serve` and `canvass mail send` run.
//!
//! Each of a few lanes (one database connection each) takes one due message at a time
//! ([`canvass_db::outbox::claim`]: `FOR UPDATE SKIP LOCKED`, so other lanes and other
//! processes pass it by), sends it, and settles it in the transaction that holds the row:
//! sent only once the SMTP server accepted it. A transient failure is tried again after an
//! exponentially growing delay; a permanent one marks the owner's entry for review and nothing
//! more is mailed to it. A process killed between the server's acceptance and the commit
//! loses the lock with its connection; the message is sent once more, with the same
//! Message-ID, and that is the only duplicate SMTP allows.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use canvass_db::Database;
use canvass_db::outbox::{self, Claim};
use canvass_model::contact_seal::ContactKeyRing;
use futures_util::future::join_all;

use crate::outbox::Envelope;
use crate::{Headers, MailError, Mailer, SendFailure};

/// What a footage request's owner row says when its mail will never go out.
const FOOTAGE_NOT_DELIVERED: &str =
    "the owner's mail server refused the message; call the owner instead";
/// What the outbox row says when the owner's entry awaits review.
const UNDER_REVIEW: &str =
    "not sent: the owner's address was refused before and awaits an administrator's review";
/// The longest wait between two attempts.
const MAX_DELAY: Duration = Duration::from_secs(6 * 3600);

/// How a pass sends.
#[derive(Debug, Clone, Copy)]
pub struct SendOptions {
    /// Messages in flight at once (one database connection and one SMTP connection each).
    pub lanes: usize,
    /// The wait after a first transient failure; it doubles with every further one.
    pub retry_after: Duration,
    /// Attempts before a message that keeps failing transiently is given up.
    pub max_attempts: i32,
    /// Stop after settling this many messages (`None`: until nothing is due).
    pub limit: Option<u64>,
}

impl Default for SendOptions {
    fn default() -> Self {
        SendOptions {
            lanes: 4,
            retry_after: Duration::from_secs(60),
            max_attempts: 12,
            limit: None,
        }
    }
}

/// What became of one message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Accepted by the relay (or written to the outbox folder).
    Sent,
    /// A transient failure; tried again later.
    Retried,
    /// Refused for good, or given up after too many attempts.
    Failed,
    /// Not sent because the owner's entry awaits review.
    Held,
}

/// What a pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SendReport {
    /// Accepted.
    pub sent: u64,
    /// To be tried again.
    pub retried: u64,
    /// Refused or given up.
    pub failed: u64,
    /// Held for review.
    pub held: u64,
}

impl SendReport {
    fn add(&mut self, outcome: Outcome) {
        match outcome {
            Outcome::Sent => self.sent += 1,
            Outcome::Retried => self.retried += 1,
            Outcome::Failed => self.failed += 1,
            Outcome::Held => self.held += 1,
        }
    }
}

/// The wait before attempt `attempts + 1`, after `attempts` failed ones.
pub fn backoff(retry_after: Duration, attempts: i32) -> Duration {
    let doublings = u32::try_from(attempts.saturating_sub(1).clamp(0, 20)).unwrap_or(20);
    retry_after
        .saturating_mul(1u32 << doublings)
        .min(MAX_DELAY.max(retry_after))
}

/// Sends every message due now (up to `options.limit`), calling `observe` with each outcome
/// as it is settled (for metrics). Setting `stop` ends the pass after the messages in flight
/// are settled: a process shutting down finishes what it sent instead of leaving a message
/// the relay took unrecorded (which would be sent again).
pub async fn send_due(
    db: &Database,
    mailer: &Mailer,
    keys: &ContactKeyRing,
    options: SendOptions,
    observe: &(dyn Fn(Outcome) + Sync),
    stop: &AtomicBool,
) -> Result<SendReport, MailError> {
    let budget = AtomicU64::new(options.limit.unwrap_or(u64::MAX));
    let lanes =
        (0..options.lanes.max(1)).map(|_| lane(db, mailer, keys, options, &budget, observe, stop));
    let mut report = SendReport::default();
    let mut first_error = None;
    for result in join_all(lanes).await {
        match result {
            Ok(lane) => {
                report.sent += lane.sent;
                report.retried += lane.retried;
                report.failed += lane.failed;
                report.held += lane.held;
            }
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    match first_error {
        Some(e) => Err(e),
        None => Ok(report),
    }
}

async fn lane(
    db: &Database,
    mailer: &Mailer,
    keys: &ContactKeyRing,
    options: SendOptions,
    budget: &AtomicU64,
    observe: &(dyn Fn(Outcome) + Sync),
    stop: &AtomicBool,
) -> Result<SendReport, MailError> {
    let mut report = SendReport::default();
    let mut client = db.client().await?;
    loop {
        if stop.load(Ordering::SeqCst) {
            return Ok(report);
        }
        // Take one unit of the budget before claiming, so that lanes never overshoot it.
        if budget
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |left| {
                left.checked_sub(1)
            })
            .is_err()
        {
            return Ok(report);
        }
        let Some(claim) = outbox::claim(&mut client, keys).await? else {
            return Ok(report);
        };
        let outcome = settle(claim, mailer, options).await?;
        report.add(outcome);
        observe(outcome);
    }
}

async fn settle(
    claim: Claim<'_>,
    mailer: &Mailer,
    options: SendOptions,
) -> Result<Outcome, MailError> {
    let (id, kind, attempts) = (claim.mail.id, claim.mail.kind.clone(), claim.mail.attempts);
    if claim.mail.under_review {
        claim
            .refused(UNDER_REVIEW, false, false, FOOTAGE_NOT_DELIVERED)
            .await?;
        tracing::info!(
            outbox = id,
            kind,
            "mail held: the owner's entry awaits review"
        );
        return Ok(Outcome::Held);
    }
    let envelope = match &claim.mail.envelope {
        Ok(text) => Envelope::parse(text),
        Err(e) => Err(MailError::Build(format!(
            "cannot open the sealed message: {e}"
        ))),
    };
    let envelope = match envelope {
        Ok(envelope) => envelope,
        Err(e) => {
            // A key generation missing from the key file: the operator can bring it back, so
            // the message waits rather than being lost.
            let error = e.to_string();
            tracing::error!(
                outbox = id,
                kind,
                error,
                "mail cannot be opened; will retry"
            );
            claim
                .retry(backoff(options.retry_after, attempts + 1), &error)
                .await?;
            return Ok(Outcome::Retried);
        }
    };
    let headers = Headers {
        message_id: &claim.mail.message_id,
        unsubscribe: envelope.unsubscribe.as_deref(),
    };
    match mailer
        .deliver(&envelope.to, &envelope.message(), headers)
        .await
    {
        Ok(()) => {
            claim.sent().await?;
            tracing::debug!(outbox = id, kind, "mail sent");
            Ok(Outcome::Sent)
        }
        Err(SendFailure::Transient(error)) if attempts + 1 < options.max_attempts => {
            let delay = backoff(options.retry_after, attempts + 1);
            tracing::warn!(
                outbox = id,
                kind,
                error,
                retry_in_s = delay.as_secs(),
                "mail not sent; will retry"
            );
            claim.retry(delay, &error).await?;
            Ok(Outcome::Retried)
        }
        Err(SendFailure::Transient(error)) => {
            tracing::error!(
                outbox = id,
                kind,
                error,
                attempts = attempts + 1,
                "mail given up after repeated failures"
            );
            let error = format!("given up after {} attempts: {error}", attempts + 1);
            claim
                .refused(&error, false, true, FOOTAGE_NOT_DELIVERED)
                .await?;
            Ok(Outcome::Failed)
        }
        Err(SendFailure::Permanent(error)) => {
            tracing::warn!(
                outbox = id,
                kind,
                error,
                "mail refused for good; entry marked for review"
            );
            claim
                .refused(&error, true, true, FOOTAGE_NOT_DELIVERED)
                .await?;
            Ok(Outcome::Failed)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_a_ceiling() {
        let base = Duration::from_secs(60);
        assert_eq!(backoff(base, 1), Duration::from_secs(60));
        assert_eq!(backoff(base, 2), Duration::from_secs(120));
        assert_eq!(backoff(base, 4), Duration::from_secs(480));
        assert_eq!(backoff(base, 40), MAX_DELAY);
        assert_eq!(backoff(Duration::from_secs(1), 0), Duration::from_secs(1));
    }
}
