//! The scheduler under `hookline serve`: a started flow on a one-second
//! schedule runs every second, each run recorded with trigger `schedule`.

use std::time::{Duration, Instant};

use hookline_tests::{live, transform, Hookline};
use serde_json::{json, Value};

/// The flow's schedule runs as `hookline executions list` shows them.
fn schedule_runs(hookline: &Hookline, flow: &str) -> Vec<Value> {
    let list = hookline.run(&["executions", "list", "--flow", flow, "--all", "--json"]).ok().json();
    list.as_array().expect("a list").iter().filter(|e| e["trigger"] == "schedule").cloned().collect()
}

/// Polls (the server runs in another process) until `done` holds or `limit` passes.
fn poll<T>(limit: Duration, mut read: impl FnMut() -> T, done: impl Fn(&T) -> bool) -> T {
    let deadline = Instant::now() + limit;
    loop {
        let value = read();
        if done(&value) || Instant::now() >= deadline {
            return value;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn a_one_second_schedule_under_serve_runs_every_second_with_trigger_schedule() {
    let hookline = Hookline::new();
    let flow = json!({
        "schemaVersion": 1, "id": "flw_tick", "name": "Tick",
        "steps": [
            {"id": "stp_clock", "component": "schedule", "name": "Clock",
             "config": {"cron": "*/1 * * * * *", "timezone": "UTC"}},
            transform("stp_when", "$trigger.scheduledFor")
        ],
        "edges": [{"from": "stp_clock", "to": "stp_when"}]
    });
    live(&hookline, &[flow]);
    let server = hookline.serve(&[]);
    let listening = Instant::now();

    let first = poll(Duration::from_secs(3), || schedule_runs(&hookline, "flw_tick"), |runs| !runs.is_empty());
    assert!(
        !first.is_empty(),
        "a schedule execution appears within 3 s of `hookline serve` starting (looked for {:?})",
        listening.elapsed()
    );

    // It keeps firing: a later slot than any seen so far comes within 3 s more.
    let seen = first.len();
    let later = poll(Duration::from_secs(3), || schedule_runs(&hookline, "flw_tick"), |runs| runs.len() > seen + 1);
    assert!(later.len() > seen + 1, "one run a second: {} then {}", seen, later.len());

    let mut slots: Vec<String> = later
        .iter()
        .map(|run| {
            let id = run["id"].as_str().unwrap();
            let execution = hookline.run(&["executions", "show", id]).ok().json();
            let slot = execution["input"]["scheduledFor"].as_str().unwrap_or_else(|| panic!("{execution}")).to_string();
            let fired = execution["input"]["firedAt"].as_str().unwrap();
            assert!(slot.ends_with(".000Z"), "a slot is a whole second, in UTC: {slot}");
            assert!(fired >= slot.as_str(), "a slot fires at or after it is due: {fired} < {slot}");
            slot
        })
        .collect();
    let count = slots.len();
    slots.sort();
    slots.dedup();
    assert_eq!(slots.len(), count, "no slot ran twice: {slots:?}");

    let newest = &later[0];
    let finished = poll(
        Duration::from_secs(10),
        || hookline.run(&["executions", "show", newest["id"].as_str().unwrap()]).ok().json(),
        |execution| execution["status"] == "succeeded",
    );
    assert_eq!(finished["status"], "succeeded", "{finished}");
    assert_eq!(
        finished["steps"][1]["output"], finished["input"]["scheduledFor"],
        "expressions read the trigger's output as $trigger"
    );

    let flows = hookline.run(&["flows", "list", "--json"]).ok().json();
    let next = flows[0]["nextFireAt"]
        .as_str()
        .unwrap_or_else(|| panic!("a started schedule flow shows its next fire: {flows}"));
    assert!(next.ends_with(".000Z"), "{next}");
    assert!(
        server.lines().iter().any(|line| line.contains("Tick -> on schedule, next fire at")),
        "serve names the schedule flow it fires instead of a hook URL"
    );
}
