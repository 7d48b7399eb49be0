//! Settings kept in the data dir, and the webhook listener's life: bound to
//! the address the settings name, moved when the user changes it, and a busy
//! port reported as a state the UI can show instead of a crash.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};

use hookline_engine::Runner;
use hookline_model::CoreEvent;
use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;

use crate::{ApiError, Core, ErrorCode, ListenerConfig, Result};

/// File name of the settings inside the data dir.
pub const SETTINGS_FILE: &str = "settings.json";

/// Where the listener binds when the settings name no address.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8787";

/// What is stored in `settings.json`. Unknown fields are kept out of the way
/// by serde's default (ignored), so an older build reads a newer file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct StoredSettings {
    #[serde(default = "default_listen")]
    listen_address: String,
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

/// The listener as hosted by this process.
#[derive(Default)]
pub(crate) struct Hosting {
    inner: Mutex<HostingState>,
}

#[derive(Default)]
struct HostingState {
    state: ListenerState,
    running: Option<Running>,
    /// Kept when the listener follows the settings, to bind again on a change.
    rebind: Option<Rebind>,
}

struct Running {
    stop: CancellationToken,
    done: tokio::task::JoinHandle<()>,
}

#[derive(Clone)]
struct Rebind {
    router: axum::Router,
}

/// How [`Core::start_listener`] hosts the listener.
pub struct ListenerOptions {
    pub runner: Arc<Runner>,
    pub config: ListenerConfig,
    /// Bind here instead of the settings' address.
    pub address: Option<String>,
    /// More routes served on the same port (the browser UI and its `/api`).
    pub extra: Option<axum::Router>,
    /// Move the listener when the settings' address changes. Only for a
    /// listener that serves nothing but hooks: the browser UI would lose its
    /// own page.
    pub follow_settings: bool,
}

impl Core {
    /// The settings with the listener's current state.
    pub fn settings(&self) -> Result<Settings> {
        let stored = read_settings(&self.data_dir)?;
        let state = self.hosting.inner.lock().expect("hosting lock").state.clone();
        Ok(Settings {
            data_dir: std::path::absolute(&self.data_dir)
                .unwrap_or_else(|_| self.data_dir.clone())
                .display()
                .to_string(),
            listen_address: stored.listen_address,
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
        let (rebind, unchanged) = {
            let inner = self.hosting.inner.lock().expect("hosting lock");
            // A listener that failed to bind tries again even at the same address.
            let unchanged = inner.state.running && inner.state.address.as_deref() == Some(&parsed.to_string());
            (inner.rebind.clone(), unchanged)
        };
        match rebind {
            Some(rebind) if !unchanged => {
                let listener = bind(parsed, "change the listener address in Settings").await?;
                write_settings(&self.data_dir, &StoredSettings { listen_address: parsed.to_string() })?;
                self.stop_listener().await;
                self.serve_on(listener, rebind.router.clone(), Some(rebind));
            }
            _ => {
                write_settings(&self.data_dir, &StoredSettings { listen_address: parsed.to_string() })?;
                let mut inner = self.hosting.inner.lock().expect("hosting lock");
                inner.state.restart_needed = inner.running.is_some() && !unchanged;
            }
        }
        self.engine.emit(CoreEvent::ListenerChanged);
        self.settings()
    }

    /// Binds the webhook listener (and any extra routes) and serves it in the
    /// background until [`Core::stop_listener`]. A failure to bind is kept
    /// as the listener's state, for the UI to show, and returned.
    pub async fn start_listener(&self, options: ListenerOptions) -> Result<SocketAddr> {
        let address = match options.address {
            Some(address) => address,
            None => self.listen_address()?,
        };
        let mut router = self.hook_router(options.runner, options.config);
        if let Some(extra) = options.extra {
            router = router.merge(extra);
        }
        let hint = if options.follow_settings {
            "change the listener address in Settings"
        } else {
            "choose another with --listen"
        };
        let bound = match parse_address(&address) {
            Ok(parsed) => bind(parsed, hint).await,
            Err(e) => Err(e),
        };
        let listener = match bound {
            Ok(listener) => listener,
            Err(e) => {
                let mut inner = self.hosting.inner.lock().expect("hosting lock");
                inner.state = ListenerState {
                    address: Some(address),
                    running: false,
                    error: Some(e.message.clone()),
                    restart_needed: false,
                };
                if options.follow_settings {
                    inner.rebind = Some(Rebind { router });
                }
                drop(inner);
                self.engine.emit(CoreEvent::ListenerChanged);
                return Err(e);
            }
        };
        let rebind = options.follow_settings.then(|| Rebind { router: router.clone() });
        Ok(self.serve_on(listener, router, rebind))
    }

    fn serve_on(&self, listener: tokio::net::TcpListener, router: axum::Router, rebind: Option<Rebind>) -> SocketAddr {
        let local = listener.local_addr().expect("a bound listener has an address");
        let stop = CancellationToken::new();
        let shutdown = stop.clone();
        let done = tokio::spawn(async move {
            // A failing accept loop ends the task; the state then says so only
            // through `running`, which is why errors are logged here.
            if let Err(e) = axum::serve(listener, router).with_graceful_shutdown(shutdown.cancelled_owned()).await {
                eprintln!("the listener stopped: {e}");
            }
        });
        let mut inner = self.hosting.inner.lock().expect("hosting lock");
        inner.running = Some(Running { stop, done });
        inner.rebind = rebind;
        inner.state =
            ListenerState { address: Some(local.to_string()), running: true, error: None, restart_needed: false };
        drop(inner);
        self.engine.emit(CoreEvent::ListenerChanged);
        local
    }

    /// Stops the listener, letting in-flight requests finish.
    pub async fn stop_listener(&self) {
        let running = self.hosting.inner.lock().expect("hosting lock").running.take();
        if let Some(running) = running {
            running.stop.cancel();
            let _ = running.done.await;
            self.hosting.inner.lock().expect("hosting lock").state.running = false;
            self.engine.emit(CoreEvent::ListenerChanged);
        }
    }

    /// The base URL of the hooks: the running listener's, or the address the
    /// settings name.
    pub(crate) fn hook_base(&self) -> Result<String> {
        let state = self.hosting.inner.lock().expect("hosting lock").state.clone();
        let address = match state.address.filter(|_| state.running) {
            Some(address) => address,
            None => self.listen_address()?,
        };
        Ok(format!("http://{address}"))
    }
}

fn parse_address(address: &str) -> Result<SocketAddr> {
    address.trim().parse().map_err(|_| {
        ApiError::new(
            ErrorCode::InvalidInput,
            format!("{address:?} is not an address: expected HOST:PORT such as 127.0.0.1:8787"),
        )
    })
}

/// Binds `address`, naming it in an error a user can act on (`hint` says how
/// to choose another).
pub async fn bind(address: SocketAddr, hint: &str) -> Result<tokio::net::TcpListener> {
    tokio::net::TcpListener::bind(address).await.map_err(|e| {
        if e.kind() == std::io::ErrorKind::AddrInUse {
            ApiError::new(
                ErrorCode::AddressInUse,
                format!(
                    "port {} is already in use on {} (another program or Hookline listens there); {hint}",
                    address.port(),
                    address.ip()
                ),
            )
        } else {
            ApiError::new(ErrorCode::InvalidInput, format!("cannot listen on {address}: {e}; {hint}"))
        }
    })
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
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(StoredSettings { listen_address: default_listen() }),
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
        write_settings(dir.path(), &StoredSettings { listen_address: "127.0.0.1:9999".into() }).unwrap();
        assert_eq!(read_settings(dir.path()).unwrap().listen_address, "127.0.0.1:9999", "the saved address is read");
    }

    #[test]
    fn unreadable_settings_name_the_file() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(SETTINGS_FILE), "{not json").unwrap();
        let err = read_settings(dir.path()).unwrap_err();
        assert!(err.message.contains(SETTINGS_FILE), "the message says which file: {}", err.message);
    }

    #[tokio::test]
    async fn a_busy_port_is_reported_with_what_to_do() {
        let taken = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let err = bind(taken.local_addr().unwrap(), "change it in Settings").await.unwrap_err();
        assert_eq!(err.code, ErrorCode::AddressInUse);
        assert!(err.message.contains("already in use") && err.message.contains("Settings"), "{}", err.message);
    }
}

#[cfg(test)]
mod hosting_tests {
    use super::*;
    use crate::CoreConfig;

    async fn core() -> (tempfile::TempDir, Core, Arc<Runner>) {
        let dir = tempfile::tempdir().unwrap();
        let core = Core::open(CoreConfig::new(dir.path())).await.unwrap();
        let runner = core.start_runner(Default::default(), CancellationToken::new());
        (dir, core, runner)
    }

    fn options(runner: Arc<Runner>) -> ListenerOptions {
        ListenerOptions {
            runner,
            config: ListenerConfig { log_requests: false, ..Default::default() },
            address: None,
            extra: None,
            follow_settings: true,
        }
    }

    async fn answers(address: &str) -> bool {
        tokio::net::TcpStream::connect(address).await.is_ok()
    }

    #[tokio::test]
    async fn a_listener_that_follows_the_settings_moves_to_a_new_address() {
        let (_dir, core, runner) = core().await;
        core.set_listen_address("127.0.0.1:0").await.unwrap();
        let first = core.start_listener(options(runner)).await.unwrap().to_string();
        assert!(answers(&first).await, "the listener answers where it was bound");
        let free = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap().local_addr().unwrap().to_string();
        let settings = core.set_listen_address(&free).await.unwrap();
        assert_eq!(settings.listen_address, free, "the new address is saved");
        assert_eq!(settings.listener.address.as_deref(), Some(free.as_str()), "and the listener runs there");
        assert!(settings.listener.running && !settings.listener.restart_needed);
        assert!(!answers(&first).await, "the old address is released");
        assert!(answers(&free).await, "the new address answers");
        core.stop_listener().await;
        assert!(!core.settings().unwrap().listener.running, "a stopped listener says so");
    }

    #[tokio::test]
    async fn a_busy_port_leaves_the_app_running_and_the_state_says_why() {
        let (_dir, core, runner) = core().await;
        let taken = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = taken.local_addr().unwrap().to_string();
        core.set_listen_address(&address).await.unwrap();
        let err = core.start_listener(options(runner)).await.unwrap_err();
        assert_eq!(err.code, ErrorCode::AddressInUse);
        let state = core.settings().unwrap().listener;
        assert!(!state.running, "nothing runs on a busy port");
        assert!(state.error.as_deref().is_some_and(|e| e.contains("Settings")), "the UI can say what to do: {state:?}");
        // Choosing a free address recovers without a restart.
        let settings = core.set_listen_address("127.0.0.1:0").await.unwrap();
        assert!(settings.listener.running && settings.listener.error.is_none(), "{settings:?}");
        core.stop_listener().await;
    }

    #[tokio::test]
    async fn moving_to_a_busy_port_keeps_the_old_listener_and_the_old_setting() {
        let (_dir, core, runner) = core().await;
        core.set_listen_address("127.0.0.1:0").await.unwrap();
        let first = core.start_listener(options(runner)).await.unwrap().to_string();
        let taken = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let err = core.set_listen_address(&taken.local_addr().unwrap().to_string()).await.unwrap_err();
        assert_eq!(err.code, ErrorCode::AddressInUse);
        assert!(answers(&first).await, "the running listener was not given up");
        assert_eq!(core.listen_address().unwrap(), "127.0.0.1:0", "the refused address was not saved");
        core.stop_listener().await;
    }
}
