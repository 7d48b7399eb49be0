//! The execution queue behind live hooks: durable accept with group commit, a
//! bounded queue, concurrent workers, waiting for a result (synchronous
//! replies) and recovery of unfinished executions after a crash.
//!
//! An accepted execution is committed to the store before `accept` returns,
//! so a caller can answer `2xx` knowing it survives `kill -9`. Requests that
//! arrive together share one transaction (one fsync) in the engine's
//! [`Journal`](crate::Journal), which is what makes thousands of durable
//! accepts per second possible on SQLite.
//!
//! Several processes may share one PostgreSQL database. Each runs what it
//! accepted itself, and claims what others left: executions an intake-only
//! process queued, and those of a process that died, once its lease
//! expired. The database's notices wake the claimers at once (polling
//! stays as the fallback), and tell a process waiting to answer a
//! synchronous request that another one finished its execution.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hookline_model::{timestamp, Execution, ExecutionStatus, InboxEntry};
use hookline_store::{Accepted, Notice, Store};
use tokio::sync::{mpsc, oneshot, Notify, OwnedSemaphorePermit, Semaphore};
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
    /// Whether this process runs executions or only queues them.
    pub role: Role,
}

/// What a process does with executions, when several share a database.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Role {
    /// Runs what it accepts, and claims what others queued or left.
    #[default]
    All,
    /// Stores what it accepts, unclaimed, for the workers; runs nothing.
    Intake,
    /// Runs executions; serves no hooks (the adapter's choice), so it
    /// accepts only what its schedules and events start.
    Worker,
}

/// How often a process with other processes beside it looks at the queue
/// when no notice arrives (one may be lost while a connection reconnects).
const QUEUE_POLL: Duration = Duration::from_secs(2);
/// How often a run that could not be recorded tries to end its claim.
const RELEASE_TRIES: u32 = 30;
/// The most executions one claim takes; more wait for the next one.
const CLAIM_BATCH: usize = 64;

/// The longest an accept may expect to wait for its commit before the
/// caller is told `503` with `Retry-After` instead: under a flood, an answer
/// within a second (accepted or "retry") beats a queue that grows forever.
const ACCEPT_WAIT_BUDGET: std::time::Duration = std::time::Duration::from_millis(500);

impl Default for RunnerConfig {
    fn default() -> Self {
        RunnerConfig {
            concurrency: 64,
            queue_bound: 10_000,
            dedupe_window: std::time::Duration::from_secs(72 * 3600),
            role: Role::All,
        }
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
    /// Claimed from the queue rather than accepted here: another process
    /// may be waiting to answer its request.
    claimed: bool,
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
    role: Role,
    /// Wakes the claimer: a notice said executions were queued, or a claim
    /// took a full batch and more may wait.
    wake: Arc<Notify>,
}

impl Runner {
    /// Starts the dispatcher. It stops when
    /// `shutdown` fires; executions still queued or running stay in the store
    /// and are picked up by [`Runner::recover`] at the next start.
    pub fn start(engine: Arc<Engine>, store: Store, config: RunnerConfig, shutdown: CancellationToken) -> Arc<Runner> {
        let (jobs, jobs_rx) = mpsc::channel(config.queue_bound.max(1));
        let waiters: Waiters = Arc::default();
        tokio::spawn(dispatch(
            engine.clone(),
            store.clone(),
            jobs_rx,
            waiters.clone(),
            config.concurrency.max(1),
            shutdown.clone(),
        ));
        let runner = Arc::new(Runner {
            engine,
            store,
            jobs,
            waiters,
            dedupe_window: config.dedupe_window,
            role: config.role,
            wake: Arc::default(),
        });
        // Events emitted in this process now start their flows here.
        runner.engine.runner.attach(&runner);
        tokio::spawn(hear_notices(Arc::downgrade(&runner), shutdown.clone()));
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
        let intake_only = self.role == Role::Intake;
        // An intake-only process leaves the execution to the workers: its
        // claim is over as soon as it is stored.
        let claim = if intake_only { self.engine.released_claim() } else { self.engine.claim() };
        let job = Job { plan, execution, claimed: false };
        let queue = move |accepted: &Accepted| {
            if *accepted == Accepted::Created && !intake_only {
                slot.send(job);
            }
        };
        match self.engine.store_new(&row, inbox, idempotency_key, timestamp(since), chosen_id, claim, queue).await {
            Ok(Accepted::Created) => {
                if intake_only {
                    // Workers also poll, so a notice that cannot be sent delays the run, and loses nothing.
                    if let Err(error) = self.store.notify(&Notice::Queued).await {
                        tracing::warn!(execution_id = %id, %error, "could not wake the workers");
                    }
                }
                Ok(Acceptation::Started(id, done))
            }
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
        if self.role == Role::Intake {
            return Ok(0);
        }
        // Claim no more than the queue can take now: a claimed execution
        // waiting here is one another worker could be running.
        let room = self.jobs.capacity().min(CLAIM_BATCH);
        if room == 0 {
            return Ok(0);
        }
        let claimed = self.engine.claim_expired(room as u32).await?;
        if claimed.len() == room {
            self.wake.notify_one();
        }
        let mut resumed = 0;
        for id in claimed {
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
            let job = Job { plan, execution, claimed: true };
            if self.jobs.send(job).await.is_err() {
                break;
            }
            resumed += 1;
        }
        Ok(resumed)
    }
}

/// Renews this process's claims while the runner lives, and claims what
/// waits in the queue: executions of processes whose claims expired (a
/// `kill -9` beside a running `hookline serve`) and, on a shared database,
/// those intake-only processes queued, as soon as a notice says so.
async fn keep_claims(runner: std::sync::Weak<Runner>, shutdown: CancellationToken) {
    let Some((lease, wake, shared)) = runner.upgrade().map(|r| (r.engine.lease(), r.wake.clone(), r.store.is_shared()))
    else {
        return;
    };
    let renew_every = lease / 3;
    let poll = if shared { QUEUE_POLL.min(renew_every) } else { renew_every };
    let mut renewed = Instant::now();
    loop {
        tokio::select! {
            () = tokio::time::sleep(poll) => {}
            () = wake.notified() => {}
            () = shutdown.cancelled() => return,
        }
        let Some(runner) = runner.upgrade() else { return };
        if renewed.elapsed() >= renew_every {
            renewed = Instant::now();
            if let Err(error) = runner.engine.renew_claims().await {
                tracing::warn!(%error, "could not renew the claims of running executions");
            }
        }
        match runner.recover().await {
            Ok(0) => {}
            Ok(resumed) => tracing::info!(resumed, "claimed queued or abandoned executions"),
            Err(error) => tracing::warn!(%error, "could not claim queued or abandoned executions"),
        }
    }
}

/// Hears the other processes on a shared database: queued executions wake
/// the claimer, and a finished one answers this process's waiting caller.
/// Without a shared database there is nothing to hear.
async fn hear_notices(runner: std::sync::Weak<Runner>, shutdown: CancellationToken) {
    let Some(store) = runner.upgrade().map(|r| r.store.clone()) else { return };
    loop {
        let mut notices = match store.listen().await {
            Ok(Some(notices)) => notices,
            Ok(None) => return,
            Err(error) => {
                tracing::warn!(%error, "cannot hear the other processes; polling the queue meanwhile");
                tokio::select! {
                    () = tokio::time::sleep(QUEUE_POLL) => continue,
                    () = shutdown.cancelled() => return,
                }
            }
        };
        loop {
            let notice = tokio::select! {
                notice = notices.recv() => notice,
                () = shutdown.cancelled() => return,
            };
            let Some(runner) = runner.upgrade() else { return };
            match notice {
                Ok(Some(Notice::Queued)) => runner.wake.notify_one(),
                Ok(Some(Notice::Finished(id))) => runner.answer_waiter(&id).await,
                // The connection dropped and came back: notices may have been
                // missed, so look at the queue and at every waiting caller.
                Ok(None) => {
                    runner.wake.notify_one();
                    let waiting: Vec<String> = runner.waiters.lock().expect("waiters lock").keys().cloned().collect();
                    for id in waiting {
                        runner.answer_waiter(&id).await;
                    }
                }
                Err(error) => {
                    tracing::warn!(%error, "lost the other processes' notices; listening again");
                    break;
                }
            }
        }
    }
}

impl Runner {
    /// Gives a caller waiting here for `id` its execution, when another
    /// process finished it. Callers that gave up are forgotten on the way.
    async fn answer_waiter(&self, id: &str) {
        {
            let mut waiters = self.waiters.lock().expect("waiters lock");
            waiters.retain(|_, waiter| !waiter.is_closed());
            if !waiters.contains_key(id) || self.engine.is_running(id) {
                return;
            }
        }
        let execution = match self.engine.load_execution(id).await {
            Ok(Some(execution)) if execution.finished_at.is_some() => execution,
            Ok(_) => return,
            Err(error) => {
                tracing::warn!(execution_id = %id, %error, "could not read an execution another process finished");
                return;
            }
        };
        if let Some(waiter) = self.waiters.lock().expect("waiters lock").remove(id) {
            let _ = waiter.send(execution);
        }
    }
}

/// Runs queued executions, at most `concurrency` at a time.
async fn dispatch(
    engine: Arc<Engine>,
    store: Store,
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
        tokio::spawn(run_job(engine.clone(), store.clone(), job, waiters.clone(), permit));
    }
}

async fn run_job(engine: Arc<Engine>, store: Store, job: Job, waiters: Waiters, _permit: OwnedSemaphorePermit) {
    let id = job.execution.id.clone();
    let claimed = job.claimed;
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
        // The process that accepted it may be waiting to answer its request.
        (Ok(_), None) if claimed => {
            if let Err(error) = store.notify(&Notice::Finished(id.clone())).await {
                tracing::warn!(execution_id = %id, %error, "could not announce a finished execution");
            }
        }
        (Ok(_), None) => {}
        // The waiter is dropped, so a synchronous caller learns that the run
        // could not be recorded. The execution stays unfinished, and its
        // claim is ended (once the database answers again) so that it is
        // claimed and resumed instead of renewed forever.
        (Err(error), _) => {
            tracing::error!(execution_id = %id, %error, "an execution could not be recorded; it will be resumed");
            let owner = engine.claim().owner;
            // Past a lease of tries the process is likely stopping; a claim
            // it no longer renews expires by itself.
            for _ in 0..RELEASE_TRIES {
                match store.release_claim(&id, &owner).await {
                    Ok(_) => break,
                    Err(error) => {
                        tracing::warn!(execution_id = %id, %error, "could not release the claim; retrying");
                        tokio::time::sleep(QUEUE_POLL).await;
                    }
                }
            }
        }
    }
}
