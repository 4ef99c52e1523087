//! The alerting engine's persistence: the state of each rule (for a warm start), the history of
//! state transitions, the notification log (what was last sent per receiver and group) and the
//! durable outbox of notifications to send.
//!
//! As with silences, every body is the JSON the alerting crate writes: the store does not
//! interpret it, so the alerting model can grow without a migration. A call that writes many
//! rows writes them in one transaction, so a crash keeps all of them or none.

mod history;
mod notify_log;
mod outbox;
mod rule_state;

pub use history::{HistoryEntry, HistoryFilter, NewHistoryEntry};
pub use notify_log::StoredNotifyLog;
pub use outbox::{NewOutboxItem, OutboxCounts, OutboxFilter, OutboxItem};
pub use rule_state::StoredRuleState;

use sqlx::any::AnyArguments;
use sqlx::{Any, Arguments, Encode, Type};

use crate::Result;

/// How many rows a history or outbox listing returns when its filter sets no limit.
pub const DEFAULT_LIST_LIMIT: u32 = 500;

/// The most rows one history or outbox listing returns, whatever its filter asks for.
pub const MAX_LIST_LIMIT: u32 = 5000;

/// A listing's limit: the filter's, else the default, never above the maximum.
fn list_limit(limit: Option<u32>) -> i64 {
    i64::from(limit.unwrap_or(DEFAULT_LIST_LIMIT).min(MAX_LIST_LIMIT))
}

/// The `WHERE` conditions of a listing with their arguments, numbered `$1, $2, ...` in the
/// order they are added, so a condition and its value are written in one place.
#[derive(Default)]
struct Conditions<'q> {
    clauses: Vec<String>,
    args: AnyArguments<'q>,
}

impl<'q> Conditions<'q> {
    /// Adds the condition `{column_op} $N`, e.g. `at >=`, with `value` as argument N.
    fn push<T>(&mut self, column_op: &str, value: T) -> Result<()>
    where
        T: 'q + Encode<'q, Any> + Type<Any>,
    {
        let placeholder = self.arg(value)?;
        self.clauses.push(format!("{column_op} {placeholder}"));
        Ok(())
    }

    /// Adds an argument used outside the conditions (a limit) and returns its placeholder.
    fn arg<T>(&mut self, value: T) -> Result<String>
    where
        T: 'q + Encode<'q, Any> + Type<Any>,
    {
        self.args.add(value).map_err(sqlx::Error::Encode)?;
        Ok(format!("${}", self.args.len()))
    }

    /// ` WHERE a AND b`, or nothing without conditions.
    fn where_sql(&self) -> String {
        if self.clauses.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", self.clauses.join(" AND "))
        }
    }
}

/// `$1, $2, ..., $count`, for an `IN (...)` list.
fn placeholders(count: usize) -> String {
    (1..=count)
        .map(|n| format!("${n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// No limit means the default; larger limits are cut to the maximum.
    #[test]
    fn limits_default_and_cap() {
        assert_eq!(list_limit(None), 500);
        assert_eq!(list_limit(Some(20)), 20);
        assert_eq!(list_limit(Some(1_000_000)), 5000);
    }

    /// Conditions and extra arguments share one numbering.
    #[test]
    fn conditions_number_their_arguments() {
        let mut conditions = Conditions::default();
        assert_eq!(conditions.where_sql(), "");
        conditions.push("rule_key =", "r1").expect("text");
        conditions.push("at >=", 5_i64).expect("integer");
        assert_eq!(conditions.where_sql(), " WHERE rule_key = $1 AND at >= $2");
        assert_eq!(conditions.arg(10_i64).expect("limit"), "$3");
        assert_eq!(placeholders(3), "$1, $2, $3");
    }
}
