//! The schema migrations, embedded in the binary: one SQL file per version and backend under
//! `migrations/sqlite/` and `migrations/postgres/`, applied by sqlx's migrator (which records
//! them in `_sqlx_migrations`, checks their checksums, and on PostgreSQL holds an advisory
//! lock so replicas starting together migrate once).

use std::borrow::Cow;
use std::future::Future;
use std::pin::Pin;

use sqlx::error::BoxDynError;
use sqlx::migrate::{Migration, MigrationSource, MigrationType, Migrator};

use crate::Backend;

/// One schema version: its number, a description, and its SQL for each backend.
struct SchemaVersion {
    version: i64,
    description: &'static str,
    sqlite: &'static str,
    postgres: &'static str,
}

/// Every schema version, oldest first. Add new versions at the end; never edit a released one
/// (the migrator rejects changed checksums).
const SCHEMA: &[SchemaVersion] = &[
    SchemaVersion {
        version: 1,
        description: "initial",
        sqlite: include_str!("../migrations/sqlite/0001_initial.sql"),
        postgres: include_str!("../migrations/postgres/0001_initial.sql"),
    },
    SchemaVersion {
        version: 2,
        description: "silences",
        sqlite: include_str!("../migrations/sqlite/0002_silences.sql"),
        postgres: include_str!("../migrations/postgres/0002_silences.sql"),
    },
    SchemaVersion {
        version: 3,
        description: "alerting",
        sqlite: include_str!("../migrations/sqlite/0003_alerting.sql"),
        postgres: include_str!("../migrations/postgres/0003_alerting.sql"),
    },
];

/// The embedded migrations of one backend, as a sqlx migration source.
#[derive(Debug, Clone, Copy)]
struct EmbeddedMigrations(Backend);

impl EmbeddedMigrations {
    fn migrations(self) -> Vec<Migration> {
        SCHEMA
            .iter()
            .map(|schema| {
                let sql = match self.0 {
                    Backend::Sqlite => schema.sqlite,
                    Backend::Postgres => schema.postgres,
                };
                Migration::new(
                    schema.version,
                    Cow::Borrowed(schema.description),
                    MigrationType::Simple,
                    Cow::Borrowed(sql),
                    false,
                )
            })
            .collect()
    }
}

impl<'s> MigrationSource<'s> for EmbeddedMigrations {
    fn resolve(
        self,
    ) -> Pin<Box<dyn Future<Output = Result<Vec<Migration>, BoxDynError>> + Send + 's>> {
        Box::pin(async move { Ok(self.migrations()) })
    }
}

/// The migrator for `backend`'s schema.
pub(crate) async fn migrator(backend: Backend) -> Result<Migrator, sqlx::migrate::MigrateError> {
    Migrator::new(EmbeddedMigrations(backend)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Versions are unique and ascending, and every version has SQL for both backends.
    #[test]
    fn schema_versions_are_ordered_and_complete() {
        for pair in SCHEMA.windows(2) {
            assert!(pair[0].version < pair[1].version);
        }
        for schema in SCHEMA {
            assert!(schema.sqlite.contains("CREATE") || schema.sqlite.contains("ALTER"));
            assert!(schema.postgres.contains("CREATE") || schema.postgres.contains("ALTER"));
        }
    }
}
