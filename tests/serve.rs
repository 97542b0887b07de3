//! `canvass serve` on the embedded database, driven as an operator would.

// Helpers outside #[test] functions panic on purpose too: a panic is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use canvass_db::testing::TestDatabase;
use canvass_e2e::{Server, alive, http, postmaster_pid, run, stdout_of};
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use reqwest::Method;

fn wait_for_status(server: &Server, path: &str, want: u16, limit: Duration) -> Duration {
    let started = Instant::now();
    loop {
        let (status, _) = server.get(path);
        if status == want {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < limit,
            "{path} did not answer {want} within {limit:?} (last {status})"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn embedded_lifecycle() {
    // mktemp -d style: a private directory, while canvass (as root here) runs postgres as
    // another account.
    let data = tempfile::tempdir().unwrap();
    let data_dir = data.path().to_str().unwrap();
    let server = Server::start(&["--demo", "--demo-cameras", "1500", "--data-dir", data_dir]);
    server.wait_ready();
    assert_eq!(server.get("/readyz"), (200, "ready\n".into()));
    assert_eq!(server.get("/healthz").0, 200);
    let pid = postmaster_pid(data.path()).expect("cluster running");

    // A second process on the same data directory uses the running cluster and changes nothing.
    let migrate = run(&["migrate", "--data-dir", data_dir]);
    assert!(migrate.status.success());
    assert!(
        stdout_of(&migrate).contains("0 applied now"),
        "{}",
        stdout_of(&migrate)
    );
    assert_eq!(
        postmaster_pid(data.path()),
        Some(pid),
        "no second server was started"
    );
    assert!(
        alive(pid),
        "the second process did not stop the first one's server"
    );
    let status = run(&["db", "status", "--data-dir", data_dir]);
    assert!(stdout_of(&status).starts_with("running"));

    // Killing the database: readiness fails within 5 s, then the server restarts it.
    kill(Pid::from_raw(pid), Signal::SIGKILL).unwrap();
    let down = wait_for_status(&server, "/readyz", 503, Duration::from_secs(5));
    eprintln!("readyz went 503 after {down:?}");
    wait_for_status(&server, "/readyz", 200, Duration::from_secs(30));
    let restarted = postmaster_pid(data.path()).expect("restarted");
    assert_ne!(restarted, pid);

    // Metrics count requests per route.
    let (status, metrics) = server.get("/metrics");
    assert_eq!(status, 200);
    assert!(
        metrics.contains(
            "canvass_http_requests_total{method=\"GET\",route=\"/readyz\",status=\"503\"}"
        ),
        "{metrics}"
    );
    assert!(
        metrics.contains("canvass_http_request_duration_seconds_bucket"),
        "{metrics}"
    );

    // Ctrl-C stops the server and the cluster it started.
    let exit = server.interrupt();
    assert!(exit.success(), "{exit}");
    assert!(!alive(restarted), "postgres left running after Ctrl-C");

    // Running again reuses the data: the demo is not loaded twice.
    let again = Server::start(&["--demo", "--data-dir", data_dir]);
    again.wait_ready();
    let count = run(&["db", "status", "--data-dir", data_dir]);
    assert!(stdout_of(&count).starts_with("running"));
    let reload = run(&["demo", "--data-dir", data_dir, "--cameras", "10"]);
    assert!(
        String::from_utf8_lossy(&reload.stderr).contains("already holds"),
        "data kept across restarts"
    );
    let second_pid = postmaster_pid(data.path()).unwrap();
    assert!(again.interrupt().success());
    assert!(!alive(second_pid));
}

#[test]
fn sigterm_stops_cleanly() {
    let data = tempfile::tempdir().unwrap();
    let server = Server::start(&["--data-dir", data.path().to_str().unwrap()]);
    let pid = postmaster_pid(data.path()).unwrap();
    kill(Pid::from_raw(server.pid() as i32), Signal::SIGTERM).unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while alive(pid) {
        assert!(
            Instant::now() < deadline,
            "postgres still running 30 s after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[tokio::test]
async fn external_database_and_hostile_requests() {
    let db = TestDatabase::unmigrated().await.unwrap();
    let data = tempfile::tempdir().unwrap();
    let server = tokio::task::spawn_blocking({
        let url = db.url.clone();
        let dir = data.path().to_path_buf();
        move || {
            let server = Server::start(&[
                "--database-url",
                &url,
                "--data-dir",
                dir.to_str().unwrap(),
                "--max-body-bytes",
                "1024",
            ]);
            server.wait_ready();
            server
        }
    })
    .await
    .unwrap();
    assert!(
        !data.path().join("pg").exists(),
        "with --database-url no cluster is started"
    );
    let client = db.connect().await.unwrap();
    let applied: i64 = client
        .query_one("SELECT count(*) FROM canvass_schema_migrations", &[])
        .await
        .unwrap()
        .get(0);
    assert!(applied >= 6, "serve applied the migrations");

    let base = server.base.clone();
    let answers = tokio::task::spawn_blocking(move || {
        vec![
            (
                "unknown route",
                http(Method::GET, &format!("{base}/no/such/route"), None).0,
            ),
            (
                "wrong method",
                http(Method::DELETE, &format!("{base}/readyz"), None).0,
            ),
            // Small enough to fit in socket buffers, so the client reads the answer.
            (
                "oversized body",
                http(
                    Method::POST,
                    &format!("{base}/healthz"),
                    Some(vec![b'x'; 8192]),
                )
                .0,
            ),
            (
                "path traversal",
                http(Method::GET, &format!("{base}/..%2F..%2Fetc%2Fpasswd"), None).0,
            ),
            (
                "huge path",
                http(Method::GET, &format!("{base}/{}", "a".repeat(10_000)), None).0,
            ),
        ]
    })
    .await
    .unwrap();
    for (case, status) in &answers {
        assert!((400..500).contains(status), "{case}: {status}");
    }
    assert_eq!(
        answers[2].1, 413,
        "bodies over --max-body-bytes are refused as too large"
    );
    let (status, _) = tokio::task::spawn_blocking(move || server.get("/readyz"))
        .await
        .unwrap();
    assert_eq!(status, 200, "still serving after hostile requests");
}
