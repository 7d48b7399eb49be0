//! The vault on a PostgreSQL database that several `hookline` processes
//! share, through the real binary. Each process has a data dir of its own, as
//! it would on its own machine. Secrets stay sealed; every process needs the
//! same data key, from HOOKLINE_MASTER_KEY or its key file; the OS keychain
//! (one per machine) is never asked; and a process given another key says so
//! at start without opening, sealing again or writing any credential.

use std::io::{BufRead, BufReader};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixListener;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

use hookline_tests::{add_credential as add, client, hook_flow, live, postgres, transform, Hookline};
use serde_json::{json, Value};

/// The vault's data key, as 64 hex characters.
const KEY: &str = "3c1d2c3b4a5968778695a4b3c2d1e0f00112233445566778899aabbccddeeff1";
/// A key of the right form that is not the vault's.
const OTHER_KEY: &str = "9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b";
/// A session bus address where nothing listens: no keychain answers there.
const NO_BUS: &str = "unix:path=/nonexistent/hookline-test-bus";

/// A process on its own machine using the shared database: a data dir of
/// its own, and no keychain within reach.
fn machine(database: &str) -> Hookline {
    Hookline::new().with_env("HOOKLINE_DATABASE_URL", database).with_env("DBUS_SESSION_BUS_ADDRESS", NO_BUS)
}

/// A webhook flow whose hook admits only callers presenting `credential`.
fn guarded(id: &str, slug: &str, credential: &str) -> Value {
    let mut flow = hook_flow(id, json!({"slug": slug}), vec![transform("stp_echo", "body")]);
    flow["steps"][0]["credential"] = json!(credential);
    flow
}

fn status_of(hookline: &Hookline) -> Value {
    let run = hookline.run(&["vault", "status", "--json"]);
    serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("vault status --json ({e}): {}\n{}", run.stdout, run.stderr))
}

/// What the database holds of the vault, byte for byte: every credential
/// row (sealed secrets included), the vault's settings (key check,
/// fingerprint…) and the cached tokens.
#[derive(Debug, PartialEq)]
struct VaultRows {
    credentials: Vec<hookline_store::CredentialRow>,
    meta: Vec<(String, Option<String>)>,
    tokens: Vec<Option<hookline_store::TokenRow>>,
}

fn vault_rows(database: &str) -> VaultRows {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let store = hookline_store::Store::connect(database).await.expect("the test reads the shared database");
        let credentials = store.credentials().await.unwrap();
        let mut meta = Vec::new();
        for key in ["vault_id", "key_check", "key_fingerprint", "kit_shown_at"] {
            meta.push((key.to_string(), store.vault_meta(key).await.unwrap()));
        }
        let mut tokens = Vec::new();
        for row in &credentials {
            tokens.push(store.token(&row.id).await.unwrap());
        }
        store.close().await;
        VaultRows { credentials, meta, tokens }
    })
}

/// `hookline serve` with its standard error read too (the vault's word at
/// start goes there), killed on drop.
struct Serving {
    child: Child,
    url: String,
    stdout: Vec<String>,
    stderr: mpsc::Receiver<String>,
}

impl Serving {
    fn start(hookline: &Hookline) -> Serving {
        let mut child = Command::new(hookline_tests::binary())
            .env_remove("HOOKLINE_MASTER_KEY")
            .envs(hookline.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .arg("--data-dir")
            .arg(hookline.data_dir())
            .args(["serve", "--listen", "127.0.0.1:0"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("hookline serve starts");
        let (sender, stderr) = mpsc::channel();
        let errors = BufReader::new(child.stderr.take().expect("stderr"));
        std::thread::spawn(move || {
            for line in errors.lines().map_while(Result::ok) {
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
        let mut stdout = Vec::new();
        let mut url = None;
        for line in lines.by_ref() {
            let line = line.expect("server output");
            if let Some(address) = line.strip_prefix("listening on ") {
                url = Some(address.trim().to_string());
                break;
            }
            stdout.push(line);
        }
        let Some(url) = url else {
            let _ = child.kill();
            let errors: Vec<String> = stderr.try_iter().collect();
            panic!("the server did not start: {stdout:?}\n{}", errors.join("\n"));
        };
        // Later lines (one per request) are not needed; keep the pipe drained.
        std::thread::spawn(move || lines.map_while(Result::ok).for_each(drop));
        Serving { child, url, stdout, stderr }
    }

    /// Standard error up to the first line containing `needle` (waiting up to 10 s), all joined.
    fn stderr_until(&self, needle: &str) -> String {
        let mut seen = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(10);
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match self.stderr.recv_timeout(left) {
                Ok(line) => {
                    let found = line.contains(needle);
                    seen.push(line);
                    if found {
                        break;
                    }
                }
                Err(_) => break,
            }
        }
        seen.join("\n")
    }

    fn post(&self, slug: &str, token: &str) -> (u16, String) {
        let response = client()
            .post(format!("{}/hook/{slug}", self.url))
            .bearer_auth(token)
            .json(&json!({"n": 1}))
            .send()
            .unwrap();
        let status = response.status().as_u16();
        let body: Value = response.json().unwrap_or(Value::Null);
        (status, body["error"]["code"].as_str().unwrap_or_default().to_string())
    }
}

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn two_machines_with_the_same_master_key_both_open_the_credential_one_of_them_created() {
    let database = postgres::shared().fresh_database();
    let first = machine(&database).with_env("HOOKLINE_MASTER_KEY", KEY);
    let second = machine(&database).with_env("HOOKLINE_MASTER_KEY", KEY);
    add(&first, "partner", "bearer", &[], "token=canary-shared-token\n");
    live(&first, &[guarded("flw_partner", "partner", "partner")]);

    let rows = vault_rows(&database);
    assert_eq!(rows.credentials.len(), 1, "the credential is in the shared database");
    let sealed = &rows.credentials[0].sealed;
    assert!(
        !sealed.windows(b"canary-shared-token".len()).any(|w| w == b"canary-shared-token"),
        "the secret is stored sealed, never in clear"
    );

    let listed = second.run(&["vault", "list", "--json"]).ok().json();
    assert_eq!(listed[0]["status"], "ok", "the other machine opens the credential with the same key: {listed}");
    let (one, two) = (status_of(&first), status_of(&second));
    assert_eq!(two["source"], "environment", "the key comes from HOOKLINE_MASTER_KEY: {two}");
    assert_eq!(two["ready"], true, "{two}");
    assert!(one["fingerprint"].is_string(), "the vault keeps its key's fingerprint: {one}");
    assert_eq!(one["fingerprint"], two["fingerprint"], "one key for every machine");
    for hookline in [&first, &second] {
        assert!(!hookline.data_dir().join("vault.key").exists(), "no machine writes a key of its own");
    }

    let fingerprint = one["fingerprint"].as_str().unwrap();
    let servers = [Serving::start(&first), Serving::start(&second)];
    for (number, server) in servers.iter().enumerate() {
        assert!(
            server.stdout.iter().any(|line| line
                == &format!(
                    "vault: the data key {fingerprint} from HOOKLINE_MASTER_KEY opens the shared database's vault"
                )),
            "machine {number} says at start which key opens the vault: {:?}",
            server.stdout
        );
        assert_eq!(server.post("partner", "canary-shared-token").0, 202, "machine {number} admits the right caller");
        assert_eq!(
            server.post("partner", "a-wrong-token"),
            (401, "auth_failed".to_string()),
            "machine {number} refuses a wrong one"
        );
    }
}

#[test]
fn a_machine_with_another_key_says_so_at_start_and_leaves_every_credential_as_it_was() {
    let database = postgres::shared().fresh_database();
    let first = machine(&database).with_env("HOOKLINE_MASTER_KEY", KEY);
    add(&first, "partner", "bearer", &[], "token=canary-partner-token\n");
    add(&first, "stripe", "hmac", &["preset=stripe"], "secret=whsec_canarystripe\n");
    live(&first, &[guarded("flw_partner", "partner", "partner")]);
    let fingerprint = status_of(&first)["fingerprint"].as_str().expect("a fingerprint").to_string();
    let before = vault_rows(&database);

    let wrong = machine(&database).with_env("HOOKLINE_MASTER_KEY", OTHER_KEY);
    let server = Serving::start(&wrong);
    let said = server.stderr_until("vault_unavailable");
    assert!(said.contains("vault_unavailable"), "the error code is given at start: {said}");
    assert!(said.contains("does not open this vault"), "and what is wrong: {said}");
    assert!(said.contains(&format!("sealed with {fingerprint}")), "with the fingerprint of the key expected: {said}");
    assert!(said.contains("HOOKLINE_MASTER_KEY") && said.contains("key file"), "and both ways to give it: {said}");
    for key in [KEY, OTHER_KEY] {
        assert!(!said.contains(key), "a key is never printed: {said}");
    }
    // As a vault it cannot open never stopped start-up on one machine, the
    // process serves, and the hooks its vault guards admit nobody.
    assert_eq!(
        server.post("partner", "canary-partner-token"),
        (401, "auth_failed".to_string()),
        "a guarded hook admits nobody while the vault cannot be opened"
    );

    for (args, stdin) in [
        (vec!["vault", "add", "extra", "--kind", "bearer"], "token=tok-extra\n"),
        (vec!["vault", "add", "partner", "--kind", "bearer", "--replace"], "token=tok-replaced\n"),
        (vec!["vault", "rotate-key"], ""),
        (vec!["vault", "recovery-kit"], ""),
        (vec!["vault", "verify", "partner"], ""),
    ] {
        let refused = wrong.run_with_input(&args, stdin);
        assert_eq!(refused.code, Some(2), "{args:?} is refused with the wrong key:\n{}", refused.stderr);
        assert!(
            refused.stderr.contains("does not open this vault") && refused.stderr.contains(&fingerprint),
            "{args:?} says why: {}",
            refused.stderr
        );
    }
    let listed = wrong.run(&["vault", "list", "--json"]).ok().json();
    assert!(
        listed.as_array().unwrap().iter().all(|c| c["status"] == "locked"),
        "its credentials are listed as locked: {listed}"
    );
    let status = wrong.run(&["vault", "status", "--json"]);
    assert_eq!(status.code, Some(2), "a vault it cannot open is an error status");
    assert_eq!(status.json()["ready"], false, "{}", status.stdout);
    drop(server);

    assert_eq!(vault_rows(&database), before, "no credential, key check or token changed, byte for byte");
    let listed = first.run(&["vault", "list", "--json"]).ok().json();
    assert!(
        listed.as_array().unwrap().iter().all(|c| c["status"] == "ok"),
        "the machines with the right key still open everything: {listed}"
    );
}

#[test]
fn the_first_machine_started_with_a_key_makes_it_the_vault_s_key() {
    let database = postgres::shared().fresh_database();
    let first = machine(&database).with_env("HOOKLINE_MASTER_KEY", KEY);
    let server = Serving::start(&first);
    assert!(
        server.stdout.iter().any(|line| line.starts_with("vault: the data key ")),
        "the key opens a vault that had none: {:?}",
        server.stdout
    );
    drop(server);
    let fingerprint = vault_rows(&database).meta.iter().find(|(key, _)| key == "key_fingerprint").cloned();
    let fingerprint = fingerprint.and_then(|(_, value)| value).expect("starting wrote the vault's key check");

    let late = machine(&database).with_env("HOOKLINE_MASTER_KEY", OTHER_KEY);
    let server = Serving::start(&late);
    let said = server.stderr_until("vault_unavailable");
    assert!(
        said.contains("does not open this vault") && said.contains(&fingerprint),
        "a machine started later with another key is told at start, before any credential exists: {said}"
    );
}

#[test]
fn two_machines_creating_a_vault_at_once_with_different_keys_never_leave_secrets_under_two_keys() {
    for round in 0..3 {
        let database = postgres::shared().fresh_database();
        let machines = [KEY, OTHER_KEY].map(|key| machine(&database).with_env("HOOKLINE_MASTER_KEY", key));
        let outcomes: Vec<hookline_tests::Run> = std::thread::scope(|scope| {
            let running: Vec<_> = machines
                .iter()
                .enumerate()
                .map(|(n, hookline)| {
                    scope.spawn(move || {
                        hookline.run_with_input(
                            &["vault", "add", &format!("api-{n}"), "--kind", "bearer"],
                            &format!("token=tok-{n}\n"),
                        )
                    })
                })
                .collect();
            running.into_iter().map(|handle| handle.join().unwrap()).collect()
        });
        let added: Vec<usize> = (0..2).filter(|&n| outcomes[n].code == Some(0)).collect();
        assert_eq!(added.len(), 1, "round {round}: exactly one key becomes the vault's");
        let (winner, loser) = (added[0], 1 - added[0]);
        assert!(
            outcomes[loser].stderr.contains("does not open this vault"),
            "round {round}: the other machine is told its key is not the vault's: {}",
            outcomes[loser].stderr
        );
        let listed = machines[winner].run(&["vault", "list", "--json"]).ok().json();
        assert_eq!(listed.as_array().unwrap().len(), 1, "round {round}: only the winner's credential: {listed}");
        assert_eq!(listed[0]["status"], "ok", "round {round}: and it opens under the vault's key: {listed}");
    }
}

/// A session bus socket that accepts connections and never answers: a
/// keychain lookup through it would connect (and then wait), so the count
/// of connections says whether anything asked the keychain.
struct KeychainTrap {
    address: String,
    connections: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
    _dir: tempfile::TempDir,
}

impl KeychainTrap {
    fn new() -> KeychainTrap {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bus");
        let listener = UnixListener::bind(&path).expect("a unix socket for the trap");
        listener.set_nonblocking(true).unwrap();
        let (connections, stop) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicBool::new(false)));
        let (counted, stopped) = (connections.clone(), stop.clone());
        std::thread::spawn(move || {
            let mut held = Vec::new();
            while !stopped.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((stream, _)) => {
                        counted.fetch_add(1, Ordering::Relaxed);
                        held.push(stream);
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(10)),
                }
            }
        });
        KeychainTrap { address: format!("unix:path={}", path.display()), connections, stop, _dir: dir }
    }

    fn connections(&self) -> usize {
        self.connections.load(Ordering::Relaxed)
    }
}

impl Drop for KeychainTrap {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

#[test]
fn with_a_shared_database_no_keychain_is_asked_and_a_key_file_rolls_out_like_the_master_key() {
    let trap = KeychainTrap::new();
    // Control: on its own SQLite file, a vault without a key asks the keychain.
    let alone = Hookline::new().with_env("DBUS_SESSION_BUS_ADDRESS", &trap.address);
    alone.run(&["vault", "status", "--json"]);
    assert!(trap.connections() > 0, "the trap sees a keychain lookup when one happens");
    let asked_before = trap.connections();

    let database = postgres::shared().fresh_database();
    let first = machine(&database).with_env("DBUS_SESSION_BUS_ADDRESS", &trap.address);
    let started = Instant::now();
    let refused = first.run_with_input(&["vault", "add", "api", "--kind", "bearer"], "token=tok-file\n");
    assert_eq!(refused.code, Some(2), "without a key nothing is sealed:\n{}", refused.stderr);
    for needed in ["shared database", "HOOKLINE_MASTER_KEY", "`hookline vault create-key-file`", "same key"] {
        assert!(refused.stderr.contains(needed), "the refusal says {needed:?}: {}", refused.stderr);
    }
    assert!(started.elapsed() < Duration::from_secs(4), "no keychain was waited for: {:?}", started.elapsed());
    let server = Serving::start(&first);
    let said = server.stderr_until("HOOKLINE_MASTER_KEY");
    assert!(said.contains("warning: no data key for the vault of this shared database"), "said at start: {said}");
    drop(server);
    assert!(vault_rows(&database).meta.iter().all(|(key, value)| key == "vault_id" || value.is_none()), "no key yet");

    // The key is made once, as a key file, and copied to the other machine.
    first.run(&["vault", "create-key-file"]).ok();
    add(&first, "api", "bearer", &[], "token=tok-file\n");
    let status = status_of(&first);
    assert_eq!((status["source"].as_str(), status["ready"].as_bool()), (Some("key_file"), Some(true)), "{status}");
    let second = machine(&database).with_env("DBUS_SESSION_BUS_ADDRESS", &trap.address);
    let copy = second.data_dir().join("vault.key");
    std::fs::copy(first.data_dir().join("vault.key"), &copy).unwrap();
    std::fs::set_permissions(&copy, std::fs::Permissions::from_mode(0o600)).unwrap();
    let listed = second.run(&["vault", "list", "--json"]).ok().json();
    assert_eq!(listed[0]["status"], "ok", "the copied key file opens the credential: {listed}");
    let server = Serving::start(&second);
    let fingerprint = status["fingerprint"].as_str().unwrap();
    assert!(
        server.stdout.iter().any(|line| line.starts_with(&format!("vault: the data key {fingerprint} from key file "))),
        "{:?}",
        server.stdout
    );
    drop(server);

    // A third machine given no key: the vault exists, so it is told which key to bring.
    let third = machine(&database).with_env("DBUS_SESSION_BUS_ADDRESS", &trap.address);
    let server = Serving::start(&third);
    let said = server.stderr_until("vault_unavailable");
    assert!(said.contains(&format!("sealed with the data key {fingerprint}")), "{said}");
    assert!(said.contains("HOOKLINE_MASTER_KEY") && said.contains("key file"), "both ways are named: {said}");
    drop(server);

    assert_eq!(trap.connections(), asked_before, "no process on the shared database asked the keychain");
}
