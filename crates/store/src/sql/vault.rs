//! Rows of the credential vault. The store only keeps what it is given: the
//! secret fields arrive sealed and leave sealed; opening them is the vault's.

use super::Db;
use crate::{CredentialRow, Resealed, StoreError, TokenRow};

impl Db {
    /// A vault setting (`vault_id`, `key_check`, …).
    pub async fn vault_meta(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(sqlx::query_scalar("SELECT value FROM vault_meta WHERE key = $1")
            .bind(key)
            .fetch_optional(&self.reader)
            .await?)
    }

    /// Sets a vault setting; `None` removes it.
    pub async fn set_vault_meta(&self, key: &str, value: Option<&str>) -> Result<(), StoreError> {
        match value {
            Some(value) => {
                sqlx::query("INSERT INTO vault_meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
                    .bind(key)
                    .bind(value)
                    .execute(&self.writer)
                    .await?
            }
            None => sqlx::query("DELETE FROM vault_meta WHERE key = $1").bind(key).execute(&self.writer).await?,
        };
        Ok(())
    }

    /// Sets a vault setting only if it is not set yet; returns the value that
    /// holds afterwards (so two processes creating a vault agree on one).
    pub async fn init_vault_meta(&self, key: &str, value: &str) -> Result<String, StoreError> {
        sqlx::query("INSERT INTO vault_meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING")
            .bind(key)
            .bind(value)
            .execute(&self.writer)
            .await?;
        Ok(sqlx::query_scalar("SELECT value FROM vault_meta WHERE key = $1").bind(key).fetch_one(&self.writer).await?)
    }

    /// Stores a credential, replacing the one with the same id (a re-entered
    /// credential keeps its id, so its sealed secrets stay bound to it).
    /// A second credential with a taken name is [`StoreError::NameTaken`].
    pub async fn put_credential(&self, row: &CredentialRow) -> Result<(), StoreError> {
        let result = sqlx::query(
            "INSERT INTO credentials (id, name, kind, fields, sealed, created_at, updated_at, verified_at, verify_ok, verify_message)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
             ON CONFLICT (id) DO UPDATE SET name = excluded.name, kind = excluded.kind, fields = excluded.fields,
               sealed = excluded.sealed, updated_at = excluded.updated_at, verified_at = excluded.verified_at,
               verify_ok = excluded.verify_ok, verify_message = excluded.verify_message",
        )
        .bind(&row.id)
        .bind(&row.name)
        .bind(&row.kind)
        .bind(&row.fields)
        .bind(&row.sealed)
        .bind(&row.created_at)
        .bind(&row.updated_at)
        .bind(&row.verified_at)
        .bind(row.verify_ok)
        .bind(&row.verify_message)
        .execute(&self.writer)
        .await;
        match result {
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Err(StoreError::NameTaken(row.name.clone())),
            other => other.map(drop).map_err(StoreError::from),
        }
    }

    /// The credential called `name`.
    pub async fn credential(&self, name: &str) -> Result<Option<CredentialRow>, StoreError> {
        Ok(sqlx::query_as("SELECT * FROM credentials WHERE name = $1").bind(name).fetch_optional(&self.reader).await?)
    }

    /// Every credential, by name.
    pub async fn credentials(&self) -> Result<Vec<CredentialRow>, StoreError> {
        Ok(sqlx::query_as("SELECT * FROM credentials ORDER BY lower(name), name").fetch_all(&self.reader).await?)
    }

    /// Removes a credential (and its cached token); returns whether it existed.
    pub async fn remove_credential(&self, name: &str) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM credentials WHERE name = $1").bind(name).execute(&self.writer).await?;
        Ok(done.rows_affected() > 0)
    }

    /// Records the outcome of verifying a credential.
    pub async fn record_verification(&self, id: &str, ok: bool, message: &str, at: &str) -> Result<(), StoreError> {
        sqlx::query("UPDATE credentials SET verified_at = $1, verify_ok = $2, verify_message = $3 WHERE id = $4")
            .bind(at)
            .bind(ok)
            .bind(message)
            .bind(id)
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    /// Replaces the sealed secrets of several credentials, the key check and
    /// the cached tokens' seals in one transaction: after a key rotation
    /// either everything is sealed under the new key or nothing changed.
    /// Tokens not listed are dropped (they are fetched again).
    pub async fn reseal(&self, credentials: &[Resealed], key_check: &str, fingerprint: &str) -> Result<(), StoreError> {
        let mut tx = self.write_transaction().await?;
        for item in credentials {
            sqlx::query("UPDATE credentials SET sealed = $1 WHERE id = $2")
                .bind(&item.sealed)
                .bind(&item.id)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query("DELETE FROM oauth_tokens").execute(&mut *tx).await?;
        for (key, value) in [("key_check", key_check), ("key_fingerprint", fingerprint)] {
            sqlx::query("INSERT INTO vault_meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
                .bind(key)
                .bind(value)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query("DELETE FROM vault_meta WHERE key = 'kit_shown_at'").execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The cached token state of a credential.
    pub async fn token(&self, credential_id: &str) -> Result<Option<TokenRow>, StoreError> {
        Ok(sqlx::query_as("SELECT * FROM oauth_tokens WHERE credential_id = $1")
            .bind(credential_id)
            .fetch_optional(&self.reader)
            .await?)
    }

    /// Stores a token state (a new token, or the last error with the old one kept).
    pub async fn put_token(&self, row: &TokenRow) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO oauth_tokens (credential_id, sealed, expires_at, fetched_at, last_error) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (credential_id) DO UPDATE SET sealed = excluded.sealed, expires_at = excluded.expires_at,
               fetched_at = excluded.fetched_at, last_error = excluded.last_error",
        )
        .bind(&row.credential_id)
        .bind(&row.sealed)
        .bind(&row.expires_at)
        .bind(&row.fetched_at)
        .bind(&row.last_error)
        .execute(&self.writer)
        .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: &str, name: &str) -> CredentialRow {
        CredentialRow {
            id: id.into(),
            name: name.into(),
            kind: "bearer".into(),
            fields: "{}".into(),
            sealed: vec![1, 2, 3],
            created_at: "2026-01-01T00:00:00.000Z".into(),
            updated_at: "2026-01-01T00:00:00.000Z".into(),
            verified_at: None,
            verify_ok: None,
            verify_message: None,
        }
    }

    #[tokio::test]
    async fn credentials_are_kept_by_unique_name_and_resealed_all_at_once() {
        let (_dir, store) = super::super::test_db().await;
        store.put_credential(&row("crd_1", "stripe")).await.unwrap();
        store.put_credential(&row("crd_2", "github")).await.unwrap();
        let clash = store.put_credential(&row("crd_3", "stripe")).await;
        assert!(matches!(clash, Err(StoreError::NameTaken(ref n)) if n == "stripe"), "names are unique: {clash:?}");

        let names: Vec<String> = store.credentials().await.unwrap().into_iter().map(|c| c.name).collect();
        assert_eq!(names, ["github", "stripe"], "listed by name");

        store
            .put_token(&TokenRow {
                credential_id: "crd_1".into(),
                sealed: Some(vec![9]),
                expires_at: Some("2026-01-01T01:00:00.000Z".into()),
                fetched_at: None,
                last_error: None,
            })
            .await
            .unwrap();
        store
            .reseal(
                &[Resealed { id: "crd_1".into(), sealed: vec![7] }, Resealed { id: "crd_2".into(), sealed: vec![8] }],
                "check",
                "fp",
            )
            .await
            .unwrap();
        assert_eq!(store.credential("stripe").await.unwrap().unwrap().sealed, vec![7], "resealed");
        assert_eq!(store.vault_meta("key_check").await.unwrap().as_deref(), Some("check"));
        assert!(store.token("crd_1").await.unwrap().is_none(), "tokens sealed under the old key are dropped");

        store.record_verification("crd_2", false, "answered 401", "2026-01-02T00:00:00.000Z").await.unwrap();
        let github = store.credential("github").await.unwrap().unwrap();
        assert_eq!((github.verify_ok, github.verify_message.as_deref()), (Some(false), Some("answered 401")));

        assert!(store.remove_credential("github").await.unwrap(), "it existed");
        assert!(!store.remove_credential("github").await.unwrap(), "already gone");
        assert_eq!(store.init_vault_meta("vault_id", "a").await.unwrap(), "a");
        assert_eq!(store.init_vault_meta("vault_id", "b").await.unwrap(), "a", "the first id stays");
    }
}
