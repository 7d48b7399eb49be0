//! The listener's life in this process: bound to the address the settings
//! (or `--listen`) name, served until stopped, moved when the user changes
//! the address, and every change reported to the core, which the UI reads.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::Router;
use hookline_api::{parse_address, ApiError, Core, ErrorCode, ListenerHost, ListenerState};
use tokio_util::sync::CancellationToken;

use crate::{router, ConnectionLimits, ListenerConfig};

/// How [`host`] serves the listener.
pub struct ListenerOptions {
    pub config: ListenerConfig,
    /// Bind here instead of the settings' address.
    pub address: Option<String>,
    /// More routes served on the same port (the browser UI and its `/api`).
    pub extra: Option<Router>,
    /// Move the listener when the settings' address changes. Only for a
    /// listener that serves nothing but hooks: the browser UI would lose its
    /// own page.
    pub follow_settings: bool,
}

/// A listener hosted by this process; [`Hosted::stop`] ends it.
pub struct Hosted {
    core: Arc<Core>,
    router: Router,
    limits: ConnectionLimits,
    running: Mutex<Option<Running>>,
}

struct Running {
    stop: CancellationToken,
    done: tokio::task::JoinHandle<()>,
}

/// Serves HTTP/1 connections until `stop`, then lets the requests in flight
/// finish. A client gets `limits.header_timeout` to send a request's headers,
/// and an idle keep-alive connection is closed after as long (hyper times
/// both the same way), so a client sending a byte a minute holds nothing;
/// beyond `limits.max_connections` open connections, new ones wait in the
/// kernel's backlog until one closes.
async fn serve_connections(
    listener: tokio::net::TcpListener,
    router: Router,
    limits: ConnectionLimits,
    stop: CancellationToken,
) {
    let permits = Arc::new(tokio::sync::Semaphore::new(limits.max_connections.max(1)));
    let connections = tokio_util::task::TaskTracker::new();
    loop {
        let permit = tokio::select! {
            permit = permits.clone().acquire_owned() => permit.expect("the semaphore is never closed"),
            () = stop.cancelled() => break,
        };
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(error) => {
                    // Out of file descriptors, say: wait rather than spin.
                    tracing::warn!(%error, "the listener could not accept a connection");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = stop.cancelled() => break,
        };
        let _ = stream.set_nodelay(true);
        let service = hyper_util::service::TowerToHyperService::new(router.clone());
        let stop = stop.clone();
        connections.spawn(async move {
            let _permit = permit;
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder.timer(hyper_util::rt::TokioTimer::new()).header_read_timeout(limits.header_timeout);
            let connection = builder.serve_connection(hyper_util::rt::TokioIo::new(stream), service);
            tokio::pin!(connection);
            let result = tokio::select! {
                result = connection.as_mut() => result,
                () = stop.cancelled() => {
                    connection.as_mut().graceful_shutdown();
                    connection.await
                }
            };
            if let Err(error) = result {
                tracing::debug!(%error, "a connection ended with an error");
            }
        });
    }
    connections.close();
    connections.wait().await;
}

/// Refuses a request whose `Host` the listener does not serve before any
/// route sees it (DNS rebinding); the core decides which hosts those are.
async fn check_host(
    axum::extract::State(core): axum::extract::State<Arc<Core>>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let host = request
        .headers()
        .get(axum::http::header::HOST)
        // A `Host` that is not text is refused as a name nobody serves.
        .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned())
        .or_else(|| request.uri().authority().map(|a| a.to_string()));
    match core.check_host(host.as_deref()) {
        Ok(()) => next.run(request).await,
        Err(error) => crate::error_response(error),
    }
}

/// Binds the webhook listener (and any extra routes) and serves it in the
/// background. A failure to bind is reported to the core as the listener's
/// state, for the UI to show, and returned; a listener that follows the
/// settings can still be started later by choosing a free address.
pub async fn host(core: Arc<Core>, options: ListenerOptions) -> (Arc<Hosted>, Result<SocketAddr, ApiError>) {
    let mut routes = router(core.clone(), &options.config);
    if let Some(extra) = options.extra {
        routes = routes.merge(extra);
    }
    // Every route, the browser UI's included, first checks the `Host`.
    let routes = routes.layer(axum::middleware::from_fn_with_state(core.clone(), check_host));
    let limits = options.config.connections;
    let hosted = Arc::new(Hosted { core: core.clone(), router: routes, limits, running: Mutex::new(None) });
    if options.follow_settings {
        let host: Arc<dyn ListenerHost> = hosted.clone();
        core.follow_settings(Arc::downgrade(&host));
    }
    let hint = if options.follow_settings {
        "change the listener address in Settings"
    } else {
        "choose another with --listen"
    };
    let address = match options.address {
        Some(address) => Ok(address),
        None => core.listen_address(),
    };
    let bound = match &address {
        Ok(text) => match parse_address(text) {
            Ok(parsed) => bind(parsed, hint).await,
            Err(e) => Err(e),
        },
        Err(e) => Err(e.clone()),
    };
    let result = match bound {
        Ok(listener) => Ok(hosted.serve_on(listener)),
        Err(error) => {
            core.report_listener(ListenerState {
                address: address.ok(),
                running: false,
                error: Some(error.message.clone()),
                restart_needed: false,
            });
            Err(error)
        }
    };
    (hosted, result)
}

impl Hosted {
    fn serve_on(&self, listener: tokio::net::TcpListener) -> SocketAddr {
        let local = listener.local_addr().expect("a bound listener has an address");
        if !local.ip().is_loopback() {
            tracing::warn!(
                address = %local,
                "the listener is reachable from other machines: anyone who can reach {local} can call the hooks of every started flow; guard them with credentials, or listen on 127.0.0.1"
            );
        }
        let stop = CancellationToken::new();
        let done = tokio::spawn(serve_connections(listener, self.router.clone(), self.limits, stop.clone()));
        *self.running.lock().expect("running lock") = Some(Running { stop, done });
        self.core.report_listener(ListenerState {
            address: Some(local.to_string()),
            running: true,
            error: None,
            restart_needed: false,
        });
        local
    }

    /// Stops the listener, letting in-flight requests finish.
    pub async fn stop(&self) {
        let running = self.running.lock().expect("running lock").take();
        if let Some(running) = running {
            running.stop.cancel();
            let _ = running.done.await;
            let mut state = self.core.listener_state();
            state.running = false;
            self.core.report_listener(state);
        }
    }
}

#[async_trait::async_trait]
impl ListenerHost for Hosted {
    async fn move_to(&self, address: SocketAddr) -> Result<SocketAddr, ApiError> {
        let listener = bind(address, "change the listener address in Settings").await?;
        self.stop().await;
        Ok(self.serve_on(listener))
    }
}

/// Binds `address`, naming it in an error a user can act on (`hint` says how
/// to choose another).
pub async fn bind(address: SocketAddr, hint: &str) -> Result<tokio::net::TcpListener, ApiError> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use hookline_api::CoreConfig;

    async fn core() -> (tempfile::TempDir, Arc<Core>) {
        let dir = tempfile::tempdir().unwrap();
        let core = Arc::new(Core::open(CoreConfig::new(dir.path())).await.unwrap());
        core.start_runner(Default::default()).await.unwrap();
        (dir, core)
    }

    fn options() -> ListenerOptions {
        ListenerOptions {
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
    async fn a_busy_port_is_reported_with_what_to_do() {
        let taken = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let err = bind(taken.local_addr().unwrap(), "change it in Settings").await.unwrap_err();
        assert_eq!(err.code, ErrorCode::AddressInUse);
        assert!(err.message.contains("already in use") && err.message.contains("Settings"), "{}", err.message);
    }

    #[tokio::test]
    async fn a_listener_that_follows_the_settings_moves_to_a_new_address() {
        let (_dir, core) = core().await;
        core.set_listen_address("127.0.0.1:0").await.unwrap();
        let (hosted, first) = host(core.clone(), options()).await;
        let first = first.unwrap().to_string();
        assert!(answers(&first).await, "the listener answers where it was bound");
        let free = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap().local_addr().unwrap().to_string();
        let settings = core.set_listen_address(&free).await.unwrap();
        assert_eq!(settings.listen_address, free, "the new address is saved");
        assert_eq!(settings.listener.address.as_deref(), Some(free.as_str()), "and the listener runs there");
        assert!(settings.listener.running && !settings.listener.restart_needed);
        assert!(!answers(&first).await, "the old address is released");
        assert!(answers(&free).await, "the new address answers");
        hosted.stop().await;
        assert!(!core.settings().unwrap().listener.running, "a stopped listener says so");
    }

    #[tokio::test]
    async fn a_busy_port_leaves_the_app_running_and_the_state_says_why() {
        let (_dir, core) = core().await;
        let taken = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = taken.local_addr().unwrap().to_string();
        core.set_listen_address(&address).await.unwrap();
        let (hosted, result) = host(core.clone(), options()).await;
        assert_eq!(result.unwrap_err().code, ErrorCode::AddressInUse);
        let state = core.settings().unwrap().listener;
        assert!(!state.running, "nothing runs on a busy port");
        assert!(state.error.as_deref().is_some_and(|e| e.contains("Settings")), "the UI can say what to do: {state:?}");
        // Choosing a free address recovers without a restart.
        let settings = core.set_listen_address("127.0.0.1:0").await.unwrap();
        assert!(settings.listener.running && settings.listener.error.is_none(), "{settings:?}");
        hosted.stop().await;
    }

    #[tokio::test]
    async fn moving_to_a_busy_port_keeps_the_old_listener_and_the_old_setting() {
        let (_dir, core) = core().await;
        core.set_listen_address("127.0.0.1:0").await.unwrap();
        let (hosted, first) = host(core.clone(), options()).await;
        let first = first.unwrap().to_string();
        let taken = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let err = core.set_listen_address(&taken.local_addr().unwrap().to_string()).await.unwrap_err();
        assert_eq!(err.code, ErrorCode::AddressInUse);
        assert!(answers(&first).await, "the running listener was not given up");
        assert_eq!(core.listen_address().unwrap(), "127.0.0.1:0", "the refused address was not saved");
        hosted.stop().await;
    }
}
