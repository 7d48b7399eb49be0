//! Runs a compiled flow: steps in topological order, inputs mapped with
//! JSONata, each step run recorded in the store as it finishes.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use hookline_model::{
    timestamp, Attempt, CoreEvent, Execution, ExecutionStatus, FlowDocument, InboxEntry, StepRun, StepStatus,
    TriggerSource,
};
use hookline_store::{Acceptance, Accepted, Claim, Store};
use jsonata_core::evaluator::CancelToken;
use serde_json::{json, Map, Value};
use tokio_util::sync::CancellationToken;

use crate::catalog::Catalog;
use crate::components::{ActionContext, Outcome, StepFailure, StepOrigin};
use crate::credentials::Credentials;
use crate::journal::Journal;
use crate::mapping::{Limits, MappingErrorKind};
use crate::params::parameters;
use crate::plan::{Plan, PlannedInput, PlannedStep};
use crate::step_input::{build_input, StepScope};
use crate::validate::Problem;
use crate::EngineError;

/// How long past its own `timeoutMs` a step may take to stop and report
/// before the engine's guard cuts it off (a killed process's output, a
/// database taking a cancel).
const OWN_TIMEOUT_GRACE: Duration = Duration::from_secs(5);

/// How long the engine lets an action run: its configured per-step guard,
/// or longer when the step's own `timeoutMs` (HTTP Request, Database, Run
/// Command) asks for more, so the step's timeout, with its clearer message
/// and its output, is the one that ends it.
fn step_limit(guard: Duration, input: &Value) -> Duration {
    match input.get("timeoutMs").and_then(Value::as_u64) {
        Some(ms) => guard.max(Duration::from_millis(ms).saturating_add(OWN_TIMEOUT_GRACE)),
        None => guard,
    }
}

/// A published version's plan, as [`Engine::published_plan`] finds it.
#[derive(Debug)]
pub enum Published {
    Plan(Arc<Plan>),
    /// No such version is stored.
    Missing,
    /// It no longer compiles: a component changed since it was published.
    Invalid(Vec<Problem>),
}

/// Engine settings.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// Longest a single action may run before the step fails.
    pub step_timeout: Duration,
    /// Bounds on every mapping evaluation.
    pub limits: Limits,
    /// How long this process's claim on an unfinished execution holds
    /// without renewal; after that, another process may take it over.
    pub lease: Duration,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig { step_timeout: Duration::from_secs(300), limits: Limits::default(), lease: DEFAULT_LEASE }
    }
}

/// See [`EngineConfig::lease`]: long enough that a busy process renews in
/// time, short enough that a killed one's executions resume soon.
pub const DEFAULT_LEASE: Duration = Duration::from_secs(30);

/// How long a mapping may run on the executor's own thread before it moves
/// to a blocking thread (see `map_inputs`).
const INLINE_BUDGET: Duration = Duration::from_millis(2);

/// Events kept for a subscriber that falls behind; beyond it, it misses some
/// and reads the current state again.
const EVENT_BACKLOG: usize = 1024;

/// Most writes committed in one transaction.
const JOURNAL_BATCH: usize = 512;

/// What to run: a flow's published version (`version: Some`) or its draft.
#[derive(Debug, Clone)]
pub struct RunRequest {
    pub flow_id: String,
    pub version: Option<u32>,
    pub trigger: TriggerSource,
    /// The trigger's output.
    pub input: Value,
    /// The parameter values it runs with, checked by [`crate::params`]
    /// (defaults fill in whatever is missing).
    pub params: Map<String, Value>,
    /// The execution's id when the caller chose it (a Cells `TaskID`);
    /// otherwise one is generated.
    pub id: Option<String>,
    /// Keep `input` in the stored execution even though a hook request
    /// started it: the trigger added what the request alone does not give
    /// (resolved `Paths`), so rebuilding the input from the request would
    /// lose it.
    pub keep_input: bool,
    /// The execution this one runs again, when it is a replay.
    pub replay_of: Option<String>,
}

/// The executor, the catalog and a cache of compiled published versions.
pub struct Engine {
    catalog: Arc<Catalog>,
    pub(crate) store: Store,
    /// The runner emitted events start their flows on, once one is started.
    pub(crate) runner: crate::events::AttachedRunner,
    /// What Emit Event steps deliver through; set by whoever owns the engine.
    event_sink: std::sync::OnceLock<Arc<dyn crate::events::EventSink>>,
    /// What Write File and Run Command may use; set by whoever keeps the settings.
    local_access: std::sync::OnceLock<Arc<dyn crate::components::LocalAccessSource>>,
    journal: Journal,
    credentials: Arc<Credentials>,
    http: reqwest::Client,
    config: EngineConfig,
    plans: Mutex<HashMap<(String, u32), Arc<Plan>>>,
    events: tokio::sync::broadcast::Sender<CoreEvent>,
    running: Mutex<HashMap<String, CancellationToken>>,
    /// Names this process in the claims of the executions it runs.
    owner: String,
}

impl Engine {
    /// Creates the engine and starts its journal; call it inside a Tokio runtime.
    pub fn new(
        catalog: Arc<Catalog>,
        store: Store,
        credentials: Arc<Credentials>,
        http: reqwest::Client,
        config: EngineConfig,
    ) -> Engine {
        let journal = Journal::start(store.clone(), JOURNAL_BATCH);
        let (events, _) = tokio::sync::broadcast::channel(EVENT_BACKLOG);
        Engine {
            catalog,
            store,
            journal,
            credentials,
            http,
            config,
            plans: Mutex::default(),
            running: Mutex::default(),
            events,
            owner: crate::owner::new_owner(),
            runner: Default::default(),
            event_sink: Default::default(),
            local_access: Default::default(),
        }
    }

    /// A claim that is over as soon as it is made: an execution stored with
    /// it is left for any worker to take (see [`crate::Role::Intake`]).
    pub fn released_claim(&self) -> Claim {
        Claim { owner: self.owner.clone(), until: timestamp(SystemTime::now()) }
    }

    /// A claim for this process, holding for one lease from now.
    pub fn claim(&self) -> Claim {
        Claim { owner: self.owner.clone(), until: timestamp(SystemTime::now() + self.config.lease) }
    }

    /// How long a claim holds; renew well within it.
    pub fn lease(&self) -> Duration {
        self.config.lease
    }

    /// Extends the claims of every unfinished execution this process holds.
    pub async fn renew_claims(&self) -> Result<u64, EngineError> {
        let claim = self.claim();
        Ok(self.store.renew_claims(&claim.owner, &claim.until, &timestamp(SystemTime::now())).await?)
    }

    /// Takes over the unfinished executions whose claim has expired, or
    /// whose process is known to be gone (a process of this machine that no
    /// longer exists: a `kill -9`, a crash); returns their ids, oldest first.
    pub async fn claim_expired(&self, limit: u32) -> Result<Vec<String>, EngineError> {
        let now = timestamp(SystemTime::now());
        for owner in self.store.claim_owners(&now).await? {
            if owner != self.owner && crate::owner::is_gone(&owner) {
                let released = self.store.release_claims(&owner).await?;
                tracing::info!(%owner, released, "the process holding these executions is gone");
            }
        }
        let claim = self.claim();
        Ok(self.store.claim_expired(&claim.owner, &timestamp(SystemTime::now()), &claim.until, limit).await?)
    }

    /// Stores a new execution through the journal (the one write path of
    /// executions: hooks, manual runs and every later trigger), with the
    /// request's inbox entry and idempotency key when it came from a hook.
    /// `on_commit` runs as soon as it is committed, even if the caller has
    /// gone. Subscribers hear of a created execution once it is committed.
    // The request's parts travel separately because each caller has a
    // different subset (a schedule has no inbox entry or key).
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn store_new(
        &self,
        execution: &Execution,
        inbox: Option<InboxEntry>,
        idempotency_key: Option<String>,
        dedupe_since: String,
        chosen_id: bool,
        claim: Claim,
        on_commit: impl FnOnce(&Accepted) + Send + 'static,
    ) -> Result<Accepted, EngineError> {
        let acceptance =
            Acceptance { execution: execution.clone(), inbox, idempotency_key, dedupe_since, claim, chosen_id };
        let accepted = self.journal.accept(acceptance, on_commit).await?;
        if accepted == Accepted::Created {
            self.emit_execution(execution, None);
        }
        Ok(accepted)
    }

    /// Sets what Emit Event steps deliver through (the engine itself, as
    /// [`crate::events::EngineEvents`], in the product); without one they fail.
    pub fn set_event_sink(&self, sink: Arc<dyn crate::events::EventSink>) {
        let _ = self.event_sink.set(sink);
    }

    /// Sets where Write File and Run Command read the allowed folders and
    /// programs; without one they allow nothing.
    pub fn set_local_access(&self, source: Arc<dyn crate::components::LocalAccessSource>) {
        let _ = self.local_access.set(source);
    }

    fn local_access(&self) -> Arc<dyn crate::components::LocalAccessSource> {
        match self.local_access.get() {
            Some(source) => source.clone(),
            None => Arc::new(crate::components::NoLocalAccess),
        }
    }

    /// Events as executions progress (and whatever else is sent with [`Engine::emit`]).
    pub fn subscribe(&self) -> tokio::sync::broadcast::Receiver<CoreEvent> {
        self.events.subscribe()
    }

    /// Tells subscribers about a change; nobody listening is fine.
    pub fn emit(&self, event: CoreEvent) {
        let _ = self.events.send(event);
    }

    fn emit_execution(&self, execution: &Execution, step_id: Option<&str>) {
        self.emit(CoreEvent::ExecutionChanged {
            execution_id: execution.id.clone(),
            flow_id: execution.flow_id.clone(),
            status: execution.status,
            step_id: step_id.map(str::to_string),
        });
    }

    /// The vault, for hooks and steps that name a credential.
    pub fn credentials(&self) -> &Arc<Credentials> {
        &self.credentials
    }

    /// The journal every execution write goes through.
    pub fn journal(&self) -> &Journal {
        &self.journal
    }

    /// Bounds on every mapping evaluation.
    pub fn limits(&self) -> &Limits {
        &self.config.limits
    }

    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// Compiles a draft (not cached: drafts change).
    pub fn compile_draft(&self, document: FlowDocument) -> Result<Arc<Plan>, Vec<Problem>> {
        Plan::compile(document, &self.catalog).map(Arc::new)
    }

    /// Compiles a published version once; versions are immutable, so the plan
    /// (with its parsed expressions) is reused for every later execution.
    pub fn compile_version(
        &self,
        flow_id: &str,
        version: u32,
        document: FlowDocument,
    ) -> Result<Arc<Plan>, Vec<Problem>> {
        let key = (flow_id.to_string(), version);
        if let Some(plan) = self.plans.lock().expect("plan cache lock").get(&key) {
            return Ok(plan.clone());
        }
        let plan = Arc::new(Plan::compile(document, &self.catalog)?);
        self.plans.lock().expect("plan cache lock").insert(key, plan.clone());
        Ok(plan)
    }

    /// The plan of a published version: from the cache, else read from the
    /// store and compiled (then cached). Every path that runs a stored
    /// version (intake, events, schedules, replays) finds its plan here.
    pub async fn published_plan(&self, flow_id: &str, version: u32) -> Result<Published, EngineError> {
        if let Some(plan) = self.cached_version(flow_id, version) {
            return Ok(Published::Plan(plan));
        }
        let Some(document) = self.store.get_version(flow_id, version).await? else { return Ok(Published::Missing) };
        Ok(match self.compile_version(flow_id, version, document) {
            Ok(plan) => Published::Plan(plan),
            Err(problems) => Published::Invalid(problems),
        })
    }

    /// The flow's latest published version and its plan, as
    /// [`Engine::published_plan`] gives it; `None` when it was never published.
    pub async fn latest_plan(&self, flow_id: &str) -> Result<Option<(u32, Published)>, EngineError> {
        let Some((version, document)) = self.store.latest_version(flow_id).await? else { return Ok(None) };
        let plan = match self.compile_version(flow_id, version, document) {
            Ok(plan) => Published::Plan(plan),
            Err(problems) => Published::Invalid(problems),
        };
        Ok(Some((version, plan)))
    }

    /// A new execution of `request` in state `queued`, not yet stored.
    pub fn new_execution(request: &RunRequest) -> Execution {
        Self::into_execution(request.clone())
    }

    /// A new execution of `request` in state `queued`, not yet stored; the
    /// request's input moves into it.
    pub fn into_execution(request: RunRequest) -> Execution {
        Execution {
            id: request.id.unwrap_or_else(|| hookline_model::ids::generate(hookline_model::ids::EXECUTION_PREFIX)),
            flow_id: request.flow_id,
            version: request.version,
            trigger: request.trigger,
            status: ExecutionStatus::Queued,
            input: request.input,
            params: request.params,
            output: None,
            error: None,
            failed_step: None,
            reply: None,
            created_at: timestamp(SystemTime::now()),
            started_at: None,
            finished_at: None,
            duration_ms: None,
            steps: vec![],
            replay_of: request.replay_of,
        }
    }

    /// The compiled plan of a published version, if it was compiled before
    /// (no store read: for the hot path that checks before reading).
    pub fn cached_version(&self, flow_id: &str, version: u32) -> Option<Arc<Plan>> {
        self.plans.lock().expect("plan cache lock").get(&(flow_id.to_string(), version)).cloned()
    }

    /// Records a new execution in state `queued` (through the journal, as
    /// every execution is) and returns it.
    pub async fn enqueue(&self, request: &RunRequest) -> Result<Execution, EngineError> {
        let execution = Self::new_execution(request);
        self.store_new(&execution, None, None, String::new(), request.id.is_some(), self.claim(), |_| {}).await?;
        Ok(execution)
    }

    /// Records a new execution that begins with `done` step runs already
    /// finished (with their plan positions), and returns it ready to run: a
    /// replay from a failed step keeps the original's earlier steps instead
    /// of running them again. [`Engine::execute`] reuses them as it reuses
    /// the finished steps of a resumed execution.
    pub async fn enqueue_with_steps(
        &self,
        request: &RunRequest,
        done: Vec<(u32, StepRun)>,
    ) -> Result<Execution, EngineError> {
        let mut execution = Self::new_execution(request);
        self.store_new(&execution, None, None, String::new(), false, self.claim(), |_| {}).await?;
        for (seq, run) in &done {
            let mut stored = run.clone();
            // The trigger's output is the execution's input, kept once.
            if self.catalog.get(&run.component).is_some_and(|c| c.is_trigger()) {
                stored.output = None;
            }
            self.journal.step(&execution.id, *seq, stored)?;
        }
        execution.steps = done.into_iter().map(|(_, run)| run).collect();
        Ok(execution)
    }

    /// Whether this process is running the execution now.
    pub fn is_running(&self, execution_id: &str) -> bool {
        self.running.lock().expect("running lock").contains_key(execution_id)
    }

    /// One execution as the run log shows it: a hook's input built again from
    /// the request kept in its inbox entry (by the webhook trigger's one
    /// output function), and the trigger's step output filled with it.
    pub async fn load_execution(&self, id: &str) -> Result<Option<Execution>, EngineError> {
        let Some(stored) = self.store.get_execution(id).await? else { return Ok(None) };
        let mut execution = stored.execution;
        // A hook's input is rebuilt from its request, unless it was kept.
        if let Some(request) = stored.request.as_ref().filter(|_| execution.input.is_null()) {
            // The request was accepted, so its body decoded then. Should a
            // later decoder refuse it, it still shows, as text (with secret
            // headers masked, the safer side).
            execution.input = crate::webhook::output(request).unwrap_or_else(|_| crate::webhook::sample(request));
        }
        self.fill_trigger_output(&mut execution);
        Ok(Some(execution))
    }

    /// Gives the trigger's step run its output, which is the execution's input
    /// (kept once, not in the step run).
    fn fill_trigger_output(&self, execution: &mut Execution) {
        for run in &mut execution.steps {
            let is_trigger = self.catalog.get(&run.component).is_some_and(|c| c.is_trigger());
            if is_trigger && run.status == StepStatus::Succeeded && run.output.is_none() {
                run.output = Some(execution.input.clone());
            }
        }
    }

    /// Asks a running execution to stop; returns whether it was running here.
    pub fn cancel(&self, execution_id: &str) -> bool {
        match self.running.lock().expect("running lock").get(execution_id) {
            Some(token) => {
                token.cancel();
                true
            }
            None => false,
        }
    }

    /// Runs a queued execution to its end and records every step. `cancel`
    /// stops it between steps and interrupts waits inside a step.
    pub async fn execute(
        &self,
        plan: &Plan,
        execution: Execution,
        cancel: CancellationToken,
    ) -> Result<Execution, EngineError> {
        let mut execution = self.run(plan, execution, cancel).await?;
        self.fill_trigger_output(&mut execution);
        Ok(execution)
    }

    /// [`Engine::execute`] without the trigger's step output filled in: for
    /// queued runs nobody waits for (their record is in the store).
    pub(crate) async fn run(
        &self,
        plan: &Plan,
        mut execution: Execution,
        cancel: CancellationToken,
    ) -> Result<Execution, EngineError> {
        self.running.lock().expect("running lock").insert(execution.id.clone(), cancel.clone());
        let result = self.run_steps(plan, &mut execution, &cancel).await;
        self.running.lock().expect("running lock").remove(&execution.id);
        result?;
        Ok(execution)
    }

    async fn run_steps(
        &self,
        plan: &Plan,
        execution: &mut Execution,
        cancel: &CancellationToken,
    ) -> Result<(), EngineError> {
        execution.status = ExecutionStatus::Running;
        self.emit_execution(execution, None);
        let started_at = execution.started_at.get_or_insert_with(|| timestamp(SystemTime::now())).clone();
        // Recorded values win; defaults fill in parameters the execution has
        // no value for (one stored before values were recorded).
        let params = Arc::new(Value::Object(parameters(&plan.document, &execution.params)));
        let identity = Arc::new(json!({"id": execution.id, "flowId": execution.flow_id, "version": execution.version}));
        // The input moves into the scopes for the run and comes back at its end.
        let trigger = Arc::new(std::mem::take(&mut execution.input));
        // Each output is kept once and shared by the scopes of later steps.
        let mut outputs: HashMap<String, Arc<Value>> = HashMap::new();
        let mut active = vec![false; plan.steps.len()];

        // A resumed execution (recovered after a crash) keeps the steps that
        // already finished, with their outputs and branches, and runs the rest.
        // A step recorded as running had started, and may have acted, before
        // the process stopped: it runs again, marked as resumed.
        let mut interrupted = std::collections::HashSet::new();
        let recorded: HashMap<String, StepRun> = std::mem::take(&mut execution.steps)
            .into_iter()
            .filter(|run| {
                if run.status == StepStatus::Running {
                    interrupted.insert(run.step_id.clone());
                }
                matches!(run.status, StepStatus::Succeeded | StepStatus::Skipped)
            })
            .map(|run| (run.step_id.clone(), run))
            .collect();

        for (index, step) in plan.steps.iter().enumerate() {
            let seq = index as u32;
            if cancel.is_cancelled() {
                execution.status = ExecutionStatus::Cancelled;
                execution.error = Some(format!("cancelled before step {}", step.id));
                break;
            }
            if let Some(run) = recorded.get(&step.id) {
                if run.status == StepStatus::Succeeded {
                    let output = run.output.clone().unwrap_or(Value::Null);
                    outputs.insert(step.id.clone(), Arc::new(output.clone()));
                    execution.output = Some(output);
                    follow(step, run.branch, &mut active);
                }
                execution.steps.push(run.clone());
                continue;
            }
            if step.is_trigger {
                // The trigger's output is the execution's input: the run log
                // keeps it once (see `load_execution`), not again here.
                let run = step_run(
                    step,
                    StepStatus::Succeeded,
                    None,
                    None,
                    None,
                    Some(timestamp(SystemTime::now())),
                    Some(0),
                );
                self.journal.step(&execution.id, seq, run.clone())?;
                outputs.insert(step.id.clone(), trigger.clone());
                // Until an action produces one, the result is the trigger's
                // output, filled in at the end (see below).
                execution.output = None;
                follow(step, None, &mut active);
                execution.steps.push(run);
                continue;
            }
            if !active[index] {
                let run = step_run(step, StepStatus::Skipped, None, None, None, None, None);
                self.journal.step(&execution.id, seq, run.clone())?;
                execution.steps.push(run);
                continue;
            }

            let started_at = timestamp(SystemTime::now());
            let started = Instant::now();
            let credential = match plan.document.step(&step.id).and_then(|s| s.credential.as_deref()) {
                None => Ok(None),
                Some(name) => {
                    self.credentials.open(name).await.map(Some).map_err(|e| format!("credential {name:?}: {e}"))
                }
            };
            let resumed = interrupted.contains(&step.id);
            let mut attempts = Vec::new();
            let (input, result) = match (
                credential.clone(),
                self.map_inputs(step, scope(step, &trigger, &outputs, &params, &identity), cancel).await,
            ) {
                (_, Err(message)) | (Err(message), _) => (None, Err(StepFailure::new(message))),
                (Ok(credential), Ok(input)) => {
                    if self.has_side_effect(step, &input) {
                        // Recorded before acting, so a restart knows the step
                        // may have acted and sends it with the same key.
                        let mut starting = step_run(
                            step,
                            StepStatus::Running,
                            Some(input.clone()),
                            None,
                            None,
                            Some(started_at.clone()),
                            None,
                        );
                        starting.resumed = resumed;
                        self.journal.step_committed(&execution.id, seq, starting).await?;
                    }
                    let context = ActionContext {
                        http: self.http.clone(),
                        cancel: cancel.clone(),
                        credential,
                        credentials: self.credentials.clone(),
                        events: self.event_sink.get().cloned(),
                        origin: StepOrigin {
                            flow_id: execution.flow_id.clone(),
                            execution_id: Some(execution.id.clone()),
                            step_id: step.id.clone(),
                            event_depth: crate::events::depth_of(execution.trigger, &trigger),
                        },
                        local: self.local_access(),
                    };
                    let result = self.run_attempts(step, &input, &context, &mut attempts).await;
                    (Some(input), result)
                }
            };
            // A service may echo what it was sent (an error page quoting the
            // URL with its API key, a body repeating a header): the run log
            // keeps none of the credential's secrets.
            let secrets = match &credential {
                Ok(Some(credential)) => self.credentials.secrets_of(credential),
                _ => vec![],
            };
            let secret_refs: Vec<&str> = secrets.iter().map(String::as_str).collect();
            let result = match result {
                Ok(mut outcome) => {
                    hookline_vault::scrub_json(&mut outcome.output, &secret_refs);
                    Ok(outcome)
                }
                Err(mut failure) => {
                    failure.message = hookline_vault::scrub(&failure.message, &secret_refs);
                    if let Some(output) = failure.output.as_mut() {
                        hookline_vault::scrub_json(output, &secret_refs);
                    }
                    Err(failure)
                }
            };
            let duration = Some(started.elapsed().as_millis() as i64);
            let run = match result {
                Ok(Outcome { output, branch, reply }) => {
                    outputs.insert(step.id.clone(), Arc::new(output.clone()));
                    execution.output = Some(output.clone());
                    if reply.is_some() {
                        execution.reply = reply;
                    }
                    follow(step, branch, &mut active);
                    let mut run =
                        step_run(step, StepStatus::Succeeded, input, Some(output), None, Some(started_at), duration);
                    run.branch = branch;
                    run
                }
                Err(failure) if step.continue_on_error && !cancel.is_cancelled() => {
                    // The flow goes on; later steps read the failure as this
                    // step's output.
                    let output = json!({"error": {"message": failure.message, "output": failure.output}});
                    outputs.insert(step.id.clone(), Arc::new(output.clone()));
                    follow(step, None, &mut active);
                    step_run(
                        step,
                        StepStatus::Failed,
                        input,
                        Some(output),
                        Some(failure.message),
                        Some(started_at),
                        duration,
                    )
                }
                Err(mut failure) => {
                    if let Some(input) = &input {
                        let empty = empty_mapped_fields(step, input);
                        if !empty.is_empty() {
                            // The likely cause of a refusal, said where it is read.
                            failure.message = format!(
                                "{}; the mapped field{} {} yielded nothing for this run's data, so {} left out",
                                failure.message,
                                if empty.len() == 1 { "" } else { "s" },
                                empty.join(", "),
                                if empty.len() == 1 { "it was" } else { "they were" }
                            );
                        }
                    }
                    let status =
                        if cancel.is_cancelled() { ExecutionStatus::Cancelled } else { ExecutionStatus::Failed };
                    execution.status = status;
                    // A failed run has no result; the steps keep what they produced.
                    execution.output = None;
                    execution.failed_step = Some(step.id.clone());
                    execution.error = Some(format!("step {} ({}): {}", step.id, step.name, failure.message));
                    let step_status =
                        if status == ExecutionStatus::Cancelled { StepStatus::Cancelled } else { StepStatus::Failed };
                    step_run(
                        step,
                        step_status,
                        input,
                        failure.output,
                        Some(failure.message),
                        Some(started_at),
                        duration,
                    )
                }
            };
            let mut run = run;
            run.attempts = attempts;
            run.resumed = resumed;
            self.journal.step(&execution.id, seq, run.clone())?;
            execution.steps.push(run);
            self.emit_execution(execution, Some(&step.id));
            if execution.status != ExecutionStatus::Running {
                break;
            }
        }
        if execution.status == ExecutionStatus::Running {
            execution.status = ExecutionStatus::Succeeded;
            if execution.output.is_none() {
                execution.output = Some((*trigger).clone());
            }
        }
        drop(outputs);
        execution.input = Arc::try_unwrap(trigger).unwrap_or_else(|shared| (*shared).clone());
        let finished = SystemTime::now();
        execution.finished_at = Some(timestamp(finished));
        execution.duration_ms = hookline_model::millis_since(&started_at, finished);
        // The outcome row has no use for the step runs or the input: leave
        // them out of the copy.
        let finished = self.journal.finish(execution.shallow()).await;
        finished?;
        // Told only once committed, so a subscriber that reads it back sees it.
        self.emit_execution(execution, None);
        self.start_error_handler(plan, execution).await;
        Ok(())
    }

    /// Builds a step's input from its literal values and expressions. Evaluation
    /// runs on a blocking thread (it is CPU work with its own time limit), and
    /// a cancelled execution interrupts it.
    pub(crate) async fn map_inputs(
        &self,
        step: &PlannedStep,
        scope: StepScope,
        cancel: &CancellationToken,
    ) -> Result<Value, String> {
        let inputs = step.inputs.clone();
        if inputs.iter().all(|(_, input)| matches!(input, PlannedInput::Value(_))) {
            return build_input(&inputs, |_| unreachable!("only literal values"));
        }
        let limits = self.config.limits.clone();

        // Fast path: almost every mapping takes microseconds, and evaluating it
        // right here saves a hop to a blocking thread per step (it was the
        // largest cost of a webhook under load, see BENCHMARKS.md). A mapping
        // still running after INLINE_BUDGET is abandoned and evaluated again
        // from the start on a blocking thread with the full limits: expressions
        // have no side effects, so evaluating twice changes nothing.
        let mut overran = false;
        let quick = {
            let budget = Limits { timeout: INLINE_BUDGET.min(limits.timeout), ..limits.clone() };
            let mut mapper = scope.mapper(&budget, None);
            build_input(&inputs, |expression| {
                mapper.evaluate(expression).map_err(|e| {
                    overran |= e.kind == MappingErrorKind::Timeout;
                    e.to_string()
                })
            })
        };
        if !overran || limits.timeout <= INLINE_BUDGET {
            return quick;
        }

        let token = CancelToken::new();
        let watcher = {
            let token = token.clone();
            let cancel = cancel.clone();
            tokio::spawn(async move {
                cancel.cancelled().await;
                token.cancel();
            })
        };
        let mapped = tokio::task::spawn_blocking(move || {
            let mut mapper = scope.mapper(&limits, Some(token));
            build_input(&inputs, |expression| mapper.evaluate(expression).map_err(|e| e.to_string()))
        })
        .await;
        watcher.abort();
        mapped.unwrap_or_else(|e| Err(format!("mapping stopped unexpectedly: {e}")))
    }

    /// Runs one action of `document` once, outside any execution, with its
    /// input mapped from `scope`: how a step's output is retrieved as a sample
    /// (M5.2). Nothing is recorded in the run log; secrets of the step's
    /// credential are scrubbed from the output as in a run. Returns the mapped
    /// input and the output, or why the step did not run or failed. A step
    /// whose input would change something outside Hookline (an HTTP POST)
    /// runs only when `confirmed`.
    pub async fn run_step_once(
        &self,
        document: &FlowDocument,
        step_id: &str,
        scope: StepScope,
        confirmed: bool,
        cancel: &CancellationToken,
    ) -> Result<(Value, Value), RunOnceError> {
        let step = document.step(step_id).ok_or_else(|| format!("no step {step_id}"))?;
        let component =
            self.catalog.get(&step.component).ok_or_else(|| format!("unknown component {:?}", step.component))?;
        if component.is_trigger() {
            return Err(format!("{step_id} is the trigger; its sample is captured, added or generated, not run").into());
        }
        let inputs = crate::plan::planned_inputs(step)
            .map_err(|(field, error)| format!("input {field}: invalid expression: {error}"))?;
        let planned = PlannedStep {
            id: step.id.clone(),
            name: step.name.clone(),
            component: step.component.clone(),
            is_trigger: false,
            inputs,
            next: vec![],
            input_validator: component.step_input_validator(&step.fields),
            reads_steps: None,
            // A sample run is one attempt; the user sees its failure at once.
            retry: None,
            continue_on_error: false,
        };
        let input = self.map_inputs(&planned, scope, cancel).await?;
        if !confirmed {
            let action = component.action.as_ref().expect("actions have an implementation");
            if let Some(effect) = action.side_effect(&input) {
                return Err(RunOnceError::NeedsConfirmation(effect));
            }
        }
        let credential = match step.credential.as_deref() {
            None => None,
            Some(name) => Some(self.credentials.open(name).await.map_err(|e| format!("credential {name:?}: {e}"))?),
        };
        let secrets = credential.as_ref().map(|c| self.credentials.secrets_of(c)).unwrap_or_default();
        let secret_refs: Vec<&str> = secrets.iter().map(String::as_str).collect();
        // A sample run belongs to no execution: an event it emits starts
        // the listening flows as a first hop.
        let context = ActionContext {
            http: self.http.clone(),
            cancel: cancel.clone(),
            credential,
            credentials: self.credentials.clone(),
            events: self.event_sink.get().cloned(),
            origin: StepOrigin {
                flow_id: document.id.clone().unwrap_or_default(),
                execution_id: None,
                step_id: step.id.clone(),
                event_depth: 0,
            },
            local: self.local_access(),
        };
        match self.run_action(&planned, input.clone(), &context).await {
            Ok(mut outcome) => {
                hookline_vault::scrub_json(&mut outcome.output, &secret_refs);
                Ok((input, outcome.output))
            }
            Err(failure) => Err(hookline_vault::scrub(&failure.message, &secret_refs).into()),
        }
    }

    /// Whether running the step's action with this input may change
    /// something outside Hookline (an HTTP POST).
    fn has_side_effect(&self, step: &PlannedStep, input: &Value) -> bool {
        self.catalog
            .get(&step.component)
            .and_then(|component| component.action.as_ref())
            .is_some_and(|action| action.side_effect(input).is_some())
    }

    /// Runs the action as often as its retry policy allows. Every attempt of
    /// a step tried more than once goes into `attempts`; a step tried once
    /// leaves it empty (its step run says it all). Waits between attempts
    /// end early when the execution is cancelled.
    async fn run_attempts(
        &self,
        step: &PlannedStep,
        input: &Value,
        context: &ActionContext,
        attempts: &mut Vec<Attempt>,
    ) -> Result<Outcome, StepFailure> {
        let mut number = 1;
        loop {
            let started_at = timestamp(SystemTime::now());
            let started = Instant::now();
            let result = self.run_action(step, input.clone(), context).await;
            let Some(policy) = &step.retry else { return result };
            let duration_ms = started.elapsed().as_millis() as i64;
            let mut attempt = Attempt { started_at, duration_ms, error: None, waited_ms: None };
            let failure = match result {
                Ok(outcome) => {
                    if !attempts.is_empty() {
                        attempts.push(attempt);
                    }
                    return Ok(outcome);
                }
                Err(failure) => failure,
            };
            attempt.error = Some(failure.message.clone());
            let wait = match crate::retry::next(policy, number, failure.kind, fastrand::f64()) {
                _ if context.cancel.is_cancelled() => None,
                crate::retry::Next::RetryAfter(wait) => Some(wait),
                crate::retry::Next::GiveUp(reason) => {
                    if !attempts.is_empty() {
                        attempts.push(attempt);
                    }
                    return Err(match reason {
                        Some(reason) => StepFailure { message: format!("{}; {reason}", failure.message), ..failure },
                        None if number > 1 => {
                            StepFailure { message: format!("{} (after {number} attempts)", failure.message), ..failure }
                        }
                        None => failure,
                    });
                }
            };
            let Some(wait) = wait else {
                attempts.push(attempt);
                return Err(failure);
            };
            attempt.waited_ms = Some(wait.as_millis() as i64);
            attempts.push(attempt);
            tracing::info!(
                execution = ?context.origin.execution_id,
                step = %step.id,
                attempt = number,
                wait_ms = wait.as_millis() as u64,
                error = %failure.message,
                "a step failed and is tried again"
            );
            tokio::select! {
                () = tokio::time::sleep(wait) => {}
                () = context.cancel.cancelled() => return Err(failure),
            }
            number += 1;
        }
    }

    async fn run_action(
        &self,
        step: &PlannedStep,
        input: Value,
        context: &ActionContext,
    ) -> Result<Outcome, StepFailure> {
        let component = self.catalog.get(&step.component).expect("plans only hold catalog components");
        let problems = component.check_input(step.input_validator.as_deref(), &input);
        if let Some((path, message)) = problems.first() {
            let field = path.trim_start_matches('.');
            let at = if field.is_empty() { String::from("input") } else { format!("input {field}") };
            return Err(StepFailure::new(format!("{at}: {message}")));
        }
        let action = component.action.as_ref().expect("actions have an implementation");
        let limit = step_limit(self.config.step_timeout, &input);
        match tokio::time::timeout(limit, action.run(input, context)).await {
            Ok(result) => result,
            Err(_) => Err(StepFailure::new(format!("timed out after {} ms", limit.as_millis()))
                .with_kind(crate::components::FailureKind::Timeout)),
        }
    }
}

/// The scope of one step: shared values, and of earlier outputs only those
/// the step's expressions can read (all of them when an expression reads
/// `$steps` as a whole).
fn scope(
    step: &PlannedStep,
    trigger: &Arc<Value>,
    outputs: &HashMap<String, Arc<Value>>,
    params: &Arc<Value>,
    identity: &Arc<Value>,
) -> StepScope {
    let steps = match &step.reads_steps {
        Some(read) => read.iter().filter_map(|id| Some((id.clone(), outputs.get(id)?.clone()))).collect(),
        None => outputs.iter().map(|(id, output)| (id.clone(), output.clone())).collect(),
    };
    StepScope { trigger: trigger.clone(), steps, params: params.clone(), execution: identity.clone() }
}

/// The expression-mapped fields of `step` that are absent from the input it
/// was given (their expression yielded nothing), by dotted name.
fn empty_mapped_fields(step: &PlannedStep, input: &Value) -> Vec<String> {
    step.inputs
        .iter()
        .filter(|(_, planned)| matches!(planned, PlannedInput::Expr(_)))
        .filter(|(path, _)| path.iter().try_fold(input, |value, key| value.get(key)).is_none())
        .map(|(path, _)| path.join("."))
        .collect()
}

/// Marks the steps an edge leads to as reachable, following only the edges
/// whose `when` matches the branch a branching step chose.
fn follow(step: &PlannedStep, branch: Option<bool>, active: &mut [bool]) {
    for &(to, when) in &step.next {
        if when.is_none() || when == branch {
            active[to] = true;
        }
    }
}

fn step_run(
    step: &PlannedStep,
    status: StepStatus,
    input: Option<Value>,
    output: Option<Value>,
    error: Option<String>,
    started_at: Option<String>,
    duration_ms: Option<i64>,
) -> StepRun {
    StepRun {
        branch: None,
        step_id: step.id.clone(),
        name: step.name.clone(),
        component: step.component.clone(),
        status,
        input,
        output,
        error,
        started_at,
        duration_ms,
        attempts: vec![],
        resumed: false,
    }
}

/// Why [`Engine::run_step_once`] produced no output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunOnceError {
    /// Running the step with its input would do this outside Hookline
    /// (`send a POST request to …`); it runs only when confirmed.
    NeedsConfirmation(String),
    /// The step could not run, or failed: the reason, secrets scrubbed.
    Failed(String),
}

impl From<String> for RunOnceError {
    fn from(message: String) -> RunOnceError {
        RunOnceError::Failed(message)
    }
}
