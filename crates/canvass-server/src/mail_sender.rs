//! The outbox sender of `canvass serve`: sends what the handlers queued, woken by the
//! `canvass_mail` notification of every insert (through the follower's connection, see
//! `sync.rs`), by the next retry falling due, and by a periodic poll in case a notification
//! was missed. Every `serve` replica runs one; `FOR UPDATE SKIP LOCKED` keeps them from
//! sending a message twice.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use canvass_mail::sender::{Outcome, SendOptions, send_due};

use crate::AppState;

/// The notification channel of the outbox trigger (`sql/0018_mail_outbox.sql`).
pub(crate) const CHANNEL: &str = "canvass_mail";

/// Runs until `stop` is set (and the sender woken through `mail_wake`); a pass under way
/// settles the messages in flight first.
pub async fn send_mail(
    state: AppState,
    options: SendOptions,
    poll: Duration,
    stop: Arc<AtomicBool>,
) {
    let observe = |outcome: Outcome| match outcome {
        Outcome::Sent => state.metrics.mail_sent.inc(),
        Outcome::Retried => state.metrics.mail_retried.inc(),
        Outcome::Failed => state.metrics.mail_failed.inc(),
        Outcome::Held => {}
    };
    loop {
        if stop.load(Ordering::SeqCst) {
            return;
        }
        let keys = state.contact_keys.ring();
        match send_due(&state.db, &state.mailer, &keys, options, &observe, &stop).await {
            Ok(report) if report != Default::default() => {
                tracing::info!(
                    sent = report.sent,
                    retried = report.retried,
                    failed = report.failed,
                    held = report.held,
                    "mail outbox pass"
                );
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "mail outbox pass stopped"),
        }
        let wait = match next_wait(&state, poll).await {
            Ok(wait) => wait,
            Err(e) => {
                tracing::warn!(error = %e, "cannot read the mail outbox");
                poll
            }
        };
        tokio::select! {
            // A notification during the pass left a permit: this returns at once then.
            () = state.mail_wake.notified() => {}
            () = tokio::time::sleep(wait) => {}
        }
    }
}

/// Updates the backlog gauge and says how long to sleep: until the next retry falls due, at
/// most `poll`.
async fn next_wait(state: &AppState, poll: Duration) -> Result<Duration, canvass_db::DbError> {
    let client = state.db.client().await?;
    let backlog = canvass_db::outbox::backlog(&**client).await?;
    state.metrics.mail_backlog.set(backlog);
    let Some(due) = canvass_db::outbox::next_due(&**client).await? else {
        return Ok(poll);
    };
    let until = (due - chrono::Utc::now())
        .to_std()
        .unwrap_or(Duration::ZERO)
        // Not a busy loop when a claim keeps failing (the database refuses an update).
        .max(Duration::from_millis(200));
    Ok(until.min(poll))
}
