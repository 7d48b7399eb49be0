//! Allowed folders: the one check that a path a caller or a flow names lies
//! inside folders the user chose. A webhook's `Paths` go through it, and so
//! will every step that touches files. A path is resolved before it is
//! checked: relative to the first folder, symlinks followed (a link inside a
//! folder that points outside is outside), and `..` never escapes.

use std::path::{Component, Path, PathBuf};

/// Why a path was refused; the message names the path as it was given.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PathRefused {
    #[error("{0:?} is not inside an allowed folder")]
    Outside(String),
    #[error("{0:?} is not a usable path")]
    Unusable(String),
    #[error("no allowed folders are set, so no path is accepted")]
    NoFolders,
}

impl PathRefused {
    /// The path as the caller gave it, when the refusal is about one.
    pub fn path(&self) -> Option<&str> {
        match self {
            PathRefused::Outside(path) | PathRefused::Unusable(path) => Some(path),
            PathRefused::NoFolders => None,
        }
    }
}

/// Folders as configured (`~` is not expanded: a flow file names real paths).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AllowedFolders(pub Vec<String>);

impl AllowedFolders {
    /// Resolves `raw` (absolute, or relative to the first folder) and
    /// returns it absolute and normalised if it lies inside a folder.
    pub fn resolve(&self, raw: &str) -> Result<PathBuf, PathRefused> {
        // Folders that do not exist admit nothing; the others are compared
        // by their own resolved form.
        let folders: Vec<PathBuf> = self.0.iter().filter_map(|f| std::fs::canonicalize(f).ok()).collect();
        let Some(first) = self.0.first() else { return Err(PathRefused::NoFolders) };
        if raw.is_empty() || raw.contains('\0') {
            return Err(PathRefused::Unusable(raw.to_string()));
        }
        let given = Path::new(raw);
        let candidate = if given.is_absolute() { given.to_path_buf() } else { Path::new(first).join(given) };
        let resolved = resolve_existing(&candidate).ok_or_else(|| PathRefused::Outside(raw.to_string()))?;
        if folders.iter().any(|folder| resolved.starts_with(folder)) {
            Ok(resolved)
        } else {
            Err(PathRefused::Outside(raw.to_string()))
        }
    }
}

/// The path with its longest existing ancestor resolved by the file system
/// (symlinks followed) and the rest appended as written. A `..` in the part
/// that does not exist yet cannot be resolved safely, so the path is refused.
fn resolve_existing(path: &Path) -> Option<PathBuf> {
    let mut rest = Vec::new();
    let mut base = path;
    loop {
        if let Ok(real) = std::fs::canonicalize(base) {
            let mut resolved = real;
            for part in rest.iter().rev() {
                resolved.push(part);
            }
            return Some(resolved);
        }
        let name = base.file_name()?;
        match Path::new(name).components().next() {
            Some(Component::Normal(part)) => rest.push(part.to_os_string()),
            _ => return None,
        }
        // `a/b/..` has no file name: `file_name` above refuses it.
        base = base.parent()?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_inside_a_folder_resolve_and_escapes_are_refused() {
        let root = tempfile::tempdir().unwrap();
        let inbox = root.path().join("inbox");
        let secret = root.path().join("secret");
        std::fs::create_dir_all(inbox.join("2026")).unwrap();
        std::fs::create_dir_all(&secret).unwrap();
        std::fs::write(inbox.join("2026/a.csv"), "x").unwrap();
        std::fs::write(secret.join("key"), "x").unwrap();
        std::os::unix::fs::symlink(&secret, inbox.join("shortcut")).unwrap();
        let folders = AllowedFolders(vec![inbox.to_string_lossy().into_owned()]);
        let real_inbox = std::fs::canonicalize(&inbox).unwrap();

        assert_eq!(folders.resolve("2026/a.csv").unwrap(), real_inbox.join("2026/a.csv"), "relative to the folder");
        let absolute = inbox.join("2026/./a.csv");
        assert_eq!(folders.resolve(absolute.to_str().unwrap()).unwrap(), real_inbox.join("2026/a.csv"));
        assert_eq!(folders.resolve("2026/new.csv").unwrap(), real_inbox.join("2026/new.csv"), "need not exist yet");

        for escape in ["../secret/key", "2026/../../secret/key", "shortcut/key", "2026/new/../../../secret"] {
            assert_eq!(folders.resolve(escape), Err(PathRefused::Outside(escape.into())), "{escape}");
        }
        let outside = secret.join("key");
        assert!(matches!(folders.resolve(outside.to_str().unwrap()), Err(PathRefused::Outside(_))));
        assert_eq!(folders.resolve(""), Err(PathRefused::Unusable(String::new())));
        assert_eq!(AllowedFolders::default().resolve("a"), Err(PathRefused::NoFolders));
    }
}
