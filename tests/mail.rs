//! Mail: the outbox folder by default, a real SMTP server (aiosmtpd) when a relay is configured.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use canvass_e2e::{SmtpServer, run, stderr_of, stdout_of};

#[test]
fn test_message_goes_to_the_outbox_by_default() {
    let data = tempfile::tempdir().unwrap();
    let dir = data.path().to_str().unwrap();
    let output = run(&[
        "mail",
        "test",
        "--to",
        "ana@example.org",
        "--language",
        "es",
        "--data-dir",
        dir,
    ]);
    assert!(output.status.success(), "{}", stderr_of(&output));
    let files: Vec<_> = std::fs::read_dir(data.path().join("outbox"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].extension().unwrap(), "eml");
    let eml = std::fs::read_to_string(&files[0]).unwrap();
    assert!(eml.contains("To: ana@example.org"), "{eml}");
    assert!(
        eml.contains("Subject: Mensaje de prueba de Canvass"),
        "{eml}"
    );
}

#[test]
fn test_message_goes_through_a_real_smtp_server() {
    let data = tempfile::tempdir().unwrap();
    let smtp = SmtpServer::start(data.path().join("maildir"));
    let url = smtp.url();
    let output = run(&[
        "mail",
        "test",
        "--to",
        "luis@example.org",
        "--smtp-url",
        &url,
        "--data-dir",
        data.path().to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", stderr_of(&output));
    assert!(stdout_of(&output).contains("via smtp"));
    let messages = smtp.wait_for(1);
    assert_eq!(messages.len(), 1, "{messages:?}");
    let message = &messages[0];
    assert!(
        message.contains("Subject: Canvass test message"),
        "{message}"
    );
    assert!(message.contains("To: luis@example.org"), "{message}");
    assert!(
        !data.path().join("outbox").exists()
            || std::fs::read_dir(data.path().join("outbox"))
                .unwrap()
                .count()
                == 0
    );
}

#[test]
fn bad_mail_settings_are_clear_errors() {
    let data = tempfile::tempdir().unwrap();
    let dir = data.path().to_str().unwrap();
    for (args, expect) in [
        (
            vec!["mail", "test", "--to", "not-an-address"],
            "invalid recipient address",
        ),
        (
            vec![
                "mail",
                "test",
                "--to",
                "a@example.org",
                "--smtp-url",
                "http://relay",
            ],
            "invalid SMTP URL",
        ),
        (
            vec![
                "mail",
                "test",
                "--to",
                "a@example.org",
                "--mail-from",
                "<<<",
            ],
            "invalid sender address",
        ),
        (
            vec![
                "mail",
                "test",
                "--to",
                "a@example.org",
                "--smtp-url",
                "smtp://127.0.0.1:1",
            ],
            "sending failed",
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
    let outbox = data.path().join("outbox");
    let written = std::fs::read_dir(&outbox).map(|d| d.count()).unwrap_or(0);
    assert_eq!(written, 0, "nothing was written for refused mail");
}
