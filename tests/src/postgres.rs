//! A throwaway PostgreSQL server for tests: Debian's `postgresql` binaries
//! (installed by scripts/setup.sh), a cluster made by `initdb` in a temp
//! dir, listening on 127.0.0.1 at a free port (its unix socket in the temp
//! dir), with a database and a password user for the code under test. As
//! root the server runs as the `postgres` user (PostgreSQL refuses root);
//! otherwise as the current user. Dropping the guard stops the server
//! (`pg_ctl stop -m immediate`) and removes the dir.
//!
//! There is no skip: a machine without PostgreSQL fails the test and says
//! how to install it, because a test that quietly passes proves nothing.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The superuser `initdb` creates; it logs in over the unix socket only
/// (trust), while TCP logins need a password (scram-sha-256).
const ADMIN: &str = "hookline_admin";
/// The login and database the code under test uses.
const USER: &str = "hookline";
const DATABASE: &str = "hookline";

/// A running PostgreSQL server, stopped and removed on drop.
pub struct Postgres {
    bin: PathBuf,
    /// `Some("postgres")` when the server runs as another user than this process.
    run_as: Option<String>,
    dir: tempfile::TempDir,
    port: u16,
    password: String,
}

impl Postgres {
    /// Initialises and starts a server; panics with the reason when it cannot.
    pub fn start() -> Postgres {
        let bin = binaries();
        let root = std::fs::metadata("/proc/self").map(|m| m.uid() == 0).unwrap_or(false);
        let run_as = root.then(|| "postgres".to_string());
        let dir = tempfile::Builder::new().prefix("hookline-pg-").tempdir().expect("a temp dir for PostgreSQL");
        if let Some(user) = &run_as {
            let (uid, gid) = ids(user);
            std::os::unix::fs::chown(dir.path(), Some(uid), Some(gid))
                .unwrap_or_else(|e| panic!("giving {} to {user}: {e}", dir.path().display()));
        }
        let password = password();
        let server = Postgres { bin, run_as, port: free_port(), password, dir };
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
        let options = format!(
            "-c listen_addresses=127.0.0.1 -p {} -k {} -c fsync=off -c synchronous_commit=off -c full_page_writes=off",
            server.port,
            server.dir.path().display()
        );
        let log = server.dir.path().join("server.log");
        let mut started = server.command("pg_ctl");
        started.arg("-D").arg(server.data()).arg("-l").arg(&log);
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
        server.admin_sql(&format!("CREATE ROLE {USER} LOGIN PASSWORD '{}'", server.password));
        server.admin_sql(&format!("CREATE DATABASE {DATABASE} OWNER {USER}"));
        server
    }

    /// `postgres://hookline:PASSWORD@127.0.0.1:PORT/hookline`: a password
    /// login over TCP, as a user's credential would give.
    pub fn url(&self) -> String {
        format!("postgres://{USER}:{}@127.0.0.1:{}/{DATABASE}", self.password, self.port)
    }

    /// The password of [`Postgres::url`]'s user (tests check it never shows).
    pub fn password(&self) -> &str {
        &self.password
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Runs `sql` in the test database as its owner (over the unix socket)
    /// and returns what psql printed, unaligned and without headers.
    pub fn sql(&self, sql: &str) -> String {
        self.psql(DATABASE, USER, sql)
    }

    /// Runs `sql` as the superuser in the `postgres` database.
    pub fn admin_sql(&self, sql: &str) -> String {
        self.psql("postgres", ADMIN, sql)
    }

    fn psql(&self, database: &str, user: &str, sql: &str) -> String {
        let host = self.dir.path().to_string_lossy().into_owned();
        let port = self.port.to_string();
        let mut command = self.command("psql");
        command.args([
            "-X",
            "-q",
            "-A",
            "-t",
            "-v",
            "ON_ERROR_STOP=1",
            "-h",
            &host,
            "-p",
            &port,
            "-U",
            user,
            "-d",
            database,
        ]);
        command.args(["-c", sql]);
        let output = command.output().expect("psql runs");
        assert!(output.status.success(), "psql {sql:?} failed: {}", String::from_utf8_lossy(&output.stderr));
        String::from_utf8_lossy(&output.stdout).trim().to_string()
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
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
        command.current_dir(self.dir.path());
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
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let stopped =
            self.command("pg_ctl").arg("-D").arg(self.data()).args(["-m", "immediate", "-w", "stop"]).output();
        if let Ok(output) = stopped {
            if !output.status.success() {
                eprintln!("pg_ctl stop: {}", String::from_utf8_lossy(&output.stderr));
            }
        }
        // The TempDir removes the cluster after this.
    }
}

/// The directory of `initdb`, `pg_ctl` and `psql`: `pg_config --bindir`,
/// else the newest /usr/lib/postgresql/*/bin (Debian keeps the server's
/// programs off PATH).
fn binaries() -> PathBuf {
    let has_server = |dir: &Path| dir.join("initdb").is_file() && dir.join("pg_ctl").is_file();
    if let Ok(output) = Command::new("pg_config").arg("--bindir").output() {
        let dir = PathBuf::from(String::from_utf8_lossy(&output.stdout).trim());
        if output.status.success() && has_server(&dir) {
            return dir;
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
    versions.pop().map(|(_, bin)| bin).unwrap_or_else(|| {
        panic!(
            "PostgreSQL is not installed (no initdb in `pg_config --bindir` or /usr/lib/postgresql/*/bin): \
             run scripts/setup.sh, which installs Debian's postgresql package"
        )
    })
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

/// A password unique to this server; letters and digits only, so it needs
/// no escaping in a URL or in SQL.
fn password() -> String {
    let mut bytes = [0u8; 12];
    let read = std::fs::File::open("/dev/urandom").and_then(|mut f| std::io::Read::read_exact(&mut f, &mut bytes));
    read.expect("random bytes");
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
