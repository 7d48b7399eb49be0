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
    /// The database is shared by several machines and this process was given
    /// neither `HOOKLINE_MASTER_KEY` nor a key file (the keychain is not asked).
    #[error(
        "no data key for the vault of this shared database: set HOOKLINE_MASTER_KEY, or create the key file {key_file} (readable only by you) with `hookline vault create-key-file`, and give every process on the database the same key. The OS keychain is not used with a shared database: each machine has its own"
    )]
    NoSharedKey { key_file: String },
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
