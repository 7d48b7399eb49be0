use hookline_engine::{CredentialError, EngineError, Problem};
use hookline_model::ModelError;
use hookline_store::StoreError;
use serde::Serialize;

/// The closed set of error codes every adapter (CLI, HTTP, desktop) reports.
/// They are stable: clients match on them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    FlowNotFound,
    VersionNotFound,
    ExecutionNotFound,
    InboxEntryNotFound,
    CredentialNotFound,
    /// The flow has no step with that id.
    StepNotFound,
    /// The step has no sample with that id (or number).
    SampleNotFound,
    /// The operation would change something outside Hookline (a step with
    /// side effects); the message says what. Repeat it with `confirm: true`.
    ConfirmationRequired,
    /// The vault's data key is missing, wrong or unreachable; the message says
    /// how to provide it.
    VaultUnavailable,
    /// A credential's secrets do not open under the data key: enter it again.
    CredentialUndecryptable,
    /// A credential check (verify) did not succeed.
    VerificationFailed,
    /// The text is not a readable flow document.
    InvalidDocument,
    /// The flow is readable but has design problems (listed in `problems`).
    InvalidFlow,
    /// The flow has no published version yet.
    NotPublished,
    /// The request conflicts with stored data (a slug used by another flow).
    Conflict,
    /// Bad input to an operation (an input file that is not JSON, say).
    InvalidInput,
    /// The caller did not prove it may use the API (browser mode's token).
    Unauthorized,
    /// The listener address is taken by another program.
    AddressInUse,
    /// No test request arrived in time.
    CaptureTimeout,
    /// The caller stopped the operation.
    Cancelled,
    /// Something failed inside Hookline; the message says what.
    Internal,
}

/// An error as every adapter shows it: a stable code, one readable sentence,
/// and for `invalid_flow` the list of problems.
#[derive(Debug, Clone, Serialize, thiserror::Error, ts_rs::TS)]
#[ts(export)]
#[error("{message}")]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[ts(as = "Option<Vec<Problem>>", optional)]
    pub problems: Vec<Problem>,
}

impl ErrorCode {
    /// The HTTP status an HTTP adapter answers with.
    pub fn http_status(self) -> u16 {
        match self {
            ErrorCode::FlowNotFound
            | ErrorCode::VersionNotFound
            | ErrorCode::ExecutionNotFound
            | ErrorCode::InboxEntryNotFound
            | ErrorCode::CredentialNotFound
            | ErrorCode::StepNotFound
            | ErrorCode::SampleNotFound => 404,
            ErrorCode::ConfirmationRequired => 428,
            ErrorCode::InvalidDocument | ErrorCode::InvalidFlow | ErrorCode::InvalidInput => 422,
            ErrorCode::NotPublished | ErrorCode::Conflict | ErrorCode::AddressInUse => 409,
            ErrorCode::Unauthorized => 401,
            ErrorCode::VerificationFailed => 424,
            ErrorCode::CaptureTimeout => 408,
            ErrorCode::Cancelled => 499,
            ErrorCode::VaultUnavailable | ErrorCode::CredentialUndecryptable => 503,
            ErrorCode::Internal => 500,
        }
    }
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> ApiError {
        ApiError { code, message: message.into(), problems: vec![] }
    }

    pub fn invalid_flow(flow_id: &str, action: &str, problems: Vec<Problem>) -> ApiError {
        let count = problems.len();
        let noun = if count == 1 { "problem" } else { "problems" };
        ApiError {
            code: ErrorCode::InvalidFlow,
            message: format!("cannot {action} {flow_id}: {count} {noun}"),
            problems,
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> ApiError {
        match error {
            StoreError::SlugTaken { .. } | StoreError::NameTaken(_) => {
                ApiError::new(ErrorCode::Conflict, error.to_string())
            }
            StoreError::FlowNotFound(_) => ApiError::new(ErrorCode::FlowNotFound, error.to_string()),
            other => ApiError::new(ErrorCode::Internal, other.to_string()),
        }
    }
}

impl From<ModelError> for ApiError {
    fn from(error: ModelError) -> ApiError {
        ApiError::new(ErrorCode::InvalidDocument, error.to_string())
    }
}

impl From<EngineError> for ApiError {
    fn from(error: EngineError) -> ApiError {
        match error {
            EngineError::Store(e) => e.into(),
            EngineError::Journal(message) => ApiError::new(ErrorCode::Internal, message),
            EngineError::Invalid(problems) => ApiError::invalid_flow("the flow", "run", problems),
        }
    }
}

impl From<CredentialError> for ApiError {
    fn from(error: CredentialError) -> ApiError {
        let code = match &error {
            CredentialError::NotFound(_) => ErrorCode::CredentialNotFound,
            CredentialError::Invalid(_) => ErrorCode::InvalidInput,
            CredentialError::Conflict(_) => ErrorCode::Conflict,
            CredentialError::Key(_) => ErrorCode::VaultUnavailable,
            CredentialError::Undecryptable { .. } => ErrorCode::CredentialUndecryptable,
            CredentialError::Store(e) => return ApiError::new(ErrorCode::Internal, e.to_string()),
        };
        ApiError::new(code, error.to_string())
    }
}
