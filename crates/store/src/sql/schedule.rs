//! What the scheduler keeps: which started flows it watches (read from the
//! flows and their versions) and each fire it claimed. A claim is one
//! `INSERT … ON CONFLICT DO NOTHING` on the single writer, so of all the
//! processes sharing the database exactly one fires a slot.

use super::Db;
use crate::{LiveVersion, StoreError};

impl Db {
    /// Every started flow that has a published version, with its newest
    /// version. Reads no documents, so the scheduler can ask often.
    pub async fn live_versions(&self) -> Result<Vec<LiveVersion>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT f.id AS flow_id, v.version AS version, v.created_at AS published_at
             FROM flows f JOIN flow_versions v ON v.flow_id = f.id
             WHERE f.live AND v.version = (SELECT MAX(m.version) FROM flow_versions m WHERE m.flow_id = f.id)
             ORDER BY f.id",
        )
        .fetch_all(&self.reader)
        .await?)
    }

    /// Claims the flow's `slot` (a timestamp) for a fire at `fired_at`.
    /// `false` when it was claimed before, by this process or another: the
    /// slot is not fired again.
    pub async fn claim_schedule_fire(&self, flow_id: &str, slot: &str, fired_at: &str) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "INSERT INTO schedule_fires (flow_id, slot, fired_at) VALUES ($1, $2, $3)
             ON CONFLICT (flow_id, slot) DO NOTHING",
        )
        .bind(flow_id)
        .bind(slot)
        .bind(fired_at)
        .execute(&self.writer)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Records the execution a claimed fire started.
    pub async fn record_schedule_execution(
        &self,
        flow_id: &str,
        slot: &str,
        execution_id: &str,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE schedule_fires SET execution_id = $3 WHERE flow_id = $1 AND slot = $2")
            .bind(flow_id)
            .bind(slot)
            .bind(execution_id)
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    /// Gives back a claim whose run could not be stored (the queue was
    /// full), so the slot does not count as fired. A claim that started an
    /// execution is never given back.
    pub async fn release_schedule_fire(&self, flow_id: &str, slot: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM schedule_fires WHERE flow_id = $1 AND slot = $2 AND execution_id IS NULL")
            .bind(flow_id)
            .bind(slot)
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    /// The newest slot fired for the flow, if any: where a restarted
    /// scheduler picks up.
    pub async fn last_schedule_fire(&self, flow_id: &str) -> Result<Option<String>, StoreError> {
        Ok(sqlx::query_scalar("SELECT MAX(slot) FROM schedule_fires WHERE flow_id = $1")
            .bind(flow_id)
            .fetch_one(&self.reader)
            .await?)
    }

    /// The execution started for a fired slot (`None` while its run is not
    /// yet stored, or when the slot was never fired).
    pub async fn schedule_fire_execution(&self, flow_id: &str, slot: &str) -> Result<Option<String>, StoreError> {
        let row: Option<Option<String>> =
            sqlx::query_scalar("SELECT execution_id FROM schedule_fires WHERE flow_id = $1 AND slot = $2")
                .bind(flow_id)
                .bind(slot)
                .fetch_optional(&self.reader)
                .await?;
        Ok(row.flatten())
    }
}

#[cfg(test)]
mod tests {
    use super::super::flows::tests::document;
    use super::*;

    const T1: &str = "2026-01-01T00:00:00.000Z";

    async fn store() -> (super::super::TestGuard, Db) {
        let (dir, store) = super::super::test_db().await;
        (dir, store)
    }

    #[tokio::test]
    async fn live_versions_are_the_newest_version_of_each_started_flow() {
        let (_dir, store) = store().await;
        for id in ["flw_a", "flw_b", "flw_c"] {
            store.save_draft(&document(id, None), None, T1).await.unwrap();
        }
        store.publish_version("flw_a", &document("flw_a", None), None, T1).await.unwrap();
        store.publish_version("flw_a", &document("flw_a", None), None, "2026-01-02T00:00:00.000Z").await.unwrap();
        store.publish_version("flw_b", &document("flw_b", None), None, T1).await.unwrap();
        store.set_live("flw_a", true, T1).await.unwrap();
        store.set_live("flw_c", true, T1).await.unwrap();

        let live = store.live_versions().await.unwrap();
        assert_eq!(
            live,
            [LiveVersion { flow_id: "flw_a".into(), version: 2, published_at: "2026-01-02T00:00:00.000Z".into() }],
            "flw_b is not started and flw_c has no version to run"
        );
    }

    #[tokio::test]
    async fn a_slot_is_claimed_once_and_remembers_its_execution() {
        let (_dir, store) = store().await;
        store.save_draft(&document("flw_a", None), None, T1).await.unwrap();
        let slot = "2026-01-01T09:00:00.000Z";
        assert!(store.claim_schedule_fire("flw_a", slot, "2026-01-01T09:00:00.003Z").await.unwrap());
        assert!(
            !store.claim_schedule_fire("flw_a", slot, "2026-01-01T09:00:00.004Z").await.unwrap(),
            "a second claim of the same slot, from any process, is refused"
        );
        assert_eq!(store.schedule_fire_execution("flw_a", slot).await.unwrap(), None, "no run stored yet");
        store.record_schedule_execution("flw_a", slot, "exe_1").await.unwrap();
        assert_eq!(store.schedule_fire_execution("flw_a", slot).await.unwrap().as_deref(), Some("exe_1"));
        store.release_schedule_fire("flw_a", slot).await.unwrap();
        assert!(
            !store.claim_schedule_fire("flw_a", slot, "2026-01-01T09:00:01.000Z").await.unwrap(),
            "a claim that started an execution is never given back"
        );
    }

    #[tokio::test]
    async fn a_released_claim_can_be_claimed_again_and_the_newest_slot_is_known() {
        let (_dir, store) = store().await;
        store.save_draft(&document("flw_a", None), None, T1).await.unwrap();
        assert_eq!(store.last_schedule_fire("flw_a").await.unwrap(), None);
        for slot in ["2026-01-01T09:00:00.000Z", "2026-01-01T11:00:00.000Z", "2026-01-01T10:00:00.000Z"] {
            assert!(store.claim_schedule_fire("flw_a", slot, slot).await.unwrap());
        }
        assert_eq!(store.last_schedule_fire("flw_a").await.unwrap().as_deref(), Some("2026-01-01T11:00:00.000Z"));
        store.release_schedule_fire("flw_a", "2026-01-01T11:00:00.000Z").await.unwrap();
        assert_eq!(
            store.last_schedule_fire("flw_a").await.unwrap().as_deref(),
            Some("2026-01-01T10:00:00.000Z"),
            "a slot given back does not count as fired"
        );
        assert!(store.claim_schedule_fire("flw_a", "2026-01-01T11:00:00.000Z", T1).await.unwrap());
        store.delete_flow("flw_a").await.unwrap();
        assert_eq!(store.last_schedule_fire("flw_a").await.unwrap(), None, "a deleted flow's fires go with it");
    }
}
