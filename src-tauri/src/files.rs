//! Saving an export (a flow file, a Postman collection) where the user finds
//! it: the Downloads folder, or the home folder on a system without one. A
//! file already there is never replaced; the new one gets a " (2)" suffix.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};

use hookline_api::{ApiError, ErrorCode};

/// The name used when the one asked for has nothing usable left.
const FALLBACK_NAME: &str = "hookline-export.txt";
/// Longest file name kept, in bytes (most file systems allow 255).
const MAX_NAME_BYTES: usize = 200;
/// How many " (n)" variants are tried before giving up.
const MAX_COPIES: u32 = 1000;

/// Where exports go: the Downloads folder if it exists, else the home folder.
pub fn export_dir() -> Option<PathBuf> {
    dirs::download_dir().filter(|dir| dir.is_dir()).or_else(dirs::home_dir)
}

/// A file name that stays inside the folder it is written to: no path
/// separators, no control characters, no leading dots (hidden files, `..`),
/// and characters other systems refuse replaced by `_`.
pub fn sanitize(file_name: &str) -> String {
    let replaced: String = file_name
        .chars()
        .map(|c| match c {
            '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|' => '_',
            c if c.is_control() => '_',
            c => c,
        })
        .collect();
    let trimmed = replaced.trim().trim_start_matches('.').trim_start();
    let mut name = String::new();
    for c in trimmed.chars() {
        if name.len() + c.len_utf8() > MAX_NAME_BYTES {
            break;
        }
        name.push(c);
    }
    if name.is_empty() {
        FALLBACK_NAME.to_string()
    } else {
        name
    }
}

/// Writes `contents` to a new file in `dir` named after `file_name`
/// (sanitized), adding " (2)", " (3)"… before the extension while the name is
/// taken. Returns the absolute path written.
pub fn save_new(dir: &Path, file_name: &str, contents: &[u8]) -> Result<PathBuf, ApiError> {
    let name = sanitize(file_name);
    let (stem, extension) = match name.rfind('.') {
        Some(dot) if dot > 0 => name.split_at(dot),
        _ => (name.as_str(), ""),
    };
    for n in 1..=MAX_COPIES {
        let candidate = if n == 1 { name.clone() } else { format!("{stem} ({n}){extension}") };
        let path = std::path::absolute(dir.join(candidate)).map_err(|e| write_error(dir, &e))?;
        // `create_new` checks and creates in one step, so a file that appears
        // meanwhile is still never overwritten.
        let mut file = match OpenOptions::new().write(true).create_new(true).open(&path) {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(write_error(&path, &e)),
        };
        if let Err(e) = file.write_all(contents).and_then(|()| file.sync_all()) {
            drop(file);
            let _ = std::fs::remove_file(&path);
            return Err(write_error(&path, &e));
        }
        return Ok(path);
    }
    Err(ApiError::new(
        ErrorCode::Conflict,
        format!("{} already holds {MAX_COPIES} files named like {name}; move some away", dir.display()),
    ))
}

fn write_error(path: &Path, error: &std::io::Error) -> ApiError {
    ApiError::new(ErrorCode::Internal, format!("cannot write {}: {error}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_cannot_leave_the_folder_or_hide() {
        assert_eq!(sanitize("../../etc/passwd"), "_.._etc_passwd", "separators become underscores");
        assert_eq!(sanitize("..\\win.ini"), "_win.ini", "backslashes too, and leading dots go");
        assert_eq!(sanitize(".bashrc"), "bashrc", "no hidden files");
        assert_eq!(sanitize("a\nb\0c.json"), "a_b_c.json", "control characters are replaced");
        assert_eq!(sanitize("  ..  "), FALLBACK_NAME, "nothing usable left gives the fallback name");
        assert_eq!(sanitize("Pets API.postman_collection.json"), "Pets API.postman_collection.json");
    }

    #[test]
    fn long_names_are_cut_on_a_character_boundary() {
        let name = sanitize(&"é".repeat(300));
        assert!(name.len() <= MAX_NAME_BYTES, "at most {MAX_NAME_BYTES} bytes: {}", name.len());
        assert!(name.chars().all(|c| c == 'é'), "no character is split");
    }

    #[test]
    fn an_existing_file_is_never_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let first = save_new(dir.path(), "flow.json", b"one").unwrap();
        let second = save_new(dir.path(), "flow.json", b"two").unwrap();
        let third = save_new(dir.path(), "flow.json", b"three").unwrap();
        assert_eq!(first.file_name().unwrap(), "flow.json");
        assert_eq!(second.file_name().unwrap(), "flow (2).json", "the copy number goes before the extension");
        assert_eq!(third.file_name().unwrap(), "flow (3).json");
        assert_eq!(std::fs::read_to_string(&first).unwrap(), "one", "the first file keeps its contents");
        assert_eq!(std::fs::read_to_string(&third).unwrap(), "three");
        assert!(first.is_absolute(), "the UI shows where the file went: {}", first.display());
    }

    #[test]
    fn a_name_without_extension_gets_the_suffix_at_the_end() {
        let dir = tempfile::tempdir().unwrap();
        save_new(dir.path(), "notes", b"a").unwrap();
        let second = save_new(dir.path(), "notes", b"b").unwrap();
        assert_eq!(second.file_name().unwrap(), "notes (2)");
    }

    #[test]
    fn a_missing_folder_is_reported_with_its_path() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nowhere");
        let err = save_new(&missing, "flow.json", b"x").unwrap_err();
        assert!(err.message.contains("nowhere"), "the message names the path: {}", err.message);
    }
}
