//! The vault as the rest of Hookline uses it: credentials sealed into the
//! store under the data key, opened for hooks and steps, listed with masks,
//! and the key's life (recovery kit, recovery, rotation).
//!
//! Keychain calls block (and a locked keyring can hang), so they run on a
//! blocking thread with the vault crate's timeout. The data key is looked up
//! once and kept in memory; opened credentials are reused for a moment so a
//! guarded hook under load does not decrypt on every request.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use hookline_model::{
    ids, timestamp, CredentialStatus, CredentialView, FlowDocument, FlowRef, TokenState, VaultStatus, Verification,
};
use hookline_store::{CredentialRow, Kind as StoreKind, Resealed, Store, StoreError};
use hookline_vault::{DataKey, KeyConfig, Kind, OpenCredential, Sensitive, Source, VaultError, MASK};
use serde_json::{Map, Value};

/// How long an opened credential is reused before it is read again (a change
/// made by another process is seen within this time).
const OPEN_TTL: Duration = Duration::from_secs(1);

/// What binds the key check to its purpose (authenticated, not secret).
const KEY_CHECK_CONTEXT: &[u8] = b"hookline key check";
const KEY_CHECK_TEXT: &[u8] = b"hookline vault";

/// Where the vault looks for its data key; passed in by the binary.
#[derive(Debug, Clone)]
pub struct VaultSettings {
    pub data_dir: PathBuf,
    /// The value of `HOOKLINE_MASTER_KEY`.
    pub master_key: Option<Sensitive<String>>,
    pub keychain_service: String,
    pub keychain_timeout: Duration,
}

impl VaultSettings {
    pub fn new(data_dir: PathBuf, master_key: Option<Sensitive<String>>) -> VaultSettings {
        VaultSettings {
            data_dir,
            master_key,
            keychain_service: KeyConfig::default_service().to_string(),
            keychain_timeout: Duration::from_secs(5),
        }
    }
}

/// Failures of vault operations. Messages never contain a secret.
#[derive(Debug, thiserror::Error)]
pub enum CredentialError {
    #[error("no credential named {0:?}")]
    NotFound(String),
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    Conflict(String),
    /// The data key is missing, wrong or unreachable.
    #[error("{0}")]
    Key(String),
    #[error("credential {name:?} cannot be decrypted with this vault's data key; enter it again with `hookline vault add {name} --kind {kind} --replace`")]
    Undecryptable { name: String, kind: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<VaultError> for CredentialError {
    fn from(error: VaultError) -> Self {
        CredentialError::Key(error.to_string())
    }
}

/// A credential to add: non-secret fields and secrets.
pub struct NewCredential {
    pub name: String,
    pub kind: String,
    pub fields: Map<String, Value>,
    pub secrets: BTreeMap<String, Sensitive<String>>,
    /// Re-enter an existing credential (keeping its id) instead of refusing.
    pub replace: bool,
}

/// What a key rotation did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rotation {
    pub old_fingerprint: String,
    pub new_fingerprint: String,
    pub resealed: usize,
    /// Credentials that could not be opened and so stay sealed under no usable key.
    pub undecryptable: Vec<String>,
}

struct ActiveKey {
    key: DataKey,
    source: String,
}

/// What a process on a shared database learns about the vault at start
/// ([`Credentials::check_shared_key`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SharedKey {
    /// The database is this machine's (SQLite): the key is looked up when
    /// first needed, as it always was.
    NotShared,
    /// This process has no data key, and the vault has none yet: nothing can
    /// be sealed until every process is given one. The message says how.
    Missing(String),
    /// The key opens the vault; a vault without a key check got its check
    /// from this key, so the first process's key is every process's.
    Opens { fingerprint: String, source: String },
}

/// The vault service. Cheap to share behind an `Arc`.
pub struct Credentials {
    store: Store,
    settings: VaultSettings,
    key: Mutex<Option<Arc<ActiveKey>>>,
    opened: Mutex<HashMap<String, (Instant, Arc<OpenCredential>)>>,
    /// The caller credentials a hook with access policies compares against,
    /// reused like `opened` so such a hook does not list the vault per request.
    callers: Mutex<Option<(Instant, Vec<Arc<OpenCredential>>)>>,
    /// OAuth2 access tokens by credential id, with when to fetch a new one.
    tokens: Mutex<HashMap<String, (Sensitive<String>, Instant)>>,
}

impl Credentials {
    pub fn new(store: Store, settings: VaultSettings) -> Credentials {
        Credentials {
            store,
            settings,
            key: Mutex::default(),
            opened: Mutex::default(),
            callers: Mutex::default(),
            tokens: Mutex::default(),
        }
    }

    /// Whether processes on several machines share this vault's database
    /// (PostgreSQL): the OS keychain, one per machine, is then never used.
    fn shared(&self) -> bool {
        self.store.kind() == StoreKind::Postgres
    }

    async fn key_config(&self) -> Result<KeyConfig, CredentialError> {
        let vault_id = self.store.init_vault_meta("vault_id", &ids::generate("vlt_")).await?;
        Ok(KeyConfig {
            data_dir: self.settings.data_dir.clone(),
            vault_id,
            master_key: self.settings.master_key.clone(),
            keychain_service: self.settings.keychain_service.clone(),
            keychain_timeout: self.settings.keychain_timeout,
            shared: self.shared(),
        })
    }

    /// Picks the key source on a blocking thread (a keychain probe can block).
    async fn source(&self) -> Result<Arc<Source>, CredentialError> {
        let config = self.key_config().await?;
        let key_file = config.key_file();
        let chosen = tokio::task::spawn_blocking(move || Source::choose(&config))
            .await
            .map_err(|e| CredentialError::Key(format!("the key source lookup stopped: {e}")))?;
        match chosen {
            Ok(source) => Ok(Arc::new(source)),
            // A shared vault that already has a key needs that key, not a new
            // key file: say which one, and how to bring it.
            Err(VaultError::NoSharedKey { .. }) if self.store.vault_meta("key_check").await?.is_some() => {
                let fingerprint = self.store.vault_meta("key_fingerprint").await?;
                Err(CredentialError::Key(format!(
                    "the vault of this shared database is sealed with the data key {}, and this process was given none: set HOOKLINE_MASTER_KEY to that key, or put it in the key file {} (readable only by you; `hookline vault recover --key-file` writes it from the recovery phrase). The OS keychain is not used with a shared database: each machine has its own",
                    fingerprint.as_deref().unwrap_or("(fingerprint unknown)"),
                    key_file.display()
                )))
            }
            Err(other) => Err(other.into()),
        }
    }

    async fn blocking<T: Send + 'static>(
        source: &Arc<Source>,
        call: impl FnOnce(&Source) -> Result<T, VaultError> + Send + 'static,
    ) -> Result<T, CredentialError> {
        let source = source.clone();
        tokio::task::spawn_blocking(move || call(&source))
            .await
            .map_err(|e| CredentialError::Key(format!("the key source stopped: {e}")))?
            .map_err(CredentialError::from)
    }

    /// The data key: from memory, else from its source, checked against the
    /// vault's key check. With `create`, a vault without a key gets a new one.
    async fn data_key(&self, create: bool) -> Result<Arc<ActiveKey>, CredentialError> {
        if let Some(active) = self.key.lock().expect("key lock").clone() {
            return Ok(active);
        }
        let source = self.source().await?;
        let described = source.describe();
        let check = self.store.vault_meta("key_check").await?;
        let fingerprint = self.store.vault_meta("key_fingerprint").await?;
        let loaded = Self::blocking(&source, |s| s.load()).await?;
        let key = match (loaded, check) {
            (Some(key), Some(check)) => {
                if opens_check(&key, &check) {
                    key
                } else if let Some(pending) = Self::blocking(&source, |s| s.load_pending()).await? {
                    // A rotation stopped after sealing everything under the new key but
                    // before the source kept it: finish it now.
                    if !opens_check(&pending, &check) {
                        return Err(self.wrong_key(&described, &key, fingerprint.as_deref()));
                    }
                    let promoted = pending.clone();
                    Self::blocking(&source, move |s| s.save(&promoted).and_then(|()| s.clear_pending())).await?;
                    pending
                } else {
                    return Err(self.wrong_key(&described, &key, fingerprint.as_deref()));
                }
            }
            (Some(key), None) => {
                self.write_check(&key, &described).await?;
                key
            }
            (None, Some(_)) => {
                return Err(CredentialError::Key(format!(
                    "this vault's data key (fingerprint {}) is not in {described}; restore it from the recovery kit with `hookline vault recover`",
                    fingerprint.as_deref().unwrap_or("unknown")
                )))
            }
            (None, None) if create => {
                let key = DataKey::generate();
                let saved = key.clone();
                Self::blocking(&source, move |s| s.save(&saved)).await?;
                self.write_check(&key, &described).await?;
                key
            }
            (None, None) => return Err(CredentialError::Key(format!("the vault has no data key yet (source: {described})"))),
        };
        let active = Arc::new(ActiveKey { key, source: described });
        *self.key.lock().expect("key lock") = Some(active.clone());
        Ok(active)
    }

    /// Makes `key` the vault's key, unless another process made its own key
    /// the vault's first: the check is written only where there is none, so
    /// two processes starting a new vault at once agree on one key, and the
    /// one that lost says its key is the wrong one instead of sealing
    /// secrets under it.
    async fn write_check(&self, key: &DataKey, described: &str) -> Result<(), CredentialError> {
        let check = base64_encode(&key.seal(KEY_CHECK_TEXT, KEY_CHECK_CONTEXT));
        let kept = self.store.init_vault_meta("key_check", &check).await?;
        if kept != check && !opens_check(key, &kept) {
            let fingerprint = self.store.vault_meta("key_fingerprint").await?;
            return Err(self.wrong_key(described, key, fingerprint.as_deref()));
        }
        self.store.set_vault_meta("key_fingerprint", Some(&key.fingerprint())).await?;
        Ok(())
    }

    /// The data key as [`Credentials::data_key`] gives it, checked again
    /// against the key check as stored now, before anything is sealed with
    /// it: another process may have rotated the key since this one kept it
    /// in memory, and sealing under the old one would leave the vault's
    /// secrets under two keys. A stale key is dropped and the source read
    /// again (which may now hold the new key).
    async fn current_key(&self, create: bool) -> Result<Arc<ActiveKey>, CredentialError> {
        let active = self.data_key(create).await?;
        match self.store.vault_meta("key_check").await? {
            Some(check) if !opens_check(&active.key, &check) => {
                *self.key.lock().expect("key lock") = None;
                self.forget();
                self.data_key(create).await
            }
            _ => Ok(active),
        }
    }

    /// A key that does not open the vault, said with what to do about it.
    fn wrong_key(&self, source: &str, key: &DataKey, expected: Option<&str>) -> CredentialError {
        let remedy = if self.shared() {
            format!(
                "every process on this shared database needs that key: set HOOKLINE_MASTER_KEY to it, or put it in the key file {}",
                self.settings.data_dir.join(hookline_vault::keys::KEY_FILE_NAME).display()
            )
        } else {
            "restore the right key with `hookline vault recover`".to_string()
        };
        CredentialError::Key(format!(
            "the data key in {source} (fingerprint {}) does not open this vault (sealed with {}); {remedy}",
            key.fingerprint(),
            expected.unwrap_or("another key")
        ))
    }

    /// On a shared database, whether this process's data key opens the vault,
    /// asked once at start so a process given the wrong key (or none) says
    /// so before it serves anything. Only the key check is read: no secret
    /// is opened, sealed again or written. A vault without a key check gets
    /// one from this process's key. The error is the wrong or missing key,
    /// with the fingerprint of the key the vault expects.
    pub async fn check_shared_key(&self) -> Result<SharedKey, CredentialError> {
        if !self.shared() {
            return Ok(SharedKey::NotShared);
        }
        if let Err(error) = self.source().await {
            return match self.store.vault_meta("key_check").await? {
                None => Ok(SharedKey::Missing(error.to_string())),
                Some(_) => Err(error),
            };
        }
        let active = self.data_key(false).await?;
        Ok(SharedKey::Opens { fingerprint: active.key.fingerprint(), source: active.source.clone() })
    }

    fn forget(&self) {
        self.opened.lock().expect("opened lock").clear();
        *self.callers.lock().expect("callers lock") = None;
    }

    /// Adds a credential (or, with `replace`, enters an existing one again).
    pub async fn add(&self, new: NewCredential) -> Result<CredentialView, CredentialError> {
        let name = new.name.trim().to_string();
        if name.is_empty() || name.len() > 100 || name.chars().any(char::is_control) {
            return Err(CredentialError::Invalid("a credential name must be 1 to 100 printable characters".into()));
        }
        let kind = Kind::parse(&new.kind).map_err(CredentialError::Invalid)?;
        let mut problems = kind.check(&new.fields, &new.secrets);
        if kind == Kind::Hmac && problems.is_empty() {
            if let Err(e) = hookline_vault::signature::HmacSettings::from_fields(&new.fields) {
                problems.push(e.to_string());
            }
        }
        if !problems.is_empty() {
            return Err(CredentialError::Invalid(format!(
                "the {} credential {name:?} is not valid: {}",
                kind.as_str(),
                problems.join("; ")
            )));
        }
        let existing = self.store.credential(&name).await?;
        if existing.is_some() && !new.replace {
            return Err(CredentialError::Conflict(format!(
                "a credential named {name:?} already exists; pass --replace to enter it again"
            )));
        }
        let active = self.current_key(true).await?;
        let now = timestamp(SystemTime::now());
        let id = existing.as_ref().map(|row| row.id.clone()).unwrap_or_else(|| ids::generate(ids::CREDENTIAL_PREFIX));
        let plain: BTreeMap<&str, &str> = new.secrets.iter().map(|(k, v)| (k.as_str(), v.expose().as_str())).collect();
        let plain = Sensitive::new(serde_json::to_string(&plain).expect("strings serialise"));
        let row = CredentialRow {
            sealed: active.key.seal(plain.expose().as_bytes(), id.as_bytes()),
            id,
            name: name.clone(),
            kind: kind.as_str().to_string(),
            fields: Value::Object(new.fields).to_string(),
            created_at: existing.as_ref().map(|row| row.created_at.clone()).unwrap_or_else(|| now.clone()),
            updated_at: now,
            verified_at: None,
            verify_ok: None,
            verify_message: None,
        };
        self.store.put_credential(&row).await.map_err(|e| match e {
            StoreError::NameTaken(name) => {
                CredentialError::Conflict(format!("a credential named {name:?} already exists"))
            }
            other => other.into(),
        })?;
        self.forget();
        self.show(&name).await
    }

    /// Opens a credential for use (reused for [`OPEN_TTL`]).
    pub async fn open(&self, name: &str) -> Result<Arc<OpenCredential>, CredentialError> {
        if let Some((at, credential)) = self.opened.lock().expect("opened lock").get(name) {
            if at.elapsed() < OPEN_TTL {
                return Ok(credential.clone());
            }
        }
        let row = self.store.credential(name).await?.ok_or_else(|| CredentialError::NotFound(name.to_string()))?;
        let active = self.data_key(false).await?;
        let credential = Arc::new(open_row(&active.key, &row)?);
        self.opened.lock().expect("opened lock").insert(name.to_string(), (Instant::now(), credential.clone()));
        Ok(credential)
    }

    /// Every credential that can identify a webhook caller (basic, API key,
    /// bearer), opened; those that cannot be opened are left out.
    pub async fn callers(&self) -> Result<Vec<Arc<OpenCredential>>, CredentialError> {
        if let Some((at, callers)) = self.callers.lock().expect("callers lock").as_ref() {
            if at.elapsed() < OPEN_TTL {
                return Ok(callers.clone());
            }
        }
        let rows = self.store.credentials().await?;
        let mut callers = Vec::new();
        for row in rows.iter().filter(|row| Kind::parse(&row.kind).is_ok_and(Kind::identifies_callers)) {
            if let Ok(credential) = self.open(&row.name).await {
                callers.push(credential);
            }
        }
        *self.callers.lock().expect("callers lock") = Some((Instant::now(), callers.clone()));
        Ok(callers)
    }

    /// Every credential, masked, with its status and the flows using it.
    pub async fn list(&self) -> Result<Vec<CredentialView>, CredentialError> {
        let rows = self.store.credentials().await?;
        let usage = self.usage().await?;
        let key = self.data_key(false).await;
        let mut views = Vec::with_capacity(rows.len());
        for row in rows {
            let token = self.store.token(&row.id).await?;
            views.push(view(&row, key.as_ref().map(|k| &k.key).map_err(ToString::to_string), &usage, token));
        }
        Ok(views)
    }

    /// One credential, masked.
    pub async fn show(&self, name: &str) -> Result<CredentialView, CredentialError> {
        let row = self.store.credential(name).await?.ok_or_else(|| CredentialError::NotFound(name.to_string()))?;
        let usage = self.usage().await?;
        let key = self.data_key(false).await;
        let token = self.store.token(&row.id).await?;
        Ok(view(&row, key.as_ref().map(|k| &k.key).map_err(ToString::to_string), &usage, token))
    }

    /// Removes a credential. One in use by a flow needs `force`; those flows
    /// then fail validation (and a hook it guarded refuses every caller)
    /// until they name another credential.
    pub async fn remove(&self, name: &str, force: bool) -> Result<Vec<FlowRef>, CredentialError> {
        if self.store.credential(name).await?.is_none() {
            return Err(CredentialError::NotFound(name.to_string()));
        }
        let users = self.usage().await?.remove(name).unwrap_or_default();
        if !users.is_empty() && !force {
            let names: Vec<String> = users.iter().map(|f| format!("{} ({})", f.name, f.id)).collect();
            return Err(CredentialError::Conflict(format!(
                "credential {name:?} is used by {}; pass --force to remove it anyway (those flows stay invalid until they name another credential)",
                names.join(", ")
            )));
        }
        self.store.remove_credential(name).await?;
        self.forget();
        Ok(users)
    }

    /// Which flows (draft or latest published version) name each credential.
    pub async fn usage(&self) -> Result<HashMap<String, Vec<FlowRef>>, CredentialError> {
        let mut usage: HashMap<String, Vec<FlowRef>> = HashMap::new();
        for summary in self.store.list_flows().await? {
            let mut names = std::collections::BTreeSet::new();
            if let Some(record) = self.store.get_flow(&summary.id).await? {
                names.extend(credential_names(&record.draft));
            }
            if let Some((_, document)) = self.store.latest_version(&summary.id).await? {
                names.extend(credential_names(&document));
            }
            for name in names {
                usage.entry(name).or_default().push(FlowRef { id: summary.id.clone(), name: summary.name.clone() });
            }
        }
        Ok(usage)
    }

    /// Where the data key comes from and whether the vault is usable.
    pub async fn status(&self) -> Result<VaultStatus, CredentialError> {
        let rows = self.store.credentials().await?;
        let kit = self.store.vault_meta("kit_shown_at").await?;
        let fingerprint = self.store.vault_meta("key_fingerprint").await?;
        let mut status = VaultStatus {
            source: None,
            description: String::new(),
            fingerprint,
            ready: false,
            problem: None,
            credentials: rows.len(),
            undecryptable: 0,
            recovery_kit_shown_at: kit,
        };
        let source = match self.source().await {
            Ok(source) => source,
            Err(error) => {
                status.description = "no key source".into();
                status.problem = Some(error.to_string());
                return Ok(status);
            }
        };
        status.source = Some(source.kind().as_str().to_string());
        status.description = source.describe();
        // Asking for the status creates nothing: a new vault gets its key with
        // its first credential.
        if status.fingerprint.is_none() && matches!(Self::blocking(&source, |s| s.load()).await, Ok(None)) {
            status.ready = true;
            status.description.push_str("; the data key is created with the first credential");
            return Ok(status);
        }
        let key = self.data_key(false).await;
        match key {
            Ok(active) => {
                status.ready = true;
                status.fingerprint = Some(active.key.fingerprint());
                status.undecryptable = rows.iter().filter(|row| open_row(&active.key, row).is_err()).count();
            }
            Err(error) => status.problem = Some(error.to_string()),
        }
        Ok(status)
    }

    /// The data key as a recovery phrase, shown once per key.
    pub async fn recovery_kit(&self) -> Result<Sensitive<String>, CredentialError> {
        if let Some(at) = self.store.vault_meta("kit_shown_at").await? {
            return Err(CredentialError::Conflict(format!(
                "the recovery kit of this data key was already shown ({at}); to get a new kit, rotate the key with `hookline vault rotate-key`"
            )));
        }
        let active = self.current_key(true).await?;
        self.store.set_vault_meta("kit_shown_at", Some(&timestamp(SystemTime::now()))).await?;
        Ok(active.key.to_phrase())
    }

    /// Restores the data key from a recovery phrase into the key source (or,
    /// with `key_file`, into a new key file in the data dir).
    pub async fn recover(&self, phrase: &str, key_file: bool) -> Result<String, CredentialError> {
        let key = DataKey::from_phrase(phrase).or_else(|_| DataKey::parse(phrase))?;
        if let Some(check) = self.store.vault_meta("key_check").await? {
            if !opens_check(&key, &check) {
                let expected = self.store.vault_meta("key_fingerprint").await?.unwrap_or_else(|| "unknown".into());
                return Err(CredentialError::Key(format!(
                    "this phrase is the key {} but this vault is sealed with {expected}: it belongs to another vault",
                    key.fingerprint()
                )));
            }
        } else {
            self.write_check(&key, "the recovery phrase").await?;
        }
        let described = if key_file {
            let path = self.settings.data_dir.join("vault.key");
            if path.exists() {
                return Err(CredentialError::Conflict(format!("{} already exists", path.display())));
            }
            let source = Arc::new(Source::KeyFile(path));
            let saved = key.clone();
            Self::blocking(&source, move |s| s.save(&saved)).await?;
            source.describe()
        } else {
            let source = self.source().await?;
            if let Some(current) = Self::blocking(&source, |s| s.load()).await? {
                if current.fingerprint() == key.fingerprint() {
                    return Ok(source.describe());
                }
            }
            let saved = key.clone();
            Self::blocking(&source, move |s| s.save(&saved)).await?;
            source.describe()
        };
        *self.key.lock().expect("key lock") = None;
        self.forget();
        Ok(described)
    }

    /// Seals every secret under a new data key in one transaction, then keeps
    /// the new key in the source. A crash in between is finished at the next
    /// start (the new key waits in the source's pending slot).
    pub async fn rotate_key(&self) -> Result<Rotation, CredentialError> {
        let active = self.current_key(false).await?;
        let source = self.source().await?;
        let new_key = DataKey::generate();
        let pending = new_key.clone();
        Self::blocking(&source, move |s| s.save_pending(&pending)).await?;
        let mut resealed = Vec::new();
        let mut undecryptable = Vec::new();
        for row in self.store.credentials().await? {
            match active.key.open(&row.sealed, row.id.as_bytes()) {
                Ok(plain) => {
                    resealed.push(Resealed { sealed: new_key.seal(plain.expose(), row.id.as_bytes()), id: row.id })
                }
                Err(_) => undecryptable.push(row.name),
            }
        }
        let check = base64_encode(&new_key.seal(KEY_CHECK_TEXT, KEY_CHECK_CONTEXT));
        self.store.reseal(&resealed, &check, &new_key.fingerprint()).await?;
        let kept = new_key.clone();
        Self::blocking(&source, move |s| s.save(&kept).and_then(|()| s.clear_pending())).await?;
        *self.key.lock().expect("key lock") =
            Some(Arc::new(ActiveKey { key: new_key.clone(), source: active.source.clone() }));
        self.forget();
        Ok(Rotation {
            old_fingerprint: active.key.fingerprint(),
            new_fingerprint: new_key.fingerprint(),
            resealed: resealed.len(),
            undecryptable,
        })
    }

    /// An OAuth2 client-credentials access token: the cached one while it has
    /// more than a minute (or a tenth of its life) left, else a new one from
    /// the token endpoint. `refresh` skips the cache (after a 401). The
    /// token's expiry and the last error are recorded for the vault view.
    pub async fn oauth_token(
        &self,
        credential: &OpenCredential,
        http: &reqwest::Client,
        refresh: bool,
    ) -> Result<Sensitive<String>, String> {
        if !refresh {
            if let Some((token, renew_at)) = self.tokens.lock().expect("tokens lock").get(&credential.id) {
                if Instant::now() < *renew_at {
                    return Ok(token.clone());
                }
            }
        }
        let fetched_at = timestamp(SystemTime::now());
        let previous = self.store.token(&credential.id).await.ok().flatten();
        match fetch_token(credential, http).await {
            Ok((token, lifetime)) => {
                let margin = Duration::from_secs(60).min(lifetime / 10);
                let renew_at = Instant::now() + lifetime.saturating_sub(margin);
                let sealed = match self.data_key(false).await {
                    Ok(active) => {
                        Some(active.key.seal(token.expose().as_bytes(), format!("{}:token", credential.id).as_bytes()))
                    }
                    Err(_) => None,
                };
                let row = hookline_store::TokenRow {
                    credential_id: credential.id.clone(),
                    sealed,
                    expires_at: Some(timestamp(SystemTime::now() + lifetime)),
                    fetched_at: Some(fetched_at),
                    last_error: None,
                };
                if let Err(error) = self.store.put_token(&row).await {
                    tracing::warn!(credential = %credential.name, %error, "could not record the token state");
                }
                self.tokens.lock().expect("tokens lock").insert(credential.id.clone(), (token.clone(), renew_at));
                Ok(token)
            }
            Err(message) => {
                let message = hookline_vault::scrub(&message, &credential.secret_values());
                let row = hookline_store::TokenRow {
                    credential_id: credential.id.clone(),
                    sealed: previous.as_ref().and_then(|p| p.sealed.clone()),
                    expires_at: previous.as_ref().and_then(|p| p.expires_at.clone()),
                    fetched_at: previous.and_then(|p| p.fetched_at),
                    last_error: Some(format!("{fetched_at}: {message}")),
                };
                if let Err(error) = self.store.put_token(&row).await {
                    tracing::warn!(credential = %credential.name, %error, "could not record the token state");
                }
                Err(message)
            }
        }
    }

    /// Every secret an execution using `credential` may come across: its
    /// fields, the Basic header made from them, its current access token.
    pub fn secrets_of(&self, credential: &OpenCredential) -> Vec<String> {
        use base64::Engine as _;
        let mut secrets: Vec<String> = credential.secret_values().into_iter().map(str::to_string).collect();
        if let (Some(user), Some(password)) = (credential.text("username"), credential.secret("password")) {
            secrets.push(base64::engine::general_purpose::STANDARD.encode(format!("{user}:{}", password.expose())));
        }
        if let Some((token, _)) = self.tokens.lock().expect("tokens lock").get(&credential.id) {
            secrets.push(token.expose().clone());
        }
        secrets
    }

    /// Checks a credential against the real service, within 30 seconds, and
    /// records the result: HTTP kinds call their `verifyUrl` (OAuth2 first
    /// fetches a token), HMAC signs and checks a test payload, a database URL
    /// is connected to (logged in to, for PostgreSQL) as a Database step would.
    pub async fn verify(&self, name: &str, http: &reqwest::Client) -> Result<Verification, CredentialError> {
        let credential = self.open(name).await?;
        let (ok, message) = match tokio::time::timeout(Duration::from_secs(30), self.check(&credential, http)).await {
            Ok(Ok(message)) => (true, message),
            Ok(Err(message)) => (false, message),
            Err(_) => (false, "no answer within 30 s".to_string()),
        };
        let secrets = self.secrets_of(&credential);
        let refs: Vec<&str> = secrets.iter().map(String::as_str).collect();
        self.record_verification(&credential, ok, &hookline_vault::scrub(&message, &refs)).await
    }

    async fn check(&self, credential: &OpenCredential, http: &reqwest::Client) -> Result<String, String> {
        match credential.kind {
            Kind::None => Ok("No Auth has nothing to verify".into()),
            Kind::Hmac => {
                let settings = hookline_vault::signature::HmacSettings::from_fields(&credential.fields)
                    .map_err(|e| e.to_string())?;
                let secret = credential.secret("secret").ok_or("no secret")?;
                let now =
                    SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0);
                let body = br#"{"hookline":"verify"}"#;
                let headers = hookline_vault::signature::sign(&settings, secret, body, now, "msg_verify")
                    .map_err(|e| e.to_string())?;
                let lookup =
                    |name: &str| headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.clone());
                hookline_vault::signature::verify(&settings, secret, &lookup, body, now).map_err(|e| e.to_string())?;
                Ok(format!("the secret signs and checks a test request ({} preset)", settings.preset.as_str()))
            }
            Kind::DatabaseUrl => {
                let url = credential.secret("url").ok_or("no url")?;
                crate::components::database::verify(url.expose()).await
            }
            Kind::OAuth2ClientCredentials => {
                self.oauth_token(credential, http, true).await?;
                let Some(url) = credential.text("verifyUrl") else {
                    return Ok("the token endpoint issued a token".into());
                };
                check_destination(credential, url)?;
                let token = self.oauth_token(credential, http, false).await?;
                answer(http.get(url).bearer_auth(token.expose()), url).await
            }
            Kind::Basic | Kind::Bearer | Kind::ApiKey => {
                let url = credential
                    .text("verifyUrl")
                    .ok_or_else(|| "nothing to call: set verifyUrl (--set verifyUrl=https://…) to a URL that must answer 2xx to this credential".to_string())?;
                check_destination(credential, url)?;
                let request = crate::components::authorize(http.get(url), credential, None);
                answer(request, url).await
            }
        }
    }

    /// Records a verification result.
    pub async fn record_verification(
        &self,
        credential: &OpenCredential,
        ok: bool,
        message: &str,
    ) -> Result<Verification, CredentialError> {
        let at = timestamp(SystemTime::now());
        self.store.record_verification(&credential.id, ok, message, &at).await?;
        Ok(Verification { ok, message: message.to_string(), at })
    }
}

/// Asks the token endpoint for a client-credentials token (client id and
/// secret as HTTP Basic, as RFC 6749 prefers). Returns it with its lifetime.
async fn fetch_token(
    credential: &OpenCredential,
    http: &reqwest::Client,
) -> Result<(Sensitive<String>, Duration), String> {
    let url = credential.text("tokenUrl").ok_or("no tokenUrl")?;
    let client_id = credential.text("clientId").ok_or("no clientId")?;
    let secret = credential.secret("clientSecret").ok_or("no clientSecret")?;
    let mut form = vec![("grant_type", "client_credentials")];
    if let Some(scope) = credential.text("scope") {
        form.push(("scope", scope));
    }
    let response = http
        .post(url)
        .basic_auth(client_id, Some(secret.expose()))
        .form(&form)
        .timeout(Duration::from_secs(30))
        .send()
        .await
        .map_err(|e| format!("the token endpoint {url} could not be reached: {e}"))?;
    let status = response.status();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    if !status.is_success() {
        let reason = body.get("error_description").or_else(|| body.get("error")).and_then(Value::as_str).unwrap_or("");
        return Err(format!("the token endpoint {url} answered {status} {reason}").trim_end().to_string());
    }
    let token = body
        .get("access_token")
        .and_then(Value::as_str)
        .ok_or_else(|| format!("the token endpoint {url} answered without an access_token"))?;
    let lifetime = body.get("expires_in").and_then(Value::as_u64).unwrap_or(3600);
    Ok((Sensitive::new(token.to_string()), Duration::from_secs(lifetime)))
}

/// The verify URL goes through the same binding as a step's call, so an
/// explicit `allowedHosts` that leaves it out is caught here first.
fn check_destination(credential: &OpenCredential, url: &str) -> Result<(), String> {
    let url = reqwest::Url::parse(url).map_err(|e| format!("verifyUrl {url:?} is not a URL: {e}"))?;
    credential.check_destination(&url)
}

async fn answer(request: reqwest::RequestBuilder, url: &str) -> Result<String, String> {
    let response =
        request.timeout(Duration::from_secs(30)).send().await.map_err(|e| format!("GET {url} failed: {e}"))?;
    let status = response.status();
    if status.is_success() {
        Ok(format!("GET {url} answered {status}"))
    } else {
        Err(format!("GET {url} answered {status}"))
    }
}

fn base64_encode(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn opens_check(key: &DataKey, check: &str) -> bool {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD
        .decode(check)
        .ok()
        .and_then(|sealed| key.open(&sealed, KEY_CHECK_CONTEXT).ok())
        .is_some_and(|plain| plain.expose().as_slice() == KEY_CHECK_TEXT)
}

fn open_row(key: &DataKey, row: &CredentialRow) -> Result<OpenCredential, CredentialError> {
    let undecryptable = || CredentialError::Undecryptable { name: row.name.clone(), kind: row.kind.clone() };
    let kind = Kind::parse(&row.kind).map_err(CredentialError::Invalid)?;
    let plain = key.open(&row.sealed, row.id.as_bytes()).map_err(|_| undecryptable())?;
    let secrets: BTreeMap<String, String> = serde_json::from_slice(plain.expose()).map_err(|_| undecryptable())?;
    let fields: Map<String, Value> = serde_json::from_str(&row.fields)
        .map_err(|e| CredentialError::Store(StoreError::Corrupt(format!("credentials.fields: {e}"))))?;
    Ok(OpenCredential {
        id: row.id.clone(),
        name: row.name.clone(),
        kind,
        fields,
        secrets: secrets.into_iter().map(|(k, v)| (k, Sensitive::new(v))).collect(),
    })
}

fn view(
    row: &CredentialRow,
    key: Result<&DataKey, String>,
    usage: &HashMap<String, Vec<FlowRef>>,
    token: Option<hookline_store::TokenRow>,
) -> CredentialView {
    let kind = Kind::parse(&row.kind).ok();
    let (status, problem) = match key {
        Err(why) => (CredentialStatus::Locked, Some(why)),
        Ok(key) => match open_row(key, row) {
            Ok(_) => (CredentialStatus::Ok, None),
            Err(error) => (CredentialStatus::Undecryptable, Some(error.to_string())),
        },
    };
    let secrets = kind
        .map(|kind| kind.fields().iter().filter(|f| f.secret).map(|f| (f.name.to_string(), MASK.to_string())).collect())
        .unwrap_or_default();
    CredentialView {
        id: row.id.clone(),
        name: row.name.clone(),
        kind: row.kind.clone(),
        fields: serde_json::from_str(&row.fields).unwrap_or_default(),
        secrets,
        status,
        problem,
        used_by: usage.get(&row.name).cloned().unwrap_or_default(),
        created_at: row.created_at.clone(),
        updated_at: row.updated_at.clone(),
        verification: match (&row.verified_at, row.verify_ok) {
            (Some(at), Some(ok)) => {
                Some(Verification { ok, message: row.verify_message.clone().unwrap_or_default(), at: at.clone() })
            }
            _ => None,
        },
        token: token.map(|t| TokenState {
            expires_at: t.expires_at,
            fetched_at: t.fetched_at,
            last_error: t.last_error,
        }),
    }
}

/// The credential names a flow document's steps use.
pub fn credential_names(document: &FlowDocument) -> Vec<String> {
    document.steps.iter().filter_map(|step| step.credential.clone()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "3c1d2c3b4a5968778695a4b3c2d1e0f00112233445566778899aabbccddeeff1";
    const OTHER_KEY: &str = "9a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b";

    fn bearer(name: &str, token: &str) -> NewCredential {
        NewCredential {
            name: name.to_string(),
            kind: "bearer".to_string(),
            fields: Map::new(),
            secrets: BTreeMap::from([("token".to_string(), Sensitive::new(token.to_string()))]),
            replace: false,
        }
    }

    async fn store_in(dir: &std::path::Path) -> Store {
        Store::open(&dir.join("hookline.db")).await.expect("a database in the temp dir")
    }

    #[tokio::test]
    async fn a_process_that_lost_the_race_to_make_the_vault_s_key_check_keeps_the_winner_s() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let store = store_in(dir.path()).await;
        let first = Credentials::new(store.clone(), VaultSettings::new(dir.path().into(), Some(KEY.into())));
        let late = Credentials::new(store.clone(), VaultSettings::new(dir.path().into(), Some(OTHER_KEY.into())));
        first.add(bearer("api", "tok-first")).await.expect("the first key makes the vault");
        let check = store.vault_meta("key_check").await.unwrap();

        // `late` found no key check before `first` wrote one, and now writes its own.
        let late_key = DataKey::parse(OTHER_KEY).expect("a key");
        match late.write_check(&late_key, "HOOKLINE_MASTER_KEY").await {
            Err(CredentialError::Key(message)) => {
                assert!(message.contains("does not open this vault"), "the late key is refused: {message}")
            }
            other => panic!("a second key must not become the vault's, got {other:?}"),
        }
        assert_eq!(store.vault_meta("key_check").await.unwrap(), check, "the first key check stays");
        let fingerprint = DataKey::parse(KEY).unwrap().fingerprint();
        assert_eq!(store.vault_meta("key_fingerprint").await.unwrap(), Some(fingerprint), "and its fingerprint");
        assert!(first.open("api").await.is_ok(), "the credential opens under the vault's key");
        assert!(late.add(bearer("other", "tok-late")).await.is_err(), "nothing is sealed under the late key");
        assert!(store.credential("other").await.unwrap().is_none(), "no row was written for it");
    }

    #[tokio::test]
    async fn a_key_rotated_away_by_another_process_is_never_used_to_seal() {
        let (one, two) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let store = store_in(one.path()).await;
        let key_file = hookline_vault::keys::create_key_file(one.path()).expect("a key file");
        std::fs::copy(&key_file, two.path().join(hookline_vault::keys::KEY_FILE_NAME)).expect("copied, 0600 kept");
        let rotating = Credentials::new(store.clone(), VaultSettings::new(one.path().into(), None));
        let stale = Credentials::new(store.clone(), VaultSettings::new(two.path().into(), None));
        rotating.add(bearer("api", "tok-1")).await.expect("added");
        stale.open("api").await.expect("the second process keeps the key in memory");

        let rotation = rotating.rotate_key().await.expect("rotated");
        assert_eq!(rotation.resealed, 1, "{rotation:?}");
        match stale.add(bearer("late", "tok-2")).await {
            Err(CredentialError::Key(message)) => {
                assert!(message.contains(&rotation.new_fingerprint), "the key the vault expects is named: {message}")
            }
            other => panic!("the old key must not seal a new credential, got {other:?}"),
        }
        assert!(store.credential("late").await.unwrap().is_none(), "nothing was sealed under the old key");
        assert!(stale.rotate_key().await.is_err(), "nor is every secret sealed again from the old key");
        assert!(rotating.open("api").await.is_ok(), "the vault still opens under its new key");
    }
}
