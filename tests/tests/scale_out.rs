//! Several `hookline serve` processes on one PostgreSQL database (M11.2):
//! they share the hooks and the execution queue, and each execution runs
//! once. A process killed under load leaves its executions to the others,
//! with its in-flight side effects sent at most once more under the same
//! `Idempotency-Key`; a synchronous hook on an intake process answers with
//! what a worker computed; a schedule fires once per slot however many
//! processes serve it; and a database outage costs `503`s, never an
//! accepted request. Everything is real: the `hookline` binary, PostgreSQL
//! (crates/testdb) and an HTTP target that records what the flows send.

use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, RwLock};
use std::time::{Duration, Instant};

use hookline_tests::postgres::{self, Postgres};
use hookline_tests::{client, hook_flow, json_of, live, transform, Answer, Hookline, Recorder};
use serde_json::{json, Value};

/// A data key as HOOKLINE_MASTER_KEY takes it: every process of a shared
/// database is given the same one, as machines of one deployment would be.
const MASTER_KEY: &str = "5e1d2c3b4a5968778695a4b3c2d1e0f00112233445566778899aabbccddeeff7";

/// A data dir of its own (another machine, as far as settings and files
/// go) whose commands use the shared `database`.
fn node(database: &str) -> Hookline {
    Hookline::new().with_env("HOOKLINE_DATABASE_URL", database).with_env("HOOKLINE_MASTER_KEY", MASTER_KEY)
}

/// What one hook request came to.
#[derive(Debug, Clone)]
enum Outcome {
    /// A `2xx` naming its execution.
    Accepted(String),
    /// Another HTTP answer: status, `error.code` and `Retry-After`.
    Refused { status: u16, code: String, retry_after: Option<String> },
    /// No HTTP answer: the connection was refused or dropped, or it timed out.
    Unreachable(String),
}

/// Posts `{"n": n}` to `url` and says what came of it.
fn send(client: &reqwest::blocking::Client, url: &str, n: usize) -> Outcome {
    let response = match client.post(url).json(&json!({"n": n})).send() {
        Ok(response) => response,
        Err(error) => return Outcome::Unreachable(format!("{error:?}")),
    };
    let status = response.status().as_u16();
    let retry_after = response.headers().get("retry-after").map(|v| v.to_str().unwrap_or_default().to_string());
    let body = match response.text() {
        Ok(text) => text,
        Err(error) => return Outcome::Unreachable(format!("{error:?}")),
    };
    let body: Value =
        serde_json::from_str(&body).unwrap_or_else(|e| panic!("answer {status} is not JSON ({e}): {body}"));
    if (200..300).contains(&status) {
        let id = body["executionId"].as_str().unwrap_or_else(|| panic!("a 2xx names its execution: {body}"));
        return Outcome::Accepted(id.to_string());
    }
    let code = body["error"]["code"].as_str().unwrap_or_default().to_string();
    Outcome::Refused { status, code, retry_after }
}

/// Runs `sql` in the test's database and splits psql's unaligned rows
/// into columns.
fn rows(server: &Postgres, database: &str, sql: &str) -> Vec<Vec<String>> {
    let out = server.sql_in(database, sql);
    out.lines().filter(|l| !l.is_empty()).map(|l| l.split('|').map(str::to_string).collect()).collect()
}

/// Executions still queued or running.
fn unfinished(server: &Postgres, database: &str) -> usize {
    server.sql_in(database, "SELECT count(*) FROM executions WHERE status IN ('queued', 'running')").parse().unwrap()
}

/// Waits until every execution has finished; fails after `limit`.
fn wait_until_all_finished(server: &Postgres, database: &str, limit: Duration) {
    let deadline = Instant::now() + limit;
    loop {
        let left = unfinished(server, database);
        if left == 0 {
            return;
        }
        if Instant::now() >= deadline {
            let stuck = server.sql_in(
                database,
                "SELECT id, status, owner, lease_until, created_at, started_at FROM executions
                 WHERE status IN ('queued', 'running') ORDER BY created_at",
            );
            panic!("{left} execution(s) still unfinished after {limit:?} (id|status|owner|lease|created|started):\n{stuck}");
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// An execution's status, owner and the end of its claim.
fn claim(server: &Postgres, database: &str, id: &str) -> Vec<String> {
    rows(server, database, &format!("SELECT status, owner, lease_until FROM executions WHERE id = '{id}'"))
        .pop()
        .unwrap_or_else(|| panic!("no execution {id}"))
}

/// Waits until execution `id` has succeeded; fails after `limit`, showing its claim.
fn wait_until_succeeded(server: &Postgres, database: &str, id: &str, limit: Duration) {
    let deadline = Instant::now() + limit;
    loop {
        let now = claim(server, database, id);
        if now[0] == "succeeded" {
            return;
        }
        assert!(Instant::now() < deadline, "{id} is run by a worker within {limit:?}; status|owner|lease: {now:?}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The process id in an execution's `owner` (`HOST/PID/ULID`).
fn owner_pid(owner: &str) -> u32 {
    owner.split('/').nth(1).and_then(|pid| pid.parse().ok()).unwrap_or_else(|| panic!("an owner names a pid: {owner}"))
}

#[test]
fn three_processes_under_load_with_one_killed_run_every_accepted_request_once() {
    const REQUESTS: usize = 3000;
    const IN_FLIGHT: usize = 32;
    const KILL_AFTER: usize = 1000;
    let pg = Postgres::start();
    let database = pg.fresh_database();
    // The target holds each request a moment, so the killed process has
    // side effects in flight.
    let target = Recorder::scripted(vec![Answer::new(200, json!({"ok": true})).after(Duration::from_millis(50))]);
    let nodes = [node(&database), node(&database), node(&database)];
    live(
        &nodes[0],
        &[hook_flow(
            "flw_load",
            json!({"slug": "load"}),
            vec![json!({"id": "stp_call", "component": "http_request", "name": "Call", "inputs": {
                "method": {"value": "POST"}, "url": {"value": format!("{}/effects", target.url)},
                "body": {"expr": "body"}}})],
        )],
    );
    let mut servers: Vec<_> = nodes.iter().map(|node| node.serve(&[])).collect();
    // `None` while the test knows a process is down, as a load balancer
    // takes a backend out; requests then go to the next one.
    let urls: RwLock<Vec<Option<String>>> =
        RwLock::new(servers.iter().map(|s| Some(format!("{}/hook/load", s.url))).collect());
    let outcomes: Mutex<Vec<Option<(String, Outcome)>>> = Mutex::new(vec![None; REQUESTS]);
    let next = AtomicUsize::new(0);
    let done = AtomicUsize::new(0);
    let client = client();
    let started = Instant::now();
    let mut killed_url = String::new();
    let mut down_for = Duration::ZERO;

    std::thread::scope(|scope| {
        for _ in 0..IN_FLIGHT {
            scope.spawn(|| loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                if n >= REQUESTS {
                    return;
                }
                let url = {
                    let urls = urls.read().unwrap();
                    (0..urls.len()).find_map(|k| urls[(n + k) % urls.len()].clone()).expect("a live process")
                };
                let outcome = send(&client, &url, n);
                outcomes.lock().unwrap()[n] = Some((url, outcome));
                done.fetch_add(1, Ordering::Relaxed);
            });
        }
        while done.load(Ordering::Relaxed) < KILL_AFTER {
            std::thread::sleep(Duration::from_millis(5));
        }
        // kill -9, and reaped, so the others see its pid gone.
        let killed_at = Instant::now();
        servers[0].child.kill().expect("kill -9 the first process");
        servers[0].child.wait().unwrap();
        killed_url = urls.write().unwrap()[0].take().unwrap();
        servers[0] = nodes[0].serve(&[]);
        urls.write().unwrap()[0] = Some(format!("{}/hook/load", servers[0].url));
        down_for = killed_at.elapsed();
    });
    let load_took = started.elapsed();
    wait_until_all_finished(&pg, &database, Duration::from_secs(60));
    let finished_after = started.elapsed();

    let outcomes: Vec<(String, Outcome)> = outcomes.into_inner().unwrap().into_iter().map(Option::unwrap).collect();
    // n → (execution id, status), from the request each execution's inbox entry kept.
    let mut executions: BTreeMap<usize, Vec<(String, String)>> = BTreeMap::new();
    let stored = rows(
        &pg,
        &database,
        "SELECT e.id, e.status, convert_from(i.body, 'UTF8') FROM executions e LEFT JOIN inbox i ON i.id = e.inbox_id",
    );
    for row in &stored {
        let body: Value = serde_json::from_str(&row[2]).unwrap_or_else(|e| panic!("{row:?}: the request's body ({e})"));
        let n = body["n"].as_u64().unwrap_or_else(|| panic!("{row:?}")) as usize;
        executions.entry(n).or_default().push((row[0].clone(), row[1].clone()));
    }
    let twice: Vec<_> = executions.iter().filter(|(_, runs)| runs.len() > 1).collect();
    assert!(twice.is_empty(), "one request started at most one execution; these started more: {twice:?}");
    let failed: Vec<_> = stored.iter().filter(|row| row[1] != "succeeded").collect();
    assert!(failed.is_empty(), "every execution succeeded, the killed process's ones resumed elsewhere: {failed:?}");

    let (mut accepted, mut unreachable, mut refused) = (0, 0, 0);
    for (n, (url, outcome)) in outcomes.iter().enumerate() {
        let run = executions.get(&n).map(|runs| &runs[0].0);
        match outcome {
            Outcome::Accepted(id) => {
                accepted += 1;
                assert_eq!(run, Some(id), "request {n} was answered 2xx naming {id}: that execution must exist, once");
            }
            Outcome::Unreachable(error) => {
                unreachable += 1;
                assert_eq!(
                    url, &killed_url,
                    "only the killed process may leave a request unanswered; request {n} got {error}"
                );
            }
            Outcome::Refused { status, code, retry_after } => {
                refused += 1;
                assert!(
                    *status == 503 && retry_after.is_some(),
                    "a live process answers 2xx, or 503 with Retry-After when overloaded; request {n} got {status} {code}"
                );
                assert_eq!(run, None, "a refused request (503 {code}) starts nothing, yet {n} ran");
            }
        }
    }
    assert!(accepted > REQUESTS / 2, "most requests must be accepted for this to prove anything: {accepted}");
    let orphans = executions.len() - accepted;
    assert!(
        orphans <= unreachable,
        "executions beyond the 2xx answers ({orphans}) can only be requests the killed process accepted and could not \
         answer ({unreachable} unanswered)"
    );

    // The side effects: each execution's at least once, at most twice (one
    // crash), every time under its own key.
    let mut effects: HashMap<usize, Vec<String>> = HashMap::new();
    for request in target.received() {
        let n = request.json()["n"].as_u64().expect("the effect carries n") as usize;
        let key = request.header("idempotency-key").unwrap_or_else(|| panic!("effect {n} has no Idempotency-Key"));
        effects.entry(n).or_default().push(key.to_string());
    }
    let mut repeated = 0;
    for (n, runs) in &executions {
        let id = &runs[0].0;
        let keys = effects.remove(n).unwrap_or_default();
        assert!(
            (1..=2).contains(&keys.len()),
            "execution {id} (request {n}) reached the target {} times; after one crash it is once or twice",
            keys.len()
        );
        let expected = format!("{id}.stp_call");
        assert!(keys.iter().all(|key| *key == expected), "execution {id} sent {keys:?}, each must be {expected}");
        repeated += usize::from(keys.len() == 2);
    }
    assert!(effects.is_empty(), "the target got effects no execution explains: {:?}", effects.keys());
    eprintln!(
        "{REQUESTS} requests in {load_took:?} ({accepted} accepted, {refused} refused, {unreachable} unanswered); \
         one process down for {down_for:?}; all finished after {finished_after:?}; {repeated} effect(s) sent twice"
    );
}

/// A `hookline serve --role worker`: no listener, so it is ready once it
/// says it is working. Killed on drop.
struct Worker {
    child: Child,
}

impl Worker {
    fn start(node: &Hookline) -> Worker {
        let mut child = Command::new(hookline_tests::binary())
            .env_remove("HOOKLINE_MASTER_KEY")
            .envs(node.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .arg("--data-dir")
            .arg(node.data_dir())
            .args(["serve", "--role", "worker"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .spawn()
            .expect("hookline serve --role worker starts");
        let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
        let mut before = Vec::new();
        loop {
            let line = lines.next().unwrap_or_else(|| panic!("the worker ended before it was ready: {before:?}"));
            let line = line.expect("worker output");
            if line.starts_with("working:") {
                break;
            }
            before.push(line);
        }
        // Keep reading, so the worker never blocks on a full pipe.
        std::thread::spawn(move || lines.map_while(Result::ok).for_each(drop));
        Worker { child }
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn a_sync_hook_on_an_intake_process_answers_with_the_reply_a_worker_computed() {
    let pg = postgres::shared();
    let database = pg.fresh_database();
    let front = node(&database);
    live(
        &front,
        &[hook_flow(
            "flw_greet",
            json!({"slug": "greet", "respond": "sync", "timeoutMs": 3000}),
            vec![json!({"id": "stp_reply", "component": "respond", "name": "Reply", "inputs": {
                "status": {"value": 201}, "body.greeting": {"expr": "'Hello ' & body.name"}}})],
        )],
    );
    let intake = front.serve(&["--role", "intake"]);
    let client = client();
    let hook = format!("{}/hook/greet", intake.url);

    // Alone, the intake process runs nothing: the caller gets the
    // documented timeout, and the execution waits in the queue.
    let alone = client.post(&hook).json(&json!({"name": "Ada"})).send().unwrap();
    assert_eq!(alone.status(), 504, "with no worker, a synchronous request times out");
    let alone = json_of(alone);
    assert_eq!(alone["error"]["code"], "sync_timeout", "{alone}");
    let waiting = alone["executionId"].as_str().unwrap_or_else(|| panic!("a timeout names the execution: {alone}"));
    assert_eq!(
        claim(pg, &database, waiting)[0],
        "queued",
        "an intake-only process stores the execution for the workers"
    );

    let worker = Worker::start(&node(&database));
    wait_until_succeeded(pg, &database, waiting, Duration::from_secs(10));

    let asked = Instant::now();
    let reply = client.post(&hook).json(&json!({"name": "Grace"})).send().unwrap();
    let took = asked.elapsed();
    assert_eq!(reply.status(), 201, "the Respond step the worker ran chose the status");
    assert_eq!(
        json_of(reply),
        json!({"greeting": "Hello Grace"}),
        "the intake process answers with the worker's reply"
    );

    let runs = rows(pg, &database, "SELECT id, status, owner FROM executions WHERE flow_id = 'flw_greet'");
    assert_eq!(runs.len(), 2, "one execution per request: {runs:?}");
    for run in &runs {
        assert_eq!(run[1], "succeeded", "{run:?}");
        assert_eq!(
            owner_pid(&run[2]),
            worker.child.id(),
            "the worker ran {} (the intake process is {})",
            run[0],
            intake.child.id()
        );
    }
    eprintln!("the reply across processes took {took:?}");
}

#[test]
fn what_an_intake_process_queued_before_any_worker_ran_is_run_by_a_worker_that_starts_later() {
    let pg = postgres::shared();
    let database = pg.fresh_database();
    let front = node(&database);
    live(&front, &[hook_flow("flw_later", json!({"slug": "later"}), vec![transform("stp_t", "body.n")])]);
    let intake = front.serve(&["--role", "intake"]);
    let response = client().post(format!("{}/hook/later", intake.url)).json(&json!({"n": 1})).send().unwrap();
    assert_eq!(response.status(), 202);
    let queued = json_of(response)["executionId"].as_str().unwrap().to_string();
    // No worker for longer than the intake process takes to renew its own
    // claims (a third of the 30 s lease): what it queued must stay free.
    std::thread::sleep(Duration::from_secs(12));
    assert_eq!(claim(pg, &database, &queued)[0], "queued");
    let _worker = Worker::start(&node(&database));
    wait_until_succeeded(pg, &database, &queued, Duration::from_secs(10));
}

#[test]
fn a_schedule_served_by_three_processes_fires_each_slot_once() {
    let pg = postgres::shared();
    let database = pg.fresh_database();
    let nodes = [node(&database), node(&database), node(&database)];
    live(
        &nodes[0],
        &[json!({
            "schemaVersion": 1, "id": "flw_tick", "name": "Tick",
            "steps": [
                {"id": "stp_clock", "component": "schedule", "name": "Clock",
                 "config": {"cron": "*/1 * * * * *", "timezone": "UTC"}},
                transform("stp_when", "$trigger.scheduledFor")
            ],
            "edges": [{"from": "stp_clock", "to": "stp_when"}]
        })],
    );
    let servers: Vec<_> = nodes.iter().map(|node| node.serve(&[])).collect();
    std::thread::sleep(Duration::from_secs(5));
    nodes[1].run(&["flows", "stop", "flw_tick"]).ok();
    // A fire under way when the flow stopped still finishes.
    std::thread::sleep(Duration::from_millis(1500));
    wait_until_all_finished(pg, &database, Duration::from_secs(20));

    let runs = rows(
        pg,
        &database,
        "SELECT input::json->>'scheduledFor', status, owner FROM executions
         WHERE flow_id = 'flw_tick' AND trigger = 'schedule' ORDER BY 1",
    );
    let mut slots: BTreeMap<String, usize> = BTreeMap::new();
    for run in &runs {
        assert_eq!(run[1], "succeeded", "{run:?}");
        *slots.entry(run[0].clone()).or_default() += 1;
    }
    let repeated: Vec<_> = slots.iter().filter(|(_, count)| **count > 1).collect();
    assert!(repeated.is_empty(), "each slot runs once across the three processes: {repeated:?}");
    assert!(slots.len() >= 4, "a one-second schedule fires about five times in five seconds: {slots:?}");
    let seconds: Vec<i64> = slots
        .keys()
        .map(|slot| {
            let time = slot.split('T').nth(1).unwrap_or_else(|| panic!("a slot is a timestamp: {slot}"));
            let parts: Vec<f64> = time.trim_end_matches('Z').split(':').map(|p| p.parse().unwrap()).collect();
            (parts[0] * 3600.0 + parts[1] * 60.0 + parts[2]) as i64
        })
        .collect();
    for pair in seconds.windows(2) {
        assert!(
            pair[1] - pair[0] == 1 || pair[1] < pair[0],
            "no second is skipped between the first slot and the last: {:?}",
            slots.keys()
        );
    }
    let mut by_process: HashMap<u32, usize> = HashMap::new();
    for run in &runs {
        *by_process.entry(owner_pid(&run[2])).or_default() += 1;
    }
    let pids: Vec<u32> = servers.iter().map(|s| s.child.id()).collect();
    assert!(by_process.keys().all(|pid| pids.contains(pid)), "only the serving processes fire: {by_process:?}");
    eprintln!("{} slots fired; runs per process: {by_process:?}", slots.len());
}

#[test]
fn a_database_outage_answers_503_and_loses_no_accepted_request() {
    const IN_FLIGHT: usize = 8;
    /// How soon after PostgreSQL is back every request is accepted again.
    const RECOVERY: Duration = Duration::from_secs(3);
    let pg = Postgres::start();
    let database = pg.fresh_database();
    let hookline = node(&database);
    live(&hookline, &[hook_flow("flw_note", json!({"slug": "note"}), vec![transform("stp_t", "body.n")])]);
    let server = hookline.serve(&[]);
    let url = format!("{}/hook/note", server.url);
    let client = client();
    // (sent, answered, outcome) per request.
    let outcomes: Mutex<Vec<(Instant, Instant, Outcome)>> = Mutex::default();
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let started = Instant::now();
    let (stopping, back) = std::thread::scope(|scope| {
        for _ in 0..IN_FLIGHT {
            scope.spawn(|| {
                while !stop.load(Ordering::Relaxed) {
                    let n = next.fetch_add(1, Ordering::Relaxed);
                    let sent = Instant::now();
                    let outcome = send(&client, &url, n);
                    let accepted = matches!(outcome, Outcome::Accepted(_));
                    outcomes.lock().unwrap().push((sent, Instant::now(), outcome));
                    if !accepted {
                        // As a client told to retry would, and without spinning.
                        std::thread::sleep(Duration::from_millis(100));
                    }
                }
            });
        }
        std::thread::sleep(Duration::from_secs(2));
        let stopping = Instant::now();
        pg.stop();
        std::thread::sleep(Duration::from_secs(10));
        // A load balancer asking now is told to send hooks elsewhere, and why.
        let ready = client.get(format!("{}/readyz", server.url)).send().unwrap();
        assert_eq!(ready.status(), 503, "not ready while the database is down");
        let readiness = json_of(ready);
        assert_eq!(readiness["ready"], false, "{readiness}");
        assert_ne!(readiness["database"], "ok", "the database's error is named: {readiness}");
        pg.start_again();
        let back = Instant::now();
        // The same process takes requests again, without a restart: the
        // load goes on until it has for a while.
        let deadline = back + Duration::from_secs(15);
        loop {
            let recovered = outcomes
                .lock()
                .unwrap()
                .iter()
                .filter(|(sent, _, outcome)| *sent > back && matches!(outcome, Outcome::Accepted(_)))
                .count();
            if (recovered >= 50 && back.elapsed() > RECOVERY + Duration::from_secs(1)) || Instant::now() > deadline {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        stop.store(true, Ordering::Relaxed);
        (stopping, back)
    });
    let ready = client.get(format!("{}/readyz", server.url)).send().unwrap();
    assert_eq!(ready.status(), 200, "ready again once the database is back");
    assert_eq!(json_of(ready), json!({"ready": true, "database": "ok"}));
    let after = send(&client, &url, usize::MAX);
    assert!(matches!(after, Outcome::Accepted(_)), "after the database is back, a request is accepted: {after:?}");

    let outcomes = outcomes.into_inner().unwrap();
    let stored: HashMap<String, String> = rows(&pg, &database, "SELECT id, status FROM executions")
        .into_iter()
        .map(|r| (r[0].clone(), r[1].clone()))
        .collect();
    let (mut accepted, mut codes, mut unreachable) = (Vec::new(), BTreeMap::new(), 0);
    let mut during_outage = 0;
    let mut last_refused_after_back = None;
    for (sent, answered, outcome) in &outcomes {
        let at = format!("sent {:?} after the database stopped", sent.saturating_duration_since(stopping));
        if *answered > stopping && *sent < back {
            during_outage += 1;
        }
        match outcome {
            Outcome::Accepted(id) => {
                assert!(stored.contains_key(id), "{id} was answered 2xx ({at}) but is missing");
                accepted.push(id.clone());
            }
            Outcome::Refused { status, code, retry_after } => {
                *codes.entry(code.as_str()).or_insert(0) += 1;
                // Backpressure may answer `overloaded` at any time; while its
                // commits hang, the journal is also "too far behind to store
                // the request within half a second" (README).
                assert!(
                    *status == 503
                        && ["database_unavailable", "overloaded"].contains(&code.as_str())
                        && retry_after.is_some(),
                    "a request the database could not take is answered 503 database_unavailable with Retry-After; \
                     got {status} {code} (Retry-After {retry_after:?}), {at}"
                );
                let unavailable = code == "database_unavailable";
                assert!(!unavailable || *answered > stopping, "the database answers before the outage: {at}");
                assert!(
                    !unavailable || *sent < back + RECOVERY,
                    "{RECOVERY:?} after the database is back, it answers again: {code}, {at}"
                );
            }
            Outcome::Unreachable(error) => {
                unreachable += 1;
                assert!(*answered > stopping, "before the outage every request is answered: {error}, {at}");
                assert!(
                    *sent < back + RECOVERY,
                    "{RECOVERY:?} after the outage every request is answered: {error}, {at}"
                );
            }
        }
        if *sent > back && !matches!(outcome, Outcome::Accepted(_)) {
            last_refused_after_back = Some(sent.duration_since(back));
        }
    }
    let recovered = outcomes.iter().filter(|(sent, _, o)| *sent > back && matches!(o, Outcome::Accepted(_))).count();
    assert!(recovered >= 50, "the same process accepts requests again once the database is back: {recovered}");
    assert!(during_outage > 0, "the load went on through the outage");
    assert!(
        codes.contains_key("database_unavailable"),
        "requests during the outage are answered 503 database_unavailable: {codes:?}"
    );

    // What was accepted before, during and after the outage runs to its end.
    wait_until_all_finished(&pg, &database, Duration::from_secs(30));
    let stored: HashMap<String, String> = rows(&pg, &database, "SELECT id, status FROM executions")
        .into_iter()
        .map(|r| (r[0].clone(), r[1].clone()))
        .collect();
    for id in &accepted {
        assert_eq!(stored[id], "succeeded", "accepted {id} runs to its end once the database is back");
    }
    eprintln!(
        "{} requests in {:?}: {} accepted, 503s {codes:?}, {unreachable} unanswered; \
         {during_outage} during the outage; the last one refused after the restart was sent {:?} after it",
        outcomes.len(),
        started.elapsed(),
        accepted.len(),
        last_refused_after_back
    );
}
