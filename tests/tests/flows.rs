//! Black-box tests of the headless core through the `hookline` binary: import,
//! validate, publish, run, the run log and export.

use hookline_tests::{Hookline, Recorder};
use serde_json::{json, Value};

fn pets_flow(url: &str) -> Value {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/pets.flow.json")).unwrap();
    let mut doc: Value = serde_json::from_str(&text).unwrap();
    doc["steps"][1]["inputs"]["url"] = json!({"value": format!("{url}/pet")});
    doc
}

#[test]
fn the_pets_example_posts_the_mapped_body_to_a_real_server() {
    let petstore = Recorder::start(200, json!({"id": 1, "name": "Gromit", "status": "Sold"}));
    let hookline = Hookline::new();
    assert_eq!(hookline.import(&pets_flow(&petstore.url)), "flw_pets");
    hookline.run(&["flows", "publish", "pets"]).ok();
    hookline.run(&["flows", "start", "pets"]).ok();

    let execution = hookline.run(&["run", "pets"]).ok().json();
    assert_eq!(execution["status"], "succeeded", "{execution:#}");
    assert_eq!(execution["version"], 1, "the published version ran");

    let received = petstore.received();
    assert_eq!(received.len(), 1, "exactly one request reached the petstore");
    assert_eq!(received[0].method, "POST");
    assert_eq!(received[0].path, "/pet");
    assert_eq!(received[0].json(), json!({"name": "Gromit", "status": "Sold"}), "the body was mapped from the sample");

    let create = &execution["steps"][1];
    assert_eq!(create["stepId"], "stp_create");
    assert_eq!(create["input"]["body"], json!({"name": "Gromit", "status": "Sold"}), "the mapped input is recorded");
    assert_eq!(create["output"]["status"], 200);
    assert_eq!(create["output"]["body"]["id"], 1, "a JSON response body is parsed");
    assert!(create["durationMs"].is_i64() && create["startedAt"].is_string(), "timings recorded: {create}");
    assert_eq!(execution["output"], create["output"], "the execution's output is the last step's");

    let id = execution["id"].as_str().unwrap();
    let shown = hookline.run(&["executions", "show", id]).ok().json();
    assert_eq!(shown, execution, "the run log holds exactly what the run printed");
    let listed = hookline.run(&["executions", "list", "--flow", "pets", "--json"]).ok().json();
    assert_eq!(listed[0]["id"], id);
}

#[test]
fn an_input_file_replaces_the_sample_as_the_trigger_output() {
    let petstore = Recorder::start(201, json!({}));
    let hookline = Hookline::new();
    hookline.import(&pets_flow(&petstore.url));
    let input = hookline.file("input.json", r#"{"body": {"petname": "Shaun", "petstatus": "available"}}"#);
    let execution = hookline.run(&["run", "flw_pets", "--draft", "--input", &input]).ok().json();
    assert_eq!(execution["version"], Value::Null, "a draft run records no version");
    assert_eq!(petstore.received()[0].json(), json!({"name": "Shaun", "status": "available"}));
}

fn condition_flow(url: &str) -> Value {
    json!({
        "schemaVersion": 1, "id": "flw_route", "name": "Route by amount",
        "parameters": [{"name": "limit", "default": 100, "overridable": true}],
        "steps": [
            {"id": "stp_start", "component": "manual", "name": "Start"},
            {"id": "stp_big", "component": "condition", "name": "Big order?",
             "inputs": {"condition": {"expr": "params.amount > $params.limit"}}},
            {"id": "stp_notify", "component": "http_request", "name": "Notify",
             "inputs": {"method": {"value": "POST"}, "url": {"value": format!("{url}/big")},
                        "body.amount": {"expr": "$trigger.params.amount"},
                        "body.flow": {"expr": "$execution.flowId"}}},
            {"id": "stp_small", "component": "transform", "name": "Small",
             "inputs": {"value": {"expr": "{'small': params.amount, 'checked': $steps.stp_big.result}"}}}
        ],
        "edges": [
            {"from": "stp_start", "to": "stp_big"},
            {"from": "stp_big", "to": "stp_notify", "when": true},
            {"from": "stp_big", "to": "stp_small", "when": false}
        ]
    })
}

fn statuses(execution: &Value) -> Vec<(String, String)> {
    execution["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["stepId"].as_str().unwrap().to_string(), s["status"].as_str().unwrap().to_string()))
        .collect()
}

#[test]
fn a_condition_takes_the_true_branch_and_the_false_branch() {
    let server = Recorder::start(200, json!({"ok": true}));
    let hookline = Hookline::new();
    hookline.import(&condition_flow(&server.url));
    hookline.run(&["flows", "publish", "flw_route"]).ok();

    let big = hookline.file("big.json", r#"{"params": {"amount": 250}}"#);
    let execution = hookline.run(&["run", "flw_route", "--input", &big]).ok().json();
    let pairs = |v: &[(&str, &str)]| v.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect::<Vec<_>>();
    assert_eq!(
        statuses(&execution),
        pairs(&[
            ("stp_start", "succeeded"),
            ("stp_big", "succeeded"),
            ("stp_notify", "succeeded"),
            ("stp_small", "skipped")
        ])
    );
    assert_eq!(server.received()[0].json(), json!({"amount": 250, "flow": "flw_route"}));

    let small = hookline.file("small.json", r#"{"params": {"amount": 20}}"#);
    let execution = hookline.run(&["run", "flw_route", "--input", &small]).ok().json();
    assert_eq!(
        statuses(&execution),
        pairs(&[
            ("stp_start", "succeeded"),
            ("stp_big", "succeeded"),
            ("stp_notify", "skipped"),
            ("stp_small", "succeeded")
        ])
    );
    assert_eq!(execution["output"], json!({"small": 20, "checked": false}));
    assert_eq!(server.received().len(), 1, "the false branch sent nothing");

    let execution = hookline.run(&["run", "flw_route", "--input", &small, "--param", "limit=10"]).ok().json();
    assert_eq!(execution["steps"][1]["output"], json!({"result": true}), "an overridable parameter is overridden");
    let unknown = hookline.run(&["run", "flw_route", "--param", "limitt=10"]);
    assert_eq!(unknown.code, Some(2));
    assert!(
        unknown.stderr.contains("no parameter \"limitt\""),
        "a misspelled parameter is refused: {}",
        unknown.stderr
    );
}

#[test]
fn a_failing_step_fails_the_run_with_its_error_recorded_and_exit_code_1() {
    let server = Recorder::start(404, json!({"message": "no such pet"}));
    let hookline = Hookline::new();
    hookline.import(&pets_flow(&server.url));
    let run = hookline.run(&["run", "pets", "--draft"]);
    assert_eq!(run.code, Some(1), "a failed execution exits 1: {}", run.stderr);
    let execution = run.json();
    assert_eq!(execution["status"], "failed");
    assert_eq!(execution["failedStep"], "stp_create");
    let error = execution["error"].as_str().unwrap();
    assert!(
        error.contains("404") && error.contains("failOnHttpError"),
        "the error says what and how to change it: {error}"
    );
    let step = &execution["steps"][1];
    assert_eq!(step["status"], "failed");
    assert_eq!(step["output"]["body"], json!({"message": "no such pet"}), "the error response is kept for diagnosis");

    let shown = hookline.run(&["executions", "show", execution["id"].as_str().unwrap()]).ok().json();
    assert_eq!(shown["steps"][1]["error"], step["error"], "the error is in the run log");
    let failed = hookline.run(&["executions", "list", "--status", "failed", "--json"]).ok().json();
    assert_eq!(failed.as_array().unwrap().len(), 1);
}

#[test]
fn a_mapping_error_fails_the_step_with_the_field_named() {
    let hookline = Hookline::new();
    hookline.import(&json!({
        "schemaVersion": 1, "id": "flw_bad_math", "name": "Bad math",
        "steps": [
            {"id": "stp_start", "component": "manual", "name": "Start"},
            {"id": "stp_sum", "component": "transform", "name": "Sum", "inputs": {"value": {"expr": "params.name * 2"}}}
        ],
        "edges": [{"from": "stp_start", "to": "stp_sum"}]
    }));
    let input = hookline.file("input.json", r#"{"params": {"name": "Ada"}}"#);
    let run = hookline.run(&["run", "flw_bad_math", "--draft", "--input", &input]);
    assert_eq!(run.code, Some(1));
    let error = run.json()["steps"][1]["error"].as_str().unwrap().to_string();
    assert!(error.starts_with("input value: ") && error.contains("T2001"), "field and JSONata code named: {error}");
}

#[test]
fn a_step_that_outlives_its_http_timeout_fails_with_a_clear_message() {
    let hookline = Hookline::new();
    // A listener that accepts and never answers.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/slow", silent.local_addr().unwrap());
    hookline.import(&json!({
        "schemaVersion": 1, "id": "flw_slow", "name": "Slow",
        "steps": [
            {"id": "stp_start", "component": "manual", "name": "Start"},
            {"id": "stp_call", "component": "http_request", "name": "Call",
             "inputs": {"url": {"value": url}, "timeoutMs": {"value": 300}}}
        ],
        "edges": [{"from": "stp_start", "to": "stp_call"}]
    }));
    let run = hookline.run(&["run", "flw_slow", "--draft"]);
    assert_eq!(run.code, Some(1));
    let error = run.json()["error"].as_str().unwrap().to_string();
    assert!(error.contains("timed out after 300 ms"), "{error}");
}

/// Imports `doc` (accepted as a draft with warnings), then checks that
/// `flows validate` and `flows publish` both report `expected` with its path.
fn assert_problem(doc: Value, expected: &str) {
    let hookline = Hookline::new();
    let path = hookline.file("flow.json", &doc.to_string());
    let import = hookline.run(&["flows", "import", &path]).ok();
    assert!(import.stderr.contains(expected), "import warns about {expected:?}: {}", import.stderr);
    let id = import.stdout.trim().to_string();

    let validate = hookline.run(&["flows", "validate", &id]);
    assert_eq!(validate.code, Some(1), "validate exits 1 on problems");
    assert!(validate.stdout.lines().any(|l| l == expected), "validate lists {expected:?}:\n{}", validate.stdout);

    let publish = hookline.run(&["flows", "publish", &id]);
    assert_eq!(publish.code, Some(2), "publish refuses an invalid draft");
    assert!(publish.stderr.contains(expected), "publish names {expected:?}:\n{}", publish.stderr);
    assert!(
        hookline.run(&["flows", "versions", &id, "--json"]).ok().json().as_array().unwrap().is_empty(),
        "nothing was published"
    );
}

fn base() -> Value {
    json!({
        "schemaVersion": 1, "id": "flw_check", "name": "Check",
        "steps": [
            {"id": "stp_hook", "component": "webhook", "name": "Hook", "config": {"methods": ["POST"]}},
            {"id": "stp_lookup", "component": "http_request", "name": "Lookup", "inputs": {"url": {"value": "http://127.0.0.1:9/x"}}},
            {"id": "stp_shape", "component": "transform", "name": "Shape", "inputs": {"value": {"expr": "$steps.stp_lookup.body"}}}
        ],
        "edges": [{"from": "stp_hook", "to": "stp_lookup"}, {"from": "stp_lookup", "to": "stp_shape"}]
    })
}

#[test]
fn an_unknown_step_reference_is_reported_at_its_input() {
    let mut doc = base();
    doc["steps"][2]["inputs"]["value"] = json!({"expr": "$steps.stp_x.name"});
    assert_problem(doc, r#"steps[2].inputs["value"]: unknown step id stp_x in $steps.stp_x"#);
}

#[test]
fn a_reference_to_a_later_step_is_reported() {
    let mut doc = base();
    doc["steps"][1]["inputs"]["body.name"] = json!({"expr": "$steps.stp_shape.name"});
    assert_problem(
        doc,
        r#"steps[1].inputs["body.name"]: $steps.stp_shape refers to a step that does not run before stp_lookup"#,
    );
}

#[test]
fn an_edge_to_a_missing_step_is_reported() {
    let mut doc = base();
    doc["edges"][1]["to"] = json!("stp_missing");
    assert_problem(doc, "edges[1].to: no step stp_missing");
}

#[test]
fn a_cycle_is_reported() {
    let mut doc = base();
    doc["edges"].as_array_mut().unwrap().push(json!({"from": "stp_shape", "to": "stp_lookup"}));
    assert_problem(doc, "edges: the steps stp_lookup, stp_shape form a cycle; a flow must be acyclic");
}

#[test]
fn a_second_trigger_is_reported() {
    let mut doc = base();
    doc["steps"].as_array_mut().unwrap().push(json!({"id": "stp_manual", "component": "manual", "name": "Manual"}));
    assert_problem(doc, "steps[3].component: a flow has exactly one trigger and stp_hook is already its trigger");
}

#[test]
fn a_flow_without_trigger_is_reported() {
    let mut doc = base();
    doc["steps"].as_array_mut().unwrap().remove(0);
    doc["edges"].as_array_mut().unwrap().remove(0);
    assert_problem(doc, "steps: the flow has no trigger; add a trigger step such as webhook or manual");
}

#[test]
fn a_config_value_outside_its_schema_is_reported_at_its_path() {
    let mut doc = base();
    doc["steps"][0]["config"]["methods"] = json!(["FETCH"]);
    assert_problem(
        doc,
        r#"steps[0].config.methods[0]: "FETCH" is not one of "GET", "POST", "PUT", "PATCH" or "DELETE""#,
    );
}

#[test]
fn a_literal_input_of_the_wrong_type_is_reported() {
    let mut doc = base();
    doc["steps"][1]["inputs"]["timeoutMs"] = json!({"value": "soon"});
    assert_problem(doc, r#"steps[1].inputs["timeoutMs"]: "soon" is not of type "integer""#);
}

#[test]
fn an_expression_that_does_not_parse_is_reported_with_its_position() {
    let mut doc = base();
    doc["steps"][2]["inputs"]["value"] = json!({"expr": "$steps.stp_lookup.body +"});
    assert_problem(
        doc,
        r#"steps[2].inputs["value"]: invalid expression: S0207: Unexpected end of expression (at position 24)"#,
    );
}

#[test]
fn a_missing_required_input_and_an_unknown_field_are_reported() {
    let mut doc = base();
    doc["steps"][1]["inputs"] = json!({"uri": {"value": "http://x"}});
    assert_problem(doc.clone(), r#"steps[1].inputs["uri"]: http_request has no input field uri"#);
    assert_problem(doc, "steps[1].inputs: the required input url is not set");
}

#[test]
fn a_when_on_an_edge_that_leaves_no_condition_is_reported() {
    let mut doc = base();
    doc["edges"][0]["when"] = json!(true);
    assert_problem(
        doc,
        r#"edges[0].when: only edges leaving a branching step (condition) carry "when"; stp_hook is a webhook"#,
    );
}

#[test]
fn a_document_that_is_not_a_flow_is_refused_and_stores_nothing() {
    let hookline = Hookline::new();
    let path = hookline.file("typo.json", r#"{"schemaVersion": 1, "name": "x", "steps": [{"id": "stp_a", "component": "manual", "name": "A", "inptus": {}}]}"#);
    let run = hookline.run(&["flows", "import", &path]);
    assert_eq!(run.code, Some(2));
    assert!(run.stderr.contains("steps[0]") && run.stderr.contains("inptus"), "{}", run.stderr);
    assert_eq!(hookline.run(&["flows", "list", "--json"]).ok().json(), json!([]), "nothing was imported");
}

#[test]
fn export_then_import_round_trips_byte_for_byte() {
    let hookline = Hookline::new();
    let original = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/pets.flow.json")).unwrap();
    let path = hookline.file("pets.json", &original);
    hookline.run(&["flows", "import", &path]).ok();
    let exported = hookline.dir.path().join("exported.json");
    hookline.run(&["flows", "export", "pets", "-o", exported.to_str().unwrap()]).ok();
    let first = std::fs::read_to_string(&exported).unwrap();
    let reparsed: Value = serde_json::from_str(&first).unwrap();
    assert_eq!(
        reparsed["steps"][1]["inputs"]["body.name"],
        json!({"expr": "$trigger.body.petname"}),
        "content preserved"
    );

    let other = Hookline::new();
    let path = other.file("again.json", &first);
    assert_eq!(other.run(&["flows", "import", &path]).ok().stdout.trim(), "flw_pets", "the id travels with the file");
    let second = other.run(&["flows", "export", "flw_pets"]).ok().stdout;
    assert_eq!(second, first, "a second export is identical, byte for byte");
    assert!(first.find("\"description\"").unwrap() < first.find("\"edges\"").unwrap(), "keys are sorted");
}

#[test]
fn lifecycle_publish_start_stop_versions_and_restore() {
    let hookline = Hookline::new();
    let mut doc = pets_flow("http://127.0.0.1:9");
    hookline.import(&doc);

    let start = hookline.run(&["flows", "start", "pets"]);
    assert_eq!(start.code, Some(2), "a never-published flow cannot start");
    assert!(start.stderr.contains("never been published"), "{}", start.stderr);

    assert_eq!(hookline.run(&["flows", "publish", "pets"]).ok().stdout.trim(), "published flw_pets version 1");
    doc["description"] = json!("second edition");
    hookline.import(&doc);
    let flows = hookline.run(&["flows", "list", "--json"]).ok().json();
    assert_eq!(flows[0]["draftChanged"], true, "the edited draft differs from version 1");
    assert_eq!(hookline.run(&["flows", "publish", "pets"]).ok().stdout.trim(), "published flw_pets version 2");

    hookline.run(&["flows", "start", "pets"]).ok();
    let flows = hookline.run(&["flows", "list", "--json"]).ok().json();
    assert_eq!((flows[0]["live"].clone(), flows[0]["latestVersion"].clone()), (json!(true), json!(2)));
    hookline.run(&["flows", "stop", "pets"]).ok();
    assert_eq!(hookline.run(&["flows", "list", "--json"]).ok().json()[0]["live"], false);

    let versions = hookline.run(&["flows", "versions", "pets", "--json"]).ok().json();
    assert_eq!(versions.as_array().unwrap().iter().map(|v| v["version"].as_u64().unwrap()).collect::<Vec<_>>(), [2, 1]);
    let v1: Value =
        serde_json::from_str(&hookline.run(&["flows", "show", "pets", "--version", "1"]).ok().stdout).unwrap();
    assert_eq!(v1["description"], "Create a pet for every webhook call", "version 1 is immutable");

    hookline.run(&["flows", "restore", "pets", "1"]).ok();
    let draft: Value = serde_json::from_str(&hookline.run(&["flows", "show", "pets"]).ok().stdout).unwrap();
    assert_eq!(draft["description"], "Create a pet for every webhook call", "the draft is version 1 again");
    let missing = hookline.run(&["flows", "show", "pets", "--version", "9"]);
    assert_eq!(missing.code, Some(2));
    assert!(missing.stderr.contains("no version 9"), "{}", missing.stderr);
}
