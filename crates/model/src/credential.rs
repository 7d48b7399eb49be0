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

/// How a credential field's value is entered and checked; the designer picks
/// its form control from this.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
pub enum CredentialFieldType {
    Text,
    /// One of `options`.
    Choice,
    /// A list of strings (`roles`).
    TextList,
    /// A whole number of seconds.
    Seconds,
    /// An `http(s)://` URL.
    Url,
    /// `true` or `false`.
    Flag,
    /// A list of hosts or origins (`allowedHosts`).
    HostList,
}

/// One field of a credential kind, as a form shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
#[serde(rename_all = "camelCase")]
pub struct CredentialFieldSchema {
    /// The key in the credential's fields (or secrets).
    pub name: String,
    /// A label for people.
    pub title: String,
    pub description: String,
    /// Write-only: sent when saved, never shown again, only masked.
    pub secret: bool,
    pub required: bool,
    #[serde(rename = "type")]
    pub field_type: CredentialFieldType,
    /// The allowed values of a `choice` field (empty otherwise).
    pub options: Vec<String>,
    /// Rarely needed (access-policy identity, where the credential may be
    /// sent): a form may fold it away.
    pub advanced: bool,
}

/// A credential kind and its fields, so forms are generated, not written per kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
#[serde(rename_all = "camelCase")]
pub struct CredentialKindSchema {
    /// As flow files and `hookline vault add --kind` name it: `basic`, `api_key`, …
    pub kind: String,
    pub title: String,
    pub fields: Vec<CredentialFieldSchema>,
}

/// The vault's data key as a recovery phrase, answered once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
#[serde(rename_all = "camelCase")]
pub struct RecoveryKit {
    /// The words that restore the data key (`hookline vault recover`).
    pub phrase: String,
    /// The fingerprint of the key the phrase restores, to check it later.
    pub fingerprint: Option<String>,
}
