//! `POST /events/{name}`: emits a Custom Event from outside, starting every
//! started flow whose Event trigger names it. The JSON body is the payload.
//! Settings may name a credential the caller must present; the listener's
//! host and browser-origin checks apply as for hooks. Events are not hook
//! requests, so nothing is kept in an inbox: the started executions are
//! their record.

use hookline_engine::components::event::is_event_name;
use hookline_engine::events::{Emission, EmitError};
use hookline_engine::{webhook, WebhookSettings};
use hookline_model::{ids, timestamp, InboxEntry};
use serde_json::{json, Map, Value};

use crate::intake::{new_request_id, overloaded, payload_too_large, HookReply, Incoming};
use crate::{ApiError, Core, ErrorCode, Result};

impl Core {
    /// Handles `POST /events/{name}`: `202 {"name", "executions"}` once the
    /// started executions are committed.
    pub async fn receive_event(&self, incoming: Incoming) -> HookReply {
        match self.emit_from_listener(incoming).await {
            Ok(reply) => reply,
            Err(error) if error.code == ErrorCode::Internal => {
                let request_id = new_request_id();
                tracing::error!(request_id = %request_id, error = %error.message, "an event could not be emitted");
                HookReply::server_error(&ApiError::internal(), &request_id)
            }
            Err(error) if error.code.http_status() >= 500 => HookReply::server_error(&error, &new_request_id()),
            Err(error) => HookReply::error(&error),
        }
    }

    async fn emit_from_listener(&self, incoming: Incoming) -> Result<HookReply> {
        let Incoming { key: name, request, too_large } = incoming;
        if !is_event_name(&name) {
            return Err(ApiError::new(
                ErrorCode::InvalidInput,
                format!("{name:?} is not an event name: use letters, digits, '.', '_', ':' and '-'"),
            ));
        }
        // A web page the user visits must not emit events either.
        crate::origin::check_browser(&request, &WebhookSettings::default())?;
        if request.method != "POST" {
            return Err(ApiError::new(
                ErrorCode::MethodNotAllowed,
                format!("events are emitted with POST, not {}", request.method),
            )
            .with_header("allow", "POST".into()));
        }
        if let Some(limit) = too_large {
            return Err(payload_too_large(limit));
        }
        if self.runner()?.overloaded() {
            return Err(overloaded());
        }
        // The caller is checked as a hook guarded by the same credential
        // checks it; the entry is the request's form for that check only.
        let mut entry = InboxEntry {
            id: ids::generate(ids::INBOX_PREFIX),
            flow_key: name.clone(),
            flow_id: None,
            request,
            received_at: timestamp(std::time::SystemTime::now()),
            status: 202,
            reason: None,
            execution_id: None,
        };
        let mut secrets = vec![];
        if let Some(credential) = self.settings_file()?.events_credential {
            let guard = WebhookSettings { credential: Some(credential), ..WebhookSettings::default() };
            secrets = self.authenticate(&guard, &mut entry, None).await?.0;
        }
        let mut payload = webhook::output(&entry.request)
            .map_err(|e| ApiError::new(ErrorCode::InvalidJson, e.to_string()))?
            .get_mut("body")
            .map(Value::take)
            .unwrap_or(Value::Null);
        if !secrets.is_empty() {
            let secret_refs: Vec<&str> = secrets.iter().map(String::as_str).collect();
            hookline_vault::scrub_json(&mut payload, &secret_refs);
        }
        let mut emitted_by = Map::new();
        emitted_by.insert("source".into(), json!("listener"));
        let key = entry.request.header("idempotency-key").map(|key| format!("event:{name}:{key}"));
        let emission = Emission { name: name.clone(), payload, emitted_by, depth: 1, key };
        let executions = self.engine.emit_event(emission).await.map_err(|error| match error {
            EmitError::Overloaded(_) => overloaded(),
            other => ApiError::new(ErrorCode::Internal, other.to_string()),
        })?;
        Ok(HookReply::json(202, json!({"name": name, "executions": executions})))
    }
}
