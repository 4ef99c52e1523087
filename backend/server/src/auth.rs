//! Who is asking: roles, the principal attached to every request, and the middleware that
//! resolves credentials (session cookie, `Bearer`/`Token` API tokens, Basic) into one.
//!
//! A request with credentials that do not check out is refused with 401 rather than treated as
//! anonymous, so a typo in a token never silently downgrades a writer into a reader.

pub mod limiter;
pub mod secret;

use std::fmt;
use std::net::SocketAddr;
use std::str::FromStr;

use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::header::{AUTHORIZATION, COOKIE, HOST, ORIGIN};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use pulsegrid_live::Peer;
use serde::{Deserialize, Serialize};

use crate::error::ApiError;
use crate::state::AppState;

/// Name of the login session cookie.
pub const SESSION_COOKIE: &str = "pulsegrid_session";

/// What a principal may do; each role includes the ones before it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Nothing: every request needs credentials.
    None,
    /// Read dashboards, datasources and data.
    Viewer,
    /// Also create, change and delete dashboards and silences; push data.
    Editor,
    /// Also manage users and API tokens.
    Admin,
}

impl Role {
    /// The lowercase name used in the API and config.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::None => "none",
            Role::Viewer => "viewer",
            Role::Editor => "editor",
            Role::Admin => "admin",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "none" => Ok(Role::None),
            "viewer" => Ok(Role::Viewer),
            "editor" => Ok(Role::Editor),
            "admin" => Ok(Role::Admin),
            other => Err(format!(
                "unknown role {other:?}: expected none, viewer, editor or admin"
            )),
        }
    }
}

/// How a principal proved who it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Identity {
    /// No credentials: the configured anonymous role applies.
    Anonymous,
    /// A user, by session cookie or Basic auth.
    User { id: i64, login: String },
    /// An API token.
    ApiKey { id: i64, name: String },
}

/// The caller of a request, resolved once by [`authenticate`] and read by handlers.
#[derive(Clone, Debug)]
pub struct Principal {
    /// What the caller may do.
    pub role: Role,
    /// Who the caller is.
    pub identity: Identity,
}

impl Principal {
    /// Fails with 401 (anonymous) or 403 (authenticated) unless the role reaches `needed`.
    pub fn require(&self, needed: Role) -> Result<(), ApiError> {
        if self.role >= needed {
            return Ok(());
        }
        match self.identity {
            Identity::Anonymous => Err(ApiError::unauthorized(format!(
                "authentication required: this needs the {needed} role"
            ))),
            _ => Err(ApiError::forbidden(format!(
                "permission denied: this needs the {needed} role, you have {}",
                self.role
            ))),
        }
    }

    /// A short name for audit fields such as `updatedBy`.
    pub fn display_name(&self) -> String {
        match &self.identity {
            Identity::Anonymous => "anonymous".to_owned(),
            Identity::User { login, .. } => login.clone(),
            Identity::ApiKey { name, .. } => format!("token:{name}"),
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Principal {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Principal>()
            .cloned()
            .ok_or_else(|| ApiError::internal("request reached a handler without authentication"))
    }
}

/// The credentials a request carries, before they are checked.
enum Credentials {
    Token(String),
    Basic { user: String, password: String },
    Session(String),
}

/// Middleware: resolves the request's credentials into a [`Principal`] extension.
pub async fn authenticate(
    State(state): State<AppState>,
    ConnectInfo(Peer { addr: peer, .. }): ConnectInfo<Peer>,
    mut request: Request,
    next: Next,
) -> Response {
    let principal = match credentials(request.headers(), request.uri().query()) {
        Err(e) => return e.into_response(),
        Ok(None) => Principal {
            role: state.config.anonymous_role,
            identity: Identity::Anonymous,
        },
        Ok(Some(creds)) => {
            let from_cookie = matches!(creds, Credentials::Session(_));
            if from_cookie && is_cross_site_write(request.method(), request.headers()) {
                return ApiError::forbidden(
                    "cross-site request refused: Origin does not match Host",
                )
                .into_response();
            }
            match resolve(&state, creds, peer).await {
                Ok(p) => p,
                Err(e) => return e.into_response(),
            }
        }
    };
    request.extensions_mut().insert(principal);
    next.run(request).await
}

fn credentials(headers: &HeaderMap, query: Option<&str>) -> Result<Option<Credentials>, ApiError> {
    if let Some(value) = headers.get(AUTHORIZATION) {
        let value = value
            .to_str()
            .map_err(|_| ApiError::unauthorized("Authorization header is not valid text"))?;
        let (scheme, rest) = value.split_once(' ').unwrap_or((value, ""));
        let rest = rest.trim();
        return match scheme.to_ascii_lowercase().as_str() {
            "bearer" | "token" => Ok(Some(Credentials::Token(rest.to_owned()))),
            "basic" => {
                let decoded = secret::decode_base64(rest)
                    .and_then(|b| String::from_utf8(b).ok())
                    .ok_or_else(|| {
                        ApiError::unauthorized("Basic credentials are not valid base64")
                    })?;
                let (user, password) = decoded.split_once(':').unwrap_or((&decoded, ""));
                // Grafana accepts an API token as Basic password of the user `api_key`.
                if user == "api_key" {
                    Ok(Some(Credentials::Token(password.to_owned())))
                } else {
                    Ok(Some(Credentials::Basic {
                        user: user.to_owned(),
                        password: password.to_owned(),
                    }))
                }
            }
            _ => Err(ApiError::unauthorized(format!(
                "unsupported Authorization scheme {scheme:?}: use Bearer, Token or Basic"
            ))),
        };
    }
    if let Some(creds) = query.and_then(query_credentials) {
        return Ok(Some(creds));
    }
    Ok(session_cookie(headers).map(Credentials::Session))
}

/// InfluxDB 1.x clients may authenticate with `?u=USER&p=PASSWORD` on `/write` and `/query`.
/// With no user (or `api_key`/`token`), `p` is an API token.
fn query_credentials(query: &str) -> Option<Credentials> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).ok()?;
    let get = |key: &str| pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone());
    let password = get("p").filter(|p| !p.is_empty())?;
    match get("u").unwrap_or_default().as_str() {
        "" | "api_key" | "token" => Some(Credentials::Token(password)),
        user => Some(Credentials::Basic {
            user: user.to_owned(),
            password,
        }),
    }
}

/// The session token from the `Cookie` header, if any.
pub fn session_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value.to_owned())
}

/// Browsers send `Origin` on cross-site writes; a cookie must not authorize those (CSRF).
fn is_cross_site_write(method: &Method, headers: &HeaderMap) -> bool {
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return false;
    }
    let (Some(origin), Some(host)) = (headers.get(ORIGIN), headers.get(HOST)) else {
        return false;
    };
    let origin = origin.to_str().unwrap_or("");
    let origin_host = origin.split_once("://").map_or(origin, |(_, h)| h);
    origin_host != host.to_str().unwrap_or("")
}

/// How stale an API token's `lastUsedAt` may get before a request updates it.
const TOUCH_EVERY_MS: i64 = 60_000;

async fn resolve(
    state: &AppState,
    creds: Credentials,
    peer: SocketAddr,
) -> Result<Principal, ApiError> {
    let now = crate::clock::now_ms();
    match creds {
        Credentials::Token(token) => {
            let key = state
                .store
                .api_key_by_hash(&secret::hash_token(&token))
                .await?
                .filter(|k| k.expires_at_ms.is_none_or(|at| at > now))
                .ok_or_else(|| ApiError::unauthorized("invalid or expired API token"))?;
            // `lastUsedAt` to the minute: a write per request would put a database commit
            // (an fsync) in front of every `/write` made with a token.
            if key
                .last_used_at_ms
                .is_none_or(|t| now - t >= TOUCH_EVERY_MS)
            {
                state.store.touch_api_key(key.id, now).await?;
            }
            Ok(Principal {
                role: key.role.parse().unwrap_or(Role::None),
                identity: Identity::ApiKey {
                    id: key.id,
                    name: key.name,
                },
            })
        }
        Credentials::Session(token) => {
            let user = state
                .store
                .session_user(&secret::hash_token(&token), now)
                .await?
                .ok_or_else(|| {
                    ApiError::unauthorized("session expired or invalid: log in again")
                })?;
            Ok(user_principal(user))
        }
        Credentials::Basic { user, password } => {
            let user = check_password(state, &user, &password, peer).await?;
            Ok(user_principal(user))
        }
    }
}

fn user_principal(user: pulsegrid_store::User) -> Principal {
    Principal {
        role: user.role.parse().unwrap_or(Role::None),
        identity: Identity::User {
            id: user.id,
            login: user.login,
        },
    }
}

/// Verifies a login and password, counting failures against the client address and the login;
/// too many failures answer 429 with `Retry-After` before any password is checked.
pub async fn check_password(
    state: &AppState,
    login: &str,
    password: &str,
    peer: SocketAddr,
) -> Result<pulsegrid_store::User, ApiError> {
    let keys = [format!("ip:{}", peer.ip()), format!("login:{login}")];
    for key in &keys {
        state.login_limiter.check(key)?;
    }
    let user = state.store.user_by_login(login).await?;
    let ok = match &user {
        Some(u) => secret::verify_password(password.to_owned(), u.password_hash.clone()).await,
        None => {
            // Spend the same time on unknown logins so timing does not reveal which exist.
            secret::verify_password(password.to_owned(), secret::DUMMY_HASH.to_owned()).await;
            false
        }
    };
    match user {
        Some(user) if ok => {
            state.login_limiter.clear(&keys[1]);
            Ok(user)
        }
        _ => {
            for key in &keys {
                state.login_limiter.record_failure(key);
            }
            state.metrics.login_failures.inc();
            Err(ApiError::unauthorized("invalid username or password"))
        }
    }
}
