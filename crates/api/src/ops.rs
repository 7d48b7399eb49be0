//! The UI's operations as data: one [`Request`] per [`Core`] method the
//! designer calls, and [`dispatch`], which runs it and returns the result as
//! JSON. The desktop's one Tauri command and the browser mode's `/api/{op}`
//! routes both end here, so the two transports cannot drift apart.

use serde::Deserialize;
use serde_json::Value;

use crate::{ApiError, Core, ErrorCode, ExecutionFilter, Result, RunOptions, SampleFrom};
use hookline_model::{FlowDocument, SampleSource};

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
    GetExecution {
        id: String,
    },
    ListCredentials,
    CheckExpression {
        expr: String,
    },
    Hooks {
        flow: String,
    },
    PostmanCollection {
        flow: String,
    },
    OpenApi,
    Settings,
    SetListenAddress {
        address: String,
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
    /// Answer `confirmation_required` instead of running when a step would
    /// change something outside Hookline (the designer's Run once asks).
    #[serde(default)]
    #[ts(as = "Option<bool>", optional)]
    pub ask_first: bool,
}

/// Arguments of [`Request::ListExecutions`].
#[derive(Debug, Clone, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ListExecutionsArgs {
    /// Only this flow's executions (id or slug).
    #[ts(optional)]
    pub flow: Option<String>,
    /// At most this many, newest first (default 50).
    #[ts(optional)]
    pub limit: Option<u32>,
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

/// Runs `request` against `core`.
pub async fn dispatch(core: &Core, request: Request) -> Result<Value> {
    use Request::*;
    match request {
        Components => json(core.components()),
        ListFlows => json(core.list_flows().await?),
        GetFlow { flow } => json(core.get_flow(&flow).await?),
        CreateFlow { name } => json(core.create_flow(&name).await?),
        SaveDraft { document } => json(core.save_draft(document).await?),
        RenameFlow(args) => json(core.rename_flow(&args.flow, &args.name, args.description.as_deref()).await?),
        DuplicateFlow { flow } => json(core.duplicate_flow(&flow).await?),
        DeleteFlow { flow } => json(core.delete_flow(&flow).await?),
        ImportFlow { text } => json(core.import_flow(&text).await?),
        ExportFlow { flow, with_samples } => json(core.export_flow(&flow, with_samples.unwrap_or(false)).await?),
        ValidateFlow { flow } => json(core.validate_flow(&flow).await?),
        Publish { flow } => json(core.publish(&flow).await?),
        Start { flow } => json(core.start(&flow).await?),
        Stop { flow } => json(core.stop(&flow).await?),
        Versions { flow } => json(core.versions(&flow).await?),
        Version { flow, version } => json(core.version(&flow, version).await?),
        RestoreVersion { flow, version } => json(core.restore_version(&flow, version).await?),
        RunFlow(args) => {
            let options =
                RunOptions { input: args.input, draft: args.draft, ask_first: args.ask_first, ..Default::default() };
            json(core.run_flow(&args.flow, options).await?)
        }
        ListExecutions(args) => {
            let filter = ExecutionFilter { flow_id: args.flow, status: None, limit: args.limit.or(Some(50)) };
            json(core.list_executions(filter).await?)
        }
        GetExecution { id } => json(core.get_execution(&id).await?),
        ListCredentials => json(core.list_credentials().await?),
        CheckExpression { expr } => json(core.check_expression(&expr)),
        Hooks { flow } => json(core.hook_info(&flow).await?),
        PostmanCollection { flow } => Ok(core.postman_collection(&flow).await?),
        OpenApi => Ok(core.openapi().await?),
        Settings => json(core.settings()?),
        SetListenAddress { address } => json(core.set_listen_address(&address).await?),
        ListSamples { flow, step } => json(core.list_samples(&flow, &step).await?),
        AddSample(args) => {
            json(core.add_sample(&args.flow, &args.step, args.value, args.text.as_deref(), args.source).await?)
        }
        SetCurrentSample { flow, step, sample } => json(core.set_current_sample(&flow, &step, &sample).await?),
        RemoveSample { flow, step, sample } => json(core.remove_sample(&flow, &step, &sample).await?),
        GenerateSample { flow, step, from } => json(core.generate_sample(&flow, &step, from).await?),
        PreviewStep(args) => {
            json(core.preview_step(&args.flow, &args.step, args.sample.map(|n| n as usize), args.document).await?)
        }
        InferSchema { flow, step } => json(core.infer_schema(&flow, &step).await?),
        RetrieveSample(args) => {
            json(core.retrieve_sample(&args.flow, &args.step, args.confirm, args.use_stored).await?)
        }
        CaptureSample(args) => {
            json(core.capture_sample(&args.flow, u64::from(args.timeout_ms.unwrap_or(120_000))).await?)
        }
        CancelCapture { flow } => json(core.cancel_capture(&flow).await?),
        ListInbox(args) => json(core.list_inbox(&args.flow, args.limit.unwrap_or(50).min(500)).await?),
    }
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
            matches!(request, Request::ListExecutions(ListExecutionsArgs { flow: None, limit: None })),
            "an empty body gives optional arguments their defaults"
        );
        let request = Request::from_parts("runFlow", Some(serde_json::json!({"flow": "pets"}))).unwrap();
        assert!(
            matches!(request, Request::RunFlow(RunFlowArgs { draft: false, input: None, .. })),
            "optional arguments default"
        );
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
