//! The run log at a million executions: the first page with and without
//! filters, a page deep in the log, a search, and opening an execution of
//! 50 steps. The goal for a first page is 50 ms.
//!
//! Run with `cargo bench -p hookline-store --bench runlog` (`RUNLOG_ROWS`
//! sets the size; seeding a million rows takes about a minute and a half
//! on two cores; the database is written to a temporary directory).

mod seed;

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use hookline_model::{ExecutionStatus, TriggerSource};
use hookline_store::{ExecutionFilter, Store};

const DAY: Duration = Duration::from_secs(86_400);

fn runlog(c: &mut Criterion) {
    let rows: u64 = std::env::var("RUNLOG_ROWS").ok().and_then(|r| r.parse().ok()).unwrap_or(1_000_000);
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let dir = tempfile::tempdir().expect("a temporary directory");
    let store = runtime.block_on(async {
        let store = Store::open(&dir.path().join("runlog.db")).await.expect("the store opens");
        let started = std::time::Instant::now();
        seed::seed(&store, rows, 20, 30 * DAY, Duration::ZERO).await;
        eprintln!("seeded {rows} executions in {:.1} s", started.elapsed().as_secs_f64());
        store
    });
    let page = |filter: &ExecutionFilter| runtime.block_on(store.list_executions(filter)).expect("a page");
    let fifty = ExecutionFilter { limit: Some(50), ..Default::default() };
    let seven_days_ago = hookline_model::timestamp(std::time::SystemTime::now() - 7 * DAY);
    let cases = [
        ("first_page", fifty.clone()),
        ("failed", ExecutionFilter { status: Some(ExecutionStatus::Failed), ..fifty.clone() }),
        (
            "flow_schedule_last_7_days",
            ExecutionFilter {
                flow_id: Some(seed::flow_id(7)),
                trigger: Some(TriggerSource::Schedule),
                since: Some(seven_days_ago),
                ..fifty.clone()
            },
        ),
        ("search_id_beginning", ExecutionFilter { search: Some(format!("{:09}", rows / 2000)), ..fifty.clone() }),
    ];
    let mut group = c.benchmark_group("runlog");
    group.sample_size(30);
    for (name, filter) in cases {
        assert!(!page(&filter).is_empty(), "{name} finds executions");
        group.bench_function(name, |b| b.iter(|| black_box(page(&filter))));
    }
    // A page deep in the log: keyset paging from an execution in the middle.
    let middle = format!("exe_{:012}", rows / 2);
    let at = runtime.block_on(store.execution_created_at(&middle)).expect("a read").expect("the middle execution");
    let deep = ExecutionFilter { before: Some((at, middle)), ..fifty };
    group.bench_function("page_in_the_middle", |b| b.iter(|| black_box(page(&deep))));
    group.bench_function("open_50_steps", |b| {
        b.iter(|| {
            let stored = runtime.block_on(store.get_execution("exe_fifty")).expect("a read").expect("exists");
            assert_eq!(stored.execution.steps.len(), 50);
            black_box(stored)
        })
    });
    group.finish();
}

criterion_group!(benches, runlog);
criterion_main!(benches);
