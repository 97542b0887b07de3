//! The mail outbox through the real binary and a real SMTP server (aiosmtpd): pages answer
//! before the relay is even up, and the mail arrives once it is; 4xx replies and dropped
//! connections are retried, 550s are flagged for review and not retried; two senders at once
//! and a sender killed mid-batch send every message once (counted by Message-ID); every
//! message has a text and an HTML part, Message-ID, Date and the one-click List-Unsubscribe;
//! a dump of the database shows no queued address or name.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use canvass_db::testing::TestDatabase;
use canvass_e2e::{
    Server, SmtpFaults, SmtpServer, canvass, free_port, message_id, run, stderr_of, stdout_of,
};
use reqwest::StatusCode;

const CANARY_NAME: &str = "Zebulon Canarywright";
const CANARY_DOMAIN: &str = "canary-owner.example";

/// A database with the demo city and `owners` imported owners whose welcome mails wait in the
/// outbox: the import's own attempt met a relay that is not there.
struct Queued {
    db: TestDatabase,
    dir: tempfile::TempDir,
    owners: usize,
}

impl Queued {
    fn data(&self) -> String {
        self.dir.path().join("var").to_string_lossy().into_owned()
    }

    /// `canvass mail send` through `relay`, with a one-second retry.
    fn send_command(&self, relay: &str, extra: &[&str]) -> Command {
        let mut command = canvass();
        command
            .args(["mail", "send", "--database-url", &self.db.url, "--data-dir"])
            .arg(self.data())
            .args(["--smtp-url", relay, "--mail-retry-after", "1"])
            .args(extra);
        command
    }

    fn send(&self, relay: &str, extra: &[&str]) -> Output {
        self.send_command(relay, extra).output().unwrap()
    }

    async fn count(&self, sql: &str) -> i64 {
        let client = self.db.connect().await.unwrap();
        client.query_one(sql, &[]).await.unwrap().get(0)
    }

    /// Makes every waiting message due now (the import's failed attempt put it off).
    async fn all_due(&self) {
        let client = self.db.connect().await.unwrap();
        client
            .execute(
                "UPDATE mail_outbox SET next_attempt_at = now() WHERE state = 'pending'",
                &[],
            )
            .await
            .unwrap();
    }

    /// Sends until nothing waits (retries fall due a second or two later).
    async fn drain(&self, relay: &str) {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let output = self.send(relay, &[]);
            assert!(output.status.success(), "{}", stderr_of(&output));
            if self
                .count("SELECT count(*) FROM mail_outbox WHERE state = 'pending'")
                .await
                == 0
            {
                return;
            }
            assert!(Instant::now() < deadline, "the outbox never drained");
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }
}

async fn queued(owners: usize, refused: &[usize]) -> Queued {
    let db = TestDatabase::new().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("var").to_string_lossy().into_owned();
    let demo = run(&[
        "demo",
        "--cameras",
        "300",
        "--database-url",
        &db.url,
        "--data-dir",
        &data,
    ]);
    assert!(demo.status.success(), "{}", stderr_of(&demo));
    let client = db.connect().await.unwrap();
    let spots = client
        .query(
            "SELECT ST_X(location), ST_Y(location), address FROM cameras ORDER BY id LIMIT $1",
            &[&(owners as i64)],
        )
        .await
        .unwrap();
    let mut csv = String::from("Name,Email,Address,Longitude,Latitude\n");
    for (i, spot) in spots.iter().enumerate() {
        let (lon, lat, address): (f64, f64, String) = (spot.get(0), spot.get(1), spot.get(2));
        let domain = if refused.contains(&i) {
            "refused.example"
        } else {
            CANARY_DOMAIN
        };
        csv.push_str(&format!(
            "{CANARY_NAME} {i},owner{i}@{domain},\"{address}\",{lon:.7},{lat:.7}\n"
        ));
    }
    let file = dir.path().join("owners.csv");
    std::fs::write(&file, csv).unwrap();
    let dead = format!("smtp://127.0.0.1:{}", free_port());
    let output = run(&[
        "import",
        "--database-url",
        &db.url,
        "--data-dir",
        &data,
        "--smtp-url",
        &dead,
        "registrations",
        file.to_str().unwrap(),
        "--default",
        "kind=residence",
        "--default",
        "placement=exterior",
        "--default",
        "views=street",
        "--default",
        "recording_mode=motion",
    ]);
    assert!(output.status.success(), "{}", stderr_of(&output));
    assert!(
        stdout_of(&output).contains(&format!("imported {owners} registrations")),
        "{}",
        stdout_of(&output)
    );
    let q = Queued { db, dir, owners };
    assert_eq!(
        q.count("SELECT count(*) FROM mail_outbox WHERE state = 'pending'")
            .await,
        owners as i64
    );
    q
}

/// How many times each Message-ID arrived.
fn by_message_id(messages: &[String]) -> HashMap<String, usize> {
    let mut seen = HashMap::new();
    for m in messages {
        let id = message_id(m).unwrap_or_else(|| panic!("no Message-ID: {m}"));
        *seen.entry(id).or_insert(0) += 1;
    }
    seen
}

fn pg_dump(url: &str) -> String {
    let output = Command::new("/usr/lib/postgresql/15/bin/pg_dump")
        .args(["--data-only", "-d", url])
        .output()
        .expect("pg_dump (Debian postgresql-15)");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[tokio::test]
async fn a_dump_shows_no_queued_address_or_name_and_faults_are_handled() {
    let q = queued(12, &[4]).await;
    let dump = pg_dump(&q.db.url);
    assert!(dump.contains("mail_outbox"), "the dump has the outbox");
    for canary in [CANARY_DOMAIN, CANARY_NAME, "refused.example", "owner3@"] {
        assert!(
            !dump.contains(canary),
            "{canary:?} is in plain text in the dump"
        );
    }

    // A relay that answers 451 to the first three messages, drops the connection at every
    // fifth and refuses one owner's address with 550; two senders start at once.
    q.all_due().await;
    let port = free_port();
    let relay = format!("smtp://127.0.0.1:{port}");
    let faults = SmtpFaults {
        refuse: vec!["refused.example".into()],
        tempfail: 3,
        drop_every: 5,
        delay: 0.0,
    };
    let smtp = SmtpServer::start_on(port, q.dir.path().join("maildir"), &faults);
    let first = q
        .send_command(&relay, &[])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let second = q
        .send_command(&relay, &[])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    for child in [first, second] {
        let output = child.wait_with_output().unwrap();
        assert!(output.status.success(), "{}", stderr_of(&output));
        assert!(
            stdout_of(&output).starts_with("sent "),
            "{}",
            stdout_of(&output)
        );
    }
    q.drain(&relay).await;

    let messages = smtp.wait_for(q.owners - 1);
    let ids = by_message_id(&messages);
    assert_eq!(
        messages.len(),
        q.owners - 1,
        "everything but the refused one arrived"
    );
    assert_eq!(ids.len(), q.owners - 1);
    assert!(ids.values().all(|&n| n == 1), "each message once: {ids:?}");
    assert!(!messages.iter().any(|m| m.contains("refused.example")));
    assert_eq!(
        q.count("SELECT count(*) FROM mail_outbox WHERE state = 'sent' AND sealed IS NULL")
            .await,
        q.owners as i64 - 1
    );
    assert!(
        q.count("SELECT max(attempts)::bigint FROM mail_outbox WHERE state = 'sent'")
            .await
            > 1,
        "some were retried"
    );
    // The 550: two attempts (the import's met no relay, the next one the 550) and no more, the
    // seal erased, the reason kept without the address, the
    // owner's entry marked for review.
    let client = q.db.connect().await.unwrap();
    let row = client
        .query_one(
            "SELECT o.state, o.attempts, o.sealed IS NULL, o.last_error, r.mail_review_since IS NOT NULL
             FROM mail_outbox o JOIN registrations r ON r.id = o.registration_id
             WHERE o.state <> 'sent'",
            &[],
        )
        .await
        .unwrap();
    let (state, attempts, erased, error, review): (String, i32, bool, String, bool) =
        (row.get(0), row.get(1), row.get(2), row.get(3), row.get(4));
    assert_eq!(
        (state.as_str(), attempts, erased, review),
        ("failed", 2, true, true)
    );
    assert!(error.contains("550"), "{error}");
    assert!(
        !error.contains('@'),
        "no address in the stored error: {error}"
    );
    // Running again sends nothing more.
    let again = q.send(&relay, &[]);
    assert!(
        stdout_of(&again).starts_with("sent 0 "),
        "{}",
        stdout_of(&again)
    );
    assert_eq!(smtp.messages().len(), q.owners - 1);

    let status = run(&[
        "mail",
        "status",
        "--database-url",
        &q.db.url,
        "--data-dir",
        &q.data(),
    ]);
    let text = stdout_of(&status);
    assert!(status.status.success(), "{}", stderr_of(&status));
    assert!(text.contains("1 registration(s) awaiting review"), "{text}");
    assert!(text.contains("550"), "{text}");

    // And after everything went out, still nothing personal in a dump.
    let dump = pg_dump(&q.db.url);
    assert!(!dump.contains(CANARY_DOMAIN) && !dump.contains(CANARY_NAME));
}

#[tokio::test]
async fn a_sender_killed_mid_batch_and_run_again_sends_each_message_once() {
    let q = queued(30, &[]).await;
    q.all_due().await;
    let port = free_port();
    let relay = format!("smtp://127.0.0.1:{port}");
    let faults = SmtpFaults {
        delay: 0.15,
        ..SmtpFaults::default()
    };
    let smtp = SmtpServer::start_on(port, q.dir.path().join("maildir"), &faults);
    let mut sender = q
        .send_command(&relay, &["--mail-lanes", "2"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while smtp.messages().len() < 8 {
        assert!(Instant::now() < deadline, "the sender sent nothing");
        std::thread::sleep(Duration::from_millis(20));
    }
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(sender.id() as i32),
        nix::sys::signal::Signal::SIGKILL,
    )
    .unwrap();
    sender.wait().unwrap();
    let before = smtp.messages().len();
    assert!(before < q.owners, "killed in the middle ({before} sent)");

    let output = q.send(&relay, &[]);
    assert!(output.status.success(), "{}", stderr_of(&output));
    let messages = smtp.wait_for(q.owners);
    let ids = by_message_id(&messages);
    assert_eq!(ids.len(), q.owners, "every message arrived");
    // A message the relay had taken when the sender died, but whose send was not yet
    // recorded, goes again with the same Message-ID: at most one per lane in flight.
    let twice: Vec<_> = ids.iter().filter(|(_, n)| **n > 1).collect();
    assert!(
        twice.len() <= 2 && twice.iter().all(|(_, n)| **n == 2),
        "{twice:?}"
    );
    assert_eq!(
        q.count("SELECT count(*) FROM mail_outbox WHERE state = 'sent'")
            .await,
        q.owners as i64
    );
}

/// A form session: the CSRF cookie and token of a fresh `GET /register`.
async fn open_form(base: &str) -> (String, String) {
    let response = reqwest::get(format!("{base}/register?lang=en"))
        .await
        .unwrap();
    let cookie = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix("canvass_form_csrf="))
        .and_then(|v| v.split(';').next())
        .unwrap()
        .to_owned();
    let page = response.text().await.unwrap();
    let csrf = page
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap()
        .to_owned();
    (cookie, csrf)
}

fn plain() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

fn header<'a>(message: &'a str, name: &str) -> Option<&'a str> {
    message
        .lines()
        .take_while(|l| !l.is_empty())
        .find_map(|l| l.strip_prefix(&format!("{name}: ")))
}

#[tokio::test]
async fn a_registration_answers_before_the_relay_is_up_and_the_mail_follows() {
    let db = TestDatabase::new().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap().to_owned();
    let port = free_port();
    let relay = format!("smtp://127.0.0.1:{port}");
    let url = db.url.clone();
    let server = tokio::task::spawn_blocking(move || {
        let server = Server::start(&[
            "--database-url",
            &url,
            "--data-dir",
            &data,
            "--demo",
            "--demo-cameras",
            "300",
            "--smtp-url",
            &relay,
            "--mail-retry-after",
            "1",
            "--mail-reply-to",
            "Cameras Desk <cameras@demo-city.example>",
        ]);
        server.wait_ready();
        server
    })
    .await
    .unwrap();
    let base = server.base.clone();
    let client = db.connect().await.unwrap();
    let address: String = client
        .query_one(
            "SELECT number || ' ' || street FROM address_points ORDER BY id LIMIT 1",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    let (cookie, csrf) = open_form(&base).await;
    let fields = [
        ("name", "Ana Canary"),
        ("email", "ana@canary-owner.example"),
        ("contact_method", "email"),
        ("language", "en"),
        ("kind", "residence"),
        ("address", &address),
        ("cameras", "1"),
        ("camera-0-placement", "exterior"),
        ("camera-0-views", "street"),
        ("camera-0-recording_mode", "motion"),
        ("camera-0-can_export", "yes"),
        ("consent", "yes"),
        ("action", "submit"),
        ("csrf", &csrf),
    ];
    let body = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish();
    let started = Instant::now();
    let response = plain()
        .post(format!("{base}/register?lang=en"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("cookie", format!("canvass_form_csrf={cookie}"))
        .body(body.clone())
        .send()
        .await
        .unwrap();
    let answered = started.elapsed();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert!(answered < Duration::from_secs(2), "{answered:?}");
    // Sent twice more (a double click, a reload): the address is known now, and its owner
    // gets one "already registered" link, not one per click.
    for _ in 0..2 {
        let again = plain()
            .post(format!("{base}/register?lang=en"))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("cookie", format!("canvass_form_csrf={cookie}"))
            .body(body.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), StatusCode::SEE_OTHER);
    }
    let queued: i64 = client
        .query_one("SELECT count(*) FROM mail_outbox", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(
        queued, 2,
        "the confirmation and one 'already registered' link"
    );

    // The relay comes up; the waiting mail goes out on the next retry.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let smtp = SmtpServer::start_on(port, dir.path().join("maildir"), &SmtpFaults::default());
    let messages = smtp.wait_for(2);
    assert_eq!(messages.len(), 2, "{messages:?}");
    let confirmation = messages
        .iter()
        .find(|m| m.contains("Please confirm"))
        .unwrap();
    let m = confirmation;
    assert!(
        header(m, "Message-ID")
            .is_some_and(|id| id.starts_with('<') && id.ends_with("@localhost>")),
        "{m}"
    );
    assert!(header(m, "Date").is_some(), "{m}");
    assert!(
        header(m, "Reply-To").is_some_and(|r| r.contains("<cameras@demo-city.example>")),
        "{m}"
    );
    assert!(m.contains("Content-Type: multipart/alternative"), "{m}");
    assert!(m.contains("Content-Type: text/plain"), "{m}");
    assert!(m.contains("Content-Type: text/html"), "{m}");
    assert!(m.contains("<a href=\""), "{m}");
    assert_eq!(
        header(m, "List-Unsubscribe-Post"),
        Some("List-Unsubscribe=One-Click"),
        "{m}"
    );
    let unsubscribe = header(m, "List-Unsubscribe")
        .and_then(|v| v.strip_prefix('<'))
        .and_then(|v| v.strip_suffix('>'))
        .unwrap()
        .to_owned();
    assert!(
        unsubscribe.starts_with(&format!("{base}/optout/")),
        "{unsubscribe}"
    );

    // A GET (a mail scanner) changes nothing; the one-click POST opts out.
    let page = plain().get(&unsubscribe).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.unwrap().contains("<form method=\"post\""));
    let status = || async {
        let c = db.connect().await.unwrap();
        let s: String = c
            .query_one("SELECT status FROM registrations WHERE source = 'web'", &[])
            .await
            .unwrap()
            .get(0);
        s
    };
    assert_eq!(status().await, "pending");
    let posted = plain()
        .post(&unsubscribe)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .unwrap();
    assert_eq!(posted.status(), StatusCode::OK);
    assert_eq!(status().await, "opted_out");
    // The link is used up; a forged one changes nothing.
    for url in [unsubscribe.clone(), format!("{base}/optout/forged-token")] {
        let r = plain().post(&url).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{url}");
        let r = plain().get(&url).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{url}");
    }
    let receipt = smtp.wait_for(3);
    assert!(receipt.iter().any(|m| m.contains("removed")), "{receipt:?}");

    // The sender counts a message once its send is recorded, a moment after the relay took it.
    let wanted = [
        "canvass_mail_outbox_backlog 0",
        "canvass_mail_messages_total{outcome=\"sent\"} 3",
        "canvass_mail_messages_total{outcome=\"retried\"}",
    ];
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let metrics = reqwest::get(format!("{base}/metrics"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        if wanted.iter().all(|w| metrics.contains(w)) {
            break;
        }
        assert!(Instant::now() < deadline, "{wanted:?} in {metrics}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    drop(smtp);
    drop(server);
}

#[test]
fn bad_mail_send_arguments_are_clear_errors() {
    let data = tempfile::tempdir().unwrap();
    let dir = data.path().to_str().unwrap();
    for (args, expect) in [
        (vec!["mail", "send", "--limit", "0"], "--limit"),
        (vec!["mail", "send", "--mail-lanes", "0"], "--mail-lanes"),
        (
            vec!["mail", "send", "--mail-retry-after", "x"],
            "--mail-retry-after",
        ),
        (
            vec!["mail", "send", "--smtp-url", "http://relay"],
            "invalid SMTP URL",
        ),
        (
            vec!["mail", "send", "--mail-reply-to", "<<<"],
            "invalid reply-to address",
        ),
    ] {
        let mut full = args.clone();
        full.extend(["--data-dir", dir]);
        let output = run(&full);
        let stderr = stderr_of(&output);
        assert!(!output.status.success(), "{args:?}");
        assert!(
            stderr.contains(expect) && !stderr.contains("panicked"),
            "{args:?}: {stderr}"
        );
    }
}
