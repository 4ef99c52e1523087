//! Dashboards saved through the API and their version history.
//!
//! A save writes first and reads second: the conditional `UPDATE` both checks the expected
//! version and bumps it, so two concurrent saves cannot both win (PostgreSQL locks the row;
//! SQLite takes its write lock at the first statement, before any snapshot could go stale).

use sqlx::Row;
use sqlx::any::AnyRow;

use crate::{Result, Store, StoreError, changed};

/// How often a save retries when another save created the same uid between its update and
/// its insert.
const SAVE_ATTEMPTS: usize = 3;

/// Everything a save needs; the caller has already written uid, version and id into `json`
/// (see [`Store::next_dashboard_version`]).
#[derive(Debug, Clone, Copy)]
pub struct SaveDashboard<'a> {
    /// The dashboard's stable uid.
    pub uid: &'a str,
    /// Its title, for listing and search.
    pub title: &'a str,
    /// Its tags, for search.
    pub tags: &'a [String],
    /// Its folder; `""` is the General folder.
    pub folder: &'a str,
    /// The dashboard model as JSON text, stored exactly as given.
    pub json: &'a str,
    /// The commit message kept with this version.
    pub message: &'a str,
    /// Who saves (a login), if known.
    pub user: Option<&'a str>,
    /// The version the caller edited; a different current version is a conflict unless
    /// `overwrite`. `None` saves over whatever is there.
    pub expected_version: Option<i64>,
    /// Save even when `expected_version` is stale.
    pub overwrite: bool,
    /// The time of the save, unix milliseconds.
    pub now_ms: i64,
}

/// A dashboard as stored.
#[derive(Debug, Clone)]
pub struct StoredDashboard {
    /// The database id; stable across updates.
    pub id: i64,
    /// The dashboard's uid.
    pub uid: String,
    /// Its title.
    pub title: String,
    /// Its tags.
    pub tags: Vec<String>,
    /// Its folder; `""` is the General folder.
    pub folder: String,
    /// The dashboard model as JSON text.
    pub json: String,
    /// Its version: 1 on creation, +1 on every save.
    pub version: i64,
    /// When it was first saved, unix milliseconds.
    pub created_at_ms: i64,
    /// When it was last saved, unix milliseconds.
    pub updated_at_ms: i64,
    /// Who saved it last, if known.
    pub updated_by: Option<String>,
}

/// One saved state of a dashboard.
#[derive(Debug, Clone)]
pub struct DashboardVersion {
    /// The dashboard's uid.
    pub uid: String,
    /// The version this state had.
    pub version: i64,
    /// The dashboard model as JSON text.
    pub json: String,
    /// The commit message given with the save.
    pub message: String,
    /// Who saved it, if known.
    pub created_by: Option<String>,
    /// When it was saved, unix milliseconds.
    pub created_at_ms: i64,
}

const DASHBOARD_COLUMNS: &str =
    "id, uid, title, tags, folder, json, version, created_at, updated_at, updated_by";
const VERSION_COLUMNS: &str = "uid, version, json, message, created_by, created_at";

impl Store {
    /// The dashboard with `uid`, if saved.
    pub async fn get_dashboard(&self, uid: &str) -> Result<Option<StoredDashboard>> {
        let sql = format!("SELECT {DASHBOARD_COLUMNS} FROM dashboards WHERE uid = $1");
        let row = sqlx::query(&sql)
            .bind(uid)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(dashboard_from_row).transpose()
    }

    /// Every saved dashboard, by title.
    pub async fn list_dashboards(&self) -> Result<Vec<StoredDashboard>> {
        let sql = format!("SELECT {DASHBOARD_COLUMNS} FROM dashboards ORDER BY title, uid");
        let rows = sqlx::query(&sql).fetch_all(&self.pool).await?;
        rows.iter().map(dashboard_from_row).collect()
    }

    /// The version the next save of `uid` will get: the current one + 1, or 1 for a new uid.
    pub async fn next_dashboard_version(&self, uid: &str) -> Result<i64> {
        let current: Option<i64> =
            sqlx::query_scalar("SELECT version FROM dashboards WHERE uid = $1")
                .bind(uid)
                .fetch_optional(&self.pool)
                .await?;
        Ok(current.map_or(1, |version| version + 1))
    }

    /// Inserts or updates a dashboard and records the new version, in one transaction.
    ///
    /// An existing dashboard gets version current + 1 and keeps its id; when
    /// `expected_version` is `Some(v)`, `v` is not the current version and `overwrite` is
    /// false, nothing changes and the error is [`StoreError::VersionMismatch`]. A new
    /// dashboard gets version 1 and an id from the database.
    pub async fn save_dashboard(&self, save: SaveDashboard<'_>) -> Result<StoredDashboard> {
        let tags = serde_json::to_string(save.tags)
            .map_err(|err| StoreError::Database(sqlx::Error::Encode(Box::new(err))))?;
        let unconditional = save.overwrite || save.expected_version.is_none();
        let expected = save.expected_version.unwrap_or(0);
        let update = format!(
            "UPDATE dashboards SET title = $2, tags = $3, folder = $4, json = $5, \
             version = version + 1, updated_at = $6, updated_by = $7 \
             WHERE uid = $1 AND ($8 OR version = $9) RETURNING {DASHBOARD_COLUMNS}"
        );
        let insert = format!(
            "INSERT INTO dashboards \
             (uid, title, tags, folder, json, version, created_at, updated_at, updated_by) \
             VALUES ($1, $2, $3, $4, $5, 1, $6, $6, $7) \
             ON CONFLICT (uid) DO NOTHING RETURNING {DASHBOARD_COLUMNS}"
        );

        let mut tx = self.pool.begin().await?;
        let mut stored = None;
        for _ in 0..SAVE_ATTEMPTS {
            let updated = sqlx::query(&update)
                .bind(save.uid)
                .bind(save.title)
                .bind(&tags)
                .bind(save.folder)
                .bind(save.json)
                .bind(save.now_ms)
                .bind(save.user)
                .bind(unconditional)
                .bind(expected)
                .fetch_optional(&mut *tx)
                .await?;
            if let Some(row) = updated {
                stored = Some(dashboard_from_row(&row)?);
                break;
            }
            let current: Option<i64> =
                sqlx::query_scalar("SELECT version FROM dashboards WHERE uid = $1")
                    .bind(save.uid)
                    .fetch_optional(&mut *tx)
                    .await?;
            if let Some(current) = current {
                if unconditional {
                    // The row was committed by a concurrent save after our UPDATE looked
                    // (PostgreSQL, read committed): the next UPDATE sees it.
                    continue;
                }
                // Dropping `tx` rolls back; nothing was written.
                return Err(StoreError::VersionMismatch { current });
            }
            let inserted = sqlx::query(&insert)
                .bind(save.uid)
                .bind(save.title)
                .bind(&tags)
                .bind(save.folder)
                .bind(save.json)
                .bind(save.now_ms)
                .bind(save.user)
                .fetch_optional(&mut *tx)
                .await?;
            if let Some(row) = inserted {
                stored = Some(dashboard_from_row(&row)?);
                break;
            }
            // Another save created the uid meanwhile: go round and update it.
        }
        let Some(stored) = stored else {
            return Err(StoreError::Conflict(format!(
                "dashboard {} is being saved concurrently; try again",
                save.uid
            )));
        };

        sqlx::query(
            "INSERT INTO dashboard_versions (uid, version, json, message, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(save.uid)
        .bind(stored.version)
        .bind(save.json)
        .bind(save.message)
        .bind(save.user)
        .bind(save.now_ms)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(stored)
    }

    /// Deletes a dashboard and its versions; `false` when there was none.
    pub async fn delete_dashboard(&self, uid: &str) -> Result<bool> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM dashboard_versions WHERE uid = $1")
            .bind(uid)
            .execute(&mut *tx)
            .await?;
        let deleted = sqlx::query("DELETE FROM dashboards WHERE uid = $1")
            .bind(uid)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(changed(&deleted))
    }

    /// Every saved version of a dashboard, newest first (empty for an unknown uid).
    pub async fn dashboard_versions(&self, uid: &str) -> Result<Vec<DashboardVersion>> {
        let sql = format!(
            "SELECT {VERSION_COLUMNS} FROM dashboard_versions WHERE uid = $1 ORDER BY version DESC"
        );
        let rows = sqlx::query(&sql).bind(uid).fetch_all(&self.pool).await?;
        rows.iter().map(version_from_row).collect()
    }

    /// One saved version of a dashboard.
    pub async fn dashboard_version(
        &self,
        uid: &str,
        version: i64,
    ) -> Result<Option<DashboardVersion>> {
        let sql = format!(
            "SELECT {VERSION_COLUMNS} FROM dashboard_versions WHERE uid = $1 AND version = $2"
        );
        let row = sqlx::query(&sql)
            .bind(uid)
            .bind(version)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(version_from_row).transpose()
    }
}

fn dashboard_from_row(row: &AnyRow) -> Result<StoredDashboard> {
    let tags: String = row.try_get("tags")?;
    let tags = serde_json::from_str(&tags).map_err(|err| sqlx::Error::ColumnDecode {
        index: "tags".to_owned(),
        source: Box::new(err),
    })?;
    Ok(StoredDashboard {
        id: row.try_get("id")?,
        uid: row.try_get("uid")?,
        title: row.try_get("title")?,
        tags,
        folder: row.try_get("folder")?,
        json: row.try_get("json")?,
        version: row.try_get("version")?,
        created_at_ms: row.try_get("created_at")?,
        updated_at_ms: row.try_get("updated_at")?,
        updated_by: row.try_get("updated_by")?,
    })
}

fn version_from_row(row: &AnyRow) -> Result<DashboardVersion> {
    Ok(DashboardVersion {
        uid: row.try_get("uid")?,
        version: row.try_get("version")?,
        json: row.try_get("json")?,
        message: row.try_get("message")?,
        created_by: row.try_get("created_by")?,
        created_at_ms: row.try_get("created_at")?,
    })
}
