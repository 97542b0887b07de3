//! Mail: the outbox folder by default, a real SMTP conversation when a relay is configured.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::mpsc;

use canvass_e2e::{run, stderr_of, stdout_of};

/// A minimal SMTP server: accepts one message and hands over its DATA.
fn smtp_sink() -> (u16, mpsc::Receiver<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut out = stream;
        writeln!(out, "220 sink.test ESMTP\r").unwrap();
        let mut line = String::new();
        let mut data = String::new();
        loop {
            line.clear();
            if reader.read_line(&mut line).unwrap() == 0 {
                break;
            }
            let command = line.trim_end().to_uppercase();
            if command.starts_with("EHLO") || command.starts_with("HELO") {
                write!(out, "250-sink.test\r\n250 8BITMIME\r\n").unwrap();
            } else if command == "DATA" {
                write!(out, "354 go ahead\r\n").unwrap();
                loop {
                    line.clear();
                    reader.read_line(&mut line).unwrap();
                    if line == ".\r\n" {
                        break;
                    }
                    data.push_str(&line);
                }
                write!(out, "250 queued\r\n").unwrap();
            } else if command == "QUIT" {
                write!(out, "221 bye\r\n").unwrap();
                break;
            } else {
                write!(out, "250 ok\r\n").unwrap();
            }
        }
        let _ = tx.send(data);
    });
    (port, rx)
}

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
    let (port, received) = smtp_sink();
    let data = tempfile::tempdir().unwrap();
    let url = format!("smtp://127.0.0.1:{port}");
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
    let message = received
        .recv_timeout(std::time::Duration::from_secs(10))
        .unwrap();
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
