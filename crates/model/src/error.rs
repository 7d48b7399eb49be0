use thiserror::Error;

/// Why a flow document could not be read at all. Design problems of a readable
/// document (a missing step, a cycle, a bad mapping) are not errors of this
/// kind: the engine reports those as a list of problems.
#[derive(Debug, Error)]
pub enum ModelError {
    /// The text is not JSON, or does not have the shape of a flow document.
    /// The message names the path (`steps[1].inputs`) or the line and column.
    #[error("not a valid flow document: {0}")]
    Malformed(String),
    /// The document declares a `schemaVersion` this build does not read.
    #[error("unsupported schemaVersion {found}: this version of Hookline reads schemaVersion {supported}")]
    UnsupportedVersion { found: u64, supported: u32 },
    /// An identifier does not have the required prefix and characters.
    #[error("{path}: {message}")]
    InvalidId { path: String, message: String },
    /// JSON text (a sample typed by hand) does not parse.
    #[error("not valid JSON: {message}")]
    InvalidJson { line: usize, column: usize, message: String },
}
