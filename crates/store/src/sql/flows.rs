use hookline_model::{to_canonical_value, ExecutionStatus, FlowDocument, FlowRecord, FlowSummary, VersionInfo};
use sqlx::FromRow;

use super::{dialect, Db, DB};
use crate::{from_json, HookTarget, StoreError};

/// Documents are stored as compact canonical JSON, so "the draft differs from
/// the latest version" is a plain text comparison in SQL.
fn document_text(doc: &FlowDocument) -> String {
    let value = serde_json::to_value(doc).expect("flow documents serialise to JSON");
    to_canonical_value(value).to_string()
}

#[derive(FromRow)]
struct FlowRow {
    id: String,
    name: String,
    description: String,
    slug: Option<String>,
    live_slug: Option<String>,
    draft: String,
    live: bool,
    created_at: String,
    updated_at: String,
    latest_version: Option<i64>,
    draft_changed: bool,
    last_status: Option<String>,
}

const FLOW_COLUMNS: &str = "
    f.id, f.name, f.description, f.slug, f.live_slug, f.draft, f.live, f.created_at, f.updated_at,
    (SELECT MAX(v.version) FROM flow_versions v WHERE v.flow_id = f.id) AS latest_version,
    f.draft IS DISTINCT FROM (SELECT v.document FROM flow_versions v WHERE v.flow_id = f.id
                    ORDER BY v.version DESC LIMIT 1) AS draft_changed,
    (SELECT e.status FROM executions e WHERE e.flow_id = f.id
     ORDER BY e.created_at DESC LIMIT 1) AS last_status";

impl FlowRow {
    fn summary(&self) -> FlowSummary {
        FlowSummary {
            id: self.id.clone(),
            name: self.name.clone(),
            description: self.description.clone(),
            slug: self.slug.clone(),
            live_slug: self.live_slug.clone(),
            live: self.live,
            latest_version: self.latest_version.map(|v| v as u32),
            draft_changed: self.draft_changed,
            last_execution: self.last_status.as_deref().and_then(ExecutionStatus::parse),
            created_at: self.created_at.clone(),
            updated_at: self.updated_at.clone(),
            next_fire_at: None,
        }
    }

    fn record(self) -> Result<FlowRecord, StoreError> {
        let draft = from_json("flows.draft", &self.draft)?;
        Ok(FlowRecord { summary: self.summary(), draft })
    }
}

/// Fails with [`StoreError::SlugTaken`] when another flow than `id` uses
/// `slug`, in its draft or live: a slug names one flow at a time.
async fn slug_free<'e, E>(executor: E, slug: &str, id: &str) -> Result<(), StoreError>
where
    E: sqlx::Executor<'e, Database = DB>,
{
    let owner: Option<String> =
        sqlx::query_scalar("SELECT id FROM flows WHERE (slug = $1 OR live_slug = $1) AND id <> $2 LIMIT 1")
            .bind(slug)
            .bind(id)
            .fetch_optional(executor)
            .await?;
    match owner {
        Some(flow_id) => Err(StoreError::SlugTaken { slug: slug.to_string(), flow_id }),
        None => Ok(()),
    }
}

impl Db {
    /// Creates the flow or replaces its draft. The document must carry its id.
    /// `slug` is the webhook slug the draft declares; it must not be another
    /// flow's slug, in its draft or live. Returns `true` when the flow was created.
    pub async fn save_draft(&self, doc: &FlowDocument, slug: Option<&str>, now: &str) -> Result<bool, StoreError> {
        let id = doc.id.as_deref().ok_or_else(|| StoreError::Corrupt("a stored document needs an id".into()))?;
        if let Some(slug) = slug {
            slug_free(&self.writer, slug, id).await?;
        }
        let result = sqlx::query(
            "INSERT INTO flows (id, name, description, slug, draft, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $6)
             ON CONFLICT (id) DO UPDATE SET name = $2, description = $3, slug = $4, draft = $5, updated_at = $6
             RETURNING created_at = updated_at",
        )
        .bind(id)
        .bind(&doc.name)
        .bind(&doc.description)
        .bind(slug)
        .bind(document_text(doc))
        .bind(now)
        .fetch_one(&self.writer)
        .await?;
        use sqlx::Row;
        Ok(result.get::<bool, _>(0))
    }

    /// The flow with this id.
    pub async fn get_flow(&self, id: &str) -> Result<Option<FlowRecord>, StoreError> {
        let sql = format!("SELECT {FLOW_COLUMNS} FROM flows f WHERE f.id = $1");
        let row: Option<FlowRow> = sqlx::query_as(&sql).bind(id).fetch_optional(&self.reader).await?;
        row.map(FlowRow::record).transpose()
    }

    /// The flow whose id or webhook slug (in the draft, or live) is `key`.
    /// Ids win, then draft slugs.
    pub async fn find_flow(&self, key: &str) -> Result<Option<FlowRecord>, StoreError> {
        let sql = format!(
            "SELECT {FLOW_COLUMNS} FROM flows f WHERE f.id = $1 OR f.slug = $1 OR f.live_slug = $1
             ORDER BY f.id = $1 DESC, f.slug = $1 DESC LIMIT 1"
        );
        let row: Option<FlowRow> = sqlx::query_as(&sql).bind(key).fetch_optional(&self.reader).await?;
        row.map(FlowRow::record).transpose()
    }

    /// What a hook request needs to know about the flow whose id or live
    /// slug is `key`: its id, whether it is live, and its latest published
    /// version. A slug that only the draft has is reported as such (it names
    /// no hook until published). Reads no documents, so it stays cheap on
    /// the webhook hot path.
    pub async fn hook_target(&self, key: &str) -> Result<Option<HookTarget>, StoreError> {
        let row: Option<(String, bool, Option<i64>, bool)> = sqlx::query_as(
            "SELECT f.id, f.live, (SELECT MAX(v.version) FROM flow_versions v WHERE v.flow_id = f.id),
                    f.id <> $1 AND f.live_slug IS DISTINCT FROM $1
             FROM flows f WHERE f.id = $1 OR f.live_slug = $1 OR f.slug = $1
             ORDER BY f.id = $1 DESC, f.live_slug IS NOT DISTINCT FROM $1 DESC LIMIT 1",
        )
        .bind(key)
        .fetch_optional(&self.reader)
        .await?;
        Ok(row.map(|(flow_id, live, version, draft_slug_only)| HookTarget {
            flow_id,
            live,
            latest_version: version.map(|v| v as u32),
            draft_slug_only,
        }))
    }

    /// Keeps a captured test request of the flow, which the caller has also
    /// made the trigger's sample in the draft: it is recorded as the trigger
    /// step's current `captured` sample too. Returns the capture's sequence
    /// number.
    pub async fn record_capture(
        &self,
        flow_id: &str,
        step_id: &str,
        sample: &serde_json::Value,
        now: &str,
    ) -> Result<i64, StoreError> {
        let mut tx = self.write_transaction().await?;
        let seq =
            sqlx::query_scalar("INSERT INTO captures (flow_id, sample, received_at) VALUES ($1, $2, $3) RETURNING id")
                .bind(flow_id)
                .bind(crate::to_json(sample))
                .bind(now)
                .fetch_one(&mut *tx)
                .await?;
        let kept = hookline_model::Sample {
            id: hookline_model::ids::generate(hookline_model::ids::SAMPLE_PREFIX),
            flow_id: flow_id.to_string(),
            step_id: step_id.to_string(),
            source: hookline_model::SampleSource::Captured,
            created_at: now.to_string(),
            value: sample.clone(),
            current: true,
        };
        super::samples::insert_sample(&mut tx, &kept).await?;
        tx.commit().await?;
        Ok(seq)
    }

    /// Keeps the flow's test URL open until `until` (a timestamp), or later
    /// when another wait already keeps it open longer.
    pub async fn open_capture_window(&self, flow_id: &str, until: &str) -> Result<(), StoreError> {
        sqlx::query(&format!(
            "INSERT INTO capture_windows (flow_id, open_until) VALUES ($1, $2)
             ON CONFLICT (flow_id) DO UPDATE SET open_until = {}(capture_windows.open_until, excluded.open_until)",
            dialect::GREATEST
        ))
        .bind(flow_id)
        .bind(until)
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    /// Whether the flow's test URL takes requests at `now` (a timestamp).
    pub async fn capture_window_open(&self, flow_id: &str, now: &str) -> Result<bool, StoreError> {
        let open: Option<bool> =
            sqlx::query_scalar("SELECT TRUE FROM capture_windows WHERE flow_id = $1 AND open_until > $2")
                .bind(flow_id)
                .bind(now)
                .fetch_optional(&self.reader)
                .await?;
        Ok(open.is_some())
    }

    /// The sequence number of the flow's newest capture (0 when none), so a
    /// waiter can tell a new capture from older ones.
    pub async fn last_capture_id(&self, flow_id: &str) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM captures WHERE flow_id = $1")
            .bind(flow_id)
            .fetch_one(&self.reader)
            .await?)
    }

    /// The first capture of the flow after sequence number `after`.
    pub async fn capture_after(&self, flow_id: &str, after: i64) -> Result<Option<serde_json::Value>, StoreError> {
        let text: Option<String> =
            sqlx::query_scalar("SELECT sample FROM captures WHERE flow_id = $1 AND id > $2 ORDER BY id LIMIT 1")
                .bind(flow_id)
                .bind(after)
                .fetch_optional(&self.reader)
                .await?;
        text.map(|t| from_json("captures.sample", &t)).transpose()
    }

    /// Every flow, by name.
    pub async fn list_flows(&self) -> Result<Vec<FlowSummary>, StoreError> {
        let sql = format!("SELECT {FLOW_COLUMNS} FROM flows f ORDER BY lower(f.name), f.id");
        let rows: Vec<FlowRow> = sqlx::query_as(&sql).fetch_all(&self.reader).await?;
        Ok(rows.iter().map(FlowRow::summary).collect())
    }

    /// Starts (`live = true`) or stops a flow.
    pub async fn set_live(&self, id: &str, live: bool, now: &str) -> Result<(), StoreError> {
        let done = sqlx::query("UPDATE flows SET live = $1, updated_at = $2 WHERE id = $3")
            .bind(live)
            .bind(now)
            .bind(id)
            .execute(&self.writer)
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::FlowNotFound(id.to_string()));
        }
        Ok(())
    }

    /// Deletes the flow with its versions, run log, captures and the requests
    /// its hook received. Returns `false` when there was no such flow.
    pub async fn delete_flow(&self, id: &str) -> Result<bool, StoreError> {
        let mut tx = self.write_transaction().await?;
        // Inbox entries and idempotency keys name the flow without a foreign
        // key (a request may reach a hook no flow has), so they go by hand.
        sqlx::query("DELETE FROM inbox WHERE flow_id = $1").bind(id).execute(&mut *tx).await?;
        sqlx::query("DELETE FROM idempotency WHERE flow_id = $1").bind(id).execute(&mut *tx).await?;
        let done = sqlx::query("DELETE FROM flows WHERE id = $1").bind(id).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(done.rows_affected() > 0)
    }

    /// Stores `doc` as the flow's next version (1, 2, …) and returns its number;
    /// `slug` (the version's webhook slug) becomes the flow's live slug.
    /// Versions are never changed afterwards.
    pub async fn publish_version(
        &self,
        id: &str,
        doc: &FlowDocument,
        slug: Option<&str>,
        now: &str,
    ) -> Result<u32, StoreError> {
        let mut tx = self.write_transaction().await?;
        if let Some(slug) = slug {
            slug_free(&mut *tx, slug, id).await?;
        }
        let done =
            sqlx::query("UPDATE flows SET live_slug = $1 WHERE id = $2").bind(slug).bind(id).execute(&mut *tx).await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::FlowNotFound(id.to_string()));
        }
        let version: i64 = sqlx::query_scalar(
            "INSERT INTO flow_versions (flow_id, version, document, created_at)
             SELECT $1, COALESCE(MAX(version), 0) + 1, $2, $3 FROM flow_versions WHERE flow_id = $1
             RETURNING version",
        )
        .bind(id)
        .bind(document_text(doc))
        .bind(now)
        .fetch_one(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(version as u32)
    }

    /// The published versions of a flow, newest first.
    pub async fn list_versions(&self, id: &str) -> Result<Vec<VersionInfo>, StoreError> {
        let rows: Vec<(i64, String)> =
            sqlx::query_as("SELECT version, created_at FROM flow_versions WHERE flow_id = $1 ORDER BY version DESC")
                .bind(id)
                .fetch_all(&self.reader)
                .await?;
        Ok(rows
            .into_iter()
            .map(|(version, created_at)| VersionInfo {
                flow_id: id.to_string(),
                version: version as u32,
                created_at,
                warnings: vec![],
            })
            .collect())
    }

    /// One published version's document.
    pub async fn get_version(&self, id: &str, version: u32) -> Result<Option<FlowDocument>, StoreError> {
        let text: Option<String> =
            sqlx::query_scalar("SELECT document FROM flow_versions WHERE flow_id = $1 AND version = $2")
                .bind(id)
                .bind(i64::from(version))
                .fetch_optional(&self.reader)
                .await?;
        text.map(|t| from_json("flow_versions.document", &t)).transpose()
    }

    /// The newest published version, with its number.
    pub async fn latest_version(&self, id: &str) -> Result<Option<(u32, FlowDocument)>, StoreError> {
        let row: Option<(i64, String)> = sqlx::query_as(
            "SELECT version, document FROM flow_versions WHERE flow_id = $1 ORDER BY version DESC LIMIT 1",
        )
        .bind(id)
        .fetch_optional(&self.reader)
        .await?;
        row.map(|(v, t)| Ok((v as u32, from_json("flow_versions.document", &t)?))).transpose()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn document(id: &str, slug: Option<&str>) -> FlowDocument {
        let config = match slug {
            Some(slug) => serde_json::json!({"methods": ["POST"], "slug": slug}),
            None => serde_json::json!({"methods": ["POST"]}),
        };
        FlowDocument::from_value(serde_json::json!({
            "schemaVersion": 1, "id": id, "name": format!("Flow {id}"),
            "steps": [{"id": "stp_hook", "component": "webhook", "name": "Hook", "config": config}],
        }))
        .unwrap()
    }

    pub(crate) async fn store() -> (super::super::TestGuard, Db) {
        let (dir, store) = super::super::test_db().await;
        (dir, store)
    }

    const T1: &str = "2026-01-01T00:00:00.000Z";
    const T2: &str = "2026-01-02T00:00:00.000Z";

    #[tokio::test]
    async fn saving_a_draft_creates_then_updates_the_flow() {
        let (_dir, store) = store().await;
        let mut doc = document("flw_a", Some("a"));
        assert!(store.save_draft(&doc, Some("a"), T1).await.unwrap(), "first save creates");
        doc.name = "Renamed".into();
        assert!(!store.save_draft(&doc, Some("a"), T2).await.unwrap(), "second save updates");
        let flow = store.get_flow("flw_a").await.unwrap().unwrap();
        assert_eq!(flow.summary.name, "Renamed");
        assert_eq!(flow.draft, doc, "the draft reads back unchanged");
        assert_eq!(flow.summary.created_at, T1);
        assert_eq!(flow.summary.updated_at, T2);
    }

    #[tokio::test]
    async fn a_slug_belongs_to_one_flow_and_finds_it() {
        let (_dir, store) = store().await;
        store.save_draft(&document("flw_a", Some("pets")), Some("pets"), T1).await.unwrap();
        let err = store.save_draft(&document("flw_b", Some("pets")), Some("pets"), T1).await.unwrap_err();
        assert!(matches!(err, StoreError::SlugTaken { ref flow_id, .. } if flow_id == "flw_a"), "{err}");
        assert!(store.get_flow("flw_b").await.unwrap().is_none(), "the refused flow is not half-saved");
        assert_eq!(store.find_flow("pets").await.unwrap().unwrap().summary.id, "flw_a");
        assert_eq!(store.find_flow("flw_a").await.unwrap().unwrap().summary.id, "flw_a");
        assert!(store.find_flow("nope").await.unwrap().is_none());
    }

    #[tokio::test]
    async fn publishing_numbers_versions_and_tracks_draft_changes() {
        let (_dir, store) = store().await;
        let mut doc = document("flw_a", None);
        store.save_draft(&doc, None, T1).await.unwrap();
        let summary = &store.list_flows().await.unwrap()[0];
        assert_eq!(summary.latest_version, None);
        assert!(summary.draft_changed, "an unpublished draft counts as changed");

        assert_eq!(store.publish_version("flw_a", &doc, None, T1).await.unwrap(), 1);
        let summary = &store.list_flows().await.unwrap()[0];
        assert_eq!(summary.latest_version, Some(1));
        assert!(!summary.draft_changed, "the draft equals version 1");

        doc.description = "changed".into();
        store.save_draft(&doc, None, T2).await.unwrap();
        assert!(store.list_flows().await.unwrap()[0].draft_changed, "an edit after publishing shows");
        assert_eq!(store.publish_version("flw_a", &doc, None, T2).await.unwrap(), 2);

        let versions = store.list_versions("flw_a").await.unwrap();
        assert_eq!(versions.iter().map(|v| v.version).collect::<Vec<_>>(), [2, 1], "newest first");
        assert_eq!(store.get_version("flw_a", 1).await.unwrap().unwrap().description, "", "version 1 is unchanged");
        let (n, latest) = store.latest_version("flw_a").await.unwrap().unwrap();
        assert_eq!((n, latest.description.as_str()), (2, "changed"));
        assert!(store.get_version("flw_a", 3).await.unwrap().is_none());
    }

    #[tokio::test]
    async fn a_hook_answers_under_the_published_slug_until_a_new_one_is_published() {
        let (_dir, store) = store().await;
        store.save_draft(&document("flw_a", Some("old")), Some("old"), T1).await.unwrap();
        assert!(store.hook_target("old").await.unwrap().unwrap().draft_slug_only, "an unpublished slug names no hook");
        store.publish_version("flw_a", &document("flw_a", Some("old")), Some("old"), T1).await.unwrap();
        store.save_draft(&document("flw_a", Some("new")), Some("new"), T2).await.unwrap();
        assert_eq!(store.hook_target("old").await.unwrap().unwrap().flow_id, "flw_a", "the live slug still answers");
        assert!(
            store.hook_target("new").await.unwrap().unwrap().draft_slug_only,
            "the draft's slug waits for publishing"
        );
        assert_eq!(store.find_flow("old").await.unwrap().unwrap().summary.id, "flw_a", "the live slug finds the flow");
        let taken = store.save_draft(&document("flw_b", Some("old")), Some("old"), T2).await.unwrap_err();
        assert!(matches!(taken, StoreError::SlugTaken { .. }), "a live slug is not free for another flow: {taken}");
        store.publish_version("flw_a", &document("flw_a", Some("new")), Some("new"), T2).await.unwrap();
        assert!(store.hook_target("old").await.unwrap().is_none(), "publishing moves the hook");
        let moved = store.hook_target("new").await.unwrap().unwrap();
        assert!(moved.flow_id == "flw_a" && !moved.draft_slug_only, "the published slug names the hook");
    }

    #[tokio::test]
    async fn publishing_or_starting_an_unknown_flow_is_an_error() {
        let (_dir, store) = store().await;
        let doc = document("flw_x", None);
        assert!(matches!(store.publish_version("flw_x", &doc, None, T1).await, Err(StoreError::FlowNotFound(_))));
        assert!(matches!(store.set_live("flw_x", true, T1).await, Err(StoreError::FlowNotFound(_))));
    }

    #[tokio::test]
    async fn starting_and_stopping_is_recorded() {
        let (_dir, store) = store().await;
        store.save_draft(&document("flw_a", None), None, T1).await.unwrap();
        store.set_live("flw_a", true, T2).await.unwrap();
        assert!(store.get_flow("flw_a").await.unwrap().unwrap().summary.live);
        let target = store.hook_target("flw_a").await.unwrap().unwrap();
        assert_eq!((target.live, target.latest_version), (true, None), "the hook target reflects the flow");
        let before = store.last_capture_id("flw_a").await.unwrap();
        let sample = serde_json::json!({"body": {"x": 1}});
        store.record_capture("flw_a", "stp_hook", &sample, T2).await.unwrap();
        assert_eq!(store.capture_after("flw_a", before).await.unwrap(), Some(sample), "a new capture is found");
        let latest = store.last_capture_id("flw_a").await.unwrap();
        assert_eq!(store.capture_after("flw_a", latest).await.unwrap(), None, "nothing newer yet");
        store.set_live("flw_a", false, T2).await.unwrap();
        assert!(!store.get_flow("flw_a").await.unwrap().unwrap().summary.live);
    }

    #[tokio::test]
    async fn deleting_a_flow_removes_its_versions_and_frees_its_slug() {
        let (_dir, store) = store().await;
        let doc = document("flw_a", Some("pets"));
        store.save_draft(&doc, Some("pets"), T1).await.unwrap();
        store.publish_version("flw_a", &doc, Some("pets"), T1).await.unwrap();
        assert!(store.delete_flow("flw_a").await.unwrap(), "an existing flow is deleted");
        assert!(store.get_flow("flw_a").await.unwrap().is_none(), "the flow is gone");
        assert!(store.get_version("flw_a", 1).await.unwrap().is_none(), "its versions went with it");
        assert!(!store.delete_flow("flw_a").await.unwrap(), "a second delete finds nothing");
        store.save_draft(&document("flw_b", Some("pets")), Some("pets"), T2).await.expect("the slug is free again");
    }

    #[tokio::test]
    async fn flows_are_listed_by_name() {
        let (_dir, store) = store().await;
        let mut b = document("flw_b", None);
        b.name = "beta".into();
        let mut a = document("flw_a", None);
        a.name = "Alpha".into();
        store.save_draft(&b, None, T1).await.unwrap();
        store.save_draft(&a, None, T1).await.unwrap();
        let names: Vec<_> = store.list_flows().await.unwrap().into_iter().map(|f| f.name).collect();
        assert_eq!(names, ["Alpha", "beta"], "case-insensitive order by name");
    }
}
