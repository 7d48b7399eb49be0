//! `hookline`: the command line over `hookline-api`. Each subcommand is a thin
//! adapter: parse arguments, call one `Core` method, print the result. Errors
//! are one line on stderr and a non-zero exit; a failed execution exits 1.

mod output;
mod settings;
mod vault;
mod web;

use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use hookline_api::{ApiError, Core, CoreConfig, ErrorCode, ListExecutionsArgs, RunOptions};
use hookline_model::{to_canonical_json, ExecutionStatus, TriggerSource};
use serde_json::Value;
use tokio_util::sync::CancellationToken;

// Under load the listener clones and frees many request-sized buffers across
// threads; mimalloc's per-thread heaps measured faster than the system
// allocator there (see BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Exit code of a run whose execution failed or was cancelled.
const EXIT_FAILED_RUN: u8 = 1;
/// Exit code of any other error (bad arguments, unknown flow, invalid file).
pub(crate) const EXIT_ERROR: u8 = 2;

#[derive(Parser)]
#[command(name = "hookline", version, about = "Design, publish and run integration flows on your own machine")]
struct Cli {
    /// Where Hookline keeps its database (default: the OS data directory).
    #[arg(long, global = true, env = "HOOKLINE_DATA_DIR", value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// The database: a `postgres://USER:PASSWORD@HOST:PORT/DB` URL shared by
    /// several `hookline serve` processes (default: SQLite in the data dir).
    #[arg(long, global = true, env = "HOOKLINE_DATABASE_URL", value_name = "URL", hide_env_values = true)]
    database_url: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create, import, export, publish, start and stop flows.
    #[command(subcommand)]
    Flows(FlowsCommand),
    /// Run a flow once and print the execution as JSON (exit 1 when it fails).
    Run(RunArgs),
    /// Read the run log.
    #[command(subcommand)]
    Executions(ExecutionsCommand),
    /// The database's size and rows; prune what retention no longer keeps.
    #[command(subcommand)]
    Storage(StorageCommand),
    /// Wait for the next request to /hook-test/FLOW and print it as the trigger's sample.
    Capture {
        /// Flow id or slug.
        flow: String,
        /// Seconds to wait.
        #[arg(long, default_value_t = 120)]
        timeout: u64,
    },
    /// Requests that reached a flow's hook, accepted or rejected.
    #[command(subcommand)]
    Inbox(InboxCommand),
    /// Serve the webhooks of every started flow, fire their schedules and run their executions.
    Serve(ServeArgs),
    /// Keep credentials: secrets sealed under a data key in the OS keychain.
    #[command(subcommand)]
    Vault(vault::VaultCommand),
    /// Print a curl command whose signature headers the flow's HMAC-guarded hook accepts.
    Sign {
        /// Flow id or slug.
        flow: String,
        /// The request body to sign, sent byte for byte.
        #[arg(long, value_name = "FILE")]
        body: PathBuf,
        /// Where the listener runs (default: where `hookline serve` on this data dir listens, else the Settings address).
        #[arg(long)]
        url: Option<String>,
    },
    /// Demo services, for following the tutorials offline.
    #[command(subcommand)]
    Demo(DemoCommand),
    /// Evaluate a step's mapped inputs against the current samples and print them as JSON (exit 1 when a check fails).
    Preview {
        /// Flow id or slug.
        flow: String,
        /// The step's id (stp_…).
        #[arg(long)]
        step: String,
        /// Use the trigger's sample number N (0 = newest) instead of its current one.
        #[arg(long, value_name = "N")]
        sample: Option<usize>,
    },
    /// List the components flows can use.
    Components {
        #[arg(long)]
        json: bool,
    },
    /// Read or change Settings.
    #[command(subcommand)]
    Settings(SettingsCommand),
    /// Apply the database's migrations (the data dir's SQLite file, or
    /// --database-url) and print its schema version.
    Migrate,
    /// Copy this machine's SQLite database into an empty PostgreSQL
    /// database, in one transaction: everything, or on any error nothing.
    MigrateData {
        /// The database to copy (default: the data dir's).
        #[arg(long, value_name = "sqlite://PATH")]
        from: Option<String>,
        /// The PostgreSQL database to copy into (default: --database-url).
        #[arg(long, value_name = "postgres://…")]
        to: Option<String>,
    },
}

#[derive(Subcommand)]
enum SettingsCommand {
    /// Every setting and its value (listenAddress, allowedHosts,
    /// eventsCredential, allowedFolders, allowedCommands).
    List {
        #[arg(long)]
        json: bool,
    },
    /// One setting's value (a list one item a line).
    Get {
        key: String,
        #[arg(long)]
        json: bool,
    },
    /// Save a setting: `set allowedFolders /srv/out /home/me/exports` replaces
    /// the list; no value, or --clear, empties it.
    Set {
        key: String,
        values: Vec<String>,
        /// Empty the list (or clear eventsCredential).
        #[arg(long, conflicts_with = "values")]
        clear: bool,
        #[arg(long)]
        json: bool,
    },
    /// Print the settings as JSON, with the listener's state.
    Show,
    /// The vault credential callers of POST /events/{name} must present;
    /// without NAME, any caller the listener admits may emit events.
    EventsCredential { name: Option<String> },
}

#[derive(Args)]
struct ServeArgs {
    /// Address to listen on (default: the one in Settings, 127.0.0.1:8787 at first).
    #[arg(long, value_name = "ADDRESS")]
    listen: Option<String>,
    /// Also serve the designer to a browser, behind a token printed as a URL.
    #[arg(long)]
    ui: bool,
    /// Let --ui serve a non-loopback address (the token then travels in
    /// clear over plain HTTP).
    #[arg(long, requires = "ui")]
    ui_allow_remote: bool,
    /// The built designer (default: beside the binary, or the source tree's ui/dist).
    #[arg(long, value_name = "DIR", env = "HOOKLINE_UI_DIR")]
    ui_dir: Option<PathBuf>,
    /// Largest request body accepted, in bytes (413 above it).
    #[arg(long, default_value_t = 10 * 1024 * 1024, value_name = "BYTES")]
    body_limit: usize,
    /// Most accepted executions waiting to run before hooks answer 503.
    #[arg(long, default_value_t = 10_000, value_name = "N")]
    queue_bound: usize,
    /// Executions running at the same time.
    #[arg(long, default_value_t = 64, value_name = "N")]
    concurrency: usize,
    /// A host name requests may name in `Host` besides addresses and
    /// localhost, such as a tunnel's (repeat for more; Settings keeps a list too).
    #[arg(long = "allowed-host", value_name = "HOST")]
    allowed_hosts: Vec<String>,
    /// Seconds a client has to send a request's headers; an idle keep-alive
    /// connection is closed after as long.
    #[arg(long, default_value_t = 15, value_parser = clap::value_parser!(u64).range(1..), value_name = "SECS")]
    header_timeout: u64,
    /// Seconds a request's body may take to arrive (408 after that).
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..), value_name = "SECS")]
    body_timeout: u64,
    /// Connections open at once; more wait until one closes.
    #[arg(long, default_value_t = 1024, value_name = "N")]
    max_connections: usize,
    /// What this process does beside others on one PostgreSQL database:
    /// `all` serves hooks and runs executions, `intake` serves hooks and
    /// queues their executions for workers, `worker` runs queued executions
    /// and serves no hooks.
    #[arg(long, value_enum, default_value_t = RoleArg::All)]
    role: RoleArg,
    #[command(flatten)]
    retention: RetentionArgs,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum RoleArg {
    All,
    Intake,
    Worker,
}

impl From<RoleArg> for hookline_api::Role {
    fn from(role: RoleArg) -> Self {
        match role {
            RoleArg::All => hookline_api::Role::All,
            RoleArg::Intake => hookline_api::Role::Intake,
            RoleArg::Worker => hookline_api::Role::Worker,
        }
    }
}

/// What the store keeps; `serve` prunes by it in the background and
/// `storage prune` at once.
#[derive(Args)]
struct RetentionArgs {
    /// Days finished executions, refused requests, idempotency keys and
    /// captures are kept.
    #[arg(long, default_value_t = 14, value_parser = clap::value_parser!(u32).range(1..), value_name = "DAYS")]
    retention_days: u32,
    /// Finished executions kept per flow; the oldest beyond go first.
    #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u32).range(1..), value_name = "N")]
    keep_executions: u32,
}

#[derive(Subcommand)]
enum StorageCommand {
    /// The database's size, its rows per kind and the last prune.
    Status {
        #[arg(long)]
        json: bool,
    },
    /// Delete now what retention no longer keeps and give the room back to the disk.
    Prune {
        #[command(flatten)]
        retention: RetentionArgs,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum DemoCommand {
    /// Serve a small Pets API (POST /pet, GET /pet/{id}, GET /pet?status=) stored in the data dir.
    Petstore {
        #[arg(long, default_value = "127.0.0.1:9000", value_name = "ADDRESS")]
        listen: String,
        /// Require an API key, read from the first line of standard input, in the header --api-key-header.
        #[arg(long, conflicts_with = "basic_user")]
        api_key_from_stdin: bool,
        /// The header that carries the API key (the Petstore API's own is api_key).
        #[arg(long, default_value = "api_key", value_name = "NAME", requires = "api_key_from_stdin")]
        api_key_header: String,
        /// Require Basic authentication as this user; the password is the first line of standard input.
        #[arg(long, value_name = "USER")]
        basic_user: Option<String>,
    },
}

#[derive(Subcommand)]
enum FlowsCommand {
    /// List flows with their state.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Import a flow file (a new flow, or a new draft of the flow with the same id); prints the flow id.
    Import { file: PathBuf },
    /// Export a flow's draft as a flow file (canonical JSON).
    Export {
        flow: String,
        /// Put each step's current sample in the file too (secret headers masked).
        #[arg(long)]
        with_samples: bool,
        #[arg(short = 'o', long = "output", value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Check a flow's draft and list every problem (exit 1 when there is one).
    Validate { flow: String },
    /// Validate the draft and publish it as the next version.
    Publish { flow: String },
    /// Start a published flow: its hooks go live with the latest version.
    Start { flow: String },
    /// Stop a flow.
    Stop { flow: String },
    /// List a flow's published versions.
    Versions {
        flow: String,
        #[arg(long)]
        json: bool,
    },
    /// Print the draft, or a published version, as a flow file.
    Show {
        flow: String,
        #[arg(long, value_name = "N")]
        version: Option<u32>,
    },
    /// Replace the draft with a published version.
    Restore { flow: String, version: u32 },
    /// Make the flow's workflow access token (for Boomerang Flow clients:
    /// `POST /webhook/payload`) and print it, this once. Only its hash is kept.
    Token {
        flow: String,
        /// Replace the flow's token; the old one stops working at once.
        #[arg(long)]
        rotate: bool,
    },
}

#[derive(Args)]
struct RunArgs {
    /// Flow id or webhook slug.
    flow: String,
    /// JSON file with the trigger's output (`-` for standard input); default: the trigger's sample.
    #[arg(long, value_name = "FILE")]
    input: Option<PathBuf>,
    /// Run the draft instead of the latest published version.
    #[arg(long)]
    draft: bool,
    /// A value for a run-form field or an overridable parameter: NAME=VALUE,
    /// read by the declared type (text for a string, JSON otherwise).
    #[arg(long = "param", value_name = "NAME=VALUE")]
    params: Vec<String>,
}

#[derive(Subcommand)]
enum InboxCommand {
    /// List the requests a flow's hook received, newest first.
    List {
        /// Flow id or slug.
        flow: String,
        #[arg(long, default_value_t = 50)]
        limit: u32,
        #[arg(long)]
        json: bool,
    },
    /// Print one request as JSON (secret headers masked), or its raw body.
    Show {
        id: String,
        /// Write the body's bytes exactly as received, and nothing else.
        #[arg(long)]
        raw: bool,
    },
    /// Run a request again against the latest published version, accepted
    /// or refused, and print the new execution as JSON.
    Replay { id: String },
}

/// Which executions: the run log's filters.
#[derive(Args)]
struct ExecutionFilterArgs {
    /// Only this flow (id or slug).
    #[arg(long)]
    flow: Option<String>,
    /// Only this status: queued, running, succeeded, failed or cancelled.
    #[arg(long)]
    status: Option<String>,
    /// Only this trigger kind: webhook, manual, schedule or event.
    #[arg(long)]
    trigger: Option<String>,
    /// Created at or after: a time (2026-12-01T09:30:00Z), a date
    /// (local midnight) or an age (90s, 15m, 2h, 7d, 2w).
    #[arg(long, value_name = "WHEN")]
    since: Option<String>,
    /// Created before; the same forms as --since.
    #[arg(long, value_name = "WHEN")]
    until: Option<String>,
    /// The beginning of an execution id (exe_ optional) or Cells TaskID.
    #[arg(long, value_name = "TEXT")]
    search: Option<String>,
}

impl ExecutionFilterArgs {
    fn is_empty(&self) -> bool {
        [&self.flow, &self.status, &self.trigger, &self.since, &self.until, &self.search].iter().all(|f| f.is_none())
    }

    fn query(self, before: Option<String>, limit: u32) -> Result<ListExecutionsArgs, ApiError> {
        let status = match self.status.as_deref() {
            None => None,
            Some(text) => Some(ExecutionStatus::parse(text).ok_or_else(|| {
                ApiError::new(
                    ErrorCode::InvalidInput,
                    format!("--status {text:?}: use queued, running, succeeded, failed or cancelled"),
                )
            })?),
        };
        let trigger = match self.trigger.as_deref() {
            None => None,
            Some(text) => Some(TriggerSource::parse(text).ok_or_else(|| {
                ApiError::new(
                    ErrorCode::InvalidInput,
                    format!("--trigger {text:?}: use webhook, manual, schedule or event"),
                )
            })?),
        };
        Ok(ListExecutionsArgs {
            flow: self.flow,
            status,
            trigger,
            since: self.since,
            until: self.until,
            search: self.search,
            before,
            limit: Some(limit),
        })
    }
}

#[derive(Subcommand)]
enum ExecutionsCommand {
    /// List executions, newest first, a page at a time.
    List {
        #[command(flatten)]
        filter: ExecutionFilterArgs,
        /// The page after this execution (the last id of the page before).
        #[arg(long, value_name = "ID")]
        before: Option<String>,
        /// Executions per page (1 to 1000).
        #[arg(long, default_value_t = 50)]
        limit: u32,
        /// Every matching execution, page after page, instead of one page.
        #[arg(long, conflicts_with_all = ["before", "limit"])]
        all: bool,
        #[arg(long)]
        json: bool,
    },
    /// Run executions again, each as a new execution that names the one it
    /// replays; name them, or pick them with the filters (oldest first).
    Replay {
        /// Executions to replay.
        ids: Vec<String>,
        #[command(flatten)]
        filter: ExecutionFilterArgs,
        /// At most this many executions picked by the filters (1 to 1000).
        #[arg(long, default_value_t = 100)]
        limit: u32,
        /// The version to run: the one that ran, the latest published, or the draft.
        #[arg(long, default_value = "ran", value_parser = ["ran", "latest", "draft"])]
        version: String,
        /// Where to start: the trigger, or the step that failed (earlier
        /// steps keep their recorded outputs and are not run again).
        #[arg(long, default_value = "trigger", value_parser = ["trigger", "failed"])]
        from: String,
        /// A JSON file (or - for standard input) to use as the trigger output
        /// instead of the original's.
        #[arg(long, value_name = "FILE")]
        input: Option<PathBuf>,
        /// Print the new executions as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Print one execution, with every step, as JSON.
    Show { id: String },
}

fn main() -> ExitCode {
    // A bug must still end with one line, never a backtrace.
    std::panic::set_hook(Box::new(|info| {
        // `hookline … | head` closes the pipe early: stop quietly, as other
        // command-line tools do. (SIGPIPE stays ignored: `serve` writes to
        // sockets whose peers may leave at any time.)
        let message = info.payload_as_str().unwrap_or_default();
        if message.starts_with("failed printing to stdout") && message.contains("Broken pipe") {
            std::process::exit(0);
        }
        eprintln!("error: internal error: {info}");
    }));
    let master_key = hookline_vault::take_master_key();
    let cli = Cli::parse();
    init_logging();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::from(EXIT_ERROR);
        }
    };
    match runtime.block_on(dispatch(cli, master_key)) {
        Ok(code) => code,
        Err(error) => {
            output::print_error(&error);
            ExitCode::from(EXIT_ERROR)
        }
    }
}

/// Diagnostics (warnings, errors with their cause) go to standard error, one
/// line per event, filtered like `RUST_LOG` (default: Hookline's own info and
/// everything's warnings). Standard output stays the command's result.
fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        tracing_subscriber::EnvFilter::new(
            "warn,hookline=info,hookline_api=info,hookline_engine=info,hookline_listener=info,hookline_store=info",
        )
    });
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .compact()
        .try_init();
}

fn data_dir(cli_value: Option<PathBuf>) -> Result<PathBuf, ApiError> {
    cli_value.or_else(|| dirs::data_dir().map(|d| d.join("hookline"))).ok_or_else(|| {
        ApiError::new(ErrorCode::InvalidInput, "no data directory is known for this system; pass --data-dir DIR")
    })
}

async fn dispatch(cli: Cli, master_key: Option<hookline_vault::Sensitive<String>>) -> Result<ExitCode, ApiError> {
    let data_dir = data_dir(cli.data_dir)?;
    if let Command::Demo(DemoCommand::Petstore { listen, api_key_from_stdin, api_key_header, basic_user }) =
        &cli.command
    {
        let access = match (api_key_from_stdin, basic_user) {
            (true, _) => hookline_demo::Access::ApiKey {
                header: api_key_header.clone(),
                key: secret_line("the pet store's API key")?,
            },
            (false, Some(user)) => {
                hookline_demo::Access::Basic { user: user.clone(), password: secret_line("the pet store's password")? }
            }
            (false, None) => hookline_demo::Access::Open,
        };
        return demo_petstore(&data_dir, listen, access).await;
    }
    let mut config = CoreConfig::new(data_dir);
    config.database_url = cli.database_url;
    config.vault.master_key = master_key;
    match cli.command {
        Command::Migrate => return migrate(&config).await,
        Command::MigrateData { from, to } => return migrate_data(&config, from, to).await,
        _ => {}
    }
    let retention = match &cli.command {
        Command::Serve(ServeArgs { retention, .. }) => Some(retention),
        Command::Storage(StorageCommand::Prune { retention, .. }) => Some(retention),
        _ => None,
    };
    if let Some(retention) = retention {
        config.retention.days = retention.retention_days;
        config.retention.executions_per_flow = retention.keep_executions;
    }
    let core = Core::open(config).await?;
    match cli.command {
        Command::Flows(command) => flows(&core, command).await,
        Command::Run(args) => run(&core, args).await,
        Command::Executions(command) => executions(&core, command).await,
        Command::Storage(command) => storage(&core, command).await,
        Command::Inbox(command) => inbox(&core, command).await,
        Command::Capture { flow, timeout } => {
            let wait = std::time::Duration::from_secs(timeout);
            let cursor = core.capture_cursor(&flow, wait).await?;
            eprintln!("waiting up to {timeout} s for a request to /hook-test/{flow} on the running listener (hookline serve)…");
            let cancel = CancellationToken::new();
            let on_interrupt = cancel.clone();
            tokio::spawn(async move {
                if tokio::signal::ctrl_c().await.is_ok() {
                    on_interrupt.cancel();
                }
            });
            let sample = core.wait_for_capture(&cursor, wait, cancel).await?;
            output::print_json(&sample);
            Ok(ExitCode::SUCCESS)
        }
        Command::Serve(args) => serve(core, args).await,
        Command::Settings(SettingsCommand::List { json }) => settings::list(&core, json).await,
        Command::Settings(SettingsCommand::Get { key, json }) => settings::get(&core, &key, json).await,
        Command::Settings(SettingsCommand::Set { key, values, clear, json }) => {
            settings::set(&core, &key, values, clear, json).await
        }
        Command::Settings(SettingsCommand::Show) => {
            output::print_json(&core.settings()?);
            Ok(ExitCode::SUCCESS)
        }
        Command::Settings(SettingsCommand::EventsCredential { name }) => {
            output::print_json(&core.set_events_credential(name.as_deref()).await?);
            Ok(ExitCode::SUCCESS)
        }
        Command::Vault(command) => vault::vault(&core, command).await,
        Command::Sign { flow, body, url } => vault::sign(&core, &flow, &body, url.as_deref()).await,
        Command::Migrate | Command::MigrateData { .. } => unreachable!("handled before the core opens"),
        Command::Demo(_) => unreachable!("handled before the core opens"),
        Command::Preview { flow, step, sample } => {
            let preview = core.preview_step(&flow, &step, sample, None).await?;
            output::print_json(&preview);
            Ok(if preview.is_ok() { ExitCode::SUCCESS } else { ExitCode::from(EXIT_FAILED_RUN) })
        }
        Command::Components { json } => {
            let components = core.components();
            if json {
                output::print_json(&components);
            } else {
                output::print_components(&components);
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn flows(core: &Core, command: FlowsCommand) -> Result<ExitCode, ApiError> {
    match command {
        FlowsCommand::List { json } => {
            let flows = core.list_flows().await?;
            if json {
                output::print_json(&flows);
            } else {
                output::print_flows(&flows);
            }
        }
        FlowsCommand::Import { file } => {
            let text = read_file(&file)?;
            let saved = core.import_flow(&text).await?;
            for problem in &saved.problems {
                eprintln!("warning: {problem}");
            }
            if !saved.problems.is_empty() {
                eprintln!("warning: the draft was saved; fix the problems above before publishing");
            }
            println!("{}", saved.flow_id);
        }
        FlowsCommand::Export { flow, output, with_samples } => {
            let text = core.export_flow(&flow, with_samples).await?;
            match output {
                Some(path) => std::fs::write(&path, text).map_err(|e| io_error(&path, e))?,
                None => print!("{text}"),
            }
        }
        FlowsCommand::Token { flow, rotate } => {
            let made = core.create_flow_token(&flow, rotate).await?;
            // The token alone on standard output, so a script can keep it.
            println!("{}", made.token);
            eprintln!(
                "the token of {} (made {}); it is shown only this once.\nrun the flow:   POST {} with {{\"token\": \"…\"}}\nfollow a run:   GET {} with the same token",
                made.flow_id, made.created_at, made.payload_url, made.status_url
            );
        }
        FlowsCommand::Validate { flow } => {
            let problems = core.validate_flow(&flow).await?;
            if problems.is_empty() {
                println!("no problems");
            } else {
                for problem in &problems {
                    println!("{problem}");
                }
                return Ok(ExitCode::from(EXIT_FAILED_RUN));
            }
        }
        FlowsCommand::Publish { flow } => {
            let version = core.publish(&flow).await?;
            println!("published {} version {}", version.flow_id, version.version);
            for warning in &version.warnings {
                eprintln!("warning: {warning}");
            }
        }
        FlowsCommand::Start { flow } => {
            let flow = core.start(&flow).await?;
            println!("started {} (version {})", flow.id, flow.latest_version.unwrap_or_default());
        }
        FlowsCommand::Stop { flow } => {
            let flow = core.stop(&flow).await?;
            println!("stopped {}", flow.id);
        }
        FlowsCommand::Versions { flow, json } => {
            let versions = core.versions(&flow).await?;
            if json {
                output::print_json(&versions);
            } else {
                output::print_versions(&versions);
            }
        }
        FlowsCommand::Show { flow, version } => {
            let document = match version {
                Some(n) => core.version(&flow, n).await?,
                None => core.get_flow(&flow).await?.draft,
            };
            print!("{}", to_canonical_json(&document).map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))?);
        }
        FlowsCommand::Restore { flow, version } => {
            let saved = core.restore_version(&flow, version).await?;
            println!("restored version {version} into the draft of {}", saved.flow_id);
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// A JSON document from a file, or from standard input for `-`.
fn read_json_input(path: &std::path::Path) -> Result<Value, ApiError> {
    let text = if path.as_os_str() == "-" {
        let mut text = String::new();
        std::io::stdin().read_to_string(&mut text).map_err(|e| io_error(path, e))?;
        text
    } else {
        read_file(path)?
    };
    serde_json::from_str(&text)
        .map_err(|e| ApiError::new(ErrorCode::InvalidInput, format!("{}: not valid JSON: {e}", path.display())))
}

async fn run(core: &Core, args: RunArgs) -> Result<ExitCode, ApiError> {
    let input = args.input.as_deref().map(read_json_input).transpose()?;
    let mut text_params = Vec::new();
    for pair in &args.params {
        let Some((name, value)) = pair.split_once('=') else {
            return Err(ApiError::new(ErrorCode::InvalidInput, format!("--param {pair:?}: expected NAME=VALUE")));
        };
        text_params.push((name.to_string(), value.to_string()));
    }
    // Ctrl-C cancels the execution, which is then recorded as cancelled.
    let cancel = CancellationToken::new();
    let on_interrupt = cancel.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            on_interrupt.cancel();
        }
    });
    let options = RunOptions { input, draft: args.draft, text_params, cancel: Some(cancel), ..Default::default() };
    let execution = core.run_flow(&args.flow, options).await?;
    output::print_json(&execution);
    Ok(if execution.status == ExecutionStatus::Succeeded { ExitCode::SUCCESS } else { ExitCode::from(EXIT_FAILED_RUN) })
}

async fn inbox(core: &Core, command: InboxCommand) -> Result<ExitCode, ApiError> {
    match command {
        InboxCommand::List { flow, limit, json } => {
            let entries = core.list_inbox(&flow, limit).await?;
            if json {
                output::print_json(&entries);
            } else {
                output::print_inbox(&entries);
            }
        }
        InboxCommand::Show { id, raw } => {
            let (view, body) = core.get_inbox(&id).await?;
            if raw {
                use std::io::Write;
                let mut stdout = std::io::stdout().lock();
                stdout
                    .write_all(&body)
                    .and_then(|()| stdout.flush())
                    .map_err(|e| io_error(std::path::Path::new("stdout"), e))?;
            } else {
                output::print_json(&view);
            }
        }
        InboxCommand::Replay { id } => {
            let execution = core.replay_inbox(&id).await?;
            output::print_json(&execution);
            if execution.status != ExecutionStatus::Succeeded {
                return Ok(ExitCode::from(EXIT_FAILED_RUN));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn executions(core: &Core, command: ExecutionsCommand) -> Result<ExitCode, ApiError> {
    match command {
        ExecutionsCommand::List { filter, before, limit, json, all } => {
            let query = filter.query(before, if all { hookline_api::MAX_PAGE } else { limit })?;
            let list = if all { every_execution(core, query).await? } else { core.list_executions(query).await? };
            if json {
                output::print_json(&list);
            } else {
                output::print_executions(&list);
                // A full page may have more behind it: say how to get it,
                // on stderr so the table stays clean for pipes.
                if list.len() == limit as usize {
                    if let Some(last) = list.last() {
                        eprintln!("more: add --before {}", last.id);
                    }
                }
            }
        }
        ExecutionsCommand::Replay { ids, filter, limit, version, from, input, json } => {
            return replay(core, ids, filter, limit, &version, &from, input.as_deref(), json).await;
        }
        ExecutionsCommand::Show { id } => output::print_json(&core.get_execution(&id).await?),
    }
    Ok(ExitCode::SUCCESS)
}

/// Every execution `query` matches, newest first, read a page at a time.
async fn every_execution(
    core: &Core,
    mut query: ListExecutionsArgs,
) -> Result<Vec<hookline_model::ExecutionSummary>, ApiError> {
    let mut all = Vec::new();
    loop {
        let page = core.list_executions(query.clone()).await?;
        let full = page.len() == hookline_api::MAX_PAGE as usize;
        query.before = page.last().map(|last| last.id.clone());
        all.extend(page);
        if !full {
            return Ok(all);
        }
    }
}

/// Replays each execution named or picked, one after the other, saying how
/// each went: exit 0 when every replay succeeded, 1 when one failed, 2 when
/// one could not be replayed at all (the others still are).
#[allow(clippy::too_many_arguments)]
async fn replay(
    core: &Core,
    ids: Vec<String>,
    filter: ExecutionFilterArgs,
    limit: u32,
    version: &str,
    from: &str,
    input: Option<&std::path::Path>,
    json: bool,
) -> Result<ExitCode, ApiError> {
    let options = hookline_api::ReplayOptions {
        version: serde_json::from_value(Value::String(version.into())).expect("clap checked the version"),
        from: serde_json::from_value(Value::String(from.into())).expect("clap checked the start"),
        input: input.map(read_json_input).transpose()?,
    };
    let ids = match (ids.is_empty(), filter.is_empty()) {
        (false, true) => ids,
        (true, false) => {
            let picked = core.list_executions(filter.query(None, limit)?).await?;
            picked.into_iter().rev().map(|summary| summary.id).collect()
        }
        (false, false) => {
            return Err(ApiError::new(ErrorCode::InvalidInput, "name executions or pick them with filters, not both"))
        }
        (true, true) => {
            return Err(ApiError::new(
                ErrorCode::InvalidInput,
                "name the executions to replay, or pick them with --status, --flow, --trigger, --since, --until or --search",
            ))
        }
    };
    let (mut succeeded, mut failed, mut refused) = (0, 0, 0);
    let mut replays = Vec::new();
    for (n, id) in ids.iter().enumerate() {
        match core.replay_execution(id, options.clone()).await {
            Ok(execution) => {
                if execution.status == ExecutionStatus::Succeeded {
                    succeeded += 1;
                } else {
                    failed += 1;
                }
                if !json {
                    let error = execution.error.as_deref().map(|e| format!(": {e}")).unwrap_or_default();
                    println!("[{}/{}] {id} → {} {}{error}", n + 1, ids.len(), execution.id, execution.status);
                }
                replays.push(execution);
            }
            Err(error) => {
                refused += 1;
                eprintln!("[{}/{}] {id}: not replayed: {}", n + 1, ids.len(), error.message);
            }
        }
    }
    if json {
        output::print_json(&replays);
    } else {
        println!("replayed {}: {succeeded} succeeded, {failed} failed, {refused} not replayed", ids.len());
    }
    Ok(match (refused, failed) {
        (0, 0) => ExitCode::SUCCESS,
        (0, _) => ExitCode::from(EXIT_FAILED_RUN),
        _ => ExitCode::from(EXIT_ERROR),
    })
}

/// Applies the database's migrations and says what that did.
async fn migrate(config: &CoreConfig) -> Result<ExitCode, ApiError> {
    let report = hookline_api::migrate(config).await?;
    match report.applied {
        0 => println!("{}: up to date, schema version {}", report.database, report.version),
        1 => println!("{}: applied 1 migration, schema version {}", report.database, report.version),
        n => println!("{}: applied {n} migrations, schema version {}", report.database, report.version),
    }
    Ok(ExitCode::SUCCESS)
}

/// Copies the data dir's (or `--from`'s) SQLite database into `--to` (or
/// `--database-url`) and prints the rows copied per table.
async fn migrate_data(config: &CoreConfig, from: Option<String>, to: Option<String>) -> Result<ExitCode, ApiError> {
    let from =
        from.unwrap_or_else(|| format!("sqlite://{}", config.data_dir.join(hookline_api::DATABASE_FILE).display()));
    let to = to.or_else(|| config.database_url.clone()).ok_or_else(|| {
        ApiError::new(
            ErrorCode::InvalidInput,
            "name the PostgreSQL database to copy into: --to postgres://USER:PASSWORD@HOST:PORT/DATABASE \
             (or --database-url, or HOOKLINE_DATABASE_URL)",
        )
    })?;
    let report = hookline_api::migrate_data(&from, &to).await?;
    output::table(
        &["TABLE", "ROWS"],
        report.tables.iter().map(|t| vec![t.table.clone(), t.rows.to_string()]).collect(),
    );
    println!("copied {} rows from {} into {} in {} ms", report.rows(), report.from, report.to, report.duration_ms);
    Ok(ExitCode::SUCCESS)
}

async fn storage(core: &Core, command: StorageCommand) -> Result<ExitCode, ApiError> {
    match command {
        StorageCommand::Status { json: true } => output::print_json(&core.storage_status().await?),
        StorageCommand::Status { json: false } => output::print_storage(&core.storage_status().await?),
        StorageCommand::Prune { json, .. } => {
            let report = core.prune_storage().await?;
            if json {
                output::print_json(&report);
            } else {
                println!(
                    "pruned {} rows in {} ms; {} given back to the disk",
                    report.deleted,
                    report.duration_ms,
                    output::bytes(report.freed_bytes)
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn serve(core: Core, args: ServeArgs) -> Result<ExitCode, ApiError> {
    // Found before binding, so a missing UI build fails fast and clearly.
    let ui_dir = if args.ui { Some(web::find_ui_dir(args.ui_dir)?) } else { None };
    // On a shared database, a process given another key than the vault's says so before it serves.
    vault::check_at_start(&core).await?;
    if args.ui {
        // The designer's API can change every flow and read the run log:
        // serving it beyond this machine is a decision, not a default.
        let address = match &args.listen {
            Some(address) => address.clone(),
            None => core.listen_address()?,
        };
        let ip = hookline_api::parse_address(&address)?.ip();
        if !ip.is_loopback() && !args.ui_allow_remote {
            return Err(ApiError::new(
                ErrorCode::InvalidInput,
                format!(
                    "--ui would serve the designer and its API on {address}, reachable from other machines; listen on 127.0.0.1, or add --ui-allow-remote if you mean it"
                ),
            ));
        }
        if !ip.is_loopback() {
            eprintln!(
                "warning: the designer is served on {address} over plain HTTP: its token travels in clear, so anyone on the network path can read it and then change your flows"
            );
        }
    }
    if args.role != RoleArg::All && !core.shares_database() {
        return Err(ApiError::new(
            ErrorCode::InvalidInput,
            "--role intake and --role worker split the work between processes that share one database: \
             pass --database-url postgres://USER:PASSWORD@HOST:PORT/DATABASE (or set HOOKLINE_DATABASE_URL)",
        ));
    }
    let core = std::sync::Arc::new(core);
    core.allow_hosts(args.allowed_hosts);
    let recovered = core
        .start_runner(hookline_api::RunnerConfig {
            concurrency: args.concurrency,
            queue_bound: args.queue_bound,
            role: args.role.into(),
            ..Default::default()
        })
        .await?;
    println!("recovered {recovered} unfinished execution(s)");
    if args.role == RoleArg::Worker {
        println!("working: running executions from the shared queue; serving no hooks");
        stop_signal().await;
        core.shutdown();
        println!("stopped");
        return Ok(ExitCode::SUCCESS);
    }
    let token = web::new_token();
    let extra = ui_dir.as_deref().map(|dir| web::router(core.clone(), token.clone(), dir));
    let (hosted, address) = hookline_listener::host(
        core.clone(),
        hookline_listener::ListenerOptions {
            config: hookline_listener::ListenerConfig {
                body_limit: args.body_limit,
                body_timeout: std::time::Duration::from_secs(args.body_timeout),
                log_requests: true,
                connections: hookline_listener::ConnectionLimits {
                    header_timeout: std::time::Duration::from_secs(args.header_timeout),
                    max_connections: args.max_connections,
                },
            },
            address: args.listen,
            extra,
            follow_settings: false,
        },
    )
    .await;
    let address = address?;
    println!("listening on http://{address}");
    if ui_dir.is_some() {
        println!("designer: http://{address}/?token={token}");
    }
    for flow in core.list_flows().await?.iter().filter(|f| f.live) {
        if let Some(next) = &flow.next_fire_at {
            println!("  {} -> on schedule, next fire at {next}", flow.name);
            continue;
        }
        let key = flow.slug.as_deref().unwrap_or(&flow.id);
        println!("  {} -> http://{address}/hook/{key}", flow.name);
    }
    // In-flight requests are answered before the process ends; executions not
    // yet finished stay queued or running in the store and resume at the next start.
    stop_signal().await;
    hosted.stop().await;
    core.shutdown();
    println!("stopped");
    Ok(ExitCode::SUCCESS)
}

/// Resolves on Ctrl-C or SIGTERM.
async fn stop_signal() {
    #[cfg(unix)]
    {
        let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(term) => term,
            Err(_) => return std::future::pending().await,
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = tokio::signal::ctrl_c().await;
}

/// Binds `listen`, naming the address in the error a user can act on.
async fn bind(listen: &str) -> Result<tokio::net::TcpListener, ApiError> {
    let address: std::net::SocketAddr = listen.parse().map_err(|_| {
        ApiError::new(
            ErrorCode::InvalidInput,
            format!("--listen {listen:?}: expected HOST:PORT such as 127.0.0.1:9000"),
        )
    })?;
    hookline_listener::bind(address, "choose another with --listen").await
}

/// The first line of standard input, which must not be empty: a secret
/// never travels as an argument, where other users' `ps` would see it.
fn secret_line(what: &str) -> Result<String, ApiError> {
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .map_err(|e| ApiError::new(ErrorCode::InvalidInput, format!("cannot read standard input: {e}")))?;
    let secret = line.trim_end_matches(['\r', '\n']).to_string();
    if secret.is_empty() {
        return Err(ApiError::new(ErrorCode::InvalidInput, format!("give {what} on the first line of standard input")));
    }
    Ok(secret)
}

async fn demo_petstore(
    data_dir: &std::path::Path,
    listen: &str,
    access: hookline_demo::Access,
) -> Result<ExitCode, ApiError> {
    std::fs::create_dir_all(data_dir).map_err(|e| io_error(data_dir, e))?;
    let path = data_dir.join("demo-petstore.db");
    let store = hookline_demo::PetStore::open(&path)
        .await
        .map_err(|e| ApiError::new(ErrorCode::Internal, format!("cannot open {}: {e}", path.display())))?;
    let listener = bind(listen).await?;
    let address = listener.local_addr().map_err(|e| ApiError::new(ErrorCode::Internal, e.to_string()))?;
    let guard = match &access {
        hookline_demo::Access::Open => String::new(),
        hookline_demo::Access::ApiKey { header, .. } => format!(", API key in the {header} header"),
        hookline_demo::Access::Basic { user, .. } => format!(", Basic authentication as {user}"),
    };
    println!(
        "pet store listening on http://{address} (POST /pet, GET /pet/{{id}}, GET /pet?status={guard}); Ctrl-C stops it"
    );
    let shutdown = CancellationToken::new();
    let on_interrupt = shutdown.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            on_interrupt.cancel();
        }
    });
    hookline_demo::serve(listener, store, access, shutdown)
        .await
        .map_err(|e| ApiError::new(ErrorCode::Internal, format!("the pet store stopped: {e}")))?;
    Ok(ExitCode::SUCCESS)
}

fn read_file(path: &std::path::Path) -> Result<String, ApiError> {
    std::fs::read_to_string(path).map_err(|e| io_error(path, e))
}

fn io_error(path: &std::path::Path, error: std::io::Error) -> ApiError {
    ApiError::new(ErrorCode::InvalidInput, format!("{}: {error}", path.display()))
}
