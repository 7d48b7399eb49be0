use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use base64::Engine as _;
use hookline_model::ComponentKind;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue, CONTENT_TYPE, LOCATION};
use serde::Deserialize;
use serde_json::{json, Map, Value};

use hookline_vault::{Kind, OpenCredential, Sensitive};

use super::{authorize, empty_object_schema, Action, ActionContext, Describe, FailureKind, Outcome, StepFailure};
use crate::catalog::Component;

const DEFAULT_TIMEOUT_MS: u64 = 30_000;
/// The largest response body a step reads unless it says otherwise: an API
/// answering gigabytes must fail the step, not the process.
const DEFAULT_MAX_RESPONSE_BYTES: u64 = 10 * 1024 * 1024;
const MAX_RESPONSE_BYTES: u64 = 1024 * 1024 * 1024;

pub(crate) fn component() -> Component {
    let mut descriptor = Describe {
        id: "http_request",
        kind: ComponentKind::Action,
        title: "HTTP Request",
        description: "Calls an HTTP API: any method, URL, headers, query and body. JSON responses are parsed.",
        icon: "globe",
    }
    .build(
        empty_object_schema(),
        json!({
            "type": "object",
            "additionalProperties": false,
            "required": ["url"],
            "properties": {
                "method": {"title": "Method", "enum": ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"], "default": "GET"},
                "url": {"title": "URL", "description": "An http:// or https:// URL.", "type": "string", "minLength": 1},
                "headers": {"title": "Headers", "type": "object", "additionalProperties": {"type": "string"}},
                "query": {"title": "Query parameters", "type": "object", "additionalProperties": {"type": ["string", "number", "boolean"]}},
                "body": {"title": "Body", "description": "Sent as JSON, or as text when it is a string."},
                "timeoutMs": {"title": "Timeout (ms)", "type": "integer", "minimum": 1, "maximum": 600000, "default": DEFAULT_TIMEOUT_MS},
                "failOnHttpError": {"title": "Fail on HTTP error", "description": "A status outside 200–299 fails the step.", "type": "boolean", "default": true},
                "followRedirects": {"title": "Follow redirects", "description": "Follow 3xx answers (up to 10). The credential is not sent on to another origin, and https is never followed to http.", "type": "boolean", "default": true},
                "maxResponseBytes": {"title": "Largest response (bytes)", "description": "A longer response body fails the step.", "type": "integer", "minimum": 1, "maximum": MAX_RESPONSE_BYTES, "default": DEFAULT_MAX_RESPONSE_BYTES}
            }
        }),
        json!({"status": 200, "headers": {"content-type": "application/json"}, "body": {"id": 1, "name": "Gromit", "status": "available"}}),
    );
    descriptor.credential_kinds =
        ["basic", "api_key", "bearer", "oauth2_client_credentials"].map(String::from).to_vec();
    descriptor.side_effects = true;
    Component::new(descriptor, Some(Arc::new(HttpRequest)))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Input {
    #[serde(default = "default_method")]
    method: String,
    url: String,
    #[serde(default)]
    headers: BTreeMap<String, String>,
    #[serde(default)]
    query: Map<String, Value>,
    body: Option<Value>,
    timeout_ms: Option<u64>,
    #[serde(default = "yes")]
    fail_on_http_error: bool,
    max_response_bytes: Option<u64>,
    #[serde(default = "yes")]
    follow_redirects: bool,
}

fn default_method() -> String {
    "GET".into()
}

fn yes() -> bool {
    true
}

struct HttpRequest;

#[async_trait]
impl Action for HttpRequest {
    /// GET and HEAD only read; every other method may change the remote side.
    fn side_effect(&self, input: &Value) -> Option<String> {
        let method = input.get("method").and_then(Value::as_str).unwrap_or("GET").to_ascii_uppercase();
        if method == "GET" || method == "HEAD" {
            return None;
        }
        let url = input.get("url").and_then(Value::as_str).unwrap_or("its URL");
        Some(format!("send a {method} request to {url}"))
    }

    async fn run(&self, input: Value, context: &ActionContext) -> Result<Outcome, StepFailure> {
        let input: Input = serde_json::from_value(input).map_err(|e| StepFailure::new(format!("input: {e}")))?;
        let url = reqwest::Url::parse(&input.url)
            .map_err(|e| StepFailure::new(format!("url {:?} is not a valid URL: {e}", input.url)))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(StepFailure::new(format!("url {:?}: only http and https are supported", input.url)));
        }
        let method = reqwest::Method::from_bytes(input.method.as_bytes())
            .map_err(|_| StepFailure::new(format!("method {:?} is not an HTTP method", input.method)))?;

        let mut headers = HeaderMap::new();
        for (name, value) in &input.headers {
            let name = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| StepFailure::new(format!("headers: {name:?} is not a valid header name")))?;
            let value = HeaderValue::from_str(value)
                .map_err(|_| StepFailure::new(format!("headers.{name}: the value is not a valid header value")))?;
            headers.insert(name, value);
        }
        let query: Vec<(String, String)> = input
            .query
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string())))
            .collect();

        // A call that may change something carries a key stable across the
        // step's retries and a restart, unless the flow sets its own.
        if !matches!(method, reqwest::Method::GET | reqwest::Method::HEAD) && !headers.contains_key(IDEMPOTENCY_KEY) {
            if let Some(key) = context.origin.idempotency_key() {
                let value = HeaderValue::from_str(&key).map_err(|_| {
                    StepFailure::new(format!("the idempotency key {key:?} is not a valid header value"))
                })?;
                headers.insert(IDEMPOTENCY_KEY, value);
            }
        }
        let timeout = Duration::from_millis(input.timeout_ms.unwrap_or(DEFAULT_TIMEOUT_MS));
        let credential = context.credential.as_deref();
        if let Some(credential) = credential {
            credential.check_destination(&url).map_err(StepFailure::new)?;
        }
        let with_key = match credential {
            Some(credential) => body_with_key(input.body.clone(), credential)?,
            None => input.body.clone(),
        };
        let call = Call {
            method,
            url,
            headers,
            query,
            body: input.body.clone(),
            with_key,
            timeout,
            follow_redirects: input.follow_redirects,
        };
        let oauth = credential.filter(|c| c.kind == Kind::OAuth2ClientCredentials);
        let mut token = match oauth {
            Some(credential) => Some(
                context
                    .credentials
                    .oauth_token(credential, &context.http, false)
                    .await
                    .map_err(|e| StepFailure::new(format!("credential {:?}: {e}", credential.name)))?,
            ),
            None => None,
        };
        let mut response = call.send(context, token.as_ref()).await?;
        // A token can be revoked before it expires: fetch a new one and try once more.
        if let (Some(credential), reqwest::StatusCode::UNAUTHORIZED) = (oauth, response.status()) {
            token = Some(
                context
                    .credentials
                    .oauth_token(credential, &context.http, true)
                    .await
                    .map_err(|e| StepFailure::new(format!("credential {:?}: {e}", credential.name)))?,
            );
            response = call.send(context, token.as_ref()).await?;
        }
        let (method, url) = (&call.method, &call.url);
        let status = response.status();
        let mut out_headers = Map::new();
        for (name, value) in response.headers() {
            let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
            match out_headers.get_mut(name.as_str()) {
                Some(Value::String(existing)) => {
                    existing.push_str(", ");
                    existing.push_str(&value);
                }
                _ => {
                    out_headers.insert(name.as_str().to_string(), Value::String(value));
                }
            }
        }
        let retry_after = retry_after(response.headers(), SystemTime::now());
        let is_json =
            response.headers().get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|ct| ct.contains("json"));
        let limit = input.max_response_bytes.unwrap_or(DEFAULT_MAX_RESPONSE_BYTES);
        let bytes = tokio::select! {
            bytes = read_capped(response, limit) => bytes.map_err(|e| StepFailure::new(format!("reading the response of {method} {url} failed: {e}")))?,
            () = context.cancel.cancelled() => return Err(StepFailure::new("cancelled while reading the response")),
        };
        let Some(bytes) = bytes else {
            return Err(StepFailure::new(format!(
                "the response of {method} {url} is larger than {limit} bytes; raise maxResponseBytes if the step needs all of it"
            )));
        };
        let body = decode_body(&bytes, is_json);
        let output = json!({"status": status.as_u16(), "headers": out_headers, "body": body});
        if input.fail_on_http_error && !status.is_success() {
            return Err(StepFailure {
                message: format!(
                    "{method} {url} answered {status}; set failOnHttpError to false to continue on HTTP errors"
                ),
                output: Some(output),
                kind: FailureKind::Http { status: status.as_u16(), retry_after },
            });
        }
        Ok(Outcome::output(output))
    }
}

/// The header a step with side effects sends its idempotency key in (the
/// name Stripe, Adyen and the IETF draft use).
const IDEMPOTENCY_KEY: &str = "idempotency-key";

/// How long a `Retry-After` header asks to wait: seconds, or an HTTP date
/// (a date in the past means now).
fn retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let value = headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let at = SystemTime::from(at.with_timezone(&chrono::Utc));
    Some(at.duration_since(now).unwrap_or_default())
}

/// The response body, read chunk by chunk; `None` as soon as it passes
/// `limit` bytes (a `Content-Length` over it is refused before reading).
async fn read_capped(mut response: reqwest::Response, limit: u64) -> reqwest::Result<Option<Vec<u8>>> {
    if response.content_length().is_some_and(|length| length > limit) {
        return Ok(None);
    }
    let mut bytes = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        if (bytes.len() + chunk.len()) as u64 > limit {
            return Ok(None);
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(Some(bytes))
}

/// An API key that travels in the JSON body joins it as the field `key`.
fn body_with_key(body: Option<Value>, credential: &OpenCredential) -> Result<Option<Value>, StepFailure> {
    if credential.kind != Kind::ApiKey || credential.api_key_location() != "body" {
        return Ok(body);
    }
    let key = credential.secret("key").map(|k| Value::String(k.expose().clone())).unwrap_or(Value::Null);
    match body {
        Some(Value::Object(mut fields)) => {
            fields.insert("key".into(), key);
            Ok(Some(Value::Object(fields)))
        }
        None | Some(Value::Null) => Ok(Some(json!({"key": key}))),
        Some(_) => Err(StepFailure::new(
            "the credential's API key travels in the JSON body field `key`, but the body is not an object",
        )),
    }
}

/// The most redirects a call follows, as browsers and curl's `-L` do.
const MAX_REDIRECTS: usize = 10;

/// One call of the step, followed through its redirects by hand: the HTTP
/// client follows none itself, so each hop can decide what still travels.
struct Call {
    method: reqwest::Method,
    url: reqwest::Url,
    headers: HeaderMap,
    query: Vec<(String, String)>,
    /// The body as mapped, and with the credential's body key when it has one.
    body: Option<Value>,
    with_key: Option<Value>,
    timeout: Duration,
    follow_redirects: bool,
}

/// What a redirect answer leads to.
#[derive(Debug, PartialEq)]
enum Hop {
    /// Stop here and hand the redirect answer to the step.
    Stay,
    /// Go on to `url`; `keep_body` for 307 and 308, `credential` while the
    /// origin stays the same.
    Follow { url: reqwest::Url, method: reqwest::Method, keep_body: bool, credential: bool },
}

/// Decides a redirect: a downgrade from https to http is refused, a change
/// of origin drops the credential, 301/302 turn a POST into a GET and 303
/// turns anything but HEAD into one, as browsers do.
fn next_hop(
    from: &reqwest::Url,
    method: &reqwest::Method,
    status: reqwest::StatusCode,
    location: Option<&str>,
) -> Result<Hop, String> {
    let keeps_method = matches!(status.as_u16(), 307 | 308);
    if !matches!(status.as_u16(), 301..=303) && !keeps_method {
        return Ok(Hop::Stay);
    }
    let Some(location) = location else { return Ok(Hop::Stay) };
    let to = from
        .join(location)
        .map_err(|e| format!("{method} {from} redirected to {location:?}, which is not a URL: {e}"))?;
    if !matches!(to.scheme(), "http" | "https") {
        return Err(format!("{method} {from} redirected to {to}: only http and https are followed"));
    }
    if from.scheme() == "https" && to.scheme() == "http" {
        return Err(format!(
            "{method} {from} redirected to {to}, from https to plain http; Hookline does not follow such a redirect"
        ));
    }
    let (method, keep_body) = match status.as_u16() {
        _ if keeps_method => (method.clone(), true),
        303 if *method != reqwest::Method::HEAD => (reqwest::Method::GET, false),
        301 | 302 if *method == reqwest::Method::POST => (reqwest::Method::GET, false),
        _ => (method.clone(), true),
    };
    let credential = from.origin() == to.origin();
    Ok(Hop::Follow { url: to, method, keep_body, credential })
}

impl Call {
    /// Sends the call, following redirects (unless the step turned that off).
    /// The credential goes only to the first origin: a hop to another origin
    /// carries no `Authorization`, key header, key query parameter or body
    /// key, and it does not come back on later hops. No `Referer` is sent.
    async fn send(
        &self,
        context: &ActionContext,
        token: Option<&Sensitive<String>>,
    ) -> Result<reqwest::Response, StepFailure> {
        let mut method = self.method.clone();
        let mut url = self.url.clone();
        let mut body = Some(self.body.as_ref());
        let mut credential = context.credential.as_deref();
        for _ in 0..=MAX_REDIRECTS {
            let body_now = match (body, credential) {
                (Some(_), Some(_)) => self.with_key.as_ref(),
                (Some(body), None) => body,
                (None, _) => None,
            };
            let request = self.request(context, &method, &url, body_now, credential, token);
            let response = tokio::select! {
                response = request.send() => response,
                () = context.cancel.cancelled() => return Err(StepFailure::new("cancelled while waiting for the response")),
            };
            let response = response.map_err(|e| {
                let kind = if e.is_timeout() { FailureKind::Timeout } else { FailureKind::Connection };
                StepFailure::new(describe_send_error(&e, &method, &url, self.timeout)).with_kind(kind)
            })?;
            if !self.follow_redirects {
                return Ok(response);
            }
            let location = response.headers().get(LOCATION).and_then(|value| value.to_str().ok());
            match next_hop(&url, &method, response.status(), location).map_err(StepFailure::new)? {
                Hop::Stay => return Ok(response),
                Hop::Follow { url: next, method: next_method, keep_body, credential: same_origin } => {
                    if !same_origin {
                        credential = None;
                    }
                    if !keep_body {
                        body = None;
                    }
                    url = next;
                    method = next_method;
                }
            }
        }
        Err(StepFailure::new(format!(
            "{} {} redirected more than {MAX_REDIRECTS} times; set followRedirects to false to see the first answer",
            self.method, self.url
        )))
    }

    fn request(
        &self,
        context: &ActionContext,
        method: &reqwest::Method,
        url: &reqwest::Url,
        body: Option<&Value>,
        credential: Option<&OpenCredential>,
        token: Option<&Sensitive<String>>,
    ) -> reqwest::RequestBuilder {
        let mut request =
            context.http.request(method.clone(), url.clone()).headers(self.headers.clone()).timeout(self.timeout);
        // The step's own query joins only the URL it was written for; a
        // redirect's Location carries its own.
        if *url == self.url {
            request = request.query(&self.query);
        }
        match body {
            None | Some(Value::Null) => {}
            Some(Value::String(text)) => {
                if !self.headers.contains_key(CONTENT_TYPE) {
                    request = request.header(CONTENT_TYPE, "text/plain; charset=utf-8");
                }
                request = request.body(text.clone());
            }
            Some(body) => {
                if !self.headers.contains_key(CONTENT_TYPE) {
                    request = request.header(CONTENT_TYPE, "application/json");
                }
                request = request.body(body.to_string());
            }
        }
        match credential {
            Some(credential) => authorize(request, credential, token),
            None => request,
        }
    }
}

/// JSON when declared (falling back to text if it does not parse), text when
/// UTF-8, base64 otherwise; an empty body is `null`.
fn decode_body(bytes: &[u8], is_json: bool) -> Value {
    if bytes.is_empty() {
        return Value::Null;
    }
    if is_json {
        if let Ok(value) = serde_json::from_slice(bytes) {
            return value;
        }
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => Value::String(text.to_string()),
        Err(_) => Value::String(base64::engine::general_purpose::STANDARD.encode(bytes)),
    }
}

fn describe_send_error(
    error: &reqwest::Error,
    method: &reqwest::Method,
    url: &reqwest::Url,
    timeout: Duration,
) -> String {
    if error.is_timeout() {
        format!("{method} {url} timed out after {} ms", timeout.as_millis())
    } else if error.is_connect() {
        format!("{method} {url} failed: could not connect ({})", root_cause(error))
    } else {
        format!("{method} {url} failed: {}", root_cause(error))
    }
}

fn root_cause(error: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = error;
    while let Some(source) = cause.source() {
        cause = source;
    }
    cause.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_are_parsed_as_json_text_or_base64() {
        assert_eq!(decode_body(br#"{"a":1}"#, true), json!({"a": 1}));
        assert_eq!(decode_body(b"not json", true), json!("not json"), "a bad JSON body is kept as text");
        assert_eq!(decode_body(b"hello", false), json!("hello"));
        assert_eq!(decode_body(&[0xff, 0x00], false), json!("/wA="));
        assert_eq!(decode_body(b"", true), Value::Null);
    }

    #[test]
    fn retry_after_reads_seconds_and_http_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(784_111_777); // Sun, 06 Nov 1994 08:49:37 GMT
        let with = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(reqwest::header::RETRY_AFTER, HeaderValue::from_str(value).unwrap());
            retry_after(&headers, now)
        };
        assert_eq!(with("120"), Some(Duration::from_secs(120)));
        assert_eq!(with("Sun, 06 Nov 1994 08:50:07 GMT"), Some(Duration::from_secs(30)));
        assert_eq!(with("Sun, 06 Nov 1994 08:00:00 GMT"), Some(Duration::ZERO), "a date gone by means now");
        assert_eq!(with("soon"), None);
        assert_eq!(retry_after(&HeaderMap::new(), now), None);
    }

    fn url(text: &str) -> reqwest::Url {
        reqwest::Url::parse(text).unwrap()
    }

    fn hop(from: &str, method: reqwest::Method, status: u16, location: &str) -> Result<Hop, String> {
        next_hop(&url(from), &method, reqwest::StatusCode::from_u16(status).unwrap(), Some(location))
    }

    #[test]
    fn redirects_keep_the_credential_on_its_origin_and_never_drop_to_plain_http() {
        use reqwest::Method;
        assert_eq!(
            hop("https://api.example.com/a", Method::POST, 307, "/b"),
            Ok(Hop::Follow {
                url: url("https://api.example.com/b"),
                method: Method::POST,
                keep_body: true,
                credential: true
            })
        );
        assert_eq!(
            hop("https://api.example.com/a", Method::POST, 302, "https://cdn.example.com/b"),
            Ok(Hop::Follow {
                url: url("https://cdn.example.com/b"),
                method: Method::GET,
                keep_body: false,
                credential: false
            }),
            "another origin: the credential stays behind, and a POST becomes a GET"
        );
        assert_eq!(
            hop("https://api.example.com/a", Method::PUT, 303, "https://api.example.com:8443/b"),
            Ok(Hop::Follow {
                url: url("https://api.example.com:8443/b"),
                method: Method::GET,
                keep_body: false,
                credential: false
            }),
            "another port is another origin"
        );
        let downgrade = hop("https://api.example.com/a", Method::GET, 301, "http://api.example.com/a").unwrap_err();
        assert!(downgrade.contains("from https to plain http"), "{downgrade}");
        let odd = hop("http://api.example.com/a", Method::GET, 302, "file:///etc/passwd").unwrap_err();
        assert!(odd.contains("only http and https"), "{odd}");
        assert_eq!(hop("https://api.example.com/a", Method::GET, 304, "/b"), Ok(Hop::Stay), "not a redirect to follow");
        assert_eq!(
            next_hop(&url("https://api.example.com/a"), &Method::GET, reqwest::StatusCode::FOUND, None),
            Ok(Hop::Stay),
            "a redirect without Location is the answer"
        );
    }
}
