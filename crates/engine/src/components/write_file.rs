//! The Write File action: appends one JSON line to a file, or replaces a
//! file's content, inside a folder the user allowed in Settings
//! (`allowedFolders`). Output `{path, bytes}`.
//!
//! The path goes through [`AllowedFolders::resolve`] (symlinks followed, `..`
//! and absolute escapes refused) every run, against the allow-list as it is
//! then. An append is one `write` on a file opened with `O_APPEND`, so lines
//! of concurrent runs never interleave; an overwrite goes through a temporary
//! file in the same folder, synced and renamed, so a reader sees the old
//! content or the new, never half of it. Missing parent folders are created:
//! they are checked to lie inside the allowed folder before and after, and
//! flows often write into dated sub-folders (`logs/2026-12/…`).

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use async_trait::async_trait;
use hookline_model::ComponentKind;
use serde::Deserialize;
use serde_json::{json, Value};

use super::folders::{AllowedFolders, PathRefused};
use super::{empty_object_schema, Action, ActionContext, Describe, Outcome, StepFailure};
use crate::catalog::Component;

pub(crate) fn component() -> Component {
    let mut descriptor = Describe {
        id: "write_file",
        kind: ComponentKind::Action,
        title: "Write file",
        description: "Appends a JSON line to a file, or writes a whole file, inside a folder allowed in Settings.",
        icon: "file-text",
    }
    .build(
        empty_object_schema(),
        json!({
            "type": "object",
            "additionalProperties": false,
            "required": ["path", "content"],
            "properties": {
                "path": {
                    "title": "Path",
                    "type": "string",
                    "minLength": 1,
                    "description": "Inside an allowed folder (Settings); a relative path starts at the first one. Missing folders below it are created."
                },
                "content": {
                    "title": "Content",
                    "description": "Any value. Append JSON line writes it as one line of JSON; Overwrite writes text as it is and anything else as JSON."
                },
                "mode": {
                    "title": "Mode",
                    "type": "string",
                    "enum": ["append_jsonl", "overwrite"],
                    "default": "append_jsonl",
                    "description": "append_jsonl adds one line per run (safe with concurrent runs); overwrite replaces the file at once."
                }
            }
        }),
        json!({"path": "/home/me/hookline/orders.jsonl", "bytes": 58}),
    );
    descriptor.side_effects = true;
    Component::new(descriptor, Some(Arc::new(WriteFile)))
}

/// How the content goes into the file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Mode {
    /// One line of JSON added at the end, per run.
    #[default]
    AppendJsonl,
    /// The file's whole content replaced.
    Overwrite,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct WriteInput {
    path: String,
    #[serde(default)]
    content: Value,
    #[serde(default)]
    mode: Mode,
}

/// Why a write did not happen; each message says what to do about it.
#[derive(Debug, thiserror::Error)]
enum WriteFileError {
    #[error(
        "no allowed folder is set, so Write File may not write anywhere: add one with `hookline settings set allowedFolders /path/to/folder` or on the Settings page"
    )]
    NoFolders,
    #[error("{path:?} is not inside an allowed folder ({folders}); write below one of them or add its folder in Settings (allowedFolders)")]
    Outside { path: String, folders: String },
    #[error("{0:?} is not a usable file path")]
    Unusable(String),
    #[error("{0} is a folder, not a file")]
    IsFolder(PathBuf),
    #[error("cannot create the folder {path}: {source}")]
    CreateFolder { path: PathBuf, source: std::io::Error },
    #[error("cannot write {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("only {written} of {len} bytes reached {path}; the line may be incomplete")]
    ShortWrite { path: PathBuf, written: usize, len: usize },
}

impl WriteFileError {
    fn refused(refusal: PathRefused, folders: &AllowedFolders) -> WriteFileError {
        match refusal {
            PathRefused::NoFolders => WriteFileError::NoFolders,
            PathRefused::Outside(path) => WriteFileError::Outside { path, folders: folders.0.join(", ") },
            PathRefused::Unusable(path) => WriteFileError::Unusable(path),
        }
    }

    fn io(path: &Path) -> impl FnOnce(std::io::Error) -> WriteFileError + '_ {
        move |source| WriteFileError::Io { path: path.to_path_buf(), source }
    }
}

/// The bytes a run writes: for an append, the value as one line of JSON
/// (compact JSON never holds a raw line break, so it is always one line);
/// for an overwrite, text as it is and any other value as indented JSON.
fn encode(content: &Value, mode: Mode) -> Vec<u8> {
    match (mode, content) {
        (Mode::AppendJsonl, value) => {
            let mut line = serde_json::to_vec(value).expect("a JSON value serializes");
            line.push(b'\n');
            line
        }
        (Mode::Overwrite, Value::String(text)) => text.clone().into_bytes(),
        (Mode::Overwrite, value) => {
            let mut text = serde_json::to_vec_pretty(value).expect("a JSON value serializes");
            text.push(b'\n');
            text
        }
    }
}

/// Resolves `raw` inside `folders`, creates its missing parent folders and
/// writes `bytes`; returns the file's resolved path. Blocking.
fn write(folders: &AllowedFolders, raw: &str, mode: Mode, bytes: &[u8]) -> Result<PathBuf, WriteFileError> {
    let path = folders.resolve(raw).map_err(|refusal| WriteFileError::refused(refusal, folders))?;
    let parent = path.parent().ok_or_else(|| WriteFileError::Unusable(raw.to_string()))?;
    if path.file_name().is_none() {
        return Err(WriteFileError::Unusable(raw.to_string()));
    }
    if !parent.is_dir() {
        std::fs::create_dir_all(parent)
            .map_err(|source| WriteFileError::CreateFolder { path: parent.to_path_buf(), source })?;
        // A link planted inside the new folders while they were made would
        // lead elsewhere: the path must still resolve to itself.
        let again = folders.resolve(raw).map_err(|refusal| WriteFileError::refused(refusal, folders))?;
        if again != path {
            return Err(WriteFileError::Outside { path: raw.to_string(), folders: folders.0.join(", ") });
        }
    }
    if path.is_dir() {
        return Err(WriteFileError::IsFolder(path));
    }
    match mode {
        Mode::AppendJsonl => append(&path, bytes)?,
        Mode::Overwrite => replace(&path, parent, bytes)?,
    }
    Ok(path)
}

/// One `write` call on an `O_APPEND` file: the kernel places the whole line
/// at the end under the file's lock, so concurrent runs never interleave.
/// `O_NOFOLLOW` refuses a link swapped in after the path was checked.
fn append(path: &Path, line: &[u8]) -> Result<(), WriteFileError> {
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .custom_flags(libc::O_NOFOLLOW)
        .open(path)
        .map_err(WriteFileError::io(path))?;
    let written = file.write(line).map_err(WriteFileError::io(path))?;
    if written != line.len() {
        return Err(WriteFileError::ShortWrite { path: path.to_path_buf(), written, len: line.len() });
    }
    // A step that reports success has its line on disk, as an accepted
    // webhook is.
    file.sync_data().map_err(WriteFileError::io(path))
}

/// Writes a temporary file beside `path`, syncs it and renames it over
/// `path`, then syncs the folder so the rename itself survives a crash. An
/// existing file's permissions carry over to the new content.
fn replace(path: &Path, parent: &Path, bytes: &[u8]) -> Result<(), WriteFileError> {
    let name = path.file_name().expect("checked by write").to_string_lossy();
    let temp = parent.join(format!(".{name}.{:016x}.hookline-tmp", fastrand::u64(..)));
    let result = (|| {
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .custom_flags(libc::O_NOFOLLOW)
            .open(&temp)
            .map_err(WriteFileError::io(&temp))?;
        if let Ok(existing) = std::fs::symlink_metadata(path) {
            if existing.is_file() {
                file.set_permissions(existing.permissions()).map_err(WriteFileError::io(&temp))?;
            }
        }
        file.write_all(bytes).map_err(WriteFileError::io(&temp))?;
        file.sync_all().map_err(WriteFileError::io(&temp))?;
        std::fs::rename(&temp, path).map_err(WriteFileError::io(path))
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    result?;
    std::fs::File::open(parent).and_then(|folder| folder.sync_all()).map_err(WriteFileError::io(parent))
}

struct WriteFile;

#[async_trait]
impl Action for WriteFile {
    async fn run(&self, input: Value, context: &ActionContext) -> Result<Outcome, StepFailure> {
        let input: WriteInput = serde_json::from_value(input).map_err(|e| StepFailure::new(format!("input: {e}")))?;
        // Read at every run: the folders may have changed since the server started.
        let access = context.local.local_access().map_err(StepFailure::new)?;
        let folders = AllowedFolders(access.allowed_folders);
        let bytes = encode(&input.content, input.mode);
        let count = bytes.len();
        let raw = input.path.clone();
        let mode = input.mode;
        let written = tokio::task::spawn_blocking(move || write(&folders, &raw, mode, &bytes))
            .await
            .map_err(|e| StepFailure::new(format!("the write stopped: {e}")))?;
        match written {
            Ok(path) => Ok(Outcome::output(json!({"path": path.to_string_lossy(), "bytes": count}))),
            Err(error) => {
                tracing::warn!(path = %input.path, error = %error, "write file step failed");
                Err(StepFailure::new(error.to_string()))
            }
        }
    }

    fn side_effect(&self, input: &Value) -> Option<String> {
        let path = input.get("path").and_then(Value::as_str).unwrap_or("?");
        Some(match input.get("mode").and_then(Value::as_str) {
            Some("overwrite") => format!("overwrite the file {path}"),
            _ => format!("append a line to the file {path}"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folder() -> (tempfile::TempDir, AllowedFolders, PathBuf) {
        let root = tempfile::tempdir().unwrap();
        let inside = root.path().join("out");
        std::fs::create_dir(&inside).unwrap();
        let folders = AllowedFolders(vec![inside.to_string_lossy().into_owned()]);
        let real = std::fs::canonicalize(&inside).unwrap();
        (root, folders, real)
    }

    #[test]
    fn an_append_is_one_json_line_and_an_overwrite_writes_text_as_it_is() {
        assert_eq!(encode(&json!({"a": "x\ny"}), Mode::AppendJsonl), b"{\"a\":\"x\\ny\"}\n".to_vec());
        assert_eq!(encode(&json!("plain"), Mode::AppendJsonl), b"\"plain\"\n".to_vec(), "a string is a JSON line too");
        assert_eq!(encode(&json!("a,b\n1,2\n"), Mode::Overwrite), b"a,b\n1,2\n".to_vec(), "text as it is");
        assert_eq!(encode(&json!({"a": 1}), Mode::Overwrite), b"{\n  \"a\": 1\n}\n".to_vec(), "values as JSON");
    }

    #[test]
    fn appends_add_lines_and_an_overwrite_replaces_the_file_without_leaving_a_temporary_one() {
        let (_root, folders, real) = folder();
        let first = write(&folders, "log/2026/a.jsonl", Mode::AppendJsonl, b"{\"n\":1}\n").unwrap();
        write(&folders, "log/2026/a.jsonl", Mode::AppendJsonl, b"{\"n\":2}\n").unwrap();
        assert_eq!(first, real.join("log/2026/a.jsonl"), "relative to the folder, missing folders made");
        assert_eq!(std::fs::read_to_string(&first).unwrap(), "{\"n\":1}\n{\"n\":2}\n");

        let report = real.join("report.csv");
        write(&folders, report.to_str().unwrap(), Mode::Overwrite, b"old").unwrap();
        write(&folders, "report.csv", Mode::Overwrite, b"new").unwrap();
        assert_eq!(std::fs::read_to_string(&report).unwrap(), "new");
        let names: Vec<String> =
            std::fs::read_dir(&real).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        assert!(!names.iter().any(|n| n.ends_with(".hookline-tmp")), "no temporary file is left: {names:?}");
    }

    #[test]
    fn escapes_links_out_and_folders_are_refused_and_no_folder_says_how_to_add_one() {
        let (root, folders, real) = folder();
        let secret = root.path().join("secret.txt");
        std::fs::write(&secret, "keep").unwrap();
        std::os::unix::fs::symlink(&secret, real.join("link.txt")).unwrap();
        std::os::unix::fs::symlink(root.path(), real.join("up")).unwrap();
        for escape in ["../secret.txt", "link.txt", "up/secret.txt", "new/../../secret.txt", secret.to_str().unwrap()] {
            let error = write(&folders, escape, Mode::Overwrite, b"x").unwrap_err();
            assert!(matches!(error, WriteFileError::Outside { .. }), "{escape}: {error}");
        }
        assert_eq!(std::fs::read_to_string(&secret).unwrap(), "keep", "nothing outside was touched");
        assert!(!root.path().join("new").exists(), "no folder was made outside");

        std::fs::create_dir(real.join("sub")).unwrap();
        assert!(matches!(write(&folders, "sub", Mode::AppendJsonl, b"x\n"), Err(WriteFileError::IsFolder(_))));

        let error = write(&AllowedFolders::default(), "a.jsonl", Mode::AppendJsonl, b"x\n").unwrap_err();
        assert!(error.to_string().contains("hookline settings set allowedFolders"), "{error}");
    }

    #[test]
    fn concurrent_appends_never_interleave() {
        let (_root, folders, real) = folder();
        let threads: Vec<_> = (0..16)
            .map(|t| {
                let folders = folders.clone();
                std::thread::spawn(move || {
                    for n in 0..25 {
                        let line = encode(&json!({"t": t, "n": n, "pad": "x".repeat(20_000)}), Mode::AppendJsonl);
                        write(&folders, "all.jsonl", Mode::AppendJsonl, &line).unwrap();
                    }
                })
            })
            .collect();
        for thread in threads {
            thread.join().unwrap();
        }
        let text = std::fs::read_to_string(real.join("all.jsonl")).unwrap();
        let lines: Vec<Value> = text.lines().map(|l| serde_json::from_str(l).expect("every line is whole")).collect();
        assert_eq!(lines.len(), 400, "every line is there");
    }
}
