//! The vault operations of [`Core`]: credentials with masked secrets, the
//! data key's source and life, verification, and signing test requests.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::Mutex;

use hookline_engine::{CredentialError, NewCredential, Rotation};
use hookline_model::{
    CoreEvent, CredentialFieldSchema, CredentialFieldType, CredentialKindSchema, CredentialView, FlowRef, RecoveryKit,
    VaultStatus, Verification,
};
use hookline_vault::kinds::FieldType;
use hookline_vault::signature::{self, HmacSettings};
use hookline_vault::{Kind, Sensitive};
use serde_json::{Map, Value};
use tokio_util::sync::CancellationToken;

use crate::{ApiError, Core, ErrorCode, Result};

pub use hookline_engine::SharedKey;

/// A request that a flow's HMAC-guarded hook accepts (see [`Core::sign_request`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedRequest {
    pub path: String,
    pub methods: Vec<String>,
    pub headers: Vec<(String, String)>,
    /// How long the signature is accepted, for schemes that sign the time
    /// (Stripe, Standard Webhooks); the others never expire.
    pub valid_for_seconds: Option<u64>,
}

impl SignedRequest {
    /// The method to send it with: POST when the hook takes it.
    pub fn method(&self) -> &str {
        match self.methods.iter().find(|method| *method == "POST") {
            Some(post) => post,
            None => self.methods.first().map(String::as_str).unwrap_or("POST"),
        }
    }
}

/// The verifications under way, by credential name, so the one that asked
/// can stop waiting (`cancel_verification`).
#[derive(Default)]
pub(crate) struct Verifying(Mutex<HashMap<String, CancellationToken>>);

/// The fields of every credential kind, for forms generated from them.
pub fn credential_kinds() -> Vec<CredentialKindSchema> {
    Kind::ALL
        .into_iter()
        .map(|kind| CredentialKindSchema {
            kind: kind.as_str().to_string(),
            title: kind.title().to_string(),
            fields: kind
                .fields()
                .iter()
                .map(|field| {
                    let (field_type, options) = match field.kind {
                        FieldType::Text => (CredentialFieldType::Text, vec![]),
                        FieldType::Choice(options) => {
                            (CredentialFieldType::Choice, options.iter().map(|o| o.to_string()).collect())
                        }
                        FieldType::TextList => (CredentialFieldType::TextList, vec![]),
                        FieldType::Seconds => (CredentialFieldType::Seconds, vec![]),
                        FieldType::Url => (CredentialFieldType::Url, vec![]),
                        FieldType::Flag => (CredentialFieldType::Flag, vec![]),
                        FieldType::HostList => (CredentialFieldType::HostList, vec![]),
                    };
                    CredentialFieldSchema {
                        name: field.name.to_string(),
                        title: field.title().to_string(),
                        description: field.description.to_string(),
                        secret: field.secret,
                        required: field.required,
                        field_type,
                        options,
                        advanced: field.advanced(),
                    }
                })
                .collect(),
        })
        .collect()
}

impl Core {
    /// The fields of every credential kind (see [`credential_kinds`]).
    pub fn credential_kinds(&self) -> Vec<CredentialKindSchema> {
        credential_kinds()
    }

    fn credential_changed(&self, name: Option<&str>) {
        self.engine.emit(CoreEvent::CredentialChanged { name: name.map(str::to_string) });
    }

    /// Creates a credential; a name already taken is a `conflict`.
    pub async fn create_credential(
        &self,
        name: &str,
        kind: &str,
        fields: Map<String, Value>,
        secrets: BTreeMap<String, Sensitive<String>>,
    ) -> Result<CredentialView> {
        self.add_credential(NewCredential {
            name: name.to_string(),
            kind: kind.to_string(),
            fields,
            secrets,
            replace: false,
        })
        .await
    }

    /// Replaces a credential's non-secret `fields` and the secrets given.
    /// Secrets are write-only: one left out (or empty) keeps its stored
    /// value, so an edit form never needs to show one. A credential that
    /// cannot be decrypted takes every secret again. The kind and name stay;
    /// the last verification is cleared, since it checked the old values.
    pub async fn edit_credential(
        &self,
        name: &str,
        fields: Map<String, Value>,
        mut secrets: BTreeMap<String, Sensitive<String>>,
    ) -> Result<CredentialView> {
        let current = self.engine.credentials().show(name).await?;
        let kind = Kind::parse(&current.kind).map_err(|e| ApiError::new(ErrorCode::Internal, e))?;
        secrets.retain(|_, value| !value.expose().is_empty());
        let kept: Vec<&str> =
            kind.fields().iter().filter(|f| f.secret && !secrets.contains_key(f.name)).map(|f| f.name).collect();
        if !kept.is_empty() {
            let stored = match self.engine.credentials().open(name).await {
                Ok(stored) => stored,
                Err(CredentialError::Undecryptable { .. }) => {
                    return Err(ApiError::new(
                        ErrorCode::CredentialUndecryptable,
                        format!(
                            "credential {name:?} cannot be decrypted with this vault's data key, so its stored secrets cannot be kept: enter {} again",
                            kept.join(", ")
                        ),
                    ))
                }
                Err(other) => return Err(other.into()),
            };
            for field in kept {
                if let Some(value) = stored.secret(field) {
                    secrets.insert(field.to_string(), value.clone());
                }
            }
        }
        self.add_credential(NewCredential { name: current.name, kind: current.kind, fields, secrets, replace: true })
            .await
    }

    /// Checks a credential against the real service within 30 s, records
    /// the result and answers it, passed or failed. A
    /// [`Core::cancel_verification`] ends the wait early with `cancelled`
    /// and records nothing.
    pub async fn check_credential(&self, name: &str) -> Result<Verification> {
        let cancel = CancellationToken::new();
        if let Some(earlier) = self.verifying.0.lock().expect("verifying lock").insert(name.to_string(), cancel.clone())
        {
            // One check per credential: a second click replaces the first.
            earlier.cancel();
        }
        let outcome = tokio::select! {
            result = self.engine.credentials().verify(name, &self.http) => Some(result),
            () = cancel.cancelled() => None,
        };
        {
            let mut verifying = self.verifying.0.lock().expect("verifying lock");
            if verifying.get(name).is_some_and(|token| token == &cancel) {
                verifying.remove(name);
            }
        }
        match outcome {
            Some(result) => {
                let verification = result?;
                self.credential_changed(Some(name));
                Ok(verification)
            }
            None => Err(ApiError::new(
                ErrorCode::Cancelled,
                format!("the check of credential {name:?} was cancelled; nothing was recorded"),
            )),
        }
    }

    /// Stops waiting for a credential's check; false when none was under way.
    pub fn cancel_verification(&self, name: &str) -> bool {
        let token = self.verifying.0.lock().expect("verifying lock").remove(name);
        token.map(|t| t.cancel()).is_some()
    }

    /// The recovery kit for a person to write down: shown once per data key,
    /// so it is answered only with `confirm` (the UI asks first).
    pub async fn show_recovery_kit(&self, confirm: bool) -> Result<RecoveryKit> {
        if !confirm {
            return Err(ApiError::new(
                ErrorCode::ConfirmationRequired,
                "the recovery kit is shown only once: confirm that you are ready to write it down",
            ));
        }
        let phrase = self.recovery_kit().await?;
        let fingerprint = self.vault_status().await?.fingerprint;
        self.credential_changed(None);
        Ok(RecoveryKit { phrase: phrase.expose().clone(), fingerprint })
    }

    /// Creates a key file for a machine without a keychain, as
    /// [`Core::create_key_file`] does, but refuses when the vault already has
    /// a data key: a new random key would not open its secrets (the recovery
    /// phrase restores the right one). Answers the vault's status after.
    pub async fn create_vault_key_file(&self) -> Result<VaultStatus> {
        if let Some(fingerprint) = self.vault_status().await?.fingerprint {
            return Err(ApiError::new(
                ErrorCode::Conflict,
                format!(
                    "this vault already has a data key (fingerprint {fingerprint}); a new key file would not open its credentials: restore the key with `hookline vault recover --key-file` and the recovery phrase"
                ),
            ));
        }
        self.create_key_file()?;
        self.credential_changed(None);
        self.vault_status().await
    }

    /// On a database shared by several machines (PostgreSQL), whether this
    /// process's data key opens the vault; `hookline serve` asks it at start,
    /// so a process given the wrong key, or none, says so before it serves.
    /// Only the vault's key check is read (a vault without one takes this
    /// process's key); no secret is opened, sealed again or written. A wrong
    /// or missing key is `vault_unavailable`, naming the fingerprint of the
    /// key the vault expects and the two ways to give it.
    pub async fn check_shared_vault(&self) -> Result<SharedKey> {
        Ok(self.engine.credentials().check_shared_key().await?)
    }

    /// Where the data key comes from and whether the vault can be used.
    pub async fn vault_status(&self) -> Result<VaultStatus> {
        Ok(self.engine.credentials().status().await?)
    }

    /// Every credential, secrets masked.
    pub async fn list_credentials(&self) -> Result<Vec<CredentialView>> {
        Ok(self.engine.credentials().list().await?)
    }

    /// One credential, secrets masked.
    pub async fn get_credential(&self, name: &str) -> Result<CredentialView> {
        Ok(self.engine.credentials().show(name).await?)
    }

    /// Adds a credential, or re-enters one with `replace`.
    pub async fn add_credential(&self, credential: NewCredential) -> Result<CredentialView> {
        let view = self.engine.credentials().add(credential).await?;
        self.credential_changed(Some(&view.name));
        Ok(view)
    }

    /// Removes a credential; one in use needs `force`. Returns the flows that
    /// used it.
    pub async fn remove_credential(&self, name: &str, force: bool) -> Result<Vec<FlowRef>> {
        let users = self.engine.credentials().remove(name, force).await?;
        self.credential_changed(Some(name));
        Ok(users)
    }

    /// The data key as a recovery phrase, once.
    pub async fn recovery_kit(&self) -> Result<Sensitive<String>> {
        Ok(self.engine.credentials().recovery_kit().await?)
    }

    /// Restores the data key from its phrase; returns where it is now kept.
    pub async fn recover_vault(&self, phrase: &str, key_file: bool) -> Result<String> {
        Ok(self.engine.credentials().recover(phrase, key_file).await?)
    }

    /// Seals every secret under a new data key.
    pub async fn rotate_vault_key(&self) -> Result<Rotation> {
        Ok(self.engine.credentials().rotate_key().await?)
    }

    /// Creates a key file (readable only by the user) in the data dir, for
    /// machines without a keychain.
    pub fn create_key_file(&self) -> Result<PathBuf> {
        hookline_vault::keys::create_key_file(&self.data_dir)
            .map_err(|e| ApiError::new(ErrorCode::Conflict, e.to_string()))
    }

    /// Checks a credential against the real service (within 30 s) and
    /// records the result; a failed check is a `verification_failed` error.
    pub async fn verify_credential(&self, name: &str) -> Result<Verification> {
        let verification = self.check_credential(name).await?;
        if verification.ok {
            Ok(verification)
        } else {
            Err(ApiError::new(
                ErrorCode::VerificationFailed,
                format!("credential {name:?} did not verify: {}", verification.message),
            ))
        }
    }

    /// Headers that make the flow's HMAC-guarded hook accept `body` now.
    pub async fn sign_request(&self, flow: &str, body: &[u8]) -> Result<SignedRequest> {
        let record = self.get_flow(flow).await?;
        let document = match self.store.latest_version(&record.summary.id).await? {
            Some((_, published)) => published,
            None => record.draft,
        };
        let hook =
            self.engine.catalog().trigger_settings(&document).and_then(|t| t.webhook().cloned()).ok_or_else(|| {
                ApiError::new(
                    ErrorCode::InvalidInput,
                    format!("{} has no webhook trigger to sign for", record.summary.id),
                )
            })?;
        let name = hook.credential.as_deref().ok_or_else(|| {
            ApiError::new(
                ErrorCode::InvalidInput,
                format!("the webhook of {} names no credential: its requests need no signature", record.summary.id),
            )
        })?;
        let credential = self.engine.credentials().open(name).await?;
        if credential.kind != Kind::Hmac {
            return Err(ApiError::new(
                ErrorCode::InvalidInput,
                format!(
                    "the webhook's credential {name:?} is {} ({}), not an HMAC signature: send its credentials instead",
                    credential.kind.as_str(),
                    credential.kind.title()
                ),
            ));
        }
        let settings = HmacSettings::from_fields(&credential.fields)
            .map_err(|e| ApiError::new(ErrorCode::InvalidInput, format!("credential {name:?}: {e}")))?;
        let secret = credential
            .secret("secret")
            .ok_or_else(|| ApiError::new(ErrorCode::InvalidInput, format!("credential {name:?} has no secret")))?;
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or_default();
        let message_id = hookline_model::ids::generate("msg_");
        let headers = signature::sign(&settings, secret, body, now, &message_id)
            .map_err(|e| ApiError::new(ErrorCode::InvalidInput, format!("credential {name:?}: {e}")))?;
        let slug = hook.slug.clone().unwrap_or_else(|| record.summary.id.clone());
        let valid_for_seconds = match settings.preset {
            signature::Preset::Stripe | signature::Preset::StandardWebhooks => Some(settings.tolerance_seconds),
            signature::Preset::Generic | signature::Preset::Github => None,
        };
        Ok(SignedRequest { path: format!("/hook/{slug}"), methods: hook.methods.clone(), headers, valid_for_seconds })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Writes the kinds as the `credentialKinds` operation answers them
    /// (`credentialKinds.json` beside the ts-rs bindings), so the designer's
    /// unit tests build their forms from the core's own schemas. CI fails
    /// when the committed file differs.
    #[test]
    fn export_the_credential_kinds_for_the_designer_tests() {
        let dir = std::env::var_os("TS_RS_EXPORT_DIR")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ui/src/bindings"));
        let path = dir.join("credentialKinds.json");
        let text = serde_json::to_string_pretty(&credential_kinds()).unwrap() + "\n";
        if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(&path, text).unwrap();
        }
    }

    #[test]
    fn secret_fields_are_marked_as_the_vault_seals_them() {
        for schema in credential_kinds() {
            let kind = Kind::parse(&schema.kind).unwrap();
            for field in &schema.fields {
                let declared = kind.field(&field.name).unwrap();
                assert_eq!(field.secret, declared.secret, "{}.{} is sealed iff marked secret", schema.kind, field.name);
            }
        }
    }
}
