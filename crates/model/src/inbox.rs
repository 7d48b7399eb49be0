use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

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
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    /// Header names (lowercase) to values, several values joined by ", ".
    pub headers: BTreeMap<String, String>,
    /// The raw body bytes, exactly as received.
    pub body: Vec<u8>,
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
        let (body, body_encoding) = match std::str::from_utf8(&self.body) {
            Ok(text) => (text.to_string(), "text"),
            Err(_) => (base64::engine::general_purpose::STANDARD.encode(&self.body), "base64"),
        };
        InboxView {
            id: self.id.clone(),
            flow_key: self.flow_key.clone(),
            flow_id: self.flow_id.clone(),
            method: self.method.clone(),
            path: self.path.clone(),
            query: self.query.clone(),
            headers: self.masked_headers(),
            body,
            body_encoding: body_encoding.to_string(),
            body_bytes: self.body.len(),
            received_at: self.received_at.clone(),
            status: self.status,
            reason: self.reason.clone(),
            execution_id: self.execution_id.clone(),
        }
    }

    /// The headers with credentials and signatures replaced by a mask, for
    /// display anywhere outside the store.
    pub fn masked_headers(&self) -> BTreeMap<String, String> {
        mask_secret_headers(&self.headers)
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
