//! Attacks a web page could make on the local listener, made for real against
//! `hookline serve` over HTTP, each next to the legitimate call that must
//! still work: DNS rebinding (a foreign `Host`), cross-origin calls and
//! preflights, and JSON smuggled in a `text/plain` body.

use std::time::Duration;

use hookline_tests::{hook_flow, live, transform, Hookline};
use reqwest::blocking::{Client, Response};
use serde_json::{json, Value};

fn client() -> Client {
    Client::builder().timeout(Duration::from_secs(30)).build().unwrap()
}

fn json_of(response: Response) -> Value {
    let text = response.text().unwrap();
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("a JSON body ({e}): {text:?}"))
}

/// The requests the flow's inbox holds, as `hookline inbox list --json` prints them.
fn inbox(hookline: &Hookline, flow: &str) -> Vec<Value> {
    hookline.run(&["inbox", "list", flow, "--json"]).ok().json().as_array().unwrap().clone()
}

fn echo_flow(id: &str, config: Value) -> Value {
    hook_flow(id, config, vec![transform("stp_echo", "$trigger.body")])
}

#[test]
fn a_foreign_host_is_refused_before_anything_is_kept_and_allowed_tunnel_hosts_work() {
    let hookline = Hookline::new();
    live(&hookline, &[echo_flow("flw_pets", json!({"slug": "pets"}))]);
    let server = hookline.serve(&["--allowed-host", "pets.tunnel.example"]);
    let client = client();
    let hook = format!("{}/hook/pets", server.url);

    // A page at rebind.example whose name now resolves to 127.0.0.1.
    let rebound = client.post(&hook).header("host", "rebind.example:8787").json(&json!({"a": 1})).send().unwrap();
    assert_eq!(rebound.status(), 421);
    let body = json_of(rebound);
    assert_eq!(body["error"]["code"], "host_not_allowed", "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("--allowed-host"), "says how to allow it: {body}");
    assert!(inbox(&hookline, "pets").is_empty(), "nothing of the refused request is kept");

    for host in ["pets.tunnel.example", "PETS.tunnel.example.:443", "localhost:1", "127.0.0.1", "[::1]:9"] {
        let response = client.post(&hook).header("host", host).json(&json!({"a": 1})).send().unwrap();
        assert_eq!(response.status(), 202, "{host} is served");
    }
    let plain = client.post(&hook).json(&json!({"a": 1})).send().unwrap();
    assert_eq!(plain.status(), 202, "curl naming the address it called");
    let accepted = json_of(client.post(&hook).header("host", "pets.tunnel.example").json(&json!({})).send().unwrap());
    assert!(
        accepted["statusUrl"].as_str().unwrap().starts_with(&server.url),
        "links are built from the listener's address, never from Host: {accepted}"
    );
}

#[test]
fn a_page_from_another_origin_cannot_call_a_hook_unless_the_hook_lists_it() {
    let hookline = Hookline::new();
    live(
        &hookline,
        &[
            echo_flow("flw_closed", json!({"slug": "closed"})),
            echo_flow(
                "flw_open",
                json!({"slug": "open", "methods": ["POST", "PUT"], "allowedOrigins": ["https://app.example"]}),
            ),
        ],
    );
    let server = hookline.serve(&[]);
    let client = client();
    let closed = format!("{}/hook/closed", server.url);

    let page = client.post(&closed).header("origin", "https://evil.example").json(&json!({"a": 1})).send().unwrap();
    assert_eq!(page.status(), 403);
    assert_eq!(json_of(page)["error"]["code"], "cross_origin");
    let form = client
        .post(&closed)
        .header("sec-fetch-site", "cross-site")
        .header("content-type", "application/x-www-form-urlencoded")
        .body("a=1")
        .send()
        .unwrap();
    assert_eq!(form.status(), 403, "a form posted from another site");
    let unknown =
        client.post(format!("{}/hook/nope", server.url)).header("origin", "https://evil.example").send().unwrap();
    assert_eq!(unknown.status(), 404);
    assert!(inbox(&hookline, "closed").is_empty() && inbox(&hookline, "nope").is_empty(), "pages leave nothing behind");

    let own = client.post(&closed).header("origin", server.url.as_str()).json(&json!({"a": 1})).send().unwrap();
    assert_eq!(own.status(), 202, "the listener's own origin");
    let curl = client.post(&closed).json(&json!({"a": 1})).send().unwrap();
    assert_eq!(curl.status(), 202, "a server-to-server caller sends no Origin");

    let open = format!("{}/hook/open", server.url);
    let preflight = client
        .request(reqwest::Method::OPTIONS, &open)
        .header("origin", "https://app.example")
        .header("access-control-request-method", "PUT")
        .header("access-control-request-headers", "content-type, x-trace")
        .send()
        .unwrap();
    assert_eq!(preflight.status(), 204);
    let headers = preflight.headers();
    assert_eq!(headers["access-control-allow-origin"], "https://app.example");
    assert_eq!(headers["access-control-allow-methods"], "POST, PUT");
    assert_eq!(headers["access-control-allow-headers"], "content-type, x-trace");
    let listed = client.put(&open).header("origin", "https://app.example").json(&json!({"a": 1})).send().unwrap();
    assert_eq!(listed.status(), 202);
    assert_eq!(listed.headers()["access-control-allow-origin"], "https://app.example", "the page may read the answer");
    let stranger = client
        .request(reqwest::Method::OPTIONS, &open)
        .header("origin", "https://evil.example")
        .header("access-control-request-method", "POST")
        .send()
        .unwrap();
    assert_eq!(stranger.status(), 403, "only the listed origin gets a preflight");
    assert!(stranger.headers().get("access-control-allow-origin").is_none());
}

#[test]
fn a_text_plain_body_is_never_read_as_json() {
    let hookline = Hookline::new();
    live(&hookline, &[echo_flow("flw_text", json!({"slug": "text", "respond": "sync"}))]);
    let server = hookline.serve(&[]);
    let client = client();
    // What a page's no-preflight `fetch` can send: JSON text labelled text/plain.
    let response = client
        .post(format!("{}/hook/text", server.url))
        .header("content-type", "text/plain")
        .body(r#"{"admin": true}"#)
        .send()
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(json_of(response)["output"], json!(r#"{"admin": true}"#), "the body stays a string");
}

#[test]
fn browser_mode_answers_unknown_api_paths_with_json_and_checks_the_host() {
    let hookline = Hookline::new();
    let ui = tempfile::tempdir().unwrap();
    std::fs::write(ui.path().join("index.html"), "<!doctype html><title>Hookline</title>").unwrap();
    let server = hookline.serve(&["--ui", "--ui-dir", ui.path().to_str().unwrap()]);
    let client = client();
    for (method, path) in
        [("GET", "/api/listFlows"), ("GET", "/api/flows/list"), ("POST", "/api"), ("DELETE", "/api/x/y")]
    {
        let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let response = client.request(method.clone(), format!("{}{path}", server.url)).send().unwrap();
        let status = response.status().as_u16();
        assert!(status == 404 || status == 401, "{method} {path}: {status}");
        let body = json_of(response);
        assert!(body["code"].is_string(), "{method} {path} answers a JSON error, not the page: {body}");
    }
    let page = client.get(format!("{}/flows/flw_x", server.url)).send().unwrap();
    assert_eq!(page.status(), 200, "the designer's own routes still get the page");
    let rebound = client.get(format!("{}/", server.url)).header("host", "rebind.example").send().unwrap();
    assert_eq!(rebound.status(), 421, "a rebinding page cannot load the designer either");
}

#[test]
fn the_designer_is_not_served_beyond_this_machine_by_accident_and_the_data_is_private() {
    let hookline = Hookline::new();
    let ui = tempfile::tempdir().unwrap();
    std::fs::write(ui.path().join("index.html"), "<!doctype html><title>Hookline</title>").unwrap();
    let ui_dir = ui.path().to_str().unwrap();
    let refused = hookline.run(&["serve", "--listen", "0.0.0.0:0", "--ui", "--ui-dir", ui_dir]);
    assert_eq!(refused.code, Some(2), "{}", refused.stderr);
    assert!(refused.stderr.contains("--ui-allow-remote"), "says how to mean it: {}", refused.stderr);

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |path: &std::path::Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
        let fresh = hookline.data_dir().join("fresh");
        let listed = std::process::Command::new(hookline_tests::binary())
            .env_remove("HOOKLINE_MASTER_KEY")
            .args(["--data-dir", fresh.to_str().unwrap(), "flows", "list"])
            .output()
            .unwrap();
        assert!(listed.status.success(), "{}", String::from_utf8_lossy(&listed.stderr));
        assert_eq!(mode(&fresh), 0o700, "a new data dir is its owner's alone");
        assert_eq!(mode(&fresh.join("hookline.db")), 0o600, "and so is the database");
    }
}

const MASTER_KEY: &str = "8f1d2c3b4a5968778695a4b3c2d1e0f00112233445566778899aabbccddeeff0";

#[test]
fn a_test_url_takes_requests_only_while_a_sample_is_awaited_and_only_from_admitted_callers() {
    use std::io::{BufRead, BufReader, Read};
    let hookline = Hookline::new().with_env("HOOKLINE_MASTER_KEY", MASTER_KEY);
    hookline.run_with_input(&["vault", "add", "hook-token", "--kind", "bearer"], "token=tok-secret-1\n").ok();
    let mut flow = echo_flow("flw_guarded", json!({"slug": "guarded"}));
    flow["steps"][0]["credential"] = json!("hook-token");
    hookline.import(&flow);
    let server = hookline.serve(&[]);
    let client = client();
    let test_url = format!("{}/hook-test/guarded", server.url);
    let sample = json!({"petname": "Gromit", "token": "tok-secret-1"});

    let idle = client.post(&test_url).bearer_auth("tok-secret-1").json(&sample).send().unwrap();
    assert_eq!(idle.status(), 409, "nobody asked for a sample");
    let body = json_of(idle);
    assert_eq!(body["error"]["code"], "not_capturing");
    assert!(body["error"]["message"].as_str().unwrap().contains("hookline capture flw_guarded"), "{body}");

    let mut capture = std::process::Command::new(hookline_tests::binary())
        .env("HOOKLINE_MASTER_KEY", MASTER_KEY)
        .arg("--data-dir")
        .arg(hookline.data_dir())
        .args(["capture", "guarded", "--timeout", "20"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut waiting = String::new();
    BufReader::new(capture.stderr.take().unwrap()).read_line(&mut waiting).unwrap();
    assert!(waiting.starts_with("waiting up to 20 s"), "{waiting}");

    let stranger = client.post(&test_url).json(&sample).send().unwrap();
    assert_eq!(stranger.status(), 401, "the test URL asks for the hook's credential like the live one");
    let wrong = client.post(&test_url).bearer_auth("guess").json(&sample).send().unwrap();
    assert_eq!(wrong.status(), 401);
    let admitted = client.post(&test_url).bearer_auth("tok-secret-1").json(&sample).send().unwrap();
    assert_eq!(admitted.status(), 200);

    let mut printed = String::new();
    capture.stdout.take().unwrap().read_to_string(&mut printed).unwrap();
    assert!(capture.wait().unwrap().success());
    let captured: Value = serde_json::from_str(&printed).unwrap();
    assert_eq!(captured["body"]["petname"], "Gromit");
    assert!(!printed.contains("tok-secret-1"), "the caller's secret is in no field of the sample: {printed}");
    let exported = hookline.run(&["flows", "export", "guarded", "--with-samples"]).ok().stdout;
    assert!(!exported.contains("tok-secret-1"), "nor in an exported flow: {exported}");

    let after = client.post(&test_url).bearer_auth("tok-secret-1").json(&sample).send().unwrap();
    assert_eq!(after.status(), 200, "a few minutes after a wait, more samples may come");
}

#[test]
fn a_refused_request_keeps_only_a_prefix_of_its_body() {
    let hookline = Hookline::new();
    hookline.import(&echo_flow("flw_stopped", json!({"slug": "stopped"})));
    let server = hookline.serve(&[]);
    let big = "x".repeat(200 * 1024);
    let refused = client().post(format!("{}/hook/stopped", server.url)).body(big).send().unwrap();
    assert_eq!(refused.status(), 404, "the flow is not started");
    let entries = inbox(&hookline, "stopped");
    let id = entries[0]["id"].as_str().unwrap();
    let raw = hookline.run(&["inbox", "show", id, "--raw"]).ok();
    assert_eq!(raw.stdout.len(), 64 * 1024, "the first 64 KiB show what arrived");
}

/// Reads from `stream` until it closes or `within` passes; what arrived, and
/// whether the listener closed the connection.
fn read_until_closed(stream: &mut std::net::TcpStream, within: Duration) -> (String, bool) {
    use std::io::Read;
    stream.set_read_timeout(Some(within)).unwrap();
    let mut received = Vec::new();
    let mut buffer = [0u8; 4096];
    loop {
        match stream.read(&mut buffer) {
            Ok(0) => return (String::from_utf8_lossy(&received).into_owned(), true),
            Ok(n) => received.extend_from_slice(&buffer[..n]),
            Err(_) => return (String::from_utf8_lossy(&received).into_owned(), false),
        }
    }
}

#[test]
fn a_slow_client_is_dropped_and_an_idle_connection_closed() {
    use std::io::Write;
    let hookline = Hookline::new();
    live(&hookline, &[echo_flow("flw_pets", json!({"slug": "pets"}))]);
    let server = hookline.serve(&["--header-timeout", "1", "--body-timeout", "1"]);
    let address = server.url.trim_start_matches("http://").to_string();

    // Headers a byte at a time, never finished: dropped after the timeout.
    let mut slow = std::net::TcpStream::connect(&address).unwrap();
    slow.write_all(b"POST /hook/pets HTTP/1.1\r\nHost: 127.0.0.1\r\n").unwrap();
    let started = std::time::Instant::now();
    let (_, closed) = read_until_closed(&mut slow, Duration::from_secs(10));
    assert!(closed, "the listener hung up on the unfinished headers");
    assert!(started.elapsed() < Duration::from_secs(5), "within the header timeout: {:?}", started.elapsed());

    // A body that never finishes arriving: 408.
    let mut trickle = std::net::TcpStream::connect(&address).unwrap();
    trickle
        .write_all(b"POST /hook/pets HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"a\"")
        .unwrap();
    let (answer, _) = read_until_closed(&mut trickle, Duration::from_secs(10));
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("body_timeout"), "{answer}");

    // A whole request is answered; the idle connection then closes.
    let mut idle = std::net::TcpStream::connect(&address).unwrap();
    idle.write_all(
        b"POST /hook/pets HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}",
    )
    .unwrap();
    let (answer, closed) = read_until_closed(&mut idle, Duration::from_secs(10));
    assert!(answer.starts_with("HTTP/1.1 202"), "{answer}");
    assert!(closed, "an idle keep-alive connection is closed");
}

#[test]
fn a_response_larger_than_the_step_allows_fails_the_step_not_the_process() {
    let api = hookline_tests::Recorder::start(200, json!({"blob": "z".repeat(300_000)}));
    let hookline = Hookline::new();
    let fetch = |id: &str, cap: Option<u64>| {
        let mut inputs = json!({"method": {"value": "GET"}, "url": {"value": format!("{}/big", api.url)}});
        if let Some(cap) = cap {
            inputs["maxResponseBytes"] = json!({"value": cap});
        }
        hook_flow(
            id,
            json!({}),
            vec![json!({"id": "stp_get", "component": "http_request", "name": "Get", "inputs": inputs})],
        )
    };
    hookline.import(&fetch("flw_capped", Some(100_000)));
    hookline.import(&fetch("flw_default", None));

    let capped = hookline.run(&["run", "flw_capped", "--draft"]);
    assert_eq!(capped.code, Some(1), "{}", capped.stderr);
    let execution = capped.json();
    let error = execution["error"].as_str().unwrap();
    assert!(error.contains("larger than 100000 bytes") && error.contains("maxResponseBytes"), "{error}");

    let whole = hookline.run(&["run", "flw_default", "--draft"]).ok().json();
    assert_eq!(whole["status"], "succeeded", "10 MiB by default: {whole}");
}

#[test]
fn an_expression_that_would_exhaust_memory_fails_its_step_and_the_server_lives() {
    let hookline = Hookline::new();
    let flow = |id: &str, slug: &str, expr: &str| {
        hook_flow(id, json!({"methods": ["POST"], "slug": slug}), vec![transform("stp_map", expr)])
    };
    live(
        &hookline,
        &[flow("flw_pad", "pad", r#"$pad("", 2147483647)"#), flow("flw_ok", "ok", r#"$pad("7", -3, "0")"#)],
    );
    let server = hookline.serve(&[]);
    let client = client();
    let wait_for_end = |status_url: &str| {
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        loop {
            let execution = json_of(client.get(status_url).send().unwrap());
            if ["succeeded", "failed", "cancelled"].contains(&execution["status"].as_str().unwrap_or("")) {
                return execution;
            }
            assert!(std::time::Instant::now() < deadline, "the execution did not finish: {execution}");
            std::thread::sleep(Duration::from_millis(20));
        }
    };

    let started = std::time::Instant::now();
    let accepted = json_of(client.post(format!("{}/hook/pad", server.url)).json(&json!({})).send().unwrap());
    let execution = wait_for_end(accepted["statusUrl"].as_str().unwrap());
    assert_eq!(execution["status"], "failed", "{execution}");
    let text = execution.to_string();
    assert!(text.contains("H1001") && text.contains("$pad would build more data than a mapping may use"), "{text}");
    assert!(started.elapsed() < Duration::from_secs(10), "it failed promptly: {:?}", started.elapsed());

    // The same process still answers, and still maps.
    let accepted = json_of(client.post(format!("{}/hook/ok", server.url)).json(&json!({})).send().unwrap());
    let execution = wait_for_end(accepted["statusUrl"].as_str().unwrap());
    assert_eq!(execution["status"], "succeeded", "{execution}");
    assert!(execution.to_string().contains("\"007\""), "{execution}");
}

#[test]
fn refusals_tell_the_caller_nothing_about_the_hooks_credentials_or_roles() {
    let hookline = Hookline::new().with_env("HOOKLINE_MASTER_KEY", MASTER_KEY);
    let add = |args: &[&str], secrets: &str| hookline.run_with_input(args, secrets).ok();
    add(&["vault", "add", "partner", "--kind", "api_key", "--set", "name=X-Partner-Key"], "key=partner-key-1\n");
    add(&["vault", "add", "visitor", "--kind", "bearer", "--set", "roles=visitors"], "token=visitor-token-1\n");
    let mut keyed = echo_flow("flw_keyed", json!({"slug": "keyed"}));
    keyed["steps"][0]["credential"] = json!("partner");
    let ruled = echo_flow("flw_ruled", json!({"slug": "ruled", "policies": ["role:reviewers"]}));
    live(&hookline, &[keyed, ruled]);
    let server = hookline.serve(&[]);
    let client = client();

    let wrong = client.post(format!("{}/hook/keyed", server.url)).header("x-partner-key", "guess").json(&json!({}));
    let wrong = wrong.send().unwrap();
    assert_eq!(wrong.status(), 401);
    let body = json_of(wrong);
    assert_eq!(body["error"], json!({"code": "auth_failed", "message": "missing or wrong credentials"}));
    let right = client.post(format!("{}/hook/keyed", server.url)).header("x-partner-key", "partner-key-1");
    assert_eq!(right.json(&json!({})).send().unwrap().status(), 202, "the right key is admitted");

    let visitor = client.post(format!("{}/hook/ruled", server.url)).bearer_auth("visitor-token-1").json(&json!({}));
    let visitor = visitor.send().unwrap();
    assert_eq!(visitor.status(), 403);
    let text = json_of(visitor).to_string();
    for hidden in ["visitor", "reviewers", "role", "profile", "X-Partner-Key", "Bearer"] {
        assert!(!text.contains(hidden), "the 403 names {hidden:?}: {text}");
    }
}
