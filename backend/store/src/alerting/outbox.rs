//! The durable outbox: each notification is written here before it is sent, so a restart
//! resends what was not confirmed instead of losing it (delivery is at least once).
//!
//! A row is `pending` until the sender marks it `delivered`, or `failed` on a permanent error;
//! a retryable error keeps it pending with a later `next_attempt_at`. Every mark applies only
//! to a pending row, so of two senders that raced for one row, only one moves it, and a late
//! retry never revives a delivered row. Settled rows stay visible until pruned.

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use super::{Conditions, list_limit};
use crate::{Result, Store, changed};

/// A notification to write to the outbox before sending it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOutboxItem {
    /// The receiver's name.
    pub receiver: String,
    /// Which of the receiver's integrations sends it, e.g. `"webhook[0]"`, `"email[1]"`.
    pub integration: String,
    /// The alert group's key.
    pub group_key: String,
    /// The notification as JSON.
    pub body: String,
    /// When it is enqueued, unix milliseconds.
    pub created_at_ms: i64,
    /// When it is due to be sent, unix milliseconds (usually `created_at_ms`).
    pub next_attempt_at_ms: i64,
}

/// A notification in the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxItem {
    /// The database id; later items have larger ids.
    pub id: i64,
    /// The receiver's name.
    pub receiver: String,
    /// Which of the receiver's integrations sends it, e.g. `"webhook[0]"`.
    pub integration: String,
    /// The alert group's key.
    pub group_key: String,
    /// The notification as JSON.
    pub body: String,
    /// [`OutboxItem::PENDING`], [`OutboxItem::DELIVERED`] or [`OutboxItem::FAILED`].
    pub status: String,
    /// How many sends were tried (the successful one included).
    pub attempts: u32,
    /// When a pending item is due, unix milliseconds.
    pub next_attempt_at_ms: i64,
    /// The error of the last failed try, if any (kept after a later success).
    pub last_error: Option<String>,
    /// When it was enqueued, unix milliseconds.
    pub created_at_ms: i64,
    /// When it was delivered, unix milliseconds; `None` unless delivered.
    pub delivered_at_ms: Option<i64>,
    /// When it failed for good, unix milliseconds; `None` unless failed.
    pub failed_at_ms: Option<i64>,
}

impl OutboxItem {
    /// The status of an item waiting to be sent (first time or retry).
    pub const PENDING: &str = "pending";
    /// The status of an item that was sent.
    pub const DELIVERED: &str = "delivered";
    /// The status of an item given up on after a permanent error.
    pub const FAILED: &str = "failed";
}

/// Which items [`Store::list_outbox`] returns; every field set narrows the result.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OutboxFilter {
    /// Only items with this status (`"pending"`, `"delivered"` or `"failed"`; any other
    /// value matches nothing).
    pub status: Option<String>,
    /// Only items for this receiver.
    pub receiver: Option<String>,
    /// At most this many rows: [`DEFAULT_LIST_LIMIT`](crate::DEFAULT_LIST_LIMIT) when
    /// `None`, never more than [`MAX_LIST_LIMIT`](crate::MAX_LIST_LIMIT).
    pub limit: Option<u32>,
}

/// How many outbox items have each status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OutboxCounts {
    /// Items waiting to be sent.
    pub pending: u64,
    /// Items sent.
    pub delivered: u64,
    /// Items given up on.
    pub failed: u64,
}

const OUTBOX_COLUMNS: &str = "id, receiver, integration, group_key, body, status, attempts, \
     next_attempt_at, last_error, created_at, delivered_at, failed_at";

impl Store {
    /// Writes notifications to the outbox as pending, all in one transaction, and returns
    /// their ids in the order of `items`. They are durable when this returns: send only then.
    pub async fn enqueue_notifications(&self, items: &[NewOutboxItem]) -> Result<Vec<i64>> {
        if items.is_empty() {
            return Ok(Vec::new());
        }
        let mut tx = self.pool.begin().await?;
        let ids = write_outbox_items(&mut tx, items).await?;
        tx.commit().await?;
        Ok(ids)
    }

    /// Up to `limit` pending items due at `now_ms`, oldest (first enqueued) first, so one
    /// group's notifications go out in the order they were made.
    pub async fn due_notifications(&self, now_ms: i64, limit: u32) -> Result<Vec<OutboxItem>> {
        let sql = format!(
            "SELECT {OUTBOX_COLUMNS} FROM notification_outbox \
             WHERE status = $1 AND next_attempt_at <= $2 ORDER BY id LIMIT $3"
        );
        let rows = sqlx::query(&sql)
            .bind(OutboxItem::PENDING)
            .bind(now_ms)
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(outbox_item_from_row).collect()
    }

    /// Marks a pending item delivered at `at_ms`, counting the successful try. `false` when
    /// the item is unknown or no longer pending (another sender settled it).
    pub async fn mark_delivered(&self, id: i64, at_ms: i64) -> Result<bool> {
        let result = sqlx::query(
            "UPDATE notification_outbox \
             SET status = $3, attempts = attempts + 1, delivered_at = $2 \
             WHERE id = $1 AND status = $4",
        )
        .bind(id)
        .bind(at_ms)
        .bind(OutboxItem::DELIVERED)
        .bind(OutboxItem::PENDING)
        .execute(&self.pool)
        .await?;
        Ok(changed(&result))
    }

    /// Keeps a pending item pending after a retryable error: `attempts` tries so far, the next
    /// at `next_attempt_at_ms`. `false` when the item is unknown or no longer pending.
    pub async fn mark_retry(
        &self,
        id: i64,
        attempts: u32,
        next_attempt_at_ms: i64,
        error: &str,
    ) -> Result<bool> {
        let result = sqlx::query(
            "UPDATE notification_outbox \
             SET attempts = $2, next_attempt_at = $3, last_error = $4 \
             WHERE id = $1 AND status = $5",
        )
        .bind(id)
        .bind(i64::from(attempts))
        .bind(next_attempt_at_ms)
        .bind(error)
        .bind(OutboxItem::PENDING)
        .execute(&self.pool)
        .await?;
        Ok(changed(&result))
    }

    /// Marks a pending item failed at `at_ms` after a permanent error (or too many tries): it
    /// stays listed but is not tried again. `false` when the item is unknown or no longer
    /// pending.
    pub async fn mark_failed(
        &self,
        id: i64,
        attempts: u32,
        error: &str,
        at_ms: i64,
    ) -> Result<bool> {
        let result = sqlx::query(
            "UPDATE notification_outbox \
             SET status = $5, attempts = $2, last_error = $3, failed_at = $4 \
             WHERE id = $1 AND status = $6",
        )
        .bind(id)
        .bind(i64::from(attempts))
        .bind(error)
        .bind(at_ms)
        .bind(OutboxItem::FAILED)
        .bind(OutboxItem::PENDING)
        .execute(&self.pool)
        .await?;
        Ok(changed(&result))
    }

    /// When the next pending item is due, unix milliseconds; `None` when nothing is pending.
    /// The sender sleeps until then (or until something new is enqueued).
    pub async fn next_notification_due(&self) -> Result<Option<i64>> {
        let due: Option<i64> = sqlx::query_scalar(
            "SELECT MIN(next_attempt_at) FROM notification_outbox WHERE status = $1",
        )
        .bind(OutboxItem::PENDING)
        .fetch_one(&self.pool)
        .await?;
        Ok(due)
    }

    /// The items `filter` selects, newest first.
    pub async fn list_outbox(&self, filter: &OutboxFilter) -> Result<Vec<OutboxItem>> {
        let mut conditions = Conditions::default();
        if let Some(status) = &filter.status {
            conditions.push("status =", status.as_str())?;
        }
        if let Some(receiver) = &filter.receiver {
            conditions.push("receiver =", receiver.as_str())?;
        }
        let limit = conditions.arg(list_limit(filter.limit))?;
        let sql = format!(
            "SELECT {OUTBOX_COLUMNS} FROM notification_outbox{} ORDER BY id DESC LIMIT {limit}",
            conditions.where_sql()
        );
        let rows = sqlx::query_with(&sql, conditions.args)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(outbox_item_from_row).collect()
    }

    /// How many items are pending, delivered and failed.
    pub async fn outbox_counts(&self) -> Result<OutboxCounts> {
        let rows = sqlx::query(
            "SELECT status, COUNT(*) AS items FROM notification_outbox GROUP BY status",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut counts = OutboxCounts::default();
        for row in &rows {
            let status: String = row.try_get("status")?;
            let items: i64 = row.try_get("items")?;
            // A count is never negative.
            let items = u64::try_from(items).unwrap_or_default();
            match status.as_str() {
                OutboxItem::PENDING => counts.pending = items,
                OutboxItem::DELIVERED => counts.delivered = items,
                OutboxItem::FAILED => counts.failed = items,
                // The schema's CHECK allows no other status.
                _ => {}
            }
        }
        Ok(counts)
    }

    /// Deletes the items delivered or failed before `before_ms`; pending items are kept
    /// whatever their age. Returns how many were deleted.
    pub async fn prune_outbox(&self, before_ms: i64) -> Result<u64> {
        let result = sqlx::query(
            "DELETE FROM notification_outbox \
             WHERE (status = $2 AND delivered_at < $1) OR (status = $3 AND failed_at < $1)",
        )
        .bind(before_ms)
        .bind(OutboxItem::DELIVERED)
        .bind(OutboxItem::FAILED)
        .execute(&self.pool)
        .await?;
        Ok(result.rows_affected())
    }
}

fn outbox_item_from_row(row: &AnyRow) -> Result<OutboxItem> {
    let attempts: i64 = row.try_get("attempts")?;
    let attempts = u32::try_from(attempts).map_err(|err| sqlx::Error::ColumnDecode {
        index: "attempts".to_owned(),
        source: Box::new(err),
    })?;
    Ok(OutboxItem {
        id: row.try_get("id")?,
        receiver: row.try_get("receiver")?,
        integration: row.try_get("integration")?,
        group_key: row.try_get("group_key")?,
        body: row.try_get("body")?,
        status: row.try_get("status")?,
        attempts,
        next_attempt_at_ms: row.try_get("next_attempt_at")?,
        last_error: row.try_get("last_error")?,
        created_at_ms: row.try_get("created_at")?,
        delivered_at_ms: row.try_get("delivered_at")?,
        failed_at_ms: row.try_get("failed_at")?,
    })
}

/// Inserts pending items; returns their ids in order.
pub(super) async fn write_outbox_items(
    conn: &mut AnyConnection,
    items: &[NewOutboxItem],
) -> Result<Vec<i64>> {
    let mut ids = Vec::with_capacity(items.len());
    for item in items {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO notification_outbox \
             (receiver, integration, group_key, body, status, attempts, next_attempt_at, \
             created_at) VALUES ($1, $2, $3, $4, $5, 0, $6, $7) RETURNING id",
        )
        .bind(&item.receiver)
        .bind(&item.integration)
        .bind(&item.group_key)
        .bind(&item.body)
        .bind(OutboxItem::PENDING)
        .bind(item.next_attempt_at_ms)
        .bind(item.created_at_ms)
        .fetch_one(&mut *conn)
        .await?;
        ids.push(id);
    }
    Ok(ids)
}
