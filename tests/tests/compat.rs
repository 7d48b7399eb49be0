//! The seed platforms' routes over real HTTP against `hookline serve`: Pydio
//! Cells' `/a/scheduler/hooks/{slug}`, Boomerang Flow's `/webhook/payload`
//! and `/webhook/status/{activityId}`, and Cloudomation's
//! `/api/webhook/{client}/{slug}`, each with the seed's own example requests,
//! its refusals, the inbox and idempotency as on `/hook/{flow}`, and no
//! accepted request lost to `kill -9`.

use std::time::{Duration, Instant};

use hookline_tests::{
    add_credential, client, error_of, hook_flow, json_of, live, transform, wait_for_end, Hookline, Server,
};
use reqwest::blocking::Client;
use serde_json::{json, Value};

fn reasons(hookline: &Hookline, flow: &str) -> Vec<Value> {
    let inbox = hookline.run(&["inbox", "list", flow, "--json", "--limit", "100"]).ok().json();
    inbox.as_array().unwrap().iter().map(|entry| entry["reason"].clone()).collect()
}

/// Stops a flow from another process; a running server sees it within its
/// hook cache's quarter second.
fn stop_flow(hookline: &Hookline, flow: &str) {
    hookline.run(&["flows", "stop", flow]).ok();
    std::thread::sleep(Duration::from_millis(400));
}

#[test]
fn cells_takes_the_seed_envelope_checks_access_policies_and_answers_its_task_id() {
    let hookline = Hookline::new();
    add_credential(&hookline, "admin", "bearer", &["profile=admin"], "token=cells-admin-token\n");
    add_credential(
        &hookline,
        "reviewer",
        "bearer",
        &["profile=standard", "roles=reviewers"],
        "token=cells-rev-token\n",
    );
    add_credential(&hookline, "visitor", "bearer", &["profile=standard"], "token=cells-visitor-token\n");
    let folder = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(folder.path().join("photos")).unwrap();
    std::fs::write(folder.path().join("photos/a.jpg"), b"jpg").unwrap();
    let mut flow = hook_flow(
        "flw_cells",
        json!({
            "slug": "resize",
            "policies": ["profile:admin", "role:reviewers"],
            "allowedFolders": [folder.path().to_str().unwrap()]
        }),
        vec![transform("stp_t", "{'params': $params, 'paths': paths}")],
    );
    flow["parameters"] = json!([{"name": "key1", "type": "string", "default": "none", "overridable": true}]);
    live(&hookline, &[flow]);
    let server = hookline.serve(&[]);
    let client = client();
    let url = format!("{}/a/scheduler/hooks/resize", server.url);
    let as_caller = |token: &str| client.post(&url).bearer_auth(token);

    // The seed's request: parameters overriding defaults, paths, and a preset id.
    let accepted = as_caller("cells-admin-token")
        .header("content-type", "text/json")
        .body(r#"{"JobParameters": {"key1": "value1"}, "Paths": ["photos/a.jpg"], "TaskID": "my-task-1"}"#)
        .send()
        .unwrap();
    assert_eq!(accepted.status(), 202);
    let body = json_of(accepted);
    let status_url = format!("{}/executions/my-task-1", server.url);
    assert_eq!(body, json!({"TaskID": "my-task-1", "executionId": "my-task-1", "statusUrl": status_url}));
    let execution = wait_for_end(&client, &status_url);
    assert_eq!(execution["status"], "succeeded", "{execution}");
    let photo = folder.path().join("photos/a.jpg").canonicalize().unwrap();
    assert_eq!(execution["output"], json!({"params": {"key1": "value1"}, "paths": [photo.to_str().unwrap()]}));

    // An empty body is allowed, and the TaskID is then the execution id.
    let empty = as_caller("cells-rev-token").send().unwrap();
    assert_eq!(empty.status(), 202, "a reviewer is admitted by role:reviewers");
    let empty = json_of(empty);
    assert_eq!(empty["TaskID"], empty["executionId"]);
    assert!(empty["TaskID"].as_str().unwrap().starts_with("exe_"));
    let done = wait_for_end(&client, empty["statusUrl"].as_str().unwrap());
    assert_eq!(done["output"]["params"], json!({"key1": "none"}), "defaults when nothing overrides them");

    // The same delivery twice starts one execution.
    let first = as_caller("cells-admin-token").header("idempotency-key", "delivery-7").json(&json!({})).send().unwrap();
    assert_eq!(first.status(), 202);
    let first = json_of(first);
    let again = as_caller("cells-admin-token").header("idempotency-key", "delivery-7").json(&json!({})).send().unwrap();
    assert_eq!(again.status(), 200);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    let again = json_of(again);
    assert_eq!((again["TaskID"].clone(), again["duplicate"].clone()), (first["TaskID"].clone(), json!(true)));

    // Every refusal, by its code.
    assert_eq!(error_of(as_caller("cells-visitor-token").send().unwrap()), (403, "forbidden".into()));
    assert_eq!(error_of(client.post(&url).send().unwrap()), (401, "auth_failed".into()));
    let taken = as_caller("cells-admin-token").json(&json!({"TaskID": "my-task-1"})).send().unwrap();
    assert_eq!(taken.headers()["location"], status_url.as_str(), "where to follow the run that has it");
    assert_eq!(error_of(taken), (409, "task_id_taken".into()));
    let outside = as_caller("cells-admin-token").json(&json!({"Paths": ["../../etc/passwd"]})).send().unwrap();
    assert_eq!(error_of(outside), (403, "path_not_allowed".into()));
    let bad = as_caller("cells-admin-token").json(&json!({"JobParameters": {"nope": 1}})).send().unwrap();
    assert_eq!(error_of(bad), (400, "unknown_parameter".into()));
    let get = client.get(&url).bearer_auth("cells-admin-token").send().unwrap();
    assert_eq!(get.headers()["allow"], "POST", "Cells' route is POST only");
    assert_eq!(error_of(get), (405, "method_not_allowed".into()));
    let unknown = client.post(format!("{}/a/scheduler/hooks/nope", server.url)).send().unwrap();
    assert_eq!(error_of(unknown), (404, "flow_not_found".into()));

    // The inbox keeps every request with its reason, as /hook's does, and
    // no caller's token in clear.
    let kept = reasons(&hookline, "flw_cells");
    for reason in ["forbidden", "auth_failed", "task_id_taken", "path_not_allowed", "method_not_allowed"] {
        assert!(kept.contains(&json!(reason)), "{reason} is kept: {kept:?}");
    }
    assert!(kept.iter().filter(|r| r.is_null()).count() >= 3, "the accepted requests are kept too: {kept:?}");
    let inbox = hookline.run(&["inbox", "list", "flw_cells", "--json", "--limit", "100"]).stdout;
    assert!(!inbox.contains("cells-admin-token") && !inbox.contains("cells-visitor-token"), "{inbox}");

    stop_flow(&hookline, "flw_cells");
    let stopped = as_caller("cells-admin-token").send().unwrap();
    assert_eq!(error_of(stopped), (404, "flow_not_started".into()));
}

/// A flow whose tasks a Boomerang status lists: the trigger and two steps.
fn boomerang_flow(id: &str, slug: &str) -> Value {
    let mut first = transform("stp_first", "body");
    first["name"] = json!("Run Custom Task 1");
    let mut second = transform("stp_second", "{'done': true}");
    second["name"] = json!("Sleep 1");
    hook_flow(id, json!({"slug": slug}), vec![first, second])
}

fn token_of(hookline: &Hookline, flow: &str, extra: &[&str]) -> String {
    let mut args = vec!["flows", "token", flow];
    args.extend(extra);
    let made = hookline.run(&args).ok();
    assert!(made.stderr.contains("shown only this once"), "{}", made.stderr);
    made.stdout.trim().to_string()
}

#[test]
fn boomerang_runs_the_flow_its_token_belongs_to_and_answers_the_status_document() {
    let hookline = Hookline::new();
    live(&hookline, &[boomerang_flow("flw_boomerang", "bmr"), boomerang_flow("flw_other", "other")]);
    let token = token_of(&hookline, "flw_boomerang", &[]);
    assert!(token.starts_with("hlw_"), "{token}");
    let again = hookline.run(&["flows", "token", "flw_boomerang"]);
    assert_ne!(again.code, Some(0), "a second token needs --rotate");
    assert!(again.stderr.contains("already has a token"), "{}", again.stderr);
    let other_token = token_of(&hookline, "flw_other", &[]);
    let server = hookline.serve(&[]);
    let client = client();
    let payload_url = format!("{}/webhook/payload", server.url);

    // The seed's request: the token, plus fields that become the body.
    let accepted = client.post(&payload_url).json(&json!({"token": token, "order": 7})).send().unwrap();
    assert_eq!(accepted.status(), 200);
    let accepted = json_of(accepted);
    let keys: Vec<&String> = accepted.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["activityId"], "{accepted}");
    let activity = accepted["activityId"].as_str().unwrap().to_string();
    let status_url = format!("{}/webhook/status/{activity}", server.url);

    // The seed's status request carries the token in a JSON body.
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        let status = json_of(client.get(&status_url).json(&json!({"token": token})).send().unwrap());
        if status["status"] != "inProgress" {
            break status;
        }
        assert!(Instant::now() < deadline, "the activity did not end: {status}");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(status["id"], activity.as_str());
    assert_eq!(status["workflowId"], "flw_boomerang");
    assert_eq!(status["workflowRevisionid"], "1", "the version that ran");
    assert!(status["creationDate"].as_str().unwrap().ends_with("+0000"), "{status}");
    assert!(status["duration"].as_i64().unwrap() >= 0);
    assert_eq!(status["status"], "completed");
    assert_eq!(status["trigger"], "webhook");
    let steps = status["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 2, "tasks only, not the trigger: {status}");
    for (index, (task, name, outputs)) in
        [("stp_first", "Run Custom Task 1", json!({"order": 7})), ("stp_second", "Sleep 1", json!({"done": true}))]
            .into_iter()
            .enumerate()
    {
        let step = &steps[index];
        assert_eq!(step["activityId"], activity.as_str());
        assert_eq!(step["id"], format!("{activity}.{}", index + 1));
        assert_eq!(step["order"], index + 1);
        assert_eq!(step["taskId"], task);
        assert_eq!(step["taskName"], name);
        assert_eq!(step["flowTaskStatus"], "completed");
        assert!(step["startTime"].as_str().unwrap().ends_with("+0000"));
        assert!(step["duration"].as_i64().is_some());
        assert_eq!(step["outputs"], outputs, "the token is not part of what the flow received");
    }
    // The same document with the token in the query or as a bearer token.
    let by_query = json_of(client.get(format!("{status_url}?token={token}")).send().unwrap());
    let by_bearer = json_of(client.get(&status_url).bearer_auth(&token).send().unwrap());
    assert_eq!((by_query["id"].clone(), by_bearer["id"].clone()), (json!(activity), json!(activity)));

    // Refusals: no token, a wrong one, and another flow's (which cannot see this activity).
    assert_eq!(
        error_of(client.post(&payload_url).json(&json!({"order": 1})).send().unwrap()),
        (401, "auth_failed".into())
    );
    assert_eq!(
        error_of(client.post(&payload_url).json(&json!({"token": "hlw_wrong"})).send().unwrap()),
        (401, "auth_failed".into())
    );
    assert_eq!(error_of(client.get(&status_url).send().unwrap()), (401, "auth_failed".into()));
    assert_eq!(error_of(client.get(&status_url).bearer_auth("hlw_wrong").send().unwrap()), (401, "auth_failed".into()));
    assert_eq!(
        error_of(client.get(&status_url).bearer_auth(&other_token).send().unwrap()),
        (404, "execution_not_found".into())
    );

    // Idempotency as on /hook.
    let first = json_of(
        client.post(&payload_url).header("idempotency-key", "b-1").json(&json!({"token": token})).send().unwrap(),
    );
    let second =
        client.post(&payload_url).header("idempotency-key", "b-1").json(&json!({"token": token})).send().unwrap();
    assert_eq!(second.headers()["idempotent-replayed"], "true");
    assert_eq!(json_of(second)["activityId"], first["activityId"]);

    // The token is kept nowhere: not in the execution, not in the inbox.
    let shown = hookline.run(&["executions", "show", &activity]).ok().stdout;
    assert!(shown.contains("\"order\": 7") && !shown.contains(&token), "{shown}");
    let inbox = hookline.run(&["inbox", "list", "flw_boomerang", "--json", "--limit", "100"]).ok().stdout;
    assert!(!inbox.contains(&token[4..]), "{inbox}");

    // Rotating stops the old token; `serve` sees another process's rotation
    // within its lookup cache's quarter second.
    let rotated = token_of(&hookline, "flw_boomerang", &["--rotate"]);
    assert_ne!(rotated, token);
    std::thread::sleep(Duration::from_millis(400));
    assert_eq!(error_of(client.post(&payload_url).json(&json!({"token": token})).send().unwrap()).0, 401);
    assert_eq!(client.post(&payload_url).json(&json!({"token": rotated})).send().unwrap().status(), 200);

    stop_flow(&hookline, "flw_boomerang");
    let stopped = client.post(&payload_url).json(&json!({"token": rotated})).send().unwrap();
    assert_eq!(error_of(stopped), (404, "flow_not_started".into()));
}

#[test]
fn cloudomation_waits_for_the_flow_by_default_and_takes_its_key_from_the_query_or_the_payload() {
    let hookline = Hookline::new();
    add_credential(&hookline, "signup-key", "api_key", &[], "key=my-secret-api-key\n");
    let mut flow =
        hook_flow("flw_signup", json!({"slug": "signup", "client": "myclient"}), vec![transform("stp_t", "body")]);
    flow["steps"][0]["credential"] = json!("signup-key");
    live(&hookline, &[flow]);
    let server = hookline.serve(&[]);
    let url = format!("{}/api/webhook/myclient/signup", server.url);
    let curl = |extra: &[&str], target: &str| -> (u16, Value) {
        let output = std::process::Command::new("curl")
            .args(["-s", "-w", "\n%{http_code}"])
            .args(extra)
            .arg(target)
            .output()
            .expect("curl runs");
        let text = String::from_utf8(output.stdout).unwrap();
        let (body, status) = text.rsplit_once('\n').unwrap();
        (status.parse().unwrap(), serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {body}")))
    };

    // The seed's example, exactly as written: curl -d sends a form content
    // type, and the JSON in it is still read as JSON.
    let (status, done) = curl(&["-d", r#"{"key": "my-secret-api-key"}"#], &url);
    assert_eq!(status, 200, "{done}");
    assert_eq!(done["status"], "succeeded");
    assert_eq!(done["flow_id"], "flw_signup");
    assert_eq!(done["name"], "flw_signup");
    assert_eq!(done["input_value"]["body"], json!({}), "the key is taken out: {done}");
    assert_eq!(done["output_value"], json!({}));
    assert!(done["id"].as_str().unwrap().starts_with("exe_"));

    // With ?async it answers at once with the execution id.
    let (status, started) = curl(&["-d", r#"{"key": "my-secret-api-key", "name": "Ada"}"#], &format!("{url}?async"));
    assert_eq!(status, 200);
    assert_eq!(started["id"], started["executionId"]);
    let execution = wait_for_end(&client(), started["statusUrl"].as_str().unwrap());
    assert_eq!(execution["output"], json!({"name": "Ada"}));

    // GET with the key in the query string.
    let (status, by_query) = curl(&[], &format!("{url}?key=my-secret-api-key&plan=pro"));
    assert_eq!(status, 200, "{by_query}");
    assert_eq!(by_query["input_value"]["query"], json!({"plan": "pro"}), "the key is not kept: {by_query}");

    // Refusals.
    let (status, wrong) = curl(&["-d", r#"{"key": "not-the-key"}"#], &url);
    assert_eq!((status, wrong["error"]["code"].clone()), (401, json!("auth_failed")));
    let (status, missing) = curl(&["-d", r#"{"name": "Ada"}"#], &url);
    assert_eq!((status, missing["error"]["code"].clone()), (401, json!("auth_failed")));
    let (status, other) =
        curl(&["-d", r#"{"key": "my-secret-api-key"}"#], &format!("{}/api/webhook/local/signup", server.url));
    assert_eq!((status, other["error"]["code"].clone()), (404, json!("flow_not_found")), "another client's URL");
    let (status, put) = curl(&["-X", "PUT"], &format!("{url}?key=my-secret-api-key"));
    assert_eq!((status, put["error"]["code"].clone()), (405, json!("method_not_allowed")));

    let kept = reasons(&hookline, "flw_signup");
    assert_eq!(kept.iter().filter(|r| **r == json!("auth_failed")).count(), 2, "{kept:?}");
    let inbox = hookline.run(&["inbox", "list", "flw_signup", "--json", "--limit", "100"]).ok().stdout;
    let runs = hookline.run(&["executions", "list", "--flow", "flw_signup", "--json"]).ok().stdout;
    for text in [&inbox, &runs] {
        assert!(!text.contains("my-secret-api-key") && !text.contains("not-the-key"), "{text}");
    }
}

/// Sends requests through one route from eight clients while the server is
/// killed; returns the execution ids whose acceptance reached the client.
fn load_until_killed(server: &mut Server, send: impl Fn(&Client, i64) -> Option<String> + Sync) -> Vec<(String, i64)> {
    let accepted = std::thread::scope(|scope| {
        let send = &send;
        let workers: Vec<_> = (0..8)
            .map(|worker| {
                scope.spawn(move || {
                    let client = Client::builder().timeout(Duration::from_secs(5)).build().unwrap();
                    (0..40)
                        .filter_map(|i| send(&client, worker * 1000 + i).map(|id| (id, worker * 1000 + i)))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        std::thread::sleep(Duration::from_millis(400));
        let pid = server.child.id().to_string();
        assert!(std::process::Command::new("kill").args(["-KILL", &pid]).status().unwrap().success());
        workers.into_iter().flat_map(|w| w.join().unwrap()).collect::<Vec<_>>()
    });
    let _ = server.child.wait();
    accepted
}

#[test]
fn no_route_loses_an_accepted_request_to_kill_9() {
    let hookline = Hookline::new();
    add_credential(&hookline, "key", "api_key", &[], "key=load-key-123\n");
    let slow = |id: &str, slug: &str| {
        hook_flow(
            id,
            json!({"slug": slug}),
            vec![
                json!({"id": "stp_wait", "component": "delay", "name": "Wait", "inputs": {"ms": {"value": 150}}}),
                transform("stp_done", "body.n"),
            ],
        )
    };
    let mut cloudomation = slow("flw_cloud", "cloud");
    cloudomation["steps"][0]["credential"] = json!("key");
    live(&hookline, &[slow("flw_cells", "cells"), slow("flw_boomerang", "boomerang"), cloudomation]);
    let token = token_of(&hookline, "flw_boomerang", &[]);

    type Send<'a> = Box<dyn Fn(&Client, &str, i64) -> Option<String> + Sync + 'a>;
    let routes: Vec<(&str, Send)> = vec![
        (
            "cells",
            Box::new(|client, base, n| {
                let response =
                    client.post(format!("{base}/a/scheduler/hooks/cells")).json(&json!({"n": n})).send().ok()?;
                (response.status() == 202).then(|| response.json::<Value>().ok())??["TaskID"]
                    .as_str()
                    .map(str::to_string)
            }),
        ),
        (
            "boomerang",
            Box::new(|client, base, n| {
                let body = json!({"token": token, "n": n});
                let response = client.post(format!("{base}/webhook/payload")).json(&body).send().ok()?;
                (response.status() == 200).then(|| response.json::<Value>().ok())??["activityId"]
                    .as_str()
                    .map(str::to_string)
            }),
        ),
        (
            "cloudomation",
            Box::new(|client, base, n| {
                let body = json!({"key": "load-key-123", "n": n});
                let response = client.post(format!("{base}/api/webhook/local/cloud?async")).json(&body).send().ok()?;
                (response.status() == 200).then(|| response.json::<Value>().ok())??["id"].as_str().map(str::to_string)
            }),
        ),
    ];
    for (name, send) in &routes {
        let mut server = hookline.serve(&["--concurrency", "4"]);
        let base = server.url.clone();
        let accepted = load_until_killed(&mut server, |client, n| send(client, &base, n));
        assert!(accepted.len() >= 20, "{name}: enough requests were accepted before the kill: {}", accepted.len());
        let restarted = hookline.serve(&["--concurrency", "16"]);
        let client = client();
        for (id, n) in &accepted {
            let execution = wait_for_end(&client, &format!("{}/executions/{id}", restarted.url));
            assert_eq!(execution["status"], "succeeded", "{name}: {execution}");
            assert_eq!(execution["output"], json!(n), "{name}: the execution finished with its own input");
        }
    }
}
