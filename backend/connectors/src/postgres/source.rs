//! [`PostgresSource`]: a small lazily connected pool; every query runs in a read-only
//! transaction with a statement timeout, and is rolled back.

use pulsegrid_model::{DatasourceConfig, DatasourceKind, Series};
use serde_json::Value;
use sqlx::postgres::{PgPool, PgPoolOptions, PgRow};
use sqlx::{Column as _, Connection as _, Row as _};
use tokio::sync::OnceCell;

use super::config::PostgresConfig;
use super::decode::{Cell, ColumnKind, column_kind, decode};
use super::frame::{Format, to_series};
use crate::error::{Result, SourceError};
use crate::http::error_chain;
use crate::macros::{MacroContext, expand_sql};
use crate::settings::Target;
use crate::source::{BoxFuture, LiveMode, QueryRequest, Source};

/// A PostgreSQL / TimescaleDB datasource.
#[derive(Debug)]
pub struct PostgresSource {
    uid: String,
    name: String,
    config: PostgresConfig,
    /// Created on first use, inside the runtime that queries.
    pool: OnceCell<PgPool>,
}

impl PostgresSource {
    /// A source for `ds`; nothing connects until the first query.
    pub fn new(ds: &DatasourceConfig) -> Result<Self> {
        Ok(PostgresSource {
            uid: ds.uid_or_name().to_owned(),
            name: ds.name.clone(),
            config: PostgresConfig::from_datasource(ds)?,
            pool: OnceCell::new(),
        })
    }

    async fn pool(&self) -> &PgPool {
        self.pool
            .get_or_init(|| async {
                PgPoolOptions::new()
                    .max_connections(self.config.max_connections)
                    .min_connections(0)
                    .acquire_timeout(self.config.connect_timeout)
                    .idle_timeout(std::time::Duration::from_secs(300))
                    .connect_lazy_with(self.config.options.clone())
            })
            .await
    }

    fn upstream(&self, message: impl Into<String>) -> SourceError {
        SourceError::Upstream {
            source_name: self.name.clone(),
            message: message.into(),
        }
    }

    /// A sqlx error as an upstream error: PostgreSQL's own message for a failed statement,
    /// the address for connection trouble.
    async fn error(&self, err: sqlx::Error) -> SourceError {
        let address = &self.config.address;
        match err {
            sqlx::Error::Database(db) => self.upstream(db.message().to_owned()),
            sqlx::Error::PoolTimedOut => {
                // The pool retries refused connections until its deadline and then forgets
                // why; one direct attempt tells.
                let direct = tokio::time::timeout(
                    self.config.connect_timeout,
                    sqlx::PgConnection::connect_with(&self.config.options),
                )
                .await;
                let why = match direct {
                    Ok(Err(e)) => connection_error_text(&e),
                    Ok(Ok(conn)) => {
                        let _ = conn.close().await;
                        "every connection of the pool is busy".to_owned()
                    }
                    Err(_) => format!("no answer within {:?}", self.config.connect_timeout),
                };
                self.upstream(format!("cannot connect to {address}: {why}"))
            }
            other => self.upstream(format!(
                "cannot query {address}: {}",
                connection_error_text(&other)
            )),
        }
    }

    /// Runs `sql` read-only and returns the column names and kinds and the decoded rows.
    async fn fetch(&self, sql: &str) -> Result<(Vec<(String, ColumnKind)>, Vec<Vec<Cell>>)> {
        let pool = self.pool().await;
        let run = async {
            let mut tx = pool.begin().await?;
            sqlx::query("SET TRANSACTION READ ONLY")
                .execute(&mut *tx)
                .await?;
            let timeout_ms = self.config.query_timeout.as_millis();
            sqlx::query(&format!("SET LOCAL statement_timeout = {timeout_ms}"))
                .execute(&mut *tx)
                .await?;
            // Not prepared for reuse: the SQL changes with every time range.
            let rows: Vec<PgRow> = sqlx::query(sql)
                .persistent(false)
                .fetch_all(&mut *tx)
                .await?;
            tx.rollback().await?;
            Ok::<_, sqlx::Error>(rows)
        };
        let rows = match run.await {
            Ok(rows) => rows,
            Err(e) => return Err(self.error(e).await),
        };
        let Some(first) = rows.first() else {
            return Ok((Vec::new(), Vec::new()));
        };
        let columns = first
            .columns()
            .iter()
            .enumerate()
            .map(|(i, c)| (c.name().to_owned(), column_kind(first, i)))
            .collect::<Vec<_>>();
        let cells = rows
            .iter()
            .map(|row| (0..columns.len()).map(|i| decode(row, i)).collect())
            .collect();
        Ok((columns, cells))
    }
}

impl Source for PostgresSource {
    fn uid(&self) -> &str {
        &self.uid
    }

    fn kind(&self) -> DatasourceKind {
        DatasourceKind::Postgres
    }

    fn query_range<'a>(&'a self, req: &'a QueryRequest) -> BoxFuture<'a, Result<Vec<Series>>> {
        Box::pin(async move {
            let target = Target(&req.target);
            let Some(raw_sql) = target.str("rawSql")? else {
                return Err(SourceError::InvalidQuery(
                    "PostgreSQL target has no `rawSql`".into(),
                ));
            };
            if raw_sql.trim().is_empty() {
                return Ok(Vec::new());
            }
            let format = match target.str("format")?.unwrap_or("time_series") {
                "time_series" => Format::TimeSeries,
                "table" => Format::Table,
                other => {
                    return Err(SourceError::InvalidQuery(format!(
                        "target field `format` must be time_series or table, found {other:?}"
                    )));
                }
            };
            let floor = target
                .duration_ms("interval")?
                .or(self.config.time_interval_ms)
                .unwrap_or(1);
            let cx = MacroContext {
                range: req.range,
                interval_ms: req.interval_ms.max(floor).max(1),
            };
            let query = expand_sql(raw_sql, &cx)?;
            let (columns, rows) = self.fetch(&query.sql).await?;
            if rows.is_empty() {
                return Ok(Vec::new());
            }
            to_series(&columns, &rows, format, req.range, query.fill)
        })
    }

    fn live_mode(&self, _target: &Value, default_every_ms: i64) -> LiveMode {
        LiveMode::Poll {
            every_ms: default_every_ms.max(self.config.time_interval_ms.unwrap_or(0)),
        }
    }
}

/// A connection-level sqlx error with its causes (`Connection refused (os error 111)`).
fn connection_error_text(err: &sqlx::Error) -> String {
    match err {
        sqlx::Error::Database(db) => db.message().to_owned(),
        other => error_chain(other),
    }
}
