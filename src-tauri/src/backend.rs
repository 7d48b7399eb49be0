//! The core as the desktop hosts it: opened on the data dir, with the
//! execution runner, the webhook listener (moving when Settings change it)
//! and the bridge that forwards core events to the window.

use std::path::PathBuf;
use std::sync::Arc;

use hookline_api::{ApiError, Core, CoreConfig, ErrorCode};
use hookline_listener::{Hosted, ListenerConfig, ListenerOptions};
use tauri::{AppHandle, Emitter};
use tokio::sync::broadcast::error::RecvError;
use tokio_util::sync::CancellationToken;

/// The Tauri event that carries each core event (its JSON as the payload).
pub const CORE_EVENT: &str = "core-event";
/// Sent when the bridge fell behind and dropped events: read everything again.
pub const RESYNC_EVENT: &str = "core-resync";

/// Where the data lives: `HOOKLINE_DATA_DIR`, else the same folder the
/// `hookline` command line uses, so both see the same flows.
pub fn data_dir() -> Result<PathBuf, ApiError> {
    match std::env::var_os("HOOKLINE_DATA_DIR").filter(|dir| !dir.is_empty()) {
        Some(dir) => Ok(PathBuf::from(dir)),
        None => dirs::data_dir().map(|dir| dir.join("hookline")).ok_or_else(|| {
            ApiError::new(ErrorCode::InvalidInput, "no data directory is known for this system; set HOOKLINE_DATA_DIR")
        }),
    }
}

/// The running core and what stops its background work.
pub struct Backend {
    pub core: Arc<Core>,
    listener: Arc<Hosted>,
    bridge_stop: CancellationToken,
}

impl Backend {
    /// Opens the core, resumes unfinished executions and starts the listener.
    /// A listener that cannot bind (a busy port) is not fatal: the core keeps
    /// the failure as the listener's state, which Settings shows.
    /// `master_key` is `HOOKLINE_MASTER_KEY`, taken from the environment
    /// at start so no program the window opens inherits it.
    pub async fn start(
        data_dir: PathBuf,
        master_key: Option<hookline_vault::Sensitive<String>>,
    ) -> Result<Backend, ApiError> {
        let mut config = CoreConfig::new(data_dir);
        config.vault.master_key = master_key;
        let core = Arc::new(Core::open(config).await?);
        core.start_runner(hookline_api::RunnerConfig::default()).await?;
        let options = ListenerOptions {
            config: ListenerConfig { log_requests: false, ..ListenerConfig::default() },
            address: None,
            extra: None,
            follow_settings: true,
        };
        let (listener, bound) = hookline_listener::host(core.clone(), options).await;
        if let Err(error) = bound {
            tracing::warn!(%error, "the webhook listener is not running");
        }
        Ok(Backend { core, listener, bridge_stop: CancellationToken::new() })
    }

    /// Forwards every core event to the window as [`CORE_EVENT`] until
    /// [`Backend::stop`].
    pub fn forward_events(&self, app: AppHandle) {
        let mut events = self.core.subscribe();
        let stop = self.bridge_stop.clone();
        tauri::async_runtime::spawn(async move {
            loop {
                let received = tokio::select! {
                    () = stop.cancelled() => break,
                    received = events.recv() => received,
                };
                let sent = match received {
                    Ok(event) => app.emit(CORE_EVENT, &event),
                    Err(RecvError::Lagged(_)) => app.emit(RESYNC_EVENT, ()),
                    Err(RecvError::Closed) => break,
                };
                if let Err(error) = sent {
                    tracing::warn!(%error, "cannot forward a core event to the window");
                }
            }
        });
    }

    /// Stops taking webhooks (answering those in flight), then the runner and
    /// the event bridge. Unfinished executions resume at the next start.
    pub async fn stop(&self) {
        self.listener.stop().await;
        self.core.shutdown();
        self.bridge_stop.cancel();
    }
}
