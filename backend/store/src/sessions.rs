//! Login sessions behind the UI's cookie. Only a hash of the cookie token is stored; a session
//! is valid while `now < expires_at`.

use crate::error::conflict_on_unique;
use crate::users::user_from_row;
use crate::{Result, Store, User};

impl Store {
    /// Starts a session for `user_id` until `expires_at_ms`.
    pub async fn create_session(
        &self,
        token_hash: &str,
        user_id: i64,
        expires_at_ms: i64,
    ) -> Result<()> {
        sqlx::query("INSERT INTO sessions (token_hash, user_id, expires_at) VALUES ($1, $2, $3)")
            .bind(token_hash)
            .bind(user_id)
            .bind(expires_at_ms)
            .execute(&self.pool)
            .await
            .map_err(|err| conflict_on_unique(err, || "session already exists".to_owned()))?;
        Ok(())
    }

    /// The user of a session that exists and has not expired at `now_ms`.
    pub async fn session_user(&self, token_hash: &str, now_ms: i64) -> Result<Option<User>> {
        let row = sqlx::query(
            "SELECT u.id, u.login, u.name, u.password_hash, u.role, u.created_at \
             FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.token_hash = $1 AND s.expires_at > $2",
        )
        .bind(token_hash)
        .bind(now_ms)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(user_from_row).transpose()
    }

    /// Ends a session (logout); a missing session is not an error.
    pub async fn delete_session(&self, token_hash: &str) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Deletes the sessions expired at `now_ms`; returns how many.
    pub async fn prune_sessions(&self, now_ms: i64) -> Result<u64> {
        let result = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
            .bind(now_ms)
            .execute(&self.pool)
            .await?;
        Ok(result.rows_affected())
    }
}
