//! The types of the store's API, shared by both backends (the queries in
//! `src/sql/` are compiled once per backend; these are declared once).

use hookline_model::{Execution, ExecutionStatus, HookRequest, InboxEntry, StepRun, TriggerSource};
use sqlx::FromRow;

/// Which executions to list. Newest first, at most `limit` (a page);
/// `before` continues after the last row of the page before.
#[derive(Debug, Clone, Default)]
pub struct ExecutionFilter {
    pub flow_id: Option<String>,
    pub status: Option<ExecutionStatus>,
    pub trigger: Option<TriggerSource>,
    /// Created at or after this timestamp (the store's RFC 3339 form).
    pub since: Option<String>,
    /// Created before this timestamp.
    pub until: Option<String>,
    /// Part of the execution id (a Cells TaskID is the execution's id).
    pub search: Option<String>,
    /// The `(created_at, id)` of the last row already shown.
    pub before: Option<(String, String)>,
    pub limit: Option<u32>,
}

pub(crate) const DEFAULT_LIMIT: u32 = 100;

/// The largest page: a run log pages instead of loading everything.
pub const MAX_PAGE: u32 = 1000;

/// An execution as stored. A hook's execution keeps no copy of its input:
/// `request` is the request it came from (its inbox entry), from which the
/// trigger builds the input again; `execution.input` is then `null`. The
/// trigger's step run keeps no output either, for the same reason: it is the
/// input. The engine's `load_execution` puts both back.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredExecution {
    pub execution: Execution,
    pub request: Option<HookRequest>,
}

/// How many executions a flow had in one period, and how many failed.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct ActivityCount {
    pub flow_id: String,
    /// The period: the UTC hour (`2026-12-04T09`) for
    /// [`Store::activity_by_hour`], empty for [`Store::activity_since`].
    pub period: String,
    pub runs: i64,
    pub failed: i64,
}

/// See [`Store::hook_target`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HookTarget {
    pub flow_id: String,
    pub live: bool,
    pub latest_version: Option<u32>,
    /// The key is a slug only the flow's draft has: no hook answers under it
    /// until it is published.
    pub draft_slug_only: bool,
}

/// A new execution to store: from a hook request (with its inbox entry and,
/// when the caller sent one, its idempotency key) or from a manual run.
#[derive(Debug, Clone)]
pub struct Acceptance {
    pub execution: Execution,
    pub inbox: Option<InboxEntry>,
    pub idempotency_key: Option<String>,
    /// Keys first seen before this moment have expired.
    pub dedupe_since: String,
    /// The process that will run it, and until when its claim holds.
    pub claim: Claim,
    /// The execution's id was chosen by the caller (a Cells `TaskID`), so
    /// it may already be taken; a generated id never is.
    pub chosen_id: bool,
}

/// Which process runs an execution, until when unless renewed (see
/// [`Store::renew_claims`] and [`Store::claim_expired`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    pub owner: String,
    /// A timestamp; the claim has expired once it is in the past.
    pub until: String,
}

#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum Write {
    /// A new execution with its inbox entry (see [`Store::accept_batch`]).
    Accept(Acceptance),
    /// A step's run, inserted or replaced.
    StepRun { execution_id: String, seq: u32, run: StepRun },
    /// An execution's outcome.
    Finish(Execution),
    /// One batch of what retention no longer keeps.
    Prune(PruneBatch),
}

/// One batch of retention's deletes: at most `batch` rows of each kind in
/// `scope`. It travels through the journal like an accept, so its deletes
/// share the commit (and the fsync) hooks already wait for instead of taking
/// the writer for a commit of their own.
#[derive(Debug, Clone)]
pub struct PruneBatch {
    pub scope: PruneScope,
    pub batch: u32,
}

/// What a [`PruneBatch`] deletes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PruneScope {
    /// Everything older than `before` (finished executions with their step
    /// runs and requests, refused requests, idempotency keys, captures,
    /// schedule fires but each flow's newest) and the capture windows
    /// closed by `now`.
    Age { before: String, now: String },
    /// One flow's rows of one kind beyond the count retention keeps.
    Surplus(Surplus),
}

/// A flow's rows of one kind older than the oldest one retention keeps by
/// count. Finding that row reads the flow's index (tens of thousands of
/// entries), so it is looked up once per prune, outside the writer; the
/// deletes then walk an index range, as the age pass does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Surplus {
    /// Finished executions created before `before`.
    Executions { flow_id: String, before: String },
    /// Refused requests received before `before`.
    Refused { flow_id: String, before: String },
    /// Captures with an id below `below`.
    Captures { flow_id: String, below: i64 },
    /// Schedule fires of slots before `before`.
    ScheduleFires { flow_id: String, before: String },
}

/// What one [`PruneBatch`] deleted: rows of every kind, whether every kind
/// came back short of the batch (the scope has caught up), and whether the
/// commit also carried other writes (hooks waited for these deletes).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pruned {
    pub rows: u64,
    pub caught_up: bool,
    pub shared: bool,
}

/// What became of one [`Write`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Written {
    Accepted(Accepted),
    Pruned(Pruned),
    /// A step run or an outcome, stored.
    Stored,
}

/// What became of an [`Acceptance`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Accepted {
    /// The execution was stored.
    Created,
    /// The key was seen within the window: nothing new was stored to run;
    /// this is the execution the key started.
    Duplicate(String),
    /// The chosen execution id is already an execution's: nothing was
    /// stored to run.
    IdTaken,
}

/// Step inputs and outputs (and the outcome) larger than this, as JSON text,
/// are cut down in the run log of an execution that did not fail; a failed
/// one keeps them whole, since that is when they are read.
pub const LOGGED_PAYLOAD_LIMIT: i64 = 256 * 1024;

/// How long and how much the store keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    /// Finished executions, refused requests, idempotency keys and captures
    /// older than this many days are deleted.
    pub days: u32,
    /// Finished executions kept per flow (with their step runs and requests).
    pub executions_per_flow: u32,
    /// Refused requests kept per flow (and for names no flow has, together).
    pub rejected_per_flow: u32,
    /// Captured test requests kept per flow.
    pub captures_per_flow: u32,
}

impl Default for Retention {
    fn default() -> Self {
        Retention { days: 14, executions_per_flow: 10_000, rejected_per_flow: 1_000, captures_per_flow: 100 }
    }
}

/// A started flow's newest published version: what the scheduler runs.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct LiveVersion {
    pub flow_id: String,
    #[sqlx(try_from = "i64")]
    pub version: u32,
    /// When the version was published (an RFC 3339 timestamp): no fire of
    /// its schedule is due before it.
    pub published_at: String,
}

/// Pages of the database file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pages {
    pub size: u64,
    pub count: u64,
    /// Pages freed by deletes and not yet given back to the file system.
    pub free: u64,
}

/// A credential as stored: non-secret fields as JSON text, secrets sealed.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct CredentialRow {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub fields: String,
    pub sealed: Vec<u8>,
    pub created_at: String,
    pub updated_at: String,
    pub verified_at: Option<String>,
    pub verify_ok: Option<bool>,
    pub verify_message: Option<String>,
}

/// A cached OAuth2 token: sealed, with its expiry and last error in clear.
#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct TokenRow {
    pub credential_id: String,
    pub sealed: Option<Vec<u8>>,
    pub expires_at: Option<String>,
    pub fetched_at: Option<String>,
    pub last_error: Option<String>,
}

/// A credential sealed again under a new key (see [`Store::reseal`]).
#[derive(Debug, Clone)]
pub struct Resealed {
    pub id: String,
    pub sealed: Vec<u8>,
}

/// What a process tells the others that share its PostgreSQL database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// Executions were queued for any worker to claim.
    Queued,
    /// An execution ended (its id): a process waiting to answer the
    /// request that started it can read its outcome.
    Finished(String),
}
