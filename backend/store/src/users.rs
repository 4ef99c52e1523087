//! User accounts. Password hashes are computed by the caller; the store never sees a plain
//! password.

use std::fmt;

use sqlx::Row;
use sqlx::any::AnyRow;

use crate::error::conflict_on_unique;
use crate::{Result, Store, changed, now_ms};

/// A user account.
#[derive(Clone)]
pub struct User {
    /// The database id.
    pub id: i64,
    /// The unique login name.
    pub login: String,
    /// The display name.
    pub name: String,
    /// The password hash (PHC string); hidden from `Debug`.
    pub password_hash: String,
    /// `viewer`, `editor` or `admin`.
    pub role: String,
    /// When the account was created, unix milliseconds.
    pub created_at_ms: i64,
}

impl fmt::Debug for User {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("User")
            .field("id", &self.id)
            .field("login", &self.login)
            .field("name", &self.name)
            .field("password_hash", &"<redacted>")
            .field("role", &self.role)
            .field("created_at_ms", &self.created_at_ms)
            .finish()
    }
}

/// The columns [`user_from_row`] reads, for `SELECT`s and `RETURNING`.
pub(crate) const USER_COLUMNS: &str = "id, login, name, password_hash, role, created_at";

impl Store {
    /// Creates a user; a taken login is [`crate::StoreError::Conflict`]
    /// (`user <login> already exists`).
    pub async fn create_user(
        &self,
        login: &str,
        name: &str,
        password_hash: &str,
        role: &str,
    ) -> Result<User> {
        let sql = format!(
            "INSERT INTO users (login, name, password_hash, role, created_at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING {USER_COLUMNS}"
        );
        let row = sqlx::query(&sql)
            .bind(login)
            .bind(name)
            .bind(password_hash)
            .bind(role)
            .bind(now_ms())
            .fetch_one(&self.pool)
            .await
            .map_err(|err| conflict_on_unique(err, || format!("user {login} already exists")))?;
        user_from_row(&row)
    }

    /// The user with this login, if any.
    pub async fn user_by_login(&self, login: &str) -> Result<Option<User>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE login = $1");
        let row = sqlx::query(&sql)
            .bind(login)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(user_from_row).transpose()
    }

    /// The user with this id, if any.
    pub async fn user_by_id(&self, id: i64) -> Result<Option<User>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE id = $1");
        let row = sqlx::query(&sql)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(user_from_row).transpose()
    }

    /// Every user, by login.
    pub async fn list_users(&self) -> Result<Vec<User>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users ORDER BY login");
        let rows = sqlx::query(&sql).fetch_all(&self.pool).await?;
        rows.iter().map(user_from_row).collect()
    }

    /// How many users exist (0 on first start, when the server creates the admin).
    pub async fn count_users(&self) -> Result<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM users")
            .fetch_one(&self.pool)
            .await?)
    }

    /// Replaces a user's password hash; `false` when there is no such user.
    pub async fn set_user_password(&self, id: i64, password_hash: &str) -> Result<bool> {
        let result = sqlx::query("UPDATE users SET password_hash = $2 WHERE id = $1")
            .bind(id)
            .bind(password_hash)
            .execute(&self.pool)
            .await?;
        Ok(changed(&result))
    }

    /// Changes a user's role; `false` when there is no such user.
    pub async fn set_user_role(&self, id: i64, role: &str) -> Result<bool> {
        let result = sqlx::query("UPDATE users SET role = $2 WHERE id = $1")
            .bind(id)
            .bind(role)
            .execute(&self.pool)
            .await?;
        Ok(changed(&result))
    }

    /// Deletes a user and their sessions; `false` when there was no such user.
    pub async fn delete_user(&self, id: i64) -> Result<bool> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        let deleted = sqlx::query("DELETE FROM users WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(changed(&deleted))
    }
}

/// Reads a row selected with [`USER_COLUMNS`] (optionally qualified by a table alias).
pub(crate) fn user_from_row(row: &AnyRow) -> Result<User> {
    Ok(User {
        id: row.try_get("id")?,
        login: row.try_get("login")?,
        name: row.try_get("name")?,
        password_hash: row.try_get("password_hash")?,
        role: row.try_get("role")?,
        created_at_ms: row.try_get("created_at")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `Debug` shows who a user is but never their password hash.
    #[test]
    fn debug_hides_the_password_hash() {
        let user = User {
            id: 1,
            login: "alice".to_owned(),
            name: "Alice".to_owned(),
            password_hash: "$argon2id$v=19$secret".to_owned(),
            role: "admin".to_owned(),
            created_at_ms: 0,
        };
        let debug = format!("{user:?}");
        assert!(debug.contains("alice"));
        assert!(!debug.contains("argon2id"), "{debug}");
    }
}
