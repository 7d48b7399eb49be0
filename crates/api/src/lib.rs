//! Hookline's one surface: [`Core`] has a method for every operation the
//! desktop app, the browser UI and the command line can perform.
//!
//! Adapters (Tauri commands, HTTP routes, CLI subcommands) are thin: they turn
//! their transport's input into a call here and the result or [`ApiError`]
//! back into their transport's output. Nothing in this crate knows about a
//! transport.

mod buttons;
mod compat;
mod dashboard;
mod error;
mod events;
mod hooks;
mod intake;
mod listening;
mod migrate;
pub mod ops;
mod origin;
mod replay;
mod runlog;
mod samples;
mod schedule;
mod settings;
mod storage;
mod vault;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use hookline_engine::trigger::ManualSettings;
use hookline_engine::{Catalog, Credentials, Engine, EngineConfig, Plan, Problem, RunRequest, Runner, TriggerSettings};
use hookline_model::{
    ids, timestamp, to_canonical_json, ComponentDescriptor, CoreEvent, Execution, FlowDocument, FlowRecord,
    FlowSummary, InboxEntry, InboxView, TriggerSource, VersionInfo, SCHEMA_VERSION,
};
use hookline_store::Store;
use serde::Serialize;
use serde_json::{Map, Value};
use tokio_util::sync::CancellationToken;

pub use buttons::{ButtonField, ButtonPress, ButtonView, FolderEntry, FolderListing};
pub use compat::{FlowTokenInfo, NewFlowToken, Route};
pub use dashboard::{FlowActivity, HourActivity};
pub use error::{ApiError, ErrorCode};
pub use hookline_engine::{NewCredential, Role, Rotation, RunnerConfig, VaultSettings};
pub use hookline_model::HookRequest;
pub use hookline_store::{Retention, MAX_PAGE};
pub use hooks::{shell_quote, signed_curl, HookInfo, SignatureHeader, SignedCall};
pub use intake::{new_request_id, HookReply, Incoming, ReplyBody};
pub use migrate::{database_url, migrate, migrate_data, CopyReport, MigrationReport};
pub use replay::{ReplayArgs, ReplayFrom, ReplayOptions, ReplayVersion};
pub use runlog::ListExecutionsArgs;
pub use samples::SampleFrom;
pub use schedule::SchedulePreview;
pub use settings::{parse_address, ListenerHost, ListenerState, Settings, DEFAULT_LISTEN, SETTINGS_FILE};
pub use storage::{PruneReport, Readiness, StorageStatus, TableRows};
pub use vault::{credential_kinds, SharedKey, SignedRequest};

/// A point in a flow's sequence of captured test requests.
#[derive(Debug, Clone)]
pub struct CaptureCursor {
    pub flow_id: String,
    after: i64,
}

/// How often a capture wait reads the store for a test request that reached
/// another process's listener; this process's own captures wake it at once.
const OTHER_PROCESS_CAPTURE_CHECK: Duration = Duration::from_millis(500);

/// How long a flow's test URL stays open after a wait for a sample ends, for
/// a tester sending a few more.
const CAPTURE_GRACE: Duration = Duration::from_secs(5 * 60);

/// File name of the database inside the data dir.
pub const DATABASE_FILE: &str = "hookline.db";

/// Where the core keeps its data and how its engine behaves.
#[derive(Debug, Clone)]
pub struct CoreConfig {
    pub data_dir: PathBuf,
    /// The database, when it is not the data dir's SQLite file: a
    /// `postgres://` URL shared by several processes (or `sqlite://PATH`).
    /// Settings, the key file and `listening.json` stay in the data dir.
    pub database_url: Option<String>,
    pub engine: EngineConfig,
    /// What the store forgets, and when (refused requests, idempotency keys,
    /// captures).
    pub retention: Retention,
    /// Where the vault's data key is looked for.
    pub vault: VaultSettings,
}

impl CoreConfig {
    pub fn new(data_dir: impl Into<PathBuf>) -> CoreConfig {
        let data_dir = data_dir.into();
        CoreConfig {
            vault: VaultSettings::new(data_dir.clone(), None),
            data_dir,
            database_url: None,
            engine: EngineConfig::default(),
            retention: Retention::default(),
        }
    }
}

/// The result of importing or saving a flow: its id, whether it is new, and
/// the design problems that would stop it from being published (a draft may
/// have problems; it is kept anyway, so no work is lost).
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
#[serde(rename_all = "camelCase")]
pub struct SavedFlow {
    pub flow_id: String,
    pub created: bool,
    pub problems: Vec<Problem>,
}

/// Whether an expression parses; `position` is the character offset of a
/// syntax error.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct ExpressionCheck {
    pub ok: bool,
    pub message: Option<String>,
    pub position: Option<u32>,
}

/// How to run a flow once.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// The trigger's output; defaults to the trigger step's sample, or `{}`.
    pub input: Option<Value>,
    /// Run the draft instead of the latest published version.
    pub draft: bool,
    /// Values for the flow's overridable parameters and for the fields of a
    /// Manual trigger's run form (a name the form has goes to the form).
    pub params: Map<String, Value>,
    /// The same, typed as text (`--param NAME=VALUE`): each is read by the
    /// type its parameter or form field declares.
    pub text_params: Vec<(String, String)>,
    /// Cancels the run when fired.
    pub cancel: Option<CancellationToken>,
    /// Refuse with `ConfirmationRequired` when a step, mapped over the
    /// samples, would change something outside Hookline (a POST, a PUT…), as
    /// Retrieve sample does; the caller asks and runs again without it.
    pub ask_first: bool,
}

/// The headless core: store, catalog, engine and, once started, the runner
/// that executes what hooks accept.
pub struct Core {
    store: Store,
    engine: Arc<Engine>,
    http: reqwest::Client,
    data_dir: PathBuf,
    hosting: settings::Hosting,
    captures: samples::CaptureWaits,
    targets: intake::Targets,
    allowed_hosts: origin::AllowedHosts,
    retention: Retention,
    runner: std::sync::OnceLock<Arc<Runner>>,
    /// Stops the runner and its background work.
    stop: CancellationToken,
    /// Credential checks under way, so they can be cancelled.
    verifying: vault::Verifying,
}

type Result<T> = std::result::Result<T, ApiError>;

/// Sorts the values a manual run was given: names the run form has go to the
/// form (the Manual trigger's output), the rest to the flow's parameters.
/// Values typed as text are read by the type their field declares.
fn run_values(
    plan: &Plan,
    form: Option<&ManualSettings>,
    typed: Map<String, Value>,
    texts: Vec<(String, String)>,
) -> (Map<String, Value>, Map<String, Value>) {
    let form_field = |name: &str| form.and_then(|f| f.parameters.iter().find(|field| field.name == name));
    let declared_type = |name: &str| match form_field(name) {
        Some(field) => field.field_type,
        None => plan.document.parameters.iter().find(|p| p.name == name).map(|p| p.param_type).unwrap_or_default(),
    };
    let texts = texts.into_iter().map(|(name, text)| {
        let value = hookline_engine::params::from_text(declared_type(&name), &text);
        (name, value)
    });
    let (mut form_values, mut flow_values) = (Map::new(), Map::new());
    for (name, value) in typed.into_iter().chain(texts) {
        if form_field(&name).is_some() {
            form_values.insert(name, value);
        } else {
            flow_values.insert(name, value);
        }
    }
    (form_values, flow_values)
}

/// Creates the data dir readable by its owner only (the database holds
/// requests, runs and sealed credentials); an existing one is left as it is.
fn create_private_dir(dir: &std::path::Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

impl Core {
    /// Opens (creating if needed) the data dir and its database.
    pub async fn open(config: CoreConfig) -> Result<Core> {
        create_private_dir(&config.data_dir).map_err(|e| {
            ApiError::new(ErrorCode::Internal, format!("cannot create the data dir {}: {e}", config.data_dir.display()))
        })?;
        let store = match &config.database_url {
            Some(url) => Store::connect(url).await.map_err(|e| {
                tracing::error!(url = %hookline_store::redact(url), error = %e, "cannot open the database");
                ApiError::new(
                    ErrorCode::DatabaseUnavailable,
                    format!("cannot open the database {}: {e}", hookline_store::redact(url)),
                )
            })?,
            None => Store::open(&config.data_dir.join(DATABASE_FILE)).await.map_err(|e| {
                ApiError::new(
                    ErrorCode::Internal,
                    format!("cannot open the database in {}: {e}", config.data_dir.display()),
                )
            })?,
        };
        let http = hookline_engine::outbound_client()
            .map_err(|e| ApiError::new(ErrorCode::Internal, format!("cannot set up the HTTP client: {e}")))?;
        let credentials = Arc::new(Credentials::new(store.clone(), config.vault));
        let engine = Arc::new(Engine::new(
            Arc::new(Catalog::standard()),
            store.clone(),
            credentials,
            http.clone(),
            config.engine,
        ));
        // Emit Event steps start flows through the engine itself.
        engine.set_event_sink(Arc::new(hookline_engine::events::EngineEvents(Arc::downgrade(&engine))));
        // Write File and Run Command read the allow-lists from Settings at each step.
        engine.set_local_access(Arc::new(settings::SettingsAccess::new(config.data_dir.clone())));
        Ok(Core {
            store,
            engine,
            http,
            data_dir: config.data_dir,
            hosting: Default::default(),
            captures: Default::default(),
            targets: Default::default(),
            allowed_hosts: Default::default(),
            retention: config.retention,
            runner: Default::default(),
            stop: CancellationToken::new(),
            verifying: Default::default(),
        })
    }

    /// Whether other processes may share this one's database (and its
    /// execution queue): PostgreSQL.
    pub fn shares_database(&self) -> bool {
        self.store.is_shared()
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// Starts the execution queue that live hooks and schedules feed, with
    /// the scheduler, and resumes the executions an earlier process accepted
    /// but did not finish (those whose claim has expired: another process
    /// running them keeps its own).
    /// Returns how many were resumed. The desktop and `hookline serve` start
    /// the same way; the runner stops with [`Core::shutdown`].
    pub async fn start_runner(&self, config: RunnerConfig) -> Result<usize> {
        let runner = Runner::start(self.engine.clone(), self.store.clone(), config, self.stop.clone());
        if self.runner.set(runner.clone()).is_err() {
            return Err(ApiError::new(ErrorCode::Conflict, "the runner is already started"));
        }
        self.spawn_pruning();
        self.start_scheduler(runner.clone());
        Ok(runner.recover().await?)
    }

    /// Stops the runner. Executions not yet finished stay in the store and
    /// resume in the next process that starts a runner.
    pub fn shutdown(&self) {
        self.stop.cancel();
    }

    fn runner(&self) -> Result<&Arc<Runner>> {
        self.runner.get().ok_or_else(|| {
            tracing::error!("a hook request arrived before the runner was started");
            ApiError::new(ErrorCode::Internal, "the execution runner is not started")
        })
    }

    /// Requests that reached the flow's hook, newest first, secrets masked.
    /// `key` may also be a name no flow has, for requests sent to it.
    pub async fn list_inbox(&self, key: &str, limit: u32) -> Result<Vec<InboxView>> {
        let flow_id = self.store.find_flow(key).await?.map(|f| f.summary.id);
        Ok(self.store.list_inbox(flow_id.as_deref(), key, limit).await?.iter().map(InboxEntry::view).collect())
    }

    /// One inbox entry, secrets masked, with its raw body bytes exactly as
    /// received (for byte-exact output).
    pub async fn get_inbox(&self, id: &str) -> Result<(InboxView, Vec<u8>)> {
        let entry = self
            .store
            .get_inbox(id)
            .await?
            .ok_or_else(|| ApiError::new(ErrorCode::InboxEntryNotFound, format!("no inbox entry {id:?}")))?;
        Ok((entry.view(), entry.request.body))
    }

    /// Where the flow's captures stand now, with its test URL opened for
    /// `wait`: pass it to [`Core::wait_for_capture`] to wait for the next
    /// test request.
    pub async fn capture_cursor(&self, key: &str, wait: Duration) -> Result<CaptureCursor> {
        let flow_id = self.get_flow(key).await?.summary.id;
        let after = self.store.last_capture_id(&flow_id).await?;
        self.open_capture_window(&flow_id, wait).await?;
        Ok(CaptureCursor { flow_id, after })
    }

    /// Opens the flow's test URL for `wait` and a few minutes more: it
    /// takes requests only while someone asked for a sample, so a URL left
    /// in a script or a page cannot fill the samples unnoticed.
    pub async fn open_capture_window(&self, flow_id: &str, wait: Duration) -> Result<()> {
        let until = timestamp(SystemTime::now() + wait + CAPTURE_GRACE);
        Ok(self.store.open_capture_window(flow_id, &until).await?)
    }

    /// Waits for the first test request to `/hook-test/{flow}` after `cursor`
    /// (served by a running listener, possibly in another process) and returns
    /// it as the trigger's sample, which the listener has already stored in
    /// the draft.
    pub async fn wait_for_capture(
        &self,
        cursor: &CaptureCursor,
        timeout: Duration,
        cancel: CancellationToken,
    ) -> Result<Value> {
        let (id, after) = (&cursor.flow_id, cursor.after);
        // A capture by this process's listener announces itself; one by
        // another process's (`hookline capture` beside `hookline serve`)
        // can only be seen in the store, which is read again now and then.
        let mut events = self.subscribe();
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            if let Some(sample) = self.store.capture_after(id, after).await? {
                return Ok(sample);
            }
            loop {
                tokio::select! {
                    () = tokio::time::sleep_until(deadline) => {
                        return Err(ApiError::new(
                            ErrorCode::CaptureTimeout,
                            format!("no test request reached /hook-test/{id} within {} s", timeout.as_secs()),
                        ));
                    }
                    () = cancel.cancelled() => {
                        return Err(ApiError::new(ErrorCode::Cancelled, "stopped waiting for a test request"));
                    }
                    () = tokio::time::sleep(OTHER_PROCESS_CAPTURE_CHECK) => break,
                    event = events.recv() => match event {
                        Ok(CoreEvent::SampleChanged { flow_id, .. }) if &flow_id == id => break,
                        Ok(_) => {}
                        // Missed events may include the capture.
                        Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => break,
                        Err(tokio::sync::broadcast::error::RecvError::Closed) => {
                            tokio::time::sleep(OTHER_PROCESS_CAPTURE_CHECK).await;
                            break;
                        }
                    },
                }
            }
        }
    }

    /// Every component of the catalog.
    pub fn components(&self) -> Vec<ComponentDescriptor> {
        self.engine.catalog().descriptors().into_iter().cloned().collect()
    }

    pub async fn list_flows(&self) -> Result<Vec<FlowSummary>> {
        let mut flows = self.store.list_flows().await?;
        self.add_next_fires(&mut flows).await;
        Ok(flows)
    }

    /// The flow whose id or webhook slug is `key`.
    pub async fn get_flow(&self, key: &str) -> Result<FlowRecord> {
        self.store.find_flow(key).await?.ok_or_else(|| {
            ApiError::new(ErrorCode::FlowNotFound, format!("no flow {key:?}: give a flow id (flw_…) or a webhook slug"))
        })
    }

    /// Imports a flow file: a new flow, or a new draft for the flow with the
    /// file's id.
    /// A step's `sample` in the file becomes its current sample.
    pub async fn import_flow(&self, text: &str) -> Result<SavedFlow> {
        self.store_draft(FlowDocument::parse(text)?, true).await
    }

    /// Saves `document` as the draft of its flow (creating the flow when its id
    /// is new or absent). Design problems are returned, not refused. Samples
    /// live apart from the draft: a step's `sample` is kept only for a step
    /// that has none yet (a new step's first sample), so saving a copy made
    /// before a capture does not undo it.
    pub async fn save_draft(&self, document: FlowDocument) -> Result<SavedFlow> {
        self.store_draft(document, false).await
    }

    async fn store_draft(&self, mut document: FlowDocument, replace_samples: bool) -> Result<SavedFlow> {
        let flow_id = document.id.get_or_insert_with(|| ids::generate(ids::FLOW_PREFIX)).clone();
        let slug = self.slug_of(&document);
        // The flow must exist before its samples can; the draft is written
        // again without them right after.
        let carried = document.clone();
        for step in &mut document.steps {
            step.sample = None;
        }
        let created = self.store.save_draft(&document, slug.as_deref(), &now()).await?;
        let mut carried = carried;
        self.adopt_samples(&mut carried, replace_samples || created).await?;
        self.flow_changed(&flow_id);
        let problems = hookline_engine::validate(&document, self.engine.catalog());
        Ok(SavedFlow { flow_id, created, problems })
    }

    /// A new, empty flow named `name`: the designer adds its trigger first.
    pub async fn create_flow(&self, name: &str) -> Result<SavedFlow> {
        let name = name.trim();
        if name.is_empty() {
            return Err(ApiError::new(ErrorCode::InvalidInput, "a flow needs a name"));
        }
        self.save_draft(FlowDocument {
            schema_version: SCHEMA_VERSION,
            id: None,
            name: name.to_string(),
            description: String::new(),
            parameters: vec![],
            steps: vec![],
            edges: vec![],
            error_handler: None,
        })
        .await
    }

    /// Renames the flow (and sets its description when given), in the draft.
    pub async fn rename_flow(&self, key: &str, name: &str, description: Option<&str>) -> Result<SavedFlow> {
        let name = name.trim();
        if name.is_empty() {
            return Err(ApiError::new(ErrorCode::InvalidInput, "a flow needs a name"));
        }
        let mut draft = self.get_flow(key).await?.draft;
        draft.name = name.to_string();
        if let Some(description) = description {
            draft.description = description.to_string();
        }
        self.save_draft(draft).await
    }

    /// A copy of the flow's draft as a new flow, named "… (copy)". Its hook
    /// slug gets a suffix, since a slug names one flow only.
    pub async fn duplicate_flow(&self, key: &str) -> Result<SavedFlow> {
        let mut draft = self.get_flow(key).await?.draft;
        draft.id = None;
        draft.name = format!("{} (copy)", draft.name);
        if let Some(slug) = self.slug_of(&draft) {
            let mut n = 2;
            let free = loop {
                let candidate = format!("{slug}-{n}");
                if self.store.find_flow(&candidate).await?.is_none() {
                    break candidate;
                }
                n += 1;
            };
            let catalog = self.engine.catalog();
            if let Some(config) = draft
                .steps
                .iter_mut()
                .find(|s| catalog.get(&s.component).is_some_and(|c| c.is_trigger()))
                .and_then(|s| s.config.as_mut()?.as_object_mut())
            {
                config.insert("slug".into(), Value::String(free));
            }
        }
        self.save_draft(draft).await
    }

    /// Deletes the flow with its versions and run log. A live flow is
    /// stopped by its deletion: its hook answers 404 from then on.
    pub async fn delete_flow(&self, key: &str) -> Result<()> {
        let id = self.get_flow(key).await?.summary.id;
        self.store.delete_flow(&id).await?;
        self.targets.forget_tokens_of(&id);
        self.flow_changed(&id);
        Ok(())
    }

    /// Checks a JSONata expression's syntax with the engine that runs it.
    pub fn check_expression(&self, source: &str) -> ExpressionCheck {
        match hookline_engine::mapping::Expression::parse(source) {
            Ok(_) => ExpressionCheck { ok: true, message: None, position: None },
            Err(e) => ExpressionCheck { ok: false, message: Some(e.message), position: e.position.map(|p| p as u32) },
        }
    }

    /// Changes as they happen in this process: flows saved, published,
    /// started or stopped, and executions progressing. The desktop window and
    /// the browser mode forward them to the UI.
    pub fn subscribe(&self) -> tokio::sync::broadcast::Receiver<CoreEvent> {
        self.engine.subscribe()
    }

    fn engine_limits(&self) -> hookline_engine::mapping::Limits {
        self.engine.limits().clone()
    }

    fn flow_changed(&self, flow_id: &str) {
        self.engine.emit(CoreEvent::FlowChanged { flow_id: flow_id.to_string() });
    }

    /// The trigger's slug, which names the flow's hook URL.
    fn slug_of(&self, document: &FlowDocument) -> Option<String> {
        self.engine.catalog().trigger_settings(document)?.slug().map(str::to_string)
    }

    /// The draft as a flow file: canonical JSON, stable across exports. It
    /// carries no samples unless `with_samples` asks for each step's current
    /// one (secret headers masked, credentials' secrets scrubbed).
    pub async fn export_flow(&self, key: &str, with_samples: bool) -> Result<String> {
        let flow = self.get_flow(key).await?;
        let document = if with_samples { self.with_samples(&flow.summary.id, flow.draft).await? } else { flow.draft };
        to_canonical_json(&document).map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))
    }

    /// The draft's design problems; empty when it can be published.
    pub async fn validate_flow(&self, key: &str) -> Result<Vec<Problem>> {
        let flow = self.get_flow(key).await?;
        Ok(hookline_engine::validate(&flow.draft, self.engine.catalog()))
    }

    /// Validates the draft and stores it as the next immutable version. Besides
    /// design and credential problems, a mapping whose value over the current
    /// samples does not fit its field (or is missing though required) blocks
    /// publishing, and an optional field that maps to nothing is published
    /// with a warning; steps are checked only where samples exist.
    pub async fn publish(&self, key: &str) -> Result<VersionInfo> {
        let flow = self.get_flow(key).await?;
        let id = flow.summary.id;
        let mut problems = hookline_engine::validate(&flow.draft, self.engine.catalog());
        problems.extend(self.credential_problems(&flow.draft).await?);
        let (refused, mut warnings) = self.sample_problems(&id, &flow.draft).await?;
        problems.extend(refused);
        let (refused, unpublished) = self.handler_problems(&flow.draft).await?;
        problems.extend(refused);
        warnings.extend(unpublished);
        if !problems.is_empty() {
            return Err(ApiError::invalid_flow(&id, "publish", problems));
        }
        let created_at = now();
        let slug = self.slug_of(&flow.draft);
        let version = self.store.publish_version(&id, &flow.draft, slug.as_deref(), &created_at).await?;
        self.flow_changed(&id);
        let warnings = warnings.into_iter().map(|warning| warning.message).collect();
        Ok(VersionInfo { flow_id: id, version, created_at, warnings })
    }

    /// What is wrong with the flow's `errorHandler`: refused when it names no
    /// flow or one that does not start from a Manual trigger; a warning when
    /// the handler has no published version yet (it runs its latest one).
    async fn handler_problems(&self, document: &hookline_model::FlowDocument) -> Result<(Vec<Problem>, Vec<Problem>)> {
        let Some(key) = document.error_handler.as_deref() else { return Ok((vec![], vec![])) };
        let path = "errorHandler".to_string();
        let Some(handler) = self.store.find_flow(key).await? else {
            let message =
                format!("no flow {key:?} to handle failures; name a flow with a Manual trigger by id or slug");
            return Ok((vec![Problem { path, message }], vec![]));
        };
        let id = &handler.summary.id;
        // The handler's own draft, or this document when it handles itself.
        let draft = if document.id.as_deref() == Some(id.as_str()) { document } else { &handler.draft };
        // The compiled trigger says what kind it is; a draft that does not
        // compile is no handler yet either.
        let manual = self
            .engine
            .compile_draft(draft.clone())
            .is_ok_and(|plan| matches!(plan.trigger, TriggerSettings::Manual(_)));
        if !manual {
            let message = format!("the error handler {id} must start from a Manual trigger");
            return Ok((vec![Problem { path, message }], vec![]));
        }
        if handler.summary.latest_version.is_none() {
            let message = format!("the error handler {id} is not published yet: failures start nothing until it is");
            return Ok((vec![], vec![Problem { path, message }]));
        }
        Ok((vec![], vec![]))
    }

    /// Steps naming a credential the vault does not have, or one of a kind
    /// their component does not accept.
    async fn credential_problems(&self, document: &hookline_model::FlowDocument) -> Result<Vec<Problem>> {
        let mut problems = Vec::new();
        for (index, step) in document.steps.iter().enumerate() {
            let Some(name) = &step.credential else { continue };
            let Some(component) = self.engine.catalog().get(&step.component) else { continue };
            let path = format!("steps[{index}].credential");
            match self.store.credential(name).await? {
                None => problems.push(Problem {
                    path,
                    message: format!("no credential named {name:?} in the vault; add it with `hookline vault add {name} --kind KIND`"),
                }),
                Some(row) if !component.descriptor.credential_kinds.contains(&row.kind) => problems.push(Problem {
                    path,
                    message: format!(
                        "credential {name:?} is {}, but {} accepts {}",
                        row.kind,
                        step.component,
                        component.descriptor.credential_kinds.join(", ")
                    ),
                }),
                Some(_) => {}
            }
        }
        Ok(problems)
    }

    /// Makes the flow live: its hooks run the latest published version.
    pub async fn start(&self, key: &str) -> Result<FlowSummary> {
        let flow = self.get_flow(key).await?;
        if flow.summary.latest_version.is_none() {
            return Err(ApiError::new(
                ErrorCode::NotPublished,
                format!("{} has never been published, so it cannot start; publish it first", flow.summary.id),
            ));
        }
        self.store.set_live(&flow.summary.id, true, &now()).await?;
        self.flow_changed(&flow.summary.id);
        Ok(self.get_flow(&flow.summary.id).await?.summary)
    }

    /// Stops the flow: its hooks answer "not started" until it starts again.
    pub async fn stop(&self, key: &str) -> Result<FlowSummary> {
        let flow = self.get_flow(key).await?;
        self.store.set_live(&flow.summary.id, false, &now()).await?;
        self.flow_changed(&flow.summary.id);
        Ok(self.get_flow(&flow.summary.id).await?.summary)
    }

    /// Published versions, newest first.
    pub async fn versions(&self, key: &str) -> Result<Vec<VersionInfo>> {
        let flow = self.get_flow(key).await?;
        Ok(self.store.list_versions(&flow.summary.id).await?)
    }

    /// One published version's document.
    pub async fn version(&self, key: &str, version: u32) -> Result<FlowDocument> {
        let flow = self.get_flow(key).await?;
        self.store.get_version(&flow.summary.id, version).await?.ok_or_else(|| {
            ApiError::new(ErrorCode::VersionNotFound, format!("{} has no version {version}", flow.summary.id))
        })
    }

    /// Replaces the draft with a published version's document.
    pub async fn restore_version(&self, key: &str, version: u32) -> Result<SavedFlow> {
        let document = self.version(key, version).await?;
        self.save_draft(document).await
    }

    /// Runs the flow once and waits for the end. A failed step is not an
    /// error: the returned execution is `failed`, with the step's error.
    pub async fn run_flow(&self, key: &str, options: RunOptions) -> Result<Execution> {
        let flow = self.get_flow(key).await?;
        let id = flow.summary.id.clone();
        let (plan, version): (Arc<Plan>, Option<u32>) = if options.draft {
            let plan = self.engine.compile_draft(flow.draft).map_err(|p| ApiError::invalid_flow(&id, "run", p))?;
            (plan, None)
        } else {
            let (plan, version) = self.latest_plan(&id, "run", ", or run the draft").await?;
            (plan, Some(version))
        };
        let form = match &plan.trigger {
            TriggerSettings::Manual(form) if !form.parameters.is_empty() => Some(form),
            _ => None,
        };
        let (form_values, flow_values) = run_values(&plan, form, options.params, options.text_params);
        let params = hookline_engine::params::flow_params(&plan.document, &flow_values)?;
        let input = match (options.input, form) {
            (Some(input), _) => input,
            (None, Some(form)) => hookline_engine::params::run_form(form, &form_values)?,
            (None, None) => {
                self.trigger_sample(&id, &plan.document).await?.unwrap_or_else(|| Value::Object(Map::new()))
            }
        };
        if options.ask_first {
            let mut samples = self.samples_of(&id, &plan.document).await?;
            samples.trigger = Some(input.clone());
            let effects = hookline_engine::preview::side_effects(
                &plan.document,
                self.engine.catalog(),
                &samples,
                &self.engine_limits(),
            );
            if !effects.is_empty() {
                return Err(ApiError::new(
                    ErrorCode::ConfirmationRequired,
                    format!("running {id} changes things outside Hookline: {}; confirm to run it", effects.join("; ")),
                ));
            }
        }
        let request = RunRequest {
            flow_id: id,
            version,
            trigger: TriggerSource::Manual,
            input,
            params,
            id: None,
            keep_input: false,
            replay_of: None,
        };
        let execution = self.engine.enqueue(&request).await?;
        self.run_here(&plan, execution, options.cancel.unwrap_or_default()).await
    }

    /// Runs a stored, queued execution in this process, runner or not: its
    /// claim is renewed for as long as it runs, so no other process takes it
    /// over.
    pub(crate) async fn run_here(
        &self,
        plan: &Plan,
        execution: Execution,
        cancel: tokio_util::sync::CancellationToken,
    ) -> Result<Execution> {
        let renewal = {
            let engine = self.engine.clone();
            tokio::spawn(async move {
                let mut ticks = tokio::time::interval(engine.lease() / 3);
                ticks.tick().await;
                loop {
                    ticks.tick().await;
                    if let Err(error) = engine.renew_claims().await {
                        tracing::warn!(%error, "could not renew the claim of a run in this process");
                    }
                }
            })
        };
        let result = self.engine.execute(plan, execution, cancel).await;
        renewal.abort();
        Ok(result?)
    }

    /// Asks a running execution to stop; `false` when it is not running here.
    pub fn cancel_execution(&self, execution_id: &str) -> bool {
        self.engine.cancel(execution_id)
    }

    /// One execution with every step.
    pub async fn get_execution(&self, id: &str) -> Result<Execution> {
        self.engine
            .load_execution(id)
            .await?
            .ok_or_else(|| ApiError::new(ErrorCode::ExecutionNotFound, format!("no execution {id:?}")))
    }
}

fn now() -> String {
    timestamp(SystemTime::now())
}
