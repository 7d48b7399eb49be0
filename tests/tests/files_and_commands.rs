//! Settings from the command line, Write File and Run Command through the
//! real `hookline` binary: the allow-lists saved with `hookline settings set`
//! are the ones steps obey, paths never escape an allowed folder, concurrent
//! appends stay whole lines, commands run without a shell or Hookline's
//! environment and never outlive their timeout.

use std::collections::BTreeSet;
use std::path::Path;
use std::time::{Duration, Instant};

use hookline_tests::{client, hook_flow, json_of, live, wait_for_end, Hookline, Run};
use serde_json::{json, Value};

/// A flow of a Manual trigger and one action step.
fn manual_flow(id: &str, step: Value) -> Value {
    json!({
        "schemaVersion": 1, "id": id, "name": id,
        "steps": [{"id": "stp_start", "component": "manual", "name": "Start"}, step],
        "edges": [{"from": "stp_start", "to": step["id"]}]
    })
}

fn write_step(path: Value, content: Value, mode: &str) -> Value {
    json!({"id": "stp_write", "component": "write_file", "name": "Write",
           "inputs": {"path": path, "content": content, "mode": {"value": mode}}})
}

fn command_step(inputs: Value) -> Value {
    json!({"id": "stp_cmd", "component": "run_command", "name": "Command", "inputs": inputs})
}

/// Imports and publishes the flow, runs it once with `input` and returns
/// the execution (the command exits 1 when the execution failed).
fn run_once(hookline: &Hookline, flow: &Value, input: Value) -> Value {
    let id = hookline.import(flow);
    hookline.run(&["flows", "publish", &id]).ok();
    let file = hookline.file("input.json", &input.to_string());
    let run = hookline.run(&["run", &id, "--input", &file]);
    assert!(run.code == Some(0) || run.code == Some(1), "run printed an execution\n{}", run.stderr);
    run.json()
}

/// The one action step of an execution of a [`manual_flow`].
fn step(execution: &Value) -> &Value {
    &execution["steps"][1]
}

fn set(hookline: &Hookline, key: &str, values: &[&str]) -> Run {
    let mut args = vec!["settings", "set", key];
    args.extend(values);
    hookline.run(&args)
}

fn folder_of(dir: &Path) -> String {
    std::fs::canonicalize(dir).unwrap().to_string_lossy().into_owned()
}

/// `hookline serve --ui`: the designer's `/api`, as the Settings page and the
/// step panel call it.
struct Browser {
    _ui: tempfile::TempDir,
    server: hookline_tests::Server,
    token: String,
}

impl Browser {
    fn start(hookline: &Hookline) -> Browser {
        let ui = tempfile::tempdir().unwrap();
        std::fs::write(ui.path().join("index.html"), "<!doctype html>").unwrap();
        let server = hookline.serve(&["--ui", "--ui-dir", ui.path().to_str().unwrap()]);
        let token = (0..50)
            .find_map(|_| {
                let line = server.log.recv_timeout(Duration::from_secs(10)).ok()?;
                line.strip_prefix("designer: ").and_then(|url| url.split_once("?token=")).map(|(_, t)| t.to_string())
            })
            .expect("the designer URL is printed");
        Browser { _ui: ui, server, token }
    }

    /// An operation's status and JSON answer.
    fn call(&self, op: &str, args: Value) -> (u16, Value) {
        let response =
            client().post(format!("{}/api/{op}", self.server.url)).bearer_auth(&self.token).json(&args).send().unwrap();
        (response.status().as_u16(), json_of(response))
    }
}

#[test]
fn settings_set_get_and_list_round_trip_and_the_browser_api_reads_the_same() {
    let hookline = Hookline::new();
    let out = tempfile::tempdir().unwrap();
    let exports = tempfile::tempdir().unwrap();
    let (out_path, exports_path) = (folder_of(out.path()), folder_of(exports.path()));

    let saved = set(&hookline, "allowedFolders", &[&out_path, &exports_path, &out_path]).ok();
    assert_eq!(saved.stdout, format!("{out_path}\n{exports_path}\n"), "the new list, once each, one a line");
    set(&hookline, "allowedCommands", &["/bin/sh", "/usr/bin/env"]).ok();
    set(&hookline, "allowedHosts", &["abc.trycloudflare.com"]).ok();
    set(&hookline, "listenAddress", &["127.0.0.1:18123"]).ok();

    let folders = hookline.run(&["settings", "get", "allowedFolders", "--json"]).ok().json();
    assert_eq!(folders, json!([out_path, exports_path]), "get reads what set saved");
    assert_eq!(hookline.run(&["settings", "get", "listenAddress"]).ok().stdout, "127.0.0.1:18123\n");
    let table = hookline.run(&["settings", "list"]).ok().stdout;
    for expected in ["KEY", "allowedCommands", "/bin/sh, /usr/bin/env", "abc.trycloudflare.com", "eventsCredential"] {
        assert!(table.contains(expected), "the table shows {expected:?}:\n{table}");
    }
    let listed = hookline.run(&["settings", "list", "--json"]).ok().json();
    assert_eq!(listed["allowedCommands"], json!(["/bin/sh", "/usr/bin/env"]), "{listed}");

    // Refusals name what is wrong, and save nothing.
    let unknown = hookline.run(&["settings", "get", "allowedFolder"]);
    assert_eq!(unknown.code, Some(2));
    for key in ["listenAddress", "allowedHosts", "eventsCredential", "allowedFolders", "allowedCommands"] {
        assert!(unknown.stderr.contains(key), "an unknown key lists {key}: {}", unknown.stderr);
    }
    let relative = set(&hookline, "allowedFolders", &["exports"]);
    assert!(relative.code == Some(2) && relative.stderr.contains("not an absolute path"), "{}", relative.stderr);
    let missing = set(&hookline, "allowedFolders", &[&format!("{out_path}/nope")]);
    assert!(missing.code == Some(2) && missing.stderr.contains("nope"), "{}", missing.stderr);
    let data = hookline.file("data.txt", "not a program");
    let not_executable = set(&hookline, "allowedCommands", &[&data]);
    assert!(not_executable.stderr.contains("not executable"), "{}", not_executable.stderr);
    let bare = set(&hookline, "allowedCommands", &["sh"]);
    assert!(bare.stderr.contains("not an absolute path"), "{}", bare.stderr);
    let kept = hookline.run(&["settings", "get", "allowedCommands", "--json"]).ok().json();
    assert_eq!(kept, json!(["/bin/sh", "/usr/bin/env"]), "a refused list changes nothing");

    // The Settings page (browser mode's /api) reads and writes the same file.
    let browser = Browser::start(&hookline);
    let api = |op: &str, args: Value| browser.call(op, args);
    let (status, page) = api("settings", json!({}));
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["allowedFolders"], json!([out_path, exports_path]), "the page shows what the CLI saved");
    assert_eq!(page["allowedCommands"], json!(["/bin/sh", "/usr/bin/env"]));
    let (status, saved) = api("setAllowedFolders", json!({"folders": [exports_path]}));
    assert_eq!(status, 200, "{saved}");
    let (status, refused) = api("setAllowedCommands", json!({"programs": [data]}));
    assert_eq!((status, refused["code"].as_str()), (422, Some("command_not_executable")), "{refused}");
    let after = hookline.run(&["settings", "get", "allowedFolders", "--json"]).ok().json();
    assert_eq!(after, json!([exports_path]), "the CLI reads what the page saved");

    // No value, or --clear, empties a list.
    assert_eq!(set(&hookline, "allowedFolders", &[]).ok().stdout, "");
    set(&hookline, "allowedCommands", &["--clear"]).ok();
    let cleared = hookline.run(&["settings", "list", "--json"]).ok().json();
    assert_eq!((cleared["allowedFolders"].clone(), cleared["allowedCommands"].clone()), (json!([]), json!([])));
}

#[test]
fn write_file_without_an_allowed_folder_says_how_to_add_one_and_escapes_are_refused() {
    let hookline = Hookline::new();
    let root = tempfile::tempdir().unwrap();
    let allowed = root.path().join("out");
    std::fs::create_dir(&allowed).unwrap();
    let secret = root.path().join("secret.txt");
    std::fs::write(&secret, "keep").unwrap();
    std::os::unix::fs::symlink(&secret, allowed.join("link.txt")).unwrap();
    std::os::unix::fs::symlink(root.path(), allowed.join("up")).unwrap();
    let flow = manual_flow("flw_write", write_step(json!({"expr": "params.path"}), json!({"value": "x"}), "overwrite"));

    let execution = run_once(&hookline, &flow, json!({"params": {"path": "a.txt"}}));
    assert_eq!(execution["status"], "failed", "{execution}");
    let error = step(&execution)["error"].as_str().unwrap();
    assert!(error.contains("hookline settings set allowedFolders"), "the failure says how to add a folder: {error}");

    set(&hookline, "allowedFolders", &[&folder_of(&allowed)]).ok();
    let secret_path = secret.to_string_lossy().into_owned();
    for escape in ["../secret.txt", secret_path.as_str(), "link.txt", "up/secret.txt", "new/../../secret.txt"] {
        let execution = run_once(&hookline, &flow, json!({"params": {"path": escape}}));
        assert_eq!(execution["status"], "failed", "{escape} is refused: {execution}");
        let error = step(&execution)["error"].as_str().unwrap();
        assert!(error.contains("not inside an allowed folder"), "{escape}: {error}");
    }
    assert_eq!(std::fs::read_to_string(&secret).unwrap(), "keep", "nothing outside the folder was written");

    let execution = run_once(&hookline, &flow, json!({"params": {"path": "reports/2026/a.txt"}}));
    assert_eq!(execution["status"], "succeeded", "{execution}");
    let written = allowed.join("reports/2026/a.txt");
    assert_eq!(step(&execution)["output"], json!({"path": folder_of(&written), "bytes": 1}));
    assert_eq!(std::fs::read_to_string(written).unwrap(), "x", "missing folders inside were made");
}

/// Posts `body` until the hook accepts it: on a busy machine the listener
/// answers `503 overloaded` rather than queue, and a client tries again.
fn accepted(url: &str, body: &Value) -> String {
    let client = client();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let response = client.post(url).json(body).send().unwrap();
        match response.status().as_u16() {
            202 => return json_of(response)["statusUrl"].as_str().unwrap().to_string(),
            503 if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(200)),
            status => panic!("the hook answered {status}: {}", response.text().unwrap()),
        }
    }
}

#[test]
fn two_hundred_concurrent_hook_calls_append_two_hundred_whole_lines() {
    let hookline = Hookline::new();
    let out = tempfile::tempdir().unwrap();
    set(&hookline, "allowedFolders", &[&folder_of(out.path())]).ok();
    live(
        &hookline,
        &[hook_flow(
            "flw_log",
            json!({"methods": ["POST"], "slug": "log"}),
            vec![write_step(json!({"value": "log/events.jsonl"}), json!({"expr": "body"}), "append_jsonl")],
        )],
    );
    let server = hookline.serve(&["--concurrency", "32"]);
    let url = format!("{}/hook/log", server.url);
    let pad = "x".repeat(8_000);
    let status_urls: Vec<String> = std::thread::scope(|scope| {
        let calls: Vec<_> = (0..200)
            .map(|n| {
                let (url, pad) = (&url, &pad);
                scope.spawn(move || accepted(url, &json!({"n": n, "pad": pad})))
            })
            .collect();
        calls.into_iter().map(|call| call.join().unwrap()).collect()
    });
    let client = client();
    for status_url in &status_urls {
        let execution = wait_for_end(&client, status_url);
        assert_eq!(execution["status"], "succeeded", "{execution}");
    }
    let text = std::fs::read_to_string(out.path().join("log/events.jsonl")).unwrap();
    let mut seen = BTreeSet::new();
    for line in text.lines() {
        let value: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("a torn line ({e}): {line:.80}"));
        assert_eq!(value["pad"].as_str().map(str::len), Some(8_000), "the line is whole");
        seen.insert(value["n"].as_i64().unwrap());
    }
    assert_eq!(text.lines().count(), 200, "one line per run");
    assert_eq!(seen, (0..200).collect::<BTreeSet<i64>>(), "every run's line is there");
}

#[test]
fn an_overwrite_is_seen_whole_or_not_at_all_by_a_reader() {
    let hookline = Hookline::new();
    let out = tempfile::tempdir().unwrap();
    set(&hookline, "allowedFolders", &[&folder_of(out.path())]).ok();
    live(
        &hookline,
        &[hook_flow(
            "flw_report",
            json!({"methods": ["POST"], "slug": "report"}),
            vec![write_step(json!({"value": "report.txt"}), json!({"expr": "body.text"}), "overwrite")],
        )],
    );
    let server = hookline.serve(&[]);
    let target = out.path().join("report.txt");
    let texts = ["a".repeat(300_000), "b".repeat(300_000)];
    let url = format!("{}/hook/report", server.url);
    let done = std::sync::atomic::AtomicBool::new(false);
    let reads = std::thread::scope(|scope| {
        let reader = scope.spawn(|| {
            let mut reads = 0;
            while !done.load(std::sync::atomic::Ordering::Relaxed) {
                if let Ok(text) = std::fs::read_to_string(&target) {
                    assert!(texts.contains(&text), "a reader saw a partial file of {} bytes", text.len());
                    reads += 1;
                }
            }
            reads
        });
        let client = client();
        let status_urls: Vec<String> = (0..30).map(|n| accepted(&url, &json!({"text": texts[n % 2]}))).collect();
        for status_url in &status_urls {
            assert_eq!(wait_for_end(&client, status_url)["status"], "succeeded");
        }
        done.store(true, std::sync::atomic::Ordering::Relaxed);
        reader.join().unwrap()
    });
    assert!(reads > 0, "the reader read the file while it was replaced");
    let names: Vec<String> =
        std::fs::read_dir(out.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert_eq!(names, vec!["report.txt".to_string()], "no temporary file is left behind");
}

#[test]
fn a_command_not_on_the_allow_list_is_refused_and_a_listed_one_runs_without_a_shell() {
    let hookline = Hookline::new();
    let flow = manual_flow(
        "flw_cmd",
        command_step(json!({"program": {"expr": "params.program"}, "args": {"expr": "params.args"}})),
    );
    let input = |program: &str| json!({"params": {"program": program, "args": ["-c", "echo $0 ran; echo \"$1\"", "x", "a b;*"]}});

    let execution = run_once(&hookline, &flow, input("/bin/sh"));
    let error = step(&execution)["error"].as_str().unwrap().to_string();
    assert!(error.contains("hookline settings set allowedCommands"), "nothing allowed yet says how: {error}");

    set(&hookline, "allowedCommands", &["/usr/bin/env"]).ok();
    let execution = run_once(&hookline, &flow, input("/bin/sh"));
    assert_eq!(execution["status"], "failed");
    let error = step(&execution)["error"].as_str().unwrap();
    assert!(error.contains("not on the allowed commands"), "{error}");

    set(&hookline, "allowedCommands", &["/usr/bin/env", "/bin/sh"]).ok();
    let execution = run_once(&hookline, &flow, input("/bin/sh"));
    assert_eq!(execution["status"], "succeeded", "{execution}");
    let output = &step(&execution)["output"];
    assert_eq!(output["exitCode"], 0);
    assert_eq!(output["stdout"], "x ran\na b;*\n", "each argument arrives as one, unexpanded: {output}");
}

#[test]
fn a_command_sees_only_the_environment_its_step_names() {
    let hookline = Hookline::new().with_env("HOOKLINE_TEST_SECRET", "do-not-leak");
    set(&hookline, "allowedCommands", &["/usr/bin/env"]).ok();
    live(
        &hookline,
        &[hook_flow(
            "flw_env",
            json!({"methods": ["POST"], "slug": "env"}),
            vec![command_step(json!({"program": {"value": "/usr/bin/env"}, "env": {"expr": "body.env"}}))],
        )],
    );
    let server = hookline.serve(&[]);
    let client = client();
    let call = |env: Value| wait_for_end(&client, &accepted(&format!("{}/hook/env", server.url), &json!({"env": env})));

    let execution = call(json!({"GREETING": "hello"}));
    assert_eq!(execution["status"], "succeeded", "{execution}");
    let stdout = execution["steps"][1]["output"]["stdout"].as_str().unwrap().to_string();
    let mut names: Vec<&str> = stdout.lines().filter_map(|line| line.split_once('=').map(|(n, _)| n)).collect();
    names.sort();
    assert_eq!(names, vec!["GREETING", "PATH"], "only the step's variables and a PATH: {stdout}");
    assert!(stdout.contains("GREETING=hello") && !stdout.contains("do-not-leak"), "{stdout}");

    let execution = call(json!({"HOOKLINE_MASTER_KEY": "stolen"}));
    assert_eq!(execution["status"], "failed");
    let error = execution["steps"][1]["error"].as_str().unwrap();
    assert!(error.contains("HOOKLINE_MASTER_KEY"), "the vault's key is refused: {error}");
}

#[test]
fn a_non_zero_exit_fails_the_step_with_its_output_unless_fail_on_non_zero_is_false() {
    let hookline = Hookline::new();
    set(&hookline, "allowedCommands", &["/bin/sh"]).ok();
    let flow = |id: &str, fail: bool| {
        manual_flow(
            id,
            command_step(json!({"program": {"value": "/bin/sh"},
                                "args": {"value": ["-c", "cat; echo 'disk full' >&2; exit 4"]},
                                "stdin": {"value": "input text"},
                                "failOnNonZero": {"value": fail}})),
        )
    };
    let failed = run_once(&hookline, &flow("flw_strict", true), json!({}));
    assert_eq!(failed["status"], "failed");
    let error = step(&failed)["error"].as_str().unwrap();
    assert!(error.contains("exited with code 4") && error.contains("disk full"), "{error}");
    assert_eq!(step(&failed)["output"]["stdout"], "input text", "the output is kept on the failure");

    let tolerated = run_once(&hookline, &flow("flw_lenient", false), json!({}));
    assert_eq!(tolerated["status"], "succeeded", "{tolerated}");
    assert_eq!(step(&tolerated)["output"]["exitCode"], 4);
    assert_eq!(step(&tolerated)["output"]["stderr"], "disk full\n");
}

/// Whether a process is gone: no longer in /proc, or a zombie waiting for
/// a parent that is not this test's to reap.
fn is_dead(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => stat.rsplit_once(')').is_some_and(|(_, rest)| rest.trim_start().starts_with('Z')),
    }
}

#[test]
fn a_timeout_kills_the_command_and_every_process_it_started() {
    let hookline = Hookline::new();
    set(&hookline, "allowedCommands", &["/bin/sh"]).ok();
    let flow = manual_flow(
        "flw_slow",
        command_step(json!({"program": {"value": "/bin/sh"},
                            "args": {"value": ["-c", "sleep 30 & echo $!; echo $$; sleep 30"]},
                            "timeoutMs": {"value": 700}})),
    );
    let started = Instant::now();
    let execution = run_once(&hookline, &flow, json!({}));
    assert!(started.elapsed() < Duration::from_secs(20), "the run did not wait for sleep 30");
    assert_eq!(execution["status"], "failed", "{execution}");
    let error = step(&execution)["error"].as_str().unwrap();
    assert!(error.contains("timed out after 700 ms"), "{error}");
    let stdout = step(&execution)["output"]["stdout"].as_str().unwrap();
    let pids: Vec<u32> = stdout.lines().map(|line| line.trim().parse().expect("a pid")).collect();
    assert_eq!(pids.len(), 2, "the background sleep and the shell: {stdout}");
    let deadline = Instant::now() + Duration::from_secs(5);
    while !pids.iter().all(|pid| is_dead(*pid)) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    for pid in pids {
        assert!(is_dead(pid), "process {pid} of the command's group outlived the timeout");
    }
}

#[test]
fn retrieving_a_sample_of_write_file_or_run_command_asks_first() {
    let hookline = Hookline::new();
    let out = tempfile::tempdir().unwrap();
    set(&hookline, "allowedFolders", &[&folder_of(out.path())]).ok();
    set(&hookline, "allowedCommands", &["/bin/sh"]).ok();
    let write =
        manual_flow("flw_w", write_step(json!({"value": "sample.jsonl"}), json!({"value": {"a": 1}}), "append_jsonl"));
    let command = manual_flow(
        "flw_c",
        command_step(json!({"program": {"value": "/bin/sh"}, "args": {"value": ["-c", "echo hi"]}})),
    );
    hookline.import(&write);
    hookline.import(&command);
    let browser = Browser::start(&hookline);

    let (status, asked) = browser.call("retrieveSample", json!({"flow": "flw_w", "step": "stp_write"}));
    assert_eq!((status, asked["code"].as_str()), (428, Some("confirmation_required")), "{asked}");
    assert!(asked["message"].as_str().unwrap().contains("append a line to the file sample.jsonl"), "{asked}");
    assert!(!out.path().join("sample.jsonl").exists(), "nothing is written before the user confirms");
    let (status, asked) = browser.call("retrieveSample", json!({"flow": "flw_c", "step": "stp_cmd"}));
    assert_eq!(status, 428, "{asked}");
    assert!(asked["message"].as_str().unwrap().contains("run /bin/sh -c echo hi"), "{asked}");

    let (status, sample) = browser.call("retrieveSample", json!({"flow": "flw_c", "step": "stp_cmd", "confirm": true}));
    assert_eq!(status, 200, "{sample}");
    assert_eq!(sample["value"]["stdout"], "hi\n", "confirmed, the command ran: {sample}");
    let (status, _) = browser.call("retrieveSample", json!({"flow": "flw_w", "step": "stp_write", "confirm": true}));
    assert_eq!(status, 200);
    assert_eq!(std::fs::read_to_string(out.path().join("sample.jsonl")).unwrap(), "{\"a\":1}\n");
}
