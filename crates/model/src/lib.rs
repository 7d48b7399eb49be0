//! Hookline's data model: flow documents (the import/export format and what the
//! store keeps), identifiers, component descriptors and the execution records the
//! run log shows.
//!
//! This crate holds plain data and the rules that need nothing but the data
//! itself (parsing a document, canonical export, id formats). It performs no I/O
//! and knows nothing of components' behaviour: design validation against the
//! catalog lives in the engine.

mod canonical;
mod component;
mod error;
mod execution;
mod flow;
pub mod ids;
mod record;

pub use canonical::{to_canonical_json, to_canonical_value};
pub use component::{ComponentDescriptor, ComponentKind};
pub use error::ModelError;
pub use execution::{Execution, ExecutionStatus, ExecutionSummary, Reply, StepRun, StepStatus, TriggerSource};
pub use flow::{Edge, FlowDocument, Input, Parameter, Step, SCHEMA_VERSION};
pub use record::{FlowRecord, FlowSummary, VersionInfo};

/// Formats a moment as the model's timestamps are written: RFC 3339 in UTC
/// with milliseconds (`2026-11-24T15:03:00.123Z`). The width is fixed, so
/// timestamps sort as text.
pub fn timestamp(at: std::time::SystemTime) -> String {
    chrono::DateTime::<chrono::Utc>::from(at).format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}
