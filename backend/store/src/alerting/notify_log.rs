//! The notification log, as Alertmanager's nflog: per receiver and alert group, what was last
//! notified (which alerts, firing or resolved, when). The dedup stage reads it so a restart
//! neither sends the same notification twice nor forgets a resolved one.

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::{Result, Store};

/// One receiver's log entry for one alert group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredNotifyLog {
    /// The receiver's name.
    pub receiver: String,
    /// The alert group's key (its route and group-by labels).
    pub group_key: String,
    /// What was notified, as JSON.
    pub body: String,
    /// When the entry was written, unix milliseconds.
    pub updated_at_ms: i64,
}

impl Store {
    /// Inserts or replaces log entries by receiver and group key, all in one transaction.
    pub async fn put_notify_log(&self, entries: &[StoredNotifyLog]) -> Result<()> {
        if entries.is_empty() {
            return Ok(());
        }
        let mut tx = self.pool.begin().await?;
        write_notify_log(&mut tx, entries).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Writes outbox items and the log entries of the same notifications in one transaction
    /// (one commit before anything is sent); returns the items' ids.
    pub async fn enqueue_notifications_with_log(
        &self,
        items: &[super::NewOutboxItem],
        entries: &[StoredNotifyLog],
    ) -> Result<Vec<i64>> {
        if items.is_empty() && entries.is_empty() {
            return Ok(Vec::new());
        }
        let mut tx = self.pool.begin().await?;
        let ids = super::outbox::write_outbox_items(&mut tx, items).await?;
        write_notify_log(&mut tx, entries).await?;
        tx.commit().await?;
        Ok(ids)
    }

    /// Every log entry, by receiver and group key.
    pub async fn list_notify_log(&self) -> Result<Vec<StoredNotifyLog>> {
        let rows = sqlx::query(
            "SELECT receiver, group_key, body, updated_at FROM notify_log \
             ORDER BY receiver, group_key",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(notify_log_from_row).collect()
    }

    /// Deletes the entries last written before `before_ms` (past their retention); returns
    /// how many.
    pub async fn prune_notify_log(&self, before_ms: i64) -> Result<u64> {
        let result = sqlx::query("DELETE FROM notify_log WHERE updated_at < $1")
            .bind(before_ms)
            .execute(&self.pool)
            .await?;
        Ok(result.rows_affected())
    }
}

fn notify_log_from_row(row: &AnyRow) -> Result<StoredNotifyLog> {
    Ok(StoredNotifyLog {
        receiver: row.try_get("receiver")?,
        group_key: row.try_get("group_key")?,
        body: row.try_get("body")?,
        updated_at_ms: row.try_get("updated_at")?,
    })
}

/// Inserts or replaces log entries by receiver and group key.
async fn write_notify_log(conn: &mut AnyConnection, entries: &[StoredNotifyLog]) -> Result<()> {
    // Rows are locked in key order, so concurrent writers cannot deadlock.
    let mut sorted: Vec<&StoredNotifyLog> = entries.iter().collect();
    sorted.sort_by(|a, b| (&a.receiver, &a.group_key).cmp(&(&b.receiver, &b.group_key)));
    for entry in sorted {
        sqlx::query(
            "INSERT INTO notify_log (receiver, group_key, body, updated_at) \
             VALUES ($1, $2, $3, $4) \
             ON CONFLICT (receiver, group_key) DO UPDATE SET body = excluded.body, \
             updated_at = excluded.updated_at",
        )
        .bind(&entry.receiver)
        .bind(&entry.group_key)
        .bind(&entry.body)
        .bind(entry.updated_at_ms)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}
