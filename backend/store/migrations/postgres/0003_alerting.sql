-- The alerting engine's persistence (PostgreSQL). Timestamps are unix milliseconds; bodies are
-- the JSON the alerting crate writes, opaque to the store, so its model grows without
-- migrations.
-- Keep in step with ../sqlite/0003_alerting.sql: same tables, columns and constraints.

-- The state of each rule after its last evaluation (its alert instances), for a warm start.
-- `fingerprint` is the rule's fingerprint when the state was written: a changed rule starts
-- afresh instead of inheriting the state of its old definition.
CREATE TABLE alert_rule_state (
    rule_key    TEXT   NOT NULL PRIMARY KEY,
    fingerprint TEXT   NOT NULL,
    body        TEXT   NOT NULL,
    updated_at  BIGINT NOT NULL
);

-- Every state transition of an alert instance (Normal -> Pending -> Firing -> ...).
CREATE TABLE alert_history (
    id         BIGSERIAL PRIMARY KEY,
    rule_key   TEXT   NOT NULL,
    alertname  TEXT   NOT NULL,
    instance   TEXT   NOT NULL,                   -- the instance fingerprint, hex
    labels     TEXT   NOT NULL,                   -- JSON object of the instance's labels
    from_state TEXT   NOT NULL,
    to_state   TEXT   NOT NULL,
    value      DOUBLE PRECISION,                  -- NULL when there is none (or it was NaN)
    at         BIGINT NOT NULL
);
CREATE INDEX alert_history_rule_instance_at ON alert_history (rule_key, instance, at);
CREATE INDEX alert_history_at ON alert_history (at);

-- What was last notified per receiver and alert group (Alertmanager's nflog), so a restart
-- neither notifies twice nor forgets to send the resolved message.
CREATE TABLE notify_log (
    receiver   TEXT   NOT NULL,
    group_key  TEXT   NOT NULL,
    body       TEXT   NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (receiver, group_key)
);

-- Notifications written before they are sent, so none is lost to a restart; a row is
-- 'pending' until it is 'delivered' or has 'failed' for good.
CREATE TABLE notification_outbox (
    id              BIGSERIAL PRIMARY KEY,
    receiver        TEXT    NOT NULL,
    integration     TEXT    NOT NULL,           -- e.g. 'webhook[0]', 'email[1]'
    group_key       TEXT    NOT NULL,
    body            TEXT    NOT NULL,           -- the notification JSON
    status          TEXT    NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at BIGINT  NOT NULL,
    last_error      TEXT,
    created_at      BIGINT  NOT NULL,
    delivered_at    BIGINT,                     -- set when status becomes 'delivered'
    failed_at       BIGINT                      -- set when status becomes 'failed'
);
CREATE INDEX notification_outbox_status_next_attempt_at
    ON notification_outbox (status, next_attempt_at);
