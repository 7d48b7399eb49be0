//! The core's event stream, which the desktop window and the browser mode
//! forward to the UI: saving and starting flows, and runs as they progress.

use hookline_api::{Core, CoreConfig, RunOptions};
use hookline_model::{CoreEvent, ExecutionStatus};
use serde_json::json;

#[tokio::test]
async fn subscribers_hear_flow_changes_and_each_step_of_a_run_once_it_is_stored() {
    let dir = tempfile::tempdir().unwrap();
    let core = Core::open(CoreConfig::new(dir.path())).await.unwrap();
    let mut events = core.subscribe();
    let flow = json!({
        "schemaVersion": 1, "id": "flw_events", "name": "Events",
        "steps": [
            {"id": "stp_start", "component": "manual", "name": "Start"},
            {"id": "stp_double", "component": "transform", "name": "Double", "inputs": {"value": {"expr": "2 * 21"}}}
        ],
        "edges": [{"from": "stp_start", "to": "stp_double"}]
    });
    core.import_flow(&flow.to_string()).await.unwrap();
    core.publish("flw_events").await.unwrap();
    let execution = core.run_flow("flw_events", RunOptions::default()).await.unwrap();

    let mut received = Vec::new();
    while let Ok(event) = events.try_recv() {
        received.push(event);
    }
    let changed = CoreEvent::FlowChanged { flow_id: "flw_events".into() };
    assert_eq!(received[..2], [changed.clone(), changed], "import and publish each change the flow: {received:?}");
    let progress: Vec<(ExecutionStatus, Option<String>)> = received[2..]
        .iter()
        .map(|event| match event {
            CoreEvent::ExecutionChanged { execution_id, status, step_id, .. } => {
                assert_eq!(execution_id, &execution.id, "events name the execution");
                (*status, step_id.clone())
            }
            other => panic!("only the run's events follow: {other:?}"),
        })
        .collect();
    assert_eq!(
        progress,
        [
            (ExecutionStatus::Queued, None),
            (ExecutionStatus::Running, None),
            (ExecutionStatus::Running, Some("stp_double".to_string())),
            (ExecutionStatus::Succeeded, None),
        ],
        "a manual run is queued through the journal like a hook's, starts, finishes its action, and ends"
    );
    let stored = core.get_execution(&execution.id).await.unwrap();
    assert_eq!(stored.status, ExecutionStatus::Succeeded, "the last event comes after the outcome is stored");
}
