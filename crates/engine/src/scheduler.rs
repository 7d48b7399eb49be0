//! The scheduler: fires every started flow whose live (latest published)
//! version starts with a Schedule trigger, at the times the trigger names.
//!
//! Each fire claims its slot in the store before the run is accepted, so of
//! all the processes sharing a database (the desktop app, `hookline serve`)
//! exactly one runs a slot. Runs start through [`Runner::accept`], the same
//! durable path a hook request takes, with the trigger's output
//! `{firedAt, scheduledFor}` as input.
//!
//! Time comes from a [`Clock`] passed in: [`SystemClock`] in the product,
//! [`ManualClock`] in tests, which move time instead of waiting for it.
//!
//! A fire is on time while it is at most [`SchedulerConfig::grace`] late;
//! an older one was missed (nothing ran, or the machine slept), and the
//! trigger's `missed` policy decides: `skip` drops missed fires, `run_once`
//! runs the most recent of them once. After a restart, fires are missed
//! from the flow's newest fired slot (or its version's publication) on; a
//! flow started or published while the scheduler runs starts fresh.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use hookline_model::{timestamp, CoreEvent, TriggerSource};
use hookline_store::{LiveVersion, Store};
use serde_json::Map;
use tokio::sync::{broadcast, watch};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::components::schedule::{self, Missed, ScheduleSettings};
use crate::executor::{Engine, Published, RunRequest};
use crate::plan::Plan;
use crate::runner::{AcceptError, Acceptation, Runner};
use crate::EngineError;

/// Where the scheduler reads the time and waits for it.
#[async_trait]
pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;

    /// Returns once [`Clock::now`] has reached `at`; at once when it has.
    async fn sleep_until(&self, at: DateTime<Utc>);
}

/// The system's clock, waited on with Tokio's timer.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

#[async_trait]
impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }

    async fn sleep_until(&self, at: DateTime<Utc>) {
        // Tokio's timer follows the monotonic clock; should the wall clock
        // be set meanwhile, the scheduler's regular reload wakes it within
        // a second, and it reads the time again.
        if let Ok(wait) = (at - Utc::now()).to_std() {
            tokio::time::sleep(wait).await;
        }
    }
}

/// A clock that moves only when told to: tests set the time instead of
/// waiting for it.
#[derive(Debug)]
pub struct ManualClock {
    now: watch::Sender<DateTime<Utc>>,
}

impl ManualClock {
    pub fn new(now: DateTime<Utc>) -> Arc<ManualClock> {
        Arc::new(ManualClock { now: watch::Sender::new(now) })
    }

    /// Sets the time, waking whoever sleeps until it.
    pub fn set(&self, now: DateTime<Utc>) {
        self.now.send_replace(now);
    }

    /// Moves the time on by `by`.
    pub fn advance(&self, by: chrono::Duration) {
        self.now.send_modify(|now| *now += by);
    }
}

#[async_trait]
impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.now.borrow()
    }

    async fn sleep_until(&self, at: DateTime<Utc>) {
        let mut now = self.now.subscribe();
        // The sender lives as long as the clock, so this only ends when the
        // time has come.
        let _ = now.wait_for(|now| *now >= at).await;
    }
}

/// How the scheduler treats late fires and how often it looks for changes.
#[derive(Debug, Clone)]
pub struct SchedulerConfig {
    /// How late a fire may be and still run as usual. Later than that it
    /// was missed, and the trigger's `missed` policy applies.
    pub grace: Duration,
    /// How often the started flows are read again. A change made in this
    /// process (the designer publishing, starting or stopping a flow) is
    /// seen at once through its [`CoreEvent::FlowChanged`]; another process
    /// (`hookline flows start` beside `hookline serve`) sends no events, so
    /// the store is asked as well. Asking is one small indexed query that
    /// reads documents only for versions not seen before, so every second
    /// costs next to nothing and a start from the command line takes effect
    /// within a second.
    pub reload_every: Duration,
}

impl Default for SchedulerConfig {
    fn default() -> Self {
        SchedulerConfig { grace: Duration::from_secs(10), reload_every: Duration::from_secs(1) }
    }
}

/// How far a running scheduler has got: tests wait on it instead of
/// sleeping.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Progress {
    /// The clock's time at the end of the latest pass: every fire due by
    /// then has been handled (fired, found fired by another process, or
    /// missed).
    pub handled_until: Option<DateTime<Utc>>,
    /// How many times the started flows were read.
    pub reloads: u64,
}

/// A running scheduler; it stops when the token given to
/// [`Scheduler::start`] fires.
#[derive(Debug, Clone)]
pub struct SchedulerHandle {
    progress: watch::Receiver<Progress>,
}

impl SchedulerHandle {
    /// Where the scheduler has got to now.
    pub fn progress(&self) -> Progress {
        self.progress.borrow().clone()
    }

    /// Waits until a pass has handled every fire due by `at`.
    pub async fn handled(&self, at: DateTime<Utc>) {
        let mut progress = self.progress.clone();
        let _ = progress.wait_for(|p| p.handled_until.is_some_and(|until| until >= at)).await;
    }

    /// Waits until the started flows have been read more than `reloads` times.
    pub async fn reloaded_after(&self, reloads: u64) {
        let mut progress = self.progress.clone();
        let _ = progress.wait_for(|p| p.reloads > reloads).await;
    }
}

/// A schedule flow the scheduler fires.
struct Watched {
    version: u32,
    plan: Arc<Plan>,
    settings: ScheduleSettings,
    /// Every fire up to this instant has been handled.
    handled: DateTime<Utc>,
    /// The first fire after `handled`; `None` once an `at` has fired.
    next: Option<DateTime<Utc>>,
}

/// What the scheduler knows of the started flows.
#[derive(Default)]
struct Watches {
    scheduled: HashMap<String, Watched>,
    /// Started flows whose live version has another trigger (or does not
    /// compile), by the version seen: their documents are not read again.
    others: HashMap<String, u32>,
}

/// One fire to make: a flow's slot.
struct Fire {
    flow_id: String,
    version: u32,
    plan: Arc<Plan>,
    slot: DateTime<Utc>,
}

/// Fires the started schedule flows. Create it inside a Tokio runtime.
pub struct Scheduler {
    engine: Arc<Engine>,
    store: Store,
    runner: Arc<Runner>,
    clock: Arc<dyn Clock>,
    config: SchedulerConfig,
}

impl Scheduler {
    pub fn new(
        engine: Arc<Engine>,
        store: Store,
        runner: Arc<Runner>,
        clock: Arc<dyn Clock>,
        config: SchedulerConfig,
    ) -> Scheduler {
        Scheduler { engine, store, runner, clock, config }
    }

    /// Starts firing in a task of its own until `stop` fires.
    pub fn start(self, stop: CancellationToken) -> SchedulerHandle {
        let (progress, receiver) = watch::channel(Progress::default());
        // Subscribed before the task starts, so no change made after `start`
        // returns goes unseen.
        let events = self.engine.subscribe();
        tokio::spawn(Arc::new(self).run(events, progress, stop));
        SchedulerHandle { progress: receiver }
    }

    async fn run(
        self: Arc<Self>,
        mut events: broadcast::Receiver<CoreEvent>,
        progress: watch::Sender<Progress>,
        stop: CancellationToken,
    ) {
        let mut watches = Watches::default();
        let reload_every = chrono::Duration::from_std(self.config.reload_every).unwrap_or(chrono::Duration::seconds(1));
        let mut booting = true;
        let mut reload = true;
        let mut next_reload = self.clock.now();
        loop {
            let now = self.clock.now();
            if reload || now >= next_reload {
                match self.reload(&mut watches, now, booting).await {
                    Ok(()) => booting = false,
                    Err(error) => tracing::warn!(%error, "could not read the started flows; trying again shortly"),
                }
                reload = false;
                next_reload = now + reload_every;
                progress.send_modify(|p| p.reloads += 1);
            }
            self.fire_due(&mut watches, now).await;
            progress.send_modify(|p| p.handled_until = Some(now));

            let wake = watches.scheduled.values().filter_map(|w| w.next).fold(next_reload, std::cmp::min);
            loop {
                tokio::select! {
                    biased;
                    () = stop.cancelled() => return,
                    event = events.recv() => match event {
                        Ok(CoreEvent::FlowChanged { .. }) | Err(broadcast::error::RecvError::Lagged(_)) => {
                            reload = true;
                            break;
                        }
                        // Executions progressing change no schedule.
                        Ok(_) => {}
                        // The engine is gone: so is anything to fire.
                        Err(broadcast::error::RecvError::Closed) => return,
                    },
                    () = self.clock.sleep_until(wake) => break,
                }
            }
        }
    }

    /// Reads the started flows again: watches new schedule flows and new
    /// versions, and forgets flows that were stopped, deleted or given
    /// another trigger. At boot, a new watch goes on from the flow's newest
    /// fired slot, so fires missed while nothing ran are seen as missed.
    async fn reload(&self, watches: &mut Watches, now: DateTime<Utc>, booting: bool) -> Result<(), EngineError> {
        let live = self.store.live_versions().await?;
        let started: HashSet<&str> = live.iter().map(|l| l.flow_id.as_str()).collect();
        watches.scheduled.retain(|id, _| started.contains(id.as_str()));
        watches.others.retain(|id, _| started.contains(id.as_str()));
        for LiveVersion { flow_id, version, published_at } in &live {
            let known = watches.scheduled.get(flow_id).map(|w| w.version).or(watches.others.get(flow_id).copied());
            if known == Some(*version) {
                continue;
            }
            let Some((plan, settings)) = self.schedule_of(flow_id, *version).await? else {
                watches.scheduled.remove(flow_id);
                watches.others.insert(flow_id.clone(), *version);
                continue;
            };
            watches.others.remove(flow_id);
            let handled = match watches.scheduled.get(flow_id) {
                // A new version goes on from where the one before was.
                Some(watched) => watched.handled,
                None if booting => self.resume_point(flow_id, published_at, now).await?,
                None => now,
            };
            let next = settings.next_after(handled);
            tracing::info!(
                flow_id = %flow_id,
                version,
                next = ?next.map(|n| settings.local_text(n)),
                "firing a schedule"
            );
            watches.scheduled.insert(flow_id.clone(), Watched { version: *version, plan, settings, handled, next });
        }
        Ok(())
    }

    /// The plan and schedule of a published version; `None` when its
    /// trigger is not a schedule, or it no longer compiles.
    async fn schedule_of(
        &self,
        flow_id: &str,
        version: u32,
    ) -> Result<Option<(Arc<Plan>, ScheduleSettings)>, EngineError> {
        let plan = match self.engine.published_plan(flow_id, version).await? {
            Published::Plan(plan) => plan,
            Published::Missing => return Ok(None),
            Published::Invalid(problems) => {
                tracing::error!(flow_id, version, problem = %problems[0], "a published version no longer compiles; its schedule does not fire");
                return Ok(None);
            }
        };
        let settings = plan.trigger.schedule().cloned();
        Ok(settings.map(|settings| (plan, settings)))
    }

    /// Where a flow's schedule picks up after a restart: its newest fired
    /// slot, or when its version was published if that is later (a fire of
    /// the version cannot be due before it exists); never after `now`.
    async fn resume_point(
        &self,
        flow_id: &str,
        published_at: &str,
        now: DateTime<Utc>,
    ) -> Result<DateTime<Utc>, EngineError> {
        let last = self.store.last_schedule_fire(flow_id).await?;
        let read = |text: &str| DateTime::parse_from_rfc3339(text).ok().map(|t| t.with_timezone(&Utc));
        let from = [last.as_deref().and_then(read), read(published_at)].into_iter().flatten().max();
        Ok(from.unwrap_or(now).min(now))
    }

    /// Fires every slot due by `now`: on-time slots each, missed ones as
    /// their flow's policy says. Fires of different flows go together, so
    /// their claims and accepts share the writer's commits.
    async fn fire_due(self: &Arc<Self>, watches: &mut Watches, now: DateTime<Utc>) {
        let grace = chrono::Duration::from_std(self.config.grace).unwrap_or(chrono::Duration::zero());
        let cutoff = now - grace;
        let mut fires = Vec::new();
        for (flow_id, watched) in &mut watches.scheduled {
            let Some(next) = watched.next.filter(|next| *next <= now) else { continue };
            let fire =
                |slot| Fire { flow_id: flow_id.clone(), version: watched.version, plan: watched.plan.clone(), slot };
            let mut on_time_after = watched.handled;
            if next <= cutoff {
                match watched.settings.missed {
                    Missed::RunOnce => {
                        if let Some(slot) = watched.settings.latest_fire_between(watched.handled, cutoff) {
                            tracing::info!(flow_id = %flow_id, slot = %timestamp(slot.into()), "running the most recent missed fire once");
                            fires.push(fire(slot));
                        }
                    }
                    Missed::Skip => tracing::info!(
                        flow_id = %flow_id,
                        from = %timestamp(next.into()),
                        "skipping fires missed while the scheduler was not running"
                    ),
                }
                on_time_after = cutoff;
            }
            let mut cursor = on_time_after;
            while let Some(slot) = watched.settings.next_after(cursor).filter(|slot| *slot <= now) {
                fires.push(fire(slot));
                cursor = slot;
            }
            watched.handled = now;
            watched.next = watched.settings.next_after(now);
        }
        let mut running = JoinSet::new();
        for fire in fires {
            let scheduler = self.clone();
            running.spawn(async move { scheduler.fire(fire).await });
        }
        while running.join_next().await.is_some() {}
    }

    /// Claims one slot and, when this process won it, starts its run.
    async fn fire(&self, fire: Fire) {
        let Fire { flow_id, version, plan, slot } = fire;
        let fired_at = self.clock.now();
        let slot_text = timestamp(slot.into());
        match self.store.claim_schedule_fire(&flow_id, &slot_text, &timestamp(fired_at.into())).await {
            Ok(true) => {}
            Ok(false) => {
                tracing::debug!(flow_id, slot = %slot_text, "another process fired this slot");
                return;
            }
            Err(error) => {
                tracing::warn!(flow_id, slot = %slot_text, %error, "could not claim a schedule's fire; it does not run");
                return;
            }
        }
        // A schedule has no caller to override parameters: its runs record
        // the defaults.
        let params = match crate::params::flow_params(&plan.document, &Map::new()) {
            Ok(params) => params,
            Err(error) => {
                tracing::error!(flow_id, slot = %slot_text, %error, "a schedule's flow needs a parameter value no default gives; the fire does not run");
                self.release(&flow_id, &slot_text).await;
                return;
            }
        };
        let request = RunRequest {
            flow_id: flow_id.clone(),
            version: Some(version),
            trigger: TriggerSource::Schedule,
            input: schedule::output(slot, fired_at),
            params,
            id: None,
            keep_input: false,
            replay_of: None,
        };
        let failure = match self.runner.accept(plan, request, None, None, false).await {
            // A fire chooses no id of its own, so none is ever taken.
            Ok(
                Acceptation::Started(execution_id, _)
                | Acceptation::Duplicate(execution_id)
                | Acceptation::IdTaken(execution_id),
            ) => {
                tracing::debug!(flow_id, slot = %slot_text, %execution_id, "schedule fired");
                if let Err(error) = self.store.record_schedule_execution(&flow_id, &slot_text, &execution_id).await {
                    tracing::warn!(flow_id, %execution_id, %error, "could not note which execution a fire started");
                }
                return;
            }
            Err(AcceptError::Overloaded(_)) => "the execution queue is full".to_string(),
            Err(AcceptError::Store(error)) => error.to_string(),
        };
        tracing::error!(flow_id, slot = %slot_text, cause = %failure, "a schedule's fire could not start its run");
        self.release(&flow_id, &slot_text).await;
    }

    /// Gives back the claim of a fire whose run did not start: the slot then
    /// counts as missed at the next start (and a `run_once` schedule runs it
    /// then).
    async fn release(&self, flow_id: &str, slot: &str) {
        if let Err(error) = self.store.release_schedule_fire(flow_id, slot).await {
            tracing::warn!(flow_id, slot, %error, "could not give back a fire that did not run");
        }
    }
}
