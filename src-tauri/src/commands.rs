//! The window's commands: thin adapters over `hookline-api`. A rejection is
//! an `ApiError` (`{code, message, problems?}`), the value the UI expects.

use std::sync::Arc;

use hookline_api::ops::{dispatch, Request};
use hookline_api::{ApiError, Core, ErrorCode};
use serde::Deserialize;
use serde_json::Value;
use tauri::State;

use crate::files;

/// An operation as the UI sends it: `{op, args}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CallRequest {
    op: String,
    #[serde(default)]
    args: Option<Value>,
}

/// Runs one core operation. The request is read by [`Request::from_parts`],
/// as the browser mode's `/api/{op}` reads it, so both transports accept the
/// same requests and reject bad ones with the same `invalid_input` error.
#[tauri::command]
pub async fn call(core: State<'_, Arc<Core>>, request: CallRequest) -> Result<Value, ApiError> {
    dispatch(&core, Request::from_parts(&request.op, request.args)?).await
}

/// Saves `text` as a new file in the user's Downloads folder (else home) and
/// returns its absolute path. Existing files are never replaced.
#[tauri::command]
pub async fn save_text_file(file_name: String, text: String) -> Result<String, ApiError> {
    let dir = files::export_dir()
        .ok_or_else(|| ApiError::new(ErrorCode::Internal, "this system names no Downloads or home folder"))?;
    let path = tauri::async_runtime::spawn_blocking(move || files::save_new(&dir, &file_name, text.as_bytes()))
        .await
        .map_err(|e| ApiError::new(ErrorCode::Internal, format!("saving the file stopped: {e}")))??;
    Ok(path.display().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_read_like_the_browser_modes() {
        let parse = |json: Value| {
            let call: CallRequest = serde_json::from_value(json).expect("a {op, args} object");
            Request::from_parts(&call.op, call.args)
        };
        assert!(
            matches!(parse(serde_json::json!({"op": "listFlows", "args": {}})), Ok(Request::ListFlows)),
            "empty arguments are no arguments, as the UI sends them"
        );
        assert!(matches!(parse(serde_json::json!({"op": "listFlows"})), Ok(Request::ListFlows)));
        let err = parse(serde_json::json!({"op": "getFlow", "args": {}})).unwrap_err();
        assert_eq!(err.code, ErrorCode::InvalidInput, "a missing argument is the caller's mistake: {}", err.message);
    }
}
