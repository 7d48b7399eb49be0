//! Tester tooling for hooks (M9.1): a flow's hook URLs, a ready curl command,
//! a Postman collection (v2.1) for the flow and an OpenAPI document of every
//! live hook. All are built from the draft's webhook trigger and its sample,
//! so what a tester sends matches what the designer mapped.

use hookline_model::{FlowDocument, FlowRecord, Step};
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
    /// Requests must carry the credential the trigger names.
    pub guarded_by: Option<String>,
}

const POSTMAN_SCHEMA: &str = "https://schema.getpostman.com/json/collection/v2.1.0/collection.json";

impl Core {
    /// The hook of a flow whose trigger is a webhook.
    pub async fn hook_info(&self, key: &str) -> Result<HookInfo> {
        let flow = self.get_flow(key).await?;
        let base = self.hook_base()?;
        hook_of(&flow, &base)
    }

    /// A Postman collection (v2.1) with one request per method of the flow's
    /// hook, plus the capture URL, each carrying the sample body.
    pub async fn postman_collection(&self, key: &str) -> Result<Value> {
        let flow = self.get_flow(key).await?;
        let hook = hook_of(&flow, &self.hook_base()?)?;
        let body = sample_body(&flow.draft);
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
            let Ok(hook) = hook_of(&flow, &base) else { continue };
            let path = hook.url.strip_prefix(&base).unwrap_or(&hook.url).to_string();
            let mut operations = Map::new();
            for method in &hook.methods {
                operations.insert(method.to_ascii_lowercase(), openapi_operation(&flow, &hook, method));
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
        }))
    }
}

fn trigger(document: &FlowDocument) -> Option<&Step> {
    document.steps.iter().find(|s| s.component == "webhook")
}

fn hook_of(flow: &FlowRecord, base: &str) -> Result<HookInfo> {
    let step = trigger(&flow.draft).ok_or_else(|| {
        ApiError::new(ErrorCode::InvalidInput, format!("{} has no Webhook trigger, so it has no hook", flow.summary.id))
    })?;
    let config = step.config.as_ref();
    let methods: Vec<String> = config
        .and_then(|c| c.get("methods")?.as_array().cloned())
        .map(|list| list.iter().filter_map(|m| m.as_str().map(str::to_string)).collect())
        .filter(|list: &Vec<String>| !list.is_empty())
        .unwrap_or_else(|| vec!["POST".to_string()]);
    let key = flow.summary.slug.clone().unwrap_or_else(|| flow.summary.id.clone());
    let url = format!("{base}/hook/{key}");
    let body = sample_body(&flow.draft);
    let method = methods.first().map(String::as_str).unwrap_or("POST");
    Ok(HookInfo {
        flow_id: flow.summary.id.clone(),
        live: flow.summary.live,
        curl: curl(method, &url, &body),
        test_url: format!("{base}/hook-test/{key}"),
        url,
        methods,
        guarded_by: step.credential.clone(),
    })
}

/// The body of the trigger's sample, or an empty object.
fn sample_body(document: &FlowDocument) -> Value {
    trigger(document).and_then(|s| s.sample.as_ref()?.get("body").cloned()).unwrap_or_else(|| Value::Object(Map::new()))
}

/// A curl command line; the body is single-quoted with any `'` escaped, so it
/// pastes into a POSIX shell unchanged.
fn curl(method: &str, url: &str, body: &Value) -> String {
    if method == "GET" {
        return format!("curl -i '{url}'");
    }
    let data = body.to_string().replace('\'', r"'\''");
    format!("curl -i -X {method} '{url}' -H 'Content-Type: application/json' --data '{data}'")
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

fn openapi_operation(flow: &FlowRecord, hook: &HookInfo, method: &str) -> Value {
    let sync = trigger(&flow.draft)
        .and_then(|s| s.config.as_ref()?.get("respond")?.as_str().map(|r| r == "sync"))
        .unwrap_or(false);
    let mut responses = Map::new();
    if sync {
        responses
            .insert("200".into(), json!({"description": "The flow ran; the reply is what its Respond step sent."}));
    } else {
        responses.insert(
            "202".into(),
            json!({
                "description": "Accepted: an execution was queued.",
                "content": {"application/json": {"schema": {
                    "type": "object",
                    "properties": {"executionId": {"type": "string"}, "statusUrl": {"type": "string"}}
                }}}
            }),
        );
    }
    if hook.guarded_by.is_some() {
        responses.insert("401".into(), json!({"description": "Missing or wrong credentials."}));
        responses.insert("403".into(), json!({"description": "The caller is not admitted by the hook's policies."}));
    }
    responses.insert("409".into(), json!({"description": "The flow is stopped."}));
    let mut operation = json!({
        "operationId": format!("{}_{}", flow.summary.id, method.to_ascii_lowercase()),
        "summary": flow.summary.name,
        "description": flow.summary.description,
        "responses": responses,
    });
    if method != "GET" {
        let body = sample_body(&flow.draft);
        operation["requestBody"] = json!({
            "content": {"application/json": {"schema": schema_of(&body), "example": body}}
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
            r#"curl -i -X POST 'http://127.0.0.1:8787/hook/pets' -H 'Content-Type: application/json' --data '{"name":"O'\''Neil"}'"#,
            "a quote in the body must not end the shell argument"
        );
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
