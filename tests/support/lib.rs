//! Helpers for the end-to-end tests: run the built `canvass` binary as a user would.

// Test support: a failed expectation here is a failed test, so panicking is the point.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

/// The `canvass` binary of this build. These tests are canvass-cli's integration tests, so
/// cargo builds it first and puts it beside the test binaries' `deps/` folder.
pub fn canvass_bin() -> PathBuf {
    if let Some(path) = std::env::var_os("CANVASS_BIN") {
        return PathBuf::from(path);
    }
    let exe = std::env::current_exe().expect("test binary path");
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("target/<profile>");
    let bin = profile_dir.join("canvass");
    assert!(
        bin.is_file(),
        "{} missing: run `cargo build -p canvass-cli` first",
        bin.display()
    );
    bin
}

/// A `canvass` command with a clean environment (no CANVASS_* from the caller).
pub fn canvass() -> Command {
    let mut command = Command::new(canvass_bin());
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("CANVASS_") {
            command.env_remove(key);
        }
    }
    command
        .env("CANVASS_LOG_FORMAT", "text")
        .stdin(Stdio::null());
    command
}

/// Runs `canvass ARGS` to completion.
pub fn run(args: &[&str]) -> Output {
    canvass().args(args).output().expect("run canvass")
}

/// Runs `canvass ARGS` with `input` on its standard input (written from another thread, so a
/// command that stops reading early cannot block the test).
pub fn run_with_stdin(args: &[&str], input: &[u8]) -> Output {
    use std::io::Write;
    let mut child = canvass()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn canvass");
    let mut stdin = child.stdin.take().expect("stdin");
    let input = input.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let output = child.wait_with_output().expect("run canvass");
    let _ = writer.join();
    output
}

/// A port nobody listens on right now.
pub fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("addr").port()
}

/// A running `canvass serve`; interrupted (SIGINT) and reaped on drop.
#[derive(Debug)]
pub struct Server {
    child: Option<Child>,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// Lines the server wrote to standard error so far are collected here.
    stderr: mpsc::Receiver<String>,
    seen_stderr: Vec<String>,
}

impl Server {
    /// `canvass serve` on the database at `database_url` with `cameras` demo cameras, ready.
    pub fn demo(database_url: &str, data_dir: &str, cameras: &str) -> Server {
        let server = Server::start(&[
            "--database-url",
            database_url,
            "--data-dir",
            data_dir,
            "--demo",
            "--demo-cameras",
            cameras,
        ]);
        server.wait_ready();
        server
    }

    /// Starts `canvass serve --listen 127.0.0.1:<free> ARGS` and waits until it prints its URL.
    pub fn start(args: &[&str]) -> Server {
        Self::start_with(canvass(), args)
    }

    /// Like [`Server::start`] with a prepared command (extra environment, say).
    pub fn start_with(mut command: Command, args: &[&str]) -> Server {
        let port = free_port();
        let listen = format!("127.0.0.1:{port}");
        let mut child = command
            .arg("serve")
            .args(["--listen", &listen])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn canvass serve");
        let stdout = child.stdout.take().expect("stdout");
        let stderr = child.stderr.take().expect("stderr");
        let (line_tx, line_rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = line_tx.send(line);
            }
        });
        let (err_tx, err_rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let _ = err_tx.send(line);
            }
        });
        let mut server = Server {
            child: Some(child),
            base: format!("http://{listen}"),
            stderr: err_rx,
            seen_stderr: Vec::new(),
        };
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            match line_rx.recv_timeout(Duration::from_millis(200)) {
                Ok(line) if line.contains("listening on") => {
                    assert!(line.contains(&server.base), "{line}");
                    return server;
                }
                Ok(_) => {}
                Err(_) => {
                    if let Some(status) = server
                        .child
                        .as_mut()
                        .and_then(|c| c.try_wait().ok().flatten())
                    {
                        panic!(
                            "canvass serve exited with {status}: {}",
                            server.stderr_text()
                        );
                    }
                    assert!(
                        Instant::now() < deadline,
                        "canvass serve did not start: {}",
                        server.stderr_text()
                    );
                }
            }
        }
    }

    /// Waits until `/readyz` answers 200 (database reachable, camera index loaded).
    pub fn wait_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let (status, body) = self.get("/readyz");
            if status == 200 {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "server never ready: {status} {body}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Everything the server wrote to standard error so far.
    pub fn stderr_text(&mut self) -> String {
        while let Ok(line) = self.stderr.try_recv() {
            self.seen_stderr.push(line);
        }
        self.seen_stderr.join("\n")
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().map(Child::id).unwrap_or(0)
    }

    /// `GET base + path` with a short timeout: (status, body).
    pub fn get(&self, path: &str) -> (u16, String) {
        http_get(&format!("{}{path}", self.base))
    }

    /// Sends SIGINT and waits for the exit status.
    pub fn interrupt(mut self) -> std::process::ExitStatus {
        let mut child = self.child.take().expect("running");
        let _ = kill(Pid::from_raw(child.id() as i32), Signal::SIGINT);
        wait_timeout(&mut child, Duration::from_secs(60))
            .expect("canvass serve did not stop within 60s")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = kill(Pid::from_raw(child.id() as i32), Signal::SIGINT);
            if wait_timeout(&mut child, Duration::from_secs(30)).is_none() {
                let _ = child.kill();
                let _ = child.wait();
            }
        }
    }
}

fn wait_timeout(child: &mut Child, limit: Duration) -> Option<std::process::ExitStatus> {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if let Ok(Some(status)) = child.try_wait() {
            return Some(status);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    None
}

/// A blocking HTTP GET on a throwaway runtime: (status, body); status 0 when unreachable.
pub fn http_get(url: &str) -> (u16, String) {
    http(reqwest::Method::GET, url, None)
}

/// A blocking HTTP request with an optional body: (status, body); 0 when unreachable.
pub fn http(method: reqwest::Method, url: &str, body: Option<Vec<u8>>) -> (u16, String) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .expect("client");
        let mut request = client.request(method, url);
        if let Some(body) = body {
            request = request.body(body);
        }
        match request.send().await {
            Ok(response) => {
                let status = response.status().as_u16();
                (status, response.text().await.unwrap_or_default())
            }
            Err(_) => (0, String::new()),
        }
    })
}

/// The pid in a cluster's `postmaster.pid`, if the file exists.
pub fn postmaster_pid(data_dir: &Path) -> Option<i32> {
    std::fs::read_to_string(data_dir.join("pg/postmaster.pid"))
        .ok()?
        .lines()
        .next()?
        .trim()
        .parse()
        .ok()
}

/// Whether a process is alive (and not a zombie).
pub fn alive(pid: i32) -> bool {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    !stat.is_empty()
        && !stat
            .rsplit_once(')')
            .is_some_and(|(_, rest)| rest.trim_start().starts_with('Z'))
}

/// Standard error of a finished command, as text.
pub fn stderr_of(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A new API key of `role`, named after the role, created with `canvass key create` on the
/// database at `url`.
pub fn create_key(url: &str, role: &str) -> String {
    create_named_key(url, role, role, false)
}

/// A new API key named `name` of `role`, with the pii grant when `pii`, created with
/// `canvass key create` on the database at `url`.
pub fn create_named_key(url: &str, name: &str, role: &str, pii: bool) -> String {
    let mut args = vec![
        "key",
        "create",
        "--database-url",
        url,
        "--name",
        name,
        "--role",
        role,
    ];
    if pii {
        args.push("--pii");
    }
    let output = run(&args);
    assert!(output.status.success(), "{}", stderr_of(&output));
    stdout_of(&output).trim().to_owned()
}

/// [`create_named_key`] from async code, off the runtime's workers.
pub async fn create_named_key_async(url: &str, name: &str, role: &str, pii: bool) -> String {
    let (url, name, role) = (url.to_owned(), name.to_owned(), role.to_owned());
    tokio::task::spawn_blocking(move || create_named_key(&url, &name, &role, pii))
        .await
        .expect("create a key")
}

/// A person signed in through the login form: the session cookie (`name=value`, for a
/// `Cookie` header) and the session's CSRF token.
#[derive(Debug, Clone)]
pub struct Session {
    /// `canvass_session=…`.
    pub cookie: String,
    /// What the session's forms and `X-CSRF-Token` carry.
    pub csrf: String,
}

/// The password [`sign_in`] gives the users it adds.
pub const TEST_PASSWORD: &str = "correct horse battery staple";

/// Adds the user `name` of `role` (with the pii grant when `pii`) to the database at `url`
/// with [`TEST_PASSWORD`], and signs them in through the login form of the server at `base`.
pub async fn sign_in(url: &str, base: &str, name: &str, role: &str, pii: bool) -> Session {
    add_user(url, name, role, pii).await;
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let csrf_field = |page: &str| -> String {
        let after = page.split("name=\"csrf\" value=\"").nth(1).unwrap();
        after.split('"').next().unwrap().to_owned()
    };
    let cookie = |response: &reqwest::Response, name: &str| -> String {
        response
            .headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with(&format!("{name}=")))
            .map(|v| v.split(';').next().unwrap().to_owned())
            .unwrap()
    };
    let form = browser.get(format!("{base}/login")).send().await.unwrap();
    let login_cookie = cookie(&form, "canvass_login_csrf");
    let login_csrf = csrf_field(&form.text().await.unwrap());
    let body = form_urlencoded_pairs(&[
        ("username", name),
        ("password", TEST_PASSWORD),
        ("code", ""),
        ("csrf", &login_csrf),
    ]);
    let signed_in = browser
        .post(format!("{base}/login"))
        .header("cookie", login_cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.status().as_u16(), 303, "{name} signs in");
    let session = cookie(&signed_in, "canvass_session");
    let account = browser
        .get(format!("{base}/account"))
        .header("cookie", &session)
        .send()
        .await
        .unwrap();
    Session {
        csrf: csrf_field(&account.text().await.unwrap()),
        cookie: session,
    }
}

/// Adds the user `name` of `role` (with the pii grant when `pii`) with [`TEST_PASSWORD`],
/// through `canvass user add`.
pub async fn add_user(url: &str, name: &str, role: &str, pii: bool) {
    let (url, name, role) = (url.to_owned(), name.to_owned(), role.to_owned());
    tokio::task::spawn_blocking(move || {
        let mut args = vec![
            "user",
            "add",
            &name,
            "--role",
            &role,
            "--password-stdin",
            "--database-url",
            &url,
        ];
        if pii {
            args.push("--pii");
        }
        let output = run_with_stdin(&args, format!("{TEST_PASSWORD}\n").as_bytes());
        assert!(output.status.success(), "{}", stderr_of(&output));
    })
    .await
    .unwrap();
}

/// `a=1&b=2`, each value escaped as a form sends it.
fn form_urlencoded_pairs(pairs: &[(&str, &str)]) -> String {
    let escape = |text: &str| -> String {
        text.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'*' => {
                    (b as char).to_string()
                }
                b' ' => "+".to_owned(),
                b => format!("%{b:02X}"),
            })
            .collect()
    };
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", escape(k), escape(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// POSTs `body` as JSON to `url` with the API key `key` through curl, which reads an answer
/// that comes while it is still sending (as a browser does), so that a body refused before it
/// is read gives its status instead of a broken pipe: (status, answer).
pub async fn curl_post_json(url: &str, key: &str, body: Vec<u8>) -> (u16, String) {
    let (url, key) = (url.to_owned(), key.to_owned());
    tokio::task::spawn_blocking(move || {
        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(file.path(), body).unwrap();
        let output = Command::new("curl")
            .args([
                "-s",
                "-w",
                "\n%{http_code}",
                "-H",
                "content-type: application/json",
            ])
            .args([
                "-H",
                &format!("authorization: Bearer {key}"),
                "--data-binary",
            ])
            .arg(format!("@{}", file.path().display()))
            .arg(url)
            .output()
            .expect("run curl");
        let answer = String::from_utf8_lossy(&output.stdout).into_owned();
        let (text, status) = answer.rsplit_once('\n').unwrap_or(("", &answer));
        (status.trim().parse().unwrap_or(0), text.to_owned())
    })
    .await
    .unwrap()
}

/// Standard output of a finished command, as text.
pub fn stdout_of(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// A failed command with one `error` line that says `expect` (any case), and no panic.
pub fn assert_clear_error(output: &Output, expect: &str) {
    let stderr = stderr_of(output);
    assert!(!output.status.success(), "succeeded: {stderr}");
    assert!(
        !stderr.contains("panicked") && !stderr.contains("RUST_BACKTRACE"),
        "{stderr}"
    );
    let error_lines: Vec<&str> = stderr.lines().filter(|l| l.contains("error")).collect();
    assert_eq!(error_lines.len(), 1, "want one error line, got: {stderr}");
    assert!(
        stderr.to_lowercase().contains(&expect.to_lowercase()),
        "want {expect:?} in: {stderr}"
    );
}

/// Every message in a mail outbox folder, headers as they are and the quoted-printable body
/// decoded, sorted.
pub fn outbox_texts(outbox: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(outbox) else {
        return Vec::new();
    };
    let mut texts: Vec<String> = entries
        .map(|e| mail_text(&std::fs::read_to_string(e.expect("entry").path()).expect("read")))
        .collect();
    texts.sort();
    texts
}

/// One message: headers as they are, the quoted-printable body decoded.
pub fn mail_text(message: &str) -> String {
    let (headers, text) = message
        .split_once("\r\n\r\n")
        .or_else(|| message.split_once("\n\n"))
        .unwrap_or(("", message));
    let joined = text.replace("=\r\n", "").replace("=\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&joined[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    format!("{headers}\n\n{}", String::from_utf8_lossy(&out))
}

/// `ogr2ogr ARGS` (Debian's gdal-bin), which must succeed.
pub fn ogr2ogr(args: &[&str]) {
    let output = Command::new("ogr2ogr")
        .args(args)
        .output()
        .expect("ogr2ogr (Debian package gdal-bin) runs");
    assert!(
        output.status.success(),
        "ogr2ogr {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Debian's Python, which has aiosmtpd (another python3 earlier on PATH may not);
/// `CANVASS_TEST_PYTHON` names another.
pub fn python() -> PathBuf {
    if let Some(python) = std::env::var_os("CANVASS_TEST_PYTHON") {
        return PathBuf::from(python);
    }
    let debian = PathBuf::from("/usr/bin/python3");
    if debian.is_file() {
        debian
    } else {
        PathBuf::from("python3")
    }
}

/// Waits up to 20 s until the mail outbox folder holds at least `count` messages, and returns
/// them all (the outbox sender of `canvass serve` writes them a moment after the page answered).
pub fn wait_outbox(outbox: &Path, count: usize) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if outbox_texts(outbox).len() >= count || Instant::now() > deadline {
            // A file seen a moment ago may still be being written.
            std::thread::sleep(Duration::from_millis(100));
            return outbox_texts(outbox);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The Message-ID header of a message.
pub fn message_id(message: &str) -> Option<String> {
    message.lines().take_while(|l| !l.is_empty()).find_map(|l| {
        let (name, value) = l.split_once(':')?;
        name.eq_ignore_ascii_case("message-id")
            .then(|| value.trim().to_owned())
    })
}

/// How a test's SMTP server misbehaves.
#[derive(Debug, Clone, Default)]
pub struct SmtpFaults {
    /// Recipients containing one of these are refused with `550 5.1.1`.
    pub refuse: Vec<String>,
    /// The first this many messages are answered `451 4.3.0` (try again later).
    pub tempfail: u32,
    /// Every this many messages the connection is dropped before the message is answered
    /// (it is not kept).
    pub drop_every: u32,
    /// Seconds the server waits before answering each message.
    pub delay: f64,
}

/// aiosmtpd's Mailbox handler (the Maildir writer of `aiosmtpd -c aiosmtpd.handlers.Mailbox`),
/// made to misbehave as [`SmtpFaults`] says.
const FAULTY_SMTP: &str = r#"
import asyncio, json, os, sys
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Mailbox

cfg = json.loads(sys.argv[1])
for sub in ("new", "cur", "tmp"):
    os.makedirs(os.path.join(cfg["maildir"], sub), exist_ok=True)
state = {"tempfail": cfg["tempfail"], "seen": 0}

class Faulty(Mailbox):
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if any(bad in address for bad in cfg["refuse"]):
            return "550 5.1.1 <%s>: Recipient address rejected: User unknown" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if cfg["delay"]:
            await asyncio.sleep(cfg["delay"])
        if state["tempfail"] > 0:
            state["tempfail"] -= 1
            return "451 4.3.0 Temporary failure, try again later"
        state["seen"] += 1
        if cfg["drop_every"] and state["seen"] % cfg["drop_every"] == 0:
            server.transport.abort()
            return "451 4.4.2 dropped"
        return await super().handle_DATA(server, session, envelope)

controller = Controller(Faulty(cfg["maildir"]), hostname="127.0.0.1", port=cfg["port"])
controller.start()
try:
    asyncio.get_event_loop().run_forever()
except KeyboardInterrupt:
    pass
"#;

/// A real SMTP server, aiosmtpd's (Debian's python3-aiosmtpd), writing what it receives to a
/// Maildir; stopped on drop.
#[derive(Debug)]
pub struct SmtpServer {
    child: Child,
    /// Where it listens, on 127.0.0.1.
    pub port: u16,
    /// Where it writes what it receives (`new/`, one file per message).
    pub maildir: PathBuf,
}

impl SmtpServer {
    /// Starts one on a free port, writing to `maildir`, and waits until it listens.
    pub fn start(maildir: PathBuf) -> SmtpServer {
        Self::start_on(free_port(), maildir, &SmtpFaults::default())
    }

    /// Starts one on `port` (a port a sender was already told about), misbehaving as `faults`
    /// says, and waits until it listens.
    pub fn start_on(port: u16, maildir: PathBuf, faults: &SmtpFaults) -> SmtpServer {
        let mut command = Command::new(python());
        if faults.refuse.is_empty()
            && faults.tempfail == 0
            && faults.drop_every == 0
            && faults.delay == 0.0
        {
            command
                .args(["-m", "aiosmtpd", "-n", "-l"])
                .arg(format!("127.0.0.1:{port}"))
                .args(["-c", "aiosmtpd.handlers.Mailbox"])
                .arg(&maildir);
        } else {
            let refuse: Vec<String> = faults.refuse.iter().map(|r| format!("{r:?}")).collect();
            let config = format!(
                r#"{{"maildir": {:?}, "port": {port}, "refuse": [{}], "tempfail": {}, "drop_every": {}, "delay": {}}}"#,
                maildir.display().to_string(),
                refuse.join(", "),
                faults.tempfail,
                faults.drop_every,
                faults.delay
            );
            std::fs::create_dir_all(&maildir).expect("maildir");
            command.args(["-c", FAULTY_SMTP]).arg(config);
        }
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start aiosmtpd (python3-aiosmtpd)");
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Ok(Some(status)) = child.try_wait() {
                let mut stderr = String::new();
                let _ =
                    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr);
                panic!("aiosmtpd exited with {status}: {stderr}");
            }
            assert!(
                Instant::now() < deadline,
                "aiosmtpd did not listen on port {port}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        SmtpServer {
            child,
            port,
            maildir,
        }
    }

    /// `smtp://127.0.0.1:PORT`, for `--smtp-url`.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Stops it (the port is free again).
    pub fn stop(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Every message received so far, as [`mail_text`] gives it, sorted.
    pub fn messages(&self) -> Vec<String> {
        outbox_texts(&self.maildir.join("new"))
    }

    /// Waits up to 20 s until at least `count` messages have arrived, and returns them all.
    pub fn wait_for(&self, count: usize) -> Vec<String> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let messages = self.messages();
            if messages.len() >= count || Instant::now() > deadline {
                return messages;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Driving Debian's chromium with playwright-core (the Node project in `tests/browser`), for
/// the browser tests: the tools checked, the project installed, and a script run as a
/// [`browser::Driver`] that stops at checkpoints for the test to look at the database.
pub mod browser {
    use std::ffi::OsStr;
    use std::io::{BufRead, BufReader, Write};
    use std::path::{Path, PathBuf};
    use std::process::{Child, ChildStdin, Command, Stdio};
    use std::time::{Duration, Instant};

    /// The repository's root.
    pub fn repo_root() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("..")
            .canonicalize()
            .unwrap()
    }

    /// The Node project of the browser scripts.
    pub fn browser_dir() -> PathBuf {
        repo_root().join("tests/browser")
    }

    /// Runs a tool for its version line, or says what to install.
    fn require(program: &str, args: &[&str], install: &str) -> String {
        match Command::new(program).args(args).output() {
            Ok(output) if output.status.success() => {
                String::from_utf8_lossy(&output.stdout).trim().to_owned()
            }
            Ok(output) => panic!(
                "`{program} {}` failed ({}): {}\nInstall {install} (scripts/setup --test does).",
                args.join(" "),
                output.status,
                String::from_utf8_lossy(&output.stderr)
            ),
            Err(e) => panic!(
                "cannot run `{program}`: {e}\nThe browser test needs {install} (scripts/setup --test installs it)."
            ),
        }
    }

    /// Debian's chromium, or `$CHROMIUM`.
    pub fn chromium() -> PathBuf {
        std::env::var_os("CHROMIUM")
            .map_or_else(|| PathBuf::from("/usr/bin/chromium"), PathBuf::from)
    }

    /// Node 18 or newer, chromium, and aiosmtpd are there, or the test fails saying which is
    /// not.
    pub fn check_tools() {
        let node = require(
            "node",
            &["--version"],
            "Node.js 18+ (Debian's nodejs and npm)",
        );
        let major: u32 = node
            .trim_start_matches('v')
            .split('.')
            .next()
            .and_then(|m| m.parse().ok())
            .unwrap_or(0);
        assert!(
            major >= 18,
            "node {node} is too old for playwright-core: need 18 or newer"
        );
        require("npm", &["--version"], "npm (Debian's npm)");
        let chromium = chromium();
        assert!(
            chromium.is_file(),
            "{} missing: install Debian's chromium (scripts/setup --test does)",
            chromium.display()
        );
        require(
            super::python().to_str().unwrap(),
            &["-c", "import aiosmtpd"],
            "Debian's python3-aiosmtpd",
        );
    }

    /// `npm ci` in tests/browser when node_modules is missing or older than the lock file.
    pub fn install_node_project() {
        let dir = browser_dir();
        let lock = dir.join("package-lock.json");
        let installed = dir.join("node_modules/.package-lock.json");
        let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
        let fresh = match (modified(&installed), modified(&lock)) {
            (Some(installed), Some(lock)) => installed >= lock,
            _ => false,
        };
        if fresh
            && dir
                .join("node_modules/playwright-core/package.json")
                .is_file()
        {
            return;
        }
        let output = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
            .current_dir(&dir)
            .output()
            .expect("run npm ci");
        assert!(
            output.status.success(),
            "`npm ci` in {} failed (is the npm registry reachable?): {}",
            dir.display(),
            String::from_utf8_lossy(&output.stderr)
        );
    }

    /// What the driver said next.
    #[derive(Debug)]
    pub enum Said {
        /// `CHECKPOINT {json}`: the JSON; answer with [`Driver::answer_ok`].
        Checkpoint(String),
        /// `DONE`.
        Done,
        /// It stopped without saying DONE.
        Stopped(std::process::ExitStatus),
        /// Nothing came in time.
        TimedOut,
    }

    /// A Node script under `tests/browser` driving chromium; asked to finish (its standard
    /// input closed), then killed, on drop.
    #[derive(Debug)]
    pub struct Driver {
        child: Child,
        stdin: Option<ChildStdin>,
        lines: std::sync::mpsc::Receiver<String>,
    }

    impl Driver {
        /// Starts `node SCRIPT ARGS… --checkpoints` in `tests/browser` with `$PYTHON` and
        /// `$CHROMIUM` set; its standard error goes to the test's.
        pub fn start<I, A>(script: &str, args: I) -> Driver
        where
            I: IntoIterator<Item = A>,
            A: AsRef<OsStr>,
        {
            let mut child = Command::new("node")
                .arg(browser_dir().join(script))
                .args(args)
                .arg("--checkpoints")
                .env("PYTHON", super::python())
                .env("CHROMIUM", chromium())
                .current_dir(browser_dir())
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::inherit())
                .spawn()
                .expect("start node");
            let stdout = child.stdout.take().unwrap();
            let stdin = child.stdin.take();
            let (tx, lines) = std::sync::mpsc::channel();
            std::thread::spawn(move || {
                for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                    if tx.send(line).is_err() {
                        break;
                    }
                }
            });
            Driver {
                child,
                stdin,
                lines,
            }
        }

        /// The next checkpoint or the end, waiting until `deadline`; other lines the script
        /// prints are passed to the test's output.
        pub fn next(&mut self, deadline: Instant) -> Said {
            loop {
                let left = deadline.saturating_duration_since(Instant::now());
                match self.lines.recv_timeout(left) {
                    Ok(line) if line == "DONE" => return Said::Done,
                    Ok(line) => match line.strip_prefix("CHECKPOINT ") {
                        Some(json) => return Said::Checkpoint(json.to_owned()),
                        None => eprintln!("browser: {line}"),
                    },
                    Err(std::sync::mpsc::RecvTimeoutError::Timeout) => return Said::TimedOut,
                    Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                        return Said::Stopped(self.child.wait().unwrap());
                    }
                }
            }
        }

        /// Lets the script go on past its checkpoint.
        pub fn answer_ok(&mut self) {
            let stdin = self.stdin.as_mut().expect("driver stdin");
            stdin.write_all(b"ok\n").unwrap();
            stdin.flush().unwrap();
        }

        /// Waits for the script to exit.
        pub fn wait(&mut self) -> std::process::ExitStatus {
            self.child.wait().unwrap()
        }
    }

    impl Drop for Driver {
        fn drop(&mut self) {
            // Without an answer the script stops at its checkpoint and closes the browser.
            self.stdin.take();
            let deadline = Instant::now() + Duration::from_secs(15);
            while Instant::now() < deadline {
                if let Ok(Some(_)) = self.child.try_wait() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }

    /// The width and height in a PNG's IHDR chunk.
    pub fn png_size(bytes: &[u8]) -> (u32, u32) {
        assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
        let width = u32::from_be_bytes(bytes[16..20].try_into().unwrap());
        let height = u32::from_be_bytes(bytes[20..24].try_into().unwrap());
        (width, height)
    }
}

/// `canvass serve --demo` on a throwaway database: the demo city with `cameras` cameras, the
/// department's clock on Pacific time (the printed sheet and the map read their times on it),
/// and `extra` arguments.
#[derive(Debug)]
pub struct DemoServer {
    /// The server's database, for checking what it stored.
    pub db: canvass_db::testing::TestDatabase,
    /// The running server.
    pub server: Server,
    _dir: tempfile::TempDir,
}

/// Starts a [`DemoServer`] and waits until it is ready.
pub async fn demo_server(cameras: &str, extra: &[&str]) -> DemoServer {
    let db = canvass_db::testing::TestDatabase::new().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut args: Vec<String> = [
        "--database-url",
        &db.url,
        "--data-dir",
        dir.path().to_str().unwrap(),
        "--demo",
        "--demo-cameras",
        cameras,
        "--time-zone",
        "America/Los_Angeles",
    ]
    .iter()
    .chain(extra)
    .map(|a| (*a).to_owned())
    .collect();
    let server = tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter_mut().map(|a| a.as_str()).collect();
        let server = Server::start(&args);
        server.wait_ready();
        server
    })
    .await
    .unwrap();
    DemoServer {
        db,
        server,
        _dir: dir,
    }
}
