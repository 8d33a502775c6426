-- Canned responses and knowledge-base snippets. scope decides who sees a
-- row: 'personal' its owner (owner_id), 'team' the team's members
-- (team_id), 'global' everyone. Unused ids are 0, as elsewhere, so there is
-- no foreign key: a team's rows outlive the team and simply stop showing.
CREATE TABLE canned_responses (
    id         BIGSERIAL PRIMARY KEY,
    scope      TEXT NOT NULL CHECK (scope IN ('personal', 'team', 'global')),
    owner_id   BIGINT NOT NULL DEFAULT 0,
    team_id    BIGINT NOT NULL DEFAULT 0,
    title      TEXT NOT NULL,
    shortcut   TEXT NOT NULL DEFAULT '',
    body       TEXT NOT NULL,
    kind       TEXT NOT NULL DEFAULT 'canned' CHECK (kind IN ('canned', 'snippet')),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX canned_responses_owner ON canned_responses (owner_id) WHERE scope = 'personal';
CREATE INDEX canned_responses_team ON canned_responses (team_id) WHERE scope = 'team';
