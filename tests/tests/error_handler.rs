//! Error handlers for real: a hook flow that fails starts the flow it names,
//! with the failure as its input; a handler that fails starts nothing more.

use hookline_tests::{client, hook_flow, json_of, live, wait_for_end, Answer, Hookline, Recorder};
use serde_json::{json, Value};

fn post(id: &str, url: &str, body: &str) -> Value {
    json!({"id": id, "component": "http_request", "name": id,
           "inputs": {"method": {"value": "POST"}, "url": {"value": url}, "body": {"expr": body}}})
}

#[test]
fn a_failed_execution_starts_its_error_handler_once_and_a_failing_handler_starts_nothing() {
    let warehouse = Recorder::scripted(vec![Answer::new(503, json!({"error": "maintenance"}))]);
    // The alert channel takes the first alert and fails the second.
    let alerts =
        Recorder::scripted(vec![Answer::new(200, json!({"ok": true})), Answer::new(500, json!({"ok": false}))]);
    let hookline = Hookline::new();
    let mut orders =
        hook_flow("flw_orders", json!({}), vec![post("stp_ship", &warehouse.url, "{'order': body.order}")]);
    orders["errorHandler"] = json!("flw_alert");
    // The handler names itself: its own failure must not start it again.
    let alert = json!({
        "schemaVersion": 1, "id": "flw_alert", "name": "Alert", "errorHandler": "flw_alert",
        "steps": [
            {"id": "stp_start", "component": "manual", "name": "Start"},
            post("stp_alert", &alerts.url, "{'failed': execution.id, 'flow': execution.flowName, 'step': failedStep.id, 'order': execution.input.body.order, 'error': error}")
        ],
        "edges": [{"from": "stp_start", "to": "stp_alert"}]
    });
    live(&hookline, &[alert, orders]);
    let server = hookline.serve(&[]);
    let http = client();

    // Handlers listed once `n` of them have ended.
    let handled = |n: usize| {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        loop {
            let list = hookline.run(&["executions", "list", "--flow", "flw_alert", "--json"]).ok().json();
            let ended = list
                .as_array()
                .unwrap()
                .iter()
                .filter(|e| ["succeeded", "failed"].contains(&e["status"].as_str().unwrap()));
            if ended.count() == n {
                return list;
            }
            assert!(std::time::Instant::now() < deadline, "the handlers did not run: {list}");
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    };
    let mut failed = vec![];
    for order in [1, 2] {
        let accepted = json_of(
            http.post(format!("{}/hook/flw_orders", server.url)).json(&json!({"order": order})).send().unwrap(),
        );
        let execution = wait_for_end(&http, accepted["statusUrl"].as_str().unwrap());
        assert_eq!(execution["status"], "failed", "{execution}");
        failed.push(execution["id"].as_str().unwrap().to_string());
        // One alert at a time, so the channel's answers go in order.
        handled(order);
    }
    let handled = handled(2);
    let first = alerts.received()[0].json();
    assert_eq!(first["failed"], json!(failed[0]));
    assert_eq!(first["flow"], "flw_orders");
    assert_eq!(first["step"], "stp_ship");
    assert_eq!(first["order"], 1);
    assert!(first["error"].as_str().unwrap().contains("503"), "{first}");
    // The second handler run failed; give a loop the time it would need.
    std::thread::sleep(std::time::Duration::from_millis(500));
    let after = hookline.run(&["executions", "list", "--flow", "flw_alert", "--json"]).ok().json();
    assert_eq!(after.as_array().unwrap().len(), 2, "a failing handler starts no handler: {after}");
    assert_eq!(alerts.received().len(), 2);
    let statuses: Vec<&str> = handled.as_array().unwrap().iter().map(|e| e["status"].as_str().unwrap()).collect();
    assert!(statuses.contains(&"succeeded") && statuses.contains(&"failed"), "{statuses:?}");

    // The handler can be run by hand with a sample failure.
    let sample = hookline.file(
        "failure.json",
        r#"{"execution": {"id": "exe_sample", "flowName": "Orders", "input": {"body": {"order": 9}}}, "failedStep": {"id": "stp_ship"}, "error": "HTTP 503"}"#,
    );
    let by_hand = hookline.run(&["run", "flw_alert", "--input", &sample]);
    assert_eq!(by_hand.code, Some(1), "the alert channel answers 500 from now on");
    assert_eq!(alerts.received()[2].json()["order"], 9);
}

#[test]
fn publishing_refuses_an_error_handler_that_is_no_flow_or_not_manual() {
    let hookline = Hookline::new();
    let mut orders = hook_flow("flw_orders", json!({}), vec![]);
    orders["errorHandler"] = json!("flw_nope");
    hookline.import(&orders);
    let refused = hookline.run(&["flows", "publish", "flw_orders"]);
    assert_eq!(refused.code, Some(2));
    assert!(refused.stderr.contains("errorHandler") && refused.stderr.contains("flw_nope"), "{}", refused.stderr);

    // A hook flow cannot handle failures: it has no Manual trigger.
    hookline.import(&hook_flow("flw_other", json!({"slug": "other"}), vec![]));
    orders["errorHandler"] = json!("other");
    hookline.import(&orders);
    let refused = hookline.run(&["flows", "publish", "flw_orders"]);
    assert!(refused.stderr.contains("must start from a Manual trigger"), "{}", refused.stderr);

    // A Manual flow not yet published is accepted, with a warning.
    let alert = json!({"schemaVersion": 1, "id": "flw_alert", "name": "Alert",
        "steps": [{"id": "stp_start", "component": "manual", "name": "Start"}], "edges": []});
    hookline.import(&alert);
    orders["errorHandler"] = json!("flw_alert");
    hookline.import(&orders);
    let published = hookline.run(&["flows", "publish", "flw_orders"]);
    assert_eq!(published.code, Some(0), "{}", published.stderr);
    assert!(format!("{}{}", published.stdout, published.stderr).contains("not published yet"), "{}", published.stdout);
}
