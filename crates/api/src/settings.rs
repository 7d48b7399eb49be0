//! Settings kept in the data dir, and the webhook listener's state as its
//! host reports it: where it runs, or why it does not (a busy port is a state
//! the UI shows, not a crash). Binding and moving the listener is the HTTP
//! adapter's work, through [`ListenerHost`].

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, Weak};

use hookline_model::CoreEvent;
use serde::{Deserialize, Serialize};

use crate::{ApiError, Core, ErrorCode, Result};

/// File name of the settings inside the data dir.
pub const SETTINGS_FILE: &str = "settings.json";

/// Where the listener binds when the settings name no address.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8787";

/// What is stored in `settings.json`. Unknown fields are kept out of the way
/// by serde's default (ignored), so an older build reads a newer file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct StoredSettings {
    #[serde(default = "default_listen")]
    listen_address: String,
    /// Host names besides addresses and `localhost` that requests may name
    /// in `Host` (a tunnel's public name).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) allowed_hosts: Vec<String>,
    /// The vault credential a caller of `POST /events/{name}` must present;
    /// none lets any caller the listener admits emit events.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) events_credential: Option<String>,
    /// Folders Write File may write in (absolute paths, as the user gave them).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) allowed_folders: Vec<String>,
    /// Programs Run Command may run (absolute paths, as the user gave them).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) allowed_commands: Vec<String>,
}

impl Default for StoredSettings {
    fn default() -> Self {
        StoredSettings {
            listen_address: default_listen(),
            allowed_hosts: vec![],
            events_credential: None,
            allowed_folders: vec![],
            allowed_commands: vec![],
        }
    }
}

fn default_listen() -> String {
    DEFAULT_LISTEN.to_string()
}

/// The settings as the UI shows them, with the listener's current state.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
#[serde(rename_all = "camelCase")]
pub struct Settings {
    /// Where flows, runs and the vault are kept.
    pub data_dir: String,
    /// The address the listener binds (from the settings file).
    pub listen_address: String,
    /// Host names a request may name besides addresses and `localhost`, for
    /// tunnels; any other `Host` is refused.
    pub allowed_hosts: Vec<String>,
    /// The credential that guards `POST /events/{name}`, if any.
    pub events_credential: Option<String>,
    /// Folders the Write File action may write in; none allows no file.
    pub allowed_folders: Vec<String>,
    /// Programs (absolute paths) the Run Command action may run; none allows
    /// no command.
    pub allowed_commands: Vec<String>,
    pub listener: ListenerState,
}

/// Whether the webhook listener runs, where, or why not.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export)]
#[serde(rename_all = "camelCase")]
pub struct ListenerState {
    /// The address it is bound to, or the one it failed to bind.
    pub address: Option<String>,
    pub running: bool,
    /// Why it is not running (a busy port, say), with what to do about it.
    pub error: Option<String>,
    /// A new address was saved that takes effect at the next start (the
    /// browser mode cannot move the port it is served from).
    pub restart_needed: bool,
}

/// What hosts the listener (an HTTP adapter) does when the settings move it.
/// The core keeps the listener's state; binding sockets is the adapter's.
#[async_trait::async_trait]
pub trait ListenerHost: Send + Sync {
    /// Binds `address` and serves there, releasing the old address. When the
    /// new address cannot be bound, the old listener keeps running.
    async fn move_to(&self, address: SocketAddr) -> Result<SocketAddr>;
}

/// The listener as the core knows it: its state, and the host that moves it
/// when the settings change (only for a listener that follows them).
#[derive(Default)]
pub(crate) struct Hosting {
    state: Mutex<ListenerState>,
    host: Mutex<Option<Weak<dyn ListenerHost>>>,
}

impl Core {
    /// The settings with the listener's current state.
    pub fn settings(&self) -> Result<Settings> {
        let stored = read_settings(&self.data_dir)?;
        let state = self.listener_state();
        Ok(Settings {
            data_dir: std::path::absolute(&self.data_dir)
                .unwrap_or_else(|_| self.data_dir.clone())
                .display()
                .to_string(),
            listen_address: stored.listen_address,
            allowed_hosts: stored.allowed_hosts,
            events_credential: stored.events_credential,
            allowed_folders: stored.allowed_folders,
            allowed_commands: stored.allowed_commands,
            listener: state,
        })
    }

    /// The address the settings name for the listener.
    pub fn listen_address(&self) -> Result<String> {
        Ok(read_settings(&self.data_dir)?.listen_address)
    }

    /// Saves a new listener address. A listener that follows the settings
    /// moves there at once; if the new address cannot be bound, the old
    /// listener keeps running and nothing is saved.
    pub async fn set_listen_address(&self, address: &str) -> Result<Settings> {
        let parsed = parse_address(address)?;
        let state = self.listener_state();
        // A listener that failed to bind tries again even at the same address.
        let unchanged = state.running && state.address.as_deref() == Some(&parsed.to_string());
        let host = self.hosting.host.lock().expect("hosting lock").as_ref().and_then(Weak::upgrade);
        let stored = StoredSettings { listen_address: parsed.to_string(), ..self.settings_file()? };
        match host {
            Some(host) if !unchanged => {
                host.move_to(parsed).await?;
                write_settings(&self.data_dir, &stored)?;
            }
            _ => {
                write_settings(&self.data_dir, &stored)?;
                let mut state = self.hosting.state.lock().expect("hosting lock");
                state.restart_needed = state.running && !unchanged;
            }
        }
        self.engine.emit(CoreEvent::ListenerChanged);
        self.settings()
    }

    /// Saves the host names requests may name besides addresses and
    /// `localhost` (a tunnel's public name); they apply at once.
    pub fn set_allowed_hosts(&self, hosts: &[String]) -> Result<Settings> {
        let mut names: Vec<String> = Vec::new();
        for host in hosts {
            let name = crate::origin::host_name(host);
            let valid = !name.is_empty()
                && name.len() <= 253
                && name.split('.').all(|label| {
                    !label.is_empty()
                        && label.len() <= 63
                        && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                        && !label.starts_with('-')
                });
            if !valid {
                return Err(ApiError::new(
                    ErrorCode::InvalidInput,
                    format!("{host:?} is not a host name: expected a name such as abc.trycloudflare.com"),
                ));
            }
            if !names.contains(&name) {
                names.push(name);
            }
        }
        write_settings(&self.data_dir, &StoredSettings { allowed_hosts: names.clone(), ..self.settings_file()? })?;
        self.allowed_hosts.set_from_settings(names);
        self.engine.emit(CoreEvent::ListenerChanged);
        self.settings()
    }

    /// Sets (or, with `None`, clears) the credential callers of
    /// `POST /events/{name}` must present. It must exist in the vault.
    pub async fn set_events_credential(&self, name: Option<&str>) -> Result<Settings> {
        if let Some(name) = name {
            let known = self.list_credentials().await?.iter().any(|credential| credential.name == name);
            if !known {
                return Err(ApiError::new(
                    ErrorCode::CredentialNotFound,
                    format!("no credential {name:?} in the vault; add it first (hookline vault add)"),
                ));
            }
        }
        let stored = StoredSettings { events_credential: name.map(str::to_string), ..self.settings_file()? };
        write_settings(&self.data_dir, &stored)?;
        self.engine.emit(CoreEvent::ListenerChanged);
        self.settings()
    }

    /// Saves the folders Write File steps may write in (replacing the list;
    /// none clears it). Each must be an absolute path to an existing folder.
    /// Running flows use the new list from their next step on.
    pub fn set_allowed_folders(&self, folders: &[String]) -> Result<Settings> {
        let folders = checked_paths(folders, check_folder)?;
        write_settings(&self.data_dir, &StoredSettings { allowed_folders: folders, ..self.settings_file()? })?;
        self.engine.emit(CoreEvent::ListenerChanged);
        self.settings()
    }

    /// Saves the programs Run Command steps may run (replacing the list; none
    /// clears it). Each must be an absolute path to an executable file.
    /// Running flows use the new list from their next step on.
    pub fn set_allowed_commands(&self, programs: &[String]) -> Result<Settings> {
        let programs = checked_paths(programs, check_program)?;
        write_settings(&self.data_dir, &StoredSettings { allowed_commands: programs, ..self.settings_file()? })?;
        self.engine.emit(CoreEvent::ListenerChanged);
        self.settings()
    }

    pub(crate) fn settings_file(&self) -> Result<StoredSettings> {
        read_settings(&self.data_dir)
    }

    /// The listener's state as its host last reported it.
    pub fn listener_state(&self) -> ListenerState {
        self.hosting.state.lock().expect("hosting lock").clone()
    }

    /// Called by the listener's host whenever the listener starts, stops,
    /// moves or fails to bind; the UI is told.
    pub fn report_listener(&self, state: ListenerState) {
        crate::listening::record(&self.data_dir, &state);
        *self.hosting.state.lock().expect("hosting lock") = state;
        self.engine.emit(CoreEvent::ListenerChanged);
    }

    /// Makes `host` the one that moves the listener when the settings'
    /// address changes. Only for a listener that serves nothing but hooks:
    /// the browser UI would lose its own page.
    pub fn follow_settings(&self, host: Weak<dyn ListenerHost>) {
        *self.hosting.host.lock().expect("hosting lock") = Some(host);
    }

    /// The base URL of the hooks: the running listener's (this process's, or
    /// another's serving the same data dir), or the address the settings name.
    pub fn hook_base(&self) -> Result<String> {
        let state = self.listener_state();
        let address = match state.address.filter(|_| state.running) {
            Some(address) => address,
            // Another process may serve this data dir (`hookline serve`
            // beside a CLI command), somewhere the settings do not name.
            None => match crate::listening::recorded(&self.data_dir) {
                Some(address) => address,
                None => self.listen_address()?,
            },
        };
        Ok(format!("http://{address}"))
    }
}

/// Reads `HOST:PORT`, naming the text in the error a user can act on.
pub fn parse_address(address: &str) -> Result<SocketAddr> {
    address.trim().parse().map_err(|_| {
        ApiError::new(
            ErrorCode::InvalidInput,
            format!("{address:?} is not an address: expected HOST:PORT such as 127.0.0.1:8787"),
        )
    })
}

/// Trims, checks and de-duplicates absolute paths, keeping their order and
/// their spelling (a link such as /usr/bin/python3 keeps following upgrades).
fn checked_paths(paths: &[String], check: fn(&str, &Path) -> Result<()>) -> Result<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    for raw in paths {
        let path = raw.trim();
        if path.is_empty() || !Path::new(path).is_absolute() {
            return Err(ApiError::new(
                ErrorCode::InvalidInput,
                format!("{raw:?} is not an absolute path: give the full path, starting with /"),
            ));
        }
        check(path, Path::new(path))?;
        if !out.iter().any(|p| p == path) {
            out.push(path.to_string());
        }
    }
    Ok(out)
}

fn check_folder(text: &str, path: &Path) -> Result<()> {
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_dir() => Ok(()),
        Ok(_) => Err(ApiError::new(ErrorCode::FolderNotFound, format!("{text} is a file, not a folder"))),
        Err(e) => Err(ApiError::new(
            ErrorCode::FolderNotFound,
            format!("{text} cannot be used as a folder ({e}); create it first"),
        )),
    }
}

fn check_program(text: &str, path: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_file() && meta.permissions().mode() & 0o111 != 0 => Ok(()),
        Ok(meta) if meta.is_file() => Err(ApiError::new(
            ErrorCode::CommandNotExecutable,
            format!("{text} is not executable (chmod +x it, or allow the program that runs it)"),
        )),
        Ok(_) => Err(ApiError::new(ErrorCode::CommandNotExecutable, format!("{text} is not a file"))),
        Err(e) => Err(ApiError::new(ErrorCode::CommandNotExecutable, format!("{text} cannot be run ({e})"))),
    }
}

/// The allowed folders and programs as the engine's Write File and Run
/// Command steps ask for them, read from `settings.json`. The file is
/// parsed again only when it changed (size, time or inode: a save renames a
/// new file into place), so a step pays one `stat`, and a change saved by
/// another process (`hookline settings set` beside `hookline serve`) applies
/// to the next step.
pub(crate) struct SettingsAccess {
    data_dir: PathBuf,
    cached: Mutex<Option<(Stamp, hookline_engine::LocalAccess)>>,
}

/// What tells one version of the settings file from another.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Stamp {
    modified: Option<std::time::SystemTime>,
    len: u64,
    inode: u64,
}

impl SettingsAccess {
    pub(crate) fn new(data_dir: PathBuf) -> SettingsAccess {
        SettingsAccess { data_dir, cached: Mutex::new(None) }
    }
}

impl hookline_engine::LocalAccessSource for SettingsAccess {
    fn local_access(&self) -> std::result::Result<hookline_engine::LocalAccess, String> {
        use std::os::unix::fs::MetadataExt;
        let stamp = match std::fs::metadata(self.data_dir.join(SETTINGS_FILE)) {
            Ok(meta) => Some(Stamp { modified: meta.modified().ok(), len: meta.len(), inode: meta.ino() }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => {
                tracing::error!(error = %e, "cannot read the settings for a step");
                return Err(format!("cannot read the settings ({e})"));
            }
        };
        let mut cached = self.cached.lock().expect("settings cache lock");
        if let (Some(stamp), Some((seen, access))) = (&stamp, cached.as_ref()) {
            if stamp == seen {
                return Ok(access.clone());
            }
        }
        let stored = read_settings(&self.data_dir).map_err(|e| {
            tracing::error!(error = %e.message, "the settings file does not parse");
            e.message
        })?;
        let access = hookline_engine::LocalAccess {
            allowed_folders: stored.allowed_folders,
            allowed_commands: stored.allowed_commands,
        };
        *cached = stamp.map(|stamp| (stamp, access.clone()));
        Ok(access)
    }
}

fn read_settings(data_dir: &Path) -> Result<StoredSettings> {
    let path = data_dir.join(SETTINGS_FILE);
    match std::fs::read_to_string(&path) {
        Ok(text) => serde_json::from_str(&text).map_err(|e| {
            ApiError::new(
                ErrorCode::InvalidInput,
                format!("{} is not readable settings ({e}); fix or delete it", path.display()),
            )
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(StoredSettings::default()),
        Err(e) => Err(ApiError::new(ErrorCode::Internal, format!("cannot read {}: {e}", path.display()))),
    }
}

/// Writes the settings through a temporary file, so a crash mid-write never
/// leaves half a file behind.
fn write_settings(data_dir: &Path, settings: &StoredSettings) -> Result<()> {
    let path = data_dir.join(SETTINGS_FILE);
    let temp = data_dir.join(format!("{SETTINGS_FILE}.tmp"));
    let text = serde_json::to_string_pretty(settings).expect("settings serialize");
    std::fs::write(&temp, text + "\n")
        .and_then(|()| std::fs::rename(&temp, &path))
        .map_err(|e| ApiError::new(ErrorCode::Internal, format!("cannot write {}: {e}", path.display())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_settings_give_the_default_address_and_written_ones_read_back() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(read_settings(dir.path()).unwrap().listen_address, DEFAULT_LISTEN, "no file, default address");
        let stored = StoredSettings { listen_address: "127.0.0.1:9999".into(), ..StoredSettings::default() };
        write_settings(dir.path(), &stored).unwrap();
        assert_eq!(read_settings(dir.path()).unwrap().listen_address, "127.0.0.1:9999", "the saved address is read");
    }

    #[test]
    fn allowed_paths_must_be_absolute_and_exist_and_programs_executable() {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().to_string_lossy().into_owned();
        let kept = checked_paths(&[format!(" {folder} "), folder.clone()], check_folder).unwrap();
        assert_eq!(kept, vec![folder.clone()], "trimmed and kept once");
        let code = |paths: &[&str], check| {
            let paths: Vec<String> = paths.iter().map(|p| p.to_string()).collect();
            checked_paths(&paths, check).unwrap_err().code
        };
        assert_eq!(code(&["relative/dir"], check_folder), ErrorCode::InvalidInput);
        assert_eq!(code(&[&format!("{folder}/missing")], check_folder), ErrorCode::FolderNotFound);
        let file = dir.path().join("data.txt");
        std::fs::write(&file, "x").unwrap();
        assert_eq!(code(&[file.to_str().unwrap()], check_folder), ErrorCode::FolderNotFound, "a file is no folder");
        assert_eq!(code(&[file.to_str().unwrap()], check_program), ErrorCode::CommandNotExecutable, "not executable");
        assert_eq!(code(&[&folder], check_program), ErrorCode::CommandNotExecutable, "a folder is no program");
        assert!(checked_paths(&["/bin/sh".to_string()], check_program).is_ok());
    }

    #[test]
    fn steps_see_a_change_of_the_settings_file_made_by_anyone() {
        use hookline_engine::LocalAccessSource;
        let dir = tempfile::tempdir().unwrap();
        let access = SettingsAccess::new(dir.path().to_path_buf());
        assert_eq!(access.local_access().unwrap(), hookline_engine::LocalAccess::default(), "no file allows nothing");
        let folder = dir.path().to_string_lossy().into_owned();
        let stored = StoredSettings { allowed_folders: vec![folder.clone()], ..StoredSettings::default() };
        write_settings(dir.path(), &stored).unwrap();
        assert_eq!(access.local_access().unwrap().allowed_folders, vec![folder.clone()]);
        let stored = StoredSettings { allowed_commands: vec!["/bin/sh".into()], ..stored };
        write_settings(dir.path(), &stored).unwrap();
        let seen = access.local_access().unwrap();
        assert_eq!(seen.allowed_commands, vec!["/bin/sh".to_string()], "the new file is read, not the cached one");
        assert_eq!(seen.allowed_folders, vec![folder]);
    }

    #[test]
    fn unreadable_settings_name_the_file() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(SETTINGS_FILE), "{not json").unwrap();
        let err = read_settings(dir.path()).unwrap_err();
        assert!(err.message.contains(SETTINGS_FILE), "the message says which file: {}", err.message);
    }
}
