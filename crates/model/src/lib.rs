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
mod credential;
mod error;
mod event;
mod execution;
mod flow;
pub mod ids;
mod inbox;
mod record;
mod sample;

pub use canonical::{to_canonical_json, to_canonical_value};
pub use component::{ComponentDescriptor, ComponentKind};
pub use credential::{
    CredentialFieldSchema, CredentialFieldType, CredentialKindSchema, CredentialStatus, CredentialView, FlowRef,
    RecoveryKit, TokenState, VaultStatus, Verification,
};
pub use error::ModelError;
pub use event::{CoreEvent, Stale, StaleBy};
pub use execution::{Attempt, Execution, ExecutionStatus, ExecutionSummary, Reply, StepRun, StepStatus, TriggerSource};
pub use flow::{
    DeclaredField, Edge, FieldType, FlowDocument, Input, Parameter, RetryOn, RetryPolicy, Step, SCHEMA_VERSION,
};
pub use inbox::{mask_secret_headers, HookRequest, InboxEntry, InboxView};
pub use record::{FlowRecord, FlowSummary, VersionInfo};
pub use sample::{parse_json_text, FieldCheck, FieldError, FieldPreview, Sample, SampleSource, StepPreview, ValueType};

/// Formats a moment as the model's timestamps are written: RFC 3339 in UTC
/// with milliseconds (`2026-11-24T15:03:00.123Z`). The width is fixed, so
/// timestamps sort as text.
pub fn timestamp(at: std::time::SystemTime) -> String {
    // Written several times per accepted webhook: the fixed RFC 3339 writer
    // is cheaper than parsing a format string each time.
    chrono::DateTime::<chrono::Utc>::from(at).to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Milliseconds from a timestamp written by [`timestamp`] to `until`; `None`
/// when the text is not such a timestamp.
pub fn millis_since(from: &str, until: std::time::SystemTime) -> Option<i64> {
    let from = chrono::DateTime::parse_from_rfc3339(from).ok()?;
    let until = chrono::DateTime::<chrono::Utc>::from(until);
    Some((until - from.with_timezone(&chrono::Utc)).num_milliseconds().max(0))
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn timestamps_are_fixed_width_utc_and_measure_back() {
        let at = UNIX_EPOCH + Duration::from_millis(1_700_000_000_123);
        let text = super::timestamp(at);
        assert_eq!(text, "2023-11-14T22:13:20.123Z");
        assert_eq!(super::millis_since(&text, at + Duration::from_millis(250)), Some(250));
        assert_eq!(super::millis_since("yesterday", at), None);
    }
}
