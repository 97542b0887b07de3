//! `canvass mail test|send|status`.

use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use canvass_db::connect::PoolOptions;
use canvass_mail::sender::{self, Outcome};
use canvass_mail::test_message;
use canvass_model::Language;

use crate::cli::{GlobalArgs, MailAction};

pub async fn run(global: &GlobalArgs, action: MailAction) -> anyhow::Result<ExitCode> {
    match action {
        MailAction::Test { to, language } => {
            let mailer = crate::mailer(global)?;
            let language = if language == "es" {
                Language::Es
            } else {
                Language::En
            };
            mailer.send(&to, &test_message(language)?).await?;
            println!("test message sent via {}", mailer.describe());
            Ok(ExitCode::SUCCESS)
        }
        MailAction::Send { sending, limit } => {
            let mailer = crate::mailer(global)?;
            let ring = crate::contact_key_file::load_or_create(global)?;
            let options = sending.options(limit);
            let pool = PoolOptions {
                // One connection per lane, and one for the count at the end.
                max_size: options.lanes + 1,
                ..PoolOptions::default()
            };
            let db = crate::open_database(global, pool).await?;
            let outcome = async {
                {
                    let client = db.client().await?;
                    canvass_db::migrate::run(&client, &crate::migrations(global)?).await?;
                }
                // SIGTERM (a systemd stop) or Ctrl-C: settle what is in flight, then stop.
                let stop = Arc::new(AtomicBool::new(false));
                let signal = tokio::spawn({
                    let stop = stop.clone();
                    async move {
                        crate::shutdown::signalled().await;
                        stop.store(true, Ordering::SeqCst);
                    }
                });
                let observe = |_: Outcome| {};
                let sent = sender::send_due(&db, &mailer, &ring, options, &observe, &stop).await;
                signal.abort();
                let report = sent?;
                let client = db.client().await?;
                let waiting = canvass_db::outbox::backlog(&**client).await?;
                println!(
                    "sent {} via {}, {} to retry, {} failed, {} held for review; {waiting} waiting",
                    report.sent,
                    mailer.describe(),
                    report.retried,
                    report.failed,
                    report.held
                );
                Ok::<_, anyhow::Error>(ExitCode::SUCCESS)
            }
            .await;
            db.close().await;
            outcome
        }
        MailAction::Status => {
            let db = crate::open_database(global, PoolOptions::default()).await?;
            let outcome = async {
                let client = db.client().await?;
                canvass_db::migrate::run(&client, &crate::migrations(global)?).await?;
                let counts = canvass_db::outbox::counts(&**client).await?;
                if counts.is_empty() {
                    println!("the mail outbox is empty");
                }
                for (state, kind, count) in counts {
                    println!("{state:<10} {kind:<22} {count}");
                }
                let review = canvass_db::outbox::under_review(&**client).await?;
                println!("{} registration(s) awaiting review", review.len());
                for (id, since, reason) in review {
                    println!(
                        "registration {id} since {}: {reason}",
                        since.format("%Y-%m-%d %H:%M UTC")
                    );
                }
                Ok::<_, anyhow::Error>(ExitCode::SUCCESS)
            }
            .await;
            db.close().await;
            outcome
        }
    }
}
