//! The data key that seals every secret field, and the places it is kept:
//! `HOOKLINE_MASTER_KEY`, a key file in the data directory, or the OS keychain.
//!
//! Nothing here reads the environment: the binary reads `HOOKLINE_MASTER_KEY`
//! and hands it over in a [`KeyConfig`], so tests and embedders decide.
//! Key bytes never appear in an error or in `Debug` output; a key is shown
//! only by its [`DataKey::fingerprint`].

use std::fmt;
use std::fs;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use base64::Engine;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{Key, XChaCha20Poly1305, XNonce};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use zeroize::Zeroize;

use crate::{phrase, Sensitive, VaultError};

const KEY_LEN: usize = 32;
const NONCE_LEN: usize = 24;
const TAG_LEN: usize = 16;
/// The name of the variable the binary reads the master key from; errors name it.
const MASTER_KEY_VAR: &str = "HOOKLINE_MASTER_KEY";

/// Reads `HOOKLINE_MASTER_KEY` and removes it from this process's
/// environment, so no program Hookline starts (a browser opening a link,
/// say) inherits the key. Call it first thing in `main`, before any thread
/// starts: changing the environment races with threads reading it.
pub fn take_master_key() -> Option<Sensitive<String>> {
    let key = std::env::var(MASTER_KEY_VAR).ok();
    std::env::remove_var(MASTER_KEY_VAR);
    key.filter(|key| !key.trim().is_empty()).map(Sensitive::new)
}
/// The key file's name inside the data directory.
pub const KEY_FILE_NAME: &str = "vault.key";
/// Appended to a key file's name for the key waiting to replace it during a rotation.
const PENDING_SUFFIX: &str = ".next";
/// Separates the fingerprint's hash from any other SHA-256 of the key.
const FINGERPRINT_DOMAIN: &[u8] = b"hookline-data-key";

/// The 32-byte key that seals every secret field (XChaCha20-Poly1305).
#[derive(Clone)]
pub struct DataKey(Sensitive<[u8; KEY_LEN]>);

impl DataKey {
    /// A new random key from the OS random source.
    pub fn generate() -> DataKey {
        let mut bytes = [0u8; KEY_LEN];
        // Without OS randomness no key can be made safely: there is nothing sensible to fall back to.
        getrandom::getrandom(&mut bytes).expect("the OS random source failed while generating a data key");
        let key = DataKey::from_bytes(bytes);
        bytes.zeroize();
        key
    }

    pub fn from_bytes(bytes: [u8; KEY_LEN]) -> DataKey {
        DataKey(Sensitive::new(bytes))
    }

    /// 16 hex chars: the first 8 bytes of SHA-256 over `b"hookline-data-key" || key`.
    /// Safe to show: it tells keys apart without revealing them.
    pub fn fingerprint(&self) -> String {
        let mut hasher = Sha256::new();
        hasher.update(FINGERPRINT_DOMAIN);
        hasher.update(self.0.expose());
        hex::encode(&hasher.finalize()[..8])
    }

    fn cipher(&self) -> XChaCha20Poly1305 {
        // The cipher wipes its copy of the key when dropped.
        XChaCha20Poly1305::new(Key::from_slice(self.0.expose()))
    }

    /// Seals plaintext: returns 24-byte random nonce || ciphertext+tag. A fresh
    /// nonce every call (XChaCha's 192-bit nonces make random ones safe).
    /// `associated` is authenticated, not encrypted (callers pass the
    /// credential id, so a sealed value cannot be moved to another credential).
    pub fn seal(&self, plaintext: &[u8], associated: &[u8]) -> Vec<u8> {
        let mut nonce = [0u8; NONCE_LEN];
        getrandom::getrandom(&mut nonce).expect("the OS random source failed while sealing");
        let ciphertext = self
            .cipher()
            .encrypt(XNonce::from_slice(&nonce), Payload { msg: plaintext, aad: associated })
            // Only inputs of 256 GiB and more are refused; no secret field is that large.
            .expect("XChaCha20-Poly1305 refused to seal");
        let mut sealed = Vec::with_capacity(NONCE_LEN + ciphertext.len());
        sealed.extend_from_slice(&nonce);
        sealed.extend_from_slice(&ciphertext);
        sealed
    }

    /// Opens what [`DataKey::seal`] made with the same key and associated data.
    /// Any failure (wrong key, other associated data, damage, truncation) is
    /// [`VaultError::Undecryptable`]: the cipher cannot tell them apart.
    pub fn open(&self, sealed: &[u8], associated: &[u8]) -> Result<Sensitive<Vec<u8>>, VaultError> {
        if sealed.len() < NONCE_LEN + TAG_LEN {
            return Err(VaultError::Undecryptable);
        }
        let (nonce, ciphertext) = sealed.split_at(NONCE_LEN);
        self.cipher()
            .decrypt(XNonce::from_slice(nonce), Payload { msg: ciphertext, aad: associated })
            .map(Sensitive::new)
            .map_err(|_| VaultError::Undecryptable)
    }

    /// The key as a printable recovery phrase (`HKL1-XXXXX-…`).
    pub fn to_phrase(&self) -> Sensitive<String> {
        Sensitive::new(phrase::encode(self.0.expose()))
    }

    pub fn from_phrase(text: &str) -> Result<DataKey, VaultError> {
        let mut bytes = phrase::decode(text)?;
        let key = DataKey::from_bytes(bytes);
        bytes.zeroize();
        Ok(key)
    }

    /// Reads a key written as a recovery phrase, 64 hex chars, or standard
    /// base64 of the 32 bytes (surrounding whitespace ignored): the formats
    /// accepted in `HOOKLINE_MASTER_KEY` and in a key file. The error never
    /// repeats the text.
    pub fn parse(text: &str) -> Result<DataKey, VaultError> {
        let text = text.trim();
        let mut bytes = [0u8; KEY_LEN];
        if text.len() == 2 * KEY_LEN && text.bytes().all(|b| b.is_ascii_hexdigit()) {
            hex::decode_to_slice(text, &mut bytes).expect("64 hex digits decode to 32 bytes");
            let key = DataKey::from_bytes(bytes);
            bytes.zeroize();
            return Ok(key);
        }
        if let Ok(mut decoded) = base64::engine::general_purpose::STANDARD.decode(text) {
            let fits = decoded.len() == KEY_LEN;
            if fits {
                bytes.copy_from_slice(&decoded);
            }
            decoded.zeroize();
            if fits {
                let key = DataKey::from_bytes(bytes);
                bytes.zeroize();
                return Ok(key);
            }
        }
        // Last, since base64 may by chance start with HKL1 too; a phrase,
        // with its dashes or its odd length, is never valid base64 of a key.
        if text.get(..phrase::PREFIX.len()).is_some_and(|start| start.eq_ignore_ascii_case(phrase::PREFIX)) {
            return DataKey::from_phrase(text);
        }
        Err(VaultError::InvalidKey(format!(
            "expected a recovery phrase (HKL1-…), 64 hex characters, or standard base64 of 32 bytes; got {} characters that are none of these",
            text.chars().count()
        )))
    }

    /// The key as 64 lowercase hex chars, as a key file holds it.
    fn to_hex(&self) -> Sensitive<String> {
        Sensitive::new(hex::encode(self.0.expose()))
    }
}

/// Compares in constant time, so a comparison cannot leak how much of a key matched.
impl PartialEq for DataKey {
    fn eq(&self, other: &DataKey) -> bool {
        self.0.expose().ct_eq(other.0.expose()).into()
    }
}

impl Eq for DataKey {}

/// Only the fingerprint: enough to tell keys apart in a log, nothing to unlock with.
impl fmt::Debug for DataKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DataKey").field("fingerprint", &self.fingerprint()).finish()
    }
}

/// Where to look for the data key: passed in by the caller (nothing reads the environment itself).
#[derive(Debug, Clone)]
pub struct KeyConfig {
    /// The key file lives at `data_dir/vault.key`.
    pub data_dir: PathBuf,
    /// Names this vault's keychain entries (one vault per data dir).
    pub vault_id: String,
    /// The value of `HOOKLINE_MASTER_KEY`, read by the binary.
    pub master_key: Option<Sensitive<String>>,
    /// The keychain service name; see [`KeyConfig::default_service`].
    pub keychain_service: String,
    /// Bounds every keychain call: an activated but locked keyring can hang ~40 s
    /// waiting for a password prompt nobody sees.
    pub keychain_timeout: Duration,
    /// The vault's database is shared by processes on several machines
    /// (PostgreSQL). The OS keychain is then never used, to find a key or to
    /// keep a new one: each machine has its own, so a second machine would
    /// make a second key and the database would hold secrets sealed under
    /// two. Every process gets the same key from `HOOKLINE_MASTER_KEY` or
    /// its key file.
    pub shared: bool,
}

impl KeyConfig {
    pub const DEFAULT_KEYCHAIN_TIMEOUT: Duration = Duration::from_secs(5);

    /// A config with no master key, the build's keychain service and the default timeout.
    pub fn new(data_dir: impl Into<PathBuf>, vault_id: impl Into<String>) -> KeyConfig {
        KeyConfig {
            data_dir: data_dir.into(),
            vault_id: vault_id.into(),
            master_key: None,
            keychain_service: KeyConfig::default_service().to_string(),
            keychain_timeout: KeyConfig::DEFAULT_KEYCHAIN_TIMEOUT,
            shared: false,
        }
    }

    /// `"hookline"` for release builds, `"hookline-dev"` for debug builds, so a
    /// developer's test runs never read or overwrite the key of their real vault.
    pub fn default_service() -> &'static str {
        if cfg!(debug_assertions) {
            "hookline-dev"
        } else {
            "hookline"
        }
    }

    /// `data_dir/vault.key`.
    pub fn key_file(&self) -> PathBuf {
        self.data_dir.join(KEY_FILE_NAME)
    }
}

/// Which kind of place holds the data key, as stored and shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind {
    Environment,
    KeyFile,
    Keychain,
}

impl SourceKind {
    /// The serialised name: `environment`, `key_file` or `keychain`.
    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::Environment => "environment",
            SourceKind::KeyFile => "key_file",
            SourceKind::Keychain => "keychain",
        }
    }

    /// The kind named by [`SourceKind::as_str`].
    pub fn parse(name: &str) -> Option<SourceKind> {
        [SourceKind::Environment, SourceKind::KeyFile, SourceKind::Keychain].into_iter().find(|k| k.as_str() == name)
    }
}

impl fmt::Display for SourceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The OS keychain entries of one vault: `service` / `data-key/<vault_id>`
/// for the key and `service` / `data-key-next/<vault_id>` for a pending one.
#[derive(Debug, Clone)]
pub struct Keychain {
    service: String,
    vault_id: String,
    timeout: Duration,
}

impl Keychain {
    pub fn new(service: impl Into<String>, vault_id: impl Into<String>, timeout: Duration) -> Keychain {
        Keychain { service: service.into(), vault_id: vault_id.into(), timeout }
    }

    pub fn service(&self) -> &str {
        &self.service
    }

    /// The entry's user name for the data key.
    pub fn user(&self) -> String {
        format!("data-key/{}", self.vault_id)
    }

    /// The entry's user name for the key waiting to replace it during a rotation.
    pub fn pending_user(&self) -> String {
        format!("data-key-next/{}", self.vault_id)
    }

    fn entry_name(&self, user: &str) -> String {
        format!("{}/{user}", self.service)
    }

    fn failure(&self, user: &str, message: String) -> VaultError {
        VaultError::Keychain(format!("entry {}: {message}", self.entry_name(user)))
    }

    /// The key in entry `user`, or None when there is no such entry.
    fn get(&self, user: &str) -> Result<Option<DataKey>, VaultError> {
        let (service, owned_user) = (self.service.clone(), user.to_string());
        let answer = within(self.timeout, move || -> Result<Option<Sensitive<Vec<u8>>>, String> {
            let entry = keyring::Entry::new(&service, &owned_user).map_err(|e| keyring_message(&e))?;
            match entry.get_secret() {
                Ok(secret) => Ok(Some(Sensitive::new(secret))),
                Err(keyring::Error::NoEntry) => Ok(None),
                Err(e) => Err(keyring_message(&e)),
            }
        })?;
        match answer.map_err(|message| self.failure(user, message))? {
            None => Ok(None),
            Some(secret) => {
                let secret = secret.expose();
                if secret.len() != KEY_LEN {
                    return Err(
                        self.failure(user, format!("holds {} bytes, not a {KEY_LEN}-byte data key", secret.len()))
                    );
                }
                let mut bytes = [0u8; KEY_LEN];
                bytes.copy_from_slice(secret);
                let key = DataKey::from_bytes(bytes);
                bytes.zeroize();
                Ok(Some(key))
            }
        }
    }

    /// Stores the 32 raw bytes in entry `user`, replacing what was there.
    fn set(&self, user: &str, key: &DataKey) -> Result<(), VaultError> {
        let (service, owned_user, key) = (self.service.clone(), user.to_string(), key.clone());
        within(self.timeout, move || -> Result<(), String> {
            let entry = keyring::Entry::new(&service, &owned_user).map_err(|e| keyring_message(&e))?;
            entry.set_secret(key.0.expose()).map_err(|e| keyring_message(&e))
        })?
        .map_err(|message| self.failure(user, message))
    }

    /// Deletes entry `user`; an entry that is not there is already deleted.
    fn delete(&self, user: &str) -> Result<(), VaultError> {
        let (service, owned_user) = (self.service.clone(), user.to_string());
        within(self.timeout, move || -> Result<(), String> {
            let entry = keyring::Entry::new(&service, &owned_user).map_err(|e| keyring_message(&e))?;
            match entry.delete_credential() {
                Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
                Err(e) => Err(keyring_message(&e)),
            }
        })?
        .map_err(|message| self.failure(user, message))
    }

    /// Whether the keychain can keep a key now: writes and deletes a
    /// throwaway entry, because a keyring that is present but locked answers
    /// reads of missing entries yet fails (or hangs) on the first write.
    /// The error is a short reason for [`VaultError::NoKeySource`].
    fn probe(&self) -> Result<(), String> {
        let service = self.service.clone();
        // A random suffix keeps concurrent probes apart, and a probe entry left
        // behind by a timed-out call from being mistaken for anything else.
        let user = format!("probe/{}/{}", self.vault_id, random_hex(4));
        let answer = within(self.timeout, move || -> Result<(), String> {
            // The store connects once per process; its own error says more than Entry::new's.
            if let Err(e) = keyring::Entry::store_status() {
                return Err(keyring_message(e));
            }
            let entry = keyring::Entry::new(&service, &user).map_err(|e| keyring_message(&e))?;
            entry
                .set_secret(b"hookline keychain probe")
                .map_err(|e| format!("a test write failed: {}", keyring_message(&e)))?;
            entry.delete_credential().map_err(|e| format!("a test entry could not be deleted: {}", keyring_message(&e)))
        });
        match answer {
            Ok(result) => result,
            Err(VaultError::Keychain(message)) => Err(message),
            Err(other) => Err(other.to_string()),
        }
    }
}

/// Which keychain this platform's `keyring` talks to, for messages.
fn keychain_name() -> &'static str {
    if cfg!(target_os = "macos") {
        "macOS Keychain"
    } else if cfg!(windows) {
        "Windows Credential Manager"
    } else {
        "Secret Service"
    }
}

/// A keyring error as text, without any secret: the variants that carry
/// bytes (undecodable data) are described, not printed.
fn keyring_message(error: &keyring::Error) -> String {
    match error {
        keyring::Error::NoEntry => "no such entry".to_string(),
        keyring::Error::BadEncoding(_) | keyring::Error::BadDataFormat(..) => {
            "the entry holds malformed data".to_string()
        }
        keyring::Error::NoDefaultStore => format!("the {} is not available", keychain_name()),
        // Display of the other variants carries only platform messages.
        other => {
            let mut message = other.to_string();
            if message.len() > 300 {
                let mut end = 300;
                while !message.is_char_boundary(end) {
                    end -= 1;
                }
                message.truncate(end);
                message.push('…');
            }
            message
        }
    }
}

/// Runs `work` on its own thread and waits at most `timeout` for it. On
/// timeout the thread is left behind (a blocked D-Bus call cannot be
/// cancelled) and the error says the keychain did not answer: a locked
/// keyring waiting on an invisible unlock prompt must not freeze Hookline.
pub(crate) fn within<T: Send + 'static>(
    timeout: Duration,
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, VaultError> {
    let (sender, receiver) = mpsc::channel();
    thread::Builder::new()
        .name("hookline-keychain".to_string())
        .spawn(move || {
            // The receiver is gone after a timeout; the late answer is dropped.
            let _ = sender.send(work());
        })
        .map_err(|e| VaultError::Keychain(format!("could not start a thread to ask the OS keychain: {e}")))?;
    match receiver.recv_timeout(timeout) {
        Ok(value) => Ok(value),
        Err(mpsc::RecvTimeoutError::Timeout) => Err(VaultError::Keychain(format!(
            "the OS keychain did not answer within {}; it may be locked",
            seconds(timeout)
        ))),
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            Err(VaultError::Keychain("the OS keychain call stopped unexpectedly".to_string()))
        }
    }
}

/// `5 s`, or `0.25 s` for the short timeouts of tests.
fn seconds(duration: Duration) -> String {
    if duration.subsec_nanos() == 0 {
        format!("{} s", duration.as_secs())
    } else {
        format!("{} s", duration.as_secs_f64())
    }
}

fn random_hex(bytes: usize) -> String {
    let mut buffer = vec![0u8; bytes];
    getrandom::getrandom(&mut buffer).expect("the OS random source failed");
    hex::encode(buffer)
}

/// Where the data key is kept.
#[derive(Debug)]
pub enum Source {
    /// `HOOKLINE_MASTER_KEY`, already parsed: read-only.
    Environment(DataKey),
    /// A key file, `data_dir/vault.key`.
    KeyFile(PathBuf),
    /// The OS keychain.
    Keychain(Keychain),
}

impl Source {
    /// Picks the source: `HOOKLINE_MASTER_KEY` when given (explicit beats
    /// implicit, and a headless server never waits on a keychain probe); else
    /// the key file when it exists; else the OS keychain if a probe write
    /// (then delete) of a throwaway entry succeeds within the timeout; else
    /// [`VaultError::NoKeySource`] with the keychain's reason. For a
    /// [`KeyConfig::shared`] database the keychain is not asked at all:
    /// without a master key or a key file the answer is
    /// [`VaultError::NoSharedKey`].
    pub fn choose(config: &KeyConfig) -> Result<Source, VaultError> {
        Source::choose_with(config, Keychain::probe)
    }

    /// [`Source::choose`] with the keychain probe passed in, so the choice can
    /// be tested without a keychain.
    fn choose_with(
        config: &KeyConfig,
        probe: impl FnOnce(&Keychain) -> Result<(), String>,
    ) -> Result<Source, VaultError> {
        if let Some(master_key) = &config.master_key {
            return match DataKey::parse(master_key.expose()) {
                Ok(key) => Ok(Source::Environment(key)),
                Err(VaultError::InvalidKey(message)) => {
                    Err(VaultError::InvalidKey(format!("{MASTER_KEY_VAR}: {message}")))
                }
                Err(other) => Err(other),
            };
        }
        let key_file = config.key_file();
        // symlink_metadata, not exists(): a dangling link or an unreadable
        // directory is a key file problem to report, not a reason to move on.
        match fs::symlink_metadata(&key_file) {
            Ok(_) => return Ok(Source::KeyFile(key_file)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(key_file_error(&key_file, format!("cannot be checked: {e}"))),
        }
        if config.shared {
            return Err(VaultError::NoSharedKey { key_file: key_file.display().to_string() });
        }
        let keychain = Keychain::new(&config.keychain_service, &config.vault_id, config.keychain_timeout);
        match probe(&keychain) {
            Ok(()) => Ok(Source::Keychain(keychain)),
            Err(reason) => Err(VaultError::NoKeySource { keychain: reason }),
        }
    }

    pub fn kind(&self) -> SourceKind {
        match self {
            Source::Environment(_) => SourceKind::Environment,
            Source::KeyFile(_) => SourceKind::KeyFile,
            Source::Keychain(_) => SourceKind::Keychain,
        }
    }

    /// For people: `HOOKLINE_MASTER_KEY`, `key file /path/vault.key`, or
    /// `OS keychain (Secret Service), entry hookline-dev/data-key/<vault_id>`.
    pub fn describe(&self) -> String {
        match self {
            Source::Environment(_) => MASTER_KEY_VAR.to_string(),
            Source::KeyFile(path) => format!("key file {}", path.display()),
            Source::Keychain(keychain) => {
                format!("OS keychain ({}), entry {}", keychain_name(), keychain.entry_name(&keychain.user()))
            }
        }
    }

    /// The stored key, or None when this source has none yet (Environment always Some).
    pub fn load(&self) -> Result<Option<DataKey>, VaultError> {
        match self {
            Source::Environment(key) => Ok(Some(key.clone())),
            Source::KeyFile(path) => read_key_file(path),
            Source::Keychain(keychain) => keychain.get(&keychain.user()),
        }
    }

    /// Stores the key, replacing the one there. A key file is replaced
    /// atomically, so a crash leaves the old key or the new one, never half.
    pub fn save(&self, key: &DataKey) -> Result<(), VaultError> {
        match self {
            Source::Environment(_) => Err(VaultError::ReadOnly(MASTER_KEY_VAR.to_string())),
            Source::KeyFile(path) => write_key_file(path, key),
            Source::Keychain(keychain) => keychain.set(&keychain.user(), key),
        }
    }

    /// The key waiting to replace the current one during a rotation, kept
    /// beside it (`vault.key.next`, keychain entry `data-key-next/<vault_id>`)
    /// so an interrupted rotation can finish.
    pub fn load_pending(&self) -> Result<Option<DataKey>, VaultError> {
        match self {
            Source::Environment(_) => Ok(None),
            Source::KeyFile(path) => read_key_file(&pending_path(path)),
            Source::Keychain(keychain) => keychain.get(&keychain.pending_user()),
        }
    }

    pub fn save_pending(&self, key: &DataKey) -> Result<(), VaultError> {
        match self {
            Source::Environment(_) => Err(VaultError::ReadOnly(MASTER_KEY_VAR.to_string())),
            Source::KeyFile(path) => write_key_file(&pending_path(path), key),
            Source::Keychain(keychain) => keychain.set(&keychain.pending_user(), key),
        }
    }

    /// Removes the pending key; nothing pending is fine.
    pub fn clear_pending(&self) -> Result<(), VaultError> {
        match self {
            Source::Environment(_) => Ok(()),
            Source::KeyFile(path) => {
                let pending = pending_path(path);
                match fs::remove_file(&pending) {
                    Ok(()) => Ok(()),
                    Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
                    Err(e) => Err(key_file_error(&pending, format!("cannot be removed: {e}"))),
                }
            }
            Source::Keychain(keychain) => keychain.delete(&keychain.pending_user()),
        }
    }
}

/// Creates `data_dir/vault.key` with a new random key, readable only by the
/// user (0600); an existing key file is an error, never replaced, since the
/// secrets sealed under its key would be lost. Returns its path.
pub fn create_key_file(data_dir: &Path) -> Result<PathBuf, VaultError> {
    let path = data_dir.join(KEY_FILE_NAME);
    create_private_dir(data_dir).map_err(|e| key_file_error(&path, format!("its directory cannot be created: {e}")))?;
    // create_new refuses an existing file atomically, so two racing creators cannot both win.
    let mut file = match private_file_options().open(&path) {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
            return Err(key_file_error(
                &path,
                "already exists; it is not replaced, since the secrets sealed under its key would be lost".to_string(),
            ))
        }
        Err(e) => return Err(key_file_error(&path, format!("cannot be created: {e}"))),
    };
    let written = write_key(&mut file, &DataKey::generate());
    drop(file);
    if let Err(e) = written {
        // Half a key file would be chosen next time and fail; better no file at all.
        let _ = fs::remove_file(&path);
        return Err(key_file_error(&path, format!("cannot be written: {e}")));
    }
    sync_dir(data_dir);
    Ok(path)
}

fn key_file_error(path: &Path, message: String) -> VaultError {
    VaultError::KeyFile { path: path.display().to_string(), message }
}

fn pending_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(PENDING_SUFFIX);
    PathBuf::from(name)
}

/// New files only, readable and writable by the user alone.
fn private_file_options() -> fs::OpenOptions {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options
}

/// Creates the directory (and parents) if missing; new ones are private to the user.
fn create_private_dir(dir: &Path) -> io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

/// The key file format: 64 lowercase hex chars and a newline, flushed to disk.
fn write_key(file: &mut fs::File, key: &DataKey) -> io::Result<()> {
    let hex = key.to_hex();
    file.write_all(hex.expose().as_bytes())?;
    file.write_all(b"\n")?;
    file.sync_all()
}

/// Makes a rename or a new file durable; a failure only weakens crash safety, so it is ignored.
fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(handle) = fs::File::open(dir) {
        let _ = handle.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

/// Writes `path` through a temporary file in the same directory and a
/// rename, so readers see the old key or the new one, never a partial file.
fn write_key_file(path: &Path, key: &DataKey) -> Result<(), VaultError> {
    let dir = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    create_private_dir(&dir).map_err(|e| key_file_error(path, format!("its directory cannot be created: {e}")))?;
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| KEY_FILE_NAME.to_string());
    let temporary = dir.join(format!(".{name}.{}-{}.tmp", std::process::id(), random_hex(4)));
    let result = private_file_options()
        .open(&temporary)
        .and_then(|mut file| write_key(&mut file, key))
        .and_then(|()| fs::rename(&temporary, path));
    if let Err(e) = result {
        let _ = fs::remove_file(&temporary);
        return Err(key_file_error(path, format!("cannot be written: {e}")));
    }
    sync_dir(&dir);
    Ok(())
}

/// The key in a key file, or None when there is no file. A file other users
/// can read is refused: whoever reads the key reads every secret.
fn read_key_file(path: &Path) -> Result<Option<DataKey>, VaultError> {
    let file = match fs::File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(key_file_error(path, format!("cannot be read: {e}"))),
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode =
            file.metadata().map_err(|e| key_file_error(path, format!("cannot be read: {e}")))?.permissions().mode();
        if mode & 0o077 != 0 {
            return Err(key_file_error(
                path,
                format!(
                    "other users can access it (mode {:03o}); run `chmod 600 {}` so only you can read it",
                    mode & 0o777,
                    path.display()
                ),
            ));
        }
    }
    // Room for the longest accepted format up front, so the buffer holding the
    // key is never reallocated and left unwiped; a key file is never longer.
    let mut text = String::with_capacity(256);
    let read = file.take(255).read_to_string(&mut text);
    let text = Sensitive::new(text);
    read.map_err(|e| key_file_error(path, format!("cannot be read: {e}")))?;
    match DataKey::parse(text.expose()) {
        Ok(key) => Ok(Some(key)),
        Err(VaultError::InvalidKey(message)) => {
            Err(key_file_error(path, format!("does not hold a valid data key: {message}")))
        }
        Err(other) => Err(other),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use super::*;

    fn sample_key() -> DataKey {
        DataKey::from_bytes(core::array::from_fn(|i| (i as u8).wrapping_mul(37).wrapping_add(11)))
    }

    fn hex_of(key: &DataKey) -> String {
        hex::encode(key.0.expose())
    }

    fn config_in(dir: &Path) -> KeyConfig {
        KeyConfig::new(dir, "test-vault")
    }

    /// A probe for tests that must not reach the keychain.
    fn no_probe(_: &Keychain) -> Result<(), String> {
        panic!("the keychain must not be probed here")
    }

    // ---- DataKey ----

    #[test]
    fn sealing_then_opening_gives_the_plaintext_back() {
        let key = DataKey::generate();
        for plaintext in [&b""[..], b"hunter2", &[0xab; 4096]] {
            let sealed = key.seal(plaintext, b"cred_01");
            assert_eq!(sealed.len(), NONCE_LEN + plaintext.len() + TAG_LEN, "nonce, ciphertext and tag");
            let opened = key.open(&sealed, b"cred_01").expect("the same key and associated data open it");
            assert_eq!(opened.expose().as_slice(), plaintext, "the plaintext comes back unchanged");
        }
    }

    #[test]
    fn every_seal_uses_a_fresh_nonce() {
        let key = DataKey::generate();
        let first = key.seal(b"same plaintext", b"cred_01");
        let second = key.seal(b"same plaintext", b"cred_01");
        assert_ne!(first[..NONCE_LEN], second[..NONCE_LEN], "two seals draw two nonces");
        assert_ne!(first, second, "so the same plaintext seals differently");
    }

    #[test]
    fn opening_fails_under_another_key() {
        let sealed = DataKey::generate().seal(b"secret", b"cred_01");
        let result = DataKey::generate().open(&sealed, b"cred_01");
        assert!(matches!(result, Err(VaultError::Undecryptable)), "another key cannot open it: {result:?}");
    }

    #[test]
    fn opening_fails_with_other_associated_data() {
        let key = DataKey::generate();
        let sealed = key.seal(b"secret", b"cred_01");
        let result = key.open(&sealed, b"cred_02");
        assert!(matches!(result, Err(VaultError::Undecryptable)), "a value moved to another credential: {result:?}");
    }

    #[test]
    fn opening_fails_when_any_byte_is_flipped() {
        let key = DataKey::generate();
        let sealed = key.seal(b"secret value", b"cred_01");
        for position in 0..sealed.len() {
            let mut damaged = sealed.clone();
            damaged[position] ^= 0x01;
            let result = key.open(&damaged, b"cred_01");
            assert!(matches!(result, Err(VaultError::Undecryptable)), "a flipped bit at byte {position}: {result:?}");
        }
    }

    #[test]
    fn opening_fails_on_truncated_input() {
        let key = DataKey::generate();
        let sealed = key.seal(b"secret value", b"cred_01");
        for length in 0..sealed.len() {
            let result = key.open(&sealed[..length], b"cred_01");
            assert!(matches!(result, Err(VaultError::Undecryptable)), "cut to {length} bytes: {result:?}");
        }
    }

    #[test]
    fn a_key_survives_the_round_trip_through_its_recovery_phrase() {
        for _ in 0..50 {
            let key = DataKey::generate();
            let phrase = key.to_phrase();
            assert!(phrase.expose().starts_with("HKL1-"), "the phrase is marked: {}", phrase.expose());
            let back = DataKey::from_phrase(phrase.expose()).expect("its own phrase reads back");
            assert_eq!(back, key, "the same key comes back");
        }
    }

    #[test]
    fn a_one_character_typo_in_a_phrase_is_reported_as_a_typo() {
        let key = sample_key();
        let phrase = key.to_phrase().expose().clone();
        let mut typo = phrase.into_bytes();
        let position = 20;
        typo[position] = if typo[position] == b'7' { b'8' } else { b'7' };
        let typo = String::from_utf8(typo).expect("ASCII");
        match DataKey::from_phrase(&typo) {
            Err(VaultError::InvalidKey(message)) => {
                assert_eq!(message, phrase::TYPO, "the message says it is a typo")
            }
            other => panic!("a typo must be refused as InvalidKey, got {other:?}"),
        }
    }

    #[test]
    fn parse_accepts_a_phrase_hex_and_base64() {
        let key = DataKey::generate();
        let phrase = key.to_phrase().expose().clone();
        let hex = hex_of(&key);
        let base64 = base64::engine::general_purpose::STANDARD.encode(key.0.expose());
        let cases = [
            ("the phrase", phrase.clone()),
            ("the phrase in lower case on two lines", format!("\n {}\n", phrase.to_lowercase().replacen('-', "\n", 6))),
            ("hex", hex.clone()),
            ("upper-case hex with a newline", format!("{}\n", hex.to_uppercase())),
            ("base64 with spaces around", format!("  {base64}\t")),
        ];
        for (what, text) in cases {
            let parsed = DataKey::parse(&text).unwrap_or_else(|e| panic!("{what} is accepted, got {e}"));
            assert_eq!(parsed, key, "{what} gives the same key");
        }
    }

    #[test]
    fn parse_refuses_anything_else_without_repeating_it() {
        let key = sample_key();
        let hex = hex_of(&key);
        let base64 = base64::engine::general_purpose::STANDARD.encode(key.0.expose());
        let bad = [
            "".to_string(),
            "not a key".to_string(),
            hex[..62].to_string(),
            format!("{}zz", &hex[..62]),
            format!("{hex}00"),
            base64::engine::general_purpose::STANDARD.encode(&key.0.expose()[..31]),
            base64[..40].to_string(),
        ];
        for text in bad {
            match DataKey::parse(&text) {
                Err(error @ VaultError::InvalidKey(_)) => {
                    let shown = format!("{error} {error:?}");
                    assert!(text.is_empty() || !shown.contains(&text[..text.len().min(16)]), "echoed: {shown}");
                    assert!(shown.contains("64 hex characters"), "the message lists the formats: {shown}");
                }
                other => panic!("{text:?} must be refused as InvalidKey, got {other:?}"),
            }
        }
    }

    #[test]
    fn the_fingerprint_is_stable_and_differs_between_keys() {
        let key = sample_key();
        let fingerprint = key.fingerprint();
        assert_eq!(fingerprint.len(), 16, "16 hex chars: {fingerprint}");
        assert!(fingerprint.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()), "lower hex");
        assert_eq!(fingerprint, key.clone().fingerprint(), "the same key has the same fingerprint");
        let mut hasher = Sha256::new();
        hasher.update(b"hookline-data-key");
        hasher.update(key.0.expose());
        assert_eq!(fingerprint, hex::encode(&hasher.finalize()[..8]), "SHA-256 over the domain and the key");
        assert_ne!(fingerprint, DataKey::generate().fingerprint(), "another key, another fingerprint");
        assert!(!hex_of(&key).contains(&fingerprint), "the fingerprint is not a piece of the key");
    }

    #[test]
    fn no_debug_output_or_error_message_contains_the_key() {
        let key = sample_key();
        let hex = hex_of(&key);
        let phrase = key.to_phrase().expose().clone();
        let dir = tempfile::tempdir().expect("a temporary directory");

        let mut typo = phrase.clone().into_bytes();
        typo[9] = if typo[9] == b'Z' { b'Y' } else { b'Z' };
        let world_readable = dir.path().join("loose.key");
        fs::write(&world_readable, format!("{hex}\n")).expect("written");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(&world_readable, fs::Permissions::from_mode(0o644)).expect("chmod");
        }
        let damaged = dir.path().join("damaged.key");
        fs::write(&damaged, format!("{}\n", &hex[..60])).expect("written");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(&damaged, fs::Permissions::from_mode(0o600)).expect("chmod");
        }
        let mut bad_master = config_in(dir.path());
        bad_master.master_key = Some(Sensitive::new(format!("{}xy", &hex[..62])));

        let errors = [
            DataKey::from_phrase(&String::from_utf8(typo).expect("ASCII")).expect_err("typo"),
            DataKey::parse(&hex[..63]).expect_err("short hex"),
            key.open(&key.seal(b"x", b"a"), b"b").expect_err("wrong associated data"),
            read_key_file(&damaged).expect_err("damaged key file"),
            Source::choose_with(&bad_master, no_probe).expect_err("bad master key"),
            Source::Environment(key.clone()).save(&key).expect_err("read-only"),
        ];
        let mut shown: Vec<String> = errors.iter().flat_map(|e| [format!("{e}"), format!("{e:?}")]).collect();
        #[cfg(unix)]
        shown.push(format!("{:?}", read_key_file(&world_readable).expect_err("world-readable")));
        shown.push(format!("{key:?}"));
        shown.push(format!("{key:#?}"));
        shown.push(format!("{:?}", Source::Environment(key.clone())));
        shown.push(format!("{:?}", bad_master));
        for text in shown {
            for secret in [&hex, &hex.to_uppercase(), &phrase[5..30]] {
                assert!(!text.contains(&secret[..16]), "key material leaked into: {text}");
            }
        }
        assert!(format!("{key:?}").contains(&key.fingerprint()), "Debug shows the fingerprint instead");
    }

    // ---- KeyConfig and SourceKind ----

    #[test]
    fn a_config_defaults_to_the_build_s_service_and_a_five_second_timeout() {
        let config = KeyConfig::new("/data", "v1");
        let expected = if cfg!(debug_assertions) { "hookline-dev" } else { "hookline" };
        assert_eq!(config.keychain_service, expected, "debug builds keep apart from the real vault");
        assert_eq!(config.keychain_timeout, Duration::from_secs(5), "the default bound on keychain calls");
        assert_eq!(config.key_file(), Path::new("/data/vault.key"), "the key file lives in the data dir");
        assert!(config.master_key.is_none(), "no master key unless the binary passes one");
        assert!(!config.shared, "a vault is one machine's unless the caller says its database is shared");
    }

    #[test]
    fn source_kinds_have_their_serialised_names() {
        for (kind, name) in [
            (SourceKind::Environment, "environment"),
            (SourceKind::KeyFile, "key_file"),
            (SourceKind::Keychain, "keychain"),
        ] {
            assert_eq!(kind.as_str(), name, "{kind:?} is stored as {name}");
            assert_eq!(SourceKind::parse(name), Some(kind), "{name} reads back");
        }
        assert_eq!(SourceKind::parse("vault"), None, "unknown names are refused");
    }

    #[test]
    fn sources_describe_themselves_for_people() {
        let keychain = Source::Keychain(Keychain::new("hookline-dev", "v-42", Duration::from_secs(5)));
        assert_eq!(
            keychain.describe(),
            format!("OS keychain ({}), entry hookline-dev/data-key/v-42", keychain_name()),
            "the keychain entry is named"
        );
        assert_eq!(keychain.kind(), SourceKind::Keychain, "kind of the keychain");
        let file = Source::KeyFile(PathBuf::from("/data/vault.key"));
        assert_eq!(file.describe(), "key file /data/vault.key", "the key file's path is named");
        assert_eq!(file.kind(), SourceKind::KeyFile, "kind of the key file");
        let environment = Source::Environment(sample_key());
        assert_eq!(environment.describe(), "HOOKLINE_MASTER_KEY", "the variable is named");
        assert_eq!(environment.kind(), SourceKind::Environment, "kind of the variable");
    }

    // ---- Key file ----

    #[cfg(unix)]
    fn mode_of(path: &Path) -> u32 {
        use std::os::unix::fs::PermissionsExt;
        fs::metadata(path).expect("the file exists").permissions().mode() & 0o777
    }

    #[test]
    fn create_key_file_makes_a_file_only_its_owner_can_read() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let data_dir = dir.path().join("new").join("data");
        let path = create_key_file(&data_dir).expect("the key file is created, directories too");
        assert_eq!(path, data_dir.join("vault.key"), "it is data_dir/vault.key");
        #[cfg(unix)]
        assert_eq!(mode_of(&path), 0o600, "readable and writable by the owner only");
        let text = fs::read_to_string(&path).expect("readable");
        assert_eq!(text.len(), 65, "64 hex chars and a newline: {} chars", text.len());
        assert!(text.ends_with('\n'), "a trailing newline");
        assert!(text[..64].bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()), "lower-case hex");
        let key = Source::KeyFile(path.clone()).load().expect("it reads back").expect("it holds a key");
        assert_eq!(hex_of(&key), text[..64], "the file holds the key that loads");
    }

    #[test]
    fn create_key_file_refuses_to_replace_an_existing_key() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = create_key_file(dir.path()).expect("the first create works");
        let before = fs::read(&path).expect("readable");
        match create_key_file(dir.path()) {
            Err(VaultError::KeyFile { path: named, message }) => {
                assert_eq!(named, path.display().to_string(), "the error names the file");
                assert!(message.contains("already exists"), "and says why: {message}");
            }
            other => panic!("a second create must fail with KeyFile, got {other:?}"),
        }
        assert_eq!(fs::read(&path).expect("readable"), before, "the existing key is untouched");
    }

    #[test]
    fn choose_picks_the_key_file_when_no_master_key_is_given() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = create_key_file(dir.path()).expect("created");
        let source = Source::choose_with(&config_in(dir.path()), no_probe).expect("a source is chosen");
        assert_eq!(source.kind(), SourceKind::KeyFile, "the key file is chosen: {}", source.describe());
        assert_eq!(source.describe(), format!("key file {}", path.display()), "and named");
        // The public entry point too: with a key file present it never reaches the keychain.
        let source = Source::choose(&config_in(dir.path())).expect("a source is chosen");
        assert_eq!(source.kind(), SourceKind::KeyFile, "choose() picks the key file: {}", source.describe());
    }

    #[cfg(unix)]
    #[test]
    fn a_key_file_others_can_read_is_refused_with_a_chmod_hint() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = create_key_file(dir.path()).expect("created");
        for mode in [0o640, 0o604, 0o644] {
            fs::set_permissions(&path, fs::Permissions::from_mode(mode)).expect("chmod");
            match Source::KeyFile(path.clone()).load() {
                Err(VaultError::KeyFile { message, .. }) => {
                    assert!(message.contains(&format!("chmod 600 {}", path.display())), "the fix is given: {message}");
                    assert!(message.contains(&format!("{mode:03o}")), "the mode is shown: {message}");
                }
                other => panic!("mode {mode:o} must be refused, got {other:?}"),
            }
        }
        fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).expect("chmod");
        assert!(Source::KeyFile(path).load().expect("after chmod 600 it loads").is_some(), "the key is read");
    }

    #[test]
    fn the_key_file_source_saves_loads_and_keeps_a_pending_key() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().join("nested").join("vault.key");
        let source = Source::KeyFile(path.clone());
        assert!(source.load().expect("a missing file is not an error").is_none(), "no key yet");
        assert!(source.load_pending().expect("no pending file").is_none(), "nothing pending yet");

        let first = DataKey::generate();
        source.save(&first).expect("saved, creating the directory");
        assert_eq!(source.load().expect("loads"), Some(first.clone()), "the saved key comes back");
        #[cfg(unix)]
        assert_eq!(mode_of(&path), 0o600, "a saved key file is private");
        let second = DataKey::generate();
        source.save(&second).expect("replaced");
        assert_eq!(source.load().expect("loads"), Some(second.clone()), "saving replaces the key");

        let next = DataKey::generate();
        source.save_pending(&next).expect("pending saved");
        assert!(dir.path().join("nested/vault.key.next").exists(), "the pending key is vault.key.next");
        assert_eq!(source.load_pending().expect("loads"), Some(next), "the pending key comes back");
        assert_eq!(source.load().expect("loads"), Some(second), "the current key is untouched");
        source.clear_pending().expect("cleared");
        assert!(source.load_pending().expect("loads").is_none(), "nothing pending after clearing");
        source.clear_pending().expect("clearing twice is fine");

        let leftovers: Vec<_> = fs::read_dir(dir.path().join("nested"))
            .expect("listed")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(leftovers, vec!["vault.key".to_string()], "no temporary files are left behind");
    }

    #[test]
    fn a_key_file_may_hold_the_key_as_a_phrase_and_a_damaged_one_is_reported() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().join("vault.key");
        let key = DataKey::generate();
        let mut file = private_file_options().open(&path).expect("created");
        writeln!(file, "{}", key.to_phrase().expose()).expect("written");
        assert_eq!(Source::KeyFile(path.clone()).load().expect("loads"), Some(key), "a phrase is read too");

        fs::write(&path, "not a key\n").expect("overwritten");
        match Source::KeyFile(path.clone()).load() {
            Err(VaultError::KeyFile { path: named, message }) => {
                assert_eq!(named, path.display().to_string(), "the file is named");
                assert!(message.contains("does not hold a valid data key"), "and the problem: {message}");
            }
            other => panic!("a damaged key file must be a KeyFile error, got {other:?}"),
        }
    }

    // ---- Environment ----

    #[test]
    fn a_master_key_is_chosen_even_when_a_key_file_exists() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        create_key_file(dir.path()).expect("created");
        let key = DataKey::generate();
        let mut config = config_in(dir.path());
        config.master_key = Some(Sensitive::new(key.to_phrase().expose().clone()));
        let source = Source::choose_with(&config, no_probe).expect("chosen");
        assert_eq!(source.kind(), SourceKind::Environment, "explicit beats implicit: {}", source.describe());
        assert_eq!(source.load().expect("loads"), Some(key.clone()), "the master key is the key");
        let source = Source::choose(&config).expect("choose() agrees");
        assert_eq!(source.kind(), SourceKind::Environment, "choose() never probes with a master key");
    }

    #[test]
    fn the_master_key_source_cannot_store_keys() {
        let source = Source::Environment(sample_key());
        let key = DataKey::generate();
        for (what, result) in [("save", source.save(&key)), ("save_pending", source.save_pending(&key))] {
            match result {
                Err(VaultError::ReadOnly(name)) => assert_eq!(name, "HOOKLINE_MASTER_KEY", "{what} names the variable"),
                other => panic!("{what} must be ReadOnly, got {other:?}"),
            }
        }
        assert!(source.load_pending().expect("no error").is_none(), "nothing is ever pending there");
        source.clear_pending().expect("clearing nothing is fine");
    }

    #[test]
    fn an_invalid_master_key_is_refused_naming_hookline_master_key() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let mut config = config_in(dir.path());
        config.master_key = Some(Sensitive::from("correct horse battery staple"));
        match Source::choose_with(&config, no_probe) {
            Err(VaultError::InvalidKey(message)) => {
                assert!(message.starts_with("HOOKLINE_MASTER_KEY: "), "the variable is named: {message}")
            }
            other => panic!("an invalid master key must be InvalidKey, got {other:?}"),
        }
    }

    // ---- Keychain ----

    #[test]
    fn without_a_keychain_choose_says_how_to_provide_a_key() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let mut probed = None;
        let result = Source::choose_with(&config_in(dir.path()), |keychain| {
            probed = Some(keychain.clone());
            Err("no Secret Service on the session bus".to_string())
        });
        let keychain = probed.expect("the keychain is probed when there is no master key and no key file");
        assert_eq!(keychain.user(), "data-key/test-vault", "the probe is for this vault");
        match result {
            Err(error @ VaultError::NoKeySource { .. }) => {
                let message = error.to_string();
                assert!(message.contains("no Secret Service on the session bus"), "the reason is kept: {message}");
                assert!(message.contains("HOOKLINE_MASTER_KEY"), "the variable is suggested: {message}");
                assert!(message.contains("`hookline vault create-key-file`"), "so is a key file: {message}");
            }
            other => panic!("no source must be NoKeySource, got {other:?}"),
        }
    }

    #[test]
    fn a_shared_database_takes_the_key_from_the_master_key_or_the_key_file_never_the_keychain() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let mut config = config_in(dir.path());
        config.shared = true;
        match Source::choose_with(&config, no_probe) {
            Err(error @ VaultError::NoSharedKey { .. }) => {
                let message = error.to_string();
                assert!(message.contains("HOOKLINE_MASTER_KEY"), "the variable is named: {message}");
                assert!(
                    message.contains(&config.key_file().display().to_string()),
                    "so is the key file's path: {message}"
                );
                assert!(message.contains("same key"), "every process needs the same key: {message}");
            }
            other => panic!("without a master key or a key file a shared vault has no source, got {other:?}"),
        }

        let path = create_key_file(dir.path()).expect("created");
        let source = Source::choose_with(&config, no_probe).expect("the key file is chosen");
        assert_eq!(source.kind(), SourceKind::KeyFile, "the key file answers: {}", source.describe());
        assert_eq!(source.describe(), format!("key file {}", path.display()), "and is named");

        config.master_key = Some(Sensitive::new(sample_key().to_phrase().expose().clone()));
        let source = Source::choose_with(&config, no_probe).expect("the master key is chosen");
        assert_eq!(source.kind(), SourceKind::Environment, "the master key beats the key file there too");
    }

    #[test]
    fn a_keychain_call_that_hangs_ends_in_the_timeout_error() {
        let started = Instant::now();
        let result = within(Duration::from_millis(200), || thread::sleep(Duration::from_secs(10)));
        let elapsed = started.elapsed();
        match result {
            Err(VaultError::Keychain(message)) => assert_eq!(
                message, "the OS keychain did not answer within 0.2 s; it may be locked",
                "the timeout is explained"
            ),
            other => panic!("a hanging call must time out, got {other:?}"),
        }
        assert!(elapsed < Duration::from_secs(2), "the caller is released at the timeout, took {elapsed:?}");
        assert_eq!(within(Duration::from_secs(5), || 42).expect("a quick call answers"), 42, "answers pass through");
        let whole = within(Duration::from_secs(1), || thread::sleep(Duration::from_secs(3))).expect_err("times out");
        assert!(whole.to_string().contains("within 1 s;"), "whole seconds read as such: {whole}");
    }

    /// Deletes the test's keychain entries however the test ends.
    struct DeleteEntries(Keychain);

    impl Drop for DeleteEntries {
        fn drop(&mut self) {
            let _ = self.0.delete(&self.0.user());
            let _ = self.0.delete(&self.0.pending_user());
        }
    }

    #[test]
    fn the_os_keychain_keeps_the_data_key() {
        assert!(
            std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some(),
            "this test needs a session D-Bus with an unlocked gnome-keyring: run the suite through \
             `bash scripts/test.sh`, which starts both"
        );
        let dir = tempfile::tempdir().expect("a temporary directory");
        let vault_id = format!("test-{}-{}", std::process::id(), random_hex(6));
        let source = match Source::choose(&config_in(dir.path()).with_vault_id(&vault_id)) {
            Ok(source) => source,
            Err(e) => panic!(
                "the OS keychain must be usable (run the suite through `bash scripts/test.sh`, which starts an \
                 unlocked gnome-keyring): {e}"
            ),
        };
        let Source::Keychain(keychain) = &source else { panic!("the keychain is chosen, got {}", source.describe()) };
        let _cleanup = DeleteEntries(keychain.clone());
        assert_eq!(
            source.describe(),
            format!("OS keychain ({}), entry {}/data-key/{vault_id}", keychain_name(), KeyConfig::default_service()),
            "the entry is named"
        );

        assert!(source.load().expect("a missing entry is not an error").is_none(), "no key yet");
        let first = DataKey::generate();
        source.save(&first).expect("saved");
        assert_eq!(source.load().expect("loads"), Some(first.clone()), "the key comes back");
        let raw = keyring::Entry::new(keychain.service(), &keychain.user())
            .and_then(|entry| entry.get_secret())
            .expect("the entry is there");
        assert_eq!(raw.as_slice(), first.0.expose(), "the entry holds the 32 raw bytes");
        let second = DataKey::generate();
        source.save(&second).expect("replaced");
        assert_eq!(source.load().expect("loads"), Some(second.clone()), "saving replaces the key");

        assert!(source.load_pending().expect("no pending entry").is_none(), "nothing pending yet");
        let next = DataKey::generate();
        source.save_pending(&next).expect("pending saved");
        assert_eq!(source.load_pending().expect("loads"), Some(next), "the pending key comes back");
        assert_eq!(source.load().expect("loads"), Some(second), "the current key is untouched");
        source.clear_pending().expect("cleared");
        assert!(source.load_pending().expect("loads").is_none(), "nothing pending after clearing");
        source.clear_pending().expect("clearing twice is fine");

        keychain.delete(&keychain.user()).expect("the test's entry is deleted");
        assert!(source.load().expect("loads").is_none(), "and gone");
    }

    const CHILD_MARKER: &str = "HOOKLINE_VAULT_TEST_CHILD";
    const CHILD_TEST: &str = "keys::tests::child_choose_with_an_unreachable_session_bus";

    /// Runs only as the child of the next test, in a process whose session bus
    /// address points nowhere (the keyring store connects once per process, so
    /// this cannot be done in the test process itself).
    #[test]
    #[ignore = "run by a_real_choose_without_a_session_bus_fails_fast_with_advice in a child process"]
    fn child_choose_with_an_unreachable_session_bus() {
        if std::env::var_os(CHILD_MARKER).is_none() {
            return;
        }
        let dir = tempfile::tempdir().expect("a temporary directory");
        let started = Instant::now();
        let result = Source::choose(&config_in(dir.path()));
        let elapsed = started.elapsed();
        match result {
            Err(error @ VaultError::NoKeySource { .. }) => {
                let message = error.to_string();
                assert!(message.contains("HOOKLINE_MASTER_KEY"), "the variable is suggested: {message}");
                assert!(message.contains("`hookline vault create-key-file`"), "so is a key file: {message}");
                println!("choose() said: {message}");
            }
            other => panic!("no reachable keychain must be NoKeySource, got {other:?}"),
        }
        assert!(elapsed < Duration::from_secs(2), "the answer comes well before the 5 s timeout: {elapsed:?}");
    }

    #[test]
    fn a_real_choose_without_a_session_bus_fails_fast_with_advice() {
        let output = std::process::Command::new(std::env::current_exe().expect("the test binary"))
            .args([CHILD_TEST, "--exact", "--ignored", "--nocapture", "--test-threads=1"])
            .env(CHILD_MARKER, "1")
            .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/hookline-test-bus")
            .output()
            .expect("the test binary runs as a child");
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "the child test passes:\n{stdout}\n{stderr}");
        assert!(stdout.contains("1 passed"), "the child ran the test:\n{stdout}");
        assert!(stdout.contains("choose() said:"), "and reached the check:\n{stdout}");
    }

    impl KeyConfig {
        fn with_vault_id(mut self, vault_id: &str) -> KeyConfig {
            self.vault_id = vault_id.to_string();
            self
        }
    }
}
