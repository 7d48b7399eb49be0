//! Tester tooling for hooks (M9.1): a flow's hook URLs, a ready curl command,
//! a Postman collection (v2.1) for the flow and an OpenAPI document of every
//! live hook. The URL and methods are those of the published version (what
//! the listener answers); a flow never published shows its draft's. Bodies
//! come from the trigger's sample, so what a tester sends matches what the
//! designer mapped.

use hookline_engine::{RespondMode, WebhookSettings};
use hookline_model::FlowRecord;
use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::{ApiError, Core, ErrorCode, Result};

/// Where a flow's hook answers and how to call it.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
#[serde(rename_all = "camelCase")]
pub struct HookInfo {
    pub flow_id: String,
    /// Started: the URL runs the latest published version.
    pub live: bool,
    /// Methods the hook accepts.
    pub methods: Vec<String>,
    /// The live hook: `http://ADDRESS/hook/{slug or id}`.
    pub url: String,
    /// The capture URL: requests there become the trigger's sample, nothing runs.
    pub test_url: String,
    /// A curl command sending the trigger's sample body to the live hook.
    pub curl: String,
    /// The same command aimed at the test URL (it captures a sample and
    /// runs nothing).
    pub test_curl: String,
    /// Requests must carry the credential the trigger names.
    pub guarded_by: Option<String>,
}

const POSTMAN_SCHEMA: &str = "https://schema.getpostman.com/json/collection/v2.1.0/collection.json";

impl Core {
    /// The hook of a flow whose trigger is a webhook.
    pub async fn hook_info(&self, key: &str) -> Result<HookInfo> {
        let flow = self.get_flow(key).await?;
        let base = self.hook_base()?;
        Ok(self.hook_of(&flow, &base).await?.0)
    }

    /// The hook the listener serves for the flow: the latest published
    /// version's webhook settings under its live slug; a flow never
    /// published shows its draft's.
    async fn hook_of(&self, flow: &FlowRecord, base: &str) -> Result<(HookInfo, WebhookSettings)> {
        let id = &flow.summary.id;
        let (settings, key) = match flow.summary.latest_version {
            Some(version) => {
                let plan = self.version_plan(id, version).await?;
                (plan.trigger.webhook().cloned(), flow.summary.live_slug.clone())
            }
            None => {
                let settings = self.engine.catalog().trigger_settings(&flow.draft);
                let slug = settings.as_ref().and_then(|s| s.slug().map(str::to_string));
                (settings.and_then(|s| s.webhook().cloned()), slug)
            }
        };
        let mut settings = settings.ok_or_else(|| {
            ApiError::new(ErrorCode::InvalidInput, format!("{id} has no Webhook trigger, so it has no hook"))
        })?;
        // A "No Auth" credential admits every caller: the hook is open, and
        // its tooling must not tell testers to authenticate.
        if let Some(name) = &settings.credential {
            if self.get_credential(name).await.is_ok_and(|credential| credential.kind == "none") {
                settings.credential = None;
            }
        }
        let key = key.unwrap_or_else(|| id.clone());
        let url = format!("{base}/hook/{key}");
        let body = self.sample_body(flow).await?;
        let method = settings.methods.first().map(String::as_str).unwrap_or("POST");
        let test_url = format!("{base}/hook-test/{}", flow.summary.slug.as_deref().unwrap_or(id));
        let info = HookInfo {
            flow_id: id.clone(),
            live: flow.summary.live,
            curl: curl(method, &url, &body),
            test_curl: curl(method, &test_url, &body),
            test_url,
            url,
            methods: settings.methods.clone(),
            guarded_by: settings.credential.clone(),
        };
        Ok((info, settings))
    }

    /// The body of the trigger's current sample, or an empty object.
    async fn sample_body(&self, flow: &FlowRecord) -> Result<Value> {
        let sample = self.trigger_sample(&flow.summary.id, &flow.draft).await?;
        Ok(sample.and_then(|s| s.get("body").cloned()).unwrap_or_else(|| Value::Object(Map::new())))
    }

    /// A Postman collection (v2.1) with one request per method of the flow's
    /// hook, plus the capture URL, each carrying the sample body.
    pub async fn postman_collection(&self, key: &str) -> Result<Value> {
        let flow = self.get_flow(key).await?;
        let (hook, _) = self.hook_of(&flow, &self.hook_base()?).await?;
        let body = self.sample_body(&flow).await?;
        let mut items: Vec<Value> = hook
            .methods
            .iter()
            .map(|method| postman_request(&format!("{method} {}", flow.summary.name), method, &hook.url, &body))
            .collect();
        items.push(postman_request("Send sample (capture, runs nothing)", "POST", &hook.test_url, &body));
        Ok(json!({
            "info": {
                "name": format!("Hookline: {}", flow.summary.name),
                "description": flow.summary.description,
                "schema": POSTMAN_SCHEMA,
            },
            "item": items,
        }))
    }

    /// An OpenAPI 3.0 document with a path for every live flow's hook.
    pub async fn openapi(&self) -> Result<Value> {
        let base = self.hook_base()?;
        let mut paths = Map::new();
        for summary in self.list_flows().await?.into_iter().filter(|f| f.live) {
            let flow = self.get_flow(&summary.id).await?;
            let Ok((hook, settings)) = self.hook_of(&flow, &base).await else { continue };
            let path = hook.url.strip_prefix(&base).unwrap_or(&hook.url).to_string();
            let body = self.sample_body(&flow).await?;
            let mut operations = Map::new();
            for method in &hook.methods {
                operations.insert(method.to_ascii_lowercase(), openapi_operation(&flow, &settings, method, &body));
            }
            paths.insert(path, Value::Object(operations));
        }
        Ok(json!({
            "openapi": "3.0.3",
            "info": {
                "title": "Hookline live hooks",
                "version": env!("CARGO_PKG_VERSION"),
                "description": "Every started flow's webhook on this machine.",
            },
            "servers": [{"url": base}],
            "paths": paths,
            "components": {"schemas": {"Error": {
                "type": "object",
                "properties": {"error": {"type": "object", "properties": {
                    "code": {"type": "string"}, "message": {"type": "string"}
                }}}
            }}},
        }))
    }
}

/// A curl command line; the body is single-quoted with any `'` escaped, so it
/// pastes into a POSIX shell unchanged.
/// A curl command for the hook. Every part is quoted: a slug or body taken
/// from an imported flow must not be able to run anything in the shell of
/// the tester who pastes it.
fn curl(method: &str, url: &str, body: &Value) -> String {
    if method == "GET" {
        return format!("curl -i {}", shell_quote(url));
    }
    format!(
        "curl -i -X {} {} -H 'Content-Type: application/json' --data {}",
        shell_quote(method),
        shell_quote(url),
        shell_quote(&body.to_string())
    )
}

/// Single-quotes a word for a POSIX shell (a quote inside becomes `'\''`).
pub fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

fn postman_request(name: &str, method: &str, url: &str, body: &Value) -> Value {
    let mut request = json!({
        "method": method,
        "header": [{"key": "Content-Type", "value": "application/json"}],
        "url": postman_url(url),
    });
    if method != "GET" {
        request["body"] = json!({
            "mode": "raw",
            "raw": serde_json::to_string_pretty(body).expect("JSON values serialize"),
            "options": {"raw": {"language": "json"}},
        });
    }
    json!({"name": name, "request": request})
}

/// Postman keeps both the raw URL and its parts; clients read either.
fn postman_url(url: &str) -> Value {
    let (protocol, rest) = url.split_once("://").unwrap_or(("http", url));
    let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
    let (host, port) = match authority.rsplit_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (authority, None),
    };
    let mut value = json!({
        "raw": url,
        "protocol": protocol,
        "host": host.split('.').collect::<Vec<_>>(),
        "path": path.split('/').filter(|p| !p.is_empty()).collect::<Vec<_>>(),
    });
    if let Some(port) = port {
        value["port"] = json!(port);
    }
    value
}

fn openapi_operation(flow: &FlowRecord, settings: &WebhookSettings, method: &str, body: &Value) -> Value {
    let error = |description: &str| json!({"description": description, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}});
    let mut responses = Map::new();
    if settings.respond == RespondMode::Sync {
        responses.insert(
            "200".into(),
            json!({"description": "The flow ran; the reply is what its Respond step sent, or the execution's result."}),
        );
        responses
            .insert("500".into(), json!({"description": "The flow ran and failed: the failed step and its error."}));
        responses.insert(
            "504".into(),
            json!({"description": "The flow did not finish within the hook's timeout; it goes on running (sync_timeout)."}),
        );
    } else {
        responses.insert(
            "202".into(),
            json!({
                "description": "Accepted: the execution is durably stored and queued.",
                "content": {"application/json": {"schema": {
                    "type": "object",
                    "properties": {"executionId": {"type": "string"}, "statusUrl": {"type": "string"}}
                }}}
            }),
        );
        responses.insert(
            "200".into(),
            json!({"description": "A repeated Idempotency-Key or webhook-id: the original execution, nothing runs again."}),
        );
    }
    responses.insert("400".into(), error("The body says it is JSON but does not parse (invalid_json)."));
    if settings.is_guarded() {
        responses.insert("401".into(), error("Missing or wrong credentials (auth_failed, signature_invalid)."));
        responses.insert(
            "403".into(),
            error("The caller is not admitted by the hook's policies (forbidden), or a web page from an origin the hook does not list called it (cross_origin)."),
        );
    } else {
        responses
            .insert("403".into(), error("A web page from an origin the hook does not list called it (cross_origin)."));
    }
    responses.insert(
        "421".into(),
        error("The Host header names a host this listener does not serve (host_not_allowed); allow a tunnel's host in Settings or with --allowed-host."),
    );
    responses.insert("404".into(), error("No such flow (flow_not_found), or the flow is stopped (flow_not_started)."));
    responses.insert(
        "405".into(),
        error("The hook does not accept this method (method_not_allowed); Allow lists those it does."),
    );
    responses.insert("413".into(), error("The body is over the listener's limit (payload_too_large)."));
    responses
        .insert("503".into(), error("Too many executions are waiting (overloaded); retry after Retry-After seconds."));
    let mut operation = json!({
        "operationId": format!("{}_{}", flow.summary.id, method.to_ascii_lowercase()),
        "summary": flow.summary.name,
        "description": flow.summary.description,
        "responses": responses,
    });
    if method != "GET" {
        operation["requestBody"] = json!({
            "content": {"application/json": {"schema": schema_of(body), "example": body}}
        });
    }
    operation
}

/// A JSON Schema describing `value`'s shape, for documentation.
fn schema_of(value: &Value) -> Value {
    match value {
        Value::Null => json!({"nullable": true}),
        Value::Bool(_) => json!({"type": "boolean"}),
        Value::Number(n) if n.is_i64() || n.is_u64() => json!({"type": "integer"}),
        Value::Number(_) => json!({"type": "number"}),
        Value::String(_) => json!({"type": "string"}),
        Value::Array(items) => match items.first() {
            Some(first) => json!({"type": "array", "items": schema_of(first)}),
            None => json!({"type": "array", "items": {}}),
        },
        Value::Object(fields) => {
            let properties: Map<String, Value> = fields.iter().map(|(k, v)| (k.clone(), schema_of(v))).collect();
            json!({"type": "object", "properties": properties})
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn curl_quotes_the_body_for_a_shell() {
        let line = curl("POST", "http://127.0.0.1:8787/hook/pets", &json!({"name": "O'Neil"}));
        assert_eq!(
            line,
            r#"curl -i -X 'POST' 'http://127.0.0.1:8787/hook/pets' -H 'Content-Type: application/json' --data '{"name":"O'\''Neil"}'"#,
            "a quote in the body must not end the shell argument"
        );
    }

    #[test]
    fn curl_quotes_the_url_and_method_too() {
        let line = curl("GET", "http://127.0.0.1:8787/hook/x';touch pwned;'", &json!({}));
        assert_eq!(line, r#"curl -i 'http://127.0.0.1:8787/hook/x'\'';touch pwned;'\'''"#);
    }

    #[test]
    fn postman_urls_keep_host_port_and_path_parts() {
        let url = postman_url("http://127.0.0.1:8787/hook/pets");
        assert_eq!(
            url,
            json!({"raw": "http://127.0.0.1:8787/hook/pets", "protocol": "http", "host": ["127", "0", "0", "1"], "port": "8787", "path": ["hook", "pets"]})
        );
    }

    #[test]
    fn schemas_describe_nested_samples() {
        let schema = schema_of(&json!({"pet": {"name": "Gromit", "age": 3, "tags": ["dog"]}}));
        assert_eq!(schema["properties"]["pet"]["properties"]["age"]["type"], "integer");
        assert_eq!(schema["properties"]["pet"]["properties"]["tags"]["items"]["type"], "string");
    }
}
