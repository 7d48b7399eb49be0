//! Bounded storage: what retention forgets, when, and what the database
//! holds. The process that runs executions prunes in the background; Settings
//! and `hookline storage status|prune` show the figures and prune at once.

use std::time::{Duration, Instant, SystemTime};

use hookline_model::timestamp;
use hookline_store::{Retention, Store};
use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;

use crate::{Core, Result, DATABASE_FILE};

/// How often the process that runs executions prunes what retention no
/// longer keeps, how many rows of a table one batch deletes, and the pause
/// between batches. Pruning every minute keeps each round small; a batch
/// holds the one writer for a few milliseconds, so hooks committing meanwhile
/// barely notice, and the pause lets their queued writes through.
const PRUNE_EVERY: Duration = Duration::from_secs(60);
const PRUNE_BATCH: u32 = 50;
/// Each batch holds the one writer hooks commit through: resting four times
/// as long as a batch took keeps a backlog of a million rows from taking more
/// than a fifth of the writer (and of a core) while it drains.
const BACKGROUND: Pace = Pace { pause: Duration::from_millis(25), rest: 4 };
/// Free pages given back per background round (4 MiB of 4 KiB pages), so a
/// large prune returns its room over several rounds instead of in one stall.
const RECLAIM_PAGES: u32 = 1024;
const LAST_PRUNE: &str = "last_prune";

/// How a prune rests between batches: at least `pause`, and `rest` times as
/// long as the batch took.
#[derive(Debug, Clone, Copy)]
struct Pace {
    pause: Duration,
    rest: u32,
}

/// One prune: when, how many rows went and how much room came back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(rename_all = "camelCase")]
pub struct PruneReport {
    pub at: String,
    #[ts(type = "number")]
    pub deleted: u64,
    #[ts(type = "number")]
    pub freed_bytes: u64,
    #[ts(type = "number")]
    pub duration_ms: u64,
}

/// Rows of one kind.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
#[serde(rename_all = "camelCase")]
pub struct TableRows {
    pub table: String,
    #[ts(type = "number")]
    pub rows: u64,
}

/// Whether this process can serve hooks, as `/readyz` reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Readiness {
    pub ready: bool,
    /// `ok`, or why the database does not answer.
    pub database: String,
}

/// What Storage shows.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
#[serde(rename_all = "camelCase")]
pub struct StorageStatus {
    /// The database file, the pages in use and the free ones.
    #[ts(type = "number")]
    pub database_bytes: u64,
    /// Room inside the file freed by deletes and not yet given back.
    #[ts(type = "number")]
    pub free_bytes: u64,
    /// The write-ahead log beside it.
    #[ts(type = "number")]
    pub wal_bytes: u64,
    pub rows: Vec<TableRows>,
    pub last_prune: Option<PruneReport>,
    pub retention_days: u32,
    pub executions_per_flow: u32,
}

impl Core {
    /// Whether the database answers: what a load balancer asks before it
    /// sends hooks here. The cause of a failure is logged, and named.
    pub async fn readiness(&self) -> Readiness {
        match self.store.ping().await {
            Ok(()) => Readiness { ready: true, database: "ok".into() },
            Err(error) => {
                tracing::warn!(%error, "the database does not answer: not ready");
                Readiness { ready: false, database: error.to_string() }
            }
        }
    }

    pub async fn storage_status(&self) -> Result<StorageStatus> {
        let pages = self.store.pages().await?;
        let file_size = |suffix: &str| {
            std::fs::metadata(self.data_dir.join(format!("{DATABASE_FILE}{suffix}"))).map(|m| m.len()).unwrap_or(0)
        };
        let rows = self.store.row_counts().await?;
        Ok(StorageStatus {
            database_bytes: file_size("").max(pages.size * pages.count),
            free_bytes: pages.size * pages.free,
            wal_bytes: file_size("-wal"),
            rows: rows.into_iter().map(|(table, rows)| TableRows { table: table.to_string(), rows }).collect(),
            last_prune: last_prune(&self.store).await,
            retention_days: self.retention.days,
            executions_per_flow: self.retention.executions_per_flow,
        })
    }

    /// Prunes everything retention no longer keeps now, gives the room back
    /// and empties the WAL. Unfinished executions are never touched.
    pub async fn prune_storage(&self) -> Result<PruneReport> {
        // Larger batches than the background's: someone asked and waits, but
        // a hook arriving meanwhile still gets the writer between batches.
        let pace = Pace { pause: Duration::from_millis(2), rest: 0 };
        Ok(prune(&self.store, &self.retention, 1000, pace, 0, true, None).await?)
    }

    pub(crate) fn spawn_pruning(&self) {
        tokio::spawn(prune_now_and_then(self.store.clone(), self.retention, self.stop.clone()));
    }
}

async fn last_prune(store: &Store) -> Option<PruneReport> {
    let text = store.meta(LAST_PRUNE).await.ok()??;
    serde_json::from_str(&text).ok()
}

/// Deletes in batches until a batch comes back short, gives back up to
/// `reclaim_pages` free pages (0: all of them), and records the report.
async fn prune(
    store: &Store,
    retention: &Retention,
    batch: u32,
    pace: Pace,
    reclaim_pages: u32,
    truncate: bool,
    stop: Option<&CancellationToken>,
) -> std::result::Result<PruneReport, hookline_store::StoreError> {
    let started = Instant::now();
    let now = SystemTime::now();
    let before = timestamp(now - Duration::from_secs(u64::from(retention.days) * 24 * 60 * 60));
    let mut deleted = 0;
    loop {
        let batch_started = Instant::now();
        let went = store.prune(retention, &before, &timestamp(now), batch).await?;
        deleted += went;
        if went < u64::from(batch) {
            break;
        }
        tracing::debug!(deleted = went, "pruned a batch past retention");
        // Deleting dirties pages all over the indexes: checkpointing here
        // spares the hooks' commits the checkpoints the WAL would ask of them.
        store.checkpoint().await?;
        let rest = pace.pause.max(batch_started.elapsed() * pace.rest);
        match stop {
            Some(stop) => tokio::select! {
                () = tokio::time::sleep(rest) => {}
                () = stop.cancelled() => break,
            },
            None => tokio::time::sleep(rest).await,
        }
    }
    let page_size = store.pages().await?.size;
    let freed_pages = store.reclaim(reclaim_pages, truncate).await?;
    let report = PruneReport {
        at: timestamp(now),
        deleted,
        freed_bytes: freed_pages * page_size,
        duration_ms: started.elapsed().as_millis() as u64,
    };
    store.set_meta(LAST_PRUNE, &serde_json::to_string(&report).expect("a report serialises")).await?;
    if deleted > 0 {
        tracing::info!(deleted, freed_bytes = report.freed_bytes, "pruned what retention no longer keeps");
    }
    Ok(report)
}

/// Prunes the store now and every [`PRUNE_EVERY`] until `stop`, in small
/// batches with a pause between them, so hooks keep the writer.
async fn prune_now_and_then(store: Store, retention: Retention, stop: CancellationToken) {
    loop {
        if let Err(error) = prune(&store, &retention, PRUNE_BATCH, BACKGROUND, RECLAIM_PAGES, false, Some(&stop)).await
        {
            tracing::warn!(%error, "could not prune what retention no longer keeps; trying again later");
        }
        tokio::select! {
            () = tokio::time::sleep(PRUNE_EVERY) => {}
            () = stop.cancelled() => return,
        }
    }
}
