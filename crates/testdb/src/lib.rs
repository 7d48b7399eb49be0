//! A throwaway PostgreSQL server for tests: Debian's `postgresql` binaries
//! (installed by scripts/setup.sh), a cluster made by `initdb` in a temp
//! dir, listening on 127.0.0.1 at a free port (its unix socket in the temp
//! dir), with a database and a password user for the code under test. As
//! root the server runs as the `postgres` user (PostgreSQL refuses root);
//! otherwise as the current user.
//!
//! [`Postgres::start`] gives a server of one's own, stopped
//! (`pg_ctl stop -m immediate`) and removed on drop. [`shared`] gives one
//! server per test process, for suites of many tests, each of which takes a
//! [`Postgres::fresh_database`]; it is stopped and removed when the process
//! exits. [`Postgres::stop`] and [`Postgres::start_again`] take a server
//! of one's own down and back up on the same port and data, for tests of
//! a database outage.
//!
//! There is no skip: a machine without PostgreSQL fails the test and says
//! how to install it, because a test that quietly passes proves nothing.
//! Nor is there a mock: this crate only ever runs the real server.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::OnceLock;

/// The superuser `initdb` creates; it logs in over the unix socket only
/// (trust), while TCP logins need a password (scram-sha-256).
const ADMIN: &str = "hookline_admin";
/// The login and database the code under test uses.
const USER: &str = "hookline";
const DATABASE: &str = "hookline";
/// An admin-capable URL of a server already running (a script may have
/// started one for several test processes); [`shared`] then uses it.
const URL_VARIABLE: &str = "HOOKLINE_TEST_POSTGRES_URL";

/// A PostgreSQL server with a password login and a database of its own for
/// the code under test. One from [`Postgres::start`] is stopped and removed
/// on drop.
pub struct Postgres {
    /// The directory of PostgreSQL's programs; empty when only `psql` on
    /// PATH is needed (a server named by `HOOKLINE_TEST_POSTGRES_URL`).
    bin: PathBuf,
    /// `Some("postgres")` when the server runs as another user than this process.
    run_as: Option<String>,
    /// The cluster this process started; `None` for a server it only uses.
    dir: Option<tempfile::TempDir>,
    /// psql's connection arguments for a superuser session.
    admin: Vec<String>,
    host: String,
    port: u16,
    user: String,
    password: String,
    database: String,
    /// Numbers the databases [`Postgres::fresh_database`] creates.
    created: AtomicU32,
}

impl Postgres {
    /// Initialises and starts a server; panics with the reason when it cannot.
    pub fn start() -> Postgres {
        let bin = binaries().unwrap_or_else(|| {
            panic!(
                "PostgreSQL is not installed (no initdb in `pg_config --bindir` or /usr/lib/postgresql/*/bin): \
                 run scripts/setup.sh, which installs Debian's postgresql package"
            )
        });
        let root = std::fs::metadata("/proc/self").map(|m| m.uid() == 0).unwrap_or(false);
        let run_as = root.then(|| "postgres".to_string());
        let dir = tempfile::Builder::new().prefix("hookline-pg-").tempdir().expect("a temp dir for PostgreSQL");
        if let Some(user) = &run_as {
            let (uid, gid) = ids(user);
            std::os::unix::fs::chown(dir.path(), Some(uid), Some(gid))
                .unwrap_or_else(|e| panic!("giving {} to {user}: {e}", dir.path().display()));
        }
        let port = free_port();
        let socket = dir.path().to_string_lossy().into_owned();
        let server = Postgres {
            bin,
            run_as,
            admin: ["-h", &socket, "-p", &port.to_string(), "-U", ADMIN, "-d", "postgres"].map(String::from).into(),
            dir: Some(dir),
            host: "127.0.0.1".into(),
            port,
            user: USER.into(),
            password: random_hex(12),
            database: DATABASE.into(),
            created: AtomicU32::new(0),
        };
        server.ok(
            "initdb",
            &[
                "-D",
                &server.data().to_string_lossy(),
                "-U",
                ADMIN,
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
            ],
        );
        server.launch();
        server.create_login();
        server
    }

    /// `pg_ctl start` on the cluster's data dir, port and socket dir,
    /// waiting until the server accepts connections.
    fn launch(&self) {
        let dir = self.dir.as_ref().expect("a server this process started").path();
        let socket = dir.to_string_lossy();
        let options = format!(
            "-c listen_addresses=127.0.0.1 -p {} -k {socket} -c fsync=off -c synchronous_commit=off \
             -c full_page_writes=off",
            self.port
        );
        let log = dir.join("server.log");
        let mut started = self.command("pg_ctl");
        started.arg("-D").arg(self.data()).arg("-l").arg(&log);
        started.args(["-w", "-t", "60", "-o", &options, "start"]);
        let output = started.output().expect("pg_ctl runs");
        if !output.status.success() {
            let log = std::fs::read_to_string(&log).unwrap_or_default();
            panic!(
                "PostgreSQL did not start: {}{}\nserver log:\n{log}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            );
        }
    }

    /// Stops a server from [`Postgres::start`] as an operator would
    /// (`pg_ctl stop -m fast`: sessions are ended, the data is kept), so a
    /// test can see what the code under test does while its database is
    /// down. [`Postgres::start_again`] brings it back on the same port with
    /// the same data. Panics for a server this process did not start (one
    /// `HOOKLINE_TEST_POSTGRES_URL` names). [`shared`]'s server serves
    /// other tests at the same time: stop only a server of one's own.
    pub fn stop(&self) {
        assert!(self.dir.is_some(), "only a server this process started can be stopped; use Postgres::start()");
        self.ok("pg_ctl", &["-D", &self.data().to_string_lossy(), "-m", "fast", "-w", "-t", "60", "stop"]);
    }

    /// Starts a server [`Postgres::stop`] stopped, on the same port and
    /// data dir, and returns once it accepts connections.
    pub fn start_again(&self) {
        self.launch();
    }

    /// Uses the server an admin-capable `url` reaches without starting or
    /// stopping it. Roles and databases are cluster-wide and other processes
    /// may share the server, so the login and its database get a name of
    /// their own (`hookline_<random>`); they stay until that server goes.
    fn existing(url: &str) -> Postgres {
        let (host, port) =
            authority(url).unwrap_or_else(|| panic!("{URL_VARIABLE} is not a postgres://…@host:port/… URL: {url:?}"));
        let name = format!("{USER}_{}", random_hex(4));
        let server = Postgres {
            // psql is all this needs; a client-only install has it on PATH.
            bin: binaries().unwrap_or_default(),
            run_as: None,
            dir: None,
            admin: vec!["-d".into(), url.into()],
            host,
            port,
            user: name.clone(),
            password: random_hex(12),
            database: name,
            created: AtomicU32::new(0),
        };
        server.create_login();
        server
    }

    /// The password login the code under test uses and a database it owns.
    fn create_login(&self) {
        self.admin_sql(&format!("CREATE ROLE {} LOGIN PASSWORD '{}'", self.user, self.password));
        self.admin_sql(&format!("CREATE DATABASE {} OWNER {}", self.database, self.user));
    }

    /// `postgres://hookline:PASSWORD@127.0.0.1:PORT/hookline`: a password
    /// login over TCP, as a user's credential would give.
    pub fn url(&self) -> String {
        self.url_of(&self.database)
    }

    /// Creates an empty database owned by [`Postgres::url`]'s login, with a
    /// name no other call gives, and returns its URL
    /// (`postgres://USER:PASSWORD@HOST:PORT/NAME`). Each test of a suite
    /// sharing one server takes its own; safe to call from many threads.
    pub fn fresh_database(&self) -> String {
        let number = self.created.fetch_add(1, Ordering::Relaxed) + 1;
        let name = format!("{}_{number}", self.database);
        self.admin_sql(&format!("CREATE DATABASE {name} OWNER {}", self.user));
        self.url_of(&name)
    }

    fn url_of(&self, database: &str) -> String {
        format!("postgres://{}:{}@{}:{}/{database}", self.user, self.password, self.host, self.port)
    }

    /// The password of [`Postgres::url`]'s user (tests check it never shows).
    pub fn password(&self) -> &str {
        &self.password
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Runs `sql` in the test database as its owner and returns what psql
    /// printed, unaligned and without headers.
    pub fn sql(&self, sql: &str) -> String {
        self.psql(&["-d", &self.url()], sql)
    }

    /// Runs `sql` in the database `url` names (one of
    /// [`Postgres::fresh_database`]'s) as its owner and returns what psql
    /// printed, unaligned (`|` between columns) and without headers.
    pub fn sql_in(&self, url: &str, sql: &str) -> String {
        self.psql(&["-d", url], sql)
    }

    /// Runs `sql` as the superuser: in the `postgres` database of a server
    /// this process started, in the database `HOOKLINE_TEST_POSTGRES_URL`
    /// names otherwise.
    pub fn admin_sql(&self, sql: &str) -> String {
        let admin: Vec<&str> = self.admin.iter().map(String::as_str).collect();
        self.psql(&admin, sql)
    }

    fn psql(&self, connection: &[&str], sql: &str) -> String {
        let mut command = self.command("psql");
        command.args(["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1"]).args(connection).args(["-c", sql]);
        let output = command.output().expect("psql runs");
        assert!(output.status.success(), "psql {sql:?} failed: {}", String::from_utf8_lossy(&output.stderr));
        String::from_utf8_lossy(&output.stdout).trim().to_string()
    }

    fn data(&self) -> PathBuf {
        self.dir.as_ref().expect("a server this process started").path().join("data")
    }

    /// A command for one of PostgreSQL's programs, as the server's user.
    fn command(&self, program: &str) -> Command {
        let program = self.bin.join(program);
        let mut command = match &self.run_as {
            Some(user) => {
                let mut command = Command::new("runuser");
                command.args(["-u", user, "--"]).arg(program);
                command
            }
            None => Command::new(program),
        };
        // Programs run as another user start in a dir it may not read.
        if let Some(dir) = &self.dir {
            command.current_dir(dir.path());
        }
        command
    }

    fn ok(&self, program: &str, args: &[&str]) {
        let output = self.command(program).args(args).output().unwrap_or_else(|e| panic!("{program} runs: {e}"));
        assert!(
            output.status.success(),
            "{program} failed: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }

    /// Stops a server this process started at once, for good (its dir is
    /// removed next); one it only uses is left alone.
    fn shut_down(&self) {
        if self.dir.is_none() {
            return;
        }
        let stopped =
            self.command("pg_ctl").arg("-D").arg(self.data()).args(["-m", "immediate", "-w", "stop"]).output();
        if let Ok(output) = stopped {
            if !output.status.success() {
                eprintln!("pg_ctl stop: {}", String::from_utf8_lossy(&output.stderr));
            }
        }
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        self.shut_down();
        // The TempDir removes the cluster after this.
    }
}

static SHARED: OnceLock<Postgres> = OnceLock::new();

/// The server of this test process, started on first use: the one
/// `HOOKLINE_TEST_POSTGRES_URL` names when it is set, else one of its own.
/// Tests take a [`Postgres::fresh_database`] each rather than share
/// [`Postgres::url`]'s.
///
/// A static is never dropped, so a server started here is stopped and its
/// dir removed by an `atexit` hook; the test harness leaves through `exit`
/// (after the last test, or on failure), which runs it. A process killed
/// by a signal leaves the server behind, as a [`Postgres::start`] guard
/// that never drops does.
pub fn shared() -> &'static Postgres {
    SHARED.get_or_init(|| match std::env::var(URL_VARIABLE) {
        Ok(url) if !url.is_empty() => Postgres::existing(&url),
        _ => {
            let server = Postgres::start();
            // SAFETY: registers a function without arguments that touches
            // only SHARED, which is initialised before any caller returns.
            let registered = unsafe { libc::atexit(stop_shared) };
            assert_eq!(registered, 0, "registering the hook that stops PostgreSQL at exit");
            server
        }
    })
}

extern "C" fn stop_shared() {
    if let Some(server) = SHARED.get() {
        server.shut_down();
        if let Some(dir) = &server.dir {
            let _ = std::fs::remove_dir_all(dir.path());
        }
    }
}

/// The directory of `initdb`, `pg_ctl` and `psql`: `pg_config --bindir`,
/// else the newest /usr/lib/postgresql/*/bin (Debian keeps the server's
/// programs off PATH); `None` when neither has the server's programs.
fn binaries() -> Option<PathBuf> {
    let has_server = |dir: &Path| dir.join("initdb").is_file() && dir.join("pg_ctl").is_file();
    if let Ok(output) = Command::new("pg_config").arg("--bindir").output() {
        let dir = PathBuf::from(String::from_utf8_lossy(&output.stdout).trim());
        if output.status.success() && has_server(&dir) {
            return Some(dir);
        }
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version = entry.file_name().to_string_lossy().parse::<u32>().ok()?;
            let bin = entry.path().join("bin");
            has_server(&bin).then_some((version, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin)
}

/// The host and port of a `postgres://[user[:password]@]host[:port]/…` URL
/// (5432 when it names none).
fn authority(url: &str) -> Option<(String, u16)> {
    let rest = url.strip_prefix("postgres://").or_else(|| url.strip_prefix("postgresql://"))?;
    let authority = rest.split(['/', '?']).next()?;
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, after)| after);
    let (host, port) = match host_port.rsplit_once(':') {
        Some((host, port)) if port.parse::<u16>().is_ok() => (host, port.parse().ok()?),
        _ => (host_port, 5432),
    };
    (!host.is_empty()).then(|| (host.to_string(), port))
}

fn ids(user: &str) -> (u32, u32) {
    let id = |flag: &str| -> u32 {
        let output = Command::new("id").args([flag, user]).output().expect("id runs");
        assert!(
            output.status.success(),
            "there is no {user} user to run PostgreSQL as (install the postgresql package)"
        );
        String::from_utf8_lossy(&output.stdout).trim().parse().expect("a numeric id")
    };
    (id("-u"), id("-g"))
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free port").port()
}

/// `bytes` random bytes in hex: letters and digits only, so a password or a
/// name needs no escaping in a URL or in SQL.
fn random_hex(bytes: usize) -> String {
    let mut random = vec![0u8; bytes];
    let read = std::fs::File::open("/dev/urandom").and_then(|mut f| std::io::Read::read_exact(&mut f, &mut random));
    read.expect("random bytes");
    random.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fresh_databases_are_distinct_and_each_answers_its_login() {
        let server = shared();
        let urls: Vec<String> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..4).map(|_| scope.spawn(|| server.fresh_database())).collect();
            handles.into_iter().map(|h| h.join().expect("fresh_database")).collect()
        });
        let mut names: Vec<String> =
            urls.iter().map(|url| server.psql(&["-d", url], "SELECT current_database()")).collect();
        for (url, name) in urls.iter().zip(&names) {
            assert!(url.ends_with(&format!("/{name}")), "{url} reaches its own database, not {name}");
        }
        names.sort();
        names.dedup();
        assert_eq!(names.len(), urls.len(), "each call must give a database no other test writes to: {urls:?}");
        let owner = server.psql(&["-d", &urls[0]], "CREATE TABLE t (x int); SELECT current_user");
        assert_eq!(owner, server.user, "the test login owns its fresh database, so it may create tables");
    }

    #[test]
    fn the_shared_server_is_stopped_and_removed_when_the_process_exits() {
        const CHILD: &str = "HOOKLINE_TESTDB_EXIT_CHILD";
        if std::env::var_os(CHILD).is_some() {
            let server = shared();
            let dir = server.dir.as_ref().expect("a server of its own").path();
            println!("\nshared server: {} {}", server.port, dir.display());
            return;
        }
        // Runs this test again in a process of its own, which starts the
        // shared server and exits; the exit hook must then have stopped it.
        let output = Command::new(std::env::current_exe().expect("the test binary"))
            .args(["--exact", "tests::the_shared_server_is_stopped_and_removed_when_the_process_exits"])
            .args(["--nocapture", "--test-threads=1"])
            .env(CHILD, "1")
            .env_remove(URL_VARIABLE)
            .output()
            .expect("the test binary runs");
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(output.status.success(), "the child failed: {stdout}{}", String::from_utf8_lossy(&output.stderr));
        let line = stdout.lines().find_map(|l| l.strip_prefix("shared server: ")).expect("the child names its server");
        let (port, dir) = line.split_once(' ').expect("port and dir");
        assert!(!Path::new(dir).exists(), "the exit hook removes the cluster's dir {dir}");
        let refused = std::net::TcpStream::connect(("127.0.0.1", port.parse::<u16>().unwrap())).is_err();
        assert!(refused, "the exit hook stops the server on port {port}");
    }

    #[test]
    fn a_stopped_server_refuses_connections_and_starts_again_on_its_port_with_its_data() {
        let server = Postgres::start();
        let url = server.fresh_database();
        server.sql_in(&url, "CREATE TABLE kept (x int); INSERT INTO kept VALUES (7)");
        server.stop();
        let refused = std::net::TcpStream::connect(("127.0.0.1", server.port())).is_err();
        assert!(refused, "a stopped server accepts no connection on port {}", server.port());
        server.start_again();
        assert_eq!(server.sql_in(&url, "SELECT x FROM kept"), "7", "the same cluster comes back, data and all");
    }

    #[test]
    fn an_existing_servers_url_gives_its_host_and_port() {
        let at = |host: &str, port| Some((host.to_string(), port));
        assert_eq!(authority("postgres://postgres@127.0.0.1:5433/hookline"), at("127.0.0.1", 5433));
        assert_eq!(authority("postgresql://u:p@db.local/x?sslmode=disable"), at("db.local", 5432));
        assert_eq!(authority("postgres://[::1]:6000/x"), at("[::1]", 6000));
        assert_eq!(authority("mysql://localhost/x"), None, "only PostgreSQL URLs name a server");
    }
}
