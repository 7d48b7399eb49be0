//! Where a running listener really serves, for other processes on the same
//! data dir. `hookline serve --listen 127.0.0.1:0` (or a moved listener)
//! serves somewhere the settings do not name, and a command run beside it
//! (`hookline sign`, the hook's curl commands) must print that address, not
//! the settings'. The host records it in `listening.json` while the listener
//! runs; a reader believes the record only while something answers there, so
//! a record left by a killed process is ignored.

use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::ListenerState;

/// File name of the record inside the data dir.
const LISTENING_FILE: &str = "listening.json";

/// How long a reader waits for the recorded address to accept a connection.
const PROBE_TIMEOUT: Duration = Duration::from_millis(300);

#[derive(Debug, Serialize, Deserialize)]
struct Record {
    address: String,
    /// The process that wrote it: only that process removes it.
    pid: u32,
}

/// Records the listener's state: its address while it runs, nothing once it
/// stops. Failing to write is logged, not fatal: only other processes'
/// printed URLs depend on it.
pub(crate) fn record(data_dir: &Path, state: &ListenerState) {
    let path = data_dir.join(LISTENING_FILE);
    let result = match state.address.as_ref().filter(|_| state.running) {
        Some(address) => {
            let text = serde_json::to_string(&Record { address: address.clone(), pid: std::process::id() })
                .expect("a record serializes");
            let temp = data_dir.join(format!("{LISTENING_FILE}.{}.tmp", std::process::id()));
            std::fs::write(&temp, text).and_then(|()| std::fs::rename(&temp, &path))
        }
        None => match read(&path) {
            Some(record) if record.pid == std::process::id() => std::fs::remove_file(&path),
            _ => Ok(()),
        },
    };
    if let Err(error) = result {
        tracing::warn!(path = %path.display(), %error, "the listener's address could not be recorded for other commands");
    }
}

/// The address a listener on this data dir serves on, if one runs.
pub(crate) fn recorded(data_dir: &Path) -> Option<String> {
    let record = read(&data_dir.join(LISTENING_FILE))?;
    let address: SocketAddr = record.address.parse().ok()?;
    TcpStream::connect_timeout(&address, PROBE_TIMEOUT).ok()?;
    Some(record.address)
}

fn read(path: &Path) -> Option<Record> {
    serde_json::from_slice(&std::fs::read(path).ok()?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn running(address: &str) -> ListenerState {
        ListenerState { address: Some(address.into()), running: true, ..ListenerState::default() }
    }

    #[test]
    fn a_running_listener_is_found_and_a_stopped_one_is_forgotten() {
        let dir = tempfile::tempdir().unwrap();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap().to_string();
        assert_eq!(recorded(dir.path()), None, "nothing recorded yet");
        record(dir.path(), &running(&address));
        assert_eq!(recorded(dir.path()), Some(address.clone()));
        record(dir.path(), &ListenerState { address: Some(address), ..ListenerState::default() });
        assert_eq!(recorded(dir.path()), None, "a stopped listener removes its record");
        assert!(!dir.path().join(LISTENING_FILE).exists());
    }

    #[test]
    fn a_record_nobody_answers_at_is_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let address = {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            listener.local_addr().unwrap().to_string()
        };
        record(dir.path(), &running(&address));
        assert_eq!(recorded(dir.path()), None, "the process that wrote it is gone");
    }

    #[test]
    fn another_process_record_is_left_alone_when_this_one_stops() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(LISTENING_FILE);
        std::fs::write(&path, r#"{"address":"127.0.0.1:1","pid":1}"#).unwrap();
        record(dir.path(), &ListenerState::default());
        assert!(path.exists(), "only its writer removes a record");
    }
}
