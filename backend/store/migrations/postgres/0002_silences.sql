-- Alertmanager-style silences: the v2 API JSON of each silence, by its uuid. Expired ones are
-- kept (and garbage-collected by the server) so `amtool silence query --expired` sees them.
CREATE TABLE silences (
    id         TEXT   NOT NULL PRIMARY KEY,
    body       TEXT   NOT NULL,
    updated_at BIGINT NOT NULL
);
