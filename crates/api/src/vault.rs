//! The vault operations of [`Core`]: credentials with masked secrets, the
//! data key's source and life, verification, and signing test requests.

use std::path::PathBuf;

use hookline_engine::{NewCredential, Rotation};
use hookline_model::{CredentialView, FlowRef, VaultStatus, Verification};
use hookline_vault::signature::{self, HmacSettings};
use hookline_vault::{Kind, Sensitive};

use crate::{ApiError, Core, ErrorCode, Result};

/// A request that a flow's HMAC-guarded hook accepts (see [`Core::sign_request`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedRequest {
    pub path: String,
    pub methods: Vec<String>,
    pub headers: Vec<(String, String)>,
}

impl Core {
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
        Ok(self.engine.credentials().add(credential).await?)
    }

    /// Removes a credential; one in use needs `force`. Returns the flows that
    /// used it.
    pub async fn remove_credential(&self, name: &str, force: bool) -> Result<Vec<FlowRef>> {
        Ok(self.engine.credentials().remove(name, force).await?)
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
        let verification = self.engine.credentials().verify(name, &self.http).await?;
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
        Ok(SignedRequest { path: format!("/hook/{slug}"), methods: hook.methods.clone(), headers })
    }
}
