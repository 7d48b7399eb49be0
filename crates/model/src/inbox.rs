use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// An HTTP request to one of Hookline's hooks, as every transport hands it to
/// the core: the listener builds one from the wire, the inbox keeps one.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct HookRequest {
    pub method: String,
    pub path: String,
    /// The raw query string, without `?`.
    pub query: Option<String>,
    /// Header names (lowercase) to values, several values joined by ", ".
    pub headers: BTreeMap<String, String>,
    /// The raw body bytes, exactly as received.
    pub body: Vec<u8>,
}

impl HookRequest {
    /// A header's value by its lowercase name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(String::as_str)
    }

    /// The query string's pairs, decoded.
    pub fn query_pairs(&self) -> Vec<(String, String)> {
        self.query.as_deref().map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect()).unwrap_or_default()
    }

    /// Whether the query string sets a flag: `?wait`, `?wait=true` and
    /// `?wait=1` set it; `?wait=false` and `?wait=0` clear it; `None` when
    /// the flag is absent or its value is none of these.
    pub fn query_flag(&self, name: &str) -> Option<bool> {
        let query = self.query.as_deref()?;
        form_urlencoded::parse(query.as_bytes()).filter(|(key, _)| key == name).last().and_then(
            |(_, value)| match value.to_ascii_lowercase().as_str() {
                "" | "true" | "1" => Some(true),
                "false" | "0" => Some(false),
                _ => None,
            },
        )
    }
}

/// One request that reached a hook, accepted or rejected, kept as received.
/// It holds unmasked headers, so it is never serialised: callers show
/// [`InboxEntry::view`].
#[derive(Debug, Clone, PartialEq)]
pub struct InboxEntry {
    pub id: String,
    /// The flow id or slug the request named.
    pub flow_key: String,
    /// The flow it resolved to, if any.
    pub flow_id: Option<String>,
    /// The request as received (secrets the caller presented scrubbed).
    pub request: HookRequest,
    pub received_at: String,
    /// 202 when accepted (the execution tells the rest), 200 for a repeated
    /// idempotency key, else the rejection's status.
    pub status: u16,
    /// Why the request was rejected (`invalid_json`, `flow_not_started`, …).
    pub reason: Option<String>,
    pub execution_id: Option<String>,
}

/// Headers whose values are secrets; shown masked.
const SECRET_HEADERS: &[&str] = &["authorization", "proxy-authorization", "cookie", "x-api-key", "api-key"];

/// An inbox entry as shown to users: secret headers masked, the body as text
/// when it is UTF-8 and as base64 otherwise.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
#[serde(rename_all = "camelCase")]
pub struct InboxView {
    pub id: String,
    pub flow_key: String,
    pub flow_id: Option<String>,
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub headers: BTreeMap<String, String>,
    pub body: String,
    /// `text` or `base64`.
    pub body_encoding: String,
    pub body_bytes: usize,
    pub received_at: String,
    pub status: u16,
    pub reason: Option<String>,
    pub execution_id: Option<String>,
}

impl InboxEntry {
    pub fn view(&self) -> InboxView {
        use base64::Engine as _;
        let request = &self.request;
        let (body, body_encoding) = match std::str::from_utf8(&request.body) {
            Ok(text) => (text.to_string(), "text"),
            Err(_) => (base64::engine::general_purpose::STANDARD.encode(&request.body), "base64"),
        };
        InboxView {
            id: self.id.clone(),
            flow_key: self.flow_key.clone(),
            flow_id: self.flow_id.clone(),
            method: request.method.clone(),
            path: request.path.clone(),
            query: request.query.clone(),
            headers: self.masked_headers(),
            body,
            body_encoding: body_encoding.to_string(),
            body_bytes: request.body.len(),
            received_at: self.received_at.clone(),
            status: self.status,
            reason: self.reason.clone(),
            execution_id: self.execution_id.clone(),
        }
    }

    /// The headers with credentials and signatures replaced by a mask, for
    /// display anywhere outside the store.
    pub fn masked_headers(&self) -> BTreeMap<String, String> {
        mask_secret_headers(&self.request.headers)
    }
}

/// Headers with credentials and signatures replaced by a mask, so they can be
/// shown, exported or kept as a sample.
pub fn mask_secret_headers(headers: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    headers
        .iter()
        .map(|(name, value)| {
            let secret =
                SECRET_HEADERS.contains(&name.as_str()) || name.contains("signature") || name.contains("token");
            (name.clone(), if secret { MASK.to_string() } else { value.clone() })
        })
        .collect()
}

/// Whether a query parameter or JSON field name by convention carries a
/// secret (`api_key`, `access_token`, `client_secret`, `password`, `sig`…).
fn is_secret_name(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    const INSIDE: &[&str] = &[
        "token",
        "secret",
        "password",
        "passwd",
        "apikey",
        "api_key",
        "api-key",
        "signature",
        "authorization",
        "credential",
    ];
    const WHOLE: &[&str] = &["key", "sig", "auth", "pass", "pwd"];
    INSIDE.iter().any(|part| name.contains(part)) || WHOLE.contains(&name.as_str())
}

/// `a=1&token=…` with each secret-named value masked; `None` when none is.
fn mask_pairs(encoded: &str) -> Option<String> {
    let pairs: Vec<(String, String)> = form_urlencoded::parse(encoded.as_bytes()).into_owned().collect();
    if !pairs.iter().any(|(name, _)| is_secret_name(name)) {
        return None;
    }
    let mut out = form_urlencoded::Serializer::new(String::new());
    for (name, value) in &pairs {
        out.append_pair(name, if is_secret_name(name) { MASK } else { value });
    }
    Some(out.finish())
}

/// Masks string values under secret-named keys, at any depth.
fn mask_json_fields(value: &mut serde_json::Value) -> bool {
    match value {
        serde_json::Value::Object(fields) => {
            let mut masked = false;
            for (name, field) in fields.iter_mut() {
                if is_secret_name(name) && !field.is_object() && !field.is_array() && !field.is_null() {
                    *field = serde_json::Value::String(MASK.into());
                    masked = true;
                } else {
                    masked |= mask_json_fields(field);
                }
            }
            masked
        }
        serde_json::Value::Array(items) => items.iter_mut().fold(false, |masked, item| mask_json_fields(item) | masked),
        _ => false,
    }
}

const MASK: &str = "••••••";

impl HookRequest {
    /// Masks what by convention carries a caller's secret: credential and
    /// signature headers, secret-named query parameters, and secret-named
    /// fields of a JSON or form body. For a request refused before (or by)
    /// authentication, whose credential Hookline cannot know, this is what
    /// is kept; an accepted request's presented secrets are scrubbed by
    /// value instead, so a flow still sees every other field as sent.
    pub fn mask_secrets(&mut self) {
        self.headers = mask_secret_headers(&self.headers);
        if let Some(masked) = self.query.as_deref().and_then(mask_pairs) {
            self.query = Some(masked);
        }
        let content_type = self.header("content-type").unwrap_or_default().to_ascii_lowercase();
        if content_type.starts_with("application/x-www-form-urlencoded") {
            if let Some(masked) = std::str::from_utf8(&self.body).ok().and_then(mask_pairs) {
                self.body = masked.into_bytes();
            }
        } else if let Ok(mut json) = serde_json::from_slice::<serde_json::Value>(&self.body) {
            if mask_json_fields(&mut json) {
                self.body = json.to_string().into_bytes();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_request_keeps_no_conventional_secret() {
        let mut request = HookRequest {
            method: "POST".into(),
            path: "/hook/nope".into(),
            query: Some("page=2&api_key=k1&access_token=t1".into()),
            headers: [("authorization", "Bearer t2"), ("x-hub-signature-256", "sha256=ab"), ("accept", "*/*")]
                .into_iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
            body: br#"{"user": {"name": "ada", "password": "p1"}, "items": [{"clientSecret": "s1"}], "key": 7}"#
                .to_vec(),
        };
        request.mask_secrets();
        assert_eq!(request.query.as_deref(), Some("page=2&api_key=%E2%80%A2%E2%80%A2%E2%80%A2%E2%80%A2%E2%80%A2%E2%80%A2&access_token=%E2%80%A2%E2%80%A2%E2%80%A2%E2%80%A2%E2%80%A2%E2%80%A2"));
        assert_eq!(request.headers["authorization"], MASK);
        assert_eq!(request.headers["x-hub-signature-256"], MASK);
        assert_eq!(request.headers["accept"], "*/*");
        let body: serde_json::Value = serde_json::from_slice(&request.body).unwrap();
        assert_eq!(
            body,
            serde_json::json!({"user": {"name": "ada", "password": MASK}, "items": [{"clientSecret": MASK}], "key": MASK})
        );

        let mut form = HookRequest {
            headers: [("content-type".to_string(), "application/x-www-form-urlencoded".to_string())].into(),
            body: b"user=ada&password=p+1".to_vec(),
            ..Default::default()
        };
        form.mask_secrets();
        assert!(!String::from_utf8_lossy(&form.body).contains("p+1"), "{:?}", String::from_utf8_lossy(&form.body));
        assert!(String::from_utf8_lossy(&form.body).starts_with("user=ada&password="));
    }

    fn with_query(query: &str) -> HookRequest {
        HookRequest { query: Some(query.to_string()), ..Default::default() }
    }

    #[test]
    fn query_flags_accept_no_value_true_false_one_and_zero() {
        assert_eq!(with_query("wait").query_flag("wait"), Some(true), "a bare flag is set");
        assert_eq!(with_query("wait=true").query_flag("wait"), Some(true));
        assert_eq!(with_query("a=1&wait=1").query_flag("wait"), Some(true));
        assert_eq!(with_query("wait=false").query_flag("wait"), Some(false), "false clears the flag");
        assert_eq!(with_query("async=0").query_flag("async"), Some(false), "0 clears the flag");
        assert_eq!(with_query("waiting=1").query_flag("wait"), None, "another name is not the flag");
        assert_eq!(with_query("wait=maybe").query_flag("wait"), None, "an unknown value sets nothing");
        assert_eq!(HookRequest::default().query_flag("wait"), None);
    }
}
