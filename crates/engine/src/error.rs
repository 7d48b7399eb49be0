use hookline_store::StoreError;
use thiserror::Error;

use crate::validate::Problem;

/// Why the engine could not start or record an execution. A step that fails is
/// not an error of this kind: it is recorded, and the execution is `failed`.
#[derive(Debug, Error)]
pub enum EngineError {
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The execution journal could not commit a write.
    #[error("the execution could not be recorded: {0}")]
    Journal(#[from] crate::journal::JournalError),
    /// The flow has design problems and cannot run.
    #[error("the flow has {} problem(s): {}", .0.len(), .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<Problem>),
}
