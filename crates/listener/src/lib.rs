//! Hookline's local HTTP servers, built on axum.
//!
//! The webhook listener (`/hook/{flow}`, `/executions/{id}`) runs flows
//! through the engine's durable queue; the demo pet store is what the
//! tutorial's flows call. Servers take an already bound listener and a
//! cancellation token, so callers choose the address (tests bind port 0) and
//! decide when to stop. Nothing here runs flows by itself.

pub mod demo;
mod error;
pub mod hooks;

pub use error::ErrorBody;
