-- Times are unix milliseconds (UTC) on both engines, so that one body of SQL
-- serves SQLite and PostgreSQL and every comparison is exact. 0 means unset.

CREATE TABLE managers (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    login            TEXT NOT NULL UNIQUE,
    name             TEXT NOT NULL DEFAULT '',
    password_hash    TEXT NOT NULL DEFAULT '',
    role             TEXT NOT NULL DEFAULT 'agent',
    presence         TEXT NOT NULL DEFAULT 'offline',
    presence_at      BIGINT NOT NULL DEFAULT 0,
    capacity         INTEGER NOT NULL DEFAULT 5,
    load             INTEGER NOT NULL DEFAULT 0 CHECK (load >= 0),
    phone            TEXT NOT NULL DEFAULT '',
    mailbox          TEXT NOT NULL DEFAULT '',
    disabled         INTEGER NOT NULL DEFAULT 0,
    last_assigned_at BIGINT NOT NULL DEFAULT 0,
    created_at       BIGINT NOT NULL
);

CREATE TABLE teams (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    name               TEXT NOT NULL UNIQUE,
    strategy           TEXT NOT NULL DEFAULT 'round_robin',
    sla_seconds        BIGINT NOT NULL DEFAULT 0,
    owner_wait_seconds BIGINT NOT NULL DEFAULT 0,
    hours              TEXT NOT NULL DEFAULT '',
    cursor_manager     BIGINT NOT NULL DEFAULT 0,
    created_at         BIGINT NOT NULL
);

CREATE TABLE team_members (
    team_id    BIGINT NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
    manager_id BIGINT NOT NULL REFERENCES managers(id) ON DELETE CASCADE,
    PRIMARY KEY (team_id, manager_id)
);
CREATE INDEX team_members_manager ON team_members (manager_id);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    manager_id BIGINT NOT NULL REFERENCES managers(id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_manager ON sessions (manager_id);

CREATE TABLE api_tokens (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    manager_id   BIGINT NOT NULL REFERENCES managers(id) ON DELETE CASCADE,
    name         TEXT NOT NULL DEFAULT '',
    token_hash   TEXT NOT NULL UNIQUE,
    created_at   BIGINT NOT NULL,
    last_used_at BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE clients (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    kind        TEXT NOT NULL DEFAULT 'person',
    name        TEXT NOT NULL DEFAULT '',
    -- search_text is the lower-cased name (Unicode-aware, done in Go since
    -- SQLite's lower() folds ASCII only).
    search_text TEXT NOT NULL DEFAULT '',
    company_id  BIGINT NOT NULL DEFAULT 0,
    owner_id    BIGINT NOT NULL DEFAULT 0,
    merged_into BIGINT NOT NULL DEFAULT 0,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);

CREATE TABLE identities (
    kind       TEXT NOT NULL,
    value      TEXT NOT NULL,
    client_id  BIGINT NOT NULL REFERENCES clients(id),
    weak       INTEGER NOT NULL DEFAULT 0,
    -- domain holds an email identity's domain, for the corporate-domain
    -- duplicate signal.
    domain     TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    PRIMARY KEY (kind, value)
);
CREATE INDEX identities_client ON identities (client_id);
CREATE INDEX identities_domain ON identities (domain) WHERE domain <> '';

CREATE TABLE name_tokens (
    token     TEXT NOT NULL,
    client_id BIGINT NOT NULL REFERENCES clients(id),
    PRIMARY KEY (token, client_id)
);
CREATE INDEX name_tokens_client ON name_tokens (client_id);

CREATE TABLE duplicate_candidates (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    client_a   BIGINT NOT NULL REFERENCES clients(id),
    client_b   BIGINT NOT NULL REFERENCES clients(id),
    reason     TEXT NOT NULL,
    score      REAL NOT NULL,
    status     TEXT NOT NULL DEFAULT 'open',
    created_at BIGINT NOT NULL,
    UNIQUE (client_a, client_b),
    CHECK (client_a < client_b)
);
CREATE INDEX duplicate_candidates_b ON duplicate_candidates (client_b);

CREATE TABLE dialogs (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    client_id         BIGINT NOT NULL REFERENCES clients(id),
    channel           TEXT NOT NULL,
    thread_key        TEXT NOT NULL DEFAULT '',
    subject           TEXT NOT NULL DEFAULT '',
    status            TEXT NOT NULL DEFAULT 'open',
    team_id           BIGINT NOT NULL DEFAULT 0,
    assignee_id       BIGINT NOT NULL DEFAULT 0,
    reserved_for      BIGINT NOT NULL DEFAULT 0,
    reserved_until    BIGINT NOT NULL DEFAULT 0,
    sla_due_at        BIGINT NOT NULL DEFAULT 0,
    first_response_at BIGINT NOT NULL DEFAULT 0,
    unread            INTEGER NOT NULL DEFAULT 0,
    last_message_at   BIGINT NOT NULL,
    queued_at         BIGINT NOT NULL DEFAULT 0,
    closed_at         BIGINT NOT NULL DEFAULT 0,
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL
);
CREATE INDEX dialogs_client ON dialogs (client_id, channel, thread_key);
CREATE INDEX dialogs_assignee ON dialogs (assignee_id, last_message_at);
CREATE INDEX dialogs_queue ON dialogs (team_id, queued_at) WHERE assignee_id = 0 AND status <> 'closed';
CREATE INDEX dialogs_sla ON dialogs (sla_due_at) WHERE sla_due_at > 0;
CREATE INDEX dialogs_activity ON dialogs (last_message_at, id);

CREATE TABLE messages (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    dialog_id   BIGINT NOT NULL REFERENCES dialogs(id),
    client_id   BIGINT NOT NULL REFERENCES clients(id),
    channel     TEXT NOT NULL,
    external_id TEXT NOT NULL,
    direction   TEXT NOT NULL,
    author_id   BIGINT NOT NULL DEFAULT 0,
    subject     TEXT NOT NULL DEFAULT '',
    body_text   TEXT NOT NULL DEFAULT '',
    body_html   TEXT NOT NULL DEFAULT '',
    status      TEXT NOT NULL DEFAULT '',
    error       TEXT NOT NULL DEFAULT '',
    meta        TEXT NOT NULL DEFAULT '',
    automated   INTEGER NOT NULL DEFAULT 0,
    created_at  BIGINT NOT NULL,
    UNIQUE (channel, external_id)
);
CREATE INDEX messages_dialog ON messages (dialog_id, id);
CREATE INDEX messages_client ON messages (client_id, created_at);

CREATE TABLE attachments (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    message_id   BIGINT NOT NULL REFERENCES messages(id),
    filename     TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         BIGINT NOT NULL,
    content_id   TEXT NOT NULL DEFAULT '',
    blob_key     TEXT NOT NULL
);
CREATE INDEX attachments_message ON attachments (message_id);

CREATE TABLE calls (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    client_id   BIGINT NOT NULL REFERENCES clients(id),
    dialog_id   BIGINT NOT NULL DEFAULT 0,
    channel     TEXT NOT NULL,
    external_id TEXT NOT NULL,
    direction   TEXT NOT NULL,
    from_number TEXT NOT NULL DEFAULT '',
    to_number   TEXT NOT NULL DEFAULT '',
    manager_id  BIGINT NOT NULL DEFAULT 0,
    ring_at     BIGINT NOT NULL,
    answer_at   BIGINT NOT NULL DEFAULT 0,
    end_at      BIGINT NOT NULL DEFAULT 0,
    outcome     TEXT NOT NULL DEFAULT '',
    recording   TEXT NOT NULL DEFAULT '',
    UNIQUE (channel, external_id)
);
CREATE INDEX calls_client ON calls (client_id, ring_at);

CREATE TABLE leads (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    source        TEXT NOT NULL,
    external_id   TEXT NOT NULL,
    client_id     BIGINT NOT NULL REFERENCES clients(id),
    dialog_id     BIGINT NOT NULL DEFAULT 0,
    campaign      TEXT NOT NULL DEFAULT '',
    utm           TEXT NOT NULL DEFAULT '',
    raw           TEXT NOT NULL DEFAULT '',
    status        TEXT NOT NULL DEFAULT 'new',
    reject_reason TEXT NOT NULL DEFAULT '',
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL,
    UNIQUE (source, external_id)
);
CREATE INDEX leads_client ON leads (client_id, created_at);

-- The event log. SQLite has one writer, so ids from event_seq are in commit
-- order; the table matches PostgreSQL's so the SQL is shared.
CREATE TABLE event_seq (
    one  INTEGER PRIMARY KEY DEFAULT 1 CHECK (one = 1),
    last BIGINT NOT NULL
);
INSERT INTO event_seq (one, last) VALUES (1, 0);

CREATE TABLE events (
    id         BIGINT PRIMARY KEY,
    type       TEXT NOT NULL,
    at         BIGINT NOT NULL,
    data       TEXT NOT NULL,
    dialog_id  BIGINT NOT NULL DEFAULT 0,
    client_id  BIGINT NOT NULL DEFAULT 0,
    team_id    BIGINT NOT NULL DEFAULT 0,
    manager_id BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX events_at ON events (at);

CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    message_id      BIGINT NOT NULL DEFAULT 0,
    dialog_id       BIGINT NOT NULL DEFAULT 0,
    channel         TEXT NOT NULL,
    idempotency_key TEXT NOT NULL UNIQUE,
    payload         TEXT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'pending',
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    locked_until    BIGINT NOT NULL DEFAULT 0,
    last_error      TEXT NOT NULL DEFAULT '',
    external_id     TEXT NOT NULL DEFAULT '',
    created_at      BIGINT NOT NULL,
    sent_at         BIGINT NOT NULL DEFAULT 0,
    failed_at       BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE status IN ('pending', 'sending');

-- Per-adapter cursors (IMAP UIDs, update offsets), written in the same
-- transaction as what they acknowledge.
CREATE TABLE channel_state (
    scope TEXT NOT NULL,
    key   TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (scope, key)
);
