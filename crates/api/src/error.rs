use hookline_engine::{CredentialError, EngineError, Problem};
use hookline_model::ModelError;
use hookline_store::StoreError;
use serde::Serialize;

/// The closed set of error codes every adapter (CLI, HTTP, desktop) reports.
/// They are stable: clients match on them, and read them back (a Launcher
/// press reads the hook's refusal).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, ts_rs::TS)]
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
    /// A test request reached a flow no one is waiting for a sample of.
    NotCapturing,
    /// The caller stopped the operation.
    Cancelled,
    /// The hook's flow exists but is not started.
    FlowNotStarted,
    /// The hook does not accept this HTTP method (the `Allow` header lists those it does).
    MethodNotAllowed,
    /// The caller's credentials are missing or wrong.
    AuthFailed,
    /// An HMAC signature is missing, wrong or too old.
    SignatureInvalid,
    /// The caller authenticated, but no access rule of the hook admits it.
    Forbidden,
    /// The request named a `Host` the listener does not serve (a page using
    /// DNS rebinding, or a tunnel host not on the allow list).
    HostNotAllowed,
    /// A browser page from another origin called a hook that does not list
    /// it in `allowedOrigins`.
    CrossOrigin,
    /// The request body is over the listener's limit.
    PayloadTooLarge,
    /// The request body did not arrive in time.
    BodyTimeout,
    /// A body that says it is JSON does not parse.
    InvalidJson,
    /// The flow has no trigger to keep a test request for.
    NoTrigger,
    /// Too many executions are waiting; retry after `Retry-After` seconds.
    Overloaded,
    /// The database does not answer (an outage, a restart); nothing was
    /// stored. Retry after `Retry-After` seconds.
    DatabaseUnavailable,
    /// A synchronous hook's flow did not finish in time; it goes on running.
    SyncTimeout,
    /// A run was given a value for a parameter the flow does not declare.
    UnknownParameter,
    /// A run was given a value for a parameter callers may not set.
    ParameterNotOverridable,
    /// A parameter's value has the wrong type, or a required one has none.
    InvalidParameter,
    /// The Cells fields of a body (`JobParameters`, `Paths`, `TaskID`) do
    /// not have their shape.
    InvalidEnvelope,
    /// A path a caller sent lies outside the hook's allowed folders.
    PathNotAllowed,
    /// A folder given for the allowed folders does not exist (or is a file).
    FolderNotFound,
    /// A program given for the allowed commands does not exist, is not a
    /// file, or is not executable.
    CommandNotExecutable,
    /// The `TaskID` a caller chose is already an execution's id.
    TaskIdTaken,
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
    /// Response headers an HTTP adapter sends with it (`Allow`,
    /// `Retry-After`, `WWW-Authenticate`), names in lower case.
    #[serde(skip)]
    #[ts(skip)]
    pub headers: Vec<(&'static str, String)>,
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
            ErrorCode::Unauthorized | ErrorCode::AuthFailed | ErrorCode::SignatureInvalid => 401,
            ErrorCode::FlowNotStarted => 404,
            ErrorCode::MethodNotAllowed => 405,
            ErrorCode::Forbidden | ErrorCode::CrossOrigin => 403,
            ErrorCode::HostNotAllowed => 421,
            ErrorCode::PayloadTooLarge => 413,
            ErrorCode::BodyTimeout => 408,
            ErrorCode::InvalidJson
            | ErrorCode::NoTrigger
            | ErrorCode::UnknownParameter
            | ErrorCode::ParameterNotOverridable
            | ErrorCode::InvalidParameter
            | ErrorCode::InvalidEnvelope => 400,
            ErrorCode::PathNotAllowed => 403,
            ErrorCode::FolderNotFound | ErrorCode::CommandNotExecutable => 422,
            ErrorCode::TaskIdTaken => 409,
            ErrorCode::Overloaded | ErrorCode::DatabaseUnavailable => 503,
            ErrorCode::SyncTimeout => 504,
            ErrorCode::VerificationFailed => 424,
            ErrorCode::CaptureTimeout => 408,
            ErrorCode::NotCapturing => 409,
            ErrorCode::Cancelled => 499,
            ErrorCode::VaultUnavailable | ErrorCode::CredentialUndecryptable => 503,
            ErrorCode::Internal => 500,
        }
    }
}

impl ErrorCode {
    /// The code as clients see it (`flow_not_found`).
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::FlowNotFound => "flow_not_found",
            ErrorCode::VersionNotFound => "version_not_found",
            ErrorCode::ExecutionNotFound => "execution_not_found",
            ErrorCode::InboxEntryNotFound => "inbox_entry_not_found",
            ErrorCode::CredentialNotFound => "credential_not_found",
            ErrorCode::StepNotFound => "step_not_found",
            ErrorCode::SampleNotFound => "sample_not_found",
            ErrorCode::ConfirmationRequired => "confirmation_required",
            ErrorCode::VaultUnavailable => "vault_unavailable",
            ErrorCode::CredentialUndecryptable => "credential_undecryptable",
            ErrorCode::VerificationFailed => "verification_failed",
            ErrorCode::InvalidDocument => "invalid_document",
            ErrorCode::InvalidFlow => "invalid_flow",
            ErrorCode::NotPublished => "not_published",
            ErrorCode::Conflict => "conflict",
            ErrorCode::InvalidInput => "invalid_input",
            ErrorCode::Unauthorized => "unauthorized",
            ErrorCode::AddressInUse => "address_in_use",
            ErrorCode::CaptureTimeout => "capture_timeout",
            ErrorCode::NotCapturing => "not_capturing",
            ErrorCode::Cancelled => "cancelled",
            ErrorCode::FlowNotStarted => "flow_not_started",
            ErrorCode::MethodNotAllowed => "method_not_allowed",
            ErrorCode::AuthFailed => "auth_failed",
            ErrorCode::SignatureInvalid => "signature_invalid",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::HostNotAllowed => "host_not_allowed",
            ErrorCode::CrossOrigin => "cross_origin",
            ErrorCode::PayloadTooLarge => "payload_too_large",
            ErrorCode::BodyTimeout => "body_timeout",
            ErrorCode::InvalidJson => "invalid_json",
            ErrorCode::NoTrigger => "no_trigger",
            ErrorCode::Overloaded => "overloaded",
            ErrorCode::DatabaseUnavailable => "database_unavailable",
            ErrorCode::SyncTimeout => "sync_timeout",
            ErrorCode::UnknownParameter => "unknown_parameter",
            ErrorCode::ParameterNotOverridable => "parameter_not_overridable",
            ErrorCode::InvalidParameter => "invalid_parameter",
            ErrorCode::InvalidEnvelope => "invalid_envelope",
            ErrorCode::PathNotAllowed => "path_not_allowed",
            ErrorCode::FolderNotFound => "folder_not_found",
            ErrorCode::CommandNotExecutable => "command_not_executable",
            ErrorCode::TaskIdTaken => "task_id_taken",
            ErrorCode::Internal => "internal",
        }
    }
}

impl From<hookline_engine::params::ParamError> for ApiError {
    fn from(error: hookline_engine::params::ParamError) -> Self {
        use hookline_engine::params::ParamError;
        let code = match &error {
            ParamError::Unknown(_) => ErrorCode::UnknownParameter,
            ParamError::NotOverridable(_) => ErrorCode::ParameterNotOverridable,
            ParamError::WrongType { .. } | ParamError::Missing(_) => ErrorCode::InvalidParameter,
        };
        ApiError::new(code, error.to_string())
    }
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> ApiError {
        ApiError { code, message: message.into(), problems: vec![], headers: vec![] }
    }

    /// A failure inside Hookline, as an HTTP body shows it: no internals
    /// (SQL, file paths). The cause is logged where it happened.
    pub fn internal() -> ApiError {
        ApiError::new(ErrorCode::Internal, "the server failed to handle the request")
    }

    /// Adds a response header for HTTP adapters.
    pub fn with_header(mut self, name: &'static str, value: String) -> ApiError {
        self.headers.push((name, value));
        self
    }

    pub fn invalid_flow(flow_id: &str, action: &str, problems: Vec<Problem>) -> ApiError {
        let count = problems.len();
        let noun = if count == 1 { "problem" } else { "problems" };
        ApiError {
            code: ErrorCode::InvalidFlow,
            message: format!("cannot {action} {flow_id}: {count} {noun}"),
            problems,
            headers: vec![],
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
            other if other.is_unavailable() => database_unavailable(&other),
            other => ApiError::new(ErrorCode::Internal, other.to_string()),
        }
    }
}

/// `503 database_unavailable` with `Retry-After`: nothing was stored, and
/// the same request may be sent again once the database is back.
fn database_unavailable(cause: &StoreError) -> ApiError {
    tracing::warn!(error = %cause, "the database does not answer");
    ApiError::new(ErrorCode::DatabaseUnavailable, "the database does not answer; retry in a moment")
        .with_header("retry-after", "2".into())
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
            EngineError::Journal(hookline_engine::JournalError::Commit(cause)) if cause.is_unavailable() => {
                database_unavailable(&cause)
            }
            EngineError::Journal(error) => ApiError::new(ErrorCode::Internal, error.to_string()),
            EngineError::Invalid(problems) => ApiError::invalid_flow("the flow", "run", problems),
        }
    }
}

impl From<CredentialError> for ApiError {
    fn from(error: CredentialError) -> ApiError {
        let error = match error {
            CredentialError::Store(e) => return e.into(),
            other => other,
        };
        let code = match &error {
            CredentialError::NotFound(_) => ErrorCode::CredentialNotFound,
            CredentialError::Invalid(_) => ErrorCode::InvalidInput,
            CredentialError::Conflict(_) => ErrorCode::Conflict,
            CredentialError::Key(_) => ErrorCode::VaultUnavailable,
            CredentialError::Undecryptable { .. } => ErrorCode::CredentialUndecryptable,
            CredentialError::Store(_) => ErrorCode::Internal,
        };
        ApiError::new(code, error.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_code_reads_as_it_serialises() {
        for code in [ErrorCode::FlowNotFound, ErrorCode::FlowNotStarted, ErrorCode::InvalidJson, ErrorCode::SyncTimeout]
        {
            assert_eq!(serde_json::to_value(code).unwrap(), code.as_str(), "as_str and serde agree for {code:?}");
        }
    }
}
