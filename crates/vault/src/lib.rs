//! Hookline's credential vault, without storage: the credential kinds and
//! their fields, [`Sensitive`] values, the authenticated cipher that seals
//! secret fields under the data key, where the data key lives (the OS
//! keychain, `HOOKLINE_MASTER_KEY` or a key file), the recovery phrase, and
//! webhook signatures (HMAC, GitHub, Stripe, Standard Webhooks).
//!
//! It holds no SQL (the store keeps the sealed rows) and never prints a
//! secret: every secret travels as [`Sensitive`], whose `Debug` and `Display`
//! show a mask.

pub mod auth;
mod credential;
pub mod destination;
mod error;
pub mod keys;
pub mod kinds;
mod phrase;
mod sensitive;
pub mod signature;
pub mod tokens;

pub use credential::{scrub, scrub_bytes, scrub_json, OpenCredential};
pub use error::VaultError;
pub use keys::{take_master_key, DataKey, KeyConfig, Source, SourceKind};
pub use kinds::Kind;
pub use sensitive::{Sensitive, MASK};
