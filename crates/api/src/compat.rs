//! The doors the seed platforms' clients knock on, and the app's Launcher.
//! Each is a [`Route`] into the one intake of `/hook/{flow}` (inbox,
//! idempotency, durable accept, events); a route only decides how the hook is
//! named, what it takes out of the request before anything keeps it, who may
//! pass and how the answer is worded:
//!
//! - Pydio Cells: `POST /a/scheduler/hooks/{slug}` with `{JobParameters,
//!   Paths, TaskID}`, answered `202 {TaskID, executionId, statusUrl}`.
//! - Boomerang Flow: `POST /webhook/payload` with the flow's access token in
//!   the body, answered `{activityId}`; `GET /webhook/status/{activityId}`
//!   answers Boomerang's status document.
//! - Cloudomation: `GET|POST /api/webhook/{client}/{slug}`, with the hook's
//!   API key as `key` in the query or the JSON payload; it waits for the flow
//!   and answers the execution, or only its id with `?async`.

use std::time::SystemTime;

use hookline_model::{timestamp, Execution, ExecutionStatus, HookRequest, StepStatus, TriggerSource};
use hookline_vault::tokens;
use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::intake::{HookReply, ReplyBody};
use crate::{ApiError, Core, ErrorCode, Result};

/// Which door a hook request came through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// `/hook/{flow}`: Hookline's own, named by flow id or live slug.
    Hook,
    /// `POST /a/scheduler/hooks/{slug}` (Pydio Cells).
    Cells,
    /// `POST /webhook/payload` (Boomerang Flow): the token in the body names
    /// the flow and stands for the hook's credential.
    Boomerang,
    /// `GET|POST /api/webhook/{client}/{slug}` (Cloudomation).
    Cloudomation { client: String },
    /// A Button pressed in the app's Launcher by the app's own user, who owns
    /// the flow: no credential is asked for. Worded like Cells.
    Launcher,
}

impl Route {
    /// The methods the route itself admits; `None` leaves it to the hook's
    /// `methods`. The seed platforms fix theirs, whatever the hook lists.
    pub(crate) fn methods(&self) -> Option<&'static [&'static str]> {
        match self {
            Route::Hook => None,
            Route::Cells | Route::Boomerang | Route::Launcher => Some(&["POST"]),
            Route::Cloudomation { .. } => Some(&["GET", "POST"]),
        }
    }

    /// Whether the hook's own credential and access rules are checked. A
    /// Boomerang token is the flow owner's own grant; a Launcher press is the
    /// owner at their own desk.
    pub(crate) fn checks_hook_credential(&self) -> bool {
        matches!(self, Route::Hook | Route::Cells | Route::Cloudomation { .. })
    }

    /// Whether the caller is answered only when the flow has ended, unless
    /// the request says otherwise.
    pub(crate) fn sync(&self, request: &HookRequest, hook_is_sync: bool) -> bool {
        match self {
            Route::Hook => match (request.query_flag("async"), request.query_flag("wait")) {
                (Some(true), _) => false,
                (_, Some(wait)) => wait,
                (Some(false), None) => true,
                (None, None) => hook_is_sync,
            },
            // Cloudomation's standard behaviour is to wait; `?async` does not.
            Route::Cloudomation { .. } => request.query_flag("async") != Some(true),
            Route::Cells | Route::Boomerang | Route::Launcher => false,
        }
    }

    /// The answer once the execution is durably stored (`duplicate`: an
    /// earlier delivery of the same request started it).
    pub(crate) fn accepted(&self, execution_id: &str, status_url: &str, duplicate: bool) -> HookReply {
        let (status, mut body) = match self {
            Route::Hook => (202, json!({"executionId": execution_id, "statusUrl": status_url})),
            Route::Cells | Route::Launcher => {
                (202, json!({"TaskID": execution_id, "executionId": execution_id, "statusUrl": status_url}))
            }
            Route::Boomerang => (200, json!({"activityId": execution_id})),
            Route::Cloudomation { .. } => {
                (200, json!({"id": execution_id, "executionId": execution_id, "statusUrl": status_url}))
            }
        };
        if !duplicate {
            return HookReply::json(status, body);
        }
        body["duplicate"] = Value::Bool(true);
        let mut reply = HookReply::json(200, body);
        reply.headers.push(("idempotent-replayed".into(), "true".into()));
        reply
    }
}

/// What a route took out of a request before anything kept it.
#[derive(Debug, Default)]
pub(crate) struct Taken {
    /// Boomerang's `token`.
    pub token: Option<String>,
    /// Cloudomation's `key`.
    pub key: Option<String>,
    /// The JSON body as parsed to take a field out of it, when the request
    /// says it is JSON: the trigger output reuses it instead of parsing the
    /// body again.
    pub json_body: Option<Value>,
}

/// Takes the route's secrets out of the request, so neither the inbox, the
/// run log nor a sample ever holds them, and reads a Cloudomation body that
/// is JSON as JSON whatever its declared type (the seed's own `curl -d`
/// example sends a form content type).
pub(crate) fn prepare(route: &Route, request: &mut HookRequest) -> Taken {
    let mut taken = Taken::default();
    match route {
        Route::Boomerang => taken.token = take_body_field(request, "token", &mut taken.json_body),
        Route::Cloudomation { .. } => {
            let declared_json = request.header("content-type").is_some_and(|t| t.to_ascii_lowercase().contains("json"));
            if !declared_json && serde_json::from_slice::<Value>(&request.body).is_ok() {
                request.headers.insert("content-type".into(), "application/json".into());
            }
            let from_query = take_query_field(request, "key");
            let from_body = take_body_field(request, "key", &mut taken.json_body);
            taken.key = from_query.or(from_body);
        }
        Route::Hook | Route::Cells | Route::Launcher => {}
    }
    taken
}

/// Removes a string field from a JSON object body and returns it; keeps the
/// parsed rest in `parsed` when the request declares JSON, as the trigger
/// output would read it.
fn take_body_field(request: &mut HookRequest, field: &str, parsed: &mut Option<Value>) -> Option<String> {
    let Ok(Value::Object(mut body)) = serde_json::from_slice::<Value>(&request.body) else { return None };
    let value = body.remove(field);
    if value.is_some() {
        request.body = serde_json::to_vec(&body).expect("a JSON object serialises");
    }
    if request.header("content-type").is_some_and(|t| t.to_ascii_lowercase().contains("json")) {
        *parsed = Some(Value::Object(body));
    }
    match value? {
        Value::String(text) => Some(text),
        other => Some(other.to_string()),
    }
}

/// Removes a parameter from the query string and returns its (last) value.
fn take_query_field(request: &mut HookRequest, field: &str) -> Option<String> {
    let pairs = request.query_pairs();
    let value = pairs.iter().filter(|(name, _)| name == field).map(|(_, value)| value.clone()).next_back()?;
    let kept: Vec<&(String, String)> = pairs.iter().filter(|(name, _)| name != field).collect();
    request.query = if kept.is_empty() {
        None
    } else {
        let mut query = form_urlencoded::Serializer::new(String::new());
        for (name, value) in kept {
            // A bare flag (`?async`) stays bare.
            if value.is_empty() {
                query.append_key_only(name);
            } else {
                query.append_pair(name, value);
            }
        }
        Some(query.finish())
    };
    Some(value)
}

/// Whether a flow has an access token, and since when.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
#[serde(rename_all = "camelCase")]
pub struct FlowTokenInfo {
    pub flow_id: String,
    pub present: bool,
    pub created_at: Option<String>,
}

/// A token just made: shown this once, never again.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
#[serde(rename_all = "camelCase")]
pub struct NewFlowToken {
    pub flow_id: String,
    pub token: String,
    pub created_at: String,
    /// Where a Boomerang client posts `{"token": …}`.
    pub payload_url: String,
    /// Where it reads an activity's status (`{activityId}` to fill in).
    pub status_url: String,
}

impl Core {
    /// Whether the flow has an access token (the token itself is never kept).
    pub async fn flow_token(&self, flow: &str) -> Result<FlowTokenInfo> {
        let flow = self.get_flow(flow).await?;
        let created_at = self.store.flow_token_created(&flow.summary.id).await?;
        Ok(FlowTokenInfo { flow_id: flow.summary.id, present: created_at.is_some(), created_at })
    }

    /// Makes the flow's access token (Boomerang's "Build webhook URL"). A
    /// flow that has one keeps it unless `rotate` is set, since the old one
    /// cannot be shown again; rotating makes the old token stop working.
    pub async fn create_flow_token(&self, flow: &str, rotate: bool) -> Result<NewFlowToken> {
        let flow = self.get_flow(flow).await?;
        let id = flow.summary.id;
        if !rotate {
            if let Some(created_at) = self.store.flow_token_created(&id).await? {
                return Err(ApiError::new(
                    ErrorCode::Conflict,
                    format!("{id} already has a token (made {created_at}); it is shown only once, so rotate it to get a new one"),
                ));
            }
        }
        let token = tokens::new_flow_token();
        let created_at = timestamp(SystemTime::now());
        self.store.set_flow_token(&id, &tokens::token_hash(&token), &created_at).await?;
        self.targets.forget_tokens_of(&id);
        tracing::info!(flow_id = %id, rotated = rotate, "a flow access token was made");
        let base = self.hook_base().unwrap_or_default();
        Ok(NewFlowToken {
            flow_id: id,
            token,
            created_at,
            payload_url: format!("{base}/webhook/payload"),
            status_url: format!("{base}/webhook/status/{{activityId}}"),
        })
    }

    /// The flow a presented token belongs to; a missing or unknown token is
    /// refused as missing credentials, saying nothing about which flows exist.
    pub(crate) async fn flow_of_token(&self, token: Option<&str>) -> Result<String> {
        let refused = || {
            ApiError::new(ErrorCode::AuthFailed, "missing or wrong token: send the flow's token as {\"token\": \"…\"}")
        };
        let token = token.filter(|t| !t.is_empty()).ok_or_else(refused)?;
        let hash = tokens::token_hash(token);
        // Every Boomerang delivery names its flow this way: a database round
        // trip each time cost the route a quarter of its throughput.
        if let Some(flow_id) = self.targets.token_flow(&hash) {
            return Ok(flow_id);
        }
        let flow_id = self.store.flow_of_token(&hash).await?.ok_or_else(refused)?;
        self.targets.remember_token(hash, flow_id.clone());
        Ok(flow_id)
    }

    /// Boomerang's status document for an activity (an execution), read with
    /// the token of the flow it belongs to. Another flow's token finds nothing.
    pub async fn boomerang_status(&self, activity_id: &str, token: Option<&str>) -> Result<Value> {
        let flow_id = self.flow_of_token(token).await?;
        let not_found = || ApiError::new(ErrorCode::ExecutionNotFound, format!("no activity {activity_id:?}"));
        let execution = self.engine.load_execution(activity_id).await?.ok_or_else(not_found)?;
        if execution.flow_id != flow_id {
            return Err(not_found());
        }
        let catalog = self.engine.catalog();
        let tasks = execution.steps.iter().filter(|step| {
            catalog.get(&step.component).is_none_or(|c| c.descriptor.kind != hookline_model::ComponentKind::Trigger)
        });
        let steps: Vec<Value> = tasks
            .enumerate()
            .map(|(index, step)| {
                json!({
                    "activityId": execution.id,
                    "id": format!("{}.{}", execution.id, index + 1),
                    "order": index + 1,
                    "taskId": step.step_id,
                    "taskName": step.name,
                    "flowTaskStatus": boomerang_step_status(step.status),
                    "startTime": step.started_at.as_deref().map(boomerang_time),
                    "duration": step.duration_ms.unwrap_or(0),
                    "outputs": step.output.clone().unwrap_or_else(|| json!({})),
                })
            })
            .collect();
        Ok(json!({
            "id": execution.id,
            "workflowId": execution.flow_id,
            "workflowRevisionid": execution.version.map(|v| v.to_string()),
            "creationDate": boomerang_time(&execution.created_at),
            "duration": execution.duration_ms.unwrap_or_else(|| elapsed_ms(&execution.created_at)),
            "status": boomerang_status_word(execution.status),
            "trigger": match execution.trigger {
                TriggerSource::Webhook => "webhook",
                TriggerSource::Manual => "manual",
                TriggerSource::Schedule => "scheduler",
                TriggerSource::Event => "custom",
            },
            "steps": steps,
        }))
    }

    /// Cloudomation's answer once the flow has ended: the execution with its
    /// inputs and outputs (or a Respond step's reply, as on `/hook`).
    pub(crate) async fn cloudomation_reply(&self, execution: Execution) -> HookReply {
        if execution.status == ExecutionStatus::Succeeded && execution.reply.is_some() {
            return crate::intake::sync_reply(execution);
        }
        let name = match self.store.get_flow(&execution.flow_id).await {
            Ok(Some(flow)) => Value::String(flow.summary.name),
            _ => Value::Null,
        };
        let status = if execution.status == ExecutionStatus::Succeeded { 200 } else { 500 };
        let mut body = Map::new();
        body.insert("id".into(), json!(execution.id));
        body.insert("flow_id".into(), json!(execution.flow_id));
        body.insert("name".into(), name);
        body.insert("status".into(), json!(execution.status));
        body.insert("input_value".into(), execution.input);
        body.insert("output_value".into(), execution.output.unwrap_or(Value::Null));
        body.insert("params".into(), Value::Object(execution.params));
        body.insert("created_at".into(), json!(execution.created_at));
        body.insert("ended_at".into(), json!(execution.finished_at));
        body.insert("duration_ms".into(), json!(execution.duration_ms));
        if execution.error.is_some() {
            body.insert("failed_step".into(), json!(execution.failed_step));
            body.insert("error".into(), json!(execution.error));
        }
        body.insert("steps".into(), json!(execution.steps));
        HookReply { status, headers: vec![], body: ReplyBody::Json(Value::Object(body)) }
    }
}

fn boomerang_status_word(status: ExecutionStatus) -> &'static str {
    match status {
        ExecutionStatus::Queued | ExecutionStatus::Running => "inProgress",
        ExecutionStatus::Succeeded => "completed",
        ExecutionStatus::Failed => "failure",
        ExecutionStatus::Cancelled => "cancelled",
    }
}

fn boomerang_step_status(status: StepStatus) -> &'static str {
    match status {
        StepStatus::Running => "inProgress",
        StepStatus::Succeeded => "completed",
        StepStatus::Failed => "failure",
        StepStatus::Skipped => "skipped",
        StepStatus::Cancelled => "cancelled",
    }
}

/// Boomerang writes its times as `2019-12-04T20:47:27.394+0000`; Hookline's
/// RFC 3339 UTC times differ only in the zone's spelling.
fn boomerang_time(time: &str) -> String {
    match time.strip_suffix('Z') {
        Some(rest) => format!("{rest}+0000"),
        None => time.to_string(),
    }
}

/// Milliseconds since an RFC 3339 time (an execution still running).
fn elapsed_ms(since: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(since)
        .map(|start| (chrono::Utc::now() - start.with_timezone(&chrono::Utc)).num_milliseconds().max(0))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(query: Option<&str>, content_type: &str, body: &str) -> HookRequest {
        HookRequest {
            method: "POST".into(),
            path: "/api/webhook/local/signup".into(),
            query: query.map(str::to_string),
            headers: [("content-type".to_string(), content_type.to_string())].into(),
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn cloudomation_takes_its_key_from_the_query_or_the_json_payload() {
        let cloudomation = Route::Cloudomation { client: "local".into() };
        let mut from_form = request(None, "application/x-www-form-urlencoded", r#"{"key": "k1", "name": "Ada"}"#);
        let taken = prepare(&cloudomation, &mut from_form);
        assert_eq!(taken.key.as_deref(), Some("k1"));
        assert_eq!(from_form.header("content-type"), Some("application/json"), "a JSON body is read as JSON");
        assert_eq!(serde_json::from_slice::<Value>(&from_form.body).unwrap(), json!({"name": "Ada"}));

        let mut from_query = request(Some("async&key=k2&x=1"), "text/plain", "hello");
        let taken = prepare(&cloudomation, &mut from_query);
        assert_eq!(taken.key.as_deref(), Some("k2"));
        assert_eq!(from_query.query.as_deref(), Some("async&x=1"), "the flag stays bare, the key goes");
        assert_eq!(from_query.header("content-type"), Some("text/plain"), "text stays text");
        assert_eq!(from_query.body, b"hello");
    }

    #[test]
    fn boomerang_takes_its_token_out_of_the_body_and_keeps_the_rest() {
        let mut payload = request(None, "application/json", r#"{"token": "hlw_x", "order": 7}"#);
        let taken = prepare(&Route::Boomerang, &mut payload);
        assert_eq!(taken.token.as_deref(), Some("hlw_x"));
        assert_eq!(serde_json::from_slice::<Value>(&payload.body).unwrap(), json!({"order": 7}));
        assert_eq!(taken.json_body, Some(json!({"order": 7})), "the parsed rest is kept for the trigger output");
        assert_eq!(
            hookline_engine::webhook::output_with_json(&payload, taken.json_body.unwrap()),
            hookline_engine::webhook::output(&payload).unwrap(),
            "and reads as the stored body would"
        );
        let mut as_text = request(None, "text/plain", r#"{"token": "hlw_x", "order": 7}"#);
        let taken = prepare(&Route::Boomerang, &mut as_text);
        assert_eq!(taken.token.as_deref(), Some("hlw_x"));
        assert_eq!(taken.json_body, None, "a body not declared JSON is read as its type says");
        let mut other = request(None, "application/json", r#"{"token": "hlw_x"}"#);
        assert!(prepare(&Route::Hook, &mut other).token.is_none(), "only Boomerang's route takes a token");
        assert_eq!(other.body, br#"{"token": "hlw_x"}"#);
    }

    #[test]
    fn each_route_words_its_acceptance_as_its_platform_does() {
        let cells = Route::Cells.accepted("exe_1", "http://h/executions/exe_1", false);
        assert_eq!(cells.status, 202);
        assert_eq!(
            cells.body,
            ReplyBody::Json(
                json!({"TaskID": "exe_1", "executionId": "exe_1", "statusUrl": "http://h/executions/exe_1"})
            )
        );
        let boomerang = Route::Boomerang.accepted("exe_1", "u", true);
        assert_eq!(boomerang.body, ReplyBody::Json(json!({"activityId": "exe_1", "duplicate": true})));
        assert!(boomerang.headers.contains(&("idempotent-replayed".into(), "true".into())));
        assert_eq!(boomerang_time("2019-12-04T20:47:27.394Z"), "2019-12-04T20:47:27.394+0000");
    }

    #[test]
    fn cloudomation_waits_unless_asked_not_to_and_cells_never_waits() {
        let cloudomation = Route::Cloudomation { client: "local".into() };
        assert!(cloudomation.sync(&request(None, "", ""), false));
        assert!(!cloudomation.sync(&request(Some("async"), "", ""), true));
        assert!(!Route::Cells.sync(&request(Some("wait"), "", ""), true));
        assert!(Route::Hook.sync(&request(Some("wait=1"), "", ""), false));
    }
}
