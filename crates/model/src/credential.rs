//! What the vault shows of a credential: never a secret value, only a mask.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use ts_rs::TS;

/// Whether a credential's secrets can be used here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
pub enum CredentialStatus {
    /// Its secrets open under the data key.
    Ok,
    /// Its secrets do not open under the data key (sealed under another key,
    /// or damaged): it must be entered again.
    Undecryptable,
    /// No data key is available right now (see the vault status).
    Locked,
}

/// A flow that names a credential.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
#[serde(rename_all = "camelCase")]
pub struct FlowRef {
    pub id: String,
    pub name: String,
}

/// The last verification of a credential.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
#[serde(rename_all = "camelCase")]
pub struct Verification {
    pub ok: bool,
    pub message: String,
    pub at: String,
}

/// The cached OAuth2 token of a credential (never the token itself).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
#[serde(rename_all = "camelCase")]
pub struct TokenState {
    pub expires_at: Option<String>,
    pub fetched_at: Option<String>,
    pub last_error: Option<String>,
}

/// A credential as the vault lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
#[serde(rename_all = "camelCase")]
pub struct CredentialView {
    pub id: String,
    pub name: String,
    pub kind: String,
    /// Non-secret fields.
    pub fields: Map<String, Value>,
    /// Each secret field with a mask in place of its value.
    pub secrets: BTreeMap<String, String>,
    pub status: CredentialStatus,
    /// What to do about a status other than `ok`.
    pub problem: Option<String>,
    pub used_by: Vec<FlowRef>,
    pub created_at: String,
    pub updated_at: String,
    pub verification: Option<Verification>,
    pub token: Option<TokenState>,
}

/// Where the vault's data key comes from, and whether it is usable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
#[serde(rename_all = "camelCase")]
pub struct VaultStatus {
    /// `keychain`, `environment`, `key_file`, or `None` when no source answers.
    pub source: Option<String>,
    /// The source in words (which keychain entry, which file).
    pub description: String,
    /// Fingerprint of the data key sealing this vault (safe to show).
    pub fingerprint: Option<String>,
    /// Credentials can be opened and added.
    pub ready: bool,
    /// What is wrong and how to fix it, when not ready.
    pub problem: Option<String>,
    pub credentials: usize,
    pub undecryptable: usize,
    pub recovery_kit_shown_at: Option<String>,
}
