//! The scheduler against a real SQLite store, on a manual clock: the tests
//! move time instead of waiting for it, and wait only for the scheduler to
//! have handled the time they set.

use std::future::Future;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use hookline_engine::{
    Catalog, Credentials, Engine, EngineConfig, ManualClock, Runner, RunnerConfig, Scheduler, SchedulerConfig,
    SchedulerHandle, VaultSettings,
};
use hookline_model::{CoreEvent, FlowDocument, TriggerSource};
use hookline_store::{ExecutionFilter, Store};
use serde_json::{json, Value};
use tokio_util::sync::CancellationToken;

fn utc(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc)
}

/// A flow whose schedule trigger has `config`, followed by one Transform.
fn schedule_flow(id: &str, config: Value) -> FlowDocument {
    FlowDocument::from_value(json!({
        "schemaVersion": 1, "id": id, "name": id,
        "steps": [
            {"id": "stp_clock", "component": "schedule", "name": "Clock", "config": config},
            {"id": "stp_when", "component": "transform", "name": "When", "inputs": {"value": {"expr": "$trigger.scheduledFor"}}}
        ],
        "edges": [{"from": "stp_clock", "to": "stp_when"}]
    }))
    .unwrap()
}

/// One process's share of the world: its own store handle, engine and
/// runner on the database at `path`.
struct Process {
    store: Store,
    engine: Arc<Engine>,
    runner: Arc<Runner>,
    stop: CancellationToken,
}

impl Process {
    async fn open(path: &Path) -> Process {
        let store = Store::open(path).await.unwrap();
        let credentials =
            Arc::new(Credentials::new(store.clone(), VaultSettings::new(path.parent().unwrap().to_path_buf(), None)));
        let engine = Arc::new(Engine::new(
            Arc::new(Catalog::standard()),
            store.clone(),
            credentials,
            hookline_engine::outbound_client().unwrap(),
            EngineConfig::default(),
        ));
        let stop = CancellationToken::new();
        let runner = Runner::start(engine.clone(), store.clone(), RunnerConfig::default(), stop.clone());
        Process { store, engine, runner, stop }
    }

    /// Starts a scheduler on `clock`, as a process start does.
    fn schedule(&self, clock: &Arc<ManualClock>) -> (SchedulerHandle, CancellationToken) {
        let stop = self.stop.child_token();
        let config = SchedulerConfig { grace: Duration::from_secs(10), reload_every: Duration::from_secs(1) };
        let scheduler =
            Scheduler::new(self.engine.clone(), self.store.clone(), self.runner.clone(), clock.clone(), config);
        (scheduler.start(stop.clone()), stop)
    }

    /// Saves, publishes (at `published_at`) and starts the flow.
    async fn go_live(&self, document: &FlowDocument, published_at: &str) {
        let id = document.id.clone().unwrap();
        self.store.save_draft(document, None, published_at).await.unwrap();
        self.store.publish_version(&id, document, None, published_at).await.unwrap();
        self.store.set_live(&id, true, published_at).await.unwrap();
    }

    /// The flow's schedule runs, oldest slot first: `(scheduledFor, firedAt)`.
    async fn fires(&self, flow_id: &str) -> Vec<(String, String)> {
        let filter = ExecutionFilter { flow_id: Some(flow_id.into()), limit: Some(1000), ..Default::default() };
        let mut fires = vec![];
        for summary in self.store.list_executions(&filter).await.unwrap() {
            assert_eq!(summary.trigger, TriggerSource::Schedule, "a schedule's runs say what started them");
            let execution = self.engine.load_execution(&summary.id).await.unwrap().unwrap();
            let text = |field: &str| {
                execution.input[field].as_str().unwrap_or_else(|| panic!("{field} in {}", execution.input)).to_string()
            };
            fires.push((text("scheduledFor"), text("firedAt")));
        }
        fires.sort();
        fires
    }

    async fn slots(&self, flow_id: &str) -> Vec<String> {
        self.fires(flow_id).await.into_iter().map(|(slot, _)| slot).collect()
    }
}

/// Fails the test instead of hanging it when the scheduler never gets there.
async fn within<T>(what: &str, future: impl Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(20), future)
        .await
        .unwrap_or_else(|_| panic!("timed out waiting for {what}"))
}

/// Sets the clock to `at` and waits until the scheduler has handled it.
async fn at(clock: &ManualClock, handle: &SchedulerHandle, at: DateTime<Utc>) {
    clock.set(at);
    within(&format!("the scheduler to handle {at}"), handle.handled(at)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_six_field_cron_fires_each_of_its_seconds_with_when_it_was_due_and_when_it_fired() {
    let dir = tempfile::tempdir().unwrap();
    let process = Process::open(&dir.path().join("hookline.db")).await;
    process
        .go_live(
            &schedule_flow("flw_tick", json!({"cron": "*/2 * * * * *", "timezone": "UTC"})),
            "2026-01-05T09:00:00.000Z",
        )
        .await;
    let clock = ManualClock::new(utc("2026-01-05T09:00:00.500Z"));
    let (handle, _stop) = process.schedule(&clock);

    at(&clock, &handle, utc("2026-01-05T09:00:01.500Z")).await;
    assert!(process.fires("flw_tick").await.is_empty(), "no even second has come yet");
    at(&clock, &handle, utc("2026-01-05T09:00:02.000Z")).await;
    at(&clock, &handle, utc("2026-01-05T09:00:03.000Z")).await;
    at(&clock, &handle, utc("2026-01-05T09:00:04.250Z")).await;
    assert_eq!(
        process.fires("flw_tick").await,
        [
            ("2026-01-05T09:00:02.000Z".to_string(), "2026-01-05T09:00:02.000Z".to_string()),
            ("2026-01-05T09:00:04.000Z".to_string(), "2026-01-05T09:00:04.250Z".to_string()),
        ],
        "each even second once, firedAt being the clock's time when it fired"
    );
    let slot = process.store.schedule_fire_execution("flw_tick", "2026-01-05T09:00:02.000Z").await.unwrap();
    let execution = process.engine.load_execution(&slot.expect("the fire names its execution")).await.unwrap().unwrap();
    assert_eq!(execution.version, Some(1), "the live version runs");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_at_schedule_fires_once_and_never_again_even_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let process = Process::open(&dir.path().join("hookline.db")).await;
    let config = json!({"at": "2026-01-05T10:00:03+01:00", "missed": "run_once"});
    process.go_live(&schedule_flow("flw_once", config), "2026-01-05T09:00:00.000Z").await;
    let clock = ManualClock::new(utc("2026-01-05T09:00:00Z"));
    let (handle, stop) = process.schedule(&clock);
    for second in 1..=6 {
        at(&clock, &handle, utc("2026-01-05T09:00:00Z") + chrono::Duration::seconds(second)).await;
    }
    assert_eq!(process.slots("flw_once").await, ["2026-01-05T09:00:03.000Z"]);

    stop.cancel();
    clock.set(utc("2026-01-05T12:00:00Z"));
    let (handle, _stop) = process.schedule(&clock);
    at(&clock, &handle, utc("2026-01-05T12:00:01Z")).await;
    assert_eq!(process.slots("flw_once").await.len(), 1, "a restart does not take the fired at as missed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_time_named_once_fires_once_across_both_daylight_saving_changes_in_berlin() {
    let dir = tempfile::tempdir().unwrap();
    let process = Process::open(&dir.path().join("hookline.db")).await;
    let config = json!({"cron": "30 2 * * *", "timezone": "Europe/Berlin"});
    process.go_live(&schedule_flow("flw_night", config), "2026-03-27T12:00:00.000Z").await;
    let clock = ManualClock::new(utc("2026-03-27T12:00:00Z"));
    let (handle, _stop) = process.schedule(&clock);

    // Ten-minute steps through each change, so every fire is on time.
    let walk = |from: &str, hours: i64| {
        let start = utc(from);
        (0..=hours * 6).map(move |step| start + chrono::Duration::minutes(10 * step))
    };
    for now in walk("2026-03-27T12:00:00Z", 72) {
        at(&clock, &handle, now).await;
    }
    for now in walk("2026-10-23T12:00:00Z", 72) {
        at(&clock, &handle, now).await;
    }
    assert_eq!(
        process.slots("flw_night").await,
        [
            "2026-03-28T01:30:00.000Z",
            "2026-03-29T01:00:00.000Z",
            "2026-03-30T00:30:00.000Z",
            "2026-10-24T00:30:00.000Z",
            "2026-10-25T00:30:00.000Z",
            "2026-10-26T01:30:00.000Z",
        ],
        "02:30 each night: at 03:00 CEST when the clocks skip it, once (CEST) when they repeat it; \
         the months between were skipped as missed"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_downtime_skip_drops_missed_fires_and_run_once_runs_the_latest_once() {
    let dir = tempfile::tempdir().unwrap();
    let process = Process::open(&dir.path().join("hookline.db")).await;
    let hourly = |missed: &str| json!({"cron": "0 * * * *", "timezone": "UTC", "missed": missed});
    process.go_live(&schedule_flow("flw_skip", hourly("skip")), "2026-01-05T09:00:00.000Z").await;
    process.go_live(&schedule_flow("flw_once", hourly("run_once")), "2026-01-05T09:00:00.000Z").await;
    let clock = ManualClock::new(utc("2026-01-05T09:30:00Z"));
    let (handle, stop) = process.schedule(&clock);
    at(&clock, &handle, utc("2026-01-05T10:00:00Z")).await;
    at(&clock, &handle, utc("2026-01-05T10:00:01Z")).await;
    assert_eq!(process.slots("flw_skip").await, ["2026-01-05T10:00:00.000Z"]);
    assert_eq!(process.slots("flw_once").await, ["2026-01-05T10:00:00.000Z"]);

    // Nothing runs from 10:00:01 to 13:20: 11:00, 12:00 and 13:00 are missed.
    stop.cancel();
    clock.set(utc("2026-01-05T13:20:00Z"));
    let (handle, _stop) = process.schedule(&clock);
    at(&clock, &handle, utc("2026-01-05T13:20:00Z")).await;
    at(&clock, &handle, utc("2026-01-05T14:00:00Z")).await;
    assert_eq!(
        process.slots("flw_skip").await,
        ["2026-01-05T10:00:00.000Z", "2026-01-05T14:00:00.000Z"],
        "skip: the missed hours never run"
    );
    assert_eq!(
        process.fires("flw_once").await,
        [
            ("2026-01-05T10:00:00.000Z".to_string(), "2026-01-05T10:00:00.000Z".to_string()),
            ("2026-01-05T13:00:00.000Z".to_string(), "2026-01-05T13:20:00.000Z".to_string()),
            ("2026-01-05T14:00:00.000Z".to_string(), "2026-01-05T14:00:00.000Z".to_string()),
        ],
        "run_once: one run for the latest missed hour, at the restart, then on as usual"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_schedulers_on_one_database_fire_each_slot_once() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hookline.db");
    let desktop = Process::open(&path).await;
    let serve = Process::open(&path).await;
    desktop
        .go_live(
            &schedule_flow("flw_both", json!({"cron": "* * * * * *", "timezone": "UTC"})),
            "2026-01-05T09:00:00.000Z",
        )
        .await;
    let clock = ManualClock::new(utc("2026-01-05T09:00:00.500Z"));
    let (one, _stop_one) = desktop.schedule(&clock);
    let (two, _stop_two) = serve.schedule(&clock);

    for second in 1..=20 {
        let now = utc("2026-01-05T09:00:00Z") + chrono::Duration::seconds(second);
        clock.set(now);
        within("both schedulers", async { tokio::join!(one.handled(now), two.handled(now)) }).await;
    }
    let slots = desktop.slots("flw_both").await;
    let expected: Vec<String> = (1..=20).map(|s| format!("2026-01-05T09:00:{s:02}.000Z")).collect();
    assert_eq!(slots, expected, "every second ran exactly once, whichever process claimed it");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flow_started_or_stopped_while_the_scheduler_runs_is_picked_up_fresh() {
    let dir = tempfile::tempdir().unwrap();
    let process = Process::open(&dir.path().join("hookline.db")).await;
    let clock = ManualClock::new(utc("2026-01-05T09:00:00Z"));
    let (handle, _stop) = process.schedule(&clock);
    at(&clock, &handle, utc("2026-01-05T09:00:01Z")).await;

    // Published long ago, started now: nothing counts as missed, even with run_once.
    let config = json!({"cron": "* * * * * *", "timezone": "UTC", "missed": "run_once"});
    process.go_live(&schedule_flow("flw_late", config), "2026-01-01T00:00:00.000Z").await;
    let reloads = handle.progress().reloads;
    process.engine.emit(CoreEvent::FlowChanged { flow_id: "flw_late".into() });
    within("a reload after the event", handle.reloaded_after(reloads)).await;
    at(&clock, &handle, utc("2026-01-05T09:00:02Z")).await;
    at(&clock, &handle, utc("2026-01-05T09:00:03Z")).await;
    assert_eq!(process.slots("flw_late").await, ["2026-01-05T09:00:02.000Z", "2026-01-05T09:00:03.000Z"]);

    // Stopped by another process (no event): the regular reload sees it.
    process.store.set_live("flw_late", false, "2026-01-05T09:00:03.000Z").await.unwrap();
    at(&clock, &handle, utc("2026-01-05T09:00:04Z")).await;
    at(&clock, &handle, utc("2026-01-05T09:00:05Z")).await;
    assert_eq!(
        process.slots("flw_late").await,
        ["2026-01-05T09:00:02.000Z", "2026-01-05T09:00:03.000Z"],
        "the started flows are read again before each second's fires, so a stopped flow fires no more"
    );
}
