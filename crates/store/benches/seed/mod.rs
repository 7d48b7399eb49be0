//! Fills a store with a large run log, the way the journal writes one: used
//! by the run-log benchmark and by `benches/prune.sh` (through the
//! `seed_runlog` example) to measure listing and pruning at a million rows.

use std::time::{Duration, SystemTime};

use hookline_model::{timestamp, Execution, ExecutionStatus, FlowDocument, StepRun, StepStatus, TriggerSource};
use hookline_store::{Acceptance, Claim, Store, Write};
use serde_json::json;

/// Executions written per transaction.
const BATCH: usize = 2000;

/// The flows executions are spread over, `flw_bench_0` … .
pub fn flow_id(n: u64) -> String {
    format!("flw_bench_{n}")
}

/// Writes `rows` finished executions of `flows` flows, created evenly between
/// `oldest` and `newest` ago (newest last), one step run each; every 20th
/// failed. Ids grow with time, so keyset pages follow them. Then one
/// execution of 50 steps, `exe_fifty`, created now.
pub async fn seed(store: &Store, rows: u64, flows: u64, oldest: Duration, newest: Duration) {
    let now = SystemTime::now();
    for n in 0..flows {
        let document: FlowDocument = serde_json::from_value(json!({
            "schemaVersion": 1, "id": flow_id(n), "name": format!("Bench {n}"),
            "steps": [{"id": "stp_start", "component": "manual", "name": "Start"}], "edges": []
        }))
        .expect("a flow document");
        store.save_draft(&document, None, &timestamp(now)).await.expect("the flow is stored");
    }
    let span = oldest.saturating_sub(newest);
    let mut writes = Vec::with_capacity(BATCH * 3);
    for n in 0..rows {
        let age = oldest - span.mul_f64(n as f64 / rows.max(1) as f64);
        let created = timestamp(now - age);
        let status = if n % 20 == 0 { ExecutionStatus::Failed } else { ExecutionStatus::Succeeded };
        let trigger = [TriggerSource::Webhook, TriggerSource::Manual, TriggerSource::Schedule][(n % 3) as usize];
        let mut execution = execution(format!("exe_{n:012}"), flow_id(n % flows), trigger, created);
        writes.push(accept(&execution));
        writes.push(Write::StepRun {
            execution_id: execution.id.clone(),
            seq: 0,
            run: step(0, status == ExecutionStatus::Failed),
        });
        execution.status = status;
        if status == ExecutionStatus::Failed {
            execution.error = Some("HTTP 503 from the warehouse".into());
            execution.failed_step = Some("stp_0".into());
        }
        writes.push(Write::Finish(execution));
        if writes.len() >= BATCH * 3 {
            store.write_batch(&writes).await.expect("a batch is stored");
            writes.clear();
        }
    }
    store.write_batch(&writes).await.expect("a batch is stored");
    let mut fifty = execution("exe_fifty".into(), flow_id(0), TriggerSource::Manual, timestamp(now));
    let mut writes = vec![accept(&fifty)];
    writes.extend((0..50).map(|seq| Write::StepRun { execution_id: fifty.id.clone(), seq, run: step(seq, false) }));
    fifty.status = ExecutionStatus::Succeeded;
    writes.push(Write::Finish(fifty));
    store.write_batch(&writes).await.expect("the 50-step execution is stored");
}

fn execution(id: String, flow_id: String, trigger: TriggerSource, created_at: String) -> Execution {
    Execution {
        id,
        flow_id,
        version: Some(1),
        trigger,
        status: ExecutionStatus::Running,
        input: json!({"body": {"order": 42, "customer": "Wallace", "items": [{"sku": "cheese", "qty": 3}]}}),
        params: Default::default(),
        output: Some(json!({"shipped": true})),
        error: None,
        failed_step: None,
        reply: None,
        started_at: Some(created_at.clone()),
        finished_at: Some(created_at.clone()),
        created_at,
        duration_ms: Some(12),
        steps: vec![],
        replay_of: None,
    }
}

fn accept(execution: &Execution) -> Write {
    Write::Accept(Acceptance {
        execution: execution.clone(),
        inbox: None,
        idempotency_key: None,
        dedupe_since: String::new(),
        // A claim that has long lapsed: nothing is left running.
        claim: Claim { owner: "seed".into(), until: "2000-01-01T00:00:00.000Z".into() },
        chosen_id: false,
    })
}

fn step(seq: u32, failed: bool) -> StepRun {
    StepRun {
        step_id: format!("stp_{seq}"),
        name: format!("Step {seq}"),
        component: "http_request".into(),
        status: if failed { StepStatus::Failed } else { StepStatus::Succeeded },
        input: Some(json!({"method": "POST", "url": "http://127.0.0.1:9000/orders", "body": {"order": 42}})),
        output: (!failed).then(|| json!({"status": 201, "headers": {}, "body": {"id": seq}})),
        error: failed.then(|| "HTTP 503 from the warehouse".to_string()),
        started_at: None,
        duration_ms: Some(4),
        branch: None,
        attempts: vec![],
        resumed: false,
    }
}
