//! The execution queue behind live hooks: durable accept with group commit, a
//! bounded queue, concurrent workers, waiting for a result (synchronous
//! replies) and recovery of unfinished executions after a crash.
//!
//! An accepted execution is committed to the store before `accept` returns,
//! so a caller can answer `2xx` knowing it survives `kill -9`. Requests that
//! arrive together share one transaction (one fsync) in the engine's
//! [`Journal`](crate::Journal), which is what makes thousands of durable
//! accepts per second possible on SQLite.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use hookline_model::{timestamp, Execution, ExecutionStatus, InboxEntry};
use hookline_store::{Accepted, Store};
use tokio::sync::{mpsc, oneshot, OwnedSemaphorePermit, Semaphore};
use tokio_util::sync::CancellationToken;

use crate::executor::{Engine, RunRequest};
use crate::plan::Plan;
use crate::EngineError;

/// Sizes of the queue and the worker pool.
#[derive(Debug, Clone)]
pub struct RunnerConfig {
    /// Executions running at the same time.
    pub concurrency: usize,
    /// Accepted executions waiting for a worker; beyond it `accept` answers
    /// [`AcceptError::Overloaded`].
    pub queue_bound: usize,
    /// How long an `Idempotency-Key` (or `webhook-id`) is remembered.
    pub dedupe_window: std::time::Duration,
}

/// The longest an accept may expect to wait for its commit before the
/// caller is told `503` with `Retry-After` instead: under a flood, an answer
/// within a second (accepted or "retry") beats a queue that grows forever.
const ACCEPT_WAIT_BUDGET: std::time::Duration = std::time::Duration::from_millis(500);

impl Default for RunnerConfig {
    fn default() -> Self {
        RunnerConfig { concurrency: 64, queue_bound: 10_000, dedupe_window: std::time::Duration::from_secs(72 * 3600) }
    }
}

/// Why an execution was not accepted.
#[derive(Debug, thiserror::Error)]
pub enum AcceptError {
    /// The queue is full; the request's inbox entry (when a hook request
    /// started it) comes back, to be kept as a refused request.
    #[error("the execution queue is full")]
    Overloaded(Option<Box<InboxEntry>>),
    #[error("the execution could not be stored: {0}")]
    Store(#[from] EngineError),
}

struct Job {
    plan: Arc<Plan>,
    execution: Execution,
}

/// What `accept` did with a request.
pub enum Acceptation {
    /// A new execution, stored and queued; with `wait`, the receiver gets it
    /// when it ends.
    /// Carries the execution's id.
    Started(String, Option<oneshot::Receiver<Execution>>),
    /// The idempotency key was seen within the window: nothing runs again.
    Duplicate(String),
    /// The id the caller chose is an earlier execution's: nothing runs.
    IdTaken(String),
}

type Waiters = Arc<Mutex<HashMap<String, oneshot::Sender<Execution>>>>;

/// The queue and its workers. Create it inside a Tokio runtime.
pub struct Runner {
    engine: Arc<Engine>,
    store: Store,
    jobs: mpsc::Sender<Job>,
    waiters: Waiters,
    dedupe_window: std::time::Duration,
}

impl Runner {
    /// Starts the dispatcher. It stops when
    /// `shutdown` fires; executions still queued or running stay in the store
    /// and are picked up by [`Runner::recover`] at the next start.
    pub fn start(engine: Arc<Engine>, store: Store, config: RunnerConfig, shutdown: CancellationToken) -> Arc<Runner> {
        let (jobs, jobs_rx) = mpsc::channel(config.queue_bound.max(1));
        let waiters: Waiters = Arc::default();
        tokio::spawn(dispatch(engine.clone(), jobs_rx, waiters.clone(), config.concurrency.max(1), shutdown.clone()));
        let runner = Arc::new(Runner { engine, store, jobs, waiters, dedupe_window: config.dedupe_window });
        // Events emitted in this process now start their flows here.
        runner.engine.runner.attach(&runner);
        tokio::spawn(keep_claims(Arc::downgrade(&runner), shutdown));
        runner
    }

    /// Whether a new accept would be refused: the queue is full, or the
    /// journal is so far behind that its commit would come too late. Cheap,
    /// so a hook can ask before it does any work for the request.
    pub fn overloaded(&self) -> bool {
        self.jobs.capacity() == 0 || self.engine.journal().expected_wait() > ACCEPT_WAIT_BUDGET
    }

    /// Stores a new execution of `plan` durably, with the request's inbox
    /// entry when a hook request started it, and queues it; or, when
    /// `idempotency_key` was seen within the window, stores only the inbox
    /// entry and names the original execution. Schedules and events start
    /// runs here too, without an inbox entry.
    pub async fn accept(
        &self,
        plan: Arc<Plan>,
        request: RunRequest,
        inbox: Option<InboxEntry>,
        idempotency_key: Option<String>,
        wait: bool,
    ) -> Result<Acceptation, AcceptError> {
        if self.overloaded() {
            return Err(AcceptError::Overloaded(inbox.map(Box::new)));
        }
        let Ok(slot) = self.jobs.clone().try_reserve_owned() else {
            return Err(AcceptError::Overloaded(inbox.map(Box::new)));
        };
        let chosen_id = request.id.is_some();
        let keep_input = request.keep_input || inbox.is_none();
        let execution = Engine::into_execution(request);
        // The stored row needs no input when a hook request started it: the
        // inbox entry is the request's record.
        let mut row = execution.shallow();
        if keep_input {
            row.input = execution.input.clone();
        }
        let done = wait.then(|| {
            let (tx, rx) = oneshot::channel();
            self.waiters.lock().expect("waiters lock").insert(execution.id.clone(), tx);
            rx
        });
        let since = std::time::SystemTime::now().checked_sub(self.dedupe_window).unwrap_or(std::time::UNIX_EPOCH);
        // Requests that arrive together share the journal's commit (one fsync).
        // The job is queued by the journal itself, so a client that hangs up
        // while its request commits cannot leave the execution stranded.
        let id = execution.id.clone();
        let job = Job { plan, execution };
        let queue = move |accepted: &Accepted| {
            if *accepted == Accepted::Created {
                slot.send(job);
            }
        };
        match self.engine.store_new(&row, inbox, idempotency_key, timestamp(since), chosen_id, queue).await {
            Ok(Accepted::Created) => Ok(Acceptation::Started(id, done)),
            Ok(Accepted::Duplicate(original)) => {
                self.waiters.lock().expect("waiters lock").remove(&id);
                Ok(Acceptation::Duplicate(original))
            }
            Ok(Accepted::IdTaken) => {
                self.waiters.lock().expect("waiters lock").remove(&id);
                Ok(Acceptation::IdTaken(id))
            }
            Err(error) => {
                self.waiters.lock().expect("waiters lock").remove(&id);
                Err(AcceptError::Store(error))
            }
        }
    }

    /// Takes over and queues every unfinished execution whose claim has
    /// expired: left by a process that stopped or was killed (executions
    /// another live process runs keep their claim and are left alone). Runs
    /// of a published version resume after their last finished step; a run
    /// of a draft cannot be resumed (the draft may have changed) and is
    /// recorded as failed. Returns how many were resumed.
    pub async fn recover(&self) -> Result<usize, EngineError> {
        let mut resumed = 0;
        for id in self.engine.claim_expired().await? {
            // Its claim lapsed while this process still runs it (a stall of
            // two renewals): it is not run a second time.
            if self.engine.is_running(&id) {
                continue;
            }
            let Some(mut execution) = self.engine.load_execution(&id).await? else { continue };
            let plan = match execution.version {
                Some(version) => match self.store.get_version(&execution.flow_id, version).await? {
                    Some(document) => self.engine.compile_version(&execution.flow_id, version, document).ok(),
                    None => None,
                },
                None => None,
            };
            let Some(plan) = plan else {
                execution.status = ExecutionStatus::Failed;
                execution.error = Some("interrupted before it finished; runs of a draft are not resumed".into());
                execution.finished_at = Some(timestamp(std::time::SystemTime::now()));
                execution.steps.clear();
                self.engine.journal().finish(execution).await?;
                continue;
            };
            let job = Job { plan, execution };
            if self.jobs.send(job).await.is_err() {
                break;
            }
            resumed += 1;
        }
        Ok(resumed)
    }
}

/// Renews this process's claims while the runner lives, and takes over the
/// executions of processes whose claims expired (a `kill -9` beside a
/// running `hookline serve`).
async fn keep_claims(runner: std::sync::Weak<Runner>, shutdown: CancellationToken) {
    let Some(lease) = runner.upgrade().map(|r| r.engine.lease()) else { return };
    let mut ticks = tokio::time::interval(lease / 3);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    ticks.tick().await;
    loop {
        tokio::select! {
            _ = ticks.tick() => {}
            () = shutdown.cancelled() => return,
        }
        let Some(runner) = runner.upgrade() else { return };
        if let Err(error) = runner.engine.renew_claims().await {
            tracing::warn!(%error, "could not renew the claims of running executions");
        }
        match runner.recover().await {
            Ok(0) => {}
            Ok(resumed) => tracing::info!(resumed, "took over executions whose process stopped"),
            Err(error) => tracing::warn!(%error, "could not take over expired executions"),
        }
    }
}

/// Runs queued executions, at most `concurrency` at a time.
async fn dispatch(
    engine: Arc<Engine>,
    mut jobs: mpsc::Receiver<Job>,
    waiters: Waiters,
    concurrency: usize,
    shutdown: CancellationToken,
) {
    let slots = Arc::new(Semaphore::new(concurrency));
    loop {
        // Take a worker slot before a job, so a job waiting for a worker stays
        // in the bounded queue and counts against its bound.
        let Ok(permit) = slots.clone().acquire_owned().await else { return };
        let job = tokio::select! {
            job = jobs.recv() => job,
            () = shutdown.cancelled() => None,
        };
        let Some(job) = job else { return };
        tokio::spawn(run_job(engine.clone(), job, waiters.clone(), permit));
    }
}

async fn run_job(engine: Arc<Engine>, job: Job, waiters: Waiters, _permit: OwnedSemaphorePermit) {
    let id = job.execution.id.clone();
    let waited = waiters.lock().expect("waiters lock").contains_key(&id);
    let result = if waited {
        engine.execute(&job.plan, job.execution, CancellationToken::new()).await
    } else {
        engine.run(&job.plan, job.execution, CancellationToken::new()).await
    };
    let waiter = waiters.lock().expect("waiters lock").remove(&id);
    match (result, waiter) {
        (Ok(execution), Some(waiter)) => {
            let _ = waiter.send(execution);
        }
        (Ok(_), None) => {}
        // The waiter is dropped, so a synchronous caller learns that the run
        // could not be recorded; the execution stays unfinished for recovery.
        (Err(error), _) => tracing::error!(execution_id = %id, %error, "an execution could not be recorded"),
    }
}
