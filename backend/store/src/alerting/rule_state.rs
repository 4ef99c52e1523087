//! The state of each alert rule after its last evaluation (its alert instances, their `for`
//! timers, last values), so a restart continues where it stopped instead of starting every
//! alert afresh. The engine writes the changed rules after each evaluation round and drops
//! the states of rules that no longer exist after a reload.

use std::collections::HashSet;

use sqlx::AnyConnection;
use sqlx::Row;
use sqlx::any::AnyRow;

use super::history::NewHistoryEntry;
use super::placeholders;
use crate::{Result, Store};

/// How many keys one `DELETE ... IN (...)` names: far below the argument limits of both
/// backends (SQLite 32766, PostgreSQL 65535).
const DELETE_CHUNK: usize = 500;

/// One rule's state as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRuleState {
    /// The rule's stable key (e.g. its group and name).
    pub rule_key: String,
    /// The rule's fingerprint when the state was written; a warm start drops a state whose
    /// rule has a different fingerprint now (the rule changed).
    pub fingerprint: String,
    /// The state as JSON.
    pub body: String,
    /// When it was written, unix milliseconds.
    pub updated_at_ms: i64,
}

impl Store {
    /// Inserts or replaces the states of `states`' rules, all in one transaction.
    pub async fn put_rule_states(&self, states: &[StoredRuleState]) -> Result<()> {
        if states.is_empty() {
            return Ok(());
        }
        let mut tx = self.pool.begin().await?;
        write_rule_states(&mut tx, states).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Inserts or replaces rule states and records their transitions, in one transaction (one
    /// commit, one fsync, where an evaluation changed state).
    pub async fn record_transitions(
        &self,
        states: &[StoredRuleState],
        history: &[NewHistoryEntry],
    ) -> Result<()> {
        if states.is_empty() && history.is_empty() {
            return Ok(());
        }
        let mut tx = self.pool.begin().await?;
        write_rule_states(&mut tx, states).await?;
        super::history::write_history(&mut tx, history).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Every stored rule state, by rule key.
    pub async fn list_rule_states(&self) -> Result<Vec<StoredRuleState>> {
        let rows = sqlx::query(
            "SELECT rule_key, fingerprint, body, updated_at FROM alert_rule_state \
             ORDER BY rule_key",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(rule_state_from_row).collect()
    }

    /// Deletes the states of every rule not named in `keep` (rules that no longer exist);
    /// an empty `keep` deletes all. Returns how many were deleted.
    pub async fn delete_rule_states_except(&self, keep: &[String]) -> Result<u64> {
        if keep.is_empty() {
            let result = sqlx::query("DELETE FROM alert_rule_state")
                .execute(&self.pool)
                .await?;
            return Ok(result.rows_affected());
        }
        // The stale keys are found first and deleted by name: `NOT IN (keep...)` would need
        // one argument per rule, without limit. The read is outside the transaction so that
        // SQLite's transaction starts with a write and takes the write lock at once (a read
        // upgraded to a write fails without waiting when another writer came between).
        let keep: HashSet<&str> = keep.iter().map(String::as_str).collect();
        let stored: Vec<String> = sqlx::query_scalar("SELECT rule_key FROM alert_rule_state")
            .fetch_all(&self.pool)
            .await?;
        let mut stale: Vec<&str> = stored
            .iter()
            .map(String::as_str)
            .filter(|key| !keep.contains(key))
            .collect();
        if stale.is_empty() {
            return Ok(0);
        }
        stale.sort_unstable();
        let mut tx = self.pool.begin().await?;
        let mut deleted = 0;
        for chunk in stale.chunks(DELETE_CHUNK) {
            let sql = format!(
                "DELETE FROM alert_rule_state WHERE rule_key IN ({})",
                placeholders(chunk.len())
            );
            let mut query = sqlx::query(&sql);
            for key in chunk {
                query = query.bind(*key);
            }
            deleted += query.execute(&mut *tx).await?.rows_affected();
        }
        tx.commit().await?;
        Ok(deleted)
    }
}

fn rule_state_from_row(row: &AnyRow) -> Result<StoredRuleState> {
    Ok(StoredRuleState {
        rule_key: row.try_get("rule_key")?,
        fingerprint: row.try_get("fingerprint")?,
        body: row.try_get("body")?,
        updated_at_ms: row.try_get("updated_at")?,
    })
}

/// Upserts rule states on `conn` (inside the caller's transaction).
async fn write_rule_states(conn: &mut AnyConnection, states: &[StoredRuleState]) -> Result<()> {
    // Rows are locked in key order, so two writers (replicas on one PostgreSQL) with
    // overlapping rules wait for each other instead of deadlocking.
    let mut sorted: Vec<&StoredRuleState> = states.iter().collect();
    sorted.sort_by(|a, b| a.rule_key.cmp(&b.rule_key));
    for state in sorted {
        sqlx::query(
            "INSERT INTO alert_rule_state (rule_key, fingerprint, body, updated_at) \
             VALUES ($1, $2, $3, $4) \
             ON CONFLICT (rule_key) DO UPDATE SET fingerprint = excluded.fingerprint, \
             body = excluded.body, updated_at = excluded.updated_at",
        )
        .bind(&state.rule_key)
        .bind(&state.fingerprint)
        .bind(&state.body)
        .bind(state.updated_at_ms)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}
