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
