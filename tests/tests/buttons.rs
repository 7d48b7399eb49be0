//! Buttons (M8) over real HTTP against `hookline serve`: the `/buttons`
//! page's JSON lists to each caller exactly the Buttons whose hooks admit
//! them, a press goes through the Pydio Cells route with the caller's own
//! credentials, the path picker never leaves the hook's allowed folders, a
//! stopped flow's Button is hidden, the owner presses from the Launcher
//! (browser mode's `/api`) without the hook's credential, and publishing
//! refuses a Button that would let people change a locked parameter.

use std::path::Path;
use std::time::{Duration, Instant};

use hookline_tests::{
    add_credential, client, error_of, hook_flow, json_of, live, transform, wait_for_end, Hookline, Server,
};
use reqwest::blocking::{Client, RequestBuilder, Response};
use serde_json::{json, Value};

/// A data key as HOOKLINE_MASTER_KEY takes it, so the vault needs no keychain.
const MASTER_KEY: &str = "b7e1d2c3b4a5968778695a4b3c2d1e0f00112233445566778899aabbccddeeff";

/// A folder of reports: CSV files, a picture, a hidden file, a sub-folder,
/// and a link that leads outside (to a secret the picker must never show).
struct Files {
    _root: tempfile::TempDir,
    reports: String,
    secret: String,
}

fn files() -> Files {
    let root = tempfile::tempdir().unwrap();
    let reports = root.path().join("reports");
    let secret = root.path().join("secret");
    std::fs::create_dir_all(reports.join("2026")).unwrap();
    std::fs::create_dir_all(&secret).unwrap();
    std::fs::write(reports.join("march.csv"), "a,b\n1,2\n").unwrap();
    std::fs::write(reports.join("2026/april.csv"), "a,b\n").unwrap();
    std::fs::write(reports.join("photo.png"), [0x89, 0x50]).unwrap();
    std::fs::write(reports.join(".hidden.csv"), "x").unwrap();
    std::fs::write(secret.join("keys.csv"), "secret").unwrap();
    std::os::unix::fs::symlink(&secret, reports.join("shortcut")).unwrap();
    let real = |p: &Path| p.canonicalize().unwrap().to_string_lossy().into_owned();
    Files { reports: real(&reports), secret: real(&secret), _root: root }
}

fn parameters() -> Value {
    json!([
        {"name": "quality", "type": "integer", "default": 1, "overridable": true, "description": "from 1 to 10"},
        {"name": "mode", "type": "string", "default": "safe"}
    ])
}

/// The reviewers' Button: it converts one CSV report, with an editable
/// quality preset to 5 and the mode shown as fixed.
fn convert_flow(folder: &str) -> Value {
    let mut flow = hook_flow(
        "flw_convert",
        json!({
            "slug": "convert",
            "policies": ["role:reviewers"],
            "allowedFolders": [folder],
            "button": {
                "label": "Convert to PDF", "icon": "file-text", "placement": ["launcher", "toolbar"],
                "form": {"legend": "Turns a report into a PDF.", "parameters": ["quality", "mode"],
                         "editable": ["quality"], "presets": {"quality": 5}},
                "selection": {"pick": "files", "extensions": ["csv"]}
            }
        }),
        vec![transform("stp_t", "{'params': $params, 'paths': paths}")],
    );
    flow["name"] = json!("Convert reports");
    flow["parameters"] = parameters();
    flow
}

/// A Button on a hook guarded by an HMAC signature, which no browser can send.
fn signed_flow() -> Value {
    let mut flow = hook_flow(
        "flw_signed",
        json!({"slug": "signed", "button": {"label": "Signed only"}}),
        vec![transform("stp_t", "body")],
    );
    flow["steps"][0]["credential"] = json!("github-secret");
    flow
}

fn setup(hookline: &Hookline, files: &Files) {
    add_credential(hookline, "reviewer", "bearer", &["profile=standard", "roles=reviewers"], "token=rev-token-1\n");
    add_credential(hookline, "visitor", "bearer", &["profile=standard"], "token=visitor-token-1\n");
    add_credential(hookline, "alice", "basic", &["username=alice", "roles=reviewers"], "password=alice-pass-1\n");
    add_credential(hookline, "github-secret", "hmac", &["preset=github"], "secret=hmac-secret-1\n");
    live(hookline, &[convert_flow(&files.reports), signed_flow()]);
}

fn as_caller(builder: RequestBuilder, caller: Caller) -> RequestBuilder {
    match caller {
        Caller::Reviewer => builder.bearer_auth("rev-token-1"),
        Caller::Alice => builder.basic_auth("alice", Some("alice-pass-1")),
        Caller::Visitor => builder.bearer_auth("visitor-token-1"),
        Caller::Nobody => builder,
    }
}

#[derive(Clone, Copy)]
enum Caller {
    Reviewer,
    Alice,
    Visitor,
    Nobody,
}

fn page_buttons(client: &Client, server: &Server, caller: Caller) -> Vec<Value> {
    let response = as_caller(client.get(format!("{}/buttons/api/list", server.url)), caller).send().unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store", "an answer that depends on the caller is not cached");
    json_of(response)["buttons"].as_array().unwrap().clone()
}

fn folder(client: &Client, server: &Server, caller: Caller, path: Option<&str>) -> Response {
    let mut query = vec![("flow", "convert")];
    if let Some(path) = path {
        query.push(("path", path));
    }
    as_caller(client.get(format!("{}/buttons/api/folder", server.url)).query(&query), caller).send().unwrap()
}

#[test]
fn a_caller_sees_only_the_buttons_their_role_is_admitted_to_and_presses_one_through_the_cells_route() {
    let hookline = Hookline::new().with_env("HOOKLINE_MASTER_KEY", MASTER_KEY);
    let files = files();
    setup(&hookline, &files);
    let server = hookline.serve(&[]);
    let client = client();

    let seen = page_buttons(&client, &server, Caller::Reviewer);
    assert_eq!(seen.len(), 1, "the reviewer sees the reviewers' Button and not the signed one: {seen:?}");
    let button = &seen[0];
    assert_eq!(
        (&button["flowId"], &button["flowName"], &button["hook"], &button["label"], &button["icon"]),
        (
            &json!("flw_convert"),
            &json!("Convert reports"),
            &json!("convert"),
            &json!("Convert to PDF"),
            &json!("file-text")
        )
    );
    assert_eq!(button["placement"], json!(["launcher", "toolbar"]));
    assert_eq!(button["legend"], "Turns a report into a PDF.");
    assert_eq!(
        button["fields"],
        json!([
            {"name": "quality", "type": "integer", "description": "from 1 to 10", "required": false, "editable": true, "value": 5},
            {"name": "mode", "type": "string", "description": "", "required": false, "editable": false, "value": "safe"}
        ]),
        "each shown parameter with its preset or default, editable or not"
    );
    assert_eq!(
        button["selection"],
        json!({"pick": "files", "extensions": ["csv"], "multiple": false, "required": true})
    );
    assert_eq!(button["folders"], json!([files.reports]));
    assert_eq!(page_buttons(&client, &server, Caller::Alice).len(), 1, "Basic credentials with the role are admitted");
    assert_eq!(page_buttons(&client, &server, Caller::Visitor), Vec::<Value>::new(), "no rule admits the visitor");
    assert_eq!(page_buttons(&client, &server, Caller::Nobody), Vec::<Value>::new(), "nor anyone without credentials");

    // What the page hides, the hook refuses: the visitor posting directly is forbidden.
    let cells = format!("{}/a/scheduler/hooks/convert", server.url);
    let body = json!({"JobParameters": {"quality": 9}, "Paths": [format!("{}/march.csv", files.reports)]});
    let refused = as_caller(client.post(&cells), Caller::Visitor).json(&body).send().unwrap();
    assert_eq!(error_of(refused), (403, "forbidden".into()));
    let refused = client.post(&cells).json(&body).send().unwrap();
    assert_eq!(error_of(refused), (401, "auth_failed".into()));

    // The page's own same-origin press, as a browser sends it.
    let origin = server.url.clone();
    let accepted =
        as_caller(client.post(&cells), Caller::Reviewer).header("origin", &origin).json(&body).send().unwrap();
    assert_eq!(accepted.status(), 202);
    let accepted = json_of(accepted);
    assert_eq!(accepted["TaskID"], accepted["executionId"]);
    let execution =
        wait_for_end(&client, &format!("{}/executions/{}", server.url, accepted["executionId"].as_str().unwrap()));
    assert_eq!(execution["status"], "succeeded", "{execution}");
    assert_eq!(
        execution["output"],
        json!({"params": {"quality": 9, "mode": "safe"}, "paths": [format!("{}/march.csv", files.reports)]})
    );

    // A page from another origin gets nothing.
    let foreign = as_caller(client.get(format!("{}/buttons/api/list", server.url)), Caller::Reviewer)
        .header("origin", "https://evil.example")
        .send()
        .unwrap();
    assert_eq!(error_of(foreign), (403, "cross_origin".into()));
}

#[test]
fn the_path_picker_lists_only_what_the_rule_takes_inside_the_allowed_folders_and_refuses_escapes() {
    let hookline = Hookline::new().with_env("HOOKLINE_MASTER_KEY", MASTER_KEY);
    let files = files();
    setup(&hookline, &files);
    let server = hookline.serve(&[]);
    let client = client();

    let roots = json_of(folder(&client, &server, Caller::Reviewer, None));
    assert_eq!(
        roots,
        json!({"path": null, "parent": null, "truncated": false,
               "entries": [{"name": files.reports, "path": files.reports, "folder": true, "selectable": false}]}),
        "without a path, the allowed folders; a rule that picks files cannot pick them"
    );
    let listed = json_of(folder(&client, &server, Caller::Reviewer, Some(&files.reports)));
    let names: Vec<&str> = listed["entries"].as_array().unwrap().iter().map(|e| e["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        ["2026", "march.csv"],
        "folders first; no picture, no hidden file, no link leading out: {listed}"
    );
    assert_eq!(
        listed["entries"][1],
        json!({"name": "march.csv", "path": format!("{}/march.csv", files.reports), "folder": false, "selectable": true, "size": 8})
    );
    assert_eq!(listed["parent"], Value::Null, "an allowed folder's way up is the list of allowed folders");
    let inner = json_of(folder(&client, &server, Caller::Reviewer, Some(&format!("{}/2026", files.reports))));
    assert_eq!(inner["parent"], json!(files.reports));
    assert_eq!(inner["entries"][0]["name"], "april.csv");

    for escape in [
        format!("{}/..", files.reports),
        format!("{}/shortcut", files.reports),
        files.secret.clone(),
        "../secret".to_string(),
        "/etc".to_string(),
    ] {
        let refused = folder(&client, &server, Caller::Reviewer, Some(&escape));
        assert_eq!(error_of(refused), (403, "path_not_allowed".into()), "{escape} is outside the allowed folders");
    }
    let visitor = folder(&client, &server, Caller::Visitor, Some(&files.reports));
    assert_eq!(error_of(visitor), (403, "forbidden".into()), "a caller the hook does not admit lists nothing");
    let nobody = folder(&client, &server, Caller::Nobody, Some(&files.reports));
    assert_eq!(error_of(nobody), (401, "auth_failed".into()));
    let missing = as_caller(client.get(format!("{}/buttons/api/folder", server.url)), Caller::Reviewer).send().unwrap();
    assert_eq!(error_of(missing), (422, "invalid_input".into()), "a listing names its Button's flow");
    let posted = as_caller(client.post(format!("{}/buttons/api/list", server.url)), Caller::Reviewer).send().unwrap();
    assert_eq!(posted.headers()["allow"], "GET");
    assert_eq!(error_of(posted), (405, "method_not_allowed".into()));
}

#[test]
fn the_page_is_served_whole_with_a_strict_content_security_policy() {
    let hookline = Hookline::new();
    let server = hookline.serve(&[]);
    let client = client();
    let page = client.get(format!("{}/buttons", server.url)).send().unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    let policy = page.headers()["content-security-policy"].to_str().unwrap().to_string();
    assert!(policy.contains("script-src 'self'") && policy.contains("connect-src 'self'"), "{policy}");
    let html = page.text().unwrap();
    assert!(html.contains(r#"src="/buttons/buttons.js""#) && html.contains(r#"href="/buttons/buttons.css""#));
    assert!(!html.contains("http://") && !html.contains("https://"), "no asset comes from elsewhere");
    for (path, kind) in [("/buttons/buttons.js", "text/javascript"), ("/buttons/buttons.css", "text/css")] {
        let asset = client.get(format!("{}{path}", server.url)).send().unwrap();
        assert_eq!(asset.status(), 200, "{path}");
        assert!(asset.headers()["content-type"].to_str().unwrap().starts_with(kind), "{path}");
        assert!(!asset.text().unwrap().is_empty(), "{path}");
    }
    let rebinding = client.get(format!("{}/buttons", server.url)).header("host", "evil.example").send().unwrap();
    assert_eq!(error_of(rebinding), (421, "host_not_allowed".into()), "the page follows the listener's Host rule");
}

/// `hookline serve --ui` and its token-guarded `/api`, where the app's owner
/// calls the Launcher's operations.
struct Owner {
    _ui: tempfile::TempDir,
    server: Server,
    token: String,
    client: Client,
}

impl Owner {
    fn start(hookline: &Hookline) -> Owner {
        let ui = tempfile::tempdir().unwrap();
        std::fs::write(ui.path().join("index.html"), "<!doctype html><title>Hookline</title>").unwrap();
        let server = hookline.serve(&["--ui", "--ui-dir", ui.path().to_str().unwrap()]);
        let deadline = Instant::now() + Duration::from_secs(10);
        let token = loop {
            let line = server.log.recv_timeout(deadline.saturating_duration_since(Instant::now())).expect("a URL line");
            if let Some((_, token)) = line.strip_prefix("designer: ").and_then(|url| url.split_once("?token=")) {
                break token.to_string();
            }
        };
        Owner { _ui: ui, server, token, client: client() }
    }

    fn call(&self, op: &str, args: Value) -> Response {
        self.client.post(format!("{}/api/{op}", self.server.url)).bearer_auth(&self.token).json(&args).send().unwrap()
    }

    fn ok(&self, op: &str, args: Value) -> Value {
        let response = self.call(op, args);
        let status = response.status();
        let body = json_of(response);
        assert!(status.is_success(), "{op} answered {status}: {body}");
        body
    }
}

#[test]
fn the_owner_presses_any_button_from_the_launcher_and_a_stopped_flows_button_is_hidden() {
    let hookline = Hookline::new().with_env("HOOKLINE_MASTER_KEY", MASTER_KEY);
    let files = files();
    setup(&hookline, &files);
    let owner = Owner::start(&hookline);

    let labels = |buttons: &Value| -> Vec<String> {
        buttons.as_array().unwrap().iter().map(|b| b["label"].as_str().unwrap().to_string()).collect()
    };
    let all = owner.ok("listButtons", json!({}));
    let mut shown = labels(&all);
    shown.sort();
    assert_eq!(shown, ["Convert to PDF", "Signed only"], "the owner sees every started flow's Button");

    let march = format!("{}/march.csv", files.reports);
    let pressed = owner.ok("pressButton", json!({"flow": "flw_convert", "params": {"quality": 8}, "paths": [march]}));
    assert_eq!(pressed["TaskID"], pressed["executionId"]);
    let execution = wait_for_end(&owner.client, pressed["statusUrl"].as_str().unwrap());
    assert_eq!(execution["status"], "succeeded", "{execution}");
    assert_eq!(execution["output"], json!({"params": {"quality": 8, "mode": "safe"}, "paths": [march]}));
    let preset = owner.ok("pressButton", json!({"flow": "convert", "paths": [march]}));
    let execution = wait_for_end(&owner.client, preset["statusUrl"].as_str().unwrap());
    assert_eq!(execution["params"]["quality"], 5, "the preset is sent when the form is left as it is");
    let signed = owner.ok("pressButton", json!({"flow": "signed"}));
    assert_eq!(
        wait_for_end(&owner.client, signed["statusUrl"].as_str().unwrap())["status"],
        "succeeded",
        "the owner presses without the hook's signature"
    );

    for (args, status, code) in [
        (json!({"flow": "convert", "params": {"mode": "fast"}, "paths": [march]}), 400, "parameter_not_overridable"),
        (json!({"flow": "convert", "params": {"quality": "high"}, "paths": [march]}), 400, "invalid_parameter"),
        (json!({"flow": "convert", "paths": []}), 422, "invalid_input"),
        (json!({"flow": "convert", "paths": [format!("{}/photo.png", files.reports)]}), 422, "invalid_input"),
        (json!({"flow": "convert", "paths": [format!("{}/2026", files.reports)]}), 422, "invalid_input"),
        (json!({"flow": "convert", "paths": [format!("{}/keys.csv", files.secret)]}), 403, "path_not_allowed"),
        (
            json!({"flow": "convert", "paths": [format!("{}/shortcut/keys.csv", files.reports)]}),
            403,
            "path_not_allowed",
        ),
    ] {
        let refused = owner.call("pressButton", args.clone());
        assert_eq!(refused.status(), status, "{args}");
        assert_eq!(json_of(refused)["code"], code, "{args}");
    }
    let escape =
        owner.call("listButtonFolder", json!({"flow": "convert", "path": format!("{}/../secret", files.reports)}));
    assert_eq!(escape.status(), 403);
    let listed = owner.ok("listButtonFolder", json!({"flow": "convert", "path": files.reports}));
    assert_eq!(listed["entries"].as_array().unwrap().len(), 2, "{listed}");

    // Stopped: the Button is gone from the Launcher and the page, and cannot be pressed.
    hookline.run(&["flows", "stop", "convert"]).ok();
    assert_eq!(labels(&owner.ok("listButtons", json!({}))), ["Signed only"]);
    assert_eq!(page_buttons(&owner.client, &owner.server, Caller::Reviewer), Vec::<Value>::new());
    let stopped = owner.call("pressButton", json!({"flow": "convert", "paths": [march]}));
    assert_eq!((stopped.status().as_u16(), json_of(stopped)["code"].clone()), (404, json!("flow_not_started")));
    let gone = folder(&owner.client, &owner.server, Caller::Reviewer, None);
    assert_eq!(error_of(gone), (404, "flow_not_started".into()));
    hookline.run(&["flows", "start", "convert"]).ok();
    assert_eq!(page_buttons(&owner.client, &owner.server, Caller::Reviewer).len(), 1, "started again, it is back");
}

#[test]
fn publishing_refuses_a_button_that_makes_a_parameter_editable_which_callers_may_not_override() {
    let hookline = Hookline::new();
    let mut flow = convert_flow("/tmp");
    flow["steps"][0]["config"]["button"]["form"]["editable"] = json!(["mode"]);
    let path = hookline.file("flow.json", &flow.to_string());
    let id = hookline.run(&["flows", "import", &path]).ok().stdout.trim().to_string();
    let publish = hookline.run(&["flows", "publish", &id]);
    assert_eq!(publish.code, Some(2), "publish refuses the draft: {}", publish.stderr);
    let expected = "steps[0].config.button.form.editable[0]: parameter \"mode\" is not overridable, so a Button cannot let people change it";
    assert!(publish.stderr.contains(expected), "publish names the field and why:\n{}", publish.stderr);

    flow["steps"][0]["config"]["button"]["form"]["editable"] = json!(["quality"]);
    flow["steps"][0]["config"]["button"]["form"]["presets"] = json!({"quality": "high"});
    let path = hookline.file("flow.json", &flow.to_string());
    hookline.run(&["flows", "import", &path]).ok();
    let validate = hookline.run(&["flows", "validate", &id]);
    assert_eq!(validate.code, Some(1));
    assert!(
        validate
            .stdout
            .contains("steps[0].config.button.form.presets.quality: the preset of \"quality\" is not an integer"),
        "presets are typed like their parameter:\n{}",
        validate.stdout
    );
}
