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
            (name.clone(), if secret { "••••••".to_string() } else { value.clone() })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

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
