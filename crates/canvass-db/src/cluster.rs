//! The private PostgreSQL + PostGIS cluster of the embedded default.
//!
//! Layout inside the data directory:
//!
//! ```text
//! <data-dir>/pg/          the cluster (initdb), owned by the account postgres runs as
//! <data-dir>/run/         its Unix socket; it listens on no TCP port
//! <data-dir>/log/         postgres.log
//! <data-dir>/cluster.lock serialises initdb and start between canvass processes
//! ```
//!
//! The first `canvass` process to need the cluster starts it and stops it when it exits; a
//! second process on the same data directory finds it running and only connects. If the owner
//! goes away, a process still using the cluster takes it over. PostgreSQL refuses to run as
//! root, so under root the cluster runs as Debian's `postgres` account, which is given exactly
//! what it needs: ownership of `pg/` and `run/`, and search permission (an ACL entry) on the
//! directories above them.

use std::fs::{self, File, OpenOptions};
use std::io::{Read, Seek, SeekFrom};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use nix::fcntl::{Flock, FlockArg};
use nix::sys::signal::{Signal, kill};
use nix::unistd::{Gid, Pid, Uid, User, chown};
use tokio::sync::watch;

use crate::{DbError, PgBinaries};

/// Superuser of the embedded cluster and owner of the application database.
pub const CLUSTER_USER: &str = "canvass";
/// The Unix account the cluster runs as when canvass runs as root.
const UNPRIVILEGED_ACCOUNT: &str = "postgres";
/// The longest path a Unix socket address can hold on Linux, without the final NUL.
const MAX_SOCKET_PATH: usize = 107;
const SOCKET_NAME: &str = ".s.PGSQL.5432";
const READY_TIMEOUT: Duration = Duration::from_secs(60);
/// Consecutive failed starts after which the supervisor gives up.
const MAX_START_FAILURES: u32 = 5;
/// Wait after a crash before starting again.
const RESTART_DELAY: Duration = Duration::from_secs(1);

/// Whether the cluster lives and dies with this process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartMode {
    /// Stopped when this process stops (or dies); restarted if it crashes meanwhile.
    Attached,
    /// Left running for later processes (the test harness); stopped by `canvass db stop`.
    Detached,
}

/// What the supervisor knows about the cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClusterState {
    /// initdb or start in progress.
    Starting,
    /// Accepting connections; `owned` when this process started it.
    Ready {
        /// Whether this process started the server (and will stop it).
        owned: bool,
    },
    /// The server went away; the supervisor is restarting it.
    Down,
    /// The supervisor gave up; the message says why and where the log is.
    Failed(String),
    /// Stopped on request.
    Stopped,
}

/// Paths and the account of one embedded cluster.
#[derive(Debug, Clone)]
struct Layout {
    data_dir: PathBuf,
    pg_dir: PathBuf,
    socket_dir: PathBuf,
    log_file: PathBuf,
    lock_file: PathBuf,
    /// The account postgres runs as, when it is not the caller's.
    run_as: Option<(Uid, Gid)>,
}

/// Shared between the handle and the supervisor thread.
#[derive(Debug, Default)]
struct Control {
    stopping: AtomicBool,
    /// Pid of the postmaster this process started, 0 when none.
    child_pid: AtomicI32,
}

/// A handle on the embedded cluster; stopping or dropping it stops a server this process owns.
#[derive(Debug)]
pub struct EmbeddedCluster {
    layout: Layout,
    mode: StartMode,
    state: watch::Receiver<ClusterState>,
    control: Arc<Control>,
    supervisor: Option<JoinHandle<()>>,
}

impl EmbeddedCluster {
    /// Creates the cluster in `data_dir` if needed and makes sure a server is running on it,
    /// starting one or reusing the one another process started.
    pub async fn start(
        data_dir: &Path,
        binaries: &PgBinaries,
        mode: StartMode,
    ) -> Result<Self, DbError> {
        let layout = prepare_layout(data_dir)?;
        let (tx, mut rx) = watch::channel(ClusterState::Starting);
        let control = Arc::new(Control::default());
        let supervisor = {
            let (layout, binaries, control) = (layout.clone(), binaries.clone(), control.clone());
            std::thread::Builder::new()
                .name("pg-supervisor".into())
                .spawn(move || supervise(&layout, &binaries, mode, &control, &tx))
                .map_err(|e| DbError::ClusterStart(format!("cannot start supervisor: {e}")))?
        };
        let mut cluster = EmbeddedCluster {
            layout,
            mode,
            state: rx.clone(),
            control,
            supervisor: Some(supervisor),
        };
        let outcome = tokio::time::timeout(READY_TIMEOUT + Duration::from_secs(10), async {
            loop {
                match rx.borrow_and_update().clone() {
                    ClusterState::Ready { .. } => return Ok(()),
                    ClusterState::Failed(message) => return Err(DbError::ClusterStart(message)),
                    ClusterState::Stopped => {
                        return Err(DbError::ClusterStart("stopped while starting".into()));
                    }
                    ClusterState::Starting | ClusterState::Down => {}
                }
                if rx.changed().await.is_err() {
                    return Err(DbError::ClusterStart("supervisor ended".into()));
                }
            }
        })
        .await;
        match outcome {
            Ok(Ok(())) => Ok(cluster),
            Ok(Err(e)) => {
                cluster.stop_blocking();
                Err(e)
            }
            Err(_) => {
                cluster.stop_blocking();
                Err(DbError::ClusterStart(format!(
                    "not ready after {}s; see {}",
                    READY_TIMEOUT.as_secs(),
                    cluster.layout.log_file.display()
                )))
            }
        }
    }

    /// Connection settings for `dbname` on this cluster (Unix socket, no password).
    pub fn pg_config(&self, dbname: &str) -> tokio_postgres::Config {
        socket_config(&self.layout.socket_dir, dbname)
    }

    /// The directory holding the server's Unix socket.
    pub fn socket_dir(&self) -> &Path {
        &self.layout.socket_dir
    }

    /// The server log.
    pub fn log_file(&self) -> &Path {
        &self.layout.log_file
    }

    /// Follows the supervisor's view of the cluster.
    pub fn state(&self) -> watch::Receiver<ClusterState> {
        self.state.clone()
    }

    /// Stops the server if this process started it, waiting for a clean shutdown.
    pub async fn stop(mut self) {
        let handle = self.begin_stop();
        if let Some(handle) = handle {
            let _ = tokio::task::spawn_blocking(move || handle.join()).await;
        }
    }

    fn stop_blocking(&mut self) {
        if let Some(handle) = self.begin_stop() {
            let _ = handle.join();
        }
    }

    /// Asks the supervisor to stop and signals the owned postmaster (fast shutdown).
    fn begin_stop(&mut self) -> Option<JoinHandle<()>> {
        self.control.stopping.store(true, Ordering::SeqCst);
        if self.mode == StartMode::Attached {
            signal_owned(&self.control, Signal::SIGINT);
        }
        self.supervisor.take()
    }
}

impl Drop for EmbeddedCluster {
    fn drop(&mut self) {
        // A handle dropped without stop() (an early error return) still must not leave an
        // attached server behind; the postmaster finishes its fast shutdown on its own.
        self.control.stopping.store(true, Ordering::SeqCst);
        if self.mode == StartMode::Attached {
            signal_owned(&self.control, Signal::SIGINT);
        }
    }
}

/// Connection settings for a cluster whose socket is in `socket_dir`.
pub fn socket_config(socket_dir: &Path, dbname: &str) -> tokio_postgres::Config {
    let mut config = tokio_postgres::Config::new();
    config
        .host_path(socket_dir)
        .user(CLUSTER_USER)
        .dbname(dbname)
        .application_name("canvass")
        .connect_timeout(Duration::from_secs(5));
    config
}

/// The socket directory of the cluster in `data_dir`, if a server is running there.
pub fn running_socket_dir(data_dir: &Path) -> Option<PathBuf> {
    let data_dir = fs::canonicalize(data_dir).ok()?;
    running_postmaster(&data_dir.join("pg")).map(|_| data_dir.join("run"))
}

/// Stops the server running on the cluster in `data_dir`, whoever started it. Returns false
/// when none was running.
pub fn stop_running(data_dir: &Path, wait: Duration) -> Result<bool, DbError> {
    let data_dir = fs::canonicalize(data_dir).map_err(DbError::io(data_dir, "cannot open"))?;
    let pg_dir = data_dir.join("pg");
    let Some(pid) = running_postmaster(&pg_dir) else {
        return Ok(false);
    };
    let _ = kill(pid, Signal::SIGINT);
    let deadline = Instant::now() + wait;
    while Instant::now() < deadline {
        if !alive(pid) {
            return Ok(true);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = kill(pid, Signal::SIGQUIT);
    Ok(true)
}

fn signal_owned(control: &Control, signal: Signal) {
    let pid = control.child_pid.load(Ordering::SeqCst);
    if pid > 0 {
        let _ = kill(Pid::from_raw(pid), signal);
    }
}

fn prepare_layout(data_dir: &Path) -> Result<Layout, DbError> {
    fs::create_dir_all(data_dir).map_err(DbError::io(data_dir, "cannot create"))?;
    let data_dir = fs::canonicalize(data_dir).map_err(DbError::io(data_dir, "cannot resolve"))?;
    let layout = Layout {
        pg_dir: data_dir.join("pg"),
        socket_dir: data_dir.join("run"),
        log_file: data_dir.join("log").join("postgres.log"),
        lock_file: data_dir.join("cluster.lock"),
        run_as: unprivileged_account()?,
        data_dir,
    };
    let socket_len = layout.socket_dir.join(SOCKET_NAME).as_os_str().len();
    if socket_len > MAX_SOCKET_PATH {
        return Err(DbError::DataDirUnusable {
            path: layout.data_dir.clone(),
            message: format!(
                "path too long for PostgreSQL's Unix socket ({socket_len} > {MAX_SOCKET_PATH} \
                 bytes); choose a shorter --data-dir"
            ),
        });
    }
    // Opening the lock file doubles as the check that the directory is writable.
    OpenOptions::new()
        .create(true)
        .append(true)
        .open(&layout.lock_file)
        .map_err(DbError::io(&layout.lock_file, "cannot write"))?;
    for dir in [&layout.pg_dir, &layout.socket_dir] {
        make_private_dir(dir, layout.run_as)?;
    }
    let log_dir = layout.data_dir.join("log");
    fs::create_dir_all(&log_dir).map_err(DbError::io(&log_dir, "cannot create"))?;
    if let Some((uid, gid)) = layout.run_as {
        grant_search_to_ancestors(&layout.data_dir, uid, gid)?;
    }
    Ok(layout)
}

/// `Some(account)` when postgres must run as another account than ours (we are root).
fn unprivileged_account() -> Result<Option<(Uid, Gid)>, DbError> {
    if !Uid::effective().is_root() {
        return Ok(None);
    }
    match User::from_name(UNPRIVILEGED_ACCOUNT) {
        Ok(Some(user)) => Ok(Some((user.uid, user.gid))),
        _ => Err(DbError::MissingBinaries {
            what: format!(
                "the '{UNPRIVILEGED_ACCOUNT}' account (PostgreSQL refuses to run as root, and \
                 canvass runs the cluster as that account)"
            ),
            looked: "looked in the user database".into(),
        }),
    }
}

fn make_private_dir(dir: &Path, owner: Option<(Uid, Gid)>) -> Result<(), DbError> {
    fs::create_dir_all(dir).map_err(DbError::io(dir, "cannot create"))?;
    if let Some((uid, gid)) = owner {
        let meta = fs::metadata(dir).map_err(DbError::io(dir, "cannot inspect"))?;
        if meta.uid() != uid.as_raw() {
            chown(dir, Some(uid), Some(gid)).map_err(|e| DbError::DataDir {
                path: dir.to_path_buf(),
                action: "cannot hand to the postgres account",
                source: e.into(),
            })?;
        }
    }
    fs::set_permissions(dir, fs::Permissions::from_mode(0o700))
        .map_err(DbError::io(dir, "cannot restrict permissions"))
}

/// Gives the postgres account search (not read) permission on every directory from `/` down
/// to `dir` that it cannot already enter, so that a data directory anywhere works, including
/// a private `mktemp -d` folder.
fn grant_search_to_ancestors(dir: &Path, uid: Uid, gid: Gid) -> Result<(), DbError> {
    for ancestor in dir.ancestors() {
        let meta = fs::metadata(ancestor).map_err(DbError::io(ancestor, "cannot inspect"))?;
        let mode = meta.mode();
        let can_search = if meta.uid() == uid.as_raw() {
            mode & 0o100 != 0
        } else if meta.gid() == gid.as_raw() {
            mode & 0o010 != 0
        } else {
            mode & 0o001 != 0
        };
        if can_search {
            continue;
        }
        let output = Command::new("setfacl")
            .arg("-m")
            .arg(format!("u:{}:x", uid.as_raw()))
            .arg(ancestor)
            .output()
            .map_err(|e| DbError::Program {
                program: "setfacl".into(),
                message: format!(
                    "{e}; it grants the postgres account search permission on {} \
                     (install the Debian package acl)",
                    ancestor.display()
                ),
            })?;
        if !output.status.success() {
            return Err(DbError::Program {
                program: format!("setfacl on {}", ancestor.display()),
                message: String::from_utf8_lossy(&output.stderr).trim().to_owned(),
            });
        }
        tracing::debug!(dir = %ancestor.display(), "granted the postgres account search permission");
    }
    Ok(())
}

/// The supervisor thread: start or adopt the server, watch it, restart it when it dies.
fn supervise(
    layout: &Layout,
    binaries: &PgBinaries,
    mode: StartMode,
    control: &Control,
    state: &watch::Sender<ClusterState>,
) {
    let mut failures = 0u32;
    loop {
        if control.stopping.load(Ordering::SeqCst) {
            state.send_replace(ClusterState::Stopped);
            return;
        }
        match start_or_adopt(layout, binaries, mode, control) {
            Ok(Started::Foreign(pid)) => {
                failures = 0;
                state.send_replace(ClusterState::Ready { owned: false });
                if mode == StartMode::Detached {
                    return;
                }
                while alive(pid) && !control.stopping.load(Ordering::SeqCst) {
                    std::thread::sleep(Duration::from_millis(200));
                }
                if !control.stopping.load(Ordering::SeqCst) {
                    tracing::warn!(
                        "the PostgreSQL server another canvass process started is gone; taking over"
                    );
                    state.send_replace(ClusterState::Down);
                }
            }
            Ok(Started::Owned(mut child)) => {
                failures = 0;
                state.send_replace(ClusterState::Ready { owned: true });
                if mode == StartMode::Detached {
                    return;
                }
                let status = child.wait();
                control.child_pid.store(0, Ordering::SeqCst);
                if control.stopping.load(Ordering::SeqCst) {
                    state.send_replace(ClusterState::Stopped);
                    return;
                }
                tracing::error!(?status, log = %layout.log_file.display(), "PostgreSQL exited unexpectedly; restarting it");
                state.send_replace(ClusterState::Down);
                // Backends of a crashed postmaster take a moment to notice and exit; until they
                // do, a new postmaster refuses to start on the same shared memory.
                pause(RESTART_DELAY, control);
            }
            Err(e) => {
                failures += 1;
                tracing::error!(error = %e, attempt = failures, "PostgreSQL did not start");
                if failures >= MAX_START_FAILURES || matches!(e, DbError::Program { .. }) {
                    state.send_replace(ClusterState::Failed(format!(
                        "{e} (after {failures} attempt(s); server log: {})",
                        layout.log_file.display()
                    )));
                    return;
                }
                state.send_replace(ClusterState::Down);
                pause(
                    Duration::from_millis(500 * 2u64.pow(failures.min(4))),
                    control,
                );
            }
        }
    }
}

/// Sleeps for `duration` unless a stop is requested meanwhile.
fn pause(duration: Duration, control: &Control) {
    let until = Instant::now() + duration;
    while Instant::now() < until && !control.stopping.load(Ordering::SeqCst) {
        std::thread::sleep(Duration::from_millis(50));
    }
}

enum Started {
    Owned(Child),
    Foreign(Pid),
}

fn start_or_adopt(
    layout: &Layout,
    binaries: &PgBinaries,
    mode: StartMode,
    control: &Control,
) -> Result<Started, DbError> {
    let lock_file =
        File::open(&layout.lock_file).map_err(DbError::io(&layout.lock_file, "cannot open"))?;
    let _lock =
        Flock::lock(lock_file, FlockArg::LockExclusive).map_err(|(_, e)| DbError::DataDir {
            path: layout.lock_file.clone(),
            action: "cannot lock",
            source: e.into(),
        })?;
    if let Some(pid) = running_postmaster(&layout.pg_dir) {
        return Ok(Started::Foreign(pid));
    }
    if !layout.pg_dir.join("PG_VERSION").exists() {
        run_initdb(layout, binaries)?;
    }
    check_version(&layout.pg_dir)?;
    let mut child = spawn_postgres(layout, binaries, mode)?;
    control
        .child_pid
        .store(i32::try_from(child.id()).unwrap_or(0), Ordering::SeqCst);
    let deadline = Instant::now() + READY_TIMEOUT;
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            control.child_pid.store(0, Ordering::SeqCst);
            return Err(DbError::ClusterStart(format!(
                "postgres exited with {status}: {}",
                log_tail(&layout.log_file)
            )));
        }
        if postmaster_ready(&layout.pg_dir) {
            return Ok(Started::Owned(child));
        }
        if Instant::now() > deadline || control.stopping.load(Ordering::SeqCst) {
            let _ = child.kill();
            let _ = child.wait();
            control.child_pid.store(0, Ordering::SeqCst);
            return Err(DbError::ClusterStart(format!(
                "not ready within {}s: {}",
                READY_TIMEOUT.as_secs(),
                log_tail(&layout.log_file)
            )));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn run_initdb(layout: &Layout, binaries: &PgBinaries) -> Result<(), DbError> {
    let not_empty = fs::read_dir(&layout.pg_dir)
        .map(|mut d| d.next().is_some())
        .unwrap_or(false);
    if not_empty {
        return Err(DbError::DataDirUnusable {
            path: layout.pg_dir.clone(),
            message: "exists, is not empty and holds no PostgreSQL cluster (no PG_VERSION)".into(),
        });
    }
    tracing::info!(dir = %layout.pg_dir.display(), "creating the embedded PostgreSQL cluster");
    let mut command = Command::new(&binaries.initdb);
    command
        .arg("--pgdata")
        .arg(&layout.pg_dir)
        .arg("--username")
        .arg(CLUSTER_USER)
        .args([
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C.UTF-8",
            "--no-instructions",
        ])
        .stdin(Stdio::null())
        .current_dir(&layout.pg_dir);
    if let Some((uid, gid)) = layout.run_as {
        command.uid(uid.as_raw()).gid(gid.as_raw());
    }
    let output = command.output().map_err(|e| DbError::Program {
        program: binaries.initdb.display().to_string(),
        message: e.to_string(),
    })?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(DbError::Program {
            program: "initdb".into(),
            message: format!("{}: {}", output.status, last_lines(&stderr, 5)),
        });
    }
    Ok(())
}

fn check_version(pg_dir: &Path) -> Result<(), DbError> {
    let version = fs::read_to_string(pg_dir.join("PG_VERSION")).unwrap_or_default();
    if version.trim() != "15" {
        return Err(DbError::DataDirUnusable {
            path: pg_dir.to_path_buf(),
            message: format!(
                "holds a PostgreSQL {} cluster; canvass needs 15",
                version.trim()
            ),
        });
    }
    Ok(())
}

fn spawn_postgres(
    layout: &Layout,
    binaries: &PgBinaries,
    mode: StartMode,
) -> Result<Child, DbError> {
    let log = OpenOptions::new()
        .create(true)
        .append(true)
        .open(&layout.log_file)
        .map_err(DbError::io(&layout.log_file, "cannot open the server log"))?;
    let log_err = log
        .try_clone()
        .map_err(DbError::io(&layout.log_file, "cannot open the server log"))?;
    let mut command = Command::new(&binaries.postgres);
    command
        .arg("-D")
        .arg(&layout.pg_dir)
        .arg("-k")
        .arg(&layout.socket_dir)
        .args([
            "-c",
            "listen_addresses=",
            "-c",
            "unix_socket_permissions=0700",
        ])
        .args(["-c", "max_wal_size=2GB", "-c", "log_min_messages=warning"])
        .stdin(Stdio::null())
        .stdout(log)
        .stderr(log_err)
        .current_dir(&layout.pg_dir)
        // Its own process group: Ctrl-C in the terminal reaches canvass only, which drains
        // requests first and then stops the database.
        .process_group(0);
    if let Some((uid, gid)) = layout.run_as {
        command.uid(uid.as_raw()).gid(gid.as_raw());
    }
    if mode == StartMode::Attached {
        stop_with_parent(&mut command);
    }
    command.spawn().map_err(|e| DbError::Program {
        program: binaries.postgres.display().to_string(),
        message: e.to_string(),
    })
}

/// Asks the kernel to send the postmaster SIGINT (fast shutdown) if this thread's process dies
/// without stopping it, so a killed canvass leaves no server behind.
#[allow(unsafe_code)]
fn stop_with_parent(command: &mut Command) {
    // SAFETY: the closure runs between fork and exec and only calls prctl, which is
    // async-signal-safe; it touches no memory of the parent.
    unsafe {
        command.pre_exec(|| {
            if nix::libc::prctl(nix::libc::PR_SET_PDEATHSIG, nix::libc::SIGINT) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
}

/// The postmaster's pid if `postmaster.pid` names a live process.
fn running_postmaster(pg_dir: &Path) -> Option<Pid> {
    let text = fs::read_to_string(pg_dir.join("postmaster.pid")).ok()?;
    let pid: i32 = text.lines().next()?.trim().parse().ok()?;
    let pid = Pid::from_raw(pid);
    alive(pid).then_some(pid)
}

/// PostgreSQL writes its status ("starting", "ready", "stopping") on line 8 of postmaster.pid.
fn postmaster_ready(pg_dir: &Path) -> bool {
    fs::read_to_string(pg_dir.join("postmaster.pid"))
        .map(|text| text.lines().nth(7).map(str::trim) == Some("ready"))
        .unwrap_or(false)
}

fn alive(pid: Pid) -> bool {
    match kill(pid, None) {
        Ok(()) => !is_zombie(pid),
        Err(nix::errno::Errno::EPERM) => true,
        Err(_) => false,
    }
}

/// A postmaster that died but was not yet reaped by its parent still answers kill(pid, 0).
fn is_zombie(pid: Pid) -> bool {
    fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|stat| {
            stat.rsplit_once(')')
                .map(|(_, rest)| rest.trim_start().starts_with('Z'))
        })
        .unwrap_or(false)
}

fn log_tail(path: &Path) -> String {
    let Ok(mut file) = File::open(path) else {
        return format!("no log at {}", path.display());
    };
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    let _ = file.seek(SeekFrom::Start(len.saturating_sub(2000)));
    let mut tail = String::new();
    let _ = file.read_to_string(&mut tail);
    format!("{} (log: {})", last_lines(&tail, 3), path.display())
}

fn last_lines(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    lines[lines.len().saturating_sub(n)..].join(" | ")
}
