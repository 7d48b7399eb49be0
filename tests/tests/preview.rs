//! `hookline preview` through the real binary: mapped inputs evaluated over
//! the samples, and an exit code that says whether every field checks.

use hookline_tests::{hook_flow, Hookline};
use serde_json::json;

fn flow(url_expr: &str) -> serde_json::Value {
    let mut doc = hook_flow(
        "flw_preview",
        json!({"methods": ["POST"], "slug": "preview"}),
        vec![json!({"id": "stp_send", "component": "http_request", "name": "Send", "inputs": {
            "url": {"expr": url_expr},
            "body.name": {"expr": "$uppercase(body.petname)"},
            "body.owner": {"expr": "$steps.stp_gone.name"}
        }})],
    );
    doc["steps"][0]["sample"] = json!({"body": {"petname": "Gromit", "age": 4}});
    doc
}

#[test]
fn preview_prints_each_mapped_value_and_exits_0_when_every_field_checks() {
    let hookline = Hookline::new();
    let mut doc = flow("'http://127.0.0.1:9/pet/' & body.age");
    doc["steps"][1]["inputs"].as_object_mut().unwrap().remove("body.owner");
    hookline.import(&doc);
    let preview = hookline.run(&["preview", "preview", "--step", "stp_send"]).ok().json();
    assert_eq!(preview["stepId"], "stp_send");
    let fields = preview["fields"].as_array().unwrap();
    let name = fields.iter().find(|f| f["field"] == "body.name").expect("body.name previewed");
    assert_eq!(
        (&name["value"], &name["valueType"], &name["check"]),
        (&json!("GROMIT"), &json!("string"), &json!("ok"))
    );
    let url = fields.iter().find(|f| f["field"] == "url").unwrap();
    assert_eq!(url["value"], "http://127.0.0.1:9/pet/4");
    assert_eq!((&url["expected"], &url["required"]), (&json!("string"), &json!(true)));
}

#[test]
fn preview_exits_1_and_names_type_mismatches_and_deleted_steps() {
    let hookline = Hookline::new();
    hookline.import(&flow("body.age"));
    let run = hookline.run(&["preview", "flw_preview", "--step", "stp_send", "--sample", "0"]);
    assert_eq!(run.code, Some(1), "a failing check exits 1: {}", run.stderr);
    let preview = run.json();
    let check = |field: &str| {
        preview["fields"].as_array().unwrap().iter().find(|f| f["field"] == field).unwrap()["check"].clone()
    };
    assert_eq!(check("url"), "type_mismatch", "a number is mapped to the URL: {preview:#}");
    assert_eq!(check("body.owner"), "unknown_step", "stp_gone is not a step of the flow");
    let owner = preview["fields"].as_array().unwrap().iter().find(|f| f["field"] == "body.owner").unwrap();
    assert!(owner["message"].as_str().unwrap().contains("stp_gone"), "{owner}");

    let missing = hookline.run(&["preview", "flw_preview", "--step", "stp_nope"]);
    assert_eq!(missing.code, Some(2), "an unknown step is an error: {}", missing.stdout);
    assert!(missing.stderr.contains("stp_nope"), "{}", missing.stderr);
}

#[test]
fn a_reader_that_stops_early_ends_preview_quietly() {
    let hookline = Hookline::new();
    let mut doc = flow("'http://127.0.0.1:9/pet'");
    doc["steps"][1]["inputs"].as_object_mut().unwrap().remove("body.owner");
    hookline.import(&doc);
    let run = hookline.run_into_closed_pipe(&["preview", "preview", "--step", "stp_send"]);
    assert_eq!((run.code, run.stderr.as_str()), (Some(0), ""), "no panic on a closed pipe");
}
