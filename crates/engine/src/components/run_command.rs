//! The Run Command action: runs a program the user allowed in Settings
//! (`allowedCommands`, absolute paths) with a list of arguments, never
//! through a shell, and answers `{exitCode, stdout, stderr}`.
//!
//! What it refuses to do, and why:
//! - run a program that is not on the allow-list: the program is named by an
//!   absolute path and compared with the list after both are resolved
//!   (symlinks followed), so a link elsewhere does not smuggle another one in;
//! - hand the command Hookline's environment: the child's environment is
//!   cleared and holds only the variables the step names, plus a minimal
//!   `PATH` (`/usr/local/bin:/usr/bin:/bin`) unless the step sets its own, so
//!   the vault's `HOOKLINE_MASTER_KEY` or a token in the server's environment
//!   never reaches it (the step may not name `HOOKLINE_MASTER_KEY` either);
//! - leave processes behind: the command runs in a process group of its own,
//!   and the whole group is killed when the command ends, times out, or the
//!   execution is cancelled (a `sh -c 'sleep 60 &'` does not outlive it);
//! - keep unbounded output: stdout and stderr are each kept up to
//!   [`OUTPUT_CAP`] bytes (read to the end regardless, so the command never
//!   blocks on a full pipe), with `stdoutTruncated`/`stderrTruncated` saying
//!   when they were cut.
//!
//! The command runs in `/`: a program that needs a folder takes it as an
//! argument, so what it touches never depends on where Hookline was started.

use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use hookline_model::ComponentKind;
use serde::Deserialize;
use serde_json::{json, Map, Value};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio_util::sync::CancellationToken;

use super::{empty_object_schema, Action, ActionContext, Describe, FailureKind, Outcome, StepFailure};
use crate::catalog::Component;

/// How long a command may run when the step does not say.
pub const DEFAULT_TIMEOUT_MS: u64 = 30_000;
/// The longest a step may ask for: longer jobs belong outside a flow step.
const MAX_TIMEOUT_MS: u64 = 3_600_000;
/// Bytes of stdout, and of stderr, kept in the output (1 MiB each).
pub const OUTPUT_CAP: usize = 1024 * 1024;
/// `PATH` of a command whose step sets none: enough for a script's
/// `#!/usr/bin/env` and the programs it calls, nothing of the user's own.
pub const DEFAULT_PATH: &str = "/usr/local/bin:/usr/bin:/bin";
/// The variable that carries the vault's key; no command ever gets it.
const MASTER_KEY_VARIABLE: &str = "HOOKLINE_MASTER_KEY";
/// How long output is still read after the group was killed: a process that
/// left the group (`setsid`) may hold the pipes open forever.
const DRAIN_AFTER_KILL: Duration = Duration::from_secs(2);

pub(crate) fn component() -> Component {
    let scalar = json!({"type": ["string", "number", "boolean"]});
    let mut descriptor = Describe {
        id: "run_command",
        kind: ComponentKind::Action,
        title: "Run command",
        description: "Runs a program allowed in Settings with arguments (no shell), and returns its exit code, stdout and stderr.",
        icon: "terminal",
    }
    .build(
        empty_object_schema(),
        json!({
            "type": "object",
            "additionalProperties": false,
            "required": ["program"],
            "properties": {
                "program": {
                    "title": "Program",
                    "type": "string",
                    "minLength": 1,
                    "description": "The absolute path of a program on the allow-list in Settings (allowedCommands)."
                },
                "args": {
                    "title": "Arguments",
                    "type": "array",
                    "items": scalar,
                    "description": "Passed to the program as they are: no shell, so no quoting, globbing or variables."
                },
                "stdin": {"title": "Standard input", "type": "string"},
                "timeoutMs": {
                    "title": "Timeout (ms)",
                    "type": "integer",
                    "minimum": 1,
                    "maximum": MAX_TIMEOUT_MS,
                    "default": DEFAULT_TIMEOUT_MS,
                    "description": "The command and every process it started are killed after this long."
                },
                "env": {
                    "title": "Environment",
                    "type": "object",
                    "additionalProperties": scalar,
                    "description": "The only variables the command sees (PATH defaults to /usr/local/bin:/usr/bin:/bin)."
                },
                "failOnNonZero": {
                    "title": "Fail on non-zero exit",
                    "type": "boolean",
                    "default": true
                }
            }
        }),
        json!({"exitCode": 0, "stdout": "done\n", "stderr": "", "stdoutTruncated": false, "stderrTruncated": false, "signal": null}),
    );
    descriptor.side_effects = true;
    Component::new(descriptor, Some(Arc::new(RunCommand)))
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CommandInput {
    program: String,
    #[serde(default)]
    args: Vec<Value>,
    stdin: Option<String>,
    timeout_ms: Option<u64>,
    #[serde(default)]
    env: Map<String, Value>,
    #[serde(default = "yes")]
    fail_on_non_zero: bool,
}

fn yes() -> bool {
    true
}

/// Why a command was not run; each message says what to do about it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CommandRefused {
    #[error("no command is allowed yet: add the program's absolute path with `hookline settings set allowedCommands /path/to/program` or on the Settings page")]
    NoCommands,
    #[error("{0:?} is not an absolute path: name the program by its full path, such as /usr/bin/jq")]
    NotAbsolute(String),
    #[error("{program:?} is not on the allowed commands ({allowed}); add it in Settings (allowedCommands)")]
    NotAllowed { program: String, allowed: String },
    #[error("{program:?} cannot be used: {reason}")]
    Unusable { program: String, reason: String },
    #[error("the environment may not set {0}: the vault's key never reaches a command")]
    MasterKey(String),
    #[error("{0:?} is not an environment variable name")]
    BadName(String),
    #[error("the value of {0} holds a NUL byte")]
    BadValue(String),
    #[error("an argument holds a NUL byte")]
    BadArgument,
}

/// The program's resolved path when `program` is on `allowed`, both compared
/// after symlinks are followed.
pub fn allowed_program(program: &str, allowed: &[String]) -> Result<PathBuf, CommandRefused> {
    if allowed.is_empty() {
        return Err(CommandRefused::NoCommands);
    }
    if !Path::new(program).is_absolute() {
        return Err(CommandRefused::NotAbsolute(program.to_string()));
    }
    let real = std::fs::canonicalize(program)
        .map_err(|e| CommandRefused::Unusable { program: program.to_string(), reason: e.to_string() })?;
    // An entry that no longer exists allows nothing; the others are compared
    // by their own resolved form.
    if allowed.iter().filter_map(|entry| std::fs::canonicalize(entry).ok()).any(|entry| entry == real) {
        Ok(real)
    } else {
        Err(CommandRefused::NotAllowed { program: program.to_string(), allowed: allowed.join(", ") })
    }
}

/// The child's whole environment: the step's variables, and `PATH` when
/// the step sets none. Scalars are written as their text.
pub fn child_environment(env: &Map<String, Value>) -> Result<Vec<(String, String)>, CommandRefused> {
    let mut out = Vec::with_capacity(env.len() + 1);
    for (name, value) in env {
        if name == MASTER_KEY_VARIABLE {
            return Err(CommandRefused::MasterKey(name.clone()));
        }
        if name.is_empty() || name.contains('=') || name.contains('\0') {
            return Err(CommandRefused::BadName(name.clone()));
        }
        let text = scalar_text(value);
        if text.contains('\0') {
            return Err(CommandRefused::BadValue(name.clone()));
        }
        out.push((name.clone(), text));
    }
    if !env.contains_key("PATH") {
        out.push(("PATH".into(), DEFAULT_PATH.into()));
    }
    Ok(out)
}

fn scalar_text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// What the command left: its status and its output, cut to the cap.
#[derive(Debug, Clone, PartialEq)]
struct Finished {
    exit_code: Option<i32>,
    signal: Option<i32>,
    stdout: Captured,
    stderr: Captured,
}

impl Finished {
    fn output(&self) -> Value {
        json!({
            "exitCode": self.exit_code,
            "stdout": String::from_utf8_lossy(&self.stdout.bytes),
            "stderr": String::from_utf8_lossy(&self.stderr.bytes),
            "stdoutTruncated": self.stdout.truncated,
            "stderrTruncated": self.stderr.truncated,
            "signal": self.signal,
        })
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
struct Captured {
    bytes: Vec<u8>,
    truncated: bool,
}

/// How a run ended.
#[derive(Debug)]
enum Ending {
    Exited(Finished),
    TimedOut(Finished),
    Cancelled(Finished),
}

/// Reads `stream` to its end, keeping the first `cap` bytes.
async fn read_capped(stream: Option<impl AsyncRead + Unpin>, cap: usize) -> Captured {
    let mut captured = Captured::default();
    let Some(mut stream) = stream else { return captured };
    let mut buffer = vec![0u8; 64 * 1024];
    loop {
        match stream.read(&mut buffer).await {
            Ok(0) | Err(_) => return captured,
            Ok(n) => {
                let room = cap.saturating_sub(captured.bytes.len());
                captured.bytes.extend_from_slice(&buffer[..n.min(room)]);
                captured.truncated |= n > room;
            }
        }
    }
}

/// Kills the process group when dropped: whether the command ended, timed
/// out, or the step's future was dropped (the engine's own step timeout).
struct GroupKill(i32);

impl GroupKill {
    fn kill(&self) {
        if self.0 > 0 {
            // SAFETY: kill(2) with a negative pid signals a process group; it
            // touches no memory. ESRCH (the group is gone) is expected.
            unsafe {
                libc::kill(-self.0, libc::SIGKILL);
            }
        }
    }
}

impl Drop for GroupKill {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The checked command, ready to spawn.
struct Prepared {
    /// The program as the step named it (the child's `argv[0]`).
    program: String,
    /// Its resolved path, which is what runs.
    real: PathBuf,
    args: Vec<String>,
    env: Vec<(String, String)>,
    stdin: Option<String>,
    timeout: Duration,
}

fn prepare(input: &CommandInput, allowed: &[String]) -> Result<Prepared, CommandRefused> {
    let real = allowed_program(&input.program, allowed)?;
    let env = child_environment(&input.env)?;
    let args: Vec<String> = input.args.iter().map(scalar_text).collect();
    if args.iter().any(|arg| arg.contains('\0')) {
        return Err(CommandRefused::BadArgument);
    }
    let timeout = Duration::from_millis(input.timeout_ms.unwrap_or(DEFAULT_TIMEOUT_MS).clamp(1, MAX_TIMEOUT_MS));
    Ok(Prepared { program: input.program.clone(), real, args, env, stdin: input.stdin.clone(), timeout })
}

/// Spawns the command in its own process group, feeds its stdin, reads its
/// output and waits for it, the timeout or `cancel`; the group is killed in
/// every case before the output is collected.
async fn execute(prepared: Prepared, cap: usize, cancel: &CancellationToken) -> std::io::Result<Ending> {
    let mut command = tokio::process::Command::new(&prepared.real);
    command
        .arg0(&prepared.program)
        .args(&prepared.args)
        .env_clear()
        .envs(prepared.env.iter().map(|(name, value)| (name, value)))
        .current_dir("/")
        .stdin(if prepared.stdin.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(true);
    let mut child = command.spawn()?;
    let group = GroupKill(child.id().and_then(|id| i32::try_from(id).ok()).unwrap_or(0));
    let stdout = tokio::spawn(read_capped(child.stdout.take(), cap));
    let stderr = tokio::spawn(read_capped(child.stderr.take(), cap));
    let feeder = match (child.stdin.take(), prepared.stdin) {
        (Some(mut pipe), Some(text)) => Some(tokio::spawn(async move {
            // A command that does not read its input closes the pipe: not an error.
            let _ = pipe.write_all(text.as_bytes()).await;
        })),
        _ => None,
    };
    enum Why {
        Exited(std::process::ExitStatus),
        TimedOut,
        Cancelled,
    }
    let why = tokio::select! {
        status = child.wait() => Why::Exited(status?),
        () = tokio::time::sleep(prepared.timeout) => Why::TimedOut,
        () = cancel.cancelled() => Why::Cancelled,
    };
    // The command is done (or must be): nothing it started outlives it.
    group.kill();
    let status = match why {
        Why::Exited(status) => Some(status),
        // Reaped here so no zombie is left; SIGKILL makes it quick.
        Why::TimedOut | Why::Cancelled => child.wait().await.ok(),
    };
    if let Some(feeder) = feeder {
        feeder.abort();
    }
    let collect = |handle: tokio::task::JoinHandle<Captured>| async move {
        let abort = handle.abort_handle();
        match tokio::time::timeout(DRAIN_AFTER_KILL, handle).await {
            Ok(Ok(captured)) => captured,
            _ => {
                abort.abort();
                Captured::default()
            }
        }
    };
    let (stdout, stderr) = tokio::join!(collect(stdout), collect(stderr));
    let finished =
        Finished { exit_code: status.and_then(|s| s.code()), signal: status.and_then(|s| s.signal()), stdout, stderr };
    Ok(match why {
        Why::Exited(_) => Ending::Exited(finished),
        Why::TimedOut => Ending::TimedOut(finished),
        Why::Cancelled => Ending::Cancelled(finished),
    })
}

/// The first line of stderr, for a failure's message.
fn first_line(captured: &Captured) -> Option<String> {
    let text = String::from_utf8_lossy(&captured.bytes);
    let line = text.lines().map(str::trim).find(|line| !line.is_empty())?;
    Some(line.chars().take(200).collect())
}

struct RunCommand;

#[async_trait]
impl Action for RunCommand {
    async fn run(&self, input: Value, context: &ActionContext) -> Result<Outcome, StepFailure> {
        let input: CommandInput = serde_json::from_value(input).map_err(|e| StepFailure::new(format!("input: {e}")))?;
        // Read at every run: the allow-list may have changed since the server started.
        let access = context.local.local_access().map_err(StepFailure::new)?;
        let prepared = prepare(&input, &access.allowed_commands).map_err(|e| StepFailure::new(e.to_string()))?;
        let timeout_ms = prepared.timeout.as_millis();
        let program = input.program.clone();
        let ending = execute(prepared, OUTPUT_CAP, &context.cancel).await.map_err(|error| {
            tracing::warn!(program = %program, error = %error, "run command could not start the program");
            StepFailure::new(format!("cannot start {program}: {error}"))
        })?;
        match ending {
            Ending::Exited(finished) => {
                let failed = finished.exit_code != Some(0);
                if failed && input.fail_on_non_zero {
                    let how = match (finished.exit_code, finished.signal) {
                        (Some(code), _) => format!("exited with code {code}"),
                        (None, Some(signal)) => format!("was killed by signal {signal}"),
                        (None, None) => "ended without an exit code".to_string(),
                    };
                    let said = first_line(&finished.stderr).map(|line| format!(": {line}")).unwrap_or_default();
                    let mut failure = StepFailure::new(format!("{program} {how}{said}"));
                    failure.output = Some(finished.output());
                    return Err(failure);
                }
                Ok(Outcome::output(finished.output()))
            }
            Ending::TimedOut(finished) => {
                let mut failure = StepFailure::new(format!(
                    "{program} timed out after {timeout_ms} ms; it and every process it started were killed"
                ))
                .with_kind(FailureKind::Timeout);
                failure.output = Some(finished.output());
                Err(failure)
            }
            Ending::Cancelled(finished) => {
                let mut failure =
                    StepFailure::new(format!("cancelled; {program} and every process it started were killed"));
                failure.output = Some(finished.output());
                Err(failure)
            }
        }
    }

    fn side_effect(&self, input: &Value) -> Option<String> {
        let program = input.get("program").and_then(Value::as_str).unwrap_or("?");
        let args: Vec<String> = input
            .get("args")
            .and_then(Value::as_array)
            .map(|args| args.iter().map(scalar_text).collect())
            .unwrap_or_default();
        Some(if args.is_empty() { format!("run {program}") } else { format!("run {program} {}", args.join(" ")) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SH: &str = "/bin/sh";

    fn input(value: Value) -> CommandInput {
        serde_json::from_value(value).unwrap()
    }

    fn sh(script: &str) -> Prepared {
        prepare(&input(json!({"program": SH, "args": ["-c", script]})), &[SH.to_string()]).unwrap()
    }

    fn finished(ending: Ending) -> Finished {
        match ending {
            Ending::Exited(f) | Ending::TimedOut(f) | Ending::Cancelled(f) => f,
        }
    }

    #[test]
    fn only_listed_absolute_programs_run_compared_after_links_are_followed() {
        let dir = tempfile::tempdir().unwrap();
        let link = dir.path().join("my-sh");
        std::os::unix::fs::symlink(std::fs::canonicalize(SH).unwrap(), &link).unwrap();
        let link = link.to_string_lossy().into_owned();

        assert_eq!(allowed_program(SH, &[]), Err(CommandRefused::NoCommands));
        assert_eq!(allowed_program("sh", &[SH.into()]), Err(CommandRefused::NotAbsolute("sh".into())));
        assert!(matches!(allowed_program("/bin/true", &[SH.into()]), Err(CommandRefused::NotAllowed { .. })));
        assert!(allowed_program(&link, &[SH.into()]).is_ok(), "a link to an allowed program is that program");
        assert!(matches!(allowed_program("/nonexistent/x", &[SH.into()]), Err(CommandRefused::Unusable { .. })));
        let message = CommandRefused::NoCommands.to_string();
        assert!(message.contains("hookline settings set allowedCommands"), "{message}");
    }

    #[test]
    fn the_environment_is_what_the_step_names_with_a_minimal_path_and_never_the_master_key() {
        let env = child_environment(json!({"A": "x", "N": 3}).as_object().unwrap()).unwrap();
        assert!(env.contains(&("A".into(), "x".into())) && env.contains(&("N".into(), "3".into())), "{env:?}");
        assert!(env.contains(&("PATH".into(), DEFAULT_PATH.into())), "a minimal PATH: {env:?}");
        let own = child_environment(json!({"PATH": "/opt/bin"}).as_object().unwrap()).unwrap();
        assert_eq!(own, vec![("PATH".to_string(), "/opt/bin".to_string())], "the step's PATH wins");
        let refused = child_environment(json!({"HOOKLINE_MASTER_KEY": "k"}).as_object().unwrap());
        assert_eq!(refused, Err(CommandRefused::MasterKey(MASTER_KEY_VARIABLE.into())));
        assert!(matches!(child_environment(json!({"A=B": "x"}).as_object().unwrap()), Err(CommandRefused::BadName(_))));
    }

    #[tokio::test]
    async fn output_and_exit_code_come_back_and_output_is_cut_at_the_cap() {
        let mut prepared = sh("cat; echo err >&2; exit 3");
        prepared.stdin = Some("hello".into());
        let done = finished(execute(prepared, OUTPUT_CAP, &CancellationToken::new()).await.unwrap());
        assert_eq!(
            (done.exit_code, done.stdout.bytes.as_slice(), done.stderr.bytes.as_slice()),
            (Some(3), &b"hello"[..], &b"err\n"[..])
        );

        let done = finished(
            execute(sh("head -c 300000 /dev/zero; echo done >&2"), 1000, &CancellationToken::new()).await.unwrap(),
        );
        assert_eq!(done.stdout.bytes.len(), 1000, "kept up to the cap");
        assert!(done.stdout.truncated && !done.stderr.truncated, "the cut is marked");
        assert_eq!(done.stderr.bytes, b"done\n", "the command was not blocked by the full pipe");
        assert_eq!(done.exit_code, Some(0));
    }

    #[tokio::test]
    async fn a_timeout_and_a_cancel_kill_the_command() {
        let mut prepared = sh("echo started; sleep 30");
        prepared.timeout = Duration::from_millis(300);
        let started = std::time::Instant::now();
        let ending = execute(prepared, OUTPUT_CAP, &CancellationToken::new()).await.unwrap();
        assert!(started.elapsed() < Duration::from_secs(10), "it did not wait for sleep 30");
        let Ending::TimedOut(done) = ending else { panic!("timed out: {ending:?}") };
        assert_eq!(done.stdout.bytes, b"started\n", "what it printed before is kept");
        assert_eq!(done.signal, Some(libc::SIGKILL));

        let cancel = CancellationToken::new();
        let later = cancel.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(200)).await;
            later.cancel();
        });
        let ending = execute(sh("sleep 30"), OUTPUT_CAP, &cancel).await.unwrap();
        assert!(matches!(ending, Ending::Cancelled(_)), "{ending:?}");
    }
}
