//! `hookline-desktop`: the designer in a window. The shell opens the core on
//! the data dir, hosts its runner and webhook listener, and gives the window
//! two commands (`call` for every core operation, `save_text_file` for
//! exports) and the core's events. It holds no logic of its own: everything
//! the window does goes through `hookline-api`, as in the browser mode.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod backend;
mod commands;
mod files;
mod first_frame;

use std::process::ExitCode;
use std::time::Instant;

use backend::Backend;
use tauri::webview::PageLoadEvent;
use tauri::{Manager, RunEvent};

fn main() -> ExitCode {
    let started = Instant::now();
    let master_key = hookline_vault::take_master_key();
    // Diagnostics on standard error, one line per event, filtered like RUST_LOG.
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        tracing_subscriber::EnvFilter::new(
            "warn,hookline_desktop=info,hookline_api=info,hookline_engine=info,hookline_listener=info",
        )
    });
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).compact().try_init();
    let measure = first_frame::requested();

    let mut builder = tauri::Builder::default().plugin(tauri_plugin_shell::init()).setup(move |app| {
        let data_dir = backend::data_dir()?;
        let backend = tauri::async_runtime::block_on(Backend::start(data_dir, master_key))?;
        backend.forward_events(app.handle().clone());
        app.manage(backend.core.clone());
        app.manage(backend);
        if measure {
            app.manage(first_frame::Clock::new(started));
            app.add_capability(first_frame::CAPABILITY)?;
        }
        stop_on_signals(app.handle().clone());
        Ok(())
    });
    builder = if measure {
        builder
            .invoke_handler(tauri::generate_handler![
                commands::call,
                commands::save_text_file,
                first_frame::report_first_frame
            ])
            .on_page_load(|webview, payload| {
                if payload.event() != PageLoadEvent::Finished {
                    return;
                }
                if webview.try_state::<first_frame::Clock>().is_some_and(|clock| clock.first_load()) {
                    if let Err(error) = webview.eval(first_frame::SCRIPT) {
                        tracing::warn!(%error, "cannot measure the first frame");
                    }
                }
            })
    } else {
        builder.invoke_handler(tauri::generate_handler![commands::call, commands::save_text_file])
    };

    let app = match builder.build(tauri::generate_context!()) {
        Ok(app) => app,
        Err(error) => {
            tracing::error!(%error, "cannot start");
            eprintln!("hookline: cannot start: {error}");
            return ExitCode::FAILURE;
        }
    };
    app.run(|app, event| {
        if let RunEvent::Exit = event {
            if let Some(backend) = app.try_state::<Backend>() {
                tauri::async_runtime::block_on(backend.stop());
            }
        }
    });
    ExitCode::SUCCESS
}

/// Ctrl-C and SIGTERM (a logout, `kill`) close the app the same way as its
/// window does, so the listener stops gracefully.
fn stop_on_signals(app: tauri::AppHandle) {
    tauri::async_runtime::spawn(async move {
        #[cfg(unix)]
        {
            let Ok(mut term) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) else {
                return;
            };
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
        }
        #[cfg(not(unix))]
        if tokio::signal::ctrl_c().await.is_err() {
            return;
        }
        app.exit(0);
    });
}
