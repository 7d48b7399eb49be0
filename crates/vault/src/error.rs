use thiserror::Error;

/// What went wrong in the vault. Messages never contain a secret value.
#[derive(Debug, Error)]
pub enum VaultError {
    /// No key source answered: no `HOOKLINE_MASTER_KEY`, no key file and no
    /// keychain (the reason is the keychain's).
    #[error(
        "no place to keep the vault's data key: HOOKLINE_MASTER_KEY is not set, there is no key file, and the OS keychain did not answer ({keychain}). Set HOOKLINE_MASTER_KEY, or create a key file readable only by you with `hookline vault create-key-file`"
    )]
    NoKeySource { keychain: String },
    /// The keychain failed or did not answer in time.
    #[error("the OS keychain failed: {0}")]
    Keychain(String),
    /// A key file could not be read or written.
    #[error("the key file {path}: {message}")]
    KeyFile { path: String, message: String },
    /// A key (phrase, hex or base64) is not well formed.
    #[error("not a valid data key: {0}")]
    InvalidKey(String),
    /// The source cannot store a key (`HOOKLINE_MASTER_KEY` is read-only).
    #[error("{0} cannot store a new key")]
    ReadOnly(String),
    /// Sealed data did not open under this key (wrong key or tampered data).
    #[error("cannot decrypt: sealed under another key, or damaged")]
    Undecryptable,
}
