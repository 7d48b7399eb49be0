//! Samples of each step's output (M5) and the mapping preview over them (M6).
//! Samples have one home, the store: several per step, one current. Flow
//! documents carry none (drafts, versions and exports), so a capture changes
//! no draft and no published version; `sample` in an imported file becomes
//! the step's current sample, and an export may carry them when asked.

use std::collections::{HashMap, HashSet};

use hookline_engine::params::parameters;
use hookline_engine::preview::{preview_step, Samples};
use hookline_engine::schema::{infer_schema, value_for_schema};
use hookline_engine::step_input::StepScope;
use hookline_engine::{Problem, RunOnceError};
use hookline_model::{
    ids, mask_secret_headers, parse_json_text, CoreEvent, FieldCheck, FieldPreview, FlowDocument, FlowRecord, Sample,
    SampleSource, StepPreview,
};
use serde::Deserialize;
use serde_json::{json, Map, Value};
use tokio_util::sync::CancellationToken;

use crate::{now, ApiError, Core, ErrorCode, Result};

/// Where a generated sample comes from.
#[derive(Debug, Clone, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(tag = "kind", rename_all = "camelCase", deny_unknown_fields)]
pub enum SampleFrom {
    /// Built from the component's output schema (the trigger's settings) or
    /// its example output.
    Schema,
    /// An earlier execution of the flow: its trigger output for the trigger,
    /// the step's output for an action.
    Execution { id: String },
    /// A request kept in the flow's inbox, as the webhook trigger's output.
    Inbox { id: String },
}

impl Core {
    /// The flow's draft, and the step of it that `step` names.
    async fn flow_and_step(&self, flow: &str, step: &str) -> Result<FlowRecord> {
        let record = self.get_flow(flow).await?;
        if record.draft.step(step).is_none() {
            return Err(ApiError::new(
                ErrorCode::StepNotFound,
                format!("{} has no step {step:?}; steps are named by id (stp_…)", record.summary.id),
            ));
        }
        Ok(record)
    }

    /// Keeps `value` as the step's new current sample and tells subscribers.
    /// Every sample, however it came, is written here.
    async fn keep_sample(&self, flow_id: &str, step: &str, source: SampleSource, value: Value) -> Result<Sample> {
        let sample = self.store.add_sample(&new_sample(flow_id, step, source, value)).await?;
        self.sample_changed(flow_id, step);
        Ok(sample)
    }

    /// Keeps a test request's sample as the trigger's current sample.
    pub(crate) async fn record_capture(&self, flow_id: &str, step: &str, sample: &Value) -> Result<()> {
        self.store.record_capture(flow_id, step, sample, &now()).await?;
        self.sample_changed(flow_id, step);
        Ok(())
    }

    fn sample_changed(&self, flow_id: &str, step: &str) {
        self.engine.emit(CoreEvent::SampleChanged { flow_id: flow_id.to_string(), step_id: step.to_string() });
    }

    /// Makes the samples a document carries (a flow file, or a new step's
    /// sample typed before its first save) current samples, and takes them
    /// out of the document. With `replace`, a carried sample replaces the
    /// step's current one (an imported file says so explicitly); without, it
    /// is kept only for a step that has none yet, so a designer saving a
    /// stale copy never undoes a capture.
    pub(crate) async fn adopt_samples(&self, document: &mut FlowDocument, replace: bool) -> Result<()> {
        let Some(flow_id) = document.id.clone() else { return Ok(()) };
        let current = self.store.current_samples(&flow_id).await?;
        for step in &mut document.steps {
            let Some(value) = step.sample.take() else { continue };
            let adopt = match current.get(&step.id) {
                None => true,
                Some(existing) => replace && existing != &value,
            };
            if adopt {
                self.keep_sample(&flow_id, &step.id, SampleSource::Manual, value).await?;
            }
        }
        Ok(())
    }

    /// The document with each step's current sample, for an export that asks
    /// for them. Secret headers are masked and the values of the credentials
    /// the flow names are scrubbed.
    pub(crate) async fn with_samples(&self, flow_id: &str, mut document: FlowDocument) -> Result<FlowDocument> {
        let current = self.store.current_samples(flow_id).await?;
        let mut secrets = Vec::new();
        for name in hookline_engine::credential_names(&document) {
            if let Ok(credential) = self.engine.credentials().open(&name).await {
                secrets.extend(self.engine.credentials().secrets_of(&credential));
            }
        }
        let secret_refs: Vec<&str> = secrets.iter().map(String::as_str).collect();
        for step in &mut document.steps {
            if let Some(value) = current.get(&step.id) {
                let mut value = value.clone();
                if let Some(headers) = value.get_mut("headers").and_then(Value::as_object_mut) {
                    for (name, header) in headers.iter_mut() {
                        if let Value::String(text) = header {
                            let one = std::collections::BTreeMap::from([(name.clone(), text.clone())]);
                            *text = mask_secret_headers(&one).remove(name).unwrap_or_default();
                        }
                    }
                }
                hookline_vault::scrub_json(&mut value, &secret_refs);
                step.sample = Some(value);
            }
        }
        Ok(document)
    }

    /// The step's samples, newest first; exactly one is current when any exist.
    pub async fn list_samples(&self, flow: &str, step: &str) -> Result<Vec<Sample>> {
        let record = self.flow_and_step(flow, step).await?;
        Ok(self.store.list_samples(&record.summary.id, step).await?)
    }

    /// Adds a sample (given as JSON, or as JSON text whose syntax errors name
    /// line and column) and makes it the step's current one.
    pub async fn add_sample(
        &self,
        flow: &str,
        step: &str,
        value: Option<Value>,
        text: Option<&str>,
        source: Option<SampleSource>,
    ) -> Result<Sample> {
        let value = match (value, text) {
            (Some(value), None) => value,
            (None, Some(text)) => {
                parse_json_text(text).map_err(|e| ApiError::new(ErrorCode::InvalidInput, e.to_string()))?
            }
            _ => return Err(ApiError::new(ErrorCode::InvalidInput, "give the sample as either value or text")),
        };
        let record = self.flow_and_step(flow, step).await?;
        let source = source.unwrap_or(SampleSource::Manual);
        let flow_id = record.summary.id.clone();
        let draft_step = record.draft.step(step).expect("checked by flow_and_step");
        // A trigger decides what a typed sample means for its output (a
        // webhook's is the request body), so the preview sees what a run sees.
        let typed = self.engine.catalog().get(&draft_step.component).and_then(|c| c.typed_sample);
        let value = match typed {
            Some(shape) if source == SampleSource::Manual => {
                let config = draft_step.config.clone().unwrap_or_else(|| json!({}));
                shape(value, &config, &draft_hook_path(&record))
                    .map_err(|message| ApiError::new(ErrorCode::InvalidInput, message))?
            }
            _ => value,
        };
        self.keep_sample(&flow_id, step, source, value).await
    }

    /// Makes `sample` the step's current sample (and the draft's).
    pub async fn set_current_sample(&self, flow: &str, step: &str, sample: &str) -> Result<Sample> {
        let record = self.flow_and_step(flow, step).await?;
        let set =
            self.store.set_current_sample(&record.summary.id, step, sample).await?.ok_or_else(|| {
                ApiError::new(ErrorCode::SampleNotFound, format!("step {step} has no sample {sample:?}"))
            })?;
        self.sample_changed(&record.summary.id, step);
        Ok(set)
    }

    /// Removes `sample`; when it was current, the newest remaining one becomes
    /// current, or the step is left without a sample. Returns the step's
    /// current sample afterwards.
    pub async fn remove_sample(&self, flow: &str, step: &str, sample: &str) -> Result<Option<Sample>> {
        let record = self.flow_and_step(flow, step).await?;
        if !self.store.remove_sample(&record.summary.id, step, sample).await? {
            return Err(ApiError::new(ErrorCode::SampleNotFound, format!("step {step} has no sample {sample:?}")));
        }
        self.sample_changed(&record.summary.id, step);
        Ok(self.store.current_sample(&record.summary.id, step).await?)
    }

    /// Generates a sample for the step and makes it current.
    pub async fn generate_sample(&self, flow: &str, step: &str, from: SampleFrom) -> Result<Sample> {
        let record = self.flow_and_step(flow, step).await?;
        let flow_id = record.summary.id.clone();
        let draft_step = record.draft.step(step).expect("checked above");
        let component = self.engine.catalog().get(&draft_step.component).ok_or_else(|| {
            ApiError::new(
                ErrorCode::InvalidInput,
                format!("step {step} uses unknown component {:?}", draft_step.component),
            )
        })?;
        let (source, value) = match from {
            SampleFrom::Schema => {
                let config = draft_step.config.clone().unwrap_or_else(|| json!({}));
                let value = match component.output_schema_for(&config, &draft_hook_path(&record)) {
                    Some(schema) => value_for_schema(&schema),
                    None => component.descriptor.example_output.clone(),
                };
                (SampleSource::Generated, value)
            }
            SampleFrom::Execution { id } => {
                let execution = self.get_execution(&id).await?;
                if execution.flow_id != flow_id {
                    return Err(ApiError::new(
                        ErrorCode::InvalidInput,
                        format!("execution {id} is not a run of {flow_id}"),
                    ));
                }
                let value = if component.is_trigger() {
                    Some(execution.input)
                } else {
                    execution.steps.into_iter().find(|run| run.step_id == step).and_then(|run| run.output)
                };
                let value = value.ok_or_else(|| {
                    ApiError::new(ErrorCode::InvalidInput, format!("step {step} has no output in execution {id}"))
                })?;
                (SampleSource::Execution, value)
            }
            SampleFrom::Inbox { id } => {
                let entry =
                    self.store.get_inbox(&id).await?.ok_or_else(|| {
                        ApiError::new(ErrorCode::InboxEntryNotFound, format!("no inbox entry {id:?}"))
                    })?;
                if entry.flow_id.as_deref() != Some(flow_id.as_str()) {
                    return Err(ApiError::new(
                        ErrorCode::InvalidInput,
                        format!("inbox entry {id} did not reach {flow_id}"),
                    ));
                }
                if !component.is_trigger() {
                    return Err(ApiError::new(
                        ErrorCode::InvalidInput,
                        "an inbox request is a sample of the trigger only",
                    ));
                }
                (SampleSource::Captured, hookline_engine::webhook::sample(&entry.request))
            }
        };
        self.keep_sample(&flow_id, step, source, value).await
    }

    /// Each input field of `step` evaluated against the samples: the
    /// trigger's sample number `sample` (0 = newest) or its current one, and
    /// every other step's current sample. `document` previews unsaved edits
    /// instead of the stored draft.
    pub async fn preview_step(
        &self,
        flow: &str,
        step: &str,
        sample: Option<usize>,
        document: Option<FlowDocument>,
    ) -> Result<StepPreview> {
        let record = self.get_flow(flow).await?;
        let flow_id = record.summary.id.clone();
        let document = document.unwrap_or(record.draft);
        let mut samples = self.samples_of(&flow_id, &document).await?;
        if let Some(index) = sample {
            let trigger = self.trigger_of(&document).ok_or_else(|| {
                ApiError::new(
                    ErrorCode::InvalidInput,
                    format!("{flow_id} has no trigger, so it has no trigger samples"),
                )
            })?;
            let listed = self.store.list_samples(&flow_id, &trigger).await?;
            let chosen = listed.into_iter().nth(index).ok_or_else(|| {
                ApiError::new(
                    ErrorCode::SampleNotFound,
                    format!("the trigger has no sample number {index} (0 is the newest)"),
                )
            })?;
            samples.trigger = Some(chosen.value);
        }
        let mut preview = preview_step(&document, self.engine.catalog(), step, &samples, &self.engine_limits())
            .ok_or_else(|| ApiError::new(ErrorCode::StepNotFound, format!("{flow_id} has no step {step:?}")))?;
        let others = self.other_trigger_samples(&flow_id, &document, &samples).await?;
        self.settle_empty_fields(&document, &samples, &others, &mut preview);
        Ok(preview)
    }

    /// The trigger's samples other than the one `samples` previews with (at
    /// most [`SAMPLES_CHECKED`]): what decides whether an optional field that
    /// maps to nothing is flagged.
    async fn other_trigger_samples(
        &self,
        flow_id: &str,
        document: &FlowDocument,
        samples: &Samples,
    ) -> Result<Vec<Value>> {
        let Some(trigger) = self.trigger_of(document) else { return Ok(vec![]) };
        Ok(self
            .store
            .list_samples(flow_id, &trigger)
            .await?
            .into_iter()
            .map(|sample| sample.value)
            .filter(|value| Some(value) != samples.trigger.as_ref())
            .take(SAMPLES_CHECKED)
            .collect())
    }

    /// An optional field that yields nothing for one sample is only flagged
    /// when it yields nothing for every sample of the trigger (`others` are
    /// the rest of them): a field some requests carry and others do not is
    /// what optional means. A mapped required field stays flagged (a run with
    /// this sample fails), and its message says how many samples do fill it;
    /// the answer says which fields some other sample fills.
    fn settle_empty_fields(
        &self,
        document: &FlowDocument,
        samples: &Samples,
        others: &[Value],
        preview: &mut StepPreview,
    ) -> HashSet<String> {
        let unsettled = |f: &FieldPreview| {
            f.check == FieldCheck::Empty || (f.check == FieldCheck::MissingRequired && f.source.is_some())
        };
        if others.is_empty() || !preview.fields.iter().any(unsettled) {
            return HashSet::new();
        }
        let total = others.len() + 1;
        let limits = self.engine_limits();
        let mut filled: HashMap<String, usize> = HashMap::new();
        for value in others {
            let with = Samples { trigger: Some(value.clone()), steps: samples.steps.clone() };
            let Some(other) = preview_step(document, self.engine.catalog(), &preview.step_id, &with, &limits) else {
                continue;
            };
            for field in other.fields.into_iter().filter(|f| f.value.is_some()) {
                *filled.entry(field.field).or_default() += 1;
            }
        }
        for field in preview.fields.iter_mut().filter(|f| unsettled(f)) {
            let Some(count) = filled.get(&field.field) else { continue };
            let counted = format!("{count} of the trigger's {total} samples give it a value");
            if field.check == FieldCheck::Empty {
                field.check = FieldCheck::Ok;
                field.message = Some(format!("nothing for this sample, so a run leaves it out; {counted}"));
            } else {
                field.message = Some(format!(
                    "the required input {} maps to nothing for this sample, so a run with data like it fails; {counted}",
                    field.field
                ));
            }
        }
        filled.into_keys().collect()
    }

    /// A JSON Schema of the step's output inferred from all its samples.
    pub async fn infer_schema(&self, flow: &str, step: &str) -> Result<Value> {
        let values: Vec<Value> = self.list_samples(flow, step).await?.into_iter().map(|s| s.value).collect();
        Ok(infer_schema(&values))
    }

    /// Runs the one step with its input mapped from the current samples and
    /// keeps its output as the step's new current sample. A step with side
    /// effects runs only with `confirm`; `use_stored` takes the output of the
    /// newest succeeded execution that ran the step instead of running it.
    pub async fn retrieve_sample(&self, flow: &str, step: &str, confirm: bool, use_stored: bool) -> Result<Sample> {
        let record = self.flow_and_step(flow, step).await?;
        let flow_id = record.summary.id.clone();
        if use_stored {
            let output = self.store.latest_step_output(&flow_id, step).await?.ok_or_else(|| {
                ApiError::new(ErrorCode::SampleNotFound, format!("no succeeded execution of {flow_id} ran step {step}"))
            })?;
            return self.keep_sample(&flow_id, step, SampleSource::Execution, output).await;
        }
        let document = record.draft;
        let draft_step = document.step(step).expect("checked above");
        let samples = self.samples_of(&flow_id, &document).await?;
        let scope = StepScope::new(
            samples.trigger.clone().unwrap_or_else(|| json!({})),
            samples.steps.clone(),
            Value::Object(parameters(&document, &Map::new())),
            json!({"id": "exe_sample", "flowId": flow_id, "version": null}),
        );
        let (_, output) = match self.engine.run_step_once(&document, step, scope, confirm, &CancellationToken::new()).await
        {
            Ok(ran) => ran,
            Err(RunOnceError::NeedsConfirmation(effect)) => {
                return Err(ApiError::new(
                    ErrorCode::ConfirmationRequired,
                    format!(
                        "running {step} ({}) for a sample would {effect}: confirm to run it, or use the output of an earlier execution",
                        draft_step.name
                    ),
                ))
            }
            Err(RunOnceError::Failed(message)) => {
                return Err(ApiError::new(ErrorCode::InvalidInput, format!("step {step} failed: {message}")))
            }
        };
        self.keep_sample(&flow_id, step, SampleSource::Execution, output).await
    }

    /// Fields whose value over the current samples does not fit the target
    /// field (`type_mismatch`) or is missing though required: these block
    /// publishing. Optional fields that yield nothing come back as warnings.
    /// Steps are only checked where samples exist; unknown step ids are
    /// already design problems. Each names the step and the field.
    pub(crate) async fn sample_problems(
        &self,
        flow_id: &str,
        document: &FlowDocument,
    ) -> Result<(Vec<Problem>, Vec<Problem>)> {
        let samples = self.samples_of(flow_id, document).await?;
        if samples.trigger.is_none() {
            return Ok((vec![], vec![]));
        }
        let limits = self.engine_limits();
        let others = self.other_trigger_samples(flow_id, document, &samples).await?;
        let (mut problems, mut warnings) = (vec![], vec![]);
        for (index, step) in document.steps.iter().enumerate() {
            let Some(mut preview) = preview_step(document, self.engine.catalog(), &step.id, &samples, &limits) else {
                continue;
            };
            let filled_elsewhere = self.settle_empty_fields(document, &samples, &others, &mut preview);
            for field in preview.fields {
                let (reason, list) = match field.check {
                    FieldCheck::TypeMismatch => ("its value over the current samples does not fit", &mut problems),
                    // Required data some requests lack is worth a warning,
                    // not a refusal: the flow works for the others.
                    FieldCheck::MissingRequired if filled_elsewhere.contains(&field.field) => {
                        ("it maps to nothing for the current sample", &mut warnings)
                    }
                    FieldCheck::MissingRequired if field.source.is_some() => {
                        ("it maps to nothing for any of the trigger's samples", &mut problems)
                    }
                    FieldCheck::Empty => ("it maps to nothing for any of the trigger's samples", &mut warnings),
                    _ => continue,
                };
                list.push(Problem {
                    path: format!("steps[{index}].inputs[{:?}]", field.field),
                    message: format!(
                        "step {} ({}), field {}: {reason}: {}",
                        step.id,
                        step.name,
                        field.field,
                        field.message.unwrap_or_default()
                    ),
                });
            }
        }
        Ok((problems, warnings))
    }

    /// The current samples of the document's steps: the trigger's, and every
    /// step's by id.
    pub(crate) async fn samples_of(&self, flow_id: &str, document: &FlowDocument) -> Result<Samples> {
        let mut current = self.store.current_samples(flow_id).await?;
        let trigger = self.trigger_of(document);
        let mut samples = Samples::default();
        for step in &document.steps {
            let Some(value) = current.remove(&step.id) else { continue };
            if Some(&step.id) == trigger.as_ref() {
                samples.trigger = Some(value.clone());
            }
            samples.steps.insert(step.id.clone(), value);
        }
        Ok(samples)
    }

    /// The current sample of the document's trigger, if it has one.
    pub(crate) async fn trigger_sample(&self, flow_id: &str, document: &FlowDocument) -> Result<Option<Value>> {
        let Some(trigger) = self.trigger_of(document) else { return Ok(None) };
        Ok(self.store.current_sample(flow_id, &trigger).await?.map(|s| s.value))
    }

    fn trigger_of(&self, document: &FlowDocument) -> Option<String> {
        let catalog = self.engine.catalog();
        document.steps.iter().find(|s| catalog.get(&s.component).is_some_and(|c| c.is_trigger())).map(|s| s.id.clone())
    }
}

/// The path of the hook the draft declares, for samples shaped like its
/// requests.
fn draft_hook_path(record: &FlowRecord) -> String {
    format!("/hook/{}", record.summary.slug.as_deref().unwrap_or(&record.summary.id))
}

/// How many of a trigger's other samples decide whether an optional field
/// that maps to nothing is flagged.
const SAMPLES_CHECKED: usize = 20;

/// A sentence fragment for the confirmation: what running the step does,
/// from its component's descriptor.
fn new_sample(flow_id: &str, step: &str, source: SampleSource, value: Value) -> Sample {
    Sample {
        id: ids::generate(ids::SAMPLE_PREFIX),
        flow_id: flow_id.to_string(),
        step_id: step.to_string(),
        source,
        created_at: now(),
        value,
        current: true,
    }
}

/// Waits for test requests, by flow id, so a designer can cancel its wait.
#[derive(Default)]
pub(crate) struct CaptureWaits {
    waits: std::sync::Mutex<std::collections::HashMap<String, tokio_util::sync::CancellationToken>>,
}

impl Core {
    /// Waits up to `timeout_ms` for the next request to the flow's test URL
    /// (`/hook-test/{flow}`) and returns it as the trigger's new current
    /// sample; nothing runs. A second wait for the same flow ends the first.
    pub async fn capture_sample(&self, flow: &str, timeout_ms: u64) -> Result<Sample> {
        let record = self.get_flow(flow).await?;
        let trigger = self.trigger_step_id(&record)?;
        let timeout = std::time::Duration::from_millis(timeout_ms.clamp(1_000, 600_000));
        let cursor = self.capture_cursor(&record.summary.id, timeout).await?;
        let cancel = tokio_util::sync::CancellationToken::new();
        let previous =
            self.captures.waits.lock().expect("capture lock").insert(record.summary.id.clone(), cancel.clone());
        if let Some(previous) = previous {
            previous.cancel();
        }
        let waited = self.wait_for_capture(&cursor, timeout, cancel.clone()).await;
        self.forget_capture(&record.summary.id, &cancel);
        waited?;
        self.store
            .current_sample(&record.summary.id, &trigger)
            .await?
            .ok_or_else(|| ApiError::new(ErrorCode::Internal, "the test request arrived but its sample was not kept"))
    }

    /// Stops a [`Core::capture_sample`] wait; `false` when none was waiting.
    pub async fn cancel_capture(&self, flow: &str) -> Result<bool> {
        let id = self.get_flow(flow).await?.summary.id;
        let token = self.captures.waits.lock().expect("capture lock").remove(&id);
        Ok(token.map(|t| t.cancel()).is_some())
    }

    /// Removes the flow's wait if it is still this one (a newer wait keeps
    /// its own entry).
    fn forget_capture(&self, flow_id: &str, cancel: &tokio_util::sync::CancellationToken) {
        let mut waits = self.captures.waits.lock().expect("capture lock");
        if waits.get(flow_id).is_some_and(|t| t.is_cancelled() || t == cancel) {
            waits.remove(flow_id);
        }
    }

    fn trigger_step_id(&self, record: &FlowRecord) -> Result<String> {
        let catalog = self.engine.catalog();
        record
            .draft
            .steps
            .iter()
            .find(|s| catalog.get(&s.component).is_some_and(|c| c.is_trigger()))
            .map(|s| s.id.clone())
            .ok_or_else(|| {
                ApiError::new(
                    ErrorCode::InvalidInput,
                    format!("{} has no trigger to capture a sample for", record.summary.id),
                )
            })
    }
}
