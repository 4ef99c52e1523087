//! Alert silences. The store keeps each silence as the JSON the alerting crate writes (its v2
//! API shape), keyed by id; it does not interpret the body, so the silence model stays in one
//! place and can grow without a migration.

use sqlx::Row;
use sqlx::any::AnyRow;

use crate::{Result, Store, changed};

/// One stored silence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSilence {
    /// The silence id (a uuid).
    pub id: String,
    /// The silence as JSON.
    pub body: String,
    /// When it last changed, unix milliseconds.
    pub updated_at_ms: i64,
}

impl Store {
    /// Every stored silence, by id.
    pub async fn list_silences(&self) -> Result<Vec<StoredSilence>> {
        let rows = sqlx::query("SELECT id, body, updated_at FROM silences ORDER BY id")
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(silence_from_row).collect()
    }

    /// Inserts a silence or replaces the one with the same id.
    pub async fn put_silence(&self, silence: &StoredSilence) -> Result<()> {
        sqlx::query(
            "INSERT INTO silences (id, body, updated_at) VALUES ($1, $2, $3) \
             ON CONFLICT (id) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at",
        )
        .bind(&silence.id)
        .bind(&silence.body)
        .bind(silence.updated_at_ms)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Deletes a silence (after its retention); `false` when there was none.
    pub async fn delete_silence(&self, id: &str) -> Result<bool> {
        let result = sqlx::query("DELETE FROM silences WHERE id = $1")
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(changed(&result))
    }
}

fn silence_from_row(row: &AnyRow) -> Result<StoredSilence> {
    Ok(StoredSilence {
        id: row.try_get("id")?,
        body: row.try_get("body")?,
        updated_at_ms: row.try_get("updated_at")?,
    })
}
