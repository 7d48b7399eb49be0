//! Helpers for Hookline's black-box tests: a temp data dir driven through the
//! real `hookline` binary, and a real HTTP server that records what it gets.

/// The throwaway PostgreSQL server, under the path the tests have always used.
pub use hookline_testdb as postgres;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{Method, StatusCode, Uri};
use axum::Router;
use serde_json::{json, Value};

/// The `hookline` binary built beside this test (`target/<profile>/hookline`).
///
/// `cargo test --workspace` builds it (the CLI crate has integration tests). When
/// only this package is tested after an edit, the binary can be older than the
/// sources; it is then rebuilt once, so a test never runs a stale binary.
pub fn binary() -> PathBuf {
    static BUILD: std::sync::Once = std::sync::Once::new();
    let exe = std::env::current_exe().expect("test executable path");
    let dir = exe.parent().and_then(Path::parent).expect("target profile dir");
    let binary = dir.join(format!("hookline{}", std::env::consts::EXE_SUFFIX));
    BUILD.call_once(|| {
        let built = std::fs::metadata(&binary).and_then(|m| m.modified()).ok();
        let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("workspace root");
        if built.is_some_and(|built| newest_source(workspace) <= built) {
            return;
        }
        let mut build = Command::new(env!("CARGO"));
        build.current_dir(workspace).args(["build", "--quiet", "-p", "hookline-cli", "--bin", "hookline"]);
        if !cfg!(debug_assertions) {
            build.arg("--release");
        }
        assert!(build.status().expect("cargo runs").success(), "building the hookline binary failed");
    });
    binary
}

/// The newest modification time among the workspace's manifests and the
/// crates' sources and migrations.
fn newest_source(workspace: &Path) -> std::time::SystemTime {
    fn walk(dir: &Path, newest: &mut std::time::SystemTime) {
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, newest);
            } else if path.extension().is_some_and(|e| e == "rs" || e == "sql" || e == "toml") {
                if let Ok(modified) = entry.metadata().and_then(|m| m.modified()) {
                    *newest = (*newest).max(modified);
                }
            }
        }
    }
    let mut newest = std::time::SystemTime::UNIX_EPOCH;
    for file in ["Cargo.toml", "Cargo.lock"] {
        if let Ok(modified) = std::fs::metadata(workspace.join(file)).and_then(|m| m.modified()) {
            newest = newest.max(modified);
        }
    }
    walk(&workspace.join("crates"), &mut newest);
    newest
}

/// A fresh data dir and a way to run `hookline` against it.
pub struct Hookline {
    pub dir: tempfile::TempDir,
    /// Environment every command of this data dir runs with (e.g. a master key).
    pub env: Vec<(String, String)>,
}

/// What one command printed and how it exited.
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is JSON ({e}): {}\nstderr: {}", self.stdout, self.stderr))
    }

    /// Panics with the output unless the command exited 0.
    pub fn ok(self) -> Run {
        assert_eq!(self.code, Some(0), "command failed\nstdout: {}\nstderr: {}", self.stdout, self.stderr);
        self
    }
}

impl From<Output> for Run {
    fn from(output: Output) -> Run {
        Run {
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}

impl Default for Hookline {
    fn default() -> Self {
        Self::new()
    }
}

impl Hookline {
    pub fn new() -> Hookline {
        Hookline { dir: tempfile::tempdir().expect("temp dir"), env: vec![] }
    }

    /// Sets an environment variable for every later command.
    pub fn with_env(mut self, name: &str, value: &str) -> Hookline {
        self.env.push((name.to_string(), value.to_string()));
        self
    }

    fn command(&self) -> Command {
        let mut command = Command::new(binary());
        // The outer environment must not choose the vault's key for a test.
        command.env_remove("HOOKLINE_MASTER_KEY");
        command.envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        command.arg("--data-dir").arg(self.dir.path());
        command
    }

    /// Runs `hookline ARGS…` with `stdin` as its standard input.
    pub fn run_with_input(&self, args: &[&str], stdin: &str) -> Run {
        use std::io::Write;
        let mut child = self
            .command()
            .args(args)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("hookline starts");
        child.stdin.take().expect("stdin").write_all(stdin.as_bytes()).expect("write stdin");
        child.wait_with_output().expect("hookline ends").into()
    }

    /// Runs `hookline ARGS…` with its standard output a pipe whose reader has
    /// already gone, as in `hookline … | head` once `head` is done.
    pub fn run_into_closed_pipe(&self, args: &[&str]) -> Run {
        let mut child = self
            .command()
            .args(args)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("hookline starts");
        drop(child.stdout.take());
        child.wait_with_output().expect("hookline ends").into()
    }

    pub fn data_dir(&self) -> &Path {
        self.dir.path()
    }

    /// Runs `hookline --data-dir <temp> ARGS…`.
    pub fn run(&self, args: &[&str]) -> Run {
        self.command().args(args).stdin(std::process::Stdio::null()).output().expect("hookline starts").into()
    }

    /// Writes `text` to a file in the data dir's parent-free scratch area and returns its path.
    pub fn file(&self, name: &str, text: &str) -> String {
        let path = self.dir.path().join(name);
        std::fs::write(&path, text).expect("write scratch file");
        path.to_string_lossy().into_owned()
    }

    /// Imports a flow document and returns the flow id.
    pub fn import(&self, document: &Value) -> String {
        let path = self.file("import.flow.json", &serde_json::to_string_pretty(document).unwrap());
        self.run(&["flows", "import", &path]).ok().stdout.trim().to_string()
    }
}

/// A running `hookline serve` on a port the OS chose, killed on drop.
pub struct Server {
    pub child: std::process::Child,
    pub url: String,
    /// Lines the server printed after its address (one per request).
    pub log: std::sync::mpsc::Receiver<String>,
}

impl Hookline {
    /// Starts `hookline serve --listen 127.0.0.1:0 EXTRA…` and waits until it listens.
    pub fn serve(&self, extra: &[&str]) -> Server {
        use std::io::{BufRead, BufReader};
        let mut child = self
            .command()
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(extra)
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("hookline serve starts");
        let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
        let mut url = None;
        let mut before = Vec::new();
        for line in lines.by_ref() {
            let line = line.expect("server output");
            if let Some(address) = line.strip_prefix("listening on ") {
                url = Some(address.trim().to_string());
                break;
            }
            before.push(line);
        }
        let url = url.unwrap_or_else(|| panic!("the server did not start: {before:?}"));
        let (sender, log) = std::sync::mpsc::channel();
        for line in before {
            let _ = sender.send(line);
        }
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        Server { child, url, log }
    }
}

impl Server {
    /// Every line printed so far (including those before the address).
    pub fn lines(&self) -> Vec<String> {
        self.log.try_iter().collect()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One request a [`Recorder`] received.
#[derive(Debug, Clone)]
pub struct Received {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    /// Header names in lowercase, with their values.
    pub headers: Vec<(String, String)>,
    pub body: Bytes,
    /// When it arrived.
    pub at: std::time::Instant,
}

impl Received {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("request body is JSON")
    }

    /// The first value of a header (name in any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

#[derive(Clone)]
struct RecorderState {
    received: Arc<Mutex<Vec<Received>>>,
    status: StatusCode,
    reply: Value,
    /// Paths answered with a redirect instead: (path, status, Location).
    redirects: Arc<Vec<(String, u16, String)>>,
    /// Answers given in order, the last one to every later request; when
    /// empty, `status` and `reply` answer.
    script: Arc<Mutex<std::collections::VecDeque<Answer>>>,
}

/// One answer of a scripted [`Recorder`].
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Value,
    /// How long the server holds the request before answering.
    pub delay: std::time::Duration,
}

impl Answer {
    pub fn new(status: u16, body: Value) -> Answer {
        Answer { status, headers: vec![], body, delay: std::time::Duration::ZERO }
    }

    pub fn header(mut self, name: &str, value: &str) -> Answer {
        self.headers.push((name.into(), value.into()));
        self
    }

    pub fn after(mut self, delay: std::time::Duration) -> Answer {
        self.delay = delay;
        self
    }
}

/// A real HTTP server on 127.0.0.1 (port chosen by the OS) that records every
/// request and answers each with a fixed status and JSON body.
pub struct Recorder {
    pub url: String,
    received: Arc<Mutex<Vec<Received>>>,
    _runtime: tokio::runtime::Runtime,
}

impl Recorder {
    pub fn start(status: u16, reply: Value) -> Recorder {
        Recorder::with_redirects(status, reply, Vec::new())
    }

    /// A recorder that answers the listed paths with a redirect (path,
    /// status, `Location`) and every other one as [`Recorder::start`] does.
    pub fn with_redirects(status: u16, reply: Value, redirects: Vec<(String, u16, String)>) -> Recorder {
        Recorder::build(status, reply, redirects, |_| {})
    }

    fn build(
        status: u16,
        reply: Value,
        redirects: Vec<(String, u16, String)>,
        configure: impl FnOnce(&RecorderState),
    ) -> Recorder {
        let runtime =
            tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().expect("runtime");
        let received = Arc::new(Mutex::new(Vec::new()));
        let state = RecorderState {
            received: received.clone(),
            status: StatusCode::from_u16(status).expect("status"),
            reply,
            redirects: Arc::new(redirects),
            script: Arc::default(),
        };
        configure(&state);
        let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).expect("bind 127.0.0.1:0");
        let address = listener.local_addr().expect("address");
        let app = Router::new().fallback(record).with_state(state);
        runtime.spawn(async move { axum::serve(listener, app).await });
        Recorder { url: format!("http://{address}"), received, _runtime: runtime }
    }

    /// A recorder that gives `answers` in order and then the last one to
    /// every later request.
    pub fn scripted(answers: Vec<Answer>) -> Recorder {
        Recorder::build(200, Value::Null, Vec::new(), |state| *state.script.lock().unwrap() = answers.into())
    }

    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }
}

async fn record(
    State(state): State<RecorderState>,
    method: Method,
    uri: Uri,
    headers: axum::http::HeaderMap,
    body: Bytes,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    state.received.lock().unwrap().push(Received {
        method: method.to_string(),
        path: uri.path().to_string(),
        query: uri.query().map(str::to_string),
        headers: headers
            .iter()
            .map(|(name, value)| (name.as_str().to_string(), String::from_utf8_lossy(value.as_bytes()).into_owned()))
            .collect(),
        body,
        at: std::time::Instant::now(),
    });
    let scripted = {
        let mut script = state.script.lock().unwrap();
        if script.len() > 1 {
            script.pop_front()
        } else {
            script.front().cloned()
        }
    };
    if let Some(answer) = scripted {
        tokio::time::sleep(answer.delay).await;
        let mut response =
            (StatusCode::from_u16(answer.status).expect("status"), axum::Json(answer.body)).into_response();
        for (name, value) in answer.headers {
            response.headers_mut().insert(
                axum::http::HeaderName::from_bytes(name.as_bytes()).expect("header name"),
                axum::http::HeaderValue::from_str(&value).expect("header value"),
            );
        }
        return response;
    }
    if let Some((_, status, location)) = state.redirects.iter().find(|(path, _, _)| path == uri.path()) {
        let status = StatusCode::from_u16(*status).expect("status");
        return (status, [(axum::http::header::LOCATION, location.clone())]).into_response();
    }
    (state.status, axum::Json(state.reply.clone())).into_response()
}

/// A flow of a webhook trigger (with `config`) and `actions` in a row.
pub fn hook_flow(id: &str, config: Value, actions: Vec<Value>) -> Value {
    let mut steps = vec![json!({"id": "stp_hook", "component": "webhook", "name": "Hook", "config": config})];
    let mut edges = vec![];
    let mut previous = "stp_hook".to_string();
    for action in actions {
        let id = action["id"].as_str().unwrap().to_string();
        edges.push(json!({"from": previous, "to": id}));
        previous = id;
        steps.push(action);
    }
    json!({"schemaVersion": 1, "id": id, "name": id, "steps": steps, "edges": edges})
}

/// A Transform step whose value is `expr`.
pub fn transform(id: &str, expr: &str) -> Value {
    json!({"id": id, "component": "transform", "name": id, "inputs": {"value": {"expr": expr}}})
}

/// Imports, publishes and starts each flow.
pub fn live(hookline: &Hookline, flows: &[Value]) {
    for flow in flows {
        let id = hookline.import(flow);
        hookline.run(&["flows", "publish", &id]).ok();
        hookline.run(&["flows", "start", &id]).ok();
    }
}

/// `hookline vault add NAME --kind KIND --set …` with the secrets (FIELD=VALUE
/// lines) on standard input; fails the test if the credential is refused.
pub fn add_credential(hookline: &Hookline, name: &str, kind: &str, set: &[&str], secrets: &str) {
    let mut args = vec!["vault", "add", name, "--kind", kind];
    for pair in set {
        args.extend(["--set", pair]);
    }
    hookline.run_with_input(&args, secrets).ok();
}

/// A manual flow of one HTTP Request step that POSTs `body` to `url` with `credential`.
pub fn calling(id: &str, url: &str, credential: &str, body: Value) -> Value {
    json!({
        "schemaVersion": 1, "id": id, "name": id,
        "steps": [
            {"id": "stp_start", "component": "manual", "name": "Start"},
            {"id": "stp_call", "component": "http_request", "name": "Call", "credential": credential,
             "inputs": {"method": {"value": "POST"}, "url": {"value": url}, "body": {"value": body}}}
        ],
        "edges": [{"from": "stp_start", "to": "stp_call"}]
    })
}

/// A blocking HTTP client that gives up after 30 s.
pub fn client() -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder().timeout(std::time::Duration::from_secs(30)).build().unwrap()
}

/// The response's body as JSON; the test fails, showing the text, when it is not.
pub fn json_of(response: reqwest::blocking::Response) -> Value {
    let text = response.text().unwrap();
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

/// An error answer's status and `error.code`.
pub fn error_of(response: reqwest::blocking::Response) -> (u16, String) {
    let status = response.status().as_u16();
    (status, json_of(response)["error"]["code"].as_str().unwrap_or_default().to_string())
}

/// Polls a status URL until the execution has ended (20 s at most).
pub fn wait_for_end(client: &reqwest::blocking::Client, status_url: &str) -> Value {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let execution = json_of(client.get(status_url).send().unwrap());
        if ["succeeded", "failed", "cancelled"].contains(&execution["status"].as_str().unwrap_or("")) {
            return execution;
        }
        assert!(std::time::Instant::now() < deadline, "the execution did not finish: {execution}");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}
