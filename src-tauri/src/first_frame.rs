//! Start-up measurement for `benches/desktop.sh`. With
//! `HOOKLINE_REPORT_FIRST_FRAME=1`, once the page has loaded and painted two
//! frames, the window calls `report_first_frame`, which prints the time since
//! the process started and quits. Without the variable the command is neither
//! registered nor granted, so it does not exist for the window.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use tauri::{AppHandle, State};

/// The variable that turns the measurement on.
pub const ENV: &str = "HOOKLINE_REPORT_FIRST_FRAME";

/// The capability granting the command, added at run time only when measuring.
pub const CAPABILITY: &str = r#"{
  "identifier": "report-first-frame",
  "description": "Start-up measurement only (HOOKLINE_REPORT_FIRST_FRAME=1).",
  "windows": ["main"],
  "permissions": ["allow-report-first-frame"]
}"#;

/// Evaluated in the window when the page has loaded: the second animation
/// frame callback runs after the first frame with the page's content painted.
pub const SCRIPT: &str = "requestAnimationFrame(() => requestAnimationFrame(() => \
                          window.__TAURI_INTERNALS__.invoke('report_first_frame')))";

/// Whether this process measures its start-up.
pub fn requested() -> bool {
    std::env::var_os(ENV).is_some_and(|value| value == "1")
}

/// When the process started, and whether the script was already sent.
pub struct Clock {
    started: Instant,
    sent: AtomicBool,
}

impl Clock {
    pub fn new(started: Instant) -> Clock {
        Clock { started, sent: AtomicBool::new(false) }
    }

    /// True the first time only: the script is sent once, for the first page.
    pub fn first_load(&self) -> bool {
        !self.sent.swap(true, Ordering::SeqCst)
    }
}

/// Prints `first-frame-ms <since main> unix-ms <now>` and quits. The
/// benchmark subtracts its own launch time from `unix-ms`, which also counts
/// what happens before `main` (loading the WebKit libraries).
#[tauri::command]
pub fn report_first_frame(app: AppHandle, clock: State<'_, Clock>) {
    let since_main = clock.started.elapsed().as_secs_f64() * 1000.0;
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default().as_millis();
    println!("first-frame-ms {since_main:.1} unix-ms {now}");
    app.exit(0);
}
