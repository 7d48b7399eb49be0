//! The executor against a real SQLite store: timeouts, cancellation and the
//! plan cache.

use std::sync::Arc;
use std::time::Duration;

use hookline_engine::{Catalog, Credentials, Engine, EngineConfig, RunRequest, VaultSettings};
use hookline_model::{ExecutionStatus, FlowDocument, StepStatus, TriggerSource};
use hookline_store::Store;
use serde_json::{json, Map};
use tokio_util::sync::CancellationToken;

fn delay_flow(ms: u64) -> FlowDocument {
    FlowDocument::from_value(json!({
        "schemaVersion": 1, "id": "flw_wait", "name": "Wait",
        "steps": [
            {"id": "stp_start", "component": "manual", "name": "Start"},
            {"id": "stp_wait", "component": "delay", "name": "Wait", "inputs": {"ms": {"value": ms}}},
            {"id": "stp_after", "component": "transform", "name": "After", "inputs": {"value": {"value": "done"}}}
        ],
        "edges": [{"from": "stp_start", "to": "stp_wait"}, {"from": "stp_wait", "to": "stp_after"}]
    }))
    .unwrap()
}

async fn engine(config: EngineConfig) -> (tempfile::TempDir, Store, Engine) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("engine.db")).await.unwrap();
    store.save_draft(&delay_flow(0), None, "2026-01-01T00:00:00.000Z").await.unwrap();
    let credentials = Arc::new(Credentials::new(store.clone(), VaultSettings::new(dir.path().to_path_buf(), None)));
    let engine = Engine::new(
        Arc::new(Catalog::standard()),
        store.clone(),
        credentials,
        hookline_engine::outbound_client().unwrap(),
        config,
    );
    (dir, store, engine)
}

fn request() -> RunRequest {
    RunRequest {
        flow_id: "flw_wait".into(),
        version: None,
        trigger: TriggerSource::Manual,
        input: json!({}),
        params: Map::new(),
        id: None,
        keep_input: false,
        replay_of: None,
    }
}

#[tokio::test]
async fn a_step_that_runs_past_the_step_timeout_fails_and_later_steps_do_not_run() {
    let config = EngineConfig { step_timeout: Duration::from_millis(200), ..EngineConfig::default() };
    let (_dir, store, engine) = engine(config).await;
    let plan = engine.compile_draft(delay_flow(10_000)).unwrap();
    let queued = engine.enqueue(&request()).await.unwrap();
    let done = engine.execute(&plan, queued, CancellationToken::new()).await.unwrap();

    assert_eq!(done.status, ExecutionStatus::Failed);
    assert_eq!(done.failed_step.as_deref(), Some("stp_wait"));
    assert!(done.error.as_deref().unwrap().contains("timed out after 200 ms"), "{:?}", done.error);
    assert_eq!(done.steps.len(), 2, "the step after the failure never ran");
    let stored = engine.load_execution(&done.id).await.unwrap().unwrap();
    assert_eq!(stored, done, "what the engine returned is what it recorded");
    let raw = store.get_execution(&done.id).await.unwrap().unwrap().execution;
    assert_eq!(raw.steps[0].output, None, "the trigger's output is the input, stored once");
}

#[tokio::test]
async fn a_step_with_a_longer_timeout_of_its_own_ends_by_it_and_not_by_the_engine() {
    // A server that accepts and never answers: the HTTP Request step waits
    // for its own 600 ms, past the engine's 200 ms guard.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/slow", silent.local_addr().unwrap());
    let config = EngineConfig { step_timeout: Duration::from_millis(200), ..EngineConfig::default() };
    let (_dir, _store, engine) = engine(config).await;
    let flow = FlowDocument::from_value(json!({
        "schemaVersion": 1, "id": "flw_wait", "name": "Wait",
        "steps": [
            {"id": "stp_start", "component": "manual", "name": "Start"},
            {"id": "stp_call", "component": "http_request", "name": "Call",
             "inputs": {"url": {"value": url}, "timeoutMs": {"value": 600}}}
        ],
        "edges": [{"from": "stp_start", "to": "stp_call"}]
    }))
    .unwrap();
    let plan = engine.compile_draft(flow).unwrap();
    let queued = engine.enqueue(&request()).await.unwrap();
    let done = engine.execute(&plan, queued, CancellationToken::new()).await.unwrap();

    assert_eq!(done.status, ExecutionStatus::Failed);
    let error = done.error.as_deref().unwrap();
    assert!(error.contains(&format!("GET {url} timed out after 600 ms")), "the step's own timeout: {error}");
}

#[tokio::test]
async fn cancelling_a_running_execution_interrupts_the_step_and_records_cancelled() {
    let (_dir, store, engine) = engine(EngineConfig::default()).await;
    let engine = Arc::new(engine);
    let plan = engine.compile_draft(delay_flow(30_000)).unwrap();
    let queued = engine.enqueue(&request()).await.unwrap();
    let id = queued.id.clone();
    let running = {
        let engine = engine.clone();
        tokio::spawn(async move { engine.execute(&plan, queued, CancellationToken::new()).await })
    };
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(engine.cancel(&id), "the execution is known as running");
    let done = tokio::time::timeout(Duration::from_secs(5), running).await.expect("cancel is prompt").unwrap().unwrap();

    assert_eq!(done.status, ExecutionStatus::Cancelled);
    assert_eq!(done.steps[1].status, StepStatus::Cancelled);
    assert_eq!(store.get_execution(&id).await.unwrap().unwrap().execution.status, ExecutionStatus::Cancelled);
    assert!(!engine.cancel(&id), "a finished execution is no longer running");
}

#[tokio::test]
async fn a_published_version_is_compiled_once_and_reused() {
    let (_dir, _store, engine) = engine(EngineConfig::default()).await;
    let first = engine.compile_version("flw_wait", 1, delay_flow(0)).unwrap();
    let second = engine.compile_version("flw_wait", 1, delay_flow(0)).unwrap();
    assert!(Arc::ptr_eq(&first, &second), "version 1's parsed expressions are cached");
    let other = engine.compile_version("flw_wait", 2, delay_flow(0)).unwrap();
    assert!(!Arc::ptr_eq(&first, &other), "each version has its own plan");
}

#[tokio::test]
async fn a_runaway_expression_fails_its_step_within_the_limit() {
    let (_dir, _store, engine) = engine(EngineConfig::default()).await;
    let doc = FlowDocument::from_value(json!({
        "schemaVersion": 1, "id": "flw_wait", "name": "Loop",
        "steps": [
            {"id": "stp_start", "component": "manual", "name": "Start"},
            {"id": "stp_loop", "component": "transform", "name": "Loop",
             "inputs": {"value": {"expr": "($f := function($n){ $n + $f($n + 1) }; $f(0))"}}}
        ],
        "edges": [{"from": "stp_start", "to": "stp_loop"}]
    }))
    .unwrap();
    let plan = engine.compile_draft(doc).unwrap();
    let queued = engine.enqueue(&request()).await.unwrap();
    let done = engine.execute(&plan, queued, CancellationToken::new()).await.unwrap();
    assert_eq!(done.status, ExecutionStatus::Failed);
    assert!(done.error.as_deref().unwrap().starts_with("step stp_loop (Loop): input value: "), "{:?}", done.error);
}
