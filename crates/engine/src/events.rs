//! Custom Events: a started flow whose live version has an Event trigger
//! runs whenever its event is emitted, by an Emit Event step of another flow
//! or by `POST /events/{name}` on the listener.
//!
//! Emitting is durable: the executions it starts are committed (through the
//! journal, like a hook's) before the emitting step or request succeeds. An
//! emitting step that runs again after a crash starts nothing twice: each
//! started run is keyed by the emitting execution and step. Flows that emit
//! each other's events are stopped at [`MAX_EVENT_DEPTH`] hops.

use std::sync::{Arc, OnceLock, Weak};
use std::time::SystemTime;

use async_trait::async_trait;
use hookline_model::{timestamp, TriggerSource};
use hookline_store::Accepted;
use serde_json::{json, Map, Value};

use crate::executor::{Engine, Published, RunRequest};
use crate::plan::Plan;
use crate::runner::{AcceptError, Acceptation, Runner, RunnerConfig};
use crate::EngineError;

/// Most hops of a chain of events (an event started by a flow started by an
/// event…); one more is refused, so a loop of flows stops instead of
/// running forever.
pub const MAX_EVENT_DEPTH: u32 = 8;

/// One event to deliver.
#[derive(Debug, Clone)]
pub struct Emission {
    pub name: String,
    pub payload: Value,
    /// Who emitted it (`{"source": "flow", "flowId", "executionId",
    /// "stepId"}` or `{"source": "listener"}`); `depth` is added.
    pub emitted_by: Map<String, Value>,
    /// Hops so far: 1 for an event emitted by a flow no event started, or
    /// by the listener.
    pub depth: u32,
    /// Identifies this emission, so a repeat (an emitting step run again
    /// after a crash, a client retrying with an `Idempotency-Key`) starts
    /// nothing new.
    pub key: Option<String>,
}

/// Why an event was not delivered.
#[derive(Debug, thiserror::Error)]
pub enum EmitError {
    #[error(
        "event {name:?} was not emitted: it would be hop {depth} of a chain of events, over the limit of {MAX_EVENT_DEPTH} (flows that emit each other's events loop)"
    )]
    TooDeep { name: String, depth: u32 },
    #[error("event {0:?} was not emitted: the execution queue is full; try again shortly")]
    Overloaded(String),
    #[error("events cannot start flows here")]
    Unavailable,
    #[error(transparent)]
    Engine(#[from] EngineError),
}

/// Delivers events: what an Emit Event step is given to start flows with.
#[async_trait]
pub trait EventSink: Send + Sync {
    /// Starts every listening flow; returns the started executions' ids.
    async fn emit(&self, emission: Emission) -> Result<Vec<String>, EmitError>;
}

/// The engine as an [`EventSink`], held weakly so the engine's own steps
/// can reach it without keeping it alive.
pub struct EngineEvents(pub Weak<Engine>);

#[async_trait]
impl EventSink for EngineEvents {
    async fn emit(&self, emission: Emission) -> Result<Vec<String>, EmitError> {
        let engine = self.0.upgrade().ok_or(EmitError::Unavailable)?;
        engine.emit_event(emission).await
    }
}

/// The runner an engine starts emitted executions on, once one is started.
#[derive(Default)]
pub(crate) struct AttachedRunner(OnceLock<Weak<Runner>>);

impl AttachedRunner {
    pub(crate) fn attach(&self, runner: &Arc<Runner>) {
        let _ = self.0.set(Arc::downgrade(runner));
    }

    fn get(&self) -> Option<Arc<Runner>> {
        self.0.get().and_then(Weak::upgrade)
    }
}

/// The trigger output of an event: `{name, payload, emittedBy}`.
pub fn event_output(emission: &Emission) -> Value {
    let mut emitted_by = emission.emitted_by.clone();
    emitted_by.insert("depth".into(), json!(emission.depth));
    json!({"name": emission.name, "payload": emission.payload, "emittedBy": emitted_by})
}

/// How many events deep an execution is: the depth its Event trigger's
/// output records, 0 for a run no event started.
pub fn depth_of(trigger: TriggerSource, input: &Value) -> u32 {
    match trigger {
        TriggerSource::Event => {
            input.pointer("/emittedBy/depth").and_then(Value::as_u64).map_or(1, |d| d.min(u64::from(u32::MAX)) as u32)
        }
        _ => 0,
    }
}

impl Engine {
    /// Starts every started flow listening to the event and returns the
    /// executions' ids once they are committed. With a runner in this
    /// process they run here; without one (a `hookline run` from the
    /// command line) they stay queued for the process that serves hooks.
    pub async fn emit_event(&self, emission: Emission) -> Result<Vec<String>, EmitError> {
        if emission.depth > MAX_EVENT_DEPTH {
            return Err(EmitError::TooDeep { name: emission.name, depth: emission.depth });
        }
        let input = event_output(&emission);
        let mut starts = Vec::new();
        for (flow_id, version, plan) in self.event_listeners(&emission.name).await? {
            let params = match crate::params::flow_params(&plan.document, &Map::new()) {
                Ok(params) => params,
                Err(error) => {
                    tracing::warn!(flow_id = %flow_id, event = %emission.name, %error, "a flow listening to an event cannot start");
                    continue;
                }
            };
            let request = RunRequest {
                flow_id,
                version: Some(version),
                trigger: TriggerSource::Event,
                input: input.clone(),
                params,
                id: None,
                keep_input: false,
                replay_of: None,
            };
            let (name, key) = (emission.name.clone(), emission.key.clone());
            starts
                .push(async move { self.start_detached(plan, request, key).await?.ok_or(EmitError::Overloaded(name)) });
        }
        // All at once: the listeners' executions share the journal's commit.
        futures_util::future::try_join_all(starts).await
    }

    /// Stores an execution another one started (an event's listener, an
    /// error handler) and returns its id: the original's when `key` was seen
    /// before, `None` when the run queue is full. With a runner in this
    /// process it runs here; without one (`hookline run` on the command
    /// line) it stays queued for the process that serves hooks.
    pub(crate) async fn start_detached(
        &self,
        plan: Arc<Plan>,
        request: RunRequest,
        key: Option<String>,
    ) -> Result<Option<String>, EngineError> {
        match self.runner.get() {
            // The runner counts it against its queue like a hook's.
            Some(runner) => match runner.accept(plan, request, None, key, false).await {
                Ok(Acceptation::Started(id, _) | Acceptation::Duplicate(id) | Acceptation::IdTaken(id)) => Ok(Some(id)),
                Err(AcceptError::Overloaded(_)) => Ok(None),
                Err(AcceptError::Store(error)) => Err(error),
            },
            None => {
                let execution = Engine::into_execution(request);
                let window = RunnerConfig::default().dedupe_window;
                let since = SystemTime::now().checked_sub(window).unwrap_or(SystemTime::UNIX_EPOCH);
                Ok(Some(
                    match self.store_new(&execution, None, key, timestamp(since), false, self.claim(), |_| {}).await? {
                        Accepted::Duplicate(original) => original,
                        Accepted::Created | Accepted::IdTaken => execution.id,
                    },
                ))
            }
        }
    }

    /// The started flows whose live version's Event trigger names `name`,
    /// with that version and its plan.
    async fn event_listeners(&self, name: &str) -> Result<Vec<(String, u32, Arc<Plan>)>, EngineError> {
        let mut listeners = Vec::new();
        for live in self.store.live_versions().await? {
            // A version that is gone or no longer compiles cannot listen.
            let Published::Plan(plan) = self.published_plan(&live.flow_id, live.version).await? else { continue };
            if plan.trigger.event().is_some_and(|settings| settings.name == name) {
                listeners.push((live.flow_id, live.version, plan));
            }
        }
        Ok(listeners)
    }
}
