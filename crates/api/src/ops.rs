//! The UI's operations as data: one [`Request`] per [`Core`] method the
//! designer calls, and [`dispatch`], which runs it and returns the result as
//! JSON. The desktop's one Tauri command and the browser mode's `/api/{op}`
//! routes both end here, so the two transports cannot drift apart.

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::{
    ApiError, ButtonPress, ButtonView, Core, ErrorCode, ExpressionCheck, FlowActivity, FlowTokenInfo, FolderListing,
    HookInfo, ListExecutionsArgs, NewFlowToken, PruneReport, ReplayArgs, Result, RunOptions, SampleFrom, SavedFlow,
    SchedulePreview, Settings, SignedCall, StorageStatus,
};
use hookline_engine::Problem;
use hookline_model::{
    ComponentDescriptor, CredentialKindSchema, CredentialView, Execution, ExecutionSummary, FlowDocument, FlowRecord,
    FlowRef, FlowSummary, InboxView, RecoveryKit, Sample, SampleSource, StepPreview, VaultStatus, Verification,
    VersionInfo,
};
use hookline_vault::Sensitive;
use std::collections::BTreeMap;

/// An operation and its arguments: `{"op": "getFlow", "args": {"flow": "flw_…"}}`.
/// `flow` accepts a flow id or a webhook slug.
#[derive(Debug, Clone, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(tag = "op", content = "args", rename_all = "camelCase", rename_all_fields = "camelCase", deny_unknown_fields)]
pub enum Request {
    /// Every component of the catalog.
    Components,
    ListFlows,
    GetFlow {
        flow: String,
    },
    CreateFlow {
        name: String,
    },
    SaveDraft {
        document: FlowDocument,
    },
    RenameFlow(RenameFlowArgs),
    DuplicateFlow {
        flow: String,
    },
    DeleteFlow {
        flow: String,
    },
    /// The text of a flow file.
    ImportFlow {
        text: String,
    },
    /// The draft as a flow file (a string); with `withSamples`, each step's
    /// current sample too.
    ExportFlow {
        flow: String,
        #[ts(optional)]
        with_samples: Option<bool>,
    },
    ValidateFlow {
        flow: String,
    },
    Publish {
        flow: String,
    },
    Start {
        flow: String,
    },
    Stop {
        flow: String,
    },
    Versions {
        flow: String,
    },
    Version {
        flow: String,
        version: u32,
    },
    RestoreVersion {
        flow: String,
        version: u32,
    },
    RunFlow(RunFlowArgs),
    ListExecutions(ListExecutionsArgs),
    /// Runs an execution again as a new one (`replayOf`) and answers it once it has ended.
    ReplayExecution(ReplayArgs),
    /// Runs an inbox entry's request (accepted or refused) as a new execution.
    ReplayInbox {
        id: String,
    },
    GetExecution {
        id: String,
    },
    /// Per flow: live state, today's runs and failures, the last run, the
    /// next fire and the last 24 hours.
    Dashboard,
    ListCredentials,
    /// One credential, secrets masked (`CredentialView`).
    GetCredential {
        name: String,
    },
    /// Adds a credential; its `secrets` are write-only (answered masked).
    CreateCredential(CreateCredentialArgs),
    /// Replaces a credential's fields and the secrets given; a secret left
    /// out (or empty) keeps its stored value.
    EditCredential(EditCredentialArgs),
    /// Checks a credential against the real service within 30 s; the
    /// `Verification`, passed or failed.
    VerifyCredential {
        name: String,
    },
    /// Ends a `verifyCredential` wait early (it answers `cancelled`).
    CancelVerification {
        name: String,
    },
    /// Removes a credential; one that flows name needs `force`. The flows
    /// that named it (`FlowRef[]`), which no longer publish.
    RemoveCredential {
        name: String,
        #[ts(optional)]
        force: Option<bool>,
    },
    /// Where the data key comes from and whether the vault is usable.
    VaultStatus,
    /// Every credential kind with its fields, for generated forms.
    CredentialKinds,
    /// The data key as a recovery phrase, once per key; only with `confirm: true`.
    RecoveryKit {
        confirm: bool,
    },
    /// Creates a key file for the data key where no keychain answers; the
    /// `VaultStatus` after.
    CreateKeyFile,
    /// The database's size, rows per kind and the last prune.
    StorageStatus,
    /// Prunes what retention no longer keeps, now.
    PruneStorage,
    CheckExpression {
        expr: String,
    },
    Hooks {
        flow: String,
    },
    /// `withSecrets` fills the secret variables with the hook credential's
    /// values: only when the user asks for it.
    PostmanCollection {
        flow: String,
        #[ts(optional)]
        with_secrets: Option<bool>,
    },
    /// Signs a body (the trigger's sample when omitted) for the flow's
    /// HMAC-guarded hook.
    SignCall {
        flow: String,
        #[ts(optional)]
        body: Option<String>,
    },
    OpenApi,
    Settings,
    SetListenAddress {
        address: String,
    },
    /// Saves the host names requests may name besides addresses and
    /// `localhost` (tunnels); the `Settings`.
    SetAllowedHosts {
        hosts: Vec<String>,
    },
    /// Sets or (with none) clears the credential `POST /events/{name}`
    /// requires; the `Settings`.
    SetEventsCredential {
        #[ts(optional)]
        credential: Option<String>,
    },
    /// Saves the folders Write File may write in (absolute, existing; none
    /// clears the list); the `Settings`.
    SetAllowedFolders {
        folders: Vec<String>,
    },
    /// Saves the programs Run Command may run (absolute paths to executables;
    /// none clears the list); the `Settings`.
    SetAllowedCommands {
        programs: Vec<String>,
    },
    /// A step's samples, newest first (`Sample[]`).
    ListSamples {
        flow: String,
        step: String,
    },
    /// Adds a sample and makes it current; the new `Sample`.
    AddSample(AddSampleArgs),
    /// Makes a sample current; the `Sample`.
    SetCurrentSample {
        flow: String,
        step: String,
        sample: String,
    },
    /// Removes a sample; the step's current `Sample` afterwards, or null.
    RemoveSample {
        flow: String,
        step: String,
        sample: String,
    },
    /// Generates a sample and makes it current; the new `Sample`.
    GenerateSample {
        flow: String,
        step: String,
        from: SampleFrom,
    },
    /// A `StepPreview` of the step's mapped inputs over the samples.
    PreviewStep(PreviewStepArgs),
    /// The JSON Schema inferred from all of a step's samples.
    InferSchema {
        flow: String,
        step: String,
    },
    /// Runs the step once for a sample (or reuses a stored output); the new `Sample`.
    RetrieveSample(RetrieveSampleArgs),
    /// Waits for the next request to the test URL; it becomes the trigger's
    /// current sample. `timeoutMs` defaults to 120 000.
    CaptureSample(CaptureSampleArgs),
    /// Requests that reached the flow's hook, newest first (at most `limit`,
    /// default 50), secrets masked.
    ListInbox(ListInboxArgs),
    /// Ends a `captureSample` wait early.
    CancelCapture {
        flow: String,
    },
    /// The next five fires of a Schedule trigger's config (`cron` or `at`,
    /// `timezone`) as a `SchedulePreview`, or `invalid_input` saying what
    /// is wrong with it.
    PreviewSchedule {
        config: Value,
    },
    /// Whether the flow has a workflow access token (Boomerang's webhook
    /// token), and since when; the token itself is never kept.
    FlowToken {
        flow: String,
    },
    /// Makes the flow's workflow access token and returns it, this once.
    /// A flow that has one answers `conflict` unless `rotate` is true;
    /// rotating stops the old token at once.
    CreateFlowToken {
        flow: String,
        #[ts(optional)]
        rotate: Option<bool>,
    },
    /// The Buttons of started flows, for the Launcher (`ButtonView[]`).
    ListButtons,
    /// Presses a started flow's Button; the `ButtonPress` to follow.
    PressButton(PressButtonArgs),
    /// A folder's contents for the path picker of a flow's Button
    /// (`FolderListing`); without `path`, the hook's allowed folders.
    ListButtonFolder {
        flow: String,
        #[ts(optional)]
        path: Option<String>,
    },
}

/// Arguments of [`Request::PressButton`]: values for the form's editable
/// parameters (presets fill the rest; `null` falls back to the default) and
/// the picked files or folders.
#[derive(Debug, Clone, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PressButtonArgs {
    pub flow: String,
    #[serde(default)]
    #[ts(as = "Option<std::collections::BTreeMap<String, serde_json::Value>>", optional)]
    pub params: Map<String, Value>,
    #[serde(default)]
    #[ts(as = "Option<Vec<String>>", optional)]
    pub paths: Vec<String>,
}

/// Arguments of [`Request::CreateCredential`]: `kind` as flow files name it
/// (`basic`, `api_key`, …; see `credentialKinds`), non-secret `fields` and
/// the `secrets`, which are never answered back.
#[derive(Debug, Clone, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateCredentialArgs {
    pub name: String,
    pub kind: String,
    #[serde(default)]
    #[ts(as = "Option<std::collections::BTreeMap<String, serde_json::Value>>", optional)]
    pub fields: Map<String, Value>,
    /// Wrapped as they are read, so a `Debug` of the request shows masks.
    #[serde(default)]
    #[ts(as = "Option<std::collections::BTreeMap<String, String>>", optional)]
    pub secrets: BTreeMap<String, Sensitive<String>>,
}

/// Arguments of [`Request::EditCredential`]: every non-secret field (those
/// left out are cleared) and only the secrets that change.
#[derive(Debug, Clone, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EditCredentialArgs {
    pub name: String,
    #[serde(default)]
    #[ts(as = "Option<std::collections::BTreeMap<String, serde_json::Value>>", optional)]
    pub fields: Map<String, Value>,
    #[serde(default)]
    #[ts(as = "Option<std::collections::BTreeMap<String, String>>", optional)]
    pub secrets: BTreeMap<String, Sensitive<String>>,
}

/// Arguments of [`Request::AddSample`]: the sample as JSON `value`, or as
/// JSON `text` (its syntax errors name line and column).
#[derive(Debug, Clone, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AddSampleArgs {
    pub flow: String,
    pub step: String,
    #[ts(optional, as = "Option<serde_json::Value>")]
    pub value: Option<Value>,
    #[ts(optional)]
    pub text: Option<String>,
    /// Default `manual`.
    #[ts(optional)]
    pub source: Option<SampleSource>,
}

/// Arguments of [`Request::ListInbox`].
#[derive(Debug, Clone, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ListInboxArgs {
    pub flow: String,
    #[ts(optional)]
    pub limit: Option<u32>,
}

/// Arguments of [`Request::CaptureSample`].
#[derive(Debug, Clone, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CaptureSampleArgs {
    pub flow: String,
    #[ts(optional)]
    pub timeout_ms: Option<u32>,
}

/// Arguments of [`Request::PreviewStep`]: `sample` picks the trigger's sample
/// by number (0 = newest; default: the current one); `document` previews
/// unsaved edits (default: the stored draft).
#[derive(Debug, Clone, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PreviewStepArgs {
    pub flow: String,
    pub step: String,
    #[ts(optional)]
    pub sample: Option<u32>,
    #[ts(optional)]
    pub document: Option<FlowDocument>,
}

/// Arguments of [`Request::RetrieveSample`]: a step with side effects runs
/// only with `confirm: true`; `useStored` takes the output of the newest
/// succeeded execution that ran the step instead.
#[derive(Debug, Clone, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RetrieveSampleArgs {
    pub flow: String,
    pub step: String,
    #[serde(default)]
    #[ts(as = "Option<bool>", optional)]
    pub confirm: bool,
    #[serde(default)]
    #[ts(as = "Option<bool>", optional)]
    pub use_stored: bool,
}

/// Arguments of [`Request::RenameFlow`].
#[derive(Debug, Clone, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RenameFlowArgs {
    pub flow: String,
    pub name: String,
    /// Left unchanged when absent.
    #[ts(optional)]
    pub description: Option<String>,
}

/// Arguments of [`Request::RunFlow`]: runs once, the draft when `draft` is
/// true, with `input` as the trigger's output (default: its sample).
#[derive(Debug, Clone, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RunFlowArgs {
    pub flow: String,
    #[ts(optional, as = "Option<serde_json::Value>")]
    pub input: Option<Value>,
    #[serde(default)]
    #[ts(as = "Option<bool>", optional)]
    pub draft: bool,
    /// Values of the run form's fields and the flow's overridable parameters.
    #[serde(default)]
    #[ts(as = "Option<std::collections::BTreeMap<String, serde_json::Value>>", optional)]
    pub params: Map<String, Value>,
    /// Answer `confirmation_required` instead of running when a step would
    /// change something outside Hookline (the designer's Run once asks).
    #[serde(default)]
    #[ts(as = "Option<bool>", optional)]
    pub ask_first: bool,
}

impl Request {
    /// Reads a request from an operation name and its JSON arguments (absent
    /// for operations that take none), as the HTTP adapter receives them.
    pub fn from_parts(op: &str, args: Option<Value>) -> Result<Request> {
        let read = |args: Option<Value>| {
            let mut request = serde_json::Map::new();
            request.insert("op".into(), Value::String(op.to_string()));
            if let Some(args) = args {
                request.insert("args".into(), args);
            }
            serde_json::from_value::<Request>(Value::Object(request))
        };
        let args = args.filter(|a| !a.is_null());
        let empty = args.as_ref().is_some_and(|a| a.as_object().is_some_and(|o| o.is_empty()));
        // `{}` is what a client sends for "no arguments": operations without
        // any take it as none, those whose arguments are all optional as
        // an object of defaults.
        match read(args) {
            Err(first) if empty => read(None).map_err(|_| first),
            result => result,
        }
        .map_err(|e| ApiError::new(ErrorCode::InvalidInput, format!("operation {op:?}: {e}")))
    }
}

/// Pairs each operation with the type it answers and the call that answers
/// it, so that [`dispatch`] and the UI's generated `Operations.ts` come from
/// one list: a call whose result differs from the declared type does not
/// compile, and a variant without an entry makes the match non-exhaustive.
macro_rules! operations {
    ($core:ident; $($variant:ident $({ $($field:ident),* })? $(($args:ident))? => $response:ty = $call:expr;)*) => {
        /// Runs `request` against `core`.
        pub async fn dispatch($core: &Core, request: Request) -> Result<Value> {
            match request {
                $(Request::$variant $({ $($field),* })? $(($args))? => json::<$response>($call),)*
            }
        }

        /// Each operation's name (as the UI spells it) with the TypeScript
        /// type of its answer.
        pub fn responses() -> Vec<OperationResponse> {
            vec![$(OperationResponse::of::<$response>(stringify!($variant)),)*]
        }
    };
}

operations! { core;
    Components => Vec<ComponentDescriptor> = core.components();
    ListFlows => Vec<FlowSummary> = core.list_flows().await?;
    GetFlow { flow } => FlowRecord = core.get_flow(&flow).await?;
    CreateFlow { name } => SavedFlow = core.create_flow(&name).await?;
    SaveDraft { document } => SavedFlow = core.save_draft(document).await?;
    RenameFlow(args) => SavedFlow = core.rename_flow(&args.flow, &args.name, args.description.as_deref()).await?;
    DuplicateFlow { flow } => SavedFlow = core.duplicate_flow(&flow).await?;
    DeleteFlow { flow } => () = core.delete_flow(&flow).await?;
    ImportFlow { text } => SavedFlow = core.import_flow(&text).await?;
    ExportFlow { flow, with_samples } => String = core.export_flow(&flow, with_samples.unwrap_or(false)).await?;
    ValidateFlow { flow } => Vec<Problem> = core.validate_flow(&flow).await?;
    Publish { flow } => VersionInfo = core.publish(&flow).await?;
    Start { flow } => FlowSummary = core.start(&flow).await?;
    Stop { flow } => FlowSummary = core.stop(&flow).await?;
    Versions { flow } => Vec<VersionInfo> = core.versions(&flow).await?;
    Version { flow, version } => FlowDocument = core.version(&flow, version).await?;
    RestoreVersion { flow, version } => SavedFlow = core.restore_version(&flow, version).await?;
    RunFlow(args) => Execution = {
        let options = RunOptions {
            input: args.input,
            draft: args.draft,
            params: args.params,
            ask_first: args.ask_first,
            ..Default::default()
        };
        core.run_flow(&args.flow, options).await?
    };
    ListExecutions(args) => Vec<ExecutionSummary> = {
        core.list_executions(args).await?
    };
    GetExecution { id } => Execution = core.get_execution(&id).await?;
    ReplayExecution(args) => Execution = core.replay_execution(&args.id.clone(), args.into()).await?;
    ReplayInbox { id } => Execution = core.replay_inbox(&id).await?;
    Dashboard => Vec<FlowActivity> = core.dashboard().await?;
    ListCredentials => Vec<CredentialView> = core.list_credentials().await?;
    GetCredential { name } => CredentialView = core.get_credential(&name).await?;
    CreateCredential(args) => CredentialView =
        core.create_credential(&args.name, &args.kind, args.fields, args.secrets).await?;
    EditCredential(args) => CredentialView = core.edit_credential(&args.name, args.fields, args.secrets).await?;
    VerifyCredential { name } => Verification = core.check_credential(&name).await?;
    CancelVerification { name } => bool = core.cancel_verification(&name);
    RemoveCredential { name, force } => Vec<FlowRef> = core.remove_credential(&name, force.unwrap_or(false)).await?;
    VaultStatus => VaultStatus = core.vault_status().await?;
    CredentialKinds => Vec<CredentialKindSchema> = core.credential_kinds();
    RecoveryKit { confirm } => RecoveryKit = core.show_recovery_kit(confirm).await?;
    CreateKeyFile => VaultStatus = core.create_vault_key_file().await?;
    StorageStatus => StorageStatus = core.storage_status().await?;
    PruneStorage => PruneReport = core.prune_storage().await?;
    CheckExpression { expr } => ExpressionCheck = core.check_expression(&expr);
    Hooks { flow } => HookInfo = core.hook_info(&flow).await?;
    PostmanCollection { flow, with_secrets } =>
        Value = core.postman_collection(&flow, with_secrets.unwrap_or(false)).await?;
    SignCall { flow, body } => SignedCall = core.signed_call(&flow, body).await?;
    OpenApi => Value = core.openapi().await?;
    Settings => Settings = core.settings()?;
    SetListenAddress { address } => Settings = core.set_listen_address(&address).await?;
    SetAllowedHosts { hosts } => Settings = core.set_allowed_hosts(&hosts)?;
    SetEventsCredential { credential } => Settings = core.set_events_credential(credential.as_deref()).await?;
    SetAllowedFolders { folders } => Settings = core.set_allowed_folders(&folders)?;
    SetAllowedCommands { programs } => Settings = core.set_allowed_commands(&programs)?;
    ListSamples { flow, step } => Vec<Sample> = core.list_samples(&flow, &step).await?;
    AddSample(args) => Sample =
        core.add_sample(&args.flow, &args.step, args.value, args.text.as_deref(), args.source).await?;
    SetCurrentSample { flow, step, sample } => Sample = core.set_current_sample(&flow, &step, &sample).await?;
    RemoveSample { flow, step, sample } => Option<Sample> = core.remove_sample(&flow, &step, &sample).await?;
    GenerateSample { flow, step, from } => Sample = core.generate_sample(&flow, &step, from).await?;
    PreviewStep(args) => StepPreview =
        core.preview_step(&args.flow, &args.step, args.sample.map(|n| n as usize), args.document).await?;
    InferSchema { flow, step } => Value = core.infer_schema(&flow, &step).await?;
    RetrieveSample(args) => Sample = core.retrieve_sample(&args.flow, &args.step, args.confirm, args.use_stored).await?;
    CaptureSample(args) => Sample =
        core.capture_sample(&args.flow, u64::from(args.timeout_ms.unwrap_or(120_000))).await?;
    CancelCapture { flow } => bool = core.cancel_capture(&flow).await?;
    ListInbox(args) => Vec<InboxView> = core.list_inbox(&args.flow, args.limit.unwrap_or(50).min(500)).await?;
    PreviewSchedule { config } => SchedulePreview = core.preview_schedule(&config)?;
    FlowToken { flow } => FlowTokenInfo = core.flow_token(&flow).await?;
    CreateFlowToken { flow, rotate } => NewFlowToken = core.create_flow_token(&flow, rotate.unwrap_or(false)).await?;
    ListButtons => Vec<ButtonView> = core.list_buttons().await?;
    PressButton(args) => ButtonPress = core.press_button(&args.flow, args.params, args.paths).await?;
    ListButtonFolder { flow, path } => FolderListing = core.list_button_folder(&flow, path.as_deref()).await?;
}

/// An operation's name and the TypeScript of its answer, with the generated
/// files that answer's types live in.
#[derive(Debug, Clone)]
pub struct OperationResponse {
    /// As the UI calls it: `getFlow`.
    pub op: String,
    /// `FlowRecord`, `Array<Sample>`, `Sample | null`, …
    pub typescript: String,
    /// `(type name, file under the bindings folder)` to import.
    pub imports: Vec<(String, std::path::PathBuf)>,
}

impl OperationResponse {
    fn of<T: ts_rs::TS + 'static>(variant: &str) -> Self {
        let config = ts_rs::Config::default();
        let mut imports = Vec::new();
        collect_imports::<T>(&config, &mut imports);
        let mut op = variant.to_string();
        op[..1].make_ascii_lowercase();
        OperationResponse { op, typescript: T::name(&config), imports }
    }
}

/// The exported types an answer's TypeScript names: the type itself when it
/// has a file, otherwise what it wraps (`Vec<Sample>` names `Sample`).
fn collect_imports<T: ts_rs::TS + 'static + ?Sized>(
    config: &ts_rs::Config,
    imports: &mut Vec<(String, std::path::PathBuf)>,
) {
    struct Visit<'a>(&'a ts_rs::Config, &'a mut Vec<(String, std::path::PathBuf)>);
    impl ts_rs::TypeVisitor for Visit<'_> {
        fn visit<U: ts_rs::TS + 'static + ?Sized>(&mut self) {
            collect_imports::<U>(self.0, self.1);
        }
    }
    match T::output_path() {
        Some(path) => {
            let import = (T::ident(config), path);
            if !imports.contains(&import) {
                imports.push(import);
            }
        }
        None => T::visit_generics(&mut Visit(config, imports)),
    }
}

/// The UI's contract with the core as TypeScript, written next to the ts-rs
/// bindings by `cargo test` (`Operations.ts`): each operation's arguments
/// (read from the generated `Request`) and answer, and which answers each
/// core event makes stale. `ui/src/api.ts` is typed from it, so a response
/// type there that disagrees with [`dispatch`] fails the UI's build.
pub fn operations_typescript() -> String {
    let responses = responses();
    let mut imports: Vec<(String, std::path::PathBuf)> = Vec::new();
    for (name, path) in responses.iter().flat_map(|r| r.imports.iter()) {
        if !imports.iter().any(|(n, _)| n == name) {
            imports.push((name.clone(), path.clone()));
        }
    }
    imports.sort();
    let mut out = String::from(
        "// This file was generated from crates/api/src/ops.rs by `cargo test`. Do not edit this file manually.\n",
    );
    out.push_str("import type { CoreEvent } from \"./CoreEvent\";\nimport type { Request } from \"./Request\";\n");
    for (name, path) in &imports {
        let module = path.with_extension("");
        out.push_str(&format!("import type {{ {name} }} from \"./{}\";\n", module.display()));
    }
    out.push_str("\n/** What each operation answers. */\nexport type Responses = {\n");
    for r in &responses {
        out.push_str(&format!("  {}: {},\n", r.op, r.typescript));
    }
    out.push_str(
        "};\n\n\
         /** An operation's name, as `call` takes it. */\n\
         export type Operation = Request[\"op\"];\n\n\
         /** The arguments an operation takes: `undefined` for one that takes none. */\n\
         export type ArgsOf<Op extends Operation> = Extract<Request, { op: Op }> extends { args: infer A } ? A : undefined;\n\n\
         /** Each operation as `[arguments, answer]`. */\n\
         export type Operations = { [Op in Operation]: [args: ArgsOf<Op>, response: Responses[Op]] };\n\n\
         /** Which of an event's ids narrows a stale answer. */\n\
         export type StaleBy = \"all\" | \"flow\" | \"step\" | \"execution\";\n\n\
         /** The cached answers each core event makes stale. */\n\
         export const staleAfter = {\n",
    );
    for event in hookline_model::CoreEvent::one_of_each() {
        let list: Vec<String> =
            event.stale().iter().map(|s| format!("{{ op: \"{}\", by: \"{}\" }}", s.op, s.by.as_str())).collect();
        out.push_str(&format!("  {}: [{}],\n", event.kind(), list.join(", ")));
    }
    out.push_str(
        "} as const satisfies { [Kind in CoreEvent[\"type\"]]: ReadonlyArray<{ op: Operation; by: StaleBy }> };\n",
    );
    out
}

fn json<T: serde::Serialize>(value: T) -> Result<Value> {
    serde_json::to_value(value)
        .map_err(|e| ApiError::new(ErrorCode::Internal, format!("cannot encode the result: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_read_from_an_operation_name_and_arguments() {
        let request = Request::from_parts("getFlow", Some(serde_json::json!({"flow": "pets"}))).unwrap();
        assert!(matches!(request, Request::GetFlow { ref flow } if flow == "pets"), "{request:?}");
        let request = Request::from_parts("listFlows", Some(serde_json::json!({}))).unwrap();
        assert!(matches!(request, Request::ListFlows), "an empty body is no arguments");
        let request = Request::from_parts("listExecutions", Some(serde_json::json!({}))).unwrap();
        assert!(
            matches!(request, Request::ListExecutions(ListExecutionsArgs { flow: None, limit: None, .. })),
            "an empty body gives optional arguments their defaults"
        );
        let request = Request::from_parts("runFlow", Some(serde_json::json!({"flow": "pets"}))).unwrap();
        assert!(
            matches!(request, Request::RunFlow(RunFlowArgs { draft: false, input: None, .. })),
            "optional arguments default"
        );
    }

    #[test]
    fn every_stale_answer_names_an_operation() {
        let ops: Vec<String> = responses().into_iter().map(|r| r.op).collect();
        for event in hookline_model::CoreEvent::one_of_each() {
            for stale in event.stale() {
                assert!(
                    ops.iter().any(|op| op == stale.op),
                    "{} makes {:?} stale, which is no operation",
                    event.kind(),
                    stale.op
                );
            }
        }
    }

    #[test]
    fn answers_are_typed_as_the_core_returns_them() {
        let typescript = |op: &str| responses().into_iter().find(|r| r.op == op).unwrap().typescript;
        assert_eq!(typescript("setCurrentSample"), "Sample");
        assert_eq!(typescript("removeSample"), "Sample | null");
        assert_eq!(typescript("listFlows"), "Array<FlowSummary>");
        assert_eq!(typescript("deleteFlow"), "null");
    }

    /// Writes `Operations.ts` where ts-rs writes the other bindings (the
    /// workspace sets `TS_RS_EXPORT_DIR`); CI fails when the committed file differs.
    #[test]
    fn export_operations_typescript() {
        let dir = std::env::var_os("TS_RS_EXPORT_DIR")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ui/src/bindings"));
        let path = dir.join("Operations.ts");
        let text = operations_typescript();
        if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(&path, text).unwrap();
        }
    }

    #[test]
    fn unknown_operations_and_bad_arguments_say_what_is_wrong() {
        let err = Request::from_parts("dropTables", None).unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidInput);
        assert!(err.message.contains("dropTables"), "{}", err.message);
        let err = Request::from_parts("getFlow", Some(serde_json::json!({"flw": "x"}))).unwrap_err();
        assert!(err.message.contains("flow") || err.message.contains("flw"), "{}", err.message);
    }
}
