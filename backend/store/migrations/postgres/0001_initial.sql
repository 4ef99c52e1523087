-- Pulsegrid's first schema (PostgreSQL). Timestamps are unix milliseconds; JSON is TEXT.
-- Keep in step with ../sqlite/0001_initial.sql: same tables, columns and constraints.

-- Dashboards saved through the API; provisioned ones live in the server's memory.
CREATE TABLE dashboards (
    id         BIGSERIAL PRIMARY KEY,
    uid        TEXT    NOT NULL UNIQUE,
    title      TEXT    NOT NULL,
    tags       TEXT    NOT NULL DEFAULT '[]',     -- JSON array of strings
    folder     TEXT    NOT NULL DEFAULT '',       -- '' is the General folder
    json       TEXT    NOT NULL,                  -- the dashboard model, as the server wrote it
    version    BIGINT  NOT NULL,
    created_at BIGINT  NOT NULL,
    updated_at BIGINT  NOT NULL,
    updated_by TEXT
);

-- Every saved state of a dashboard; deleted with the dashboard.
CREATE TABLE dashboard_versions (
    uid        TEXT   NOT NULL REFERENCES dashboards (uid) ON DELETE CASCADE,
    version    BIGINT NOT NULL,
    json       TEXT   NOT NULL,
    message    TEXT   NOT NULL DEFAULT '',
    created_by TEXT,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (uid, version)
);

CREATE TABLE users (
    id            BIGSERIAL PRIMARY KEY,
    login         TEXT   NOT NULL UNIQUE,
    name          TEXT   NOT NULL,
    password_hash TEXT   NOT NULL,
    role          TEXT   NOT NULL,
    created_at    BIGINT NOT NULL
);

-- API tokens; only a hash of the token is stored.
CREATE TABLE api_keys (
    id           BIGSERIAL PRIMARY KEY,
    name         TEXT   NOT NULL UNIQUE,
    role         TEXT   NOT NULL,
    key_hash     TEXT   NOT NULL UNIQUE,
    created_at   BIGINT NOT NULL,
    expires_at   BIGINT,
    last_used_at BIGINT
);

-- Login sessions; only a hash of the cookie token is stored.
CREATE TABLE sessions (
    token_hash TEXT   NOT NULL PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_user_id ON sessions (user_id);
CREATE INDEX sessions_expires_at ON sessions (expires_at);
