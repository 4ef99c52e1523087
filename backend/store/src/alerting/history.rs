//! The history of alert state transitions (Normal -> Pending -> Firing -> Normal, ...), one
//! row per transition of one alert instance, for the UI's state timeline and for audits.
//! Listings are newest first and capped; old rows are pruned by age.

use sqlx::AnyConnection;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::{Conditions, list_limit};
use crate::{Result, Store};

/// A state transition to record.
#[derive(Debug, Clone, PartialEq)]
pub struct NewHistoryEntry {
    /// The key of the rule the instance belongs to.
    pub rule_key: String,
    /// The instance's `alertname` label.
    pub alertname: String,
    /// The instance's fingerprint (hex): which alert of the rule this is.
    pub instance: String,
    /// The instance's labels as a JSON object.
    pub labels: String,
    /// The state before the transition, e.g. `"pending"`.
    pub from_state: String,
    /// The state after the transition, e.g. `"firing"`.
    pub to_state: String,
    /// The value that caused the transition, if any; NaN is stored as none.
    pub value: Option<f64>,
    /// When the transition happened, unix milliseconds.
    pub at_ms: i64,
}

/// A recorded state transition.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryEntry {
    /// The database id; later rows have larger ids.
    pub id: i64,
    /// The key of the rule the instance belongs to.
    pub rule_key: String,
    /// The instance's `alertname` label.
    pub alertname: String,
    /// The instance's fingerprint (hex).
    pub instance: String,
    /// The instance's labels as a JSON object.
    pub labels: String,
    /// The state before the transition.
    pub from_state: String,
    /// The state after the transition.
    pub to_state: String,
    /// The value that caused the transition; `None` when there was none or it was NaN.
    pub value: Option<f64>,
    /// When the transition happened, unix milliseconds.
    pub at_ms: i64,
}

/// Which transitions [`Store::list_history`] returns; every field set narrows the result.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HistoryFilter {
    /// Only this rule's transitions.
    pub rule_key: Option<String>,
    /// Only transitions of alerts with this `alertname`.
    pub alertname: Option<String>,
    /// Only this instance's transitions (its fingerprint, hex).
    pub instance: Option<String>,
    /// Only transitions at or after this time, unix milliseconds.
    pub since_ms: Option<i64>,
    /// Only transitions before this time, unix milliseconds.
    pub until_ms: Option<i64>,
    /// At most this many rows: [`DEFAULT_LIST_LIMIT`](crate::DEFAULT_LIST_LIMIT) when
    /// `None`, never more than [`MAX_LIST_LIMIT`](crate::MAX_LIST_LIMIT).
    pub limit: Option<u32>,
}

const HISTORY_COLUMNS: &str =
    "id, rule_key, alertname, instance, labels, from_state, to_state, value, at";

impl Store {
    /// Records transitions, all in one transaction.
    pub async fn insert_history(&self, rows: &[NewHistoryEntry]) -> Result<()> {
        if rows.is_empty() {
            return Ok(());
        }
        let mut tx = self.pool.begin().await?;
        write_history(&mut tx, rows).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The transitions `filter` selects, newest first.
    pub async fn list_history(&self, filter: &HistoryFilter) -> Result<Vec<HistoryEntry>> {
        let mut conditions = Conditions::default();
        if let Some(rule_key) = &filter.rule_key {
            conditions.push("rule_key =", rule_key.as_str())?;
        }
        if let Some(alertname) = &filter.alertname {
            conditions.push("alertname =", alertname.as_str())?;
        }
        if let Some(instance) = &filter.instance {
            conditions.push("instance =", instance.as_str())?;
        }
        if let Some(since_ms) = filter.since_ms {
            conditions.push("at >=", since_ms)?;
        }
        if let Some(until_ms) = filter.until_ms {
            conditions.push("at <", until_ms)?;
        }
        let limit = conditions.arg(list_limit(filter.limit))?;
        let sql = format!(
            "SELECT {HISTORY_COLUMNS} FROM alert_history{} ORDER BY at DESC, id DESC LIMIT {limit}",
            conditions.where_sql()
        );
        let rows = sqlx::query_with(&sql, conditions.args)
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(history_from_row).collect()
    }

    /// Deletes the transitions before `before_ms`; returns how many.
    pub async fn prune_history(&self, before_ms: i64) -> Result<u64> {
        let result = sqlx::query("DELETE FROM alert_history WHERE at < $1")
            .bind(before_ms)
            .execute(&self.pool)
            .await?;
        Ok(result.rows_affected())
    }
}

fn history_from_row(row: &AnyRow) -> Result<HistoryEntry> {
    Ok(HistoryEntry {
        id: row.try_get("id")?,
        rule_key: row.try_get("rule_key")?,
        alertname: row.try_get("alertname")?,
        instance: row.try_get("instance")?,
        labels: row.try_get("labels")?,
        from_state: row.try_get("from_state")?,
        to_state: row.try_get("to_state")?,
        value: row.try_get("value")?,
        at_ms: row.try_get("at")?,
    })
}

/// Inserts transitions on `conn` (inside the caller's transaction).
pub(super) async fn write_history(
    conn: &mut AnyConnection,
    rows: &[NewHistoryEntry],
) -> Result<()> {
    for row in rows {
        // SQLite would store NaN as NULL anyway, PostgreSQL as NaN: NULL on both.
        let value = row.value.filter(|value| !value.is_nan());
        // A missing value is written as a NULL literal, not bound: sqlx 0.8's Any driver
        // sends a NULL `f64` to PostgreSQL as float4, and the statement, once prepared
        // with that type, rejects later float8 values (sqlx issue #4284).
        let sql = if value.is_some() {
            "INSERT INTO alert_history \
             (rule_key, alertname, instance, labels, from_state, to_state, at, value) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
        } else {
            "INSERT INTO alert_history \
             (rule_key, alertname, instance, labels, from_state, to_state, at, value) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, NULL)"
        };
        let mut query = sqlx::query(sql)
            .bind(&row.rule_key)
            .bind(&row.alertname)
            .bind(&row.instance)
            .bind(&row.labels)
            .bind(&row.from_state)
            .bind(&row.to_state)
            .bind(row.at_ms);
        if let Some(value) = value {
            query = query.bind(value);
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}
