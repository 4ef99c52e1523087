//! API tokens. Only a hash of each token is stored; the caller hashes what a client sends and
//! looks the hash up.

use sqlx::Row;
use sqlx::any::AnyRow;

use crate::error::conflict_on_unique;
use crate::{Result, Store, changed, now_ms};

/// An API token, without the token itself.
#[derive(Debug, Clone)]
pub struct ApiKey {
    /// The database id.
    pub id: i64,
    /// The unique name given at creation.
    pub name: String,
    /// `viewer`, `editor` or `admin`.
    pub role: String,
    /// The hash of the token.
    pub key_hash: String,
    /// When it was created, unix milliseconds.
    pub created_at_ms: i64,
    /// When it stops working, unix milliseconds; `None` never.
    pub expires_at_ms: Option<i64>,
    /// When it was last used, unix milliseconds.
    pub last_used_at_ms: Option<i64>,
}

const API_KEY_COLUMNS: &str = "id, name, role, key_hash, created_at, expires_at, last_used_at";

impl Store {
    /// Stores a new API token by its hash; a taken name is [`crate::StoreError::Conflict`].
    pub async fn create_api_key(
        &self,
        name: &str,
        role: &str,
        key_hash: &str,
        expires_at_ms: Option<i64>,
    ) -> Result<ApiKey> {
        let sql = format!(
            "INSERT INTO api_keys (name, role, key_hash, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING {API_KEY_COLUMNS}"
        );
        let row = sqlx::query(&sql)
            .bind(name)
            .bind(role)
            .bind(key_hash)
            .bind(now_ms())
            .bind(expires_at_ms)
            .fetch_one(&self.pool)
            .await
            .map_err(|err| conflict_on_unique(err, || format!("api key {name} already exists")))?;
        api_key_from_row(&row)
    }

    /// The token with this hash, expired or not (the caller checks `expires_at_ms`).
    pub async fn api_key_by_hash(&self, key_hash: &str) -> Result<Option<ApiKey>> {
        let sql = format!("SELECT {API_KEY_COLUMNS} FROM api_keys WHERE key_hash = $1");
        let row = sqlx::query(&sql)
            .bind(key_hash)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(api_key_from_row).transpose()
    }

    /// Every token, by name.
    pub async fn list_api_keys(&self) -> Result<Vec<ApiKey>> {
        let sql = format!("SELECT {API_KEY_COLUMNS} FROM api_keys ORDER BY name");
        let rows = sqlx::query(&sql).fetch_all(&self.pool).await?;
        rows.iter().map(api_key_from_row).collect()
    }

    /// Deletes a token; `false` when there was none.
    pub async fn delete_api_key(&self, id: i64) -> Result<bool> {
        let result = sqlx::query("DELETE FROM api_keys WHERE id = $1")
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(changed(&result))
    }

    /// Records that a token was used at `at_ms`; a missing token is not an error.
    pub async fn touch_api_key(&self, id: i64, at_ms: i64) -> Result<()> {
        sqlx::query("UPDATE api_keys SET last_used_at = $2 WHERE id = $1")
            .bind(id)
            .bind(at_ms)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

fn api_key_from_row(row: &AnyRow) -> Result<ApiKey> {
    Ok(ApiKey {
        id: row.try_get("id")?,
        name: row.try_get("name")?,
        role: row.try_get("role")?,
        key_hash: row.try_get("key_hash")?,
        created_at_ms: row.try_get("created_at")?,
        expires_at_ms: row.try_get("expires_at")?,
        last_used_at_ms: row.try_get("last_used_at")?,
    })
}
