//! Bounded storage: what retention forgets, when, and what the database
//! holds. The process that runs executions prunes in the background; Settings
//! and `hookline storage status|prune` show the figures and prune at once.

use std::time::{Duration, Instant, SystemTime};

use hookline_engine::{EngineError, Journal};
use hookline_model::timestamp;
use hookline_store::{PruneBatch, PruneScope, Retention, Store};
use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;

use crate::{Core, Result, DATABASE_FILE};

/// How often the process that runs executions prunes what retention no
/// longer keeps, and how many rows of a kind one batch deletes. Pruning
/// every minute keeps each round small. A batch rides in the journal's next
/// commit, so it costs no fsync of its own; when hooks share that commit,
/// the journal trims the batch to fewer rows.
const PRUNE_EVERY: Duration = Duration::from_secs(60);
const PRUNE_BATCH: u32 = 200;
/// Pruning yields to intake. A batch that shared its commit with hooks'
/// writes made those hooks wait for its deletes (the pages it dirtied went to
/// the WAL with theirs), so the next one waits long enough that under any
/// load only a few commits a second carry deletes, which keeps them off the
/// hooks' p99. A batch alone in its commit delayed nobody: an idle listener
/// prunes at full speed.
const BACKGROUND: Pace = Pace { alone: Duration::from_millis(1), shared: Duration::from_millis(500) };
/// How often a prune copies the WAL into the database while it deletes.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(100);
/// Free pages given back per background round (4 MiB of 4 KiB pages), so a
/// large prune returns its room over several rounds instead of in one stall.
const RECLAIM_PAGES: u32 = 1024;
const LAST_PRUNE: &str = "last_prune";

/// How long a prune rests after a batch that committed alone, and after one
/// that shared its commit with hooks.
#[derive(Debug, Clone, Copy)]
struct Pace {
    alone: Duration,
    shared: Duration,
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
        // Larger batches than the background's, and a shorter rest when hooks
        // share the commits: someone asked and waits.
        let pace = Pace { alone: Duration::from_millis(2), shared: Duration::from_millis(50) };
        let pruner = Pruner { store: &self.store, journal: self.engine.journal(), retention: &self.retention };
        pruner.prune(1000, pace, 0, true, None).await
    }

    pub(crate) fn spawn_pruning(&self) {
        let (store, journal, retention, stop) =
            (self.store.clone(), self.engine.journal().clone(), self.retention, self.stop.clone());
        tokio::spawn(async move {
            Pruner { store: &store, journal: &journal, retention: &retention }.now_and_then(stop).await
        });
    }
}

async fn last_prune(store: &Store) -> Option<PruneReport> {
    let text = store.meta(LAST_PRUNE).await.ok()??;
    serde_json::from_str(&text).ok()
}

/// One prune under way: how it goes and what it has deleted so far.
struct Round<'a> {
    batch: u32,
    pace: Pace,
    stop: Option<&'a CancellationToken>,
    deleted: u64,
    checkpointed: Instant,
}

/// What a prune works with: the store, and the journal that carries its
/// deletes into the commits hooks wait for.
struct Pruner<'a> {
    store: &'a Store,
    journal: &'a Journal,
    retention: &'a Retention,
}

impl Pruner<'_> {
    /// Deletes in batches until a batch comes back short, gives back up to
    /// `reclaim_pages` free pages (0: all of them), and records the report.
    async fn prune(
        &self,
        batch: u32,
        pace: Pace,
        reclaim_pages: u32,
        truncate: bool,
        stop: Option<&CancellationToken>,
    ) -> Result<PruneReport> {
        let started = Instant::now();
        let now = SystemTime::now();
        let before = timestamp(now - Duration::from_secs(u64::from(self.retention.days) * 24 * 60 * 60));
        let mut round = Round { batch, pace, stop, deleted: 0, checkpointed: Instant::now() };
        // The age pass first, then each flow's rows beyond the counts kept.
        // Both ride in the journal's commits, a batch at a time.
        if self.drain(&mut round, PruneScope::Age { before, now: timestamp(now) }).await? {
            for surplus in self.store.surplus(self.retention).await? {
                if !self.drain(&mut round, PruneScope::Surplus(surplus)).await? {
                    break;
                }
            }
        }
        let deleted = round.deleted;
        let page_size = self.store.pages().await?.size;
        let freed_pages = self.store.reclaim(reclaim_pages, truncate).await?;
        let report = PruneReport {
            at: timestamp(now),
            deleted,
            freed_bytes: freed_pages * page_size,
            duration_ms: started.elapsed().as_millis() as u64,
        };
        self.store.set_meta(LAST_PRUNE, &serde_json::to_string(&report).expect("a report serialises")).await?;
        if deleted > 0 {
            tracing::info!(deleted, freed_bytes = report.freed_bytes, "pruned what retention no longer keeps");
        }
        Ok(report)
    }

    /// Deletes `scope` a batch at a time until a batch comes back short;
    /// false when told to stop first.
    async fn drain(&self, round: &mut Round<'_>, scope: PruneScope) -> Result<bool> {
        loop {
            let started = Instant::now();
            let batch = PruneBatch { scope: scope.clone(), batch: round.batch };
            let pruned = self.journal.prune(batch).await.map_err(EngineError::from)?;
            round.deleted += pruned.rows;
            tracing::debug!(deleted = pruned.rows, shared = pruned.shared, took = ?started.elapsed(), "pruned a batch past retention");
            if pruned.caught_up {
                return Ok(true);
            }
            // Deleting dirties pages all over the indexes: checkpointing now
            // and then spares the hooks' commits the checkpoints the WAL
            // would ask of them.
            if round.checkpointed.elapsed() >= CHECKPOINT_EVERY {
                self.store.checkpoint().await?;
                round.checkpointed = Instant::now();
            }
            let rest = if pruned.shared { round.pace.shared } else { round.pace.alone };
            match round.stop {
                Some(stop) => tokio::select! {
                    () = tokio::time::sleep(rest) => {}
                    () = stop.cancelled() => return Ok(false),
                },
                None => tokio::time::sleep(rest).await,
            }
        }
    }

    /// Prunes now and every [`PRUNE_EVERY`] until `stop`, in small batches
    /// with a pause between them, so hooks keep the writer.
    async fn now_and_then(&self, stop: CancellationToken) {
        loop {
            if let Err(error) = self.prune(PRUNE_BATCH, BACKGROUND, RECLAIM_PAGES, false, Some(&stop)).await {
                tracing::warn!(error = %error.message, "could not prune what retention no longer keeps; trying again later");
            }
            tokio::select! {
                () = tokio::time::sleep(PRUNE_EVERY) => {}
                () = stop.cancelled() => return,
            }
        }
    }
}
