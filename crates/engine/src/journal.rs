//! The execution journal: every write of the execution lifecycle (accept,
//! step run, outcome) goes through one task that commits whatever is waiting
//! in a single transaction.
//!
//! SQLite has one writer and `synchronous=FULL` costs an fsync per commit.
//! Committing writes one by one made the writer the bottleneck (about a
//! thousand webhooks per second, each paying for three or four commits);
//! batching them lets many executions share a commit. Writes apply in the
//! order they were sent, so a step run is never committed after its
//! execution's outcome.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use hookline_model::{Execution, StepRun};
use hookline_store::{Acceptance, Accepted, PruneBatch, Pruned, Store, StoreError, Write, Written};
use tokio::sync::{mpsc, oneshot};

/// Why the journal did not record a write.
#[derive(Debug, Clone, thiserror::Error)]
pub enum JournalError {
    /// The journal's task has ended (the process is stopping).
    #[error("the execution journal stopped")]
    Stopped,
    /// The batch holding the write could not be committed; every write of
    /// the batch gets the same cause.
    #[error("the execution journal could not commit: {0}")]
    Commit(Arc<StoreError>),
}

type Outcome = Result<Written, JournalError>;

/// A commit acknowledgement: for an accept, what became of it.
type Ack = oneshot::Sender<Outcome>;

/// Runs in the journal task right after an accept commits, whether or not
/// the caller still waits: a request whose client hung up mid-commit still
/// gets its execution queued.
type OnCommit = Box<dyn FnOnce(&Accepted) + Send>;

struct Entry {
    write: Write,
    ack: Option<Ack>,
    on_commit: Option<OnCommit>,
}

/// Handle to the journal task; cheap to clone. The task ends when the last
/// handle is dropped, after committing what was sent.
#[derive(Clone)]
pub struct Journal {
    sender: mpsc::UnboundedSender<Entry>,
    load: Arc<Load>,
}

/// How far behind the journal is: the writes sent and not yet committed, and
/// what a commit has lately taken (a moving average, in nanoseconds). The
/// writes waiting take that many commits of up to `batch` writes each, which
/// is how long a new accept would wait: what decides whether a caller is
/// better told "retry" at once. Counting commits, not writes, keeps one slow
/// commit of a single write (the first on a cold database) from making a
/// short queue look like seconds of work.
struct Load {
    waiting: AtomicUsize,
    nanos_per_commit: AtomicU64,
    batch: usize,
}

impl Load {
    fn new(batch: usize) -> Load {
        Load { waiting: AtomicUsize::new(0), nanos_per_commit: AtomicU64::new(0), batch }
    }

    /// Folds one commit into the average, weighing it an eighth: quick to
    /// follow a slowing disk, steady against one slow fsync.
    fn record(&self, writes: usize, took: Duration) {
        let took = took.as_nanos().min(u128::from(u64::MAX)) as u64;
        let before = self.nanos_per_commit.load(Ordering::Relaxed);
        let after = if before == 0 { took } else { before - before / 8 + took / 8 };
        self.nanos_per_commit.store(after, Ordering::Relaxed);
        self.waiting.fetch_sub(writes, Ordering::Relaxed);
    }

    fn expected_wait(&self) -> Duration {
        let commits = self.waiting.load(Ordering::Relaxed).div_ceil(self.batch) as u64;
        Duration::from_nanos(commits.saturating_mul(self.nanos_per_commit.load(Ordering::Relaxed)))
    }
}

/// Most rows of a kind a prune batch deletes when it shares a commit with
/// other writes. Each deleted execution dirties pages of seven b-trees (its
/// row, its step runs and their indexes) that the commit writes to the WAL
/// before the hooks sharing it are answered; this bounds that cost. A prune
/// alone in its commit deletes its whole batch.
const SHARED_PRUNE: u32 = 50;

/// Longest a step run waits for company before it is committed alone.
const LINGER: Duration = Duration::from_millis(10);

/// Longest a prune waits for company. While hooks arrive, one comes well
/// within this, so a prune never holds the writer with a commit of its own
/// (a request arriving meanwhile would wait for all of its deletes); when
/// the listener is idle, the prune commits alone, its whole batch at once.
const PRUNE_LINGER: Duration = Duration::from_millis(50);

impl Journal {
    /// Starts the journal task on the current Tokio runtime; at most `batch`
    /// writes share a transaction.
    pub fn start(store: Store, batch: usize) -> Journal {
        let (sender, receiver) = mpsc::unbounded_channel();
        let batch = batch.max(1);
        let load = Arc::new(Load::new(batch));
        tokio::spawn(commit_batches(store, receiver, batch, load.clone()));
        Journal { sender, load }
    }

    /// About how long a write sent now would wait for its commit.
    pub fn expected_wait(&self) -> Duration {
        self.load.expected_wait()
    }

    /// Stores a new execution (with its inbox entry when a hook request
    /// started it); returns once committed.
    /// `on_commit` runs as soon as it is committed, even if this future was
    /// dropped meanwhile.
    pub async fn accept(
        &self,
        acceptance: Acceptance,
        on_commit: impl FnOnce(&Accepted) + Send + 'static,
    ) -> Result<Accepted, JournalError> {
        match self.send(Write::Accept(acceptance), true, Some(Box::new(on_commit)))?.await {
            Ok(Ok(Written::Accepted(accepted))) => Ok(accepted),
            // Every accept gets an outcome from the store; none means the journal stopped midway.
            Ok(Ok(_)) => Err(JournalError::Stopped),
            Ok(Err(error)) => Err(error),
            Err(_) => Err(JournalError::Stopped),
        }
    }

    /// Queues a step run without waiting for its commit: a step recorded late
    /// (or lost in a crash) only means a resumed execution runs it again.
    pub fn step(&self, execution_id: &str, seq: u32, run: StepRun) -> Result<(), JournalError> {
        self.send(Write::StepRun { execution_id: execution_id.to_string(), seq, run }, false, None).map(drop)
    }

    /// Stores a step run and returns once it is committed: how a step with
    /// side effects records that it is starting before it acts, so a restart
    /// knows it may have acted (and sends it again with the same key).
    pub async fn step_committed(&self, execution_id: &str, seq: u32, run: StepRun) -> Result<(), JournalError> {
        let write = Write::StepRun { execution_id: execution_id.to_string(), seq, run };
        match self.send(write, true, None)?.await {
            Ok(result) => result.map(drop),
            Err(_) => Err(JournalError::Stopped),
        }
    }

    /// Stores an execution's outcome, with every step run queued before it;
    /// returns once committed, so readers see the execution finished.
    pub async fn finish(&self, execution: Execution) -> Result<(), JournalError> {
        match self.send(Write::Finish(execution), true, None)?.await {
            Ok(result) => result.map(drop),
            Err(_) => Err(JournalError::Stopped),
        }
    }

    /// Deletes one batch of what retention no longer keeps, inside
    /// the next commit: the deletes ride on the fsync hooks wait for anyway,
    /// instead of holding the one writer for a commit of their own.
    pub async fn prune(&self, batch: PruneBatch) -> Result<Pruned, JournalError> {
        match self.send(Write::Prune(batch), true, None)?.await {
            Ok(Ok(Written::Pruned(pruned))) => Ok(pruned),
            Ok(Ok(_)) => Err(JournalError::Stopped),
            Ok(Err(error)) => Err(error),
            Err(_) => Err(JournalError::Stopped),
        }
    }

    fn send(
        &self,
        write: Write,
        acknowledge: bool,
        on_commit: Option<OnCommit>,
    ) -> Result<oneshot::Receiver<Outcome>, JournalError> {
        let (ack, acked) = oneshot::channel();
        let ack = acknowledge.then_some(ack);
        self.load.waiting.fetch_add(1, Ordering::Relaxed);
        if self.sender.send(Entry { write, ack, on_commit }).is_err() {
            self.load.waiting.fetch_sub(1, Ordering::Relaxed);
            return Err(JournalError::Stopped);
        }
        Ok(acked)
    }
}

/// Waits for a write, takes whatever else is already waiting (up to `batch`),
/// commits them together and acknowledges each.
async fn commit_batches(store: Store, mut receiver: mpsc::UnboundedReceiver<Entry>, batch: usize, load: Arc<Load>) {
    let mut buffer = Vec::with_capacity(batch);
    while receiver.recv_many(&mut buffer, batch).await > 0 {
        // Nobody waits for a step run alone: give it a moment to be joined by
        // the write someone waits for (usually its execution's outcome), so a
        // run of quick steps costs one commit instead of one per step.
        // A prune waits the same way, and longer: see [`PRUNE_LINGER`].
        let prune = |entry: &Entry| matches!(entry.write, Write::Prune(_));
        let linger = if buffer.iter().any(prune) { PRUNE_LINGER } else { LINGER };
        let deadline = tokio::time::Instant::now() + linger;
        while buffer.len() < batch && buffer.iter().all(|entry| entry.ack.is_none() || prune(entry)) {
            let room = batch - buffer.len();
            match tokio::time::timeout_at(deadline, receiver.recv_many(&mut buffer, room)).await {
                Ok(received) if received > 0 => {}
                _ => break,
            }
        }
        let mut writes = Vec::with_capacity(buffer.len());
        let mut followers = Vec::with_capacity(buffer.len());
        for Entry { write, ack, on_commit } in buffer.drain(..) {
            writes.push(write);
            followers.push((ack, on_commit));
        }
        if writes.iter().any(|write| !matches!(write, Write::Prune(_))) {
            for write in &mut writes {
                if let Write::Prune(prune) = write {
                    prune.batch = prune.batch.min(SHARED_PRUNE);
                }
            }
        }
        let started = Instant::now();
        let committed = store.write_batch(&writes).await;
        load.record(writes.len(), started.elapsed());
        match committed {
            Ok(outcomes) => {
                for ((ack, on_commit), outcome) in followers.into_iter().zip(outcomes) {
                    if let (Some(on_commit), Written::Accepted(accepted)) = (on_commit, &outcome) {
                        on_commit(accepted);
                    }
                    if let Some(ack) = ack {
                        let _ = ack.send(Ok(outcome));
                    }
                }
            }
            Err(error) => {
                tracing::error!(writes = writes.len(), %error, "the execution journal could not commit a batch");
                let error = Arc::new(error);
                for (ack, _) in followers {
                    if let Some(ack) = ack {
                        let _ = ack.send(Err(JournalError::Commit(error.clone())));
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use hookline_model::{ExecutionStatus, FlowDocument, TriggerSource};
    use hookline_store::{Claim, PruneScope};
    use serde_json::json;

    use super::*;

    fn execution(id: &str, created_at: &str, status: ExecutionStatus) -> Acceptance {
        Acceptance {
            execution: Execution {
                id: id.into(),
                flow_id: "flw_a".into(),
                version: Some(1),
                trigger: TriggerSource::Manual,
                status,
                input: json!({}),
                params: Default::default(),
                output: None,
                error: None,
                failed_step: None,
                reply: None,
                created_at: created_at.into(),
                started_at: None,
                finished_at: None,
                duration_ms: None,
                steps: vec![],
                replay_of: None,
            },
            inbox: None,
            idempotency_key: None,
            dedupe_since: created_at.into(),
            claim: Claim { owner: "test".into(), until: created_at.into() },
            chosen_id: false,
        }
    }

    /// A store with one flow and 80 finished executions from last year.
    async fn store_with_old_executions(dir: &std::path::Path) -> Store {
        let store = Store::open(&dir.join("hookline.db")).await.expect("a database in the temp dir");
        let flow = FlowDocument::from_value(json!({
            "schemaVersion": 1, "id": "flw_a", "name": "A",
            "steps": [{"id": "stp_run", "component": "manual", "name": "Run"}],
        }))
        .expect("a flow document");
        store.save_draft(&flow, None, "2025-01-01T00:00:00.000Z").await.expect("the flow is saved");
        let old: Vec<Write> = (0..80)
            .map(|n| {
                let at = format!("2025-01-01T00:00:{n:02}.000Z");
                Write::Accept(execution(&format!("exe_old{n:02}"), &at, ExecutionStatus::Succeeded))
            })
            .collect();
        store.write_batch(&old).await.expect("the old executions are stored");
        store
    }

    fn age_pass(batch: u32) -> PruneBatch {
        let scope =
            PruneScope::Age { before: "2026-01-01T00:00:00.000Z".into(), now: "2026-01-15T00:00:00.000Z".into() };
        PruneBatch { scope, batch }
    }

    #[test]
    fn one_slow_commit_does_not_make_a_short_queue_look_long_but_a_long_queue_does() {
        let load = Load::new(512);
        load.waiting.store(1, Ordering::Relaxed);
        load.record(1, Duration::from_millis(1));
        // The first commit of a burst on a cold database: one write, slow.
        load.waiting.store(201, Ordering::Relaxed);
        load.record(1, Duration::from_millis(240));
        let short = load.expected_wait();
        assert!(short < Duration::from_millis(50), "200 writes fit in one commit: {short:?}");
        // A flood: twenty full commits' worth waiting.
        load.waiting.store(20 * 512, Ordering::Relaxed);
        let long = load.expected_wait();
        assert_eq!(long, short * 20, "twenty commits take twenty times one");
    }

    #[tokio::test]
    async fn a_prune_alone_in_its_commit_deletes_its_whole_batch() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let journal = Journal::start(store_with_old_executions(dir.path()).await, 64);
        let started = Instant::now();
        let pruned = journal.prune(age_pass(60)).await.expect("the prune commits");
        assert!(started.elapsed() >= PRUNE_LINGER, "it waited for company first");
        assert_eq!(pruned, Pruned { rows: 60, caught_up: false, shared: false });
        let pruned = journal.prune(age_pass(60)).await.expect("the prune commits");
        assert_eq!(
            pruned,
            Pruned { rows: 20, caught_up: true, shared: false },
            "the last twenty, and nothing older is left"
        );
    }

    #[tokio::test]
    async fn a_prune_waits_for_a_hook_to_share_its_commit_with() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let store = store_with_old_executions(dir.path()).await;
        let journal = Journal::start(store.clone(), 64);
        let pruning = tokio::spawn({
            let journal = journal.clone();
            async move { journal.prune(age_pass(60)).await }
        });
        // The journal now holds the prune, waiting for company; an accept
        // arriving well within the wait joins its commit.
        tokio::time::sleep(PRUNE_LINGER / 10).await;
        let now = "2026-01-15T00:00:00.000Z";
        let accepted = journal.accept(execution("exe_new", now, ExecutionStatus::Queued), |_| {}).await;
        assert_eq!(accepted.expect("the accept commits"), Accepted::Created);
        let pruned = pruning.await.expect("the prune task ends").expect("the prune commits");
        let shared = Pruned { rows: u64::from(SHARED_PRUNE), caught_up: false, shared: true };
        assert_eq!(pruned, shared, "the prune shared the accept's commit");
    }

    #[tokio::test]
    async fn a_prune_sharing_a_commit_with_an_accept_deletes_only_a_few_rows() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let store = store_with_old_executions(dir.path()).await;
        let journal = Journal::start(store.clone(), 64);
        // On this single-threaded runtime the journal's task runs only once
        // both writes are queued, so they share one commit.
        let now = "2026-01-15T00:00:00.000Z";
        let (accepted, pruned) = tokio::join!(
            journal.accept(execution("exe_new", now, ExecutionStatus::Queued), |_| {}),
            journal.prune(age_pass(60))
        );
        assert_eq!(accepted.expect("the accept commits"), Accepted::Created);
        assert_eq!(
            pruned.expect("the prune commits"),
            Pruned { rows: u64::from(SHARED_PRUNE), caught_up: false, shared: true }
        );
        let new = store.get_execution("exe_new").await.expect("a read");
        assert!(new.is_some(), "the accept sharing the commit is stored");
    }
}
