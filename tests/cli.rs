//! Bad input on the command line: one clear error line and a non-zero exit, never a panic.

// Helpers outside #[test] functions panic on purpose too: a panic is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use canvass_db::testing::TestDatabase;
use canvass_e2e::{assert_clear_error, canvass, run, stderr_of, stdout_of};

#[test]
fn help_explains_every_command() {
    for args in [
        &["--help"][..],
        &["serve", "--help"],
        &["migrate", "--help"],
        &["demo", "--help"],
        &["db", "--help"],
        &["db", "stop", "--help"],
    ] {
        let output = run(args);
        assert!(output.status.success(), "{args:?}");
        let text = stdout_of(&output);
        assert!(text.contains("Usage: canvass"), "{args:?}: {text}");
    }
    let serve = stdout_of(&run(&["serve", "--help"]));
    for flag in [
        "--listen",
        "--demo",
        "--data-dir",
        "--database-url",
        "CANVASS_LISTEN",
        "--config",
    ] {
        assert!(serve.contains(flag), "serve --help lacks {flag}");
    }
}

#[test]
fn unknown_commands_and_flags() {
    assert_clear_error(&run(&["frobnicate"]), "unrecognized subcommand");
    assert_clear_error(&run(&["serve", "--no-such-flag"]), "unexpected argument");
    assert_clear_error(
        &run(&["serve", "--listen", "not-an-address"]),
        "invalid value",
    );
    assert_clear_error(
        &run(&["serve", "--listen", "127.0.0.1:99999"]),
        "invalid value",
    );
    assert_clear_error(&run(&["serve", "--request-timeout", "0"]), "invalid value");
    assert_clear_error(
        &run(&["serve", "--time-zone", "Mars/Olympus_Mons"]),
        "not an IANA time zone",
    );
}

#[test]
fn malformed_database_urls() {
    for url in [
        "mysql://localhost/db",
        "definitely not a url",
        "postgres://u@host:notaport/db",
        "",
    ] {
        let output = run(&["migrate", "--database-url", url]);
        assert_clear_error(&output, "malformed database URL");
    }
    let output = run(&[
        "migrate",
        "--database-url",
        "postgres://ana:hunter2@host:notaport/db",
    ]);
    assert!(
        !stderr_of(&output).contains("hunter2"),
        "the password is never echoed"
    );
}

#[test]
fn unwritable_data_directory() {
    // A path below a regular file cannot be created, even by root.
    let file = tempfile::NamedTempFile::new().unwrap();
    let data_dir = file.path().join("var");
    let output = run(&["migrate", "--data-dir", data_dir.to_str().unwrap()]);
    assert_clear_error(&output, "cannot create");
}

#[test]
fn occupied_port() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let data_dir = tempfile::tempdir().unwrap();
    let output = run(&[
        "serve",
        "--listen",
        &addr,
        "--data-dir",
        data_dir.path().to_str().unwrap(),
    ]);
    assert_clear_error(&output, &format!("cannot listen on {addr}"));
    assert!(
        !data_dir.path().join("pg").exists(),
        "nothing was started for a busy port"
    );
}

#[test]
fn config_file_and_environment() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("canvass.toml");
    std::fs::write(&config, "frobnicate = 1\n").unwrap();
    assert_clear_error(
        &run(&["--config", config.to_str().unwrap(), "db", "status"]),
        "unknown setting \"frobnicate\"",
    );
    std::fs::write(&config, "listen = [1, 2]\n").unwrap();
    assert_clear_error(
        &run(&["--config", config.to_str().unwrap(), "db", "status"]),
        "must be a string",
    );
    std::fs::write(&config, "this is not toml").unwrap();
    assert_clear_error(
        &run(&["--config", config.to_str().unwrap(), "db", "status"]),
        "config file",
    );
    assert_clear_error(
        &run(&["--config", "/nonexistent/canvass.toml", "db", "status"]),
        "cannot read config file",
    );

    // A setting from the file is used; the environment overrides it; the flag overrides both.
    let data_a = dir.path().join("a");
    std::fs::write(
        &config,
        format!("data-dir = {:?}\n", data_a.to_str().unwrap()),
    )
    .unwrap();
    let status = run(&["--config", config.to_str().unwrap(), "db", "status"]);
    assert!(
        stdout_of(&status).contains(data_a.to_str().unwrap()),
        "{}",
        stdout_of(&status)
    );
    let data_b = dir.path().join("b");
    let status = canvass()
        .env("CANVASS_CONFIG", &config)
        .env("CANVASS_DATA_DIR", &data_b)
        .args(["db", "status"])
        .output()
        .unwrap();
    assert!(
        stdout_of(&status).contains(data_b.to_str().unwrap()),
        "{}",
        stdout_of(&status)
    );
    let data_c = dir.path().join("c");
    let status = canvass()
        .env("CANVASS_CONFIG", &config)
        .env("CANVASS_DATA_DIR", &data_b)
        .args(["db", "status", "--data-dir", data_c.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        stdout_of(&status).contains(data_c.to_str().unwrap()),
        "{}",
        stdout_of(&status)
    );
    assert_eq!(
        status.status.code(),
        Some(3),
        "not running is reported with exit 3"
    );
}

#[tokio::test]
async fn migrate_refuses_an_edited_migration_by_file_name() {
    let db = TestDatabase::unmigrated().await.unwrap();
    let sql = tempfile::tempdir().unwrap();
    let source = concat!(env!("CARGO_MANIFEST_DIR"), "/../../sql");
    for entry in std::fs::read_dir(source).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), sql.path().join(entry.file_name())).unwrap();
    }
    let dir = sql.path().to_str().unwrap();
    let first = run(&[
        "migrate",
        "--database-url",
        &db.url,
        "--migrations-dir",
        dir,
    ]);
    assert!(first.status.success(), "{}", stderr_of(&first));
    assert!(stdout_of(&first).contains("applied 0006_changes.sql"));
    let second = run(&[
        "migrate",
        "--database-url",
        &db.url,
        "--migrations-dir",
        dir,
    ]);
    assert!(
        stdout_of(&second).contains("0 applied now"),
        "{}",
        stdout_of(&second)
    );
    let check = run(&["migrate", "--check", "--database-url", &db.url]);
    assert_eq!(check.status.code(), Some(0), "{}", stdout_of(&check));

    let edited = sql.path().join("0002_registry.sql");
    let text = std::fs::read_to_string(&edited).unwrap();
    std::fs::write(&edited, text.replace("3650", "36500")).unwrap();
    assert_clear_error(
        &run(&[
            "migrate",
            "--database-url",
            &db.url,
            "--migrations-dir",
            dir,
        ]),
        "0002_registry.sql",
    );
}

#[test]
fn pending_migrations_are_reported_by_check() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let db = runtime.block_on(TestDatabase::unmigrated()).unwrap();
    let check = run(&["migrate", "--check", "--database-url", &db.url]);
    assert_eq!(check.status.code(), Some(3), "{}", stderr_of(&check));
    assert!(stdout_of(&check).contains("pending 0001_extensions.sql"));
}

#[tokio::test]
async fn contact_key_and_its_deprecated_spelling() {
    let help = stdout_of(&run(&["--help"]));
    assert!(help.contains("contact-key"), "{help}");
    assert!(
        !help.lines().any(|l| l.trim_start().starts_with("keys ")),
        "the old spelling is hidden: {help}"
    );

    let db = TestDatabase::new().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let data_dir = dir.path().to_str().unwrap();
    let rotate = run(&[
        "contact-key",
        "rotate",
        "--database-url",
        &db.url,
        "--data-dir",
        data_dir,
    ]);
    assert!(rotate.status.success(), "{}", stderr_of(&rotate));
    assert!(
        stdout_of(&rotate).contains("contact key rotated to"),
        "{}",
        stdout_of(&rotate)
    );
    assert!(
        !stderr_of(&rotate).contains("deprecated"),
        "{}",
        stderr_of(&rotate)
    );
    let key_file = std::fs::read_to_string(dir.path().join("secrets/contact.key")).unwrap();
    assert_eq!(key_file.matches("canvass-contact-key v1").count(), 2);

    // The old spelling still works, and says once what to type instead.
    let prune = run(&[
        "keys",
        "prune",
        "--database-url",
        &db.url,
        "--data-dir",
        data_dir,
    ]);
    assert!(prune.status.success(), "{}", stderr_of(&prune));
    assert!(
        stdout_of(&prune).contains("1 unused key generation(s) removed"),
        "{}",
        stdout_of(&prune)
    );
    let notes: Vec<String> = stderr_of(&prune)
        .lines()
        .filter(|l| l.contains("deprecated"))
        .map(str::to_owned)
        .collect();
    assert_eq!(
        notes,
        ["canvass keys is deprecated; use canvass contact-key"],
        "{}",
        stderr_of(&prune)
    );
    let key_file = std::fs::read_to_string(dir.path().join("secrets/contact.key")).unwrap();
    assert_eq!(key_file.matches("canvass-contact-key v1").count(), 1);
}
