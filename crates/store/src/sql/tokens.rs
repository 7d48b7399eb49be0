//! Flow access tokens: the secret a Boomerang Flow client sends to run a
//! flow and read its executions. Only a hash of each token is stored.

use super::Db;
use crate::StoreError;

impl Db {
    /// Makes `token_hash` the flow's token, replacing any earlier one.
    pub async fn set_flow_token(&self, flow_id: &str, token_hash: &str, now: &str) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO flow_tokens (flow_id, token_hash, created_at) VALUES ($1, $2, $3)
             ON CONFLICT (flow_id) DO UPDATE SET token_hash = $2, created_at = $3",
        )
        .bind(flow_id)
        .bind(token_hash)
        .bind(now)
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    /// When the flow's token was made, if it has one.
    pub async fn flow_token_created(&self, flow_id: &str) -> Result<Option<String>, StoreError> {
        Ok(sqlx::query_scalar("SELECT created_at FROM flow_tokens WHERE flow_id = $1")
            .bind(flow_id)
            .fetch_optional(&self.reader)
            .await?)
    }

    /// The flow a token (by its hash) belongs to.
    pub async fn flow_of_token(&self, token_hash: &str) -> Result<Option<String>, StoreError> {
        Ok(sqlx::query_scalar("SELECT flow_id FROM flow_tokens WHERE token_hash = $1")
            .bind(token_hash)
            .fetch_optional(&self.reader)
            .await?)
    }
}

#[cfg(test)]
mod tests {
    use super::super::flows::tests::{document, store};

    const T1: &str = "2026-01-01T00:00:00.000Z";
    const T2: &str = "2026-01-02T00:00:00.000Z";

    #[tokio::test]
    async fn a_rotated_token_replaces_the_old_one_and_goes_with_its_flow() {
        let (_dir, store) = store().await;
        store.save_draft(&document("flw_a", None), None, T1).await.unwrap();
        assert_eq!(store.flow_token_created("flw_a").await.unwrap(), None);
        store.set_flow_token("flw_a", "hash-1", T1).await.unwrap();
        assert_eq!(store.flow_of_token("hash-1").await.unwrap().as_deref(), Some("flw_a"));
        store.set_flow_token("flw_a", "hash-2", T2).await.unwrap();
        assert_eq!(store.flow_of_token("hash-1").await.unwrap(), None, "the old token no longer works");
        assert_eq!(store.flow_of_token("hash-2").await.unwrap().as_deref(), Some("flw_a"));
        assert_eq!(store.flow_token_created("flw_a").await.unwrap().as_deref(), Some(T2));
        store.delete_flow("flw_a").await.unwrap();
        assert_eq!(store.flow_of_token("hash-2").await.unwrap(), None);
    }
}
