//! Hookline's local HTTP servers, built on axum.
//!
//! For now this is the demo pet store that the tutorial's flows call; the
//! webhook listener joins it. Servers take an already bound listener and a
//! cancellation token, so callers choose the address (tests bind port 0) and
//! decide when to stop. Nothing here runs flows by itself.

pub mod demo;
mod error;

pub use error::ErrorBody;
