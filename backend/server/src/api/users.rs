//! Login sessions, the current user, API tokens and user management.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use pulsegrid_live::Peer;
use serde::Deserialize;
use serde_json::{Value, json};

use super::dashboards::parse_json_body;
use crate::auth::secret::{TOKEN_PREFIX, hash_password, hash_token, new_token};
use crate::auth::{self, Identity, Principal, Role, SESSION_COOKIE};
use crate::clock::{now_ms, rfc3339};
use crate::error::ApiError;
use crate::state::AppState;

#[derive(Deserialize)]
struct LoginBody {
    user: String,
    password: String,
}

/// `POST /api/login {"user", "password"}`: sets the session cookie.
pub(super) async fn login(
    State(state): State<AppState>,
    ConnectInfo(Peer { addr: peer, .. }): ConnectInfo<Peer>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let body: LoginBody = parse_json_body(&body)?;
    let user = auth::check_password(&state, &body.user, &body.password, peer).await?;
    let token = new_token("pgs_");
    let ttl_ms = i64::try_from(state.config.session_hours)
        .unwrap_or(24)
        .saturating_mul(3_600_000);
    state
        .store
        .create_session(
            &hash_token(&token),
            user.id,
            now_ms().saturating_add(ttl_ms),
        )
        .await?;
    tracing::info!(login = user.login, "user logged in");
    let cookie = format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}",
        ttl_ms / 1000
    );
    let mut response =
        Json(json!({"message": "Logged in", "login": user.login, "role": user.role}))
            .into_response();
    response.headers_mut().insert(
        SET_COOKIE,
        HeaderValue::from_str(&cookie).map_err(ApiError::internal)?,
    );
    Ok(response)
}

/// `POST /api/logout` (and `GET /logout`): ends the session and clears the cookie.
pub(super) async fn logout(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    if let Some(token) = auth::session_cookie(&headers) {
        state.store.delete_session(&hash_token(&token)).await?;
    }
    let mut response = Json(json!({"message": "Logged out"})).into_response();
    response.headers_mut().insert(
        SET_COOKIE,
        HeaderValue::from_static("pulsegrid_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0"),
    );
    Ok(response)
}

/// `GET /api/user`: who the caller is and what it may do.
pub(super) async fn current(principal: Principal) -> Json<Value> {
    let (id, login, kind) = match &principal.identity {
        Identity::Anonymous => (Value::Null, Value::Null, "anonymous"),
        Identity::User { id, login } => (json!(id), json!(login), "user"),
        Identity::ApiKey { id, name } => (json!(id), json!(name), "token"),
    };
    Json(json!({
        "id": id,
        "login": login,
        "role": principal.role,
        "authenticatedBy": kind,
        "isAnonymous": principal.identity == Identity::Anonymous,
    }))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct OwnPasswordBody {
    old_password: String,
    new_password: String,
}

/// `PUT /api/user/password`: a user changes their own password.
pub(super) async fn change_own_password(
    State(state): State<AppState>,
    ConnectInfo(Peer { addr: peer, .. }): ConnectInfo<Peer>,
    principal: Principal,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let Identity::User { login, .. } = &principal.identity else {
        return Err(ApiError::unauthorized(
            "log in as a user to change a password",
        ));
    };
    let body: OwnPasswordBody = parse_json_body(&body)?;
    let user = auth::check_password(&state, login, &body.old_password, peer).await?;
    let hash = new_password_hash(body.new_password).await?;
    state.store.set_user_password(user.id, &hash).await?;
    Ok(Json(json!({"message": "User password changed"})))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct KeyBody {
    name: String,
    role: String,
    #[serde(default)]
    seconds_to_live: Option<i64>,
}

/// `POST /api/auth/keys {"name", "role", "secondsToLive"}`: the key is shown once, stored hashed.
pub(super) async fn create_key(
    State(state): State<AppState>,
    principal: Principal,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    principal.require(Role::Admin)?;
    let body: KeyBody = parse_json_body(&body)?;
    let role = parse_role(&body.role)?;
    if body.name.trim().is_empty() {
        return Err(ApiError::bad_request("name: must not be empty"));
    }
    let expires = body
        .seconds_to_live
        .filter(|s| *s > 0)
        .map(|s| now_ms().saturating_add(s.saturating_mul(1000)));
    let key = new_token(TOKEN_PREFIX);
    let stored = state
        .store
        .create_api_key(&body.name, role.as_str(), &hash_token(&key), expires)
        .await?;
    tracing::info!(name = stored.name, role = %role, by = principal.display_name(), "API token created");
    Ok(Json(
        json!({"id": stored.id, "name": stored.name, "key": key}),
    ))
}

/// `GET /api/auth/keys`: names and roles, never the keys.
pub(super) async fn list_keys(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<Json<Vec<Value>>, ApiError> {
    principal.require(Role::Admin)?;
    let keys = state.store.list_api_keys().await?;
    Ok(Json(
        keys.iter()
            .map(|k| {
                json!({
                    "id": k.id,
                    "name": k.name,
                    "role": k.role,
                    "expiration": k.expires_at_ms.map(rfc3339),
                    "lastUsedAt": k.last_used_at_ms.map(rfc3339),
                })
            })
            .collect(),
    ))
}

/// `DELETE /api/auth/keys/{id}`.
pub(super) async fn delete_key(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<i64>,
) -> Result<Json<Value>, ApiError> {
    principal.require(Role::Admin)?;
    if !state.store.delete_api_key(id).await? {
        return Err(ApiError::not_found(format!("API key {id} not found")));
    }
    Ok(Json(json!({"message": "API key deleted"})))
}

#[derive(Deserialize)]
struct CreateUserBody {
    login: String,
    #[serde(default)]
    name: String,
    password: String,
    #[serde(default)]
    role: Option<String>,
}

/// `POST /api/admin/users {"login", "name", "password", "role"}`.
pub(super) async fn create_user(
    State(state): State<AppState>,
    principal: Principal,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    principal.require(Role::Admin)?;
    let body: CreateUserBody = parse_json_body(&body)?;
    let role = body.role.as_deref().map_or(Ok(Role::Viewer), parse_role)?;
    if body.login.trim().is_empty() {
        return Err(ApiError::bad_request("login: must not be empty"));
    }
    let hash = new_password_hash(body.password).await?;
    let name = if body.name.is_empty() {
        &body.login
    } else {
        &body.name
    };
    let user = state
        .store
        .create_user(&body.login, name, &hash, role.as_str())
        .await?;
    tracing::info!(login = user.login, role = %role, by = principal.display_name(), "user created");
    Ok(Json(json!({"id": user.id, "message": "User created"})))
}

/// `GET /api/users`.
pub(super) async fn list_users(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<Json<Vec<Value>>, ApiError> {
    principal.require(Role::Admin)?;
    let users = state.store.list_users().await?;
    Ok(Json(
        users
            .iter()
            .map(|u| json!({"id": u.id, "login": u.login, "name": u.name, "role": u.role}))
            .collect(),
    ))
}

/// `DELETE /api/admin/users/{id}`.
pub(super) async fn delete_user(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<i64>,
) -> Result<Json<Value>, ApiError> {
    principal.require(Role::Admin)?;
    if matches!(principal.identity, Identity::User { id: me, .. } if me == id) {
        return Err(ApiError::bad_request("you cannot delete yourself"));
    }
    if !state.store.delete_user(id).await? {
        return Err(ApiError::not_found(format!("user {id} not found")));
    }
    Ok(Json(json!({"message": "User deleted"})))
}

#[derive(Deserialize)]
struct PasswordBody {
    password: String,
}

/// `PUT /api/admin/users/{id}/password {"password"}`.
pub(super) async fn set_password(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    principal.require(Role::Admin)?;
    let body: PasswordBody = parse_json_body(&body)?;
    let hash = new_password_hash(body.password).await?;
    if !state.store.set_user_password(id, &hash).await? {
        return Err(ApiError::not_found(format!("user {id} not found")));
    }
    Ok(Json(json!({"message": "User password updated"})))
}

#[derive(Deserialize)]
struct RoleBody {
    role: String,
}

/// `PATCH /api/org/users/{id} {"role"}` (Grafana's org role change).
pub(super) async fn set_role(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<i64>,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    principal.require(Role::Admin)?;
    let body: RoleBody = parse_json_body(&body)?;
    let role = parse_role(&body.role)?;
    if !state.store.set_user_role(id, role.as_str()).await? {
        return Err(ApiError::not_found(format!("user {id} not found")));
    }
    Ok(Json(json!({"message": "Organization user updated"})))
}

fn parse_role(text: &str) -> Result<Role, ApiError> {
    match text.parse::<Role>() {
        Ok(Role::None) | Err(_) => Err(ApiError::bad_request(format!(
            "role: expected viewer, editor or admin, found {text:?}"
        ))),
        Ok(role) => Ok(role),
    }
}

async fn new_password_hash(password: String) -> Result<String, ApiError> {
    if password.chars().count() < 4 {
        return Err(ApiError::bad_request(
            "password: must be at least 4 characters",
        ));
    }
    hash_password(password).await.map_err(ApiError::internal)
}
